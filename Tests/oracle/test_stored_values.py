"""Stored values: mammo-prep's ingestion equals an independent decoder frame by frame, lossless
syntaxes of one image decode identically, lossy ones stay within the stated tolerance."""
import numpy as np
import pydicom
import pytest
import tifffile

from conftest import FIXTURES, GOOD, GOOD_DICOM, GOOD_TIFF, ids, run


def ours(entry, tmp_path):
    out = tmp_path / "stored.npy"
    proc = run("dump-stored", FIXTURES / entry["path"], "--out", out)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    return np.load(out)


def pydicom_frames(path):
    # pydicom 3 masks unused bits and sign-corrects JPEG-LS/J2K by default (decoders/base.py).
    ds = pydicom.dcmread(path)
    arr = ds.pixel_array
    frames = int(getattr(ds, "NumberOfFrames", 1) or 1)
    return arr.reshape(frames, ds.Rows, ds.Columns).astype(np.int64)


def tifffile_frames(path):
    with tifffile.TiffFile(path) as tif:
        return np.stack([page.asarray() for page in tif.pages])


# Lossy DCT JPEG: decoders may differ by one grey level per sample. The IDCT is not bit-exact by
# definition (ISO/IEC 10918-2 bounds its error); DCMTK's IJG and pydicom's libjpeg round
# differently. Every other syntax, J2K lossy included (OpenJPEG on both sides), must match exactly.
IDCT_TOLERANCE = {"1.2.840.10008.1.2.4.50": 1, "1.2.840.10008.1.2.4.51": 1}


@pytest.mark.parametrize("entry", GOOD_DICOM, ids=ids(GOOD_DICOM))
def test_dicom_equals_pydicom(entry, tmp_path):
    got = ours(entry, tmp_path)
    want = pydicom_frames(FIXTURES / entry["path"])
    assert got.dtype == np.int32
    assert got.shape == want.shape == (entry["frames"], entry["rows"], entry["columns"])
    tolerance = IDCT_TOLERANCE.get(entry["transferSyntaxUID"], 0)
    worst = int(np.abs(got.astype(np.int64) - want).max())
    assert worst <= tolerance, f"differs from pydicom by up to {worst} (allowed {tolerance})"
    if tolerance:
        # Nearly all samples still agree exactly: a wrong decode would not.
        assert np.mean(got != want) < 0.1


JPEG_LS = [e for e in GOOD_DICOM if e["transferSyntaxUID"] in ("1.2.840.10008.1.2.4.80", "1.2.840.10008.1.2.4.81")]


def test_every_jpegls_fixture_is_compared():
    # test_dicom_equals_pydicom runs over GOOD_DICOM with the default decoders (CharLS for
    # JPEG-LS): it must hold both JPEG-LS syntaxes, P = 16 codestreams of 12-bit data, signed data
    # and a multi-frame object.
    assert {e["transferSyntaxUID"] for e in JPEG_LS} == {"1.2.840.10008.1.2.4.80", "1.2.840.10008.1.2.4.81"}
    assert any(e["path"].endswith("_p16.dcm") for e in JPEG_LS)
    assert any(e["pixelRepresentation"] == 1 for e in JPEG_LS)
    assert any(e["frames"] > 1 for e in JPEG_LS)


HTJ2K_SYNTAXES = {"1.2.840.10008.1.2.4.201", "1.2.840.10008.1.2.4.202", "1.2.840.10008.1.2.4.203"}


def test_every_htj2k_syntax_is_compared_with_pydicom():
    """test_dicom_equals_pydicom holds a fixture of each HTJ2K syntax. The default backend decodes
    the reversible ones (.201, .202 with a TLM marker) with OpenJPH and leaves the irreversible .203
    to OpenJPEG (docs/pipeline.md), so pydicom checks OpenJPH's values on the first two."""
    assert HTJ2K_SYNTAXES <= {e["transferSyntaxUID"] for e in GOOD_DICOM}


@pytest.mark.parametrize("entry", GOOD_TIFF, ids=ids(GOOD_TIFF))
def test_tiff_equals_tifffile(entry, tmp_path):
    got = ours(entry, tmp_path)
    want = tifffile_frames(FIXTURES / entry["path"])
    assert got.shape == want.shape == (entry["frames"], entry["rows"], entry["columns"])
    if want.dtype.kind == "f":
        assert got.dtype == np.float32
        np.testing.assert_array_equal(got, want.astype(np.float32))
    else:
        assert got.dtype == np.int32
        np.testing.assert_array_equal(got.astype(np.int64), want.astype(np.int64))


@pytest.mark.parametrize("entry", [e for e in GOOD if e.get("reference") not in (None, e["path"])],
                         ids=ids([e for e in GOOD if e.get("reference") not in (None, e["path"])]))
def test_same_image_in_every_syntax(entry, tmp_path):
    got = ours(entry, tmp_path).astype(np.int64)
    reference = next(e for e in GOOD if e["path"] == entry["reference"])
    (tmp_path / "ref").mkdir()
    want = ours(reference, tmp_path / "ref").astype(np.int64)
    tolerance = entry.get("maxAbsError", 0) or 0
    worst = int(np.abs(got - want).max())
    if tolerance == 0:
        assert worst == 0, f"lossless {entry['path']} differs from {reference['path']} by up to {worst}"
    else:
        assert worst <= tolerance, f"lossy {entry['path']}: max |diff| {worst} > stated {tolerance}"


@pytest.mark.parametrize("entry", [e for e in GOOD if e.get("allCodes")], ids=ids([e for e in GOOD if e.get("allCodes")]))
def test_masking_fixtures_hold_every_code_once(entry, tmp_path):
    got = ours(entry, tmp_path).ravel().astype(np.int64)
    bits, signed = entry["bitsStored"], entry["pixelRepresentation"] == 1
    low, high = (-(1 << (bits - 1)), (1 << (bits - 1)) - 1) if signed else (0, (1 << bits) - 1)
    assert got.size == 1 << bits
    np.testing.assert_array_equal(np.sort(got), np.arange(low, high + 1))
    # The file really has garbage above Bits Stored, so the test proves masking happened.
    ds = pydicom.dcmread(FIXTURES / entry["path"])
    raw = np.frombuffer(ds.PixelData, dtype="<u2")
    assert (raw >> bits).any(), "fixture has no garbage in the unused high bits"
