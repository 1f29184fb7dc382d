#!/usr/bin/env python3
"""The `--reduce` fixtures: Fixtures/reduce/ and its own index Fixtures/reduce/index.json.

Kept apart from Fixtures/dicom and fixtures.json on purpose: other tests treat those as their
whole matrix. These are small odd-size images (so every level of the 5/3 wavelet has an odd
side somewhere), each as Explicit VR LE (the reference) and in the JPEG 2000 / HTJ2K variants
whose reduced decode either is (single tile, reversible, enough levels, matching signedness) or
is not (several tiles, 9/7, fewer levels than asked) the LL band of ITU-T T.800 Annex F.

Run by make_fixtures.sh after make_fixtures.py, or directly:
    python3 Fixtures/generate/fixtures_reduce.py
Deletes and rebuilds Fixtures/reduce, verifies every file (pydicom, opj_decompress), writes
index.json and the table between the REDUCE TABLE markers in Fixtures/README.md. Deterministic.
"""
from __future__ import annotations

import copy
import hashlib
import json
import math
import os
import shutil
import sys
import tempfile

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)

import dicomio as D  # noqa: E402
from phantom import mammogram  # noqa: E402

FIX = os.path.dirname(HERE)
OUT = os.path.join(FIX, "reduce")
SERIES = 20
FIRST_INSTANCE = 5000          # far from fixtures_index's numbering (101…) and phantom.py's 9000+


def slices(rows, cols, bits, n, seed):
    """n slices sharing one breast outline (as fixtures_index.slices, without its registry)."""
    base = mammogram(rows, cols, bits, seed).astype(np.float64)
    out = []
    for k in range(n):
        other = mammogram(rows, cols, bits, seed + 1000 + k).astype(np.float64)
        other = np.where(other > 0, other, base)
        out.append(np.clip(np.rint(np.where(base > 0, 0.7 * base + 0.3 * other, 0.0)), 0, (1 << bits) - 1))
    return np.stack(out).astype(np.uint16)


def tiny(rows, cols, seed):
    """Random 12-bit codes with both range ends present (so the clamp can matter)."""
    a = np.random.default_rng(seed).integers(0, 4096, (rows, cols))
    a.flat[0], a.flat[-1] = 4095, 0
    return a.astype(np.uint16)


# name -> (stored values, bits stored, signed, sop class, description)
IMAGES = {
    "a12": (lambda: mammogram(161, 127, 12, seed=161), 12, False, None, "REDUCE A12 161x127"),
    "b16": (lambda: mammogram(97, 203, 16, seed=97), 16, False, None, "REDUCE B16 97x203"),
    "s12": (lambda: mammogram(161, 127, 12, seed=162, signed=True), 12, True, None, "REDUCE S12 161x127"),
    "t3x5": (lambda: tiny(3, 5, 35), 12, False, None, "REDUCE TINY 3x5"),
    "t1x7": (lambda: tiny(1, 7, 17), 12, False, None, "REDUCE TINY 1x7"),
    "t7x1": (lambda: tiny(7, 1, 71), 12, False, None, "REDUCE TINY 7x1"),
    "mf3": (lambda: slices(75, 61, 12, 3, seed=75), 12, False, D.SC_MF_WORD, "REDUCE MF3 75x61"),
}

