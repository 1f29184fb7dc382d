"""Encoders for the fixture generator (part of dicomio): JPEG 2000 / HTJ2K via
opj_compress / ojph_compress, encapsulation, and `write_with_syntax`, which writes
a data set in any supported transfer syntax (pydicom, DCMTK or the J2K encoders).
"""
from __future__ import annotations

import copy
import os
import shutil
import struct
import tempfile

import numpy as np
import pydicom
from pydicom.dataset import Dataset
from pydicom.encaps import encapsulate, generate_frames

from dicom_dataset import (EXPLICIT_LE, JPEG_BASELINE, JPEG_EXTENDED, JPEG_LOSSLESS_P14,
                           JPEG_LOSSLESS_SV1, JPEGLS_LOSSLESS, JPEGLS_NEAR, J2K_LOSSLESS,
                           J2K_LOSSY, HTJ2K_LOSSLESS, HTJ2K_RPCL, HTJ2K_LOSSY, J2K_SYNTAXES,
                           LOSSY_SYNTAXES, DCMTK_COMMANDS, DCMTK_P16_COMMANDS, REWRAP, run, save,
                           frames_of)


# --------------------------------------------------------------------- J2K
def _pgm_bytes(frame: np.ndarray, maxval: int) -> bytes:
    rows, cols = frame.shape
    head = b"P5\n%d %d\n%d\n" % (cols, rows, maxval)
    if maxval < 256:
        return head + frame.astype(np.uint8).tobytes()
    return head + frame.astype(">u2").tobytes()


def insert_tlm(cs: bytes) -> bytes:
    """Insert a TLM marker segment (one entry per tile-part) before the first SOT."""
    assert cs[:2] == b"\xff\x4f", "not a J2K codestream"
    pos = 2
    while True:
        marker = cs[pos:pos + 2]
        if marker == b"\xff\x90":
            break
        seglen = struct.unpack(">H", cs[pos + 2:pos + 4])[0]
        pos += 2 + seglen
    first_sot = pos
    entries = []
    p = first_sot
    while cs[p:p + 2] == b"\xff\x90":
        _lsot, isot, psot, _tpsot, _tnsot = struct.unpack(">HHIBB", cs[p + 2:p + 12])
        if psot == 0:
            psot = len(cs) - 2 - p
        entries.append((isot, psot))
        p += psot
    if len(entries) > 255:
        raise ValueError("too many tile-parts for an 8-bit Ttlm")
    body = struct.pack(">BB", 0, 0x50)  # Ztlm=0, Stlm: ST=1 (8-bit Ttlm), SP=1 (32-bit Ptlm)
    for isot, psot in entries:
        body += struct.pack(">BI", isot, psot)
    tlm = b"\xff\x55" + struct.pack(">H", 2 + len(body)) + body
    return cs[:first_sot] + tlm + cs[first_sot:]


def j2k_encode_frame(frame: np.ndarray, bits: int, *, signed_codestream: bool,
                     ht: bool = False, lossless: bool = True, rpcl: bool = False,
                     tmp: str) -> bytes:
    """Encode one frame of stored values to a J2K/HTJ2K codestream with the CLI tools.

    Unsigned codestreams come from a 16-bit (or 8-bit) PGM with maxval 2**bits-1.
    Signed codestreams (OpenJPEG only) come from a big-endian raw file with
    `opj_compress -F cols,rows,1,bits,s`.
    """
    rows, cols = frame.shape
    out = os.path.join(tmp, "f.j2c")
    if os.path.exists(out):
        os.remove(out)
    if signed_codestream:
        if ht:
            raise ValueError("signed HTJ2K not produced (ojph_compress reads PGM only)")
        raw = os.path.join(tmp, "f.raw")
        frame.astype(">i2").tofile(raw)
        cmd = ["opj_compress", "-i", raw, "-o", os.path.join(tmp, "f.j2k"),
               "-F", "%d,%d,1,%d,s" % (cols, rows, bits)]
        if not lossless:
            cmd += ["-I", "-r", "20"]
        run(cmd)
        os.replace(os.path.join(tmp, "f.j2k"), out)
    else:
        pgm = os.path.join(tmp, "f.pgm")
        with open(pgm, "wb") as f:
            f.write(_pgm_bytes(frame.astype(np.int64) & ((1 << bits) - 1), (1 << bits) - 1))
        if ht:
            nd = 5
            while max(rows, cols) > 64 * (1 << nd):
                nd += 1
            cmd = ["ojph_compress", "-i", pgm, "-o", out, "-num_decomps", str(nd)]
            if lossless:
                cmd += ["-reversible", "true",
                        "-prog_order", "RPCL" if rpcl else "LRCP"]
            else:
                cmd += ["-qstep", "0.002"]
            run(cmd)
        else:
            j2k = os.path.join(tmp, "f.j2k")
            cmd = ["opj_compress", "-i", pgm, "-o", j2k]
            if not lossless:
                cmd += ["-I", "-r", "20"]
            run(cmd)
            os.replace(j2k, out)
    with open(out, "rb") as f:
        cs = f.read()
    if rpcl:
        cs = insert_tlm(cs)
    return cs


