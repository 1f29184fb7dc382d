"""`mammo-prep stats` pooled moments, histogram, percentiles and per-image rows against numpy
float64; the pooled std; constant and tiny-variance images; a corrupt file among good ones
(oracles: stats_helpers.py)."""
import math
import shutil

import numpy as np
import pytest

from conftest import BAD, FIXTURES, GOOD, tiff_windowed, write_tiff
from foreground_oracle import foreground_mask
from stats_helpers import (BINS, INPUTS, SUBSET, assert_moments, assert_percentiles, close, histogram_bin, pooled,
                           stats, synthetic_cohort, windowed)  # noqa: F401 (synthetic_cohort: a fixture)


# ---------------------------------------------------------------------------------------------
# 1. Pooled moments and percentiles against numpy


def test_fixture_folders_hold_exactly_the_good_fixtures():
    on_disk = sorted(str(p.relative_to(FIXTURES)) for folder in INPUTS for p in folder.iterdir())
    assert on_disk == sorted(e["path"] for e in GOOD)
    assert not any(e["path"].startswith(("dicom/", "tiff/")) for e in BAD)


@pytest.fixture(scope="module")
def fixture_run(tmp_path_factory):
    """stats over every good fixture (with --per-image) and convert's arrays of the same inputs."""
    tmp = tmp_path_factory.mktemp("fixtures")
    report, rows, _ = stats(tmp, *INPUTS, per_image=True)
    frames = windowed(tmp, INPUTS)
    return report, rows, frames


def test_fixtures_pooled_mean_std_count_min_max(fixture_run):
    report, rows, frames = fixture_run
    assert len(frames) == sum(e["frames"] for e in GOOD)
    values, _, _ = pooled(frames.values())
    assert_moments(report, values)
    assert report["images"] == sum(e["frames"] for e in GOOD) == 78
    assert report["files"] == len(GOOD) and report["failed"] == 0 and report["skipped"] == 0
    assert report["failures"] == []
    assert report["mask"] == "none" and report["maskFraction"] == 1.0
    assert report["partial"]["pixelsSeen"] == values.size
    assert report["partial"]["shards"] == [] and report["partial"]["parts"] == 1
    assert report["pipeline"]["mask"] == "none" and report["pipeline"]["invert"] == "auto"
    assert report["pipeline"]["tool"].startswith("mammo-prep ")


def test_fixtures_histogram_and_percentiles(fixture_run):
    report, _, frames = fixture_run
    values, _, _ = pooled(frames.values())
    want = np.bincount(histogram_bin(values).astype(np.int64), minlength=BINS)
    assert report["partial"]["histogramBins"] == BINS
    assert report["partial"]["histogram"] == want.tolist()
    assert_percentiles(report, values)


def test_fixtures_per_image_rows(fixture_run):
    report, rows, frames = fixture_run
    # One row per frame, in the sorted input order (by output stem, then frame).
    stem = lambda path: path.rsplit("/", 1)[-1].rsplit(".", 1)[0]
    assert [(r["path"], r["frame"]) for r in rows] == sorted(frames, key=lambda k: (stem(k[0]), k[0], k[1]))
    for r in rows:
        a = frames[(r["path"], r["frame"])].astype(np.float64)
        assert r["pixels"] == a.size and r["mask_fraction"] == 1.0
        assert close(r["mean"], a.mean()) and close(r["std"], a.std(), tiny=1e-15), r
        assert r["min"] == a.min() and r["max"] == a.max()
    assert sum(r["pixels"] for r in rows) == report["count"]



@pytest.mark.parametrize("options", [
    ["--window", "2000:1500"],
    ["--voi-function", "sigmoid"],
    ["--voi-function", "linear-exact", "--window-index", "1"],
    ["--voi-source", "none", "--no-voi", "minmax"],
    ["--invert", "never"],
    ["--frame", "0"],
], ids=lambda o: " ".join(o))
def test_windowing_options_pool_what_convert_writes(options, tmp_path):
    report, _, _ = stats(tmp_path, *SUBSET, *options)
    frames = windowed(tmp_path, SUBSET, *options)
    values, _, _ = pooled(frames.values())
    assert_moments(report, values)
    assert report["images"] == len(frames)
    assert_percentiles(report, values)


