#!/usr/bin/env python3
"""Regenerate every mammo-prep test fixture, verify it, and write the index.

Run through make_fixtures.sh (which checks the tools), or directly:
    python3 Fixtures/generate/make_fixtures.py

Writes Fixtures/dicom, Fixtures/tiff, Fixtures/bad (deleted and rebuilt),
Fixtures/fixtures.json and the table between the markers in Fixtures/README.md.
Every good file is decoded again after writing (pydicom + pylibjpeg plugins,
DCMTK's decoders, opj_decompress for JPEG 2000, tifffile and libtiff for TIFF)
and compared with the numpy array it was made from; any mismatch aborts.
"""
from __future__ import annotations

import copy
import hashlib
import json
import math
import os
import shutil
import struct
import subprocess
import sys
import tempfile
import zlib

import numpy as np
import pydicom
import tifffile
from pydicom.dataelem import DataElement
from pydicom.dataset import Dataset
from pydicom.encaps import encapsulate, generate_frames
from pydicom.sequence import Sequence

HERE = os.path.dirname(os.path.abspath(__file__))
FIX = os.path.dirname(HERE)
sys.path.insert(0, HERE)

import dicomio as D  # noqa: E402
from phantom import mammogram  # noqa: E402

ENTRIES: list[dict] = []
TRUTH: dict[str, np.ndarray] = {}   # path -> (frames, rows, cols) expected stored values
SCHEMA_KEYS = ["path", "format", "transferSyntaxUID", "rows", "columns", "frames",
               "bitsAllocated", "bitsStored", "highBit", "pixelRepresentation",
               "photometricInterpretation", "sampleFormat", "reference",
               "maxAbsError", "expectError", "exercises"]
TIFF_PHOTOMETRIC = {0: "MinIsWhite", 1: "MinIsBlack", 2: "RGB", 3: "Palette"}
TIFF_SAMPLEFORMAT = {1: "uint", 2: "int", 3: "float"}

_instance = [100]


def next_instance() -> int:
    _instance[0] += 1
    return _instance[0]


def P(rel: str) -> str:
    return os.path.join(FIX, rel)


def as3d(a: np.ndarray) -> np.ndarray:
    return a[None] if a.ndim == 2 else a


def variant(ds: Dataset, description: str | None = None) -> Dataset:
    """Deep copy with its own SOP Instance UID / Instance Number."""
    out = copy.deepcopy(ds)
    n = next_instance()
    out.SOPInstanceUID = D.sop_uid(n)
    out.file_meta.MediaStorageSOPInstanceUID = out.SOPInstanceUID
    out.InstanceNumber = n
    if description:
        out.SeriesDescription = description
    return out


# ------------------------------------------------------------- inspection
def _list(v):
    if v is None:
        return []
    if isinstance(v, (list, tuple)) or type(v).__name__ == "MultiValue":
        return list(v)
    return [v]


def _num(v):
    f = float(v)
    return int(f) if f == int(f) else f


def voi_info(item: Dataset) -> dict:
    out = {}
    if "WindowCenter" in item:
        cs = _list(item.WindowCenter)
        ws = _list(item.WindowWidth)
        ex = _list(item.get("WindowCenterWidthExplanation"))
        out["windows"] = [{"center": _num(c), "width": _num(w),
                           "explanation": (str(ex[i]) if i < len(ex) else None)}
                          for i, (c, w) in enumerate(zip(cs, ws))]
    if "VOILUTFunction" in item:
        out["voiLUTFunction"] = str(item.VOILUTFunction)
    if "RescaleSlope" in item:
        out["rescale"] = {"slope": _num(item.RescaleSlope),
                          "intercept": _num(item.RescaleIntercept),
                          "type": str(item.get("RescaleType", "")) or None}
    return out


