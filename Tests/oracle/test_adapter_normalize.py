"""The Adapt stage's normalization, model presets, preprocess.json and the stats pipeline check
against numpy (oracles and tolerances: adapter_helpers.py)."""
from pathlib import Path

import numpy as np
import pytest

from adapter_helpers import (IMAGENET_MEAN, IMAGENET_STD, MG12, NORM_TOL, RA4, convert, normalized, plain,
                             record_norm, stats, tiffs, work)  # noqa: F401 (tiffs, work: fixtures)
from conftest import run


def test_tiff_window_is_exact(work, tiffs):
    """The premise of every oracle here: a 16-bit MinIsBlack TIFF windows to exactly v / 65535."""
    for name, (path, x) in tiffs.items():
        got = plain(work, path)
        assert got.shape == x.shape and np.array_equal(got, x), name


# ------------------------------------------------------------------------------ 1. normalization
NORM_GEOMETRIES = {
    "none": [],
    "pad64x48": ["--size", "64x48"],
    "stretch50x50-bilinear": ["--size", "50x50", "--fit", "stretch", "--interpolation", "bilinear"],
    "crop32": ["--size", "32", "--fit", "crop", "--crop-pct", "0.9"],
}


@pytest.mark.parametrize("geometry", list(NORM_GEOMETRIES))
def test_normalization_matches_numpy(work, tiffs, geometry):
    """imagenet (3 ch), custom from `mammo-prep stats` with the same options (1 and 3 ch), and
    none with --channels 3: each equals replicate-then-normalize of the un-normalized output of the
    same geometry (the plain windowed image when there is none), computed in numpy."""
    geo = NORM_GEOMETRIES[geometry]
    sources = [tiffs["smooth_37x53"][0], tiffs["blob_right_60x40"][0], MG12]
    base = convert(work, sources, *geo)
    planes = {}
    for s in sources:
        a = base.array(s)
        assert a.shape[0] == 1
        planes[s] = a[0]
        if not geo:
            assert np.array_equal(a[0], plain(work, s)), "no adapter options must give the windowed image"
    # Cohort statistics over the same pixels, checked against numpy.
    stats_path, st = stats(work, sources, *geo)
    pooled = np.concatenate([p.astype(np.float64).ravel() for p in planes.values()])
    assert st["mean"][0] == pytest.approx(pooled.mean(), rel=1e-9, abs=1e-12)
    assert st["std"][0] == pytest.approx(pooled.std(), rel=1e-9, abs=1e-12)
    m, sd = st["mean"][0], st["std"][0]

    cases = {
        "imagenet": (["--normalize", "imagenet"], IMAGENET_MEAN, IMAGENET_STD),
        "custom1": (["--normalize", "custom", "--stats", stats_path], (m,), (sd,)),
        "custom3": (["--normalize", "custom", "--stats", stats_path, "--channels", "3"], (m,) * 3, (sd,) * 3),
        "none3": (["--channels", "3"], (0.0,) * 3, (1.0,) * 3),
    }
    for name, (opts, mean, std) in cases.items():
        r = convert(work, sources, *geo, *opts)
        spec = r.preprocess()
        assert spec["normalize"] == {"mean": list(mean), "std": list(std)}, name
        for s in sources:
            got = r.array(s)
            want = normalized(planes[s], mean, std)
            assert got.shape == want.shape, (name, s, got.shape, want.shape)
            diff = record_norm(got, want)
            assert diff <= NORM_TOL, f"{geometry}/{name}/{Path(s).name}: max |diff| {diff:.3g}"
            line = r.line(s)
            assert line["adapter"]["channels"] == len(mean)
            assert line["adapter"]["mean"] == list(mean) and line["adapter"]["std"] == list(std)
            if not geo:
                assert got.shape[1:] == plain(work, s).shape, "--normalize alone must keep the source size"
                assert line["geometry"]["output"] == list(plain(work, s).shape)


MODEL_CASES = {
    # preset options → (geometry-only options giving the same geometry, mean, std, input)
    "resnet50d": (["--model", "resnet50d"], ["--size", "224x224", "--interpolation", "bicubic"],
                  IMAGENET_MEAN, IMAGENET_STD, "train"),
    "ra4": (["--model", RA4], ["--size", "224x224", "--interpolation", "bicubic"], (0.5,) * 3, (0.5,) * 3, "train"),
    "resnet50d-test": (["--model", "resnet50d", "--model-input", "test"], ["--size", "288x288"],
                       IMAGENET_MEAN, IMAGENET_STD, "test"),
    "resnet50d-crop": (["--model", "resnet50d", "--fit", "crop"], ["--size", "224", "--fit", "crop", "--crop-pct", "0.875"],
                       IMAGENET_MEAN, IMAGENET_STD, "train"),
    "ra4-test-crop": (["--model", RA4, "--model-input", "test", "--fit", "crop"],
                      ["--size", "288", "--fit", "crop", "--crop-pct", "1.0"], (0.5,) * 3, (0.5,) * 3, "test"),
}


