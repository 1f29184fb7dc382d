"""Good single-frame DICOM fixtures: groups mg12, mg8, depth, mono1, signed and mask.
"""
from __future__ import annotations

import math

import numpy as np

import dicomio as D
from phantom import mammogram
from fixtures_index import next_instance, P, variant, add, derive


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