def lut_info(item: Dataset, seq: str) -> dict:
    desc = [int(x) for x in item.LUTDescriptor]
    elem = item["LUTData"]
    n = desc[0] or 65536
    if elem.VR == "OW":
        raw = bytes(elem.value)
        values = (np.frombuffer(raw, "<u1") if desc[2] == 8 else np.frombuffer(raw, "<u2"))
    else:
        values = np.asarray(_list(elem.value), dtype=np.int64)
    values = values[:n]
    samples = {str(i): int(values[i]) for i in sorted({0, 1, n // 2, min(4095, n - 1), n - 1})}
    return {"sequence": seq, "descriptor": desc, "entries": n, "lutDataVR": elem.VR,
            "lutDataBytes": len(elem.value) if elem.VR == "OW" else 2 * len(_list(elem.value)),
            "explanation": str(item.get("LUTExplanation", "")) or None,
            "modalityLUTType": str(item.get("ModalityLUTType", "")) or None,
            "samples": samples}


def dicom_info(path: str) -> dict:
    """Schema fields (+ informative extras) read from a DICOM header."""
    ds = pydicom.dcmread(path)
    pr = int(ds.get("PixelRepresentation", 0))
    e = {
        "format": "dicom",
        "transferSyntaxUID": str(ds.file_meta.TransferSyntaxUID),
        "rows": int(ds.Rows) if "Rows" in ds else None,
        "columns": int(ds.Columns) if "Columns" in ds else None,
        "frames": int(ds.get("NumberOfFrames", 1) or 1),
        "bitsAllocated": int(ds.BitsAllocated) if "BitsAllocated" in ds else None,
        "bitsStored": int(ds.BitsStored) if "BitsStored" in ds else None,
        "highBit": int(ds.HighBit) if "HighBit" in ds else None,
        "pixelRepresentation": pr,
        "photometricInterpretation": str(ds.get("PhotometricInterpretation", "")) or None,
        "sampleFormat": "int" if pr == 1 else "uint",
    }
    x = {"sopClassUID": str(ds.SOPClassUID), "modality": str(ds.get("Modality", "")),
         "samplesPerPixel": int(ds.get("SamplesPerPixel", 1))}
    for k, name in (("presentationIntentType", "PresentationIntentType"),
                    ("imageLaterality", "ImageLaterality"), ("viewPosition", "ViewPosition"),
                    ("presentationLUTShape", "PresentationLUTShape")):
        if name in ds:
            x[k] = str(ds[name].value)
    x.update(voi_info(ds))
    x.update(codestream_info(ds))
    if "PixelPaddingValue" in ds:
        x["pixelPaddingValue"] = int(ds.PixelPaddingValue)
    luts = []
    for seq in ("ModalityLUTSequence", "VOILUTSequence"):
        for it in ds.get(seq, []):
            luts.append(lut_info(it, seq))
    if luts:
        x["luts"] = luts
    if "SharedFunctionalGroupsSequence" in ds:
        sh = ds.SharedFunctionalGroupsSequence[0]
        shared = {}
        if "PixelValueTransformationSequence" in sh:
            shared.update(voi_info(sh.PixelValueTransformationSequence[0]))
        if "FrameVOILUTSequence" in sh:
            shared.update(voi_info(sh.FrameVOILUTSequence[0]))
        x["sharedFunctionalGroups"] = shared
        per = []
        for it in ds.get("PerFrameFunctionalGroupsSequence", []):
            per.append(voi_info(it.FrameVOILUTSequence[0]) if "FrameVOILUTSequence" in it else {})
        x["perFrameFunctionalGroups"] = per
    return {**e, "_extra": x}


def codestream_info(ds) -> dict:
    """Precision (and J2K signedness) of the first frame's codestream."""
    if "PixelData" not in ds or not ds["PixelData"].is_undefined_length:
        return {}
    try:
        n = int(ds.get("NumberOfFrames", 1) or 1)
        fr = bytes(next(generate_frames(ds.PixelData, number_of_frames=n)))
    except Exception:
        return {}
    if fr[:2] == b"\xff\x4f":                       # J2K SOC, SIZ follows
        k = fr.find(b"\xff\x51")
        ssiz = fr[k + 40]
        return {"codestreamPrecision": (ssiz & 0x7F) + 1, "codestreamSigned": bool(ssiz & 0x80)}
    if fr[:2] == b"\xff\xd8":
        pos = 2
        while pos + 4 <= len(fr):
            if fr[pos] != 0xFF:
                break
            marker = fr[pos + 1]
            if marker in (0xC0, 0xC1, 0xC2, 0xC3, 0xC5, 0xC6, 0xC7, 0xC9, 0xCA, 0xCB,
                          0xCD, 0xCE, 0xCF, 0xF7):
                return {"codestreamPrecision": fr[pos + 4]}
            pos += 2 + struct.unpack(">H", fr[pos + 2:pos + 4])[0]
    return {}


def tiff_info(path: str) -> dict:
    with tifffile.TiffFile(path) as t:
        p = t.pages[0]
        bps = p.bitspersample
        sf = TIFF_SAMPLEFORMAT.get(int(p.sampleformat), str(p.sampleformat))
        e = {
            "format": "tiff", "transferSyntaxUID": None,
            "rows": int(p.imagelength), "columns": int(p.imagewidth), "frames": len(t.pages),
            "bitsAllocated": bps, "bitsStored": bps, "highBit": bps - 1,
            "pixelRepresentation": 1 if sf == "int" else 0,
            "photometricInterpretation": TIFF_PHOTOMETRIC.get(int(p.photometric), str(p.photometric)),
            "sampleFormat": sf,
        }
        x = {"samplesPerPixel": int(p.samplesperpixel),
             "tiffCompression": p.compression.name.lower() if hasattr(p.compression, "name") else str(p.compression),
             "tiffPredictor": int(p.predictor), "tiled": bool(p.is_tiled),
             "bigTIFF": bool(t.is_bigtiff)}
        if p.is_tiled:
            x["tileSize"] = [int(p.tilelength), int(p.tilewidth)]
        else:
            x["rowsPerStrip"] = int(p.rowsperstrip)
    return {**e, "_extra": x}


def add(rel, group, exercises, how, *, reference=None, truth=None, lossy=False,
        expect_error=None, all_codes=False, override=None, info=True):
    path = P(rel)
    if info:
        try:
            base = tiff_info(path) if rel.endswith(".tif") else dicom_info(path)
        except Exception:
            base = {}
    else:
        base = {}
    extra = base.pop("_extra", {})
    e = {k: base.get(k) for k in SCHEMA_KEYS}
    if override:
        for k, v in override.items():
            if k in e:
                e[k] = v
            else:
                extra[k] = v
    e["path"] = rel
    if e["format"] is None:
        e["format"] = "tiff" if rel.endswith(".tif") else "dicom"
    e["reference"] = None if expect_error else (reference or rel)
    e["maxAbsError"] = None if expect_error else 0
    e["expectError"] = expect_error
    e["exercises"] = exercises
    e["group"] = group
    e["how"] = how
    if all_codes:
        e["allCodes"] = True
    e["lossy"] = bool(lossy)
    e.update(extra)
    if truth is not None:
        TRUTH[rel] = as3d(truth)
    ENTRIES.append(e)
    return e


# --------------------------------------------------------------- phantoms
def slices(rows, cols, bits, n, seed):
    """n tomosynthesis-like slices: one breast outline, slice-varying texture."""
    base = mammogram(rows, cols, bits, seed).astype(np.float64)
    maxv = (1 << bits) - 1
    out = []
    for k in range(n):
        other = mammogram(rows, cols, bits, seed + 1000 + k).astype(np.float64)
        other = np.where(other > 0, other, base)
        f = np.where(base > 0, 0.7 * base + 0.3 * other, 0.0)
        out.append(np.clip(np.rint(f), 0, maxv))
    return np.stack(out).astype(np.uint16)


def derive(ds, rel, ts, group, exercises, reference, lossy=False, description=None, command=None):
    v = variant(ds, description)
    cmd = D.write_with_syntax(v, P(rel), ts, command=command)
    add(rel, group, exercises, "; ".join(cmd) + " (from Explicit VR LE source)",
        reference=reference, lossy=lossy)


# ================================================================= DICOM
def make_mg12():
    img = mammogram(160, 128, 12, seed=12)
    ds = D.mg_dataset(img, bits_stored=12, instance=next_instance(), series=1,
                      padding=0, voi_function="LINEAR", description="MG12 L CC")
    ref = "dicom/mg12_mono2_explicit_le.dcm"
    D.save(ds, P(ref))
    add(ref, "mg12", "reference: 12-bit unsigned MONOCHROME2 Explicit VR LE; 3 windows "
        "NORMAL/HARDER/SOFTER, VOILUTFunction LINEAR, Rescale 1/0/US, PixelPaddingValue 0, "
        "PresentationLUTShape IDENTITY", "pydicom (phantom seed 12)", truth=img)
    T = D
    for rel, ts, lossy, ex, cmd in [
        ("dicom/mg12_mono2_implicit_le.dcm", T.IMPLICIT_LE, False, "Implicit VR Little Endian", None),
        ("dicom/mg12_mono2_explicit_be.dcm", T.EXPLICIT_BE, False, "Explicit VR Big Endian (retired): byte-swapped OW pixel data", None),
        ("dicom/mg12_mono2_deflated.dcm", T.DEFLATED_LE, False, "Deflated Explicit VR LE (whole data set zlib-deflated)", None),
        ("dicom/mg12_mono2_jpeg_ext_lossy.dcm", T.JPEG_EXTENDED, True, "JPEG Extended process 4, 12-bit lossy DCT (codestream P=12)", None),
        ("dicom/mg12_mono2_jpeg_lossless_p14.dcm", T.JPEG_LOSSLESS_P14, False, "JPEG Lossless process 14, selection value 6, codestream P=12", None),
        ("dicom/mg12_mono2_jpeg_lossless_sv1.dcm", T.JPEG_LOSSLESS_SV1, False, "JPEG Lossless process 14 selection value 1, codestream P=12", None),
        ("dicom/mg12_mono2_jpeg_lossless_sv1_p16.dcm", T.JPEG_LOSSLESS_SV1, False, "JPEG Lossless SV1 as DCMTK's true-lossless codec writes it: codestream P=16 while BitsStored=12", T.DCMTK_P16_COMMANDS[T.JPEG_LOSSLESS_SV1]),
        ("dicom/mg12_mono2_jpegls_lossless.dcm", T.JPEGLS_LOSSLESS, False, "JPEG-LS lossless, codestream P=12", None),
        ("dicom/mg12_mono2_jpegls_lossless_p16.dcm", T.JPEGLS_LOSSLESS, False, "JPEG-LS lossless as DCMTK's raw mode writes it: codestream P=16 while BitsStored=12", T.DCMTK_P16_COMMANDS[T.JPEGLS_LOSSLESS]),
        ("dicom/mg12_mono2_jpegls_near2.dcm", T.JPEGLS_NEAR, True, "JPEG-LS near-lossless NEAR=2 (error bound 2 guaranteed), P=12", None),
        ("dicom/mg12_mono2_rle.dcm", T.RLE, False, "RLE Lossless (2 byte segments per frame)", None),
        ("dicom/mg12_mono2_j2k_lossless.dcm", T.J2K_LOSSLESS, False, "JPEG 2000 lossless (reversible 5/3), unsigned 12-bit codestream", None),
        ("dicom/mg12_mono2_j2k_lossy.dcm", T.J2K_LOSSY, True, "JPEG 2000 lossy (irreversible 9/7, rate 20)", None),
        ("dicom/mg12_mono2_htj2k_lossless.dcm", T.HTJ2K_LOSSLESS, False, "HTJ2K lossless (Part 15 HT block coder, LRCP)", None),
        ("dicom/mg12_mono2_htj2k_rpcl.dcm", T.HTJ2K_RPCL, False, "HTJ2K lossless RPCL with TLM marker segment", None),
        ("dicom/mg12_mono2_htj2k_lossy.dcm", T.HTJ2K_LOSSY, True, "HTJ2K lossy (irreversible)", None),
    ]:
        derive(ds, rel, ts, "mg12", ex + ("; approximates the mg12 reference within maxAbsError" if lossy
                                          else "; decodes to exactly the mg12 reference values"),
               ref, lossy, command=cmd)
    return ds


def make_mg8():
    img = mammogram(160, 128, 8, seed=8)
    ds = D.mg_dataset(img, bits_stored=8, bits_allocated=8, instance=next_instance(), series=2,
                      voi_function="LINEAR", description="MG8 L CC")
    ref = "dicom/mg8_mono2_explicit_le.dcm"
    D.save(ds, P(ref))
    add(ref, "mg8", "8-bit (BitsAllocated 8, OB pixel data) MONOCHROME2 Explicit VR LE; reference for JPEG baseline",
        "pydicom (phantom seed 8)", truth=img)
    derive(ds, "dicom/mg8_mono2_jpeg_baseline.dcm", D.JPEG_BASELINE, "mg8",
           "JPEG Baseline process 1, 8-bit lossy, MONOCHROME2", ref, lossy=True)


def make_depths():
    # 14-bit: For Processing, R MLO, SIGMOID
    img14 = mammogram(160, 128, 14, seed=14, laterality="R", view="MLO")
    ds14 = D.mg_dataset(img14, bits_stored=14, instance=next_instance(), series=3,
                        laterality="R", view="MLO", for_processing=True,
                        voi_function="SIGMOID", description="MG14 R MLO")
    ref14 = "dicom/mg14_explicit_le.dcm"
    D.save(ds14, P(ref14))
    add(ref14, "depth", "14-bit unsigned (codes 0..16383), For Processing SOP class, R MLO with pectoral "
        "muscle, VOILUTFunction SIGMOID, 3 windows", "pydicom (phantom seed 14, R, MLO)", truth=img14)
    derive(ds14, "dicom/mg14_jpegls_lossless.dcm", D.JPEGLS_LOSSLESS, "depth",
           "JPEG-LS lossless of 14-bit data", ref14)

    img15 = mammogram(160, 128, 15, seed=15)
    ds15 = D.mg_dataset(img15, bits_stored=15, instance=next_instance(), series=4,
                        voi_function="LINEAR_EXACT", windows=[(16384, 32768, "FULL")],
                        description="MG15 L CC")
    ref15 = "dicom/mg15_explicit_le.dcm"
    D.save(ds15, P(ref15))
    add(ref15, "depth", "15-bit unsigned (codes 0..32767), single window, VOILUTFunction LINEAR_EXACT",
        "pydicom (phantom seed 15)", truth=img15)

    img16 = mammogram(160, 128, 16, seed=16)
    ds16 = D.mg_dataset(img16, bits_stored=16, instance=next_instance(), series=5,
                        for_processing=True, voi_function=None, rescale=False,
                        description="MG16 L CC")
    ref16 = "dicom/mg16_explicit_le.dcm"
    D.save(ds16, P(ref16))
    add(ref16, "depth", "16-bit unsigned full range (0..65535), For Processing, no VOILUTFunction, "
        "no Rescale attributes", "pydicom (phantom seed 16)", truth=img16)
    derive(ds16, "dicom/mg16_explicit_be.dcm", D.EXPLICIT_BE, "depth",
           "16-bit unsigned in Explicit VR Big Endian", ref16)
    derive(ds16, "dicom/mg16_jpegls_lossless.dcm", D.JPEGLS_LOSSLESS, "depth",
           "JPEG-LS lossless of 16-bit data", ref16)
    derive(ds16, "dicom/mg16_j2k_lossless.dcm", D.J2K_LOSSLESS, "depth",
           "JPEG 2000 lossless of 16-bit data", ref16)


def make_mono1():
    img = D.invert_codes(mammogram(160, 128, 12, seed=12), 12, False)
    ds = D.mg_dataset(img, bits_stored=12, photometric="MONOCHROME1", instance=next_instance(),
                      series=6, padding=4095, voi_function="LINEAR", description="MG12 MONO1")
    ref = "dicom/mg12_mono1_explicit_le.dcm"
    D.save(ds, P(ref))
    add(ref, "mono1", "MONOCHROME1 12-bit (stored = 4095 - mg12 reference), PresentationLUTShape INVERSE, "
        "PixelPaddingValue 4095 (background)", "pydicom (phantom seed 12, codes inverted)", truth=img)
    derive(ds, "dicom/mg12_mono1_jpeg_lossless_sv1.dcm", D.JPEG_LOSSLESS_SV1, "mono1",
           "MONOCHROME1 in JPEG Lossless SV1", ref)


def make_signed():
    img = mammogram(160, 128, 12, seed=12, signed=True)
    ds = D.mg_dataset(img, bits_stored=12, signed=True, instance=next_instance(), series=7,
                      padding=-2048, voi_function="LINEAR", description="MG12 SIGNED")
    ref = "dicom/mg12s_explicit_le.dcm"
    D.save(ds, P(ref))
    add(ref, "signed", "signed 12-bit (PixelRepresentation 1, -2048..2047 = mg12 reference - 2048), "
        "16-bit words sign-extended, PixelPaddingValue -2048 (SS)", "pydicom (phantom seed 12, signed)",
        truth=img)
    derive(ds, "dicom/mg12s_jpegls_lossless.dcm", D.JPEGLS_LOSSLESS, "signed",
           "signed 12-bit in JPEG-LS lossless: P=12 codestream of the 12-bit two's complement "
           "patterns (0..4095); decoder output must be sign-extended from bit 11", ref)
    derive(ds, "dicom/mg12s_jpegls_lossless_p16.dcm", D.JPEGLS_LOSSLESS, "signed",
           "signed 12-bit in JPEG-LS lossless as DCMTK's raw mode writes it: P=16 codestream of the "
           "sign-extended 16-bit words", ref, command=D.DCMTK_P16_COMMANDS[D.JPEGLS_LOSSLESS])
    v = variant(ds)
    D.save(D.to_j2k(v, D.J2K_LOSSLESS, signed_codestream=True), P("dicom/mg12s_j2k_lossless.dcm"))
    add("dicom/mg12s_j2k_lossless.dcm", "signed", "signed 12-bit JPEG 2000 lossless with a SIGNED codestream "
        "(SIZ Ssiz = 0x8B)", D.j2k_description(D.J2K_LOSSLESS, signed=True), reference=ref)
    v = variant(ds)
    D.save(D.to_j2k(v, D.J2K_LOSSLESS, signed_codestream=False),
           P("dicom/mg12s_j2k_lossless_unsigned_cs.dcm"))
    add("dicom/mg12s_j2k_lossless_unsigned_cs.dcm", "signed",
        "PixelRepresentation 1 but the J2K codestream is UNSIGNED 12-bit (Ssiz = 0x0B, samples are the "
        "two's complement bit patterns 0..4095): reader must sign-extend from BitsStored like pydicom does",
        "opj_compress from a PGM of (value & 0xFFF); pydicom encapsulate (BOT)", reference=ref)

    img16 = mammogram(160, 128, 16, seed=16, signed=True)
    ds16 = D.mg_dataset(img16, bits_stored=16, signed=True, instance=next_instance(), series=8,
                        voi_function=None, description="MG16 SIGNED")
    ref16 = "dicom/mg16s_explicit_le.dcm"
    D.save(ds16, P(ref16))
    add(ref16, "signed", "signed 16-bit (-32768..32767), Explicit VR LE", "pydicom (phantom seed 16, signed)",
        truth=img16)


def make_mask():
    for bits, seed in ((12, 1201), (14, 1401)):
        n = 1 << bits
        side = int(math.isqrt(n))
        for signed in (False, True):
            rng = np.random.default_rng(seed + (1 if signed else 0))
            codes = rng.permutation(n).astype(np.int64)
            vals = (codes - n // 2) if signed else codes
            vals = vals.reshape(side, side)
            hb = 16 - bits
            g_pos = rng.integers(1, 1 << hb, size=vals.shape)           # never all-zero
            g_neg = rng.integers(0, (1 << hb) - 1, size=vals.shape)     # never all-ones
            garbage = np.where(vals < 0, g_neg, g_pos)
            words = ((vals & (n - 1)) | (garbage << bits)).astype(np.uint16)
            as_stored = words.view(np.int16).astype(np.int64) if signed else words.astype(np.int64)
            assert np.all(as_stored != vals), "raw words must differ from stored values"
            dtype = np.int16 if signed else np.uint16
            ds = D.mg_dataset(vals.astype(dtype), bits_stored=bits, signed=signed,
                              instance=next_instance(), series=9, for_processing=True,
                              raw_words=words, voi_function=None,
                              description="MASK%d %s" % (bits, "S" if signed else "U"))
            rel = "dicom/mask%d_%s.dcm" % (bits, "signed" if signed else "unsigned")
            D.save(ds, P(rel))
            add(rel, "mask",
                "%dx%d, every %d-bit code exactly once (%s), BitsAllocated 16 / BitsStored %d with random "
                "garbage in the %d unused high bits of every word: must mask%s" % (
                    side, side, bits, "-%d..%d" % (n // 2, n // 2 - 1) if signed else "0..%d" % (n - 1),
                    bits, hb, " and sign-extend from bit %d" % (bits - 1) if signed else ""),
                "pydicom; words = (code & %#x) | (garbage << %d), permutation seed %d" % (
                    n - 1, bits, seed + (1 if signed else 0)),
                truth=vals.astype(dtype), all_codes=True)


def make_multiframe():
    frames = slices(96, 80, 12, 5, seed=50)
    ds = D.mg_dataset(frames, bits_stored=12, sop_class=D.BREAST_TOMO, instance=next_instance(),
                      series=10, windows=[], voi_function=None, rescale=False,
                      description="BTO 5 SLICES")
    del ds.PixelSpacing
    del ds.PatientOrientation
    ds.ImageType = ["ORIGINAL", "PRIMARY", "TOMOSYNTHESIS", "NONE"]
    ds.ContentQualification = "PRODUCT"
    ds.AcquisitionDateTime = D.DATE + D.TIME
    ds.DimensionOrganizationType = "3D"
    dim_uid = D.UID_ROOT + ".1.5.1"
    org = Dataset()
    org.DimensionOrganizationUID = dim_uid
    ds.DimensionOrganizationSequence = Sequence([org])
    idx = Dataset()
    idx.DimensionOrganizationUID = dim_uid
    idx.DimensionIndexPointer = 0x00209057      # In-Stack Position Number
    idx.FunctionalGroupPointer = 0x00209111     # Frame Content Sequence
    idx.DimensionDescriptionLabel = "SLICE"
    ds.DimensionIndexSequence = Sequence([idx])

    shared = Dataset()
    pm = Dataset()
    pm.PixelSpacing = ["0.1", "0.1"]
    pm.SliceThickness = "1"
    shared.PixelMeasuresSequence = Sequence([pm])
    po = Dataset()
    po.ImageOrientationPatient = ["0", "1", "0", "0", "0", "-1"]
    shared.PlaneOrientationSequence = Sequence([po])
    pvt = Dataset()
    pvt.RescaleIntercept = "0"
    pvt.RescaleSlope = "1"
    pvt.RescaleType = "US"
    shared.PixelValueTransformationSequence = Sequence([pvt])
    sv = Dataset()
    sv.WindowCenter = "2048"
    sv.WindowWidth = "4096"
    sv.WindowCenterWidthExplanation = "SHARED FULL RANGE"
    sv.VOILUTFunction = "LINEAR"
    shared.FrameVOILUTSequence = Sequence([sv])
    ds.SharedFunctionalGroupsSequence = Sequence([shared])
    per = []
    for k in range(frames.shape[0]):
        it = Dataset()
        fc = Dataset()
        fc.StackID = "1"
        fc.InStackPositionNumber = k + 1
        fc.DimensionIndexValues = [k + 1]
        it.FrameContentSequence = Sequence([fc])
        pp = Dataset()
        pp.ImagePositionPatient = ["0", "0", "%d" % (10 * k)]
        it.PlanePositionSequence = Sequence([pp])
        (c, w, _), _, _ = D.auto_windows(frames[k], 12, False, "MONOCHROME2")
        v = Dataset()
        v.WindowCenter = str(c + 10 * k)
        v.WindowWidth = str(w - 50 * k)
        v.WindowCenterWidthExplanation = "FRAME %d" % (k + 1)
        v.VOILUTFunction = "SIGMOID" if k == 2 else "LINEAR"
        it.FrameVOILUTSequence = Sequence([v])
        per.append(it)
    ds.PerFrameFunctionalGroupsSequence = Sequence(per)
    ref = "dicom/bto12_explicit_le.dcm"
    D.save(ds, P(ref))
    add(ref, "multiframe", "Breast Tomosynthesis (enhanced) 5 frames 96x80 12-bit: Shared FG with "
        "PixelValueTransformation (1/0/US) + FrameVOILUT (2048/4096); Per-frame FrameVOILUT with distinct "
        "windows (frame 3 SIGMOID) that must override the shared one", "pydicom (slices seed 50)",
        truth=frames)
    v = variant(ds)
    D.save(D.to_j2k(v, D.J2K_LOSSLESS), P("dicom/bto12_j2k_lossless.dcm"))
    add("dicom/bto12_j2k_lossless.dcm", "multiframe",
        "5-frame JPEG 2000 lossless, one fragment per frame, Basic Offset Table filled",
        D.j2k_description(D.J2K_LOSSLESS), reference=ref)
    derive(ds, "dicom/bto12_jpegls_lossless.dcm", D.JPEGLS_LOSSLESS, "multiframe",
           "5-frame JPEG-LS lossless, one fragment per frame, Basic Offset Table filled", ref)
    derive(ds, "dicom/bto12_rle.dcm", D.RLE, "multiframe", "5-frame RLE lossless, BOT filled", ref)

    mf = slices(120, 96, 12, 3, seed=60)
    ds = D.mg_dataset(mf, bits_stored=12, sop_class=D.SC_MF_WORD, instance=next_instance(),
                      series=11, voi_function="LINEAR", description="MG MULTIFRAME SC")
    ds.ConversionType = "WSD"
    ds.FrameIncrementPointer = 0x00182002      # Frame Label Vector
    ds.FrameLabelVector = ["SLICE 1", "SLICE 2", "SLICE 3"]
    ref = "dicom/mf3_classic_explicit_le.dcm"
    D.save(ds, P(ref))
    add(ref, "multiframe", "classic multi-frame (Multi-frame Grayscale Word SC SOP class, Modality MG), "
        "NumberOfFrames 3, 120x96 12-bit, top-level window/VOILUTFunction", "pydicom (slices seed 60)",
        truth=mf)


def _lut_ds(description, instance):
    img = mammogram(160, 128, 12, seed=12)
    ds = D.mg_dataset(img, bits_stored=12, instance=instance, series=12, voi_function=None,
                      description=description)
    return img, ds


def make_luts():
    i = np.arange(4096, dtype=np.float64)
    # 1) VOI LUT Sequence: 16-bit US LUT + 8-bit LUT packed in OW, and windows
    img, ds = _lut_ds("VOI LUT SEQ", next_instance())
    lut16 = np.rint(65535 * (i / 4095) ** 0.8).astype(np.uint16)
    lut8 = np.rint(255 * (0.5 - 0.5 * np.cos(np.pi * i / 4095))).astype(np.uint8)
    a = Dataset()
    a.add(DataElement(0x00283002, "US", [4096, 0, 16]))
    a.LUTExplanation = "GAMMA 0.8 16-BIT"
    a.add(DataElement(0x00283006, "US", [int(x) for x in lut16]))
    b = Dataset()
    b.add(DataElement(0x00283002, "US", [4096, 0, 8]))
    b.LUTExplanation = "COSINE 8-BIT PACKED"
    b.add(DataElement(0x00283006, "OW", lut8.tobytes()))
    ds.VOILUTSequence = Sequence([a, b])
    rel = "dicom/lut_voi_sequence.dcm"
    D.save(ds, P(rel))
    add(rel, "lut", "VOILUTSequence with 2 items + 3 windows: item 1 descriptor 4096\\0\\16, LUT Data US "
        "(4096 16-bit values, round(65535*(x/4095)^0.8)); item 2 descriptor 4096\\0\\8, LUT Data OW of 4096 "
        "BYTES = 8-bit entries packed two per 16-bit word (entry 2k in the low byte, little endian), "
        "round(255*(0.5-0.5*cos(pi*x/4095)))", "pydicom", truth=img)

    # 2) Modality LUT Sequence (no Rescale attributes)
    img, ds = _lut_ds("MODALITY LUT SEQ", next_instance())
    for k in ("RescaleIntercept", "RescaleSlope", "RescaleType"):
        delattr(ds, k)
    mlut = np.rint(16000 * np.log1p(i / 512) / np.log1p(4095 / 512)).astype(np.uint16)
    m = Dataset()
    m.add(DataElement(0x00283002, "US", [4096, 0, 16]))
    m.ModalityLUTType = "US"
    m.LUTExplanation = "LOG 16-BIT"
    m.add(DataElement(0x00283006, "US", [int(x) for x in mlut]))
    ds.ModalityLUTSequence = Sequence([m])
    mapped = mlut[img]
    t = mapped[img > 0]
    p1, p99 = np.percentile(t, [1, 99])
    ds.WindowCenter = D.fmt_ds(round((p1 + p99) / 2))
    ds.WindowWidth = D.fmt_ds(round(p99 - p1))
    ds.WindowCenterWidthExplanation = "NORMAL (MODALITY LUT OUTPUT UNITS)"
    ds.VOILUTFunction = "LINEAR"
    rel = "dicom/lut_modality_sequence.dcm"
    D.save(ds, P(rel))
    add(rel, "lut", "ModalityLUTSequence (descriptor 4096\\0\\16, first mapped 0, LUT Data US, "
        "round(16000*ln(1+x/512)/ln(1+4095/512)), ModalityLUTType US), no Rescale attributes; window is "
        "in LUT output units", "pydicom", truth=img)

    # 3) VOI LUT with descriptor count 0 == 65536 entries
    img, ds = _lut_ds("VOI LUT 65536", next_instance())
    j = np.arange(65536, dtype=np.float64)
    big = np.rint(65535 * (np.minimum(j, 4095) / 4095) ** 0.6).astype("<u2")
    c = Dataset()
    c.add(DataElement(0x00283002, "US", [0, 0, 16]))
    c.LUTExplanation = "65536 ENTRIES GAMMA 0.6"
    c.add(DataElement(0x00283006, "OW", big.tobytes()))
    ds.VOILUTSequence = Sequence([c])
    rel = "dicom/lut_voi_65536.dcm"
    D.save(ds, P(rel))
    add(rel, "lut", "VOILUTSequence, descriptor 0\\0\\16 (count 0 means 65536 entries), LUT Data OW "
        "(131072 bytes: a US value list cannot exceed 65534 bytes in explicit VR); entries = "
        "round(65535*(min(x,4095)/4095)^0.6); also the three window pairs of the base image (the LUT wins "
        "under --voi-source auto)", "pydicom", truth=img)


# ================================================================== TIFF
def tiff_write(rel, data, **kw):
    kw.setdefault("metadata", None)
    kw.setdefault("software", "mammo-prep fixtures")
    os.makedirs(os.path.dirname(P(rel)), exist_ok=True)
    tifffile.imwrite(P(rel), data, **kw)


def make_tiff():
    img16 = mammogram(160, 128, 16, seed=16)
    base = "tiff/mg16_minisblack_none.tif"
    tiff_write(base, img16, photometric="minisblack", rowsperstrip=16)
    add(base, "tiff", "16-bit uint MinIsBlack, full 0..65535 range, uncompressed, 10 strips of 16 rows "
        "(same values as dicom/mg16_explicit_le.dcm)",
        "tifffile.imwrite(photometric=minisblack, rowsperstrip=16)", truth=img16)
    for rel, opts, ex in [
        ("tiff/mg16_minisblack_lzw.tif", ["-c", "lzw"], "LZW compression"),
        ("tiff/mg16_minisblack_lzw_pred2.tif", ["-c", "lzw:2"], "LZW with horizontal differencing predictor 2"),
        ("tiff/mg16_minisblack_deflate.tif", ["-c", "zip"], "Deflate (Adobe zip) compression"),
        ("tiff/mg16_minisblack_packbits.tif", ["-c", "packbits"], "PackBits compression"),
        ("tiff/mg16_minisblack_tiled64.tif", ["-t", "-w", "64", "-l", "64"],
         "tiled 64x64 (edge tiles padded: 160x128 -> 3x2 tiles)"),
        ("tiff/mg16_minisblack_bigtiff.tif", ["-8"], "BigTIFF (64-bit offsets, magic 43)"),
    ]:
        D.run(["tiffcp"] + opts + [P(base), P(rel)])
        add(rel, "tiff", ex + " of the 16-bit image", "tiffcp %s mg16_minisblack_none.tif" % " ".join(opts),
            reference=base)

    img12 = mammogram(160, 128, 12, seed=12)
    rel = "tiff/mg12in16_minisblack.tif"
    tiff_write(rel, img12, photometric="minisblack")
    add(rel, "tiff", "16-bit uint container holding 12-bit data (max 4095; no BitsStored in TIFF) - same "
        "values as dicom/mg12_mono2_explicit_le.dcm", "tifffile.imwrite(photometric=minisblack)", truth=img12)

    img8 = mammogram(160, 128, 8, seed=8)
    rel = "tiff/mg8_minisblack.tif"
    tiff_write(rel, img8, photometric="minisblack")
    add(rel, "tiff", "8-bit uint MinIsBlack (same values as dicom/mg8_mono2_explicit_le.dcm)",
        "tifffile.imwrite(photometric=minisblack)", truth=img8)

    f32 = (img16.astype(np.float64) / 65535.0).astype(np.float32)
    rel = "tiff/mgf32_minisblack.tif"
    tiff_write(rel, f32, photometric="minisblack")
    add(rel, "tiff", "32-bit IEEE float samples (SampleFormat 3) in 0..1 (= mg16 / 65535 as float32)",
        "tifffile.imwrite(float32, photometric=minisblack)", truth=f32)

    inv = D.invert_codes(img16, 16, False)
    rel = "tiff/mg16_miniswhite.tif"
    tiff_write(rel, inv, photometric="miniswhite")
    add(rel, "tiff", "16-bit MinIsWhite (Photometric 0): stored = 65535 - mg16; 0 is white",
        "tifffile.imwrite(photometric=miniswhite)", truth=inv)

    pages = slices(160, 128, 16, 3, seed=70)
    rel = "tiff/mg16_multipage3.tif"
    tiff_write(rel, pages, photometric="minisblack")
    add(rel, "tiff", "multi-page TIFF, 3 IFDs of 160x128 16-bit = 3 frames",
        "tifffile.imwrite(3x160x128 uint16, photometric=minisblack)", truth=pages)


# ================================================================== BAD
def _pixel_value_offset(data: bytes) -> tuple[int, int]:
    """(value offset, length) of the top-level Explicit-LE (7FE0,0010) element."""
    for vr in (b"OW", b"OB"):
        k = data.rfind(b"\xe0\x7f\x10\x00" + vr)
        if k >= 0:
            length = struct.unpack("<I", data[k + 8:k + 12])[0]
            return k + 12, length
    raise ValueError("no pixel data element")


def _png(rows=16, cols=16) -> bytes:
    def chunk(t, d):
        return struct.pack(">I", len(d)) + t + d + struct.pack(">I", zlib.crc32(t + d) & 0xFFFFFFFF)
    raw = b"".join(b"\0" + bytes((x * 16 + y) & 0xFF for x in range(cols)) for y in range(rows))
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", cols, rows, 8, 0, 0, 0, 0))
            + chunk(b"IDAT", zlib.compress(raw, 9)) + chunk(b"IEND", b""))


def _fragments(path):
    ds = pydicom.dcmread(path)
    n = int(ds.get("NumberOfFrames", 1) or 1)
    return ds, [bytes(f) for f in generate_frames(ds.PixelData, number_of_frames=n)]


def _reencapsulate(ds, frags, path):
    ds.PixelData = encapsulate(frags, has_bot=True)
    ds["PixelData"].VR = "OB"
    ds["PixelData"].is_undefined_length = True
    D.save(ds, path)


def _garble(buf: bytearray, start: int, end: int, seed: int, inject: bytes = b""):
    rng = np.random.default_rng(seed)
    noise = rng.integers(0, 255, size=end - start, dtype=np.uint8).tobytes()  # 0..254, no 0xFF
    buf[start:end] = noise
    if inject:
        mid = start + (end - start) // 2
        buf[mid:mid + len(inject)] = inject


def make_bad(mg12: Dataset):
    os.makedirs(P("bad"), exist_ok=True)
    null_shape = {k: None for k in ("rows", "columns", "frames", "bitsAllocated", "bitsStored",
                                    "highBit", "pixelRepresentation", "photometricInterpretation",
                                    "sampleFormat", "transferSyntaxUID")}

    # --- notDICOM
    with open(P("bad/not_dicom_text.dcm"), "w") as f:
        f.write("This is a plain text file named like a DICOM file.\n"
                "It has no 128-byte preamble and no DICM magic.\n")
    add("bad/not_dicom_text.dcm", "bad", "plain ASCII text with a .dcm name", "python write",
        expect_error="notDICOM", override=dict(null_shape, format="dicom"), info=False)
    with open(P("bad/not_dicom_png.dcm"), "wb") as f:
        f.write(_png())
    add("bad/not_dicom_png.dcm", "bad", "a valid 16x16 grayscale PNG named .dcm (binary, no DICM magic)",
        "python zlib/struct", expect_error="notDICOM", override=dict(null_shape, format="dicom"), info=False)

    # --- truncated
    with tempfile.TemporaryDirectory() as tmp:
        D.save(variant(mg12, "TRUNCATED"), os.path.join(tmp, "t.dcm"))
        with open(os.path.join(tmp, "t.dcm"), "rb") as f:
            data = f.read()
    off, length = _pixel_value_offset(data)
    with open(P("bad/truncated_pixel_data.dcm"), "wb") as f:
        f.write(data[:off + length // 2 + 1])
    add("bad/truncated_pixel_data.dcm", "bad", "mg12 Explicit LE file cut in the middle of the (7FE0,0010) "
        "value (%d of %d pixel bytes present, odd cut)" % (length // 2 + 1, length),
        "mg12 reference data set (own SOP Instance UID) saved by pydicom, then cut", expect_error="truncated")
    with open(P("tiff/mg16_minisblack_none.tif"), "rb") as f:
        tdata = f.read()
    with tifffile.TiffFile(P("tiff/mg16_minisblack_none.tif")) as t:
        offs = t.pages[0].dataoffsets
        cnts = t.pages[0].databytecounts
    assert max(t_off for t_off in offs) > 0
    cut = offs[0] + sum(cnts) // 2
    with open(P("bad/truncated.tif"), "wb") as f:
        f.write(tdata[:cut])
    add("bad/truncated.tif", "bad", "uncompressed 16-bit TIFF cut in the middle of its strip data "
        "(IFD intact, strips past EOF)", "byte surgery on tiff/mg16_minisblack_none.tif",
        expect_error="truncated", override={"format": "tiff", "rows": 160, "columns": 128, "frames": 1,
                                            "bitsAllocated": 16, "bitsStored": 16, "highBit": 15,
                                            "pixelRepresentation": 0, "transferSyntaxUID": None,
                                            "photometricInterpretation": "MinIsBlack",
                                            "sampleFormat": "uint"}, info=False)

    # --- noPixelData
    v = variant(mg12, "NO PIXEL DATA")
    del v.PixelData
    D.save(v, P("bad/no_pixel_data.dcm"))
    add("bad/no_pixel_data.dcm", "bad", "complete MG data set (all image pixel attributes) without (7FE0,0010)",
        "pydicom", expect_error="noPixelData")

    # --- colour
    gray = mammogram(64, 48, 8, seed=8).astype(np.int64)
    rgb = np.stack([gray, (gray * 3 // 4), np.clip(gray + 40, 0, 255) * (gray > 0)], axis=-1).astype(np.uint8)
    cds = variant(mg12, "RGB")
    cds.Rows, cds.Columns = 64, 48
    cds.SamplesPerPixel = 3
    cds.PlanarConfiguration = 0
    cds.PhotometricInterpretation = "RGB"
    cds.BitsAllocated, cds.BitsStored, cds.HighBit = 8, 8, 7
    for k in ("PixelPaddingValue", "WindowCenter", "WindowWidth", "WindowCenterWidthExplanation",
              "VOILUTFunction", "PresentationLUTShape"):
        if k in cds:
            delattr(cds, k)
    cds.PixelData = rgb.tobytes()
    cds["PixelData"].VR = "OB"
    D.save(cds, P("bad/colour_rgb.dcm"))
    add("bad/colour_rgb.dcm", "bad", "RGB 8-bit, SamplesPerPixel 3, interleaved, Explicit LE, MG SOP class",
        "pydicom", expect_error="colour")
    derive(cds, "bad/colour_ybr_full_422_jpeg.dcm", D.JPEG_BASELINE, "bad",
           "JPEG baseline colour: DCMTK converts RGB to YBR_FULL_422 (4:2:2 subsampled)", None, lossy=True)
    ENTRIES[-1].update(reference=None, maxAbsError=None, expectError="colour")

    pal = variant(mg12, "PALETTE")
    pal.Rows, pal.Columns = 64, 48
    pal.PhotometricInterpretation = "PALETTE COLOR"
    pal.BitsAllocated, pal.BitsStored, pal.HighBit = 8, 8, 7
    for k in ("PixelPaddingValue", "WindowCenter", "WindowWidth", "WindowCenterWidthExplanation",
              "VOILUTFunction", "PresentationLUTShape", "RescaleIntercept", "RescaleSlope", "RescaleType"):
        if k in pal:
            delattr(pal, k)
    idx = np.arange(256, dtype=np.float64)
    for tag_d, tag_l, curve in ((0x00281101, 0x00281201, idx / 255),
                                (0x00281102, 0x00281202, (idx / 255) ** 2),
                                (0x00281103, 0x00281203, 1 - idx / 255)):
        pal.add(DataElement(tag_d, "US", [256, 0, 16]))
        pal.add(DataElement(tag_l, "OW", np.rint(65535 * curve).astype("<u2").tobytes()))
    pal.PixelData = gray.astype(np.uint8).tobytes()
    pal["PixelData"].VR = "OB"
    D.save(pal, P("bad/colour_palette.dcm"))
    add("bad/colour_palette.dcm", "bad", "PALETTE COLOR 8-bit with Red/Green/Blue 256-entry 16-bit palettes",
        "pydicom", expect_error="colour")

    tiff_write("bad/colour_rgb.tif", rgb, photometric="rgb")
    add("bad/colour_rgb.tif", "bad", "8-bit RGB TIFF (3 samples per pixel)", "tifffile.imwrite(photometric=rgb)",
        expect_error="colour")

    # --- unsupportedBits
    bits1 = (mammogram(64, 64, 8, seed=8) > 100)
    b1 = variant(mg12, "BITS 1")
    b1.Rows, b1.Columns = 64, 64
    b1.BitsAllocated, b1.BitsStored, b1.HighBit = 1, 1, 0
    for k in ("PixelPaddingValue", "WindowCenter", "WindowWidth", "WindowCenterWidthExplanation",
              "VOILUTFunction"):
        if k in b1:
            delattr(b1, k)
    b1.PixelData = np.packbits(bits1.ravel(), bitorder="little").tobytes()
    b1["PixelData"].VR = "OB"
    D.save(b1, P("bad/bits1_mono2.dcm"))
    add("bad/bits1_mono2.dcm", "bad", "BitsAllocated 1 MONOCHROME2 64x64 (bit-packed, 512 bytes)",
        "pydicom, numpy.packbits(bitorder=little)", expect_error="unsupportedBits")

    b32 = variant(mg12, "BITS 32")
    img32 = mammogram(64, 48, 16, seed=16).astype(np.uint32) * 65536 + 12345
    b32.Rows, b32.Columns = 64, 48
    b32.BitsAllocated, b32.BitsStored, b32.HighBit = 32, 32, 31
    for k in ("PixelPaddingValue", "WindowCenter", "WindowWidth", "WindowCenterWidthExplanation"):
        if k in b32:
            delattr(b32, k)
    b32.PixelData = img32.astype("<u4").tobytes()
    b32["PixelData"].VR = "OW"
    D.save(b32, P("bad/bits32_int.dcm"))
    add("bad/bits32_int.dcm", "bad", "BitsAllocated 32 / BitsStored 32 unsigned integer samples",
        "pydicom", expect_error="unsupportedBits")

    tiff_write("bad/bits1.tif", bits1, photometric="minisblack")
    add("bad/bits1.tif", "bad", "bilevel TIFF (BitsPerSample 1)", "tifffile.imwrite(bool array)",
        expect_error="unsupportedBits")
    tiff_write("bad/int32.tif", (mammogram(64, 48, 16, seed=16).astype(np.int32) * 1000 - 5000),
               photometric="minisblack")
    add("bad/int32.tif", "bad", "32-bit signed integer TIFF (SampleFormat 2, BitsPerSample 32)",
        "tifffile.imwrite(int32)", expect_error="unsupportedBits")

    # --- shortPixelData
    s = variant(mg12, "SHORT PIXEL DATA")
    s.PixelData = bytes(s.PixelData)[:160 * 128 * 2 - 4096]
    D.save(s, P("bad/short_pixel_data.dcm"))
    add("bad/short_pixel_data.dcm", "bad", "complete, well-formed (7FE0,0010) of %d bytes where "
        "Rows*Columns*Frames*2 = %d" % (160 * 128 * 2 - 4096, 160 * 128 * 2), "pydicom",
        expect_error="shortPixelData")

    # --- absurdDimensions
    a = variant(mg12, "ABSURD")
    a.Rows, a.Columns = 65535, 65535
    a.NumberOfFrames = 100000
    a.PixelData = bytes(range(16))
    D.save(a, P("bad/absurd_dimensions.dcm"))
    add("bad/absurd_dimensions.dcm", "bad", "Rows 65535, Columns 65535, NumberOfFrames 100000 (claims ~858 TB) "
        "with 16 bytes of pixel data: must be refused before allocating", "pydicom",
        expect_error="absurdDimensions")

    # --- corruptStream
    ds, fr = _fragments(P("dicom/mg12_mono2_j2k_lossless.dcm"))
    cs = bytearray(fr[0])
    sot = cs.find(b"\xff\x90")
    _garble(cs, sot + 2, len(cs) - 2, seed=901)
    cds = variant(ds, "CORRUPT J2K")
    _reencapsulate(cds, [bytes(cs)], P("bad/corrupt_j2k.dcm"))
    add("bad/corrupt_j2k.dcm", "bad", "JPEG 2000 lossless: main header (SOC/SIZ/COD/QCD) intact, every byte "
        "after the SOT marker replaced by random bytes (tile-part header and packets garbled; "
        "OpenJPEG silently decodes garbage packet data, so the tile-part header is garbled too)",
        "byte surgery on dicom/mg12_mono2_j2k_lossless.dcm",
        expect_error="corruptStream")

    def corrupt_scan(source, target, seed, inject, label, what):
        """Garbles the middle half of a JPEG / JPEG-LS scan and injects a stray marker segment:
        entropy decoders accept plain random bytes, a misplaced marker they reject."""
        ds, fr = _fragments(P(source))
        cs = bytearray(fr[0])
        sos = cs.find(b"\xff\xda")
        start = sos + 2 + struct.unpack(">H", cs[sos + 2:sos + 4])[0]
        end = cs.rfind(b"\xff\xd9")
        q = start + (end - start) // 4
        _garble(cs, q, q + (end - start) // 2, seed=seed, inject=inject)
        _reencapsulate(variant(ds, label), [bytes(cs)], P(target))
        add(target, "bad", what, f"byte surgery on {source}", expect_error="corruptStream")

    corrupt_scan("dicom/mg12_mono2_jpeg_lossless_sv1.dcm", "bad/corrupt_jpeg_lossless.dcm", 902,
                 b"\xff\xd8\xff\xc3", "CORRUPT JPEG LOSSLESS",
                 "JPEG lossless SV1: headers intact, middle half of the entropy-coded segment replaced by "
                 "random bytes with a stray SOI+SOF3 marker pair injected")
    corrupt_scan("dicom/mg12_mono2_jpegls_lossless.dcm", "bad/corrupt_jpegls.dcm", 903,
                 b"\xff\xda\x00\x08\x01\x01\x00\x00", "CORRUPT JPEG-LS",
                 "JPEG-LS lossless: headers intact, middle half of the scan data replaced by random bytes "
                 "with a misplaced second SOS marker segment injected")

    # --- unsupportedTransferSyntax
    for rel, ts, payload, ex in [
        ("bad/unsupported_ts_jpegxl.dcm", D.JPEGXL,
         b"\xff\x0a" + bytes(range(2, 64)),
         "Transfer Syntax JPEG XL (1.2.840.10008.1.2.4.112), one fragment of fake JXL codestream bytes"),
        ("bad/unsupported_ts_mpeg2.dcm", D.MPEG2_MP,
         b"\x00\x00\x01\xb3" + bytes(range(4, 64)),
         "Transfer Syntax MPEG2 Main Profile (1.2.840.10008.1.2.4.100), one fragment of fake MPEG-2 bytes"),
    ]:
        u = variant(mg12, "UNSUPPORTED TS")
        u.file_meta.TransferSyntaxUID = ts
        u.PixelData = encapsulate([payload], has_bot=True)
        u["PixelData"].VR = "OB"
        u["PixelData"].is_undefined_length = True
        if ts == D.JPEGXL:
            # pydicom 3.0 does not know JPEG XL: write as MPEG2 (same UID length,
            # 23 chars + NUL pad) and patch the UID in the file meta header
            u.file_meta.TransferSyntaxUID = D.MPEG2_MP
            D.save(u, P(rel))
            with open(P(rel), "rb") as f:
                raw = f.read()
            old, new = D.MPEG2_MP.encode() + b"\0", D.JPEGXL.encode() + b"\0"
            k = raw.index(old)
            assert k < 300
            with open(P(rel), "wb") as f:
                f.write(raw[:k] + new + raw[k + len(new):])
        else:
            D.save(u, P(rel))
        add(rel, "bad", ex, "pydicom encapsulate", expect_error="unsupportedTransferSyntax")


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


# ================================================================ outputs
def sha256(path):
    h = hashlib.sha256()
    with open(path, "rb") as f:
        h.update(f.read())
    return h.hexdigest()


def write_index():
    for e in ENTRIES:
        e["sizeBytes"] = os.path.getsize(P(e["path"]))
        e["sha256"] = sha256(P(e["path"]))
    doc = {
        "description": "mammo-prep test fixtures; generated by Fixtures/generate/make_fixtures.sh. "
                       "Paths are relative to Fixtures/. 'reference' names the file whose stored "
                       "values this file must reproduce (itself for originals); maxAbsError is 0 for "
                       "lossless files; for lossy files see README (rule: measured + max(2, ceil(25%)), "
                       "JPEG-LS near-lossless = NEAR = 2).",
        "generator": "Fixtures/generate/make_fixtures.sh",
        "files": ENTRIES,
    }
    with open(P("fixtures.json"), "w") as f:
        json.dump(doc, f, indent=1)
        f.write("\n")

    lines = ["| file | how made | exercises | sha256 |", "| --- | --- | --- | --- |"]
    for e in ENTRIES:
        ex = e["exercises"]
        if e["expectError"]:
            ex = "**%s**: %s" % (e["expectError"], ex)
        elif e["lossy"]:
            ex += " (maxAbsError %s)" % e["maxAbsError"]
        lines.append("| `%s` | %s | %s | `%s` |" % (
            e["path"], e["how"].replace("|", "\\|"), ex.replace("|", "\\|"), e["sha256"]))
    table = "\n".join(lines) + "\n"
    readme = P("README.md")
    begin, end = "<!-- BEGIN FIXTURE TABLE -->", "<!-- END FIXTURE TABLE -->"
    with open(readme) as f:
        text = f.read()
    if begin not in text or end not in text:
        raise SystemExit("README.md lacks the fixture table markers")
    head, rest = text.split(begin, 1)
    _, tail = rest.split(end, 1)
    total = sum(e["sizeBytes"] for e in ENTRIES)
    with open(readme, "w") as f:
        f.write(head + begin + "\n\n%d files, %d bytes of fixture data.\n\n" % (len(ENTRIES), total)
                + table + "\n" + end + tail)


def main():
    for d in ("dicom", "tiff", "bad"):
        shutil.rmtree(P(d), ignore_errors=True)
        os.makedirs(P(d))
    mg12 = make_mg12()
    make_mg8()
    make_depths()
    make_mono1()
    make_signed()
    make_mask()
    make_multiframe()
    make_luts()
    make_tiff()
    make_bad(mg12)
    for e in ENTRIES:
        if e["expectError"]:
            verify_bad(e)
        else:
            verify_good(e)
    write_index()
    print("%d fixtures written and verified" % len(ENTRIES))


if __name__ == "__main__":
    main()
