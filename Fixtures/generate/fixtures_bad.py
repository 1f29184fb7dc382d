"""Bad fixtures (Fixtures/bad): inputs the tool must refuse, each with its expectError.
"""
from __future__ import annotations

import os
import struct
import tempfile
import zlib

import numpy as np
import pydicom
import tifffile
from pydicom.dataelem import DataElement
from pydicom.dataset import Dataset
from pydicom.encaps import encapsulate, generate_frames

import dicomio as D
from phantom import mammogram
from fixtures_index import ENTRIES, P, variant, add, derive
from fixtures_tiff import tiff_write


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
