"""Verification of every written fixture: good files decode to their reference with
every reference decoder (and give maxAbsError for lossy ones); bad files of a
decode-failure category are refused by all of them.
"""
from __future__ import annotations

import math
import os
import subprocess
import tempfile

import numpy as np
import tifffile

import dicomio as D
from fixtures_index import TRUTH, P


# ============================================================ verification
def _lossy_tolerance(measured: int) -> int:
    return measured + max(2, int(math.ceil(0.25 * measured)))


def verify_good(e):
    path = P(e["path"])
    ref = TRUTH[e["reference"]]
    if e["format"] == "tiff":
        with tifffile.TiffFile(path) as t:
            got = {"tifffile": np.stack([p.asarray() for p in t.pages])}
        with tempfile.TemporaryDirectory() as tmp:
            out = os.path.join(tmp, "x.tif")
            D.run(["tiffcp", "-c", "none", "-s", "-r", "1", path, out])   # libtiff decode
            with tifffile.TiffFile(out) as t:
                got["libtiff"] = np.stack([p.asarray() for p in t.pages])
    else:
        rc = subprocess.run(["dcmdump", "-q", path], stdout=subprocess.DEVNULL,
                            stderr=subprocess.PIPE)
        if rc.returncode != 0 or rc.stderr.strip():
            raise AssertionError("dcmdump failed on %s: %s" % (e["path"], rc.stderr.decode()))
        got = {"pydicom": D.decode_pydicom(path)}
        for name, fn in (("dcmtk", D.decode_dcmtk), ("openjpeg", D.decode_openjpeg)):
            a = fn(path)
            if a is not None:
                got[name] = a
    measured = {}
    for name, a in got.items():
        if a.shape != ref.shape:
            raise AssertionError("%s: %s shape %s != %s" % (e["path"], name, a.shape, ref.shape))
        if ref.dtype.kind == "f":
            err = float(np.abs(a.astype(np.float64) - ref.astype(np.float64)).max())
        else:
            err = int(np.abs(a.astype(np.int64) - ref.astype(np.int64)).max())
        measured[name] = err
    e["verifiedWith"] = sorted(got)
    if not e["lossy"]:
        bad = {k: v for k, v in measured.items() if v != 0}
        if bad:
            raise AssertionError("%s: lossless file differs from reference: %s" % (e["path"], bad))
        e["maxAbsError"] = 0
    else:
        m = max(measured.values())
        if m == 0:
            raise AssertionError("%s: lossy file is bit-exact?" % e["path"])
        e["measuredMaxAbsError"] = measured
        if e["transferSyntaxUID"] == D.JPEGLS_NEAR:
            assert m <= 2, measured
            e["maxAbsError"] = 2
        else:
            e["maxAbsError"] = _lossy_tolerance(m)
    if e.get("allCodes"):
        a = got["pydicom"].ravel().astype(np.int64)
        n = 1 << e["bitsStored"]
        lo = -(n // 2) if e["pixelRepresentation"] == 1 else 0
        if not np.array_equal(np.sort(a), np.arange(lo, lo + n)):
            raise AssertionError("%s: not every code exactly once" % e["path"])
    vals = ref
    e["minValue"] = float(vals.min()) if vals.dtype.kind == "f" else int(vals.min())
    e["maxValue"] = float(vals.max()) if vals.dtype.kind == "f" else int(vals.max())


def _rejects(fn):
    """True if fn raises, False if it decodes, None if the decoder does not apply."""
    try:
        r = fn()
    except Exception:
        return True
    return None if r is None else False


# categories where a generic decoder must fail; the others (colour,
# unsupportedBits, absurdDimensions) are refusals by policy, not decode errors
DECODE_FAILURE = ("notDICOM", "truncated", "shortPixelData", "corruptStream",
                  "unsupportedTransferSyntax", "noPixelData")


def verify_bad(e):
    path = P(e["path"])
    cat = e["expectError"]
    if e["format"] == "dicom":
        rc = subprocess.run(["dcmdump", "-q", path], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        e["dcmdumpParses"] = rc.returncode == 0 and not rc.stderr.strip()
    if cat not in DECODE_FAILURE:
        return
    if e["format"] == "dicom":
        checks = {"pydicom": lambda: D.decode_pydicom(path),
                  "dcmtk": lambda: D.decode_dcmtk(path)}
        if e.get("transferSyntaxUID") in D.J2K_SYNTAXES:
            checks["openjpeg"] = lambda: D.decode_openjpeg(path)
        if cat == "unsupportedTransferSyntax":
            del checks["dcmtk"]
    else:
        checks = {"tifffile": lambda: tifffile.imread(path),
                  "libtiff": lambda: D.run(["tiffcp", "-c", "none", path, path + ".tmp.tif"])}
    rejected, accepted = [], []
    for name, fn in checks.items():
        r = _rejects(fn)
        if r is True:
            rejected.append(name)
        elif r is False:
            accepted.append(name)
    if os.path.exists(path + ".tmp.tif"):
        os.remove(path + ".tmp.tif")
    if accepted:
        raise AssertionError("%s (%s) was decoded without error by %s" % (e["path"], cat, accepted))
    e["rejectedBy"] = rejected
