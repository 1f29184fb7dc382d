"""`mammo-prep stats` and `stats merge` (docs/design.md §2-3, docs/stats.md) against numpy float64.

The windowed pixels are those `convert` writes (the same FramePipeline; the convert oracle checks them
against an independent windowing implementation), or, for synthetic 16-bit TIFFs, float32(v / 65535)
computed straight from the TIFF data. Everything else (pooled moments, per-image rows, percentiles,
the foreground mask: Otsu, largest 8-connected component, hole filling, pixel padding read with
pydicom) is recomputed here independently in numpy / plain Python (no scipy).

This module holds the runners and numpy oracles shared by test_stats_pooled.py (pooled moments,
percentiles, robustness), test_stats_merge.py (shards, merge, --shard slurm) and test_stats_mask.py
(--mask foreground; the mask rule itself is foreground_oracle.py, shared with the adapter oracle).
"""
import csv
import json
import math
import os
import subprocess

import numpy as np
import pytest
import tifffile

from conftest import FIXTURES, binary, run, write_tiff

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


def merge(tmp_path, parts, name="merged.json", expect=0, options=()):
    out = tmp_path / name
    proc = run("stats", "merge", *parts, "--out", out, "-q", *options)
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



SUBSET = [FIXTURES / "dicom" / n for n in ("mg12_mono2_explicit_le.dcm", "mg12_mono1_explicit_le.dcm",
                                              "lut_voi_sequence.dcm", "mg16s_explicit_le.dcm",
                                              "bto12_explicit_le.dcm", "mg12s_explicit_le.dcm")] + \
         [FIXTURES / "tiff" / n for n in ("mg16_miniswhite.tif", "mg16_multipage3.tif")]

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
