"""Reference decoders for the fixture generator (part of dicomio): pydicom (+ pylibjpeg
plugins), DCMTK's dcmdjpeg / dcmdjpls / dcmdrle, and OpenJPEG's opj_decompress.
"""
from __future__ import annotations

import os
import tempfile

import numpy as np
import pydicom
from pydicom.encaps import generate_frames

from dicom_dataset import (JPEG_BASELINE, JPEG_EXTENDED, JPEG_LOSSLESS_P14, JPEG_LOSSLESS_SV1,
                           JPEGLS_LOSSLESS, JPEGLS_NEAR, RLE, NATIVE_SYNTAXES, J2K_SYNTAXES, run)


# ---------------------------------------------------------------- decoding
def decode_pydicom(path: str) -> np.ndarray:
    """Stored values via pydicom (+pylibjpeg plugins) as (frames, rows, cols)."""
    ds = pydicom.dcmread(path)
    arr = ds.pixel_array
    n = int(getattr(ds, "NumberOfFrames", 1) or 1)
    return np.asarray(arr).reshape(n, ds.Rows, ds.Columns)


DCMTK_DECODERS = {
    JPEG_BASELINE: "dcmdjpeg", JPEG_EXTENDED: "dcmdjpeg", JPEG_LOSSLESS_P14: "dcmdjpeg",
    JPEG_LOSSLESS_SV1: "dcmdjpeg", JPEGLS_LOSSLESS: "dcmdjpls", JPEGLS_NEAR: "dcmdjpls",
    RLE: "dcmdrle",
}


def decode_dcmtk(path: str) -> np.ndarray | None:
    """Stored values as decoded by DCMTK (converted to Explicit LE, read natively)."""
    try:
        ts = str(pydicom.dcmread(path, stop_before_pixels=True).file_meta.TransferSyntaxUID)
    except Exception:
        ts = None      # let DCMTK itself decide what the file is
    with tempfile.TemporaryDirectory() as tmp:
        out = os.path.join(tmp, "d.dcm")
        if ts is None or ts in NATIVE_SYNTAXES:
            run(["dcmconv", "+te", path, out])
        elif ts in DCMTK_DECODERS:
            extra = ["+cn"] if DCMTK_DECODERS[ts] == "dcmdjpeg" else []
            run([DCMTK_DECODERS[ts]] + extra + [path, out])
        else:
            return None
        return decode_pydicom(out)


def _read_pgx(path: str) -> np.ndarray:
    with open(path, "rb") as f:
        data = f.read()
    nl = data.index(b"\n")
    head = data[:nl].decode().split()
    # PG ML|LM +|- prec w h
    endian = ">" if head[1] == "ML" else "<"
    signed = head[2] == "-"
    prec, w, h = int(head[3]), int(head[4]), int(head[5])
    size = 1 if prec <= 8 else 2 if prec <= 16 else 4
    dt = np.dtype("%s%s%d" % (endian, "i" if signed else "u", size))
    return np.frombuffer(data[nl + 1:nl + 1 + w * h * size], dtype=dt).reshape(h, w)


def decode_openjpeg(path: str) -> np.ndarray | None:
    """Stored values via opj_decompress on each frame's codestream (J2K/HTJ2K).

    If Pixel Representation is 1 and the codestream is unsigned, the decoded
    values are sign-extended from Bits Stored (what a DICOM reader must do)."""
    ds = pydicom.dcmread(path)
    ts = str(ds.file_meta.TransferSyntaxUID)
    if ts not in J2K_SYNTAXES:
        return None
    n = int(getattr(ds, "NumberOfFrames", 1) or 1)
    bs = int(ds.BitsStored)
    out = []
    with tempfile.TemporaryDirectory() as tmp:
        for i, fr in enumerate(generate_frames(ds.PixelData, number_of_frames=n)):
            j = os.path.join(tmp, "f%d.j2k" % i)
            with open(j, "wb") as f:
                f.write(fr)
            run(["opj_decompress", "-i", j, "-o", os.path.join(tmp, "f%d.pgx" % i)])
            cands = [p for p in os.listdir(tmp) if p.startswith("f%d" % i) and p.endswith(".pgx")]
            a = _read_pgx(os.path.join(tmp, sorted(cands)[0])).astype(np.int64)
            if int(ds.PixelRepresentation) == 1 and a.min() >= 0:
                a = a & ((1 << bs) - 1)
                a = np.where(a >= (1 << (bs - 1)), a - (1 << bs), a)
            out.append(a)
    return np.stack(out)
