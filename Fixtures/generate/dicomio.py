"""DICOM helpers for the mammo-prep fixture generator (pydicom + CLI codecs).

Everything here is deterministic: fixed UIDs (under UID_ROOT), fixed dates,
no random UIDs, and DCMTK is always told to keep the SOP Instance UID.

External tools used (Debian 12 packages):
  dcmtk          dcmconv, dcmcjpeg, dcmcjpls, dcmcrle (+ dcmdjpeg, dcmdjpls,
                 dcmdrle for cross-checking)
  libopenjp2-tools  opj_compress, opj_decompress
  openjph-tools  ojph_compress (HTJ2K encoder)
"""
from __future__ import annotations

import copy
import os
import shutil
import struct
import subprocess
import tempfile

import numpy as np
import pydicom
from pydicom.dataelem import DataElement
from pydicom.dataset import Dataset, FileMetaDataset
from pydicom.encaps import encapsulate, generate_frames
from pydicom.sequence import Sequence

UID_ROOT = "1.2.826.0.1.3680043.10.1349"
STUDY_UID = UID_ROOT + ".1.1"
FOR_UID = UID_ROOT + ".1.4"

# SOP classes
MG_PRESENTATION = "1.2.840.10008.5.1.4.1.1.1.2"
MG_PROCESSING = "1.2.840.10008.5.1.4.1.1.1.2.1"
BREAST_TOMO = "1.2.840.10008.5.1.4.1.1.13.1.3"
SC_MF_WORD = "1.2.840.10008.5.1.4.1.1.7.3"      # Multi-frame Grayscale Word SC
SC_MF_BYTE = "1.2.840.10008.5.1.4.1.1.7.2"
SC_SINGLE = "1.2.840.10008.5.1.4.1.1.7"

# Transfer syntaxes
IMPLICIT_LE = "1.2.840.10008.1.2"
EXPLICIT_LE = "1.2.840.10008.1.2.1"
DEFLATED_LE = "1.2.840.10008.1.2.1.99"
EXPLICIT_BE = "1.2.840.10008.1.2.2"
JPEG_BASELINE = "1.2.840.10008.1.2.4.50"
JPEG_EXTENDED = "1.2.840.10008.1.2.4.51"
JPEG_LOSSLESS_P14 = "1.2.840.10008.1.2.4.57"
JPEG_LOSSLESS_SV1 = "1.2.840.10008.1.2.4.70"
JPEGLS_LOSSLESS = "1.2.840.10008.1.2.4.80"
JPEGLS_NEAR = "1.2.840.10008.1.2.4.81"
J2K_LOSSLESS = "1.2.840.10008.1.2.4.90"
J2K_LOSSY = "1.2.840.10008.1.2.4.91"
HTJ2K_LOSSLESS = "1.2.840.10008.1.2.4.201"
HTJ2K_RPCL = "1.2.840.10008.1.2.4.202"
HTJ2K_LOSSY = "1.2.840.10008.1.2.4.203"
RLE = "1.2.840.10008.1.2.5"
MPEG2_MP = "1.2.840.10008.1.2.4.100"
JPEGXL = "1.2.840.10008.1.2.4.112"

NATIVE_SYNTAXES = {IMPLICIT_LE, EXPLICIT_LE, DEFLATED_LE, EXPLICIT_BE}
J2K_SYNTAXES = {J2K_LOSSLESS, J2K_LOSSY, HTJ2K_LOSSLESS, HTJ2K_RPCL, HTJ2K_LOSSY}
LOSSY_SYNTAXES = {JPEG_BASELINE, JPEG_EXTENDED, JPEGLS_NEAR, J2K_LOSSY, HTJ2K_LOSSY}

