"""`mammo-prep stats` and `stats merge` (docs/design.md §2-3, docs/stats.md) against numpy float64.

The windowed pixels are those `convert` writes (the same FramePipeline; the convert oracle checks them
against an independent windowing implementation), or, for synthetic 16-bit TIFFs, float32(v / 65535)
computed straight from the TIFF data. Everything else (pooled moments, per-image rows, percentiles,
the foreground mask: Otsu, largest 8-connected component, hole filling, pixel padding read with
pydicom) is recomputed here independently in numpy / plain Python (no scipy).
"""
import csv
import json
import math
import os
import random
import shutil
import subprocess

import numpy as np
import pydicom
import pytest
import tifffile

from conftest import BAD, FIXTURES, GOOD, binary, run

INPUTS = [FIXTURES / "dicom", FIXTURES / "tiff"]
PERCENTILES = {"0.5": 0.5, "1": 1, "5": 5, "50": 50, "95": 95, "99": 99, "99.5": 99.5}
BINS = 4096
REL = 1e-9


# ---------------------------------------------------------------------------------------------
# Helpers


def strict_json(text):
    """json.loads that refuses NaN / Infinity (not JSON, and a sign of a 0/0 somewhere)."""
    def refuse(constant):
        raise AssertionError(f"non-JSON constant {constant} in stats.json")
    return json.loads(text, parse_constant=refuse)


def stats(tmp_path, *args, name="stats.json", per_image=False, expect=0, env=None):
    """Runs `mammo-prep stats ARGS --out tmp/NAME [--per-image]`; returns (report, csv rows, proc)."""
    out = tmp_path / name
    extra = ["--per-image", tmp_path / (name + ".csv")] if per_image else []
    cmd = ["stats", *args, "--out", out, "-q", *extra]
    if env is None:
        proc = run(*cmd)
    else:
        proc = subprocess.run([binary(), *map(str, cmd)], capture_output=True, text=True, timeout=300,
                              env=dict(os.environ, **env))
    assert proc.returncode == expect, f"exit {proc.returncode} (wanted {expect}) for {cmd}\n{proc.stderr}"
    report = strict_json(out.read_text())
    rows = per_image_rows(tmp_path / (name + ".csv")) if per_image else None
    return report, rows, proc


def merge(tmp_path, parts, name="merged.json", expect=0):
    out = tmp_path / name
    proc = run("stats", "merge", *parts, "--out", out, "-q")
    assert proc.returncode == expect, f"merge exit {proc.returncode} (wanted {expect})\n{proc.stderr}"
    return (strict_json(out.read_text()) if expect == 0 else None), proc


def per_image_rows(path):
    lines = path.read_text().splitlines()
    assert lines[0] == "path,frame,pixels,mean,std,min,max,mask_fraction"
    rows = []
    for r in csv.DictReader(lines):
        rows.append({"path": r["path"], "frame": int(r["frame"]), "pixels": int(r["pixels"]),
                     **{k: (float(r[k]) if r[k] != "" else None) for k in ("mean", "std", "min", "max")},
                     "mask_fraction": float(r["mask_fraction"])})
    return rows


def windowed(tmp_path, inputs, *options):
    """{(source, frame): float32 (H, W)} of what `convert` writes with the same options."""
    out = tmp_path / "converted"
    proc = run("convert", *inputs, "--out", out, "-q", *options)
    assert proc.returncode in (0, 1), proc.stderr
    frames = {}
    for line in (out / "manifest.jsonl").read_text().splitlines():
        m = json.loads(line)
        arr = np.load(out / m["output"])
        assert arr.dtype == np.float32 and arr.shape[0] == 1
        frames[(m["source"], m["frame"])] = arr[0]
    return frames


def pooled(arrays):
    """Population mean/std (ddof 0) in float64 over every value of every array."""
    x = np.concatenate([np.asarray(a, dtype=np.float64).ravel() for a in arrays])
    return x, float(x.mean()), float(x.std())


def close(got, want, rel=REL, tiny=0.0):
    return abs(got - want) <= max(rel * abs(want), tiny)


