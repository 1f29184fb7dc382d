"""Sources: a path (str or PathLike), a bytes-like object (bytes, bytearray, memoryview, a uint8
array) or a binary file object (open file, BytesIO, tar member) give the same tensor, record and
attributes; truncated buffers raise MammoPrepError and never crash the interpreter."""
from __future__ import annotations

import io
import json
import tarfile
from pathlib import Path

import numpy as np
import pytest

import mammo_prep
from conftest import FIXTURES, GOOD, PHI_MARKERS, run_python

# One fixture per container and codec family.
SAMPLES = [
    "dicom/mg12_mono2_explicit_le.dcm", "dicom/mg12_mono2_implicit_le.dcm", "dicom/mg12_mono2_explicit_be.dcm",
    "dicom/mg12_mono2_deflated.dcm", "dicom/mg12_mono2_jpeg_lossless_sv1.dcm", "dicom/mg12_mono2_jpegls_lossless.dcm",
    "dicom/mg12_mono2_rle.dcm", "dicom/mg12_mono2_j2k_lossless.dcm", "dicom/mg12_mono2_htj2k_lossless.dcm",
    "dicom/bto12_jpegls_lossless.dcm", "dicom/lut_voi_sequence.dcm",
    "tiff/mg16_minisblack_lzw.tif", "tiff/mg16_minisblack_tiled64.tif", "tiff/mg16_minisblack_bigtiff.tif",
    "tiff/mgf32_minisblack.tif", "tiff/mg16_multipage3.tif",
]
# Records name their source; everything else must be equal.
NAMED = {"source"}


def _forms(path: Path, tmp_path: Path):
    data = path.read_bytes()
    tar = tmp_path / "inputs.tar"
    with tarfile.open(tar, "w") as t:
        t.add(path, arcname="member/" + path.name)
    yield "bytes", data
    yield "bytearray", bytearray(data)
    yield "memoryview", memoryview(data)
    yield "memoryview-slice", memoryview(b"xx" + data + b"yy")[2:-2]
    yield "uint8-array", np.frombuffer(data, dtype=np.uint8)
    yield "BytesIO", io.BytesIO(data)
    yield "open-file", open(path, "rb")
    yield "tar-member", tarfile.open(tar).extractfile("member/" + path.name)


@pytest.mark.parametrize("rel", SAMPLES)
@pytest.mark.parametrize("options", [{}, {"model": "resnet50d", "crop_breast": True}], ids=["plain", "r50d"])
def test_in_memory_equals_path(rel, options, tmp_path):
    path = FIXTURES / rel
    pre = mammo_prep.Preprocessor(**options)
    frames = next(e for e in GOOD if e["path"] == rel)["frames"]
    for frame in range(frames):
        want, want_record = pre.read(str(path), frame)
        assert pre(path, frame).tobytes() == want.tobytes()          # pathlib.Path
        for form, src in _forms(path, tmp_path):
            got, record = pre.read(src, frame)
            assert got.tobytes() == want.tobytes(), form
            assert {k: v for k, v in record.items() if k not in NAMED} == \
                   {k: v for k, v in want_record.items() if k not in NAMED}, form
            if hasattr(src, "close"):
                src.close()


@pytest.mark.parametrize("rel", SAMPLES[:4] + SAMPLES[11:13])
def test_inspect_in_memory_equals_path(rel, tmp_path):
    path = FIXTURES / rel
    want = mammo_prep.inspect(path)
    assert want["rows"] and want["columns"] and want["format"] in ("dicom", "tiff")
    for form, src in _forms(path, tmp_path):
        got = mammo_prep.inspect(src)
        assert {k: v for k, v in got.items() if k != "path"} == \
               {k: v for k, v in want.items() if k != "path"}, form
    text = json.dumps(want)
    assert not any(marker in text for marker in PHI_MARKERS)


def test_a_file_object_names_its_source_in_errors(tmp_path):
    bad = (FIXTURES / "bad" / "corrupt_jpegls.dcm").read_bytes()
    with pytest.raises(mammo_prep.MammoPrepError) as from_bytes:
        mammo_prep.read(bad)
    assert from_bytes.value.path == "<memory>" and "<memory>" in str(from_bytes.value)
    f = tmp_path / "named.dcm"
    f.write_bytes(bad)
    with open(f, "rb") as fobj, pytest.raises(mammo_prep.MammoPrepError) as from_file:
        mammo_prep.read(fobj)
    assert from_file.value.path == str(f)
    assert from_file.value.code == from_bytes.value.code == "corruptStream"


def test_empty_and_garbage_buffers_raise():
    for data in (b"", b"\0" * 10, b"DICM" * 100, b"II*\0" + b"\xff" * 60, b"MM\0*" + b"\0" * 8):
        with pytest.raises(mammo_prep.MammoPrepError) as info:
            mammo_prep.read(data)
        assert info.value.code and info.value.stage


def test_a_source_of_another_type_is_a_type_error():
    for bad in (42, 3.5, object(), ["a.dcm"]):
        with pytest.raises(TypeError):
            mammo_prep.read(bad)
    with pytest.raises(TypeError):
        mammo_prep.read(io.StringIO("text"))


TRUNCATE = """
import sys
sys.path[:0] = {paths!r}
import mammo_prep
seen = 0
for rel in {files!r}:
    data = open({fixtures!r} + "/" + rel, "rb").read()
    pre = mammo_prep.Preprocessor(model="resnet50d")
    cuts = sorted(set([1, 2, 4, 8, 16, 64, 128, 132, 200, 300, 500, 1000] +
                      [len(data) * k // 23 for k in range(1, 23)] + [len(data) - 1, len(data) - 2]))
    for cut in cuts:
        buf = data[:cut]
        for fn in (pre, mammo_prep.inspect, pre.output_shape):
            try:
                fn(buf)
            except mammo_prep.MammoPrepError as e:
                assert e.code and e.stage and str(e), (rel, cut)
                seen += 1
            except ValueError as e:
                raise AssertionError(f"{{rel}} cut at {{cut}}: ValueError {{e}}")
print("survived", seen)
"""


@pytest.mark.parametrize("group", [SAMPLES[:6], SAMPLES[6:11], SAMPLES[11:]], ids=["dicom1", "dicom2", "tiff"])
def test_truncated_buffers_raise_and_never_crash(group):
    """Every fixture of a group cut at ~35 points: each cut raises MammoPrepError (or, for a cut
    that happens to leave a complete image, returns one), and the interpreter survives; run in a
    child so that a crash fails this test instead of killing the session."""
    import sys

    code = TRUNCATE.format(paths=[p for p in sys.path if p], files=group, fixtures=str(FIXTURES))
    proc = run_python(code, timeout=600)
    assert proc.returncode == 0, f"exit {proc.returncode}\n{proc.stdout[-2000:]}\n{proc.stderr[-4000:]}"
    assert proc.stdout.startswith("survived")
    assert int(proc.stdout.split()[1]) >= 30 * len(group)
