#!/usr/bin/env python3
"""The Python peer of bench/stats.sh: the `mammo-prep stats --mask none` job written the way a
competent engineer would write it with pydicom and numpy.

    peer_stats.py --jobs 2 FILE...
        pooled mean and population std (ddof 0) of every windowed pixel of the files, as JSON
        {"mean": m, "std": s, "count": n, "files": k, "jobs": j, "seconds_in_script": t}.
    peer_stats.py --versions
        versions of the Python side (pydicom, pylibjpeg plugins, numpy, Python).

Errors go to stderr (one line) with exit status 1.

A fork multiprocessing.Pool(jobs) maps the files, one file per task. Each worker reads the stored
values with `pydicom.dcmread(f).pixel_array` (the pylibjpeg plugins decode compressed syntaxes)
and windows them with bench/peer_convert.py's `read_pydicom` and `window`, imported rather than
copied, so the pixels are the ones that peer writes to .npy: rescale, window index 0 with its VOI
LUT Function (LINEAR / LINEAR_EXACT / SIGMOID; no valid window -> the full stored range), then
MONOCHROME1 -> 1 - v, all in float64, cast to float32 (as `mammo-prep stats` pools the float32
values `convert` writes). Per file, in float64:

    n = pixel count,  s = sum(v),  M2 = sum((v - s/n)^2)            (two passes, about the file mean)

The parent merges the files' (n, s, M2) in input order with the pairwise update of Chan, Golub and
LeVeque (docs/stats.md):

    n = nA + nB,  d = meanB - meanA,  mean = meanA + d * nB / n,  M2 = M2A + M2B + d^2 * nA * nB / n

and prints mean and std = sqrt(M2 / n).
"""
from __future__ import annotations

import argparse
import json
import math
import sys
import time

import numpy as np

from benchlib import PYDICOM_STACK, versions  # noqa: E402
from peer_convert import import_backend, read_pydicom, window  # bench/ is on sys.path (script dir)


def file_moments(path: str):
    stored, meta = read_pydicom(path)
    v = window(stored, **meta)                 # float32, 0..1, like the .npy of convert
    n = v.size
    s = float(v.sum(dtype=np.float64))
    d = v.astype(np.float64)
    d -= s / n
    m2 = float(np.dot(d.ravel(), d.ravel()))
    return n, s, m2


def merge(parts):
    """Chan et al. pairwise update over (n, sum, M2) triples, in order -> (n, mean, M2)."""
    n, mean, m2 = 0, 0.0, 0.0
    for nb, sb, m2b in parts:
        if nb == 0:
            continue
        mb = sb / nb
        total = n + nb
        delta = mb - mean
        mean += delta * nb / total
        m2 += m2b + delta * delta * n * nb / total
        n = total
    return n, mean, m2


def stats(jobs: int, files: list[str]) -> dict:
    import multiprocessing
    t0 = time.perf_counter()
    with multiprocessing.get_context("fork").Pool(jobs) as pool:
        parts = pool.map(file_moments, files, chunksize=1)   # results in input order
    n, mean, m2 = merge(parts)
    return {"mean": mean, "std": math.sqrt(m2 / n) if n else float("nan"), "count": n,
            "files": len(parts), "jobs": jobs, "seconds_in_script": time.perf_counter() - t0}


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("files", nargs="*")
    p.add_argument("--jobs", type=int, default=2)
    p.add_argument("--versions", action="store_true")
    a = p.parse_args(argv)
    if a.versions:
        result = versions(*PYDICOM_STACK, bundled_openjpeg=False)
    else:
        if not a.files:
            p.error("FILE... needed")
        if a.jobs < 1:
            p.error("--jobs must be >= 1")
        import_backend("pydicom")               # once in the parent, before the fork
        try:
            result = stats(a.jobs, a.files)
        except Exception as exc:  # one line for the report (the pool re-raises the worker's error)
            msg = " ".join(str(exc).split()) or type(exc).__name__
            print("peer_stats.py: %s: %s" % (type(exc).__name__, msg), file=sys.stderr)
            return 1
    print(json.dumps(result))
    return 0


if __name__ == "__main__":
    sys.exit(main())