def assert_moments(report, values, rel=REL, tiny=0.0):
    """report's count/min/max exact and mean/std within `rel` of numpy on `values` (float64)."""
    assert report["count"] == values.size
    assert report["ddof"] == 0
    if values.size == 0:
        assert report["mean"] == [] and report["std"] == []
        return
    mean, std = float(values.mean()), float(values.std())
    assert len(report["mean"]) == 1 and len(report["std"]) == 1
    assert close(report["mean"][0], mean, rel, tiny), (report["mean"][0], mean)
    assert close(report["std"][0], std, rel, tiny), (report["std"][0], std)
    assert report["std"][0] >= 0
    assert report["min"] == float(values.min()) and report["max"] == float(values.max())
    assert report["partial"]["n"] == values.size
    assert sum(report["partial"]["histogram"]) == values.size


def histogram_bin(v):
    """Bin of the 4096-bin histogram over [0, 1] (docs/stats.md): [i/4096, (i+1)/4096), 1.0 in the last."""
    return np.clip(np.floor(np.asarray(v, dtype=np.float64) * BINS), 0, BINS - 1)


def assert_percentiles(report, values):
    """Percentiles from the 4096-bin histogram against numpy.percentile(method='linear').

    Tolerance. numpy's value q lies between x[floor(h)] and x[ceil(h)] (x sorted, h = (n-1)p/100).
    The histogram estimate lies in the bin of the element of rank ceil(p/100 n) (1-based), which is
    one of those two elements, so the strict guarantee is a bracket: from the lower edge of x[floor h]'s
    bin to the upper edge of x[ceil h]'s bin (and inside [min, max]). Hence |estimate - q| <= 1/4096
    plus the gap x[ceil h] - x[floor h], which is 0 or tiny on the dense data used here; on sparse data
    (two constant images, say) the gap can be large and only the bracket holds. Both are asserted,
    with 1e-12 slack for float64 rounding of the interpolation.
    """
    x = np.sort(values.astype(np.float64))
    n = x.size
    for key, p in PERCENTILES.items():
        got = report["percentiles"][key]
        h = (n - 1) * p / 100
        lo, hi = x[int(math.floor(h))], x[int(math.ceil(h))]
        low_edge = max(float(histogram_bin(lo)) / BINS, float(x[0]))
        high_edge = min((float(histogram_bin(hi)) + 1) / BINS, float(x[-1]))
        assert low_edge - 1e-12 <= got <= high_edge + 1e-12, (key, got, low_edge, high_edge)
        want = float(np.percentile(x, p, method="linear"))
        assert abs(got - want) <= 1 / BINS + (hi - lo) + 1e-12, (key, got, want)


def write_tiff(path, array):
    tifffile.imwrite(path, np.ascontiguousarray(array, dtype=np.uint16), photometric="minisblack")


def tiff_windowed(array):
    """The documented TIFF windowing for 16-bit MinIsBlack: float32(v / 65535)."""
    return (np.asarray(array, dtype=np.float64) / 65535).astype(np.float32)


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


SUBSET = [FIXTURES / "dicom" / n for n in ("mg12_mono2_explicit_le.dcm", "mg12_mono1_explicit_le.dcm",
                                              "lut_voi_sequence.dcm", "mg16s_explicit_le.dcm",
                                              "bto12_explicit_le.dcm", "mg12s_explicit_le.dcm")] + \
         [FIXTURES / "tiff" / n for n in ("mg16_miniswhite.tif", "mg16_multipage3.tif")]


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


@pytest.fixture(scope="module")
def synthetic_cohort(tmp_path_factory):
    """16-bit TIFFs of different sizes and distributions; oracle straight from the TIFF data."""
    folder = tmp_path_factory.mktemp("cohort")
    rng = np.random.default_rng(20240601)
    images = {
        "a_37x53.tif": rng.integers(0, 65536, (37, 53)),
        "b_200x120.tif": np.clip(rng.normal(20000, 6000, (200, 120)), 0, 65535),
        "c_1x1.tif": np.array([[54321]]),
        "d_512x300.tif": np.clip(rng.gamma(2.0, 9000, (512, 300)), 0, 65535),
        "e_3x1000.tif": rng.integers(60000, 65536, (3, 1000)),
    }
    arrays = {}
    for name, a in images.items():
        a = np.asarray(a).astype(np.uint16)
        write_tiff(folder / name, a)
        assert np.array_equal(tifffile.imread(folder / name), a)
        arrays[name] = a
    return folder, arrays


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
# 2. Shards and merge


