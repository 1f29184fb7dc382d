"""`inspect --json` against pydicom's reading of the same attributes (docs/design.md §2)."""
import json

import pydicom
import pytest

from conftest import FIXTURES, GOOD, GOOD_DICOM, GOOD_TIFF, ids, run

KEYS = ["path", "format", "rows", "columns", "frames", "bitsAllocated", "bitsStored", "highBit",
        "pixelRepresentation", "photometricInterpretation", "transferSyntaxUID", "modality",
        "presentationIntentType", "windows", "voiLUTFunction", "hasVOILUTSequence",
        "hasModalityLUTSequence", "rescaleSlope", "rescaleIntercept", "presentationLUTShape",
        "imageLaterality", "viewPosition", "manufacturer",
        # issue 12's join keys (presentationIntentType is listed above)
        "sopInstanceUID", "studyInstanceUID", "seriesInstanceUID", "sopClassUID", "laterality",
        "imageType", "numberOfFrames"]


def inspect(entry):
    proc = run("inspect", "--json", FIXTURES / entry["path"])
    assert proc.returncode == 0, proc.stdout + proc.stderr
    lines = proc.stdout.splitlines()
    assert len(lines) == 1
    return json.loads(lines[0])


def text(ds, keyword):
    value = ds.get(keyword)
    if value is None or value == "":
        return None
    return str(value).strip()


def hoisted(ds):
    """Grey-level attributes that apply to frame 0: per-frame functional group over shared over
    top level, macro by macro (docs/windowing.md §8). pydicom does not do this itself."""
    voi, pvt = ds, ds
    for fg_keyword in ("SharedFunctionalGroupsSequence", "PerFrameFunctionalGroupsSequence"):
        fg = ds.get(fg_keyword)
        if fg:
            item = fg[0]
            if "FrameVOILUTSequence" in item:
                voi = item.FrameVOILUTSequence[0]
            if "PixelValueTransformationSequence" in item:
                pvt = item.PixelValueTransformationSequence[0]
    return voi, pvt


def as_list(value):
    if value is None:
        return []
    return list(value) if isinstance(value, pydicom.multival.MultiValue) else [value]


@pytest.mark.parametrize("entry", GOOD_DICOM, ids=ids(GOOD_DICOM))
def test_dicom_attributes_match_pydicom(entry):
    got = inspect(entry)
    assert list(got) == KEYS
    ds = pydicom.dcmread(FIXTURES / entry["path"], stop_before_pixels=True)
    voi, pvt = hoisted(ds)
    centers, widths = as_list(voi.get("WindowCenter")), as_list(voi.get("WindowWidth"))
    explanations = as_list(voi.get("WindowCenterWidthExplanation"))
    want = {
        "path": str(FIXTURES / entry["path"]), "format": "dicom",
        "rows": ds.Rows, "columns": ds.Columns, "frames": int(ds.get("NumberOfFrames", 1) or 1),
        "bitsAllocated": ds.BitsAllocated, "bitsStored": ds.BitsStored, "highBit": ds.HighBit,
        "pixelRepresentation": ds.PixelRepresentation,
        "photometricInterpretation": ds.PhotometricInterpretation,
        "transferSyntaxUID": str(ds.file_meta.TransferSyntaxUID),
        "modality": text(ds, "Modality"), "presentationIntentType": text(ds, "PresentationIntentType"),
        "windows": [{"center": float(c), "width": float(w),
                     "explanation": (str(explanations[i]).strip() or None) if i < len(explanations) else None}
                    for i, (c, w) in enumerate(zip(centers, widths))],
        "voiLUTFunction": text(voi, "VOILUTFunction"),
        "hasVOILUTSequence": bool(voi.get("VOILUTSequence")),
        "hasModalityLUTSequence": bool(pvt.get("ModalityLUTSequence")),
        "rescaleSlope": float(pvt.RescaleSlope) if "RescaleSlope" in pvt else None,
        "rescaleIntercept": float(pvt.RescaleIntercept) if "RescaleIntercept" in pvt else None,
        "presentationLUTShape": text(ds, "PresentationLUTShape"),
        "imageLaterality": text(ds, "ImageLaterality"), "viewPosition": text(ds, "ViewPosition"),
        "manufacturer": text(ds, "Manufacturer"),
        "sopInstanceUID": text(ds, "SOPInstanceUID"), "studyInstanceUID": text(ds, "StudyInstanceUID"),
        "seriesInstanceUID": text(ds, "SeriesInstanceUID"), "sopClassUID": text(ds, "SOPClassUID"),
        "laterality": text(ds, "ImageLaterality") or text(ds, "Laterality"),
        "imageType": [str(v).strip() for v in as_list(ds.get("ImageType"))],
        "numberOfFrames": int(ds.get("NumberOfFrames", 1) or 1),
    }
    assert got == want
    # And the manifest's own description of the file agrees.
    for key in ("rows", "columns", "frames", "bitsAllocated", "bitsStored", "highBit", "pixelRepresentation",
                "photometricInterpretation"):
        assert got[key] == entry[key], key
    assert got["transferSyntaxUID"] == entry["transferSyntaxUID"]


@pytest.mark.parametrize("entry", GOOD_TIFF, ids=ids(GOOD_TIFF))
def test_tiff_attributes(entry):
    got = inspect(entry)
    assert list(got) == KEYS
    assert got["format"] == "tiff"
    assert (got["rows"], got["columns"], got["frames"]) == (entry["rows"], entry["columns"], entry["frames"])
    assert got["bitsAllocated"] == entry["bitsAllocated"]
    assert got["photometricInterpretation"] == entry["photometricInterpretation"]
    for key in ("transferSyntaxUID", "modality", "windows", "manufacturer"):
        assert got[key] in (None, []), key


def test_many_files_one_line_each():
    paths = [FIXTURES / e["path"] for e in GOOD]
    proc = run("inspect", "--json", "--verify", *paths)
    assert proc.returncode == 0, proc.stderr
    lines = proc.stdout.splitlines()
    assert [json.loads(line)["path"] for line in lines] == [str(p) for p in paths]


def test_readable_block_names_attributes():
    entry = next(e for e in GOOD_DICOM if e["transferSyntaxUID"] == "1.2.840.10008.1.2.1")
    proc = run("inspect", FIXTURES / entry["path"])
    assert proc.returncode == 0
    assert proc.stdout.startswith(str(FIXTURES / entry["path"]) + "\n")
    assert "Explicit VR Little Endian" in proc.stdout
