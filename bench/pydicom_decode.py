#!/usr/bin/env python3
"""The pydicom side of bench/decode.sh.

    pydicom_decode.py FILE...                 time `dcmread(f).pixel_array` per file
    pydicom_decode.py --compare NPY FILE      max |mammo-prep dump-stored - pydicom pixel_array|
    pydicom_decode.py --versions              versions of the Python side

Every mode prints one JSON object on stdout.

Timing mode: everything is imported (pydicom, numpy and the pylibjpeg plugins) before the clock
starts, so interpreter start-up and imports are excluded; each file is timed on its own with
time.perf_counter() around `pydicom.dcmread(f).pixel_array`, in one process, in the order given.
No warm-up decode is done (mammo-prep's figure includes its process start-up too).
"""
from __future__ import annotations

import argparse
import json
import sys
import time

import numpy as np
import pydicom
from pydicom.pixels.decoders.base import get_decoder

# Import the decoding plugins now, so the first file does not pay for a lazy import.
import pylibjpeg  # noqa: F401
import libjpeg  # noqa: F401
import openjpeg  # noqa: F401
import rle  # noqa: F401

from benchlib import PYDICOM_STACK, versions  # bench/ is on sys.path (script dir)

NATIVE = {"1.2.840.10008.1.2", "1.2.840.10008.1.2.1", "1.2.840.10008.1.2.1.99",
          "1.2.840.10008.1.2.2"}


def plugin_for(ts: str) -> str:
    """The pydicom decoding plugin tried first for `ts` (the one used when it succeeds)."""
    if ts in NATIVE:
        return "native (numpy)"
    try:
        decoder = get_decoder(ts)
    except Exception:  # no decoder for this syntax at all
        return "none"
    order = list(getattr(decoder, "_available", {}))  # try order; public list is sorted
    return order[0] if order else "none available"


def time_files(paths: list[str]) -> dict:
    ms = []
    shape = None
    for path in paths:
        t0 = time.perf_counter()
        arr = pydicom.dcmread(path).pixel_array
        t1 = time.perf_counter()
        ms.append((t1 - t0) * 1000.0)
        shape = list(arr.shape)
        del arr
    ts = str(pydicom.dcmread(paths[0], stop_before_pixels=True).file_meta.TransferSyntaxUID)
    return {"files": len(paths), "mean_ms": sum(ms) / len(ms), "ms": ms, "shape": shape,
            "plugin": plugin_for(ts)}


def compare(npy: str, path: str) -> dict:
    ours = np.load(npy)
    ds = pydicom.dcmread(path)
    theirs = np.asarray(ds.pixel_array)
    frames = int(getattr(ds, "NumberOfFrames", 1) or 1)
    theirs = theirs.reshape(frames, int(ds.Rows), int(ds.Columns))
    out = {"shape_mammo_prep": list(ours.shape), "shape_pydicom": list(theirs.shape),
           "dtype_mammo_prep": str(ours.dtype), "dtype_pydicom": str(theirs.dtype),
           "plugin": plugin_for(str(ds.file_meta.TransferSyntaxUID))}
    if ours.shape != theirs.shape:
        out["max_abs_diff"] = None
        return out
    diff = np.abs(ours.astype(np.int64) - theirs.astype(np.int64))
    out["max_abs_diff"] = int(diff.max())
    out["pixels_differing"] = int(np.count_nonzero(diff))
    return out


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("files", nargs="*")
    p.add_argument("--compare", metavar="NPY", help="compare FILE with this dump-stored .npy")
    p.add_argument("--versions", action="store_true")
    a = p.parse_args(argv)
    if a.versions:
        result = versions(*PYDICOM_STACK)
    elif a.compare:
        if len(a.files) != 1:
            p.error("--compare takes exactly one FILE")
        result = compare(a.compare, a.files[0])
    else:
        if not a.files:
            p.error("no files")
        result = time_files(a.files)
    print(json.dumps(result))
    return 0


if __name__ == "__main__":
    sys.exit(main())
