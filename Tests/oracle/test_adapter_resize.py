"""The Adapt stage's resampling against Pillow and `--fit pad` / `--fit crop` against the
torchvision and timm rules (oracles and tolerances: adapter_helpers.py); absurd output sizes; and,
last, the report of the measured differences over every test_adapter_* module."""
import numpy as np
import pytest

from adapter_helpers import (IMAGENET_MEAN, IMAGENET_STD, MEASURED, NORM_TOL, NORM_WORST, PIL_FILTERS, RA4,
                             RESIZE_TOL, convert, foreground, noisy, normalized, pad_geometry, pil_resize,
                             record_norm, record_resize, smooth, tiffs, timm_keep_ratio_crop,
                             torchvision_crop, wall_side, work)  # noqa: F401 (tiffs, work: fixtures)
from conftest import FIXTURES, run, tiff_windowed, write_tiff


# ------------------------------------------------------------------------------ 2. resampling
RESIZE_CASES = [  # (h, w) → (H, W)
    ((37, 53), (20, 11)),
    ((100, 80), (224, 224)),
    ((64, 200), (256, 100)),
    ((3, 5), (17, 9)),
    ((53, 37), (53, 20)),       # rows unchanged
    ((200, 64), (50, 64)),      # columns unchanged
    ((256, 256), (8, 8)),       # strong reduction (wide antialiasing support)
]


@pytest.fixture(scope="module")
def resize_inputs(work):
    made = {}
    for (h, w), _ in RESIZE_CASES:
        for kind, data in (("smooth", smooth(h, w)), ("noisy", noisy(h, w, h * 1000 + w))):
            made[(h, w, kind)] = (write_tiff(work / "resize" / f"{h}x{w}" / f"{kind}.tif", data), tiff_windowed(data))
    return made


@pytest.mark.parametrize("filter_name", list(PIL_FILTERS))
@pytest.mark.parametrize("case", RESIZE_CASES, ids=[f"{a[0]}x{a[1]}-{b[0]}x{b[1]}" for a, b in RESIZE_CASES])
def test_resize_matches_pillow(work, resize_inputs, case, filter_name):
    (h, w), (H, W) = case
    srcs = {kind: resize_inputs[(h, w, kind)] for kind in ("smooth", "noisy")}
    r = convert(work, [p for p, _ in srcs.values()], "--size", f"{H}x{W}", "--fit", "stretch",
                "--interpolation", filter_name)
    for kind, (path, x) in srcs.items():
        got = r.array(path)
        assert got.shape == (1, H, W)
        want = pil_resize(x, H, W, filter_name)
        diff = record_resize(filter_name, got[0], want, f"{h}x{w}->{H}x{W} {kind}")
        assert diff <= RESIZE_TOL, f"{filter_name} {h}x{w}->{H}x{W} {kind}: max |diff| {diff:.3g}"
        g = r.line(path)["geometry"]
        assert g["resized"] == [H, W] and g["offset"] == [0, 0] and g["output"] == [H, W]
        assert g["scale"] == pytest.approx([H / h, W / w], rel=1e-12)
        assert g["crop"] == [0, 0, h, w] and g["flipped"] is False


# ------------------------------------------------------------------------------ 3. geometry
PAD_SIZES = [(64, 48), (224, 224), (30, 90)]
PAD_SOURCES = ["blob_right_37x53", "blob_left_100x80", "blob_right_100x80", "blob_left_60x40", "smooth_37x53"]


@pytest.mark.parametrize("size", PAD_SIZES, ids=[f"{a}x{b}" for a, b in PAD_SIZES])
def test_fit_pad_exact(work, tiffs, size):
    """Aspect-preserving size round(h·s), round(w·s), s = min(H/h, W/w); rows centred, columns
    against the chest wall (mask centre of mass for TIFF); padding exactly 0 (after normalization
    (0 − m)/s); the resized region equals Pillow's resize; the manifest records it all."""
    H, W = size
    paths = [tiffs[n][0] for n in PAD_SOURCES]
    r = convert(work, paths, "--size", f"{H}x{W}")
    rn = convert(work, paths, "--size", f"{H}x{W}", "--normalize", "imagenet")
    for name in PAD_SOURCES:
        path, x = tiffs[name]
        h, w = x.shape
        _, _, centroid, _ = foreground(x)
        wall = wall_side(centroid, w)
        if name.startswith("blob_"):
            assert wall == name.split("_")[1], f"{name}: oracle mask puts the chest wall {wall}"
        rh, rw, top, left = pad_geometry(h, w, H, W, wall)
        g = r.line(path)["geometry"]
        assert (g["chestWall"], g["chestWallSource"]) == (wall, "mask"), name
        assert g["resized"] == [rh, rw] and g["offset"] == [top, left] and g["output"] == [H, W], (name, g)
        assert g["scale"] == pytest.approx([rh / h, rw / w], rel=1e-12)
        assert g["crop"] == [0, 0, h, w] and g["flipped"] is False
        assert rn.line(path)["geometry"] == g
        got = r.array(path)[0]
        inside = np.zeros((H, W), bool)
        inside[top:top + rh, left:left + rw] = True
        assert np.all(got[~inside] == 0.0), f"{name}: padding is not exactly 0"
        want = x if (rh, rw) == (h, w) else pil_resize(x, rh, rw, "bicubic")
        diff = record_resize("bicubic", got[inside].reshape(rh, rw), want, f"pad {name}->{H}x{W}")
        assert diff <= RESIZE_TOL, f"{name}: resized region differs from Pillow by {diff:.3g}"
        gotn = rn.array(path)
        for c in range(3):
            fill = np.float32((0.0 - IMAGENET_MEAN[c]) / IMAGENET_STD[c])
            assert np.all(gotn[c][~inside] == fill), f"{name}: normalized padding of channel {c}"
        assert record_norm(gotn, normalized(got, IMAGENET_MEAN, IMAGENET_STD)) <= NORM_TOL


