#!/usr/bin/env python3
"""The Python peers of bench/convert.sh: the `mammo-prep convert` job written the way a competent
engineer would write it in Python.

    peer_convert.py --backend pydicom|dicomsdl --jobs 2 --out DIR FILE...
        DICOM -> DIR/NAME.npy (NumPy 1.0, '<f4', shape (1, H, W), values 0..1), NAME = file stem.
    peer_convert.py --compare A.npy B.npy
        max |A - B| (both float32 .npy) as JSON.
    peer_convert.py --explain FILE --backend B --mammo-stored S.npy --mammo M.npy
        why a peer's output differs from mammo-prep's: stored values of the peer's decoder vs
        `mammo-prep dump-stored` (S.npy), and the peer's windowing applied to mammo-prep's stored
        values vs mammo-prep's output (M.npy). Splits decoder differences from windowing ones.
    peer_convert.py --stored-check FILE
        dicomsdl's pixelData(storedvalue=True) vs pydicom's pixel_array on FILE.
    peer_convert.py --versions
        versions of the Python side, including dicomsdl.

Every mode prints one JSON object on stdout; conversion errors go to stderr (one line) with exit 1.

Conversion: a multiprocessing.Pool(jobs) (fork) maps the files, one file per task. Each worker
reads the STORED values (pydicom: `dcmread(f).pixel_array` with the pylibjpeg plugins;
dicomsdl: `dicomsdl.open(f).pixelData(storedvalue=True)`, which skips dicomsdl's own float32
rescale), reads the grey-level attributes with the same library, and applies the pipeline of
docs/windowing.md sections 3, 6 and 7 with vectorized numpy in float64, then casts to float32:

    x = stored * RescaleSlope + RescaleIntercept            (1 / 0 when absent)
    window 0 (WindowCenter/WindowWidth index 0) with VOILUTFunction (absent -> LINEAR):
      LINEAR        v = clip((x - (c - 0.5)) / (w - 1) + 0.5, 0, 1)       (needs w >= 1)
      LINEAR_EXACT  v = clip((x - c) / w + 0.5, 0, 1)                     (needs w > 0)
      SIGMOID       v = 1 / (1 + exp(-4 (x - c) / w))                      (needs w > 0)
    no (valid) window: v = (x - ymin) / (ymax - ymin), [ymin, ymax] = the Bits Stored range
                       (signed when Pixel Representation is 1) passed through the rescale
    MONOCHROME1: v = 1 - v
    np.save(DIR/NAME.npy, v.astype(np.float32)[None])

clip() is the LINEAR piecewise rule `x <= c-0.5-(w-1)/2 -> 0; x > c-0.5+(w-1)/2 -> 1; else
formula`: at both edges the formula itself is 0 and 1, so the two differ by at most an ulp of
float64. Only what is needed is imported: the dicomsdl peer never imports pydicom.
"""
from __future__ import annotations

import argparse
import json
import os
import sys
import time

import numpy as np

from benchlib import PYDICOM_STACK, versions  # bench/ is on sys.path (script dir)

LINEAR, LINEAR_EXACT, SIGMOID = "LINEAR", "LINEAR_EXACT", "SIGMOID"


# --- the grey-level pipeline (shared by both backends) --------------------------------------------

def _first(v):
    """First value of a possibly multi-valued attribute, as float (None when absent/empty)."""
    if v is None:
        return None
    if isinstance(v, (list, tuple)) or (hasattr(v, "__len__") and not isinstance(v, (str, bytes))):
        if len(v) == 0:
            return None
        v = v[0]
    if isinstance(v, str) and not v.strip():
        return None
    return float(v)