@pytest.mark.parametrize("case", list(MODEL_CASES))
def test_model_preset_normalization(work, tiffs, case):
    """--model sets size, interpolation, crop_pct, 3 channels and the preset's mean/std: equal to the
    explicit geometry options plus numpy's normalization with the published constants."""
    preset_opts, geo, mean, std, model_input = MODEL_CASES[case]
    sources = [tiffs["smooth_100x80"][0], MG12]
    base = convert(work, sources, *geo)
    r = convert(work, sources, *preset_opts)
    H, W = (288, 288) if model_input == "test" else (224, 224)
    for s in sources:
        plane = base.array(s)[0]
        assert plane.shape == (H, W)
        got = r.array(s)
        assert got.shape == (3, H, W)
        diff = record_norm(got, normalized(plane, mean, std))
        assert diff <= NORM_TOL, f"{case}/{Path(s).name}: max |diff| {diff:.3g}"
        assert r.line(s)["geometry"] == base.line(s)["geometry"]
    spec = r.preprocess()
    assert spec["normalize"] == {"mean": list(mean), "std": list(std)}
    assert spec["modelInput"] == model_input
    assert spec["outputShape"] == [3, H, W]
    assert spec["geometry"]["size"] == [H, W] and spec["geometry"]["interpolation"] == "bicubic"



# ------------------------------------------------------------------------------ 8. preprocess.json
def test_preprocess_json(work, tiffs):
    path = tiffs["smooth_37x53"][0]
    r = convert(work, [path], "--normalize", "imagenet", "--size", "64x48")
    spec = r.preprocess()
    assert spec["normalize"] == {"mean": list(IMAGENET_MEAN), "std": list(IMAGENET_STD)}
    assert spec["normalization"]["kind"] == "imagenet" and spec["normalization"]["channels"] == 3
    assert spec["geometry"]["size"] == [64, 48] and spec["geometry"]["fit"] == "pad"
    assert spec["model"] is None and spec["outputShape"] == [3, 64, 48]

    r = convert(work, [path], "--model", "resnet50d")
    spec = r.preprocess()
    assert spec["normalize"] == {"mean": list(IMAGENET_MEAN), "std": list(IMAGENET_STD)}
    assert spec["model"]["name"] == "resnet50d" and spec["model"]["tag"] == "resnet50d.ra2_in1k"
    assert spec["model"]["inputSize"] == {"train": [224, 224], "test": [288, 288]}
    assert spec["model"]["cropPct"] == {"train": 0.875, "test": 0.95}
    assert set(spec["model"]["sources"]) >= {"inputSize", "cropPct", "interpolation", "mean", "std", "channels"}
    assert spec["modelInput"] == "train" and spec["outputShape"] == [3, 224, 224]
    assert r.line(path)["adapter"]["model"] == "resnet50d.ra2_in1k"

    r = convert(work, [path], "--model", RA4)
    spec = r.preprocess()
    assert spec["normalize"] == {"mean": [0.5] * 3, "std": [0.5] * 3}
    assert spec["model"]["tag"] == RA4

    r = convert(work, [path], "--model", "resnet50d", "--model-input", "test")
    assert r.array(path).shape == (3, 288, 288)
    assert r.line(path)["geometry"]["output"] == [288, 288]
    assert r.preprocess()["modelInput"] == "test"

    stats_path, st = stats(work, [path])
    r = convert(work, [path], "--normalize", "custom", "--stats", stats_path, "--channels", "3")
    spec = r.preprocess()
    assert spec["normalize"] == {"mean": st["mean"] * 3, "std": st["std"] * 3}
    assert spec["stats"] == str(stats_path)

    out = work / "nosuchmodel"
    proc = run("convert", path, "--out", out, "--model", "nosuchmodel")
    assert proc.returncode == 2
    assert "nosuchmodel" in proc.stderr and "resnet50d" in proc.stderr and RA4 in proc.stderr
    assert not out.exists()


# ------------------------------------------------------------------------------ 9. stats mismatch
def test_stats_pipeline_mismatch(work, tiffs):
    path, x = tiffs["smooth_37x53"]
    stats_path, st = stats(work, [path], "--invert", "never")
    out = work / "mismatch"
    proc = run("convert", path, "--out", out, "-q", "--normalize", "custom", "--stats", stats_path)
    assert proc.returncode == 2 and "invert" in proc.stderr, proc.stderr
    assert not (out / "manifest.jsonl").exists() or not (out / "manifest.jsonl").read_text()

    forced = convert(work, [path], "--normalize", "custom", "--stats", stats_path, "--force-stats")
    want = normalized(x, st["mean"], st["std"])
    assert record_norm(forced.array(path), want) <= NORM_TOL

    # Geometry is part of the pipeline too.
    proc = run("convert", path, "--out", work / "mismatch2", "-q", "--normalize", "custom", "--stats",
               stats_path, "--size", "32x32", "--invert", "never")
    assert proc.returncode == 2 and "geometry" in proc.stderr, proc.stderr

