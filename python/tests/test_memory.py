"""Memory: the resident set stays flat (within a few MB) over 2,000 reads of the same file, and every
handle (pipeline, per-thread workspace) is destroyed when its Python object dies. Each run is a
fresh interpreter, so the session's other allocations do not blur the figure."""
from __future__ import annotations

import gc
import sys
import threading

import mammo_prep
from conftest import FIXTURES, run_python

IMAGE = str(FIXTURES / "dicom" / "mg12_mono2_jpegls_lossless.dcm")   # a codec, not only memcpy

FLAT = """
import sys, os, gc
sys.path[:0] = {paths!r}
import numpy as np
import mammo_prep
def rss():
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") // 1024
data = open({image!r}, "rb").read()
pre = mammo_prep.Preprocessor(crop_breast=True)
out = np.empty(pre(data).shape, np.float32)
def one(i):
    kind = i % 4
    if kind == 0: pre({image!r})
    elif kind == 1: pre(data, out=out)
    elif kind == 2: pre.read(data)
    else:
        pre.output_shape({image!r}); mammo_prep.inspect(data)
for i in range(200):          # warm-up: allocator pools, caches, workspace buffers
    one(i)
gc.collect()
before = rss()
for i in range({n}):
    one(i)
gc.collect()
after = rss()
print(before, after)
"""


def test_rss_flat_over_2000_reads():
    code = FLAT.format(paths=[p for p in sys.path if p], image=IMAGE, n=2000)
    proc = run_python(code, timeout=900)
    assert proc.returncode == 0, proc.stderr
    before, after = map(int, proc.stdout.split())
    assert after - before < 4 * 1024, f"RSS grew by {(after - before) / 1024:.1f} MiB over 2,000 reads"


CHURN = """
import sys, os, gc, threading
sys.path[:0] = {paths!r}
import mammo_prep
def rss():
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") // 1024
def cycle():
    pre = mammo_prep.Preprocessor(model="resnet50d", crop_breast=True)
    pre({image!r})
    t = threading.Thread(target=pre, args=({image!r},))     # a second workspace, in another thread
    t.start(); t.join()
for _ in range(20):
    cycle()
gc.collect()
before = rss()
for _ in range({n}):
    cycle()
gc.collect()
print(before, rss())
"""


def test_rss_flat_over_many_preprocessors():
    proc = run_python(CHURN.format(paths=[p for p in sys.path if p], image=IMAGE, n=150), timeout=900)
    assert proc.returncode == 0, proc.stderr
    before, after = map(int, proc.stdout.split())
    assert after - before < 4 * 1024, f"RSS grew by {(after - before) / 1024:.1f} MiB over 150 pipelines"


def test_handles_are_destroyed_when_objects_die():
    pre = mammo_prep.Preprocessor(size=64)
    pre(IMAGE)
    seen = []

    def in_thread():
        pre(IMAGE)
        seen.append(pre._local.workspace.finalizer)

    t = threading.Thread(target=in_thread)
    t.start()
    t.join()
    main_ws = pre._local.workspace.finalizer
    pipeline = pre._handle.finalizer
    assert pipeline.alive and main_ws.alive
    gc.collect()
    assert not seen[0].alive, "the finished thread's workspace was not destroyed"
    del pre
    gc.collect()
    assert not pipeline.alive and not main_ws.alive


def test_close_destroys_the_pipeline_at_once():
    pre = mammo_prep.Preprocessor()
    finalizer = pre._handle.finalizer
    pre.close()
    assert not finalizer.alive
