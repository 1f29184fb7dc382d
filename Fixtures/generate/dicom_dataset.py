"""DICOM constants and data set building for the fixture generator (part of dicomio).

Fixed UIDs (under UID_ROOT), SOP classes, transfer syntaxes, the DCMTK command
tables, the fixed identifying attributes, `run`, and the MG data set builder
`mg_dataset` with its helpers (codes, windows, native pixel bytes, save).
"""
from __future__ import annotations

import os
import subprocess

import numpy as np
from pydicom.dataelem import DataElement
from pydicom.dataset import Dataset, FileMetaDataset
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
