"""Threads: one Preprocessor shared by several Python threads gives each the single-threaded result,
and the binding releases the GIL inside the library (shown without any timing: while one thread is
inside the library, another runs Python code)."""
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


OVERLAP = """
import ctypes, sys, threading, time
sys.path[:0] = {paths!r}
import numpy as np
import mammo_prep
from mammo_prep import _lib

# No forced GIL hand-overs: a thread gives the GIL up only when it blocks or calls something that
# releases it. The spinner releases it at every step (time.sleep(0)); the caller's only release is
# inside the foreign call, if the binding releases it there. So the counter can change between
# `before` and `after` only if the spinner ran while the caller was inside the library.
sys.setswitchinterval(1e6)
image = {image!r}
pre = mammo_prep.Preprocessor(model="resnet50d")
out = np.empty((3, 224, 224), np.float32)
pre(image, out=out)                      # library loaded, workspace made
kind = {kind!r}
run = (ctypes.PyDLL if kind == "pydll" else ctypes.CDLL)(_lib.lib()._name).mammo_prep_run
run.restype, run.argtypes = _lib.lib().mammo_prep_run.restype, _lib.lib().mammo_prep_run.argtypes
source, keep = _lib.source_of(image)
counter, done = 0, False

def spin():
    global counter
    while not done:
        counter += 1
        time.sleep(0)

t = threading.Thread(target=spin)
t.start()
time.sleep(0)
changed = 0
for attempt in range(50):
    before = counter
    status = run(pre._ptr(), None, ctypes.byref(source), 0, out.ctypes.data, out.size, _lib._int64_3(), None, None)
    assert status == 0
    changed += counter != before
    if changed and kind == "cdll":
        break
done = True
t.join()
print(changed)
"""


def _overlaps(kind: str) -> int:
    image = str(FIXTURES / "dicom" / "mg12_mono2_explicit_le.dcm")
    proc = run_python(OVERLAP.format(paths=[p for p in sys.path if p], image=image, kind=kind), timeout=300)
    assert proc.returncode == 0, proc.stderr
    return int(proc.stdout.split()[-1])


def test_another_thread_runs_while_one_is_inside_the_library():
    """With the binding's CDLL, the spinning thread runs during one of 50 calls; with the same
    function through ctypes.PyDLL (which holds the GIL) never: the check can tell the two apart."""
    assert _overlaps("cdll") > 0
    assert _overlaps("pydll") == 0
