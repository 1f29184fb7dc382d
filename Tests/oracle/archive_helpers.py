"""Builds the synthetic hospital-export archive of test_archives*.py (issue 12): images copied from the
fixtures next to non-image objects (DICOMDIR, SR, KO, PR) written with pydicom, symlinks and a loop."""
import json
import shutil

import pydicom
from pydicom.dataset import Dataset, FileMetaDataset
from pydicom.uid import ExplicitVRLittleEndian, generate_uid

from conftest import FIXTURES

MG = FIXTURES / "dicom/mg12_mono2_explicit_le.dcm"
DBT = FIXTURES / "dicom/bto12_explicit_le.dcm"

NON_IMAGE = {  # file name: (SOP Class UID, short name the summary counts it by)
    "dose_sr.dcm": ("1.2.840.10008.5.1.4.1.1.88.67", "SR"),        # X-Ray Radiation Dose SR
    "key_objects.dcm": ("1.2.840.10008.5.1.4.1.1.88.59", "KO"),    # Key Object Selection
    "presentation.dcm": ("1.2.840.10008.5.1.4.1.1.11.1", "PR"),    # Grayscale Softcopy PS
}


def write_object(path, sop_class, with_sop_class=True, media_class=None):
    """A Part 10 object without Pixel Data of class `sop_class` (no patient data)."""
    meta = FileMetaDataset()
    meta.MediaStorageSOPClassUID = media_class or sop_class
    meta.MediaStorageSOPInstanceUID = generate_uid()
    meta.TransferSyntaxUID = ExplicitVRLittleEndian
    ds = Dataset()
    ds.file_meta = meta
    if with_sop_class:
        ds.SOPClassUID = sop_class
        ds.SOPInstanceUID = meta.MediaStorageSOPInstanceUID
        ds.Modality = "SR" if ".88." in sop_class else "PR"
    ds.SeriesDescription = "synthetic"
    path.parent.mkdir(parents=True, exist_ok=True)
    ds.save_as(path, enforce_file_format=True)
    return path


def write_dicomdir(path):
    """A DICOMDIR: its dataset has no (0008,0016); the class is only in the meta header."""
    return write_object(path, "1.2.840.10008.1.3.10", with_sop_class=False)


def write_image_without_pixels(path):
    """An image class (Digital Mammography For Presentation) object whose Pixel Data was stripped."""
    ds = pydicom.dcmread(MG)
    del ds.PixelData
    path.parent.mkdir(parents=True, exist_ok=True)
    ds.save_as(path, enforce_file_format=True)
    return path


def export(root):
    """root/export: 2 images, a DBT object, a DICOMDIR, an SR, a KO and a PR. Returns the folder."""
    folder = root / "export"
    (folder / "study").mkdir(parents=True)
    shutil.copy(MG, folder / "study/IM0001.dcm")
    shutil.copy(FIXTURES / "dicom/mg12_mono1_explicit_le.dcm", folder / "study/IM0002.dcm")
    shutil.copy(DBT, folder / "study/DBT0001.dcm")
    write_dicomdir(folder / "DICOMDIR")
    for name, (uid, _) in NON_IMAGE.items():
        write_object(folder / "study" / name, uid)
    return folder


def manifest(out):
    path = out / "manifest.jsonl"
    return [json.loads(line) for line in path.read_text().splitlines()] if path.exists() else []


def failures(out):
    path = out / "failures.jsonl"
    return [json.loads(line) for line in path.read_text().splitlines()] if path.exists() else []