# (file, image, transfer syntax, encoder, extra encoder arguments, codestream facts asked for,
#  exercises). Encoders: None (pydicom, Explicit VR LE), "opj" (opj_compress), "ojph"
# (ojph_compress). opj_compress's defaults: 6 resolutions = 5 decomposition levels, one tile,
# reversible 5/3; ojph_compress's: -num_decomps 5 (its help text), one tile.
FILES = [
    ("a12_explicit_le.dcm", "a12", D.EXPLICIT_LE, None, [], None,
     "reference: 161x127 12-bit unsigned (odd rows and columns)"),
    ("a12_j2k_lossless.dcm", "a12", D.J2K_LOSSLESS, "opj", [], dict(levels=5, tiles=1, reversible=True),
     "J2K lossless, opj_compress defaults: 5 levels, one tile, unsigned codestream (reduced decode = LL band for N <= 5)"),
    ("a12_j2k_2levels.dcm", "a12", D.J2K_LOSSLESS, "opj", ["-n", "3"], dict(levels=2, tiles=1, reversible=True),
     "J2K lossless with only 2 decomposition levels (-n 3): N > 2 must be computed"),
    ("a12_j2k_tiled.dcm", "a12", D.J2K_LOSSLESS, "opj", ["-t", "64,64"], dict(levels=5, tiles=6, reversible=True),
     "J2K lossless in 2x3 tiles of 64x64: each tile has its own wavelet, so --reduce must be computed"),
    ("a12_j2k_lossy.dcm", "a12", D.J2K_LOSSY, "opj", ["-I", "-r", "20"], dict(levels=5, tiles=1, reversible=False),
     "J2K lossy, irreversible 9/7 (rate 20): --reduce must be computed from the full decode"),
    ("a12_htj2k_lossless.dcm", "a12", D.HTJ2K_LOSSLESS, "ojph", ["-reversible", "true"],
     dict(levels=5, tiles=1, reversible=True), "HTJ2K lossless, ojph_compress default 5 levels, LRCP"),
    ("a12_htj2k_rpcl.dcm", "a12", D.HTJ2K_RPCL, "ojph", ["-reversible", "true", "-prog_order", "RPCL"],
     dict(levels=5, tiles=1, reversible=True), "HTJ2K lossless RPCL + TLM marker (1.2.840.10008.1.2.4.202)"),
    ("b16_explicit_le.dcm", "b16", D.EXPLICIT_LE, None, [], None,
     "reference: 97x203 16-bit unsigned (full 0..65535 range: the clamp at 65535 matters)"),
    ("b16_j2k_lossless.dcm", "b16", D.J2K_LOSSLESS, "opj", [], dict(levels=5, tiles=1, reversible=True),
     "J2K lossless of the 16-bit image, 5 levels"),
    ("b16_htj2k_lossless.dcm", "b16", D.HTJ2K_LOSSLESS, "ojph", ["-reversible", "true"],
     dict(levels=5, tiles=1, reversible=True), "HTJ2K lossless of the 16-bit image, 5 levels"),
    ("s12_explicit_le.dcm", "s12", D.EXPLICIT_LE, None, [], None,
     "reference: 161x127 signed 12-bit (-2048..2047, PixelRepresentation 1)"),
    ("s12_j2k_lossless.dcm", "s12", D.J2K_LOSSLESS, "opj", [], dict(levels=5, tiles=1, reversible=True),
     "signed 12-bit J2K lossless with a signed codestream (Ssiz 0x8B), 5 levels"),
    ("t3x5_explicit_le.dcm", "t3x5", D.EXPLICIT_LE, None, [], None,
     "3 rows x 5 columns, smaller than 2^N for N >= 3 (sides of one sample pass through)"),
    ("t1x7_explicit_le.dcm", "t1x7", D.EXPLICIT_LE, None, [], None, "1 row x 7 columns"),
    ("t7x1_explicit_le.dcm", "t7x1", D.EXPLICIT_LE, None, [], None, "7 rows x 1 column"),
    ("mf3_explicit_le.dcm", "mf3", D.EXPLICIT_LE, None, [], None,
     "reference: classic multi-frame (Multi-frame Grayscale Word SC), 3 frames 75x61 12-bit"),
    ("mf3_j2k_lossless.dcm", "mf3", D.J2K_LOSSLESS, "opj", [], dict(levels=5, tiles=1, reversible=True),
     "3-frame J2K lossless, one codestream per frame (5 levels each)"),
]


def encode(frame, bits, signed, encoder, extra, tmp):
    """One frame's codestream from opj_compress (PGM, or signed big-endian raw) / ojph_compress (PGM)."""
    rows, cols = frame.shape
    out = os.path.join(tmp, "f.j2k" if encoder == "opj" else "f.j2c")
    for name in os.listdir(tmp):
        os.remove(os.path.join(tmp, name))
    if signed:
        assert encoder == "opj", "signed HTJ2K is not produced (README: Not produced)"
        src = os.path.join(tmp, "f.raw")
        frame.astype(">i2").tofile(src)
        cmd = ["opj_compress", "-i", src, "-o", out, "-F", "%d,%d,1,%d,s" % (cols, rows, bits)]
    else:
        src = os.path.join(tmp, "f.pgm")
        with open(src, "wb") as f:
            f.write(b"P5\n%d %d\n%d\n" % (cols, rows, (1 << bits) - 1) + frame.astype(">u2").tobytes())
        cmd = ["opj_compress" if encoder == "opj" else "ojph_compress", "-i", src, "-o", out]
    D.run(cmd + list(extra))
    with open(out, "rb") as f:
        return f.read()


def sha256(path):
    with open(path, "rb") as f:
        return hashlib.sha256(f.read()).hexdigest()