# How each syntax is produced from an Explicit VR LE source (documentation and
# the CLI both use this table).  "{i}"/"{o}" are input/output paths.
#  - JPEG lossless uses DCMTK's pseudo-lossless codec (+pl): its codestream
#    precision P equals Bits Stored (the true-lossless codec always writes
#    P=16).  The pseudo-lossless codec flags its output as lossy, so only its
#    codestream is kept and re-wrapped (REWRAP) into the source data set; the
#    generator proves the result bit-exact.
#  - JPEG-LS uses the "cooked" mode (+pc), again P = Bits Stored.
DCMTK_COMMANDS = {
    IMPLICIT_LE: ["dcmconv", "+ti", "{i}", "{o}"],
    EXPLICIT_BE: ["dcmconv", "+tb", "{i}", "{o}"],
    DEFLATED_LE: ["dcmconv", "+td", "{i}", "{o}"],
    JPEG_BASELINE: ["dcmcjpeg", "+eb", "+un", "{i}", "{o}"],
    JPEG_EXTENDED: ["dcmcjpeg", "+ee", "+un", "{i}", "{o}"],
    JPEG_LOSSLESS_P14: ["dcmcjpeg", "+pl", "+el", "+un", "{i}", "{o}"],
    JPEG_LOSSLESS_SV1: ["dcmcjpeg", "+pl", "+e1", "+un", "{i}", "{o}"],
    JPEGLS_LOSSLESS: ["dcmcjpls", "+el", "+pc", "+un", "{i}", "{o}"],
    JPEGLS_NEAR: ["dcmcjpls", "+en", "+md", "2", "+pc", "+un", "{i}", "{o}"],
    RLE: ["dcmcrle", "+un", "{i}", "{o}"],
}
# DCMTK's own default (true-lossless / raw) encoders: codestream P = 16 even
# for 12-bit data, and signed samples are encoded as sign-extended 16-bit words.
DCMTK_P16_COMMANDS = {
    JPEG_LOSSLESS_P14: ["dcmcjpeg", "+el", "+un", "{i}", "{o}"],
    JPEG_LOSSLESS_SV1: ["dcmcjpeg", "+e1", "+un", "{i}", "{o}"],
    JPEGLS_LOSSLESS: ["dcmcjpls", "+el", "+un", "{i}", "{o}"],
}
REWRAP = {JPEG_LOSSLESS_P14, JPEG_LOSSLESS_SV1}

PATIENT_NAME = "FIXTURE^SYNTHETIC"
PATIENT_ID = "FIX-0001"
DATE = "20240102"
TIME = "101500"


def run(cmd, **kw):
    """Run a command, raising with its output on failure."""
    p = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, **kw)
    if p.returncode != 0:
        raise RuntimeError("command failed (%d): %s\n%s" % (
            p.returncode, " ".join(cmd), p.stdout.decode(errors="replace")))
    return p.stdout.decode(errors="replace")


def sop_uid(instance: int) -> str:
    return "%s.1.3.%d" % (UID_ROOT, instance)


def series_uid(series: int) -> str:
    return "%s.1.2.%d" % (UID_ROOT, series)


def invert_codes(img: np.ndarray, bits: int, signed: bool) -> np.ndarray:
    """Map codes v -> (max - v) so the image suits MONOCHROME1 / MinIsWhite."""
    if signed:
        return (-1 - img.astype(np.int32)).astype(img.dtype)
    return (((1 << bits) - 1) - img.astype(np.int32)).astype(img.dtype)


def orientation(laterality: str, view: str):
    if view == "MLO":
        return ["A", "FR"] if laterality == "L" else ["P", "FL"]
    return ["A", "R"] if laterality == "L" else ["P", "L"]


def _code_item(value, scheme, meaning):
    it = Dataset()
    it.CodeValue = value
    it.CodingSchemeDesignator = scheme
    it.CodeMeaning = meaning
    return it


VIEW_CODES = {"CC": ("399162004", "cranio-caudal"),
              "MLO": ("399368009", "medio-lateral oblique")}


def native_bytes(pixels: np.ndarray, bits_allocated: int) -> bytes:
    """Little-endian native pixel data for 8/16/32-bit samples (even length)."""
    if bits_allocated == 8:
        b = pixels.astype(np.uint8, copy=False).tobytes() if pixels.dtype.itemsize == 1 \
            else pixels.astype(np.int64).astype(np.uint8).tobytes()
    elif bits_allocated == 16:
        b = pixels.astype("<i4").astype("<u2").tobytes() if pixels.dtype.kind == "i" \
            else pixels.astype("<u2").tobytes()
    elif bits_allocated == 32:
        b = pixels.astype("<u4").tobytes()
    else:
        raise ValueError(bits_allocated)
    if len(b) % 2:
        b += b"\0"
    return b