def test_frame_option_selects_one_frame(tmp_path):
    multi = [FIXTURES / e["path"] for e in GOOD if e["frames"] > 1]
    report, rows, _ = stats(tmp_path, *multi, "--frame", "2", per_image=True)
    frames = windowed(tmp_path, multi, "--frame", "2")
    assert len(frames) == len(multi) == report["images"] == report["files"]
    assert [r["frame"] for r in rows] == [2] * len(multi)
    assert report["pipeline"]["frame"] == 2
    values, _, _ = pooled(frames.values())
    assert_moments(report, values)
    # A frame the object does not have is a failure of that input, the others are pooled.
    single = FIXTURES / "dicom/mg12_mono2_rle.dcm"
    report, _, _ = stats(tmp_path, *multi, single, "--frame", "2", name="with-single.json", expect=1)
    assert report["failed"] == 1 and [f["source"] for f in report["failures"]] == [str(single)]
    assert_moments(report, values)



def test_synthetic_cohort_against_tiff_data(synthetic_cohort, tmp_path):
    folder, arrays = synthetic_cohort
    report, rows, _ = stats(tmp_path, folder, per_image=True, name="cohort.json")
    values, _, _ = pooled(tiff_windowed(a) for a in arrays.values())
    assert_moments(report, values)
    assert report["images"] == report["files"] == len(arrays)
    assert_percentiles(report, values)
    # Windowed pixels are float32 (what convert writes); each differs from the float64 v/65535 by
    # at most 6e-8 relative, with random sign, which moves the pooled figures by ~2e-10 here:
    # against pure float64 v/65535 they must agree to 1e-8.
    exact = np.concatenate([a.ravel() / 65535 for a in arrays.values()])
    assert close(report["mean"][0], exact.mean(), rel=1e-8) and close(report["std"][0], exact.std(), rel=1e-8)
    assert [r["path"] for r in rows] == [str(folder / n) for n in sorted(arrays)]
    for r, name in zip(rows, sorted(arrays)):
        a = tiff_windowed(arrays[name]).astype(np.float64)
        assert r["frame"] == 0 and r["pixels"] == a.size
        assert close(r["mean"], a.mean()) and close(r["std"], a.std(), tiny=1e-15)
        assert r["min"] == a.min() and r["max"] == a.max()


def test_jobs_do_not_change_the_figures(synthetic_cohort, tmp_path):
    folder, _ = synthetic_cohort
    one, _, _ = stats(tmp_path, folder, *INPUTS, "-j", "1", name="j1.json")
    many, _, _ = stats(tmp_path, folder, *INPUTS, "-j", "4", name="j4.json")
    assert one == many


# ---------------------------------------------------------------------------------------------
# 2. Pooled std, not the mean of per-image stds


def test_pooled_std_is_not_the_mean_of_per_image_stds(tmp_path):
    rng = np.random.default_rng(7)
    folder = tmp_path / "in"
    folder.mkdir()
    images = {
        "dark.tif": np.clip(rng.normal(0.1 * 65535, 40, (120, 90)), 0, 65535),
        "bright.tif": np.clip(rng.normal(0.9 * 65535, 40, (64, 200)), 0, 65535),
        'noisy, "quoted".tif': rng.integers(0, 65536, (150, 150)),  # RFC 4180 quoting in the CSV
    }
    arrays = {}
    for name, a in images.items():
        arrays[name] = a.astype(np.uint16)
        write_tiff(folder / name, arrays[name])
    report, rows, _ = stats(tmp_path, folder, per_image=True)
    values, mean, std = pooled(tiff_windowed(a) for a in arrays.values())
    assert_moments(report, values)
    assert_percentiles(report, values)
    per_image = [r["std"] for r in rows]
    mean_of_stds = float(np.mean(per_image))
    assert (std - mean_of_stds) / std > 0.3, (std, mean_of_stds)
    assert abs(report["std"][0] - mean_of_stds) / report["std"][0] > 0.3
    # The rows are right too: rows in sorted order, each equal to numpy on its own image.
    assert [r["path"] for r in rows] == [str(folder / n) for n in sorted(arrays)]
    for r, name in zip(rows, sorted(arrays)):
        a = tiff_windowed(arrays[name]).astype(np.float64)
        assert (r["frame"], r["pixels"], r["mask_fraction"]) == (0, a.size, 1.0)
        assert close(r["mean"], a.mean()) and close(r["std"], a.std())
        assert r["min"] == a.min() and r["max"] == a.max()
    # And the pooled figures follow from the rows by the pooled-variance formula.
    n = np.array([r["pixels"] for r in rows], dtype=np.float64)
    m = np.array([r["mean"] for r in rows])
    v = np.array(per_image) ** 2
    mu = (n * m).sum() / n.sum()
    assert close(report["std"][0], math.sqrt((n * (v + (m - mu) ** 2)).sum() / n.sum()), rel=1e-9)