def encapsulate_into(ds: Dataset, frames_bytes, ts: str) -> Dataset:
    """Replace native pixel data by encapsulated fragments (one per frame, with BOT)."""
    ds.PixelData = encapsulate(list(frames_bytes), has_bot=True)
    ds["PixelData"].VR = "OB"
    ds["PixelData"].is_undefined_length = True
    ds.file_meta.TransferSyntaxUID = ts
    return ds


def to_j2k(ds: Dataset, ts: str, *, signed_codestream: bool | None = None) -> Dataset:
    """Copy of an Explicit-LE MG data set with J2K/HTJ2K encapsulated pixel data."""
    out = copy.deepcopy(ds)
    frames = frames_of(ds)
    bits = int(ds.BitsStored)
    signed = int(ds.PixelRepresentation) == 1
    if signed_codestream is None:
        signed_codestream = signed
    ht = ts in (HTJ2K_LOSSLESS, HTJ2K_RPCL, HTJ2K_LOSSY)
    lossless = ts not in (J2K_LOSSY, HTJ2K_LOSSY)
    with tempfile.TemporaryDirectory() as tmp:
        streams = [j2k_encode_frame(f, bits, signed_codestream=signed_codestream, ht=ht,
                                    lossless=lossless, rpcl=(ts == HTJ2K_RPCL), tmp=tmp)
                   for f in frames]
    raw_size = frames.size * int(ds.BitsAllocated) // 8
    encapsulate_into(out, streams, ts)
    if not lossless:
        out.LossyImageCompression = "01"
        out.LossyImageCompressionRatio = "%.2f" % (raw_size / sum(len(s) for s in streams))
        out.LossyImageCompressionMethod = "ISO_15444_15" if ht else "ISO_15444_1"
    return out


def _unsigned_twin(ds: Dataset) -> Dataset:
    """PR=0 copy whose samples are the Bits Stored two's complement patterns."""
    tw = copy.deepcopy(ds)
    bs = int(ds.BitsStored)
    words = (frames_of(ds).astype(np.int64) & ((1 << bs) - 1)).astype(np.uint16)
    tw.PixelRepresentation = 0
    for k in ("PixelPaddingValue", "WindowCenter", "WindowWidth",
              "WindowCenterWidthExplanation", "VOILUTFunction"):
        if k in tw:
            delattr(tw, k)
    tw.PixelData = words.tobytes()
    tw["PixelData"].VR = "OW"
    return tw