def mg_dataset(pixels: np.ndarray, *, bits_stored: int, signed: bool = False,
               photometric: str = "MONOCHROME2", laterality: str = "L",
               view: str = "CC", instance: int = 1, series: int = 1,
               for_processing: bool = False, bits_allocated: int | None = None,
               windows=None, voi_function: str | None = "LINEAR",
               rescale: bool = True, padding=None, raw_words: np.ndarray | None = None,
               sop_class: str | None = None, description: str = "") -> Dataset:
    """Build a Digital Mammography X-Ray image data set (Explicit VR LE).

    pixels: (rows, cols) or (frames, rows, cols) stored values.
    windows: list of (center, width, explanation) or None for automatic
             NORMAL/HARDER/SOFTER windows; [] for no window.
    raw_words: if given, written as pixel data instead of `pixels` (used to put
               garbage into unused high bits).
    """
    if bits_allocated is None:
        bits_allocated = 8 if bits_stored <= 8 else 16
    frames = 1 if pixels.ndim == 2 else pixels.shape[0]
    rows, cols = pixels.shape[-2:]

    ds = Dataset()
    ds.file_meta = FileMetaDataset()
    ds.file_meta.TransferSyntaxUID = EXPLICIT_LE
    if sop_class is None:
        sop_class = MG_PROCESSING if for_processing else MG_PRESENTATION
    ds.file_meta.MediaStorageSOPClassUID = sop_class
    ds.file_meta.MediaStorageSOPInstanceUID = sop_uid(instance)

    ds.SpecificCharacterSet = "ISO_IR 100"
    ds.ImageType = ["ORIGINAL", "PRIMARY"]
    ds.InstanceCreationDate = DATE
    ds.InstanceCreationTime = TIME
    ds.SOPClassUID = sop_class
    ds.SOPInstanceUID = sop_uid(instance)
    ds.StudyDate = DATE
    ds.SeriesDate = DATE
    ds.AcquisitionDate = DATE
    ds.ContentDate = DATE
    ds.StudyTime = TIME
    ds.SeriesTime = TIME
    ds.AcquisitionTime = TIME
    ds.ContentTime = TIME
    ds.AccessionNumber = "FIXACC0001"
    ds.Modality = "MG"
    ds.PresentationIntentType = "FOR PROCESSING" if for_processing else "FOR PRESENTATION"
    ds.Manufacturer = "MAMMO-PREP FIXTURES"
    ds.InstitutionName = "SYNTHETIC PHANTOM LAB"
    ds.ReferringPhysicianName = ""
    ds.StudyDescription = "SYNTHETIC MAMMOGRAPHY FIXTURE"
    ds.SeriesDescription = description or ("%s %s" % (laterality, view))
    ds.ManufacturerModelName = "PHANTOM-1"
    ds.PatientName = PATIENT_NAME
    ds.PatientID = PATIENT_ID
    ds.PatientBirthDate = "19700101"
    ds.PatientSex = "F"
    ds.BodyPartExamined = "BREAST"
    ds.KVP = "29"
    ds.DistanceSourceToDetector = "660"
    ds.DistanceSourceToPatient = "640"
    ds.DeviceSerialNumber = "FIX-DEVICE-0001"
    ds.SoftwareVersions = "mammo-prep-fixtures-1"
    ds.ExposureTime = "1200"
    ds.XRayTubeCurrent = "100"
    ds.Exposure = "120"
    ds.ImagerPixelSpacing = ["0.085", "0.085"]
    ds.AnodeTargetMaterial = "TUNGSTEN"
    ds.BodyPartThickness = "45"
    ds.CompressionForce = "110"
    ds.PositionerType = "MAMMOGRAPHIC"
    ds.DetectorType = "DIRECT"
    ds.ViewPosition = view
    ds.EstimatedRadiographicMagnificationFactor = "1.0"
    ds.FilterMaterial = "RHODIUM"
    ds.BreastImplantPresent = "NO"
    ds.StudyInstanceUID = STUDY_UID
    ds.SeriesInstanceUID = series_uid(series)
    ds.StudyID = "1"
    ds.SeriesNumber = series
    ds.InstanceNumber = instance
    ds.PatientOrientation = orientation(laterality, view)
    ds.FrameOfReferenceUID = FOR_UID
    ds.PositionReferenceIndicator = ""
    ds.ImageLaterality = laterality
    ds.ViewCodeSequence = Sequence([_code_item(VIEW_CODES[view][0], "SCT", VIEW_CODES[view][1])])
    ds.SamplesPerPixel = 1
    ds.PhotometricInterpretation = photometric
    if frames > 1 or sop_class in (BREAST_TOMO, SC_MF_WORD, SC_MF_BYTE):
        ds.NumberOfFrames = frames
    ds.Rows = rows
    ds.Columns = cols
    ds.PixelSpacing = ["0.085", "0.085"]
    ds.BitsAllocated = bits_allocated
    ds.BitsStored = bits_stored
    ds.HighBit = bits_stored - 1
    ds.PixelRepresentation = 1 if signed else 0
    ds.BurnedInAnnotation = "NO"
    ds.QualityControlImage = "NO"
    ds.PixelIntensityRelationship = "LOG"
    ds.PixelIntensityRelationshipSign = -1 if photometric == "MONOCHROME1" else 1
    if padding is not None:
        ds.add(DataElement(0x00280120, "SS" if signed else "US", int(padding)))
    if rescale:
        ds.RescaleIntercept = "0"
        ds.RescaleSlope = "1"
        ds.RescaleType = "US"
    if windows is None:
        windows = auto_windows(pixels, bits_stored, signed, photometric)
    if windows:
        ds.WindowCenter = [fmt_ds(c) for c, _, _ in windows]
        ds.WindowWidth = [fmt_ds(w) for _, w, _ in windows]
        ds.WindowCenterWidthExplanation = [e for _, _, e in windows]
    if voi_function:
        ds.VOILUTFunction = voi_function
    ds.LossyImageCompression = "00"
    if photometric == "MONOCHROME1":
        ds.PresentationLUTShape = "INVERSE"
    elif photometric == "MONOCHROME2":
        ds.PresentationLUTShape = "IDENTITY"
    data = raw_words if raw_words is not None else pixels
    ds.PixelData = native_bytes(data, bits_allocated)
    ds["PixelData"].VR = "OB" if bits_allocated == 8 else "OW"
    return ds


