"""The Adapt stage's output formats: npy-stack, safetensors and the viewing formats (png16, tiff)
against the per-image .npy outputs (helpers: adapter_helpers.py)."""
import csv
import json
import shutil

import numpy as np
import tifffile
from PIL import Image
from safetensors import safe_open
from safetensors.numpy import load_file

from adapter_helpers import (BTO, IMAGENET_MEAN, MG12, TRUNCATED_TIFF, convert, tiffs,
                             work)  # noqa: F401 (tiffs, work: fixtures)
from conftest import run


# ------------------------------------------------------------------------------ 6. npy-stack
def test_npy_stack(work, tiffs):
    folder = work / "stackin"
    names = ["a_smooth_37x53", "b_blob_left_100x80", "d_breast_90x110", "e_noisy_37x53"]
    folder.mkdir()
    for n in names:
        shutil.copy(tiffs[n.split("_", 1)[1]][0], folder / f"{n}.tif")
    (folder / "b2_notes.txt").write_text("not an image: skipped, no row\n")
    opts = ["--size", "64x48", "--normalize", "imagenet"]
    stack_run = convert(work, [folder], "--format", "npy-stack", *opts)
    per_image = convert(work, [folder], "--format", "npy", *opts)
    stack = np.load(stack_run.out / "stack.npy", mmap_mode="r")
    assert stack.dtype == np.dtype("<f4") and stack.shape == (len(names), 3, 64, 48)
    with open(stack_run.out / "stack.index.csv", newline="") as f:
        index = list(csv.DictReader(f))
    assert [int(row["row"]) for row in index] == list(range(len(names)))
    assert [row["source"] for row in index] == [str(folder / f"{n}.tif") for n in sorted(names)]
    assert all(row["frame"] == "0" for row in index)
    for row in index:
        assert np.array_equal(stack[int(row["row"])], per_image.array(row["source"])), row
        assert stack_run.line(row["source"])["row"] == int(row["row"])

    # One corrupt input in the middle: N − 1 rows, closed up; the index skips it; exit 1.
    shutil.copy(TRUNCATED_TIFF, folder / "c_corrupt.tif")
    broken = convert(work, [folder], "--format", "npy-stack", *opts, expect=1)
    stack2 = np.load(broken.out / "stack.npy", mmap_mode="r")
    assert stack2.shape == (len(names), 3, 64, 48)
    with open(broken.out / "stack.index.csv", newline="") as f:
        index2 = list(csv.DictReader(f))
    assert [row["source"] for row in index2] == [str(folder / f"{n}.tif") for n in sorted(names)]
    assert [int(row["row"]) for row in index2] == list(range(len(names)))
    for row in index2:
        assert np.array_equal(stack2[int(row["row"])], per_image.array(row["source"])), row
        assert broken.line(row["source"])["row"] == int(row["row"])
    failures = [json.loads(l) for l in (broken.out / "failures.jsonl").read_text().splitlines()]
    assert [f["source"] for f in failures] == [str(folder / "c_corrupt.tif")]
    assert not list(broken.out.glob("*.tmp*")) and not list(broken.out.glob(".*stack*"))

    # Without a fixed size: usage error, nothing written.
    out = work / "stack-nosize"
    proc = run("convert", folder, "--out", out, "--format", "npy-stack")
    assert proc.returncode == 2 and "npy-stack" in proc.stderr
    assert not out.exists()


def test_npy_stack_rerun_one_manifest_line_per_row(work, tiffs):
    folder = work / "stackrerun"
    folder.mkdir()
    for n in ("smooth_37x53", "noisy_37x53"):
        shutil.copy(tiffs[n][0], folder / f"{n}.tif")
    out = work / "stackrerun-out"
    for _ in range(2):
        proc = run("convert", folder, "--out", out, "-q", "--format", "npy-stack", "--size", "32x32")
        assert proc.returncode == 0, proc.stderr
    assert np.load(out / "stack.npy", mmap_mode="r").shape == (2, 1, 32, 32)
    lines = [json.loads(l) for l in (out / "stack.manifest.jsonl").read_text().splitlines()]
    assert sorted(l["row"] for l in lines) == [0, 1], f"{len(lines)} manifest lines for 2 rows"
    assert not (out / "manifest.jsonl").read_text(), "stack rows also went to manifest.jsonl"


# ------------------------------------------------------------------------------ 7. safetensors
def test_safetensors(work, tiffs):
    path = tiffs["blob_right_37x53"][0]
    sources = [path, MG12, BTO]
    opts = ["--size", "64x48", "--normalize", "imagenet", "--flip-to", "left"]
    st = convert(work, sources, "--format", "safetensors", *opts)
    npy = convert(work, sources, "--format", "npy", *opts)
    assert len(st.lines) == 1 + 1 + 5
    for line in st.lines:
        f = st.out / line["output"]
        assert f.suffix == ".safetensors"
        tensors = load_file(f)
        assert list(tensors) == ["image"]
        image = tensors["image"]
        assert image.dtype == np.float32 and image.shape == (3, 64, 48)
        twin = [l for l in npy.lines if l["source"] == line["source"] and l["frame"] == line["frame"]]
        assert len(twin) == 1
        assert np.array_equal(image, np.load(npy.out / twin[0]["output"]))
        with safe_open(f, framework="numpy") as handle:
            meta = handle.metadata()
        assert meta["source"] == line["source"] and meta["source"] in map(str, sources)
        assert meta["frame"] == str(line["frame"])
        assert json.loads(meta["geometry"]) == line["geometry"]
        assert json.loads(meta["normalization"])["mean"] == list(IMAGENET_MEAN)
    assert sorted(l["frame"] for l in st.lines if l["source"] == str(BTO)) == list(range(5))


def test_viewing_formats_hold_the_plane_before_normalization(work, tiffs):
    """png16 / tiff outputs are the one-channel 0…1 image after geometry, before normalization."""
    path = tiffs["blob_right_100x80"][0]
    geo = ["--size", "64x48", "--flip-to", "left"]
    plane = convert(work, [path], *geo).array(path)[0]
    png = convert(work, [path], *geo, "--normalize", "imagenet", "--format", "png16")
    with Image.open(png.out / png.line(path)["output"]) as im:
        q = np.asarray(im).astype(np.int64)
    want = np.floor(np.clip(plane.astype(np.float64), 0, 1) * 65535 + 0.5).astype(np.int64)
    assert q.shape == plane.shape and np.array_equal(q, want)
    tif = convert(work, [path], *geo, "--normalize", "imagenet", "--format", "tiff")
    assert np.array_equal(tifffile.imread(tif.out / tif.line(path)["output"]), plane)
    assert png.preprocess()["outputShape"] == [1, 64, 48]

