"""Threads: one Preprocessor shared by several Python threads gives each the single-threaded result,
and the binding releases the GIL inside the library (shown without any timing: a thread blocked
inside the library on a FIFO lets another Python thread run and unblock it)."""
from __future__ import annotations

import ctypes
import sys
import threading

import mammo_prep
from mammo_prep import _lib
from conftest import FIXTURES, GOOD, run_python

FILES = [str(FIXTURES / e["path"]) for e in GOOD]


def test_the_binding_is_a_cdll_not_a_pydll():
    """ctypes.CDLL releases the GIL around every foreign call; PyDLL would hold it."""
    lib = _lib.lib()
    assert isinstance(lib, ctypes.CDLL) and not isinstance(lib, ctypes.PyDLL)


def test_threads_share_a_preprocessor_and_get_the_single_threaded_result():
    pre = mammo_prep.Preprocessor(model="resnet50d", crop_breast=True)
    want = {path: pre(path).tobytes() for path in FILES}
    errors, barrier = [], threading.Barrier(4)

    def worker(k):
        try:
            barrier.wait()
            for i in range(3):
                for path in FILES[k::2] + FILES[1 - k::2]:
                    data = open(path, "rb").read() if i == 1 else path
                    assert pre(data).tobytes() == want[path], (k, i, path)
        except BaseException as e:          # reported below, in the main thread
            errors.append(e)

    threads = [threading.Thread(target=worker, args=(k % 2,)) for k in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []


FIFO = """
import os, sys, threading
sys.path[:0] = {paths!r}
import mammo_prep
fifo = {fifo!r}
os.mkfifo(fifo)
result = {{}}
def reader():
    try:
        result["attributes"] = mammo_prep.inspect(fifo)     # blocks in open() until a writer comes
    except BaseException as e:
        result["error"] = repr(e)
t = threading.Thread(target=reader)
t.start()
# This thread gets to run only if the reader released the GIL while blocked inside the library.
with open(fifo, "wb") as w:
    w.write(open({image!r}, "rb").read())
t.join()
print(result)
"""


def test_a_thread_blocked_inside_the_library_does_not_hold_the_gil(tmp_path):
    image = str(FIXTURES / "dicom" / "mg12_mono2_explicit_le.dcm")
    code = FIFO.format(paths=[p for p in sys.path if p], fifo=str(tmp_path / "fifo"), image=image)
    proc = run_python(code, timeout=120)      # a held GIL deadlocks: the timeout fails the test
    assert proc.returncode == 0, proc.stderr
    assert "'rows': 160" in proc.stdout, proc.stdout