CROP_CASES = {
    # name: (source, options, size, crop_pct, filter)
    "100x80-S64-0.875": ("smooth_100x80", ["--size", "64", "--fit", "crop"], 64, 0.875, "bicubic"),
    "37x53-S32-0.9-bilinear": ("noisy_37x53", ["--size", "32x32", "--fit", "crop", "--crop-pct", "0.9",
                                               "--interpolation", "bilinear"], 32, 0.9, "bilinear"),
    "60x40-S40-1.0-area": ("blob_left_60x40", ["--size", "40", "--fit", "crop", "--crop-pct", "1.0",
                                               "--interpolation", "area"], 40, 1.0, "area"),
    "model-resnet50d": ("smooth_100x80", ["--model", "resnet50d", "--fit", "crop", "--normalize", "none",
                                          "--channels", "1"], 224, 0.875, "bicubic"),
    "model-resnet50d-test": ("smooth_100x80", ["--model", "resnet50d", "--model-input", "test", "--fit", "crop",
                                               "--normalize", "none", "--channels", "1"], 288, 0.95, "bicubic"),
    "model-ra4": ("smooth_37x53", ["--model", RA4, "--fit", "crop", "--normalize", "none", "--channels", "1"],
                  224, 0.95, "bicubic"),
}


@pytest.mark.parametrize("case", list(CROP_CASES))
def test_fit_crop_square_matches_torchvision_rule(work, tiffs, case):
    """--fit crop with a square size S = torchvision Resize(⌊S/crop_pct⌋) + CenterCrop(S)
    (Python round for the offsets: 13.5 → 14, 4.5 → 4 in the first case), built from Pillow."""
    name, opts, size, crop_pct, filt = CROP_CASES[case]
    path, x = tiffs[name]
    r = convert(work, [path], *opts)
    got = r.array(path)
    assert got.shape == (1, size, size)
    want, (nh, nw), (top, left) = torchvision_crop(x, size, crop_pct, filt)
    diff = record_resize(filt, got[0], want, f"crop {case}")
    assert diff <= RESIZE_TOL, f"{case}: max |diff| {diff:.3g}"
    g = r.line(path)["geometry"]
    h, w = x.shape
    assert g["resized"] == [nh, nw] and g["offset"] == [-top, -left] and g["output"] == [size, size], g
    assert g["scale"] == pytest.approx([nh / h, nw / w], rel=1e-12)
    assert g["crop"] == [0, 0, h, w] and g["flipped"] is False
    spec = r.preprocess()
    assert spec["geometry"]["cropPct"] == crop_pct and spec["geometry"]["fit"] == "crop"


def test_fit_crop_non_square_keeps_ratio(work, tiffs):
    path, x = tiffs["smooth_100x80"]
    r = convert(work, [path], "--size", "64x48", "--fit", "crop", "--crop-pct", "0.875")
    want, (nh, nw), (top, left) = timm_keep_ratio_crop(x, 64, 48, 0.875, "bicubic")
    g = r.line(path)["geometry"]
    assert g["resized"] == [nh, nw] and g["offset"] == [-top, -left], (g["resized"], g["offset"], (nh, nw), (top, left))
    got = r.array(path)[0]
    assert np.max(np.abs(got - want)) <= RESIZE_TOL


# ------------------------------------------------------------------------------ absurd sizes
@pytest.mark.parametrize("args", [
    ["--size", "60000x60000"],
    ["--size", "20000", "--fit", "crop", "--crop-pct", "0.1"],
    ["--fit", "crop", "--size", "10", "--crop-pct", "0.01"],
], ids=["size", "crop-scale", "crop-pct"])
def test_absurd_output_sizes_are_usage_errors(tmp_path, args):
    """An output size beyond --max-frame-pixels is refused before any image is read (exit 2, one
    message), for convert and stats alike: never an out-of-memory kill."""
    for cmd in (["convert", FIXTURES / "tiff", "--out", tmp_path / "o"], ["stats", FIXTURES / "tiff", "--out", tmp_path / "s.json"]):
        proc = run(*cmd, *args)
        assert proc.returncode == 2, (cmd, proc.stderr)
        assert "Error:" in proc.stderr
    assert not (tmp_path / "o").exists() and not (tmp_path / "s.json").exists()


# ------------------------------------------------------------------------------ report
def test_zz_report_measured_differences(capsys):
    """Prints the measured worst differences, also under -q (runs last: pytest keeps file order, and this is the
    last test_adapter_* module)."""
    lines = [f"resize vs Pillow, {name}: max |diff| {m['max']:.3g} over {m['outputs']} outputs ({m['where']})"
             for name, m in MEASURED.items()]
    lines.append(f"normalization vs numpy: max |diff| {NORM_WORST['max']:.3g} over {NORM_WORST['outputs']} outputs")
    with capsys.disabled():
        print("\n" + "\n".join(lines))
    if any(m["outputs"] for m in MEASURED.values()):
        assert all(m["max"] <= RESIZE_TOL for m in MEASURED.values())

