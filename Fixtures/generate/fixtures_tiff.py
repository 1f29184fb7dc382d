"""Good TIFF fixtures (group tiff).
"""
from __future__ import annotations

import os

import numpy as np
import tifffile

import dicomio as D
from phantom import mammogram
from fixtures_index import P, add, slices


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