@pytest.fixture(scope="module")
def single_pass(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("single")
    report, rows, _ = stats(tmp, *INPUTS, per_image=True)
    return report, rows


def assert_same_figures(got, want, rel=1e-12):
    for key in ("count", "images", "files", "failed", "skipped", "min", "max"):
        assert got[key] == want[key], key
    assert close(got["mean"][0], want["mean"][0], rel) and close(got["std"][0], want["std"][0], rel)
    assert close(got["partial"]["m2"], want["partial"]["m2"], rel)
    assert got["partial"]["histogram"] == want["partial"]["histogram"]
    assert got["percentiles"] == want["percentiles"]
    assert got["pipeline"] == want["pipeline"] and got["maskFraction"] == want["maskFraction"]


@pytest.mark.parametrize("n", [1, 2, 3, 7])
def test_shards_merge_to_the_single_pass(n, single_pass, tmp_path):
    whole, whole_rows = single_pass
    parts, seen = [], []
    for i in range(1, n + 1):
        part, rows, _ = stats(tmp_path, *INPUTS, "--shard", f"{i}/{n}", "-j", "2", per_image=True,
                              name=f"part{i}.json")
        assert part["partial"]["shards"] == [f"{i}/{n}"]
        # Round-robin over the sorted inputs: input k goes to shard (k mod n) + 1.
        paths = list(dict.fromkeys(r["path"] for r in whole_rows))
        assert list(dict.fromkeys(r["path"] for r in rows)) == paths[i - 1::n]
        seen += rows
        parts.append(tmp_path / f"part{i}.json")
    assert sorted(seen, key=lambda r: (r["path"], r["frame"])) == sorted(whole_rows, key=lambda r: (r["path"], r["frame"]))
    shuffled = parts[:]
    random.Random(n).shuffle(shuffled)
    for order, name in ((parts, "forward"), (parts[::-1], "reversed"), (shuffled, "shuffled")):
        merged, proc = merge(tmp_path, order, name=f"{name}.json")
        assert_same_figures(merged, whole)
        assert merged["partial"]["parts"] == n
        assert sorted(merged["partial"]["shards"]) == sorted(f"{i}/{n}" for i in range(1, n + 1))
        assert "warning" not in proc.stderr


def test_empty_part_is_the_identity(synthetic_cohort, tmp_path):
    folder, arrays = synthetic_cohort  # 5 inputs, 7 shards: parts 6/7 and 7/7 hold no image
    whole, _, _ = stats(tmp_path, folder, name="whole.json")
    parts = [tmp_path / f"p{i}.json" for i in range(1, 8)]
    for i in range(1, 8):
        part, _, _ = stats(tmp_path, folder, "--shard", f"{i}/7", name=f"p{i}.json")
        if i > len(arrays):
            assert part["images"] == part["count"] == part["files"] == 0
            assert part["mean"] == [] and part["std"] == [] and part["min"] is None and part["max"] is None
            assert all(v is None for v in part["percentiles"].values())
    full, _ = merge(tmp_path, parts, name="full.json")
    assert_same_figures(full, whole)
    without, proc = merge(tmp_path, parts[:5], name="without.json")
    assert "6/7" in proc.stderr and "7/7" in proc.stderr  # warns about the missing shards
    for order, name in (([parts[5]] + parts[:5] + [parts[6]], "empty-first"), (parts, "empty-last")):
        merged, _ = merge(tmp_path, order, name=name + ".json")
        for key in ("mean", "std", "count", "images", "files", "min", "max", "percentiles", "maskFraction"):
            assert merged[key] == without[key], key  # exactly: an empty part changes nothing
        for key in ("n", "mean", "m2", "min", "max", "pixelsSeen", "histogram"):
            assert merged["partial"][key] == without["partial"][key], key
    # Merging only empty parts gives an empty report, not NaN.
    empty, _ = merge(tmp_path, parts[5:], name="empty.json")
    assert empty["count"] == 0 and empty["mean"] == [] and empty["std"] == []


def test_same_shard_twice_is_refused(tmp_path):
    for i in (1, 2):
        stats(tmp_path, *INPUTS, "--shard", f"{i}/3", name=f"p{i}.json")
    p1, p2 = tmp_path / "p1.json", tmp_path / "p2.json"
    copy = tmp_path / "copy-of-p1.json"
    shutil.copy(p1, copy)
    for parts in ([p1, p1], [p1, p2, copy]):
        _, proc = merge(tmp_path, parts, expect=2)
        assert "1/3" in proc.stderr
        assert not (tmp_path / "merged.json").exists()


def test_foreground_shards_merge_to_the_single_pass(tmp_path):
    whole, _, _ = stats(tmp_path, *INPUTS, "--mask", "foreground", name="whole.json")
    parts = []
    for i in (1, 2, 3):
        stats(tmp_path, *INPUTS, "--mask", "foreground", "--shard", f"{i}/3", name=f"f{i}.json")
        parts.append(tmp_path / f"f{i}.json")
    merged, _ = merge(tmp_path, parts[::-1])
    assert_same_figures(merged, whole)
    assert merged["partial"]["pixelsSeen"] == whole["partial"]["pixelsSeen"]
    assert merged["mask"] == "foreground" and 0 < merged["maskFraction"] < 1


def test_merging_one_part_reproduces_it_exactly(tmp_path):
    # Doubles are written in a form that reads back to the same float64: no drift through merge.
    part, _, _ = stats(tmp_path, *INPUTS, "--shard", "2/3", name="p.json")
    merged, _ = merge(tmp_path, [tmp_path / "p.json"])
    for key in ("mean", "std", "count", "images", "min", "max", "percentiles", "maskFraction", "pipeline"):
        assert merged[key] == part[key], key
    assert merged["partial"] == part["partial"]


def test_same_unsharded_part_twice_is_refused(tmp_path):
    stats(tmp_path, INPUTS[1], name="whole.json")
    merge(tmp_path, [tmp_path / "whole.json", tmp_path / "whole.json"], expect=2)
    assert not (tmp_path / "merged.json").exists()


def test_overlapping_parts_are_refused(tmp_path):
    for shard in ("1/2", "2/2", "1/3"):
        stats(tmp_path, INPUTS[1], "--shard", shard, name=shard.replace("/", "of") + ".json")
    stats(tmp_path, INPUTS[1], name="whole.json")
    _, proc = merge(tmp_path, [tmp_path / "1of2.json", tmp_path / "2of2.json", tmp_path / "1of3.json"], expect=2)
    assert "shares inputs" in proc.stderr and "warning" not in proc.stderr, proc.stderr
    _, proc = merge(tmp_path, [tmp_path / "whole.json", tmp_path / "1of2.json"], expect=2)
    assert "shares inputs" in proc.stderr and "warning" not in proc.stderr, proc.stderr
    # Parts of different inputs (two cohorts, unsharded) still merge.
    stats(tmp_path, INPUTS[0], name="other.json")
    merge(tmp_path, [tmp_path / "whole.json", tmp_path / "other.json"], expect=0)


def test_a_file_reached_twice_is_read_once(tmp_path):
    one = sorted(INPUTS[1].glob("*.tif*"))[0]
    a, _, _ = stats(tmp_path, INPUTS[1], name="a.json")
    b, _, _ = stats(tmp_path, INPUTS[1], one, name="b.json")
    assert a["images"] == b["images"] and a["count"] == b["count"]


def test_merge_refuses_what_is_not_a_stats_part(tmp_path):
    stats(tmp_path, INPUTS[1], "--shard", "1/2", name="p1.json")
    stats(tmp_path, INPUTS[1], "--shard", "2/2", name="p2.json")
    good = strict_json((tmp_path / "p2.json").read_text())
    tampered = json.loads(json.dumps(good))
    tampered["partial"]["histogram"][100] += 1              # histogram no longer sums to n
    negative = json.loads(json.dumps(good))
    negative["partial"]["m2"] = -1.0
    short = json.loads(json.dumps(good))
    short["partial"]["histogram"] = short["partial"]["histogram"][:100]
    cases = {"tampered.json": json.dumps(tampered), "negative.json": json.dumps(negative),
             "short.json": json.dumps(short), "text.json": "not json", "other.json": '{"mean": [0.5]}'}
    for name, text in cases.items():
        (tmp_path / name).write_text(text)
        _, proc = merge(tmp_path, [tmp_path / "p1.json", tmp_path / name], expect=2)
        assert name in proc.stderr and len(proc.stderr.strip().splitlines()) == 1, proc.stderr
        assert not (tmp_path / "merged.json").exists()


@pytest.mark.parametrize("options,named", [
    (["--invert", "never"], "invert"),
    (["--mask", "foreground"], "mask"),
    (["--window", "2000:3000"], "window"),
    (["--voi-function", "sigmoid"], "voiFunction"),
    (["--no-voi", "minmax"], "noVOI"),
    (["--frame", "0"], "frame"),
], ids=lambda v: v if isinstance(v, str) else " ".join(v))
def test_parts_of_different_pipelines_are_refused(options, named, tmp_path):
    stats(tmp_path, *SUBSET, "--shard", "1/2", name="a.json")
    stats(tmp_path, *SUBSET, "--shard", "2/2", *options, name="b.json")
    for parts in ([tmp_path / "a.json", tmp_path / "b.json"], [tmp_path / "b.json", tmp_path / "a.json"]):
        _, proc = merge(tmp_path, parts, expect=2)
        assert f"{named}: " in proc.stderr, proc.stderr  # "made with a different pipeline ...: invert: ..."
        assert len(proc.stderr.strip().splitlines()) == 1
        assert not (tmp_path / "merged.json").exists()


# ---------------------------------------------------------------------------------------------
# 3. Pooled std, not the mean of per-image stds


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
# 4. Robustness


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
# 5. --mask foreground against an independent implementation of the documented rule


def otsu_threshold(values):
    """docs/stats.md: 256 bins over [0, 1], bin centres, first maximum of wB wF (mB - mF)^2 over
    b in 0..254, threshold (b + 1) / 256; None when fewer than two bins are occupied."""
    v = np.asarray(values, dtype=np.float64)
    bins = np.clip(np.floor(v * 256), 0, 255).astype(np.int64)
    hist = [int(c) for c in np.bincount(bins, minlength=256)]
    if sum(1 for c in hist if c) < 2:
        return None
    total = sum(hist)
    sum_all = 0.0
    for b in range(256):
        sum_all += hist[b] * (b + 0.5)
    w_b = s_b = 0.0
    best, best_bin = -1.0, 0
    for b in range(255):
        w_b += hist[b]
        s_b += hist[b] * (b + 0.5)
        w_f = total - w_b
        if w_b == 0:
            continue
        if w_f == 0:
            break
        between = w_b * w_f * (s_b / w_b - (sum_all - s_b) / w_f) ** 2
        if between > best:
            best, best_bin = between, b
    return (best_bin + 1) / 256


NEIGHBOURS_8 = [(-1, -1), (-1, 0), (-1, 1), (0, -1), (0, 1), (1, -1), (1, 0), (1, 1)]
NEIGHBOURS_4 = [(-1, 0), (1, 0), (0, -1), (0, 1)]


def components(mask, neighbours):
    """Labels of the connected components of `mask`: each pixel gets the smallest row-major index of
    its component (min-label propagation with pointer jumping; a different algorithm from the
    tool's run-length union-find). Pixels outside the mask get -1."""
    h, w = mask.shape
    big = h * w
    label = np.where(mask, np.arange(big).reshape(h, w), big)
    while True:
        padded = np.pad(label, 1, constant_values=big)
        new = label.copy()
        for dy, dx in neighbours:
            np.minimum(new, padded[1 + dy:1 + dy + h, 1 + dx:1 + dx + w], out=new)
        new = np.where(mask, new, big)
        flat = new.ravel()
        inside = flat < big
        for _ in range(4):  # pointer jumping: a label names a pixel of the same component
            flat[inside] = flat[flat[inside]]
        if np.array_equal(new, label):
            break
        label = new
    return np.where(mask, label, -1)


def foreground_mask(frame, padding=None):
    """The documented --mask foreground rule on one windowed float32 frame."""
    frame = np.asarray(frame, dtype=np.float32)
    candidates = np.ones(frame.shape, bool) if padding is None else ~padding
    t = otsu_threshold(frame[candidates])
    fg = candidates & (frame >= np.float32(t)) if t is not None else candidates.copy()
    if not fg.any():
        return fg
    label = components(fg, NEIGHBOURS_8)
    ids, sizes = np.unique(label[fg], return_counts=True)
    largest = label == ids[np.argmax(sizes)]  # ties: the smallest first pixel (np.unique sorts)
    background = ~largest
    bg_label = components(background, NEIGHBOURS_4)
    border = np.zeros(frame.shape, bool)
    border[0, :] = border[-1, :] = border[:, 0] = border[:, -1] = True
    outside = np.isin(bg_label, np.unique(bg_label[border & background]))
    holes = background & ~outside
    kept = largest | holes
    return kept if padding is None else kept & ~padding


def padding_masks(path):
    """Per frame, True where the stored value (pydicom, masked to Bits Stored and sign-extended) is
    Pixel Padding: equal to (0028,0120), or between it and (0028,0121), read in the Pixel
    Representation. None for TIFF or when the object declares no padding."""
    if str(path).endswith((".tif", ".tiff")):
        return None
    ds = pydicom.dcmread(path)
    if "PixelPaddingValue" not in ds:
        return None
    signed = int(ds.PixelRepresentation) == 1

    def as_stored(v):
        v = int(v)
        return v - 65536 if signed and v > 32767 else v

    a = as_stored(ds.PixelPaddingValue)
    b = as_stored(ds.get("PixelPaddingRangeLimit", ds.PixelPaddingValue))
    frames = int(getattr(ds, "NumberOfFrames", 1) or 1)
    stored = ds.pixel_array.reshape(frames, ds.Rows, ds.Columns).astype(np.int64)
    return [(s >= min(a, b)) & (s <= max(a, b)) for s in stored]


def mask_oracle(frames):
    """{(source, frame): (kept values float64, kept count, total)} under the documented rule."""
    out, paddings = {}, {}
    for (source, frame), arr in frames.items():
        if source not in paddings:
            paddings[source] = padding_masks(source)
        pad = paddings[source][frame] if paddings[source] is not None else None
        keep = foreground_mask(arr, pad)
        out[(source, frame)] = (arr[keep].astype(np.float64), int(keep.sum()), arr.size)
    return out


def assert_mask_report(report, rows, oracle):
    kept = np.concatenate([v for v, _, _ in oracle.values()])
    total = sum(t for _, _, t in oracle.values())
    assert report["mask"] == "foreground" and report["pipeline"]["mask"] == "foreground"
    assert_moments(report, kept)
    assert report["partial"]["pixelsSeen"] == total
    assert close(report["maskFraction"], kept.size / total, rel=1e-12)
    assert_percentiles(report, kept)
    assert len(rows) == len(oracle)
    for r in rows:
        values, count, total = oracle[(r["path"], r["frame"])]
        assert r["pixels"] == count, (r["path"], r["frame"], r["pixels"], count)
        assert close(r["mask_fraction"], count / total, rel=1e-12), r
        if count:
            assert close(r["mean"], values.mean()) and close(r["std"], values.std(), tiny=1e-15), r
            assert r["min"] == values.min() and r["max"] == values.max()
        else:
            assert r["mean"] is r["std"] is r["min"] is r["max"] is None


def test_mask_oracle_on_a_drawn_image():
    """The oracle itself: Otsu splits two levels, the largest component wins, holes fill, 8- vs
    4-connectivity, padding never kept."""
    img = np.full((12, 14), 0.1, np.float32)
    img[2:9, 0:7] = 0.8       # the breast, against the left border
    img[4:6, 2:4] = 0.1       # a hole inside it
    img[1, 10:13] = 0.9       # a smaller blob
    img[9, 7] = 0.8           # touches the breast diagonally only: 8-connected, kept
    pad = np.zeros(img.shape, bool)
    pad[4, 2] = True          # padding inside the hole: not kept
    # Every edge between the 0.1 and 0.8 bins gives the same between-class variance: the first wins.
    assert otsu_threshold(img[~pad]) == 26 / 256
    keep = foreground_mask(img, pad)
    want = np.zeros(img.shape, bool)
    want[2:9, 0:7] = True
    want[9, 7] = True
    want[4, 2] = False
    assert np.array_equal(keep, want)
    assert foreground_mask(np.full((3, 3), 0.5, np.float32)).all()  # constant: all candidates


@pytest.fixture(scope="module")
def breast_images(tmp_path_factory):
    """A synthetic breast as a 16-bit TIFF and as 12-bit DICOMs (copies of the mg12 fixture with new
    pixel data, Pixel Padding Value 0): bright half-ellipse on the chest-wall side, a dark hole inside
    it (with a padding patch in the hole), a brighter label blob in a corner, noise specks in the air,
    padding columns on the right; plus a multi-frame copy of bto12 with padding at a different place
    in every frame, and an image that is all padding."""
    folder = tmp_path_factory.mktemp("breast")
    rng = np.random.default_rng(5)

    def breast(rows, cols, air, tissue, label, hole, noise):
        r, c = np.mgrid[0:rows, 0:cols]
        img = rng.normal(air, noise, (rows, cols))
        ellipse = ((r - rows / 2) / (0.42 * rows)) ** 2 + (c / (0.7 * cols)) ** 2 <= 1
        img[ellipse] = rng.normal(tissue, 2 * noise, ellipse.sum())
        in_hole = (r - rows / 2) ** 2 + (c - 0.3 * cols) ** 2 <= (0.07 * rows) ** 2
        img[in_hole] = rng.normal(hole, noise, in_hole.sum())
        img[3:12, cols - 22:cols - 8] = label           # label blob, away from the ellipse
        for y, x in rng.integers(0, [rows, cols], (6, 2)):  # specks
            if not ellipse[y, x]:
                img[y, x] = label
        return img, ellipse, in_hole

    tiff, t_ellipse, t_hole = breast(240, 180, 3000, 40000, 62000, 5000, 800)
    write_tiff(folder / "breast_tiff.tif", np.clip(tiff, 0, 65535).astype(np.uint16))

    ds = pydicom.dcmread(FIXTURES / "dicom/mg12_mono2_explicit_le.dcm")
    assert ds.Rows == 160 and ds.Columns == 128 and int(ds.PixelPaddingValue) == 0
    d, d_ellipse, d_hole = breast(160, 128, 350, 2600, 4000, 420, 30)
    d = np.clip(np.round(d), 1, 4095)
    d[:, 118:] = 0                                       # padding columns
    hy, hx = np.argwhere(d_hole).mean(axis=0).round().astype(int)
    d[hy - 1:hy + 2, hx - 1:hx + 2] = 0                  # padding inside the hole
    ds.PixelData = d.astype(np.uint16).tobytes()
    ds.save_as(folder / "breast.dcm")
    ds.PixelPaddingValue = 400                           # padding range given high to low: 0...400
    ds.PixelPaddingRangeLimit = 0
    ds["PixelPaddingRangeLimit"].VR = "US"
    ds.save_as(folder / "range_limit.dcm")
    del ds["PixelPaddingRangeLimit"]
    ds.PixelPaddingValue = 0
    ds.PixelData = np.zeros((160, 128), np.uint16).tobytes()
    ds.save_as(folder / "all_padding.dcm")

    mf = pydicom.dcmread(FIXTURES / "dicom/bto12_explicit_le.dcm")
    frames = int(mf.NumberOfFrames)
    stored = mf.pixel_array.reshape(frames, mf.Rows, mf.Columns).copy()
    stored[stored == 4000] = 3999
    for k in range(frames):
        stored[k, 10 * k:10 * k + 30, 5 * k:5 * k + 20] = 4000  # padding, moving with the frame
    mf.PixelData = stored.astype(np.uint16).tobytes()
    mf.PixelPaddingValue = 4000
    mf["PixelPaddingValue"].VR = "US"
    mf.save_as(folder / "mf_padding.dcm")
    return folder, (t_ellipse, t_hole), (d_ellipse, d_hole, d)


def test_mask_breast_images(breast_images, tmp_path):
    folder, (t_ellipse, t_hole), (d_ellipse, d_hole, stored) = breast_images
    report, rows, _ = stats(tmp_path, folder, "--mask", "foreground", per_image=True)
    frames = windowed(tmp_path, [folder])
    oracle = mask_oracle(frames)
    assert_mask_report(report, rows, oracle)
    # The oracle keeps what a breast mask should: ellipse and hole, not the label or padding.
    keep = foreground_mask(frames[(str(folder / "breast_tiff.tif"), 0)])
    assert keep[t_ellipse | t_hole].all() and not keep[~(t_ellipse | t_hole)].any()
    pad = stored == 0
    keep = foreground_mask(frames[(str(folder / "breast.dcm"), 0)], pad)
    assert np.array_equal(keep, (d_ellipse | d_hole) & ~pad)
    assert (d_hole & pad).any() and (d_hole & ~pad).any()
    all_pad = next(r for r in rows if r["path"].endswith("all_padding.dcm"))
    assert all_pad["pixels"] == 0 and all_pad["mask_fraction"] == 0.0


def test_mask_connectivity_ties_and_holes(tmp_path):
    """Drawn shapes whose masks are known without the oracle: 8-connected foreground, first
    component on a tie, 4-connected holes (a diagonal ring closes its inside)."""
    folder = tmp_path / "in"
    folder.mkdir()
    low, mid, high = 6554, 52428, 58982  # 0.1, 0.8, 0.9
    diagonal = np.full((40, 40), low)
    diagonal[2:8, 2:8] = mid        # two 6x6 squares touching at one corner: 72 pixels 8-connected
    diagonal[8:14, 8:14] = mid
    diagonal[25:32, 25:32] = high   # 49 pixels: the largest 4-connected component
    tie = np.full((40, 40), low)
    tie[3:11, 28:36] = mid          # first in row-major order
    tie[25:33, 3:11] = high         # same size, later
    diamond = np.full((40, 40), low)
    r, c = np.mgrid[0:40, 0:40]
    ring = np.abs(r - 20) + np.abs(c - 20) == 12   # 8-connected ring, diagonal steps only
    diamond[ring] = high
    diamond[1:3, 1:3] = high
    shapes = {"diagonal.tif": diagonal, "diamond.tif": diamond, "tie.tif": tie}
    for name, a in shapes.items():
        write_tiff(folder / name, a.astype(np.uint16))
    report, rows, _ = stats(tmp_path, folder, "--mask", "foreground", per_image=True)
    by_name = {r["path"].rsplit("/", 1)[1]: r for r in rows}
    assert by_name["diagonal.tif"]["pixels"] == 72
    assert by_name["tie.tif"]["pixels"] == 64 and by_name["tie.tif"]["mean"] == float(np.float32(mid / 65535))
    inside = np.abs(r - 20) + np.abs(c - 20) <= 12
    assert by_name["diamond.tif"]["pixels"] == inside.sum() == 313
    frames = {(str(folder / n), 0): tiff_windowed(a) for n, a in shapes.items()}
    assert_mask_report(report, rows, mask_oracle(frames))


def test_mask_all_padding_alone_gives_an_empty_report(breast_images, tmp_path):
    folder, _, _ = breast_images
    report, rows, _ = stats(tmp_path, folder / "all_padding.dcm", "--mask", "foreground", per_image=True)
    assert report["count"] == 0 and report["images"] == 1 and report["mean"] == [] and report["std"] == []
    assert report["maskFraction"] == 0.0 and report["partial"]["pixelsSeen"] == 160 * 128
    assert all(v is None for v in report["percentiles"].values())


def test_mask_fixtures(tmp_path):
    report, rows, _ = stats(tmp_path, *INPUTS, "--mask", "foreground", per_image=True)
    frames = windowed(tmp_path, INPUTS)
    oracle = mask_oracle(frames)
    assert_mask_report(report, rows, oracle)
    assert 0.2 < report["maskFraction"] < 1.0


# ---------------------------------------------------------------------------------------------
# 6. A corrupt file among good ones


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


# ---------------------------------------------------------------------------------------------
# 7. --shard slurm


@pytest.mark.parametrize("task_id,task_min,count", [(7, 5, 3), (1, 1, 2), (4, 0, 5)])
def test_shard_slurm_selects_the_same_part(task_id, task_min, count, tmp_path):
    index = task_id - task_min + 1
    env = {"SLURM_ARRAY_TASK_ID": str(task_id), "SLURM_ARRAY_TASK_MIN": str(task_min),
           "SLURM_ARRAY_TASK_COUNT": str(count)}
    slurm, slurm_rows, _ = stats(tmp_path, *INPUTS, "--shard", "slurm", per_image=True, name="slurm.json", env=env)
    plain, plain_rows, _ = stats(tmp_path, *INPUTS, "--shard", f"{index}/{count}", per_image=True, name="plain.json")
    assert slurm_rows == plain_rows
    assert slurm == plain
    assert slurm["partial"]["shards"] == [f"{index}/{count}"]


def test_shard_slurm_without_the_job_array_is_a_usage_error(tmp_path):
    env = {k: v for k, v in os.environ.items() if not k.startswith("SLURM_")}
    proc = subprocess.run([binary(), "stats", str(INPUTS[1]), "--out", str(tmp_path / "s.json"), "--shard", "slurm"],
                          capture_output=True, text=True, env=env, timeout=60)
    assert proc.returncode == 2 and not (tmp_path / "s.json").exists()
    # A task id outside the array (I = 9 - 5 + 1 = 5 > N = 4) is a usage error too.
    env.update(SLURM_ARRAY_TASK_ID="9", SLURM_ARRAY_TASK_MIN="5", SLURM_ARRAY_TASK_COUNT="4")
    proc = subprocess.run([binary(), "stats", str(INPUTS[1]), "--out", str(tmp_path / "s.json"), "--shard", "slurm"],
                          capture_output=True, text=True, env=env, timeout=60)
    assert proc.returncode == 2 and not (tmp_path / "s.json").exists()


def test_unwritable_outputs_are_refused_before_work(tmp_path):
    for args in (["--out", tmp_path / "missing/s.json"],
                 ["--out", tmp_path / "s.json", "--per-image", tmp_path / "missing/p.csv"]):
        proc = run("stats", INPUTS[1], *args, "-q")
        assert proc.returncode == 2 and "missing" in proc.stderr
        assert not (tmp_path / "s.json").exists()
