"""`convert` mechanics (docs/design.md §2, §5): .npy format, naming, resume, refusal, --overwrite, shards,
bad inputs in a batch, and a SIGKILL mid-run leaving no partial file. Pixel values against the
independent spec implementation are in test_convert_oracle.py."""
import json
import os
import signal
import subprocess
import time

import numpy as np
import pydicom
import pytest
from pydicom.dataset import FileMetaDataset

from conftest import FIXTURES, GOOD, binary, run


def outputs(folder):
    return sorted(str(p.relative_to(folder)) for p in folder.rglob("*.npy"))


def manifest(folder):
    return [json.loads(line) for line in (folder / "manifest.jsonl").read_text().splitlines()]


def test_npy_loads_as_float32_chw(tmp_path):
    src = FIXTURES / "dicom/mg12_mono2_explicit_le.dcm"
    proc = run("convert", src, "--out", tmp_path / "out")
    assert proc.returncode == 0, proc.stderr
    arr = np.load(tmp_path / "out/mg12_mono2_explicit_le.npy")
    assert arr.dtype == np.float32 and arr.shape == (1, 160, 128) and arr.flags["C_CONTIGUOUS"]
    assert 0 <= arr.min() and arr.max() <= 1
    assert "converted 1, skipped 0" in proc.stdout


def test_folder_naming_frames_and_not_images(tmp_path):
    folder = tmp_path / "in" / "sub"
    folder.mkdir(parents=True)
    for name in ("mg12_mono2_rle.dcm", "bto12_explicit_le.dcm"):
        (folder / name).write_bytes((FIXTURES / "dicom" / name).read_bytes())
    (folder / "notes.txt").write_text("not an image")
    (folder / ".hidden.dcm").write_bytes((FIXTURES / "dicom/mg12_mono2_rle.dcm").read_bytes())
    proc = run("convert", tmp_path / "in", "--out", tmp_path / "out")
    assert proc.returncode == 0, proc.stderr
    assert outputs(tmp_path / "out") == ["sub/bto12_explicit_le.f0000.npy", "sub/bto12_explicit_le.f0001.npy",
                                         "sub/bto12_explicit_le.f0002.npy", "sub/bto12_explicit_le.f0003.npy",
                                         "sub/bto12_explicit_le.f0004.npy", "sub/mg12_mono2_rle.npy"]
    assert "skipped 1 (0 already done, 1 not DICOM/TIFF)" in proc.stdout
    proc = run("convert", FIXTURES / "dicom/bto12_explicit_le.dcm", "--frame", 3, "--out", tmp_path / "one")
    assert outputs(tmp_path / "one") == ["bto12_explicit_le.npy"]
    assert manifest(tmp_path / "one")[0]["frame"] == 3


def test_resume_refuse_overwrite(tmp_path):
    out = tmp_path / "out"
    srcs = [FIXTURES / "dicom/mg12_mono2_explicit_le.dcm", FIXTURES / "dicom/mg12_mono1_explicit_le.dcm"]
    assert run("convert", *srcs, "--out", out).returncode == 0
    before = {p: (out / p).read_bytes() for p in outputs(out)}
    again = run("convert", *srcs, "--out", out)
    assert again.returncode == 0 and "skipped 2 (2 already done" in again.stdout
    assert len(manifest(out)) == 2
    other = run("convert", *srcs, "--out", out, "--invert", "never")
    assert other.returncode == 2 and "--overwrite" in other.stderr
    forced = run("convert", *srcs, "--out", out, "--invert", "never", "--overwrite")
    assert forced.returncode == 0 and "converted 2" in forced.stdout
    assert (out / "mg12_mono1_explicit_le.npy").read_bytes() != before["mg12_mono1_explicit_le.npy"]
    assert len(manifest(out)) == 2  # the old configuration's lines were dropped
    foreign = tmp_path / "foreign"
    foreign.mkdir()
    (foreign / "x.txt").write_text("mine")
    assert run("convert", *srcs, "--out", foreign).returncode == 2


def test_bad_file_in_folder_converts_the_rest(tmp_path):
    folder = tmp_path / "in"
    folder.mkdir()
    for name in ("mg12_mono2_rle.dcm", "mg14_explicit_le.dcm"):
        (folder / name).write_bytes((FIXTURES / "dicom" / name).read_bytes())
    (folder / "broken.dcm").write_bytes((FIXTURES / "bad/corrupt_j2k.dcm").read_bytes())
    proc = run("convert", folder, "--out", tmp_path / "out")
    assert proc.returncode == 1
    assert outputs(tmp_path / "out") == ["mg12_mono2_rle.npy", "mg14_explicit_le.npy"]
    failures = [json.loads(l) for l in (tmp_path / "out/failures.jsonl").read_text().splitlines()]
    assert [f["source"] for f in failures] == [str(folder / "broken.dcm")]
    assert failures[0]["code"] == "corruptStream"
    assert proc.stderr.splitlines() == [failures[0]["error"]]