def build():
    shutil.rmtree(OUT, ignore_errors=True)
    os.makedirs(OUT)
    truths, datasets, entries = {}, {}, []
    for k, (name, (make, bits, signed, sop, desc)) in enumerate(IMAGES.items()):
        img = make()
        truths[name] = img if img.ndim == 3 else img[None]
        datasets[name] = D.mg_dataset(img, bits_stored=bits, signed=signed, sop_class=sop,
                                      instance=FIRST_INSTANCE + 100 * k, series=SERIES, description=desc)
    counter = {}
    for rel, image, ts, encoder, extra, facts, exercises in FILES:
        path = os.path.join(OUT, rel)
        bits, signed = IMAGES[image][1], IMAGES[image][2]
        ds = copy.deepcopy(datasets[image])
        counter[image] = counter.get(image, 0) + 1
        if counter[image] > 1:          # own SOP Instance UID for every file
            n = int(ds.InstanceNumber) + counter[image] - 1
            ds.SOPInstanceUID = ds.file_meta.MediaStorageSOPInstanceUID = D.sop_uid(n)
            ds.InstanceNumber = n
        how = "pydicom (Explicit VR LE)"
        lossy = ts in D.LOSSY_SYNTAXES
        if encoder is not None:
            with tempfile.TemporaryDirectory() as tmp:
                streams = [encode(f, bits, signed, encoder, extra, tmp) for f in truths[image]]
            if ts == D.HTJ2K_RPCL:
                streams = [D.insert_tlm(s) for s in streams]
            raw = truths[image].size * 2
            D.encapsulate_into(ds, streams, ts)
            if lossy:
                ds.LossyImageCompression = "01"
                ds.LossyImageCompressionRatio = "%.2f" % (raw / sum(len(s) for s in streams))
                ds.LossyImageCompressionMethod = "ISO_15444_1"
            how = "%s %s%s%s; pydicom encapsulate (BOT)" % (
                "opj_compress" if encoder == "opj" else "ojph_compress",
                "-F cols,rows,1,%d,s (signed raw)" % bits if signed else "(16-bit PGM)",
                (" " + " ".join(extra)) if extra else "", " + TLM marker" if ts == D.HTJ2K_RPCL else "")
        D.save(ds, path)
        frames, rows, cols = truths[image].shape
        e = {"path": "reduce/" + rel, "reference": "reduce/%s_explicit_le.dcm" % image,
             "transferSyntaxUID": ts, "rows": rows, "columns": cols, "frames": frames,
             "bitsStored": bits, "pixelRepresentation": 1 if signed else 0,
             "photometricInterpretation": "MONOCHROME2", "lossy": lossy,
             "codestream": None if facts is None else dict(facts, signed=signed, precision=bits,
                                                           ht=encoder == "ojph"),
             "exercises": exercises, "how": how}
        e.update(verify(path, truths[image], lossy))
        e["sizeBytes"], e["sha256"] = os.path.getsize(path), sha256(path)
        entries.append(e)
    return entries


def verify(path, truth, lossy):
    """Decode with pydicom and (J2K) opj_decompress; lossless must be exact, lossy gets a bound."""
    got = {"pydicom": D.decode_pydicom(path)}
    j2k = D.decode_openjpeg(path)
    if j2k is not None:
        got["openjpeg"] = j2k
    measured = {}
    for name, a in got.items():
        if a.shape != truth.shape:
            raise AssertionError("%s: %s shape %s != %s" % (path, name, a.shape, truth.shape))
        measured[name] = int(np.abs(a.astype(np.int64) - truth.astype(np.int64)).max())
    out = {"verifiedWith": sorted(got)}
    if not lossy:
        if any(measured.values()):
            raise AssertionError("%s: lossless file differs from its reference: %s" % (path, measured))
        out["maxAbsError"] = 0
    else:
        m = max(measured.values())
        out["measuredMaxAbsError"] = measured
        out["maxAbsError"] = m + max(2, int(math.ceil(0.25 * m)))    # the fixtures.json rule
    return out


def write_index(entries):
    doc = {"description": "mammo-prep --reduce fixtures; generated by Fixtures/generate/fixtures_reduce.py "
                          "(run from make_fixtures.sh). Paths are relative to Fixtures/. Not part of "
                          "fixtures.json. 'codestream' holds what the encoder was asked for (levels = "
                          "decomposition levels); the tests check it against the codestream itself.",
           "generator": "Fixtures/generate/fixtures_reduce.py", "files": entries}
    with open(os.path.join(OUT, "index.json"), "w") as f:
        json.dump(doc, f, indent=1)
        f.write("\n")
    lines = ["| file | how made | exercises | sha256 |", "| --- | --- | --- | --- |"]
    for e in entries:
        ex = e["exercises"] + (" (maxAbsError %d)" % e["maxAbsError"] if e["lossy"] else "")
        lines.append("| `%s` | %s | %s | `%s` |" % (e["path"], e["how"], ex.replace("|", "\\|"), e["sha256"]))
    readme = os.path.join(FIX, "README.md")
    begin, end = "<!-- BEGIN REDUCE TABLE -->", "<!-- END REDUCE TABLE -->"
    with open(readme) as f:
        text = f.read()
    if begin not in text or end not in text:
        raise SystemExit("README.md lacks the reduce table markers")
    head, rest = text.split(begin, 1)
    _, tail = rest.split(end, 1)
    total = sum(e["sizeBytes"] for e in entries)
    with open(readme, "w") as f:
        f.write(head + begin + "\n\n%d files, %d bytes.\n\n" % (len(entries), total)
                + "\n".join(lines) + "\n\n" + end + tail)


def main():
    entries = build()
    write_index(entries)
    print("%d reduce fixtures written and verified" % len(entries))


if __name__ == "__main__":
    main()