def write_with_syntax(ds: Dataset, path: str, ts: str, command: list | None = None) -> list:
    """Write `ds` (native Explicit VR LE) to `path` using transfer syntax `ts`.

    command: override the DCMTK command line (e.g. a DCMTK_P16_COMMANDS entry).
    Returns a description of the command line(s) used (for the README)."""
    os.makedirs(os.path.dirname(os.path.abspath(path)) or ".", exist_ok=True)
    bs = int(ds.BitsStored)
    signed = int(ds.PixelRepresentation) == 1
    if ts == JPEG_BASELINE and (bs > 8 or int(ds.BitsAllocated) != 8):
        raise ValueError("JPEG baseline needs 8-bit data (BitsAllocated = BitsStored = 8)")
    if ts == JPEG_EXTENDED and bs > 12:
        raise ValueError("JPEG extended (process 4) holds at most 12 bits")
    if signed and ts in (JPEG_BASELINE, JPEG_EXTENDED, JPEGLS_NEAR, HTJ2K_LOSSLESS,
                         HTJ2K_RPCL, HTJ2K_LOSSY):
        raise ValueError("signed (Pixel Representation 1) data cannot be encoded as %s by "
                         "this generator" % ts)
    if ts == EXPLICIT_LE:
        save(ds, path)
        return ["pydicom save_as"]
    if ts in J2K_SYNTAXES:
        save(to_j2k(ds, ts), path)
        return [j2k_description(ts, signed=int(ds.PixelRepresentation) == 1)]
    if command is None and ts not in DCMTK_COMMANDS:
        raise ValueError("cannot produce transfer syntax %s" % ts)
    cmd_t = command or DCMTK_COMMANDS[ts]
    desc = " ".join(a for a in cmd_t if a not in ("{i}", "{o}"))
    # the P=BitsStored encoders (+pc, +pl) cannot take sign-extended words: they get
    # the unsigned two's complement patterns and the codestream is re-wrapped
    twin = signed and command is None and ts in (JPEG_LOSSLESS_P14, JPEG_LOSSLESS_SV1,
                                                 JPEGLS_LOSSLESS, JPEGLS_NEAR)
    rewrap = twin or (command is None and ts in REWRAP)
    with tempfile.TemporaryDirectory() as tmp:
        src = os.path.join(tmp, "src.dcm")
        save(_unsigned_twin(ds) if twin else ds, src)
        tmp_out = os.path.join(tmp, "out.dcm")
        run([a.format(i=src, o=tmp_out) for a in cmd_t])
        if rewrap:
            enc = pydicom.dcmread(tmp_out)
            assert str(enc.file_meta.TransferSyntaxUID) == ts
            n = int(getattr(ds, "NumberOfFrames", 1) or 1)
            frags = [bytes(f) for f in generate_frames(enc.PixelData, number_of_frames=n)]
            out = copy.deepcopy(ds)
            encapsulate_into(out, frags, ts)
            if ts in LOSSY_SYNTAXES:
                for k in ("LossyImageCompression", "LossyImageCompressionRatio",
                          "LossyImageCompressionMethod", "DerivationDescription"):
                    if k in enc:
                        out[k] = enc[k]
            elif not np.array_equal(
                    np.asarray(out.pixel_array).reshape(frames_of(ds).shape), frames_of(ds)):
                # DCMTK's pseudo-lossless codec rescales some bit depths (e.g. 14):
                # fall back to its true-lossless codec (codestream P=16)
                if command is None and ts in DCMTK_P16_COMMANDS:
                    return write_with_syntax(ds, path, ts, command=DCMTK_P16_COMMANDS[ts])
                raise RuntimeError("%s: re-wrapped codestream is not lossless" % ts)
            save(out, path)
            desc += "; codestream re-wrapped by pydicom into the source data set" + (
                " (encoded from the unsigned two's complement patterns)" if twin else "")
        else:
            shutil.move(tmp_out, path)
    return [desc]


def j2k_description(ts: str, signed: bool = False) -> str:
    if ts == J2K_LOSSLESS:
        return ("opj_compress -F cols,rows,1,bits,s (signed raw)" if signed
                else "opj_compress (reversible 5/3) from a PGM") + "; pydicom encapsulate (BOT)"
    if ts == J2K_LOSSY:
        return "opj_compress -I -r 20 from a PGM; pydicom encapsulate (BOT)"
    if ts == HTJ2K_LOSSLESS:
        return "ojph_compress -reversible true -prog_order LRCP; pydicom encapsulate (BOT)"
    if ts == HTJ2K_RPCL:
        return ("ojph_compress -reversible true -prog_order RPCL + TLM marker inserted; "
                "pydicom encapsulate (BOT)")
    if ts == HTJ2K_LOSSY:
        return "ojph_compress -qstep 0.002 (irreversible 9/7); pydicom encapsulate (BOT)"
    return ts