def test_name_collision_refused_before_work(tmp_path):
    proc = run("convert", FIXTURES / "bad", "--out", tmp_path / "out")
    assert proc.returncode == 2
    assert "output name collision" in proc.stderr
    assert not (tmp_path / "out").exists() or outputs(tmp_path / "out") == []


def test_shards_partition_the_inputs(tmp_path):
    srcs = [FIXTURES / e["path"] for e in GOOD if e["path"].startswith("dicom/mg12_mono2")]
    whole = tmp_path / "whole"
    assert run("convert", *srcs, "--out", whole).returncode == 0
    parts = tmp_path / "parts"
    for i in (1, 2, 3):
        assert run("convert", *srcs, "--out", parts, "--shard", f"{i}/3").returncode == 0
    assert outputs(parts) == outputs(whole)
    for name in outputs(whole):
        assert (parts / name).read_bytes() == (whole / name).read_bytes()
    env = dict(os.environ, SLURM_ARRAY_TASK_ID="5", SLURM_ARRAY_TASK_MIN="4", SLURM_ARRAY_TASK_MAX="6",
               SLURM_ARRAY_TASK_STEP="1", SLURM_ARRAY_TASK_COUNT="3")
    slurm = subprocess.run([binary(), "convert", *map(str, srcs), "--out", str(tmp_path / "slurm"), "--shard", "slurm"],
                           env=env, capture_output=True, text=True)
    assert slurm.returncode == 0, slurm.stderr
    two = tmp_path / "two"
    run("convert", *srcs, "--out", two, "--shard", "2/3")
    assert outputs(tmp_path / "slurm") == outputs(two)
    assert run("convert", *srcs, "--out", tmp_path / "x", "--shard", "4/3").returncode == 2


def big_cohort(folder, count=60):
    """Large-ish native files so a run lasts long enough to be killed in the middle."""
    rng = np.random.default_rng(3)
    ds = pydicom.dcmread(FIXTURES / "dicom/mg12_mono2_explicit_le.dcm")
    ds.Rows, ds.Columns = 1024, 1024
    folder.mkdir()
    for i in range(count):
        ds.PixelData = rng.integers(0, 4096, (1024, 1024), dtype=np.uint16).tobytes()
        ds.save_as(folder / f"img{i:03d}.dcm")


def test_sigkill_mid_run_then_resume_is_byte_identical(tmp_path):
    big_cohort(tmp_path / "in")
    clean = tmp_path / "clean"
    assert run("convert", tmp_path / "in", "--out", clean, "-j", "2").returncode == 0
    out = tmp_path / "out"
    proc = subprocess.Popen([binary(), "convert", str(tmp_path / "in"), "--out", str(out), "-j", "2"],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.time() + 60
    while time.time() < deadline and len(list(out.glob("*.npy"))) < 5:
        time.sleep(0.01)
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    done = outputs(out)
    assert 0 < len(done) < 60, "the run was not interrupted in the middle"
    for name in done:  # whatever exists under an output name is complete
        assert (out / name).read_bytes() == (clean / name).read_bytes()
    again = run("convert", tmp_path / "in", "--out", out, "-j", "2")
    assert again.returncode == 0, again.stderr
    assert outputs(out) == outputs(clean)
    for name in outputs(clean):
        assert (out / name).read_bytes() == (clean / name).read_bytes()
    assert not [p for p in out.rglob(".*") if ".tmp-" in p.name], "temporary files left behind"
    sources = [m["source"] for m in manifest(out)]
    assert len(sources) == len(set(sources)) or len(set(sources)) == 60


@pytest.mark.parametrize("fmt", ["png16", "png8", "tiff"])
def test_viewing_formats_read_back(fmt, tmp_path):
    import imagecodecs
    import tifffile
    srcs = [FIXTURES / "dicom/mg12_mono1_explicit_le.dcm", FIXTURES / "dicom/mg16_explicit_le.dcm",
            FIXTURES / "tiff/mg16_miniswhite.tif"]
    assert run("convert", *srcs, "--out", tmp_path / "npy").returncode == 0
    proc = run("convert", *srcs, "--out", tmp_path / fmt, "--format", fmt)
    assert proc.returncode == 0, proc.stderr
    for src in srcs:
        v = np.load(tmp_path / "npy" / (src.stem + ".npy"))[0].astype(np.float64)
        if fmt == "tiff":
            got = tifffile.imread(tmp_path / fmt / (src.stem + ".tiff"))
            assert got.dtype == np.float32
            np.testing.assert_array_equal(got, v.astype(np.float32))
            continue
        got = imagecodecs.png_decode((tmp_path / fmt / (src.stem + ".png")).read_bytes())
        bits = 16 if fmt == "png16" else 8
        assert got.dtype == (np.uint16 if bits == 16 else np.uint8) and got.shape == v.shape
        # q = round(v·(2^n − 1)), half away from zero (values are non-negative).
        want = np.floor(v * (2 ** bits - 1) + 0.5)
        np.testing.assert_array_equal(got.astype(np.int64), want.astype(np.int64))
    lines = manifest(tmp_path / fmt)
    assert {l["dtype"] for l in lines} == {"png16": {"uint16"}, "png8": {"uint8"}, "tiff": {"float32"}}[fmt]