def window(stored: np.ndarray, *, slope, intercept, center, width, function, photometric,
           bits_stored: int, signed: bool) -> np.ndarray:
    """Stored values -> float32 0..1 (see the module docstring), computed in float64."""
    slope = 1.0 if slope is None else float(slope)
    intercept = 0.0 if intercept is None else float(intercept)
    function = (function or LINEAR).strip().upper() or LINEAR
    x = stored.astype(np.float64)
    if slope != 1.0:
        x *= slope
    if intercept != 0.0:
        x += intercept
    valid = center is not None and width is not None and (
        width >= 1.0 if function == LINEAR else width > 0.0)
    if valid and function == SIGMOID:
        x -= center
        x *= -4.0 / width
        np.exp(x, out=x)
        x += 1.0
        np.divide(1.0, x, out=x)
    elif valid and function == LINEAR_EXACT:
        x -= center
        x /= width
        x += 0.5
        np.clip(x, 0.0, 1.0, out=x)
    elif valid:  # LINEAR, and (like DCMTK and mammo-prep) any unknown function
        x -= center - 0.5
        x /= width - 1.0
        x += 0.5
        np.clip(x, 0.0, 1.0, out=x)
    else:        # no window: the full stored range through the rescale
        lo = -(1 << (bits_stored - 1)) if signed else 0
        hi = lo + (1 << bits_stored) - 1
        ymin, ymax = lo * slope + intercept, hi * slope + intercept
        x -= ymin
        x /= ymax - ymin
    if (photometric or "").strip().upper() == "MONOCHROME1":
        np.subtract(1.0, x, out=x)
    return x.astype(np.float32)


# --- backends: stored values + the attributes the pipeline needs ---------------------------------

def read_pydicom(path: str):
    import pydicom
    ds = pydicom.dcmread(path)
    stored = ds.pixel_array
    meta = dict(
        slope=_first(ds.get("RescaleSlope")), intercept=_first(ds.get("RescaleIntercept")),
        center=_first(ds.get("WindowCenter")), width=_first(ds.get("WindowWidth")),
        function=ds.get("VOILUTFunction"), photometric=ds.get("PhotometricInterpretation"),
        bits_stored=int(ds.BitsStored), signed=int(ds.PixelRepresentation) == 1)
    return stored, meta


def read_dicomsdl(path: str):
    import dicomsdl
    dcm = dicomsdl.open(path)
    stored = dcm.pixelData(index=0, storedvalue=True)   # stored values, no float32 rescale
    meta = dict(
        slope=_first(dcm.RescaleSlope), intercept=_first(dcm.RescaleIntercept),
        center=_first(dcm.WindowCenter), width=_first(dcm.WindowWidth),
        function=dcm.VOILUTFunction, photometric=dcm.PhotometricInterpretation,
        bits_stored=int(dcm.BitsStored), signed=int(dcm.PixelRepresentation or 0) == 1)
    return stored, meta


READERS = {"pydicom": read_pydicom, "dicomsdl": read_dicomsdl}
_reader = None
_out = None


def _init(backend: str, out: str) -> None:
    global _reader, _out
    _reader, _out = READERS[backend], out


def convert_one(path: str) -> str:
    stored, meta = _reader(path)
    arr = window(stored, **meta)
    name = os.path.splitext(os.path.basename(path))[0]
    np.save(os.path.join(_out, name + ".npy"), arr[None])
    return name


def convert(backend: str, jobs: int, out: str, files: list[str]) -> dict:
    import multiprocessing
    t0 = time.perf_counter()
    os.makedirs(out, exist_ok=True)
    with multiprocessing.get_context("fork").Pool(jobs, initializer=_init,
                                                  initargs=(backend, out)) as pool:
        done = list(pool.imap_unordered(convert_one, files, chunksize=1))
    return {"backend": backend, "jobs": jobs, "files": len(done),
            "seconds_in_script": time.perf_counter() - t0}


def import_backend(backend: str) -> None:
    """Imports done once in the parent, before the fork, as a real script would at its top."""
    if backend == "pydicom":
        import pydicom  # noqa: F401
        import pylibjpeg  # noqa: F401
        import libjpeg  # noqa: F401
        import openjpeg  # noqa: F401
        import rle  # noqa: F401
    else:
        import dicomsdl  # noqa: F401


