"""Good multi-frame and LUT DICOM fixtures: groups multiframe (tomosynthesis, classic
multi-frame) and lut (VOI / Modality LUT Sequences).
"""
from __future__ import annotations

import numpy as np
from pydicom.dataelem import DataElement
from pydicom.dataset import Dataset
from pydicom.sequence import Sequence

import dicomio as D
from phantom import mammogram
from fixtures_index import next_instance, P, variant, add, slices, derive


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