# ---------------------------------------------------------------------------------------------
# 3. Robustness


@pytest.mark.parametrize("mask", ["none", "foreground"])
def test_constant_single_pixel_and_tiny_variance(mask, tmp_path):
    rng = np.random.default_rng(11)
    cases = {
        "constant_0.tif": np.zeros((40, 30)),
        "constant_mid.tif": np.full((64, 50), 30000),
        "constant_1.tif": np.full((17, 19), 65535),
        "single_pixel.tif": np.array([[12345]]),
        "one_row.tif": np.concatenate([np.full(20, 3000), np.full(30, 50000), np.full(14, 3000)])[None, :],
        "near_one.tif": rng.integers(65530, 65536, (300, 200)),
        # 1 Mpixel at 65535 with 0.1 % at 65534: variance ~1e-13 of a mean of ~1, where
        # E[x^2] - E[x]^2 would lose every digit.
        "near_one_sparse.tif": np.where(rng.random((1024, 1024)) < 1e-3, 65534, 65535),
    }
    for name, a in cases.items():
        (tmp_path / name.removesuffix(".tif")).mkdir()
        write_tiff(tmp_path / name.removesuffix(".tif") / name, a.astype(np.uint16))
    for name, a in cases.items():
        sub = tmp_path / name.removesuffix(".tif")
        report, rows, proc = stats(sub, sub, "--mask", mask, per_image=True)
        assert "nan" not in (sub / "stats.json").read_text().lower()
        x = tiff_windowed(a.astype(np.uint16)).astype(np.float64).ravel()
        if mask == "foreground" and name.startswith(("near_one", "one_row")):
            x = x[foreground_mask(tiff_windowed(a.astype(np.uint16))).ravel()]
        assert_moments(report, x, tiny=1e-15)
        if name == "one_row.tif" and mask == "foreground":
            assert report["count"] == 30 and report["std"] == [0.0]  # the bright run only
        elif name.startswith(("constant", "single")):
            assert report["std"] == [0.0] and rows[0]["std"] == 0.0
            assert report["mean"] == [float(x[0])] and report["maskFraction"] == 1.0
        else:
            assert report["std"][0] > 0
        assert rows[0]["pixels"] == x.size
        assert close(rows[0]["std"], x.std(), tiny=1e-15) and close(rows[0]["mean"], x.mean())
        assert_percentiles(report, x)


# ---------------------------------------------------------------------------------------------
# 4. A corrupt file among good ones


@pytest.mark.parametrize("corrupt", ["truncated copy", "bad/corrupt_jpegls.dcm", "bad/truncated.tif"])
def test_corrupt_file_is_reported_and_the_rest_pooled(corrupt, tmp_path):
    folder = tmp_path / "in"
    folder.mkdir()
    good = ["dicom/mg12_mono2_rle.dcm", "dicom/bto12_explicit_le.dcm", "tiff/mg16_minisblack_lzw.tif"]
    for path in good:
        shutil.copy(FIXTURES / path, folder / path.split("/")[1])
    if corrupt == "truncated copy":
        data = (FIXTURES / "dicom/mg12_mono2_explicit_le.dcm").read_bytes()
        bad = folder / "mg12_truncated.dcm"
        bad.write_bytes(data[: len(data) * 2 // 3])
    else:
        bad = folder / corrupt.split("/")[1]
        shutil.copy(FIXTURES / corrupt, bad)
    (folder / "notes.txt").write_text("not an image")
    report, rows, proc = stats(tmp_path, folder, per_image=True, expect=1)
    assert report["failed"] == 1 and report["files"] == len(good) and report["skipped"] == 1
    assert [f["source"] for f in report["failures"]] == [str(bad)]
    assert report["failures"][0]["error"]
    assert str(bad) in proc.stderr
    frames = windowed(tmp_path, [folder])
    assert {k[0] for k in frames} == {str(folder / p.split("/")[1]) for p in good}
    values, _, _ = pooled(frames.values())
    assert_moments(report, values)
    assert report["images"] == len(frames) == len(rows)
    assert str(bad) not in {r["path"] for r in rows}