# --- checks ----------------------------------------------------------------------------------------

def compare(a: str, b: str) -> dict:
    x, y = np.load(a), np.load(b)
    out = {"shape_a": list(x.shape), "shape_b": list(y.shape), "dtype_a": str(x.dtype),
           "dtype_b": str(y.dtype)}
    if x.shape != y.shape:
        out["max_abs_diff"] = None
        return out
    d = np.abs(x.astype(np.float64) - y.astype(np.float64))
    out["max_abs_diff"] = float(d.max())
    out["pixels_over_1e-6"] = int(np.count_nonzero(d > 1e-6))
    return out


def explain(path: str, backend: str, mammo_stored: str, mammo_out: str) -> dict:
    stored, meta = READERS[backend](path)
    ms = np.load(mammo_stored)
    ms = ms.reshape(ms.shape[-2:]) if ms.ndim == 3 and ms.shape[0] == 1 else ms
    out = {"backend": backend}
    if ms.shape != stored.shape:
        out["stored_shape_mismatch"] = [list(ms.shape), list(stored.shape)]
        return out
    sd = np.abs(ms.astype(np.int64) - stored.astype(np.int64))
    out["stored_max_abs_diff"] = int(sd.max())
    out["stored_pixels_differing"] = int(np.count_nonzero(sd))
    mine = window(ms, **meta)
    mo = np.load(mammo_out)
    out["windowing_max_abs_diff"] = float(np.abs(mine.astype(np.float64) - mo[0].astype(np.float64)).max())
    return out


def stored_check(path: str) -> dict:
    a, _ = read_dicomsdl(path)
    b, _ = read_pydicom(path)
    out = {"dtype_dicomsdl": str(a.dtype), "dtype_pydicom": str(b.dtype),
           "shape_dicomsdl": list(a.shape), "shape_pydicom": list(b.shape)}
    if a.shape == b.shape:
        d = np.abs(a.astype(np.int64) - b.astype(np.int64))
        out["max_abs_diff"] = int(d.max())
        out["pixels_differing"] = int(np.count_nonzero(d))
    return out


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("files", nargs="*")
    p.add_argument("--backend", choices=sorted(READERS))
    p.add_argument("--jobs", type=int, default=2)
    p.add_argument("--out")
    p.add_argument("--compare", nargs=2, metavar=("A", "B"))
    p.add_argument("--explain", metavar="FILE")
    p.add_argument("--mammo-stored")
    p.add_argument("--mammo")
    p.add_argument("--stored-check", metavar="FILE")
    p.add_argument("--versions", action="store_true")
    a = p.parse_args(argv)
    if a.versions:
        result = versions(*PYDICOM_STACK, "dicomsdl")
    elif a.compare:
        result = compare(*a.compare)
    elif a.stored_check:
        result = stored_check(a.stored_check)
    elif a.explain:
        if not (a.backend and a.mammo_stored and a.mammo):
            p.error("--explain needs --backend, --mammo-stored and --mammo")
        result = explain(a.explain, a.backend, a.mammo_stored, a.mammo)
    else:
        if not (a.backend and a.out and a.files):
            p.error("conversion needs --backend, --out and FILE...")
        if a.jobs < 1:
            p.error("--jobs must be >= 1")
        import_backend(a.backend)
        try:
            result = convert(a.backend, a.jobs, a.out, a.files)
        except Exception as exc:  # one line for the report (the pool re-raises the worker's error)
            msg = " ".join(str(exc).split()) or type(exc).__name__
            print("peer_convert.py (%s): %s: %s" % (a.backend, type(exc).__name__, msg),
                  file=sys.stderr)
            return 1
    print(json.dumps(result))
    return 0


if __name__ == "__main__":
    sys.exit(main())