def fmt_ds(v) -> str:
    v = float(v)
    return str(int(v)) if v == int(v) else ("%.4f" % v).rstrip("0")


def auto_windows(pixels, bits_stored, signed, photometric):
    """NORMAL/HARDER/SOFTER windows from the tissue percentiles (deterministic)."""
    a = pixels.astype(np.int64).ravel()
    lo = -(1 << (bits_stored - 1)) if signed else 0
    hi = lo + (1 << bits_stored) - 1
    bg = hi if photometric == "MONOCHROME1" else lo
    t = a[a != bg]
    if t.size == 0:
        t = a
    p1, p99 = np.percentile(t, [1, 99])
    c = int(round((p1 + p99) / 2))
    w = max(2, int(round(p99 - p1)))
    return [(c, w, "NORMAL"), (c, max(2, int(round(w * 0.6))), "HARDER"),
            (c, int(round(w * 1.5)), "SOFTER")]


def save(ds: Dataset, path: str) -> None:
    os.makedirs(os.path.dirname(os.path.abspath(path)) or ".", exist_ok=True)
    ds.save_as(path, enforce_file_format=True)


def frames_of(ds: Dataset) -> np.ndarray:
    """Native pixel data of an Explicit LE data set as (frames, rows, cols) stored values."""
    arr = ds.pixel_array
    n = int(getattr(ds, "NumberOfFrames", 1) or 1)
    return arr.reshape(n, ds.Rows, ds.Columns)


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
