"""The Adapt stage (docs/design.md §2, §4; docs/adapter.md) against independent oracles: numpy for
normalization, Pillow 12 (`Image.resize` on mode "F" images, which torchvision and timm use) for
resampling, Pillow + numpy re-implementations of torchvision's `Resize(int)` + `CenterCrop` and
timm's `ResizeKeepRatio` for `--fit crop`, and a pure-Python implementation of the documented
foreground mask (docs/stats.md: Otsu on 256 bins, largest 8-connected component, holes filled)
for `--crop-breast` and the chest-wall side.

Inputs are mostly 16-bit MinIsBlack TIFFs written here with tifffile: mammo-prep windows them as
v / 65535, so the oracle knows the 0…1 image exactly (checked in `test_tiff_window_is_exact`).
Fixture DICOMs enter through their plain windowed output (`convert` without adapter options).

Tolerances: normalization 1e-6 (the contract: float32((double(x) − m) / s)); resampling 1e-3
against Pillow (the contract; the measured worst per filter is printed at the end: ~3e-7).
"""
import csv
import itertools
import json
import math
import shutil
from collections import deque
from pathlib import Path

import numpy as np
import pydicom
import pytest
import tifffile
from PIL import Image
from safetensors import safe_open
from safetensors.numpy import load_file

from conftest import FIXTURES, run

NORM_TOL = 1e-6
RESIZE_TOL = 1e-3
IMAGENET_MEAN = (0.485, 0.456, 0.406)
IMAGENET_STD = (0.229, 0.224, 0.225)
RA4 = "resnet50d.ra4_e3600_r224_in1k"
PIL_FILTERS = {"bicubic": Image.Resampling.BICUBIC, "bilinear": Image.Resampling.BILINEAR,
               "area": Image.Resampling.BOX}
# Worst |mammo-prep − Pillow| per filter over every resampled output compared (printed at the end).
MEASURED = {name: {"max": 0.0, "outputs": 0, "where": None} for name in PIL_FILTERS}
NORM_WORST = {"max": 0.0, "outputs": 0}

MG12 = FIXTURES / "dicom" / "mg12_mono2_explicit_le.dcm"      # Image Laterality L, Pixel Padding 0
MG14 = FIXTURES / "dicom" / "mg14_explicit_le.dcm"            # Image Laterality R
BTO = FIXTURES / "dicom" / "bto12_explicit_le.dcm"            # 5 frames
TRUNCATED_TIFF = FIXTURES / "bad" / "truncated.tif"


# ------------------------------------------------------------------------------------ inputs
def write_tiff(path, data):
    path.parent.mkdir(parents=True, exist_ok=True)
    tifffile.imwrite(path, np.ascontiguousarray(data, dtype=np.uint16), photometric="minisblack")
    return path


def to_x(data):
    """What mammo-prep makes of a 16-bit MinIsBlack TIFF: v / 65535 as float32."""
    return (np.asarray(data).astype(np.float64) / 65535).astype(np.float32)


def q16(v):
    return np.round(np.clip(v, 0, 1) * 65535).astype(np.uint16)


def smooth(h, w):
    yy, xx = np.mgrid[0:h, 0:w].astype(np.float64)
    v = 0.5 + 0.3 * np.sin(2 * np.pi * 1.3 * yy / h + 0.4) * np.cos(2 * np.pi * 0.8 * xx / w) + 0.1 * yy / h
    return q16(v)


def noisy(h, w, seed):
    """Uniform noise on both sides of a step edge, plus single-pixel spikes: the worst case for
    accumulated rounding and for filter overshoot."""
    rng = np.random.default_rng(seed)
    v = rng.uniform(0.0, 0.3, (h, w))
    v[:, w // 2:] += 0.6
    v[rng.random((h, w)) < 0.05] = 1.0
    return q16(v)


def blob(h, w, side, seed=1):
    """A dark, slightly noisy background with a bright Gaussian half-disc against one edge."""
    rng = np.random.default_rng(seed)
    yy, xx = np.mgrid[0:h, 0:w].astype(np.float64)
    cx = w - 1 if side == "right" else 0
    d2 = ((yy - h * 0.5) / (0.45 * h)) ** 2 + ((xx - cx) / (0.7 * w)) ** 2
    v = 0.05 + 0.02 * rng.random((h, w)) + 0.8 * np.exp(-2.5 * d2)
    return q16(v)


def breast(h, w, seed=7):
    """For --crop-breast (h × w about 90 × 110): a Gaussian blob away from the borders with
    - a dark hole inside it (filled by the mask),
    - a one-row staircase tail to the right whose values fall by one histogram bin per column, so
      the box's right edge moves with every 1/256 step of the threshold,
    - a diagonal chain of bright single pixels up-left, connected only 8-wise (it extends the box
      top and left only with 8-connectivity),
    - a bright marker far from it (a smaller component that must be dropped),
    on a noisy dark background."""
    rng = np.random.default_rng(seed)
    yy, xx = np.mgrid[0:h, 0:w].astype(np.float64)
    r0, c0 = int(0.55 * h), int(0.3 * w)
    d2 = ((yy - r0) / (0.28 * h)) ** 2 + ((xx - c0) / (0.2 * w)) ** 2
    v = 0.04 + 0.03 * rng.random((h, w)) + 0.75 * np.exp(-1.2 * d2)
    for c in range(c0 + 12, w - 10):                                                  # staircase tail
        v[r0:r0 + 2, c] = max(v[r0, c], (100.5 - (c - c0 - 12)) / 256)
    for k in range(0, 31):                                                            # diagonal chain
        v[r0 - k, c0 - k] = max(v[r0 - k, c0 - k], 0.9)
    v[r0 - 2:r0 + 3, c0 + 3:c0 + 8] = 0.03                                            # hole
    v[3:6, w - 7:w - 4] = 0.95                                                        # marker
    return q16(v)


# ------------------------------------------------------------------------------------ running
_RUNS = itertools.count()


class Result:
    def __init__(self, proc, out):
        self.proc = proc
        self.out = out
        # npy-stack writes its rows' lines to stack.manifest.jsonl (rewritten whole on every run).
        manifest = out / "stack.manifest.jsonl"
        if not manifest.exists():
            manifest = out / "manifest.jsonl"
        self.lines = [json.loads(l) for l in manifest.read_text().splitlines()] if manifest.exists() else []

    def line(self, source):
        found = [l for l in self.lines if l["source"] == str(source)]
        assert len(found) == 1, f"manifest lines for {source}: {len(found)} in {self.out}"
        return found[0]

    def array(self, source):
        """The output of `source` (single-frame), checked to be a float32 (C, H, W) .npy."""
        line = self.line(source)
        a = np.load(self.out / line["output"])
        assert a.dtype == np.dtype("<f4") and a.ndim == 3 and a.flags.c_contiguous, (a.dtype, a.shape)
        assert list(a.shape) == line["shape"], (a.shape, line["shape"])
        return a

    def preprocess(self):
        return json.loads((self.out / "preprocess.json").read_text())


@pytest.fixture(scope="module")
def work(tmp_path_factory):
    return tmp_path_factory.mktemp("adapter")


def convert(work, inputs, *options, expect=0):
    out = work / f"run{next(_RUNS):03d}"
    proc = run("convert", *inputs, "--out", out, "-q", *options)
    if expect is not None:
        assert proc.returncode == expect, f"convert {options}: exit {proc.returncode}, want {expect}\n{proc.stderr}"
    return Result(proc, out)


def stats(work, inputs, *options):
    path = work / f"stats{next(_RUNS):03d}.json"
    proc = run("stats", *inputs, "--out", path, "-q", *options)
    assert proc.returncode == 0, proc.stderr
    return path, json.loads(path.read_text())


_PLAIN = {}


def plain(work, source):
    """The windowed (H, W) image of `source`: convert without adapter options."""
    key = str(source)
    if key not in _PLAIN:
        r = convert(work, [source])
        a = r.array(source)
        assert a.shape[0] == 1
        _PLAIN[key] = a[0]
    return _PLAIN[key]


# ------------------------------------------------------------------------------------ oracles
def normalized(plane, mean, std):
    """numpy's replicate-then-normalize: float64 math on the float32 input, cast to float32."""
    x = plane.astype(np.float64)
    return np.stack([(x - m) / s for m, s in zip(mean, std)]).astype(np.float32)


def pil_resize(x, rows, columns, filter_name):
    im = Image.fromarray(np.ascontiguousarray(x, dtype=np.float32))
    assert im.mode == "F"
    out = np.asarray(im.resize((columns, rows), PIL_FILTERS[filter_name]), dtype=np.float32)
    assert out.shape == (rows, columns)
    return out


def record_resize(filter_name, got, want, where):
    diff = float(np.max(np.abs(got.astype(np.float64) - want.astype(np.float64)))) if got.size else 0.0
    m = MEASURED[filter_name]
    m["outputs"] += 1
    if diff >= m["max"]:
        m["max"], m["where"] = diff, where
    return diff


def record_norm(got, want):
    diff = float(np.max(np.abs(got.astype(np.float64) - want.astype(np.float64))))
    NORM_WORST["max"] = max(NORM_WORST["max"], diff)
    NORM_WORST["outputs"] += 1
    return diff


def py_round(v):
    return int(round(v))     # Python's round: half to even (torchvision's CenterCrop)


def half_up(v):
    return int(math.floor(v + 0.5))


def pad_geometry(h, w, H, W, wall):
    s = min(H / h, W / w)
    rh = max(1, min(H, half_up(h * s)))
    rw = max(1, min(W, half_up(w * s)))
    return rh, rw, (H - rh) // 2, 0 if wall == "left" else W - rw


def torchvision_crop(x, size, crop_pct, filter_name):
    """timm eval for a square size S: torchvision Resize(⌊S/crop_pct⌋) (shorter side; longer side
    int(s·long/short)) with Pillow, then CenterCrop(S) with top = int(round((h − S)/2))."""
    h, w = x.shape
    s = math.floor(size / crop_pct)
    if w <= h:
        nw, nh = s, int(s * h / w)
    else:
        nh, nw = s, int(s * w / h)
    resized = x if (nh, nw) == (h, w) else pil_resize(x, nh, nw, filter_name)
    top, left = py_round((nh - size) / 2.0), py_round((nw - size) / 2.0)
    return resized[top:top + size, left:left + size], (nh, nw), (top, left)


def timm_keep_ratio_crop(x, rows, columns, crop_pct, filter_name):
    """timm eval for a non-square size: ResizeKeepRatio(⌊side/crop_pct⌋ each, longest=0) —
    ratio = min(h/th, w/tw), size = [round(h/ratio), round(w/ratio)] — then CenterCrop."""
    h, w = x.shape
    th, tw = math.floor(rows / crop_pct), math.floor(columns / crop_pct)
    ratio = min(h / th, w / tw)
    nh, nw = round(h / ratio), round(w / ratio)
    resized = pil_resize(x, nh, nw, filter_name)
    top, left = py_round((nh - rows) / 2.0), py_round((nw - columns) / 2.0)
    return resized[top:top + rows, left:left + columns], (nh, nw), (top, left)


def _components(mask, eight):
    """Connected components of a boolean mask, labelled in raster order of their first pixel."""
    h, w = mask.shape
    labels = np.full((h, w), -1, dtype=np.int64)
    steps = [(dr, dc) for dr in (-1, 0, 1) for dc in (-1, 0, 1) if (dr, dc) != (0, 0)] if eight \
        else [(-1, 0), (1, 0), (0, -1), (0, 1)]
    sizes = []
    for r0 in range(h):
        for c0 in range(w):
            if not mask[r0, c0] or labels[r0, c0] >= 0:
                continue
            label = len(sizes)
            labels[r0, c0] = label
            queue, n = deque([(r0, c0)]), 0
            while queue:
                r, c = queue.popleft()
                n += 1
                for dr, dc in steps:
                    rr, cc = r + dr, c + dc
                    if 0 <= rr < h and 0 <= cc < w and mask[rr, cc] and labels[rr, cc] < 0:
                        labels[rr, cc] = label
                        queue.append((rr, cc))
            sizes.append(n)
    return labels, sizes


def otsu(values):
    """docs/stats.md: 256 bins over [0, 1] (bin = ⌊256·v⌋ clamped), bin centres as class values,
    the best split b maximising ω_B·ω_F·(μ_B − μ_F)² (first maximum); t = (b + 1)/256."""
    bins = np.clip(np.floor(values.astype(np.float32) * np.float32(256)), 0, 255).astype(np.int64)
    hist = np.bincount(bins, minlength=256).astype(np.float64)
    if np.count_nonzero(hist) < 2:
        return None
    total = float(hist.sum())
    sum_all = 0.0
    for b in range(256):
        sum_all += hist[b] * (b + 0.5)
    w_b = s_b = 0.0
    best, best_bin = -1.0, 0
    for b in range(255):
        w_b += hist[b]
        if w_b == 0:
            continue
        w_f = total - w_b
        if w_f == 0:
            break
        s_b += hist[b] * (b + 0.5)
        between = w_b * w_f * (s_b / w_b - (sum_all - s_b) / w_f) ** 2
        if between > best:
            best, best_bin = between, b
    return (best_bin + 1) / 256


def foreground(x, padding=None, threshold=None, eight=True, fill=True):
    """The documented foreground mask of a windowed frame: (mask, box, centroid, threshold).
    `threshold`, `eight` and `fill` replace the rule's own (to show what a test can tell apart)."""
    cand = np.ones(x.shape, bool) if padding is None else ~padding
    t = otsu(x[cand]) if threshold is None else threshold
    fg = cand & (x.astype(np.float64) >= (t if t is not None else -1.0))
    labels, sizes = _components(fg, eight=eight)
    if not sizes:
        return fg, None, None, t
    biggest = int(np.argmax(sizes))            # ties: the first in raster order
    keep = labels == biggest
    # Holes: background regions (4-connected) touching no border.
    bg_labels, _ = _components(~keep, eight=False)
    border = set(np.unique(np.concatenate([bg_labels[0], bg_labels[-1], bg_labels[:, 0], bg_labels[:, -1]])))
    holes = (~keep) & ~np.isin(bg_labels, list(border)) & fill
    mask = (keep | holes) & cand
    rr, cc = np.nonzero(mask)
    box = (int(rr.min()), int(cc.min()), int(rr.max()), int(cc.max()))
    return mask, box, (float(rr.mean()), float(cc.mean())), t


def wall_side(centroid, columns):
    return "left" if centroid[1] < (columns - 1) / 2 else "right"


def dicom_padding(path):
    ds = pydicom.dcmread(path)
    ppv = ds.get("PixelPaddingValue")
    if ppv is None:
        return None
    limit = ds.get("PixelPaddingRangeLimit", ppv)
    stored = ds.pixel_array
    lo, hi = min(ppv, limit), max(ppv, limit)
    return (stored >= lo) & (stored <= hi)


# ------------------------------------------------------------------------------------ fixtures
@pytest.fixture(scope="module")
def tiffs(work):
    """name → (path, 0…1 float32 image)."""
    made = {}

    def add(name, data):
        made[name] = (write_tiff(work / "in" / f"{name}.tif", data), to_x(data))

    add("smooth_37x53", smooth(37, 53))
    add("noisy_37x53", noisy(37, 53, 1))
    add("smooth_100x80", smooth(100, 80))
    add("blob_right_60x40", blob(60, 40, "right"))
    add("blob_left_60x40", blob(60, 40, "left", seed=2))
    add("blob_right_37x53", blob(37, 53, "right", seed=3))
    add("blob_left_100x80", blob(100, 80, "left", seed=4))
    add("blob_right_100x80", blob(100, 80, "right", seed=5))
    add("breast_90x110", breast(90, 110))
    return made


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
            made[(h, w, kind)] = (write_tiff(work / "resize" / f"{h}x{w}" / f"{kind}.tif", data), to_x(data))
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


# ------------------------------------------------------------------------------ 4. flip
def test_flip_tiff_by_mask(work, tiffs):
    """No laterality in a TIFF: the chest wall is the mask's centre-of-mass side. A blob against
    the right edge with --flip-to left is mirrored (exactly), --flip-to right leaves it; with a size
    the flipped pad output is the mirror of the unflipped one; flipping back is exact."""
    path, x = tiffs["blob_right_60x40"]
    h, w = x.shape
    flipped = convert(work, [path], "--flip-to", "left")
    a = flipped.array(path)[0]
    assert np.array_equal(a, np.fliplr(plain(work, path))), "--flip-to left is not an exact mirror"
    assert np.array_equal(np.fliplr(a), x), "flipping back does not reproduce the source"
    g = flipped.line(path)["geometry"]
    assert g["flipped"] is True and g["chestWall"] == "right" and g["chestWallSource"] == "mask", g
    assert g["crop"] == [0, 0, h, w] and g["output"] == [h, w] and g["resized"] == [h, w]

    kept = convert(work, [path], "--flip-to", "right")
    assert np.array_equal(kept.array(path)[0], x)
    gk = kept.line(path)["geometry"]
    assert gk["flipped"] is False and gk["chestWall"] == "right" and gk["chestWallSource"] == "mask"

    # The mirrored input, flipped back to the right, gives the original exactly.
    mirror = write_tiff(work / "in" / "blob_right_60x40_mirrored.tif", np.fliplr(q16(x.astype(np.float64))))
    back = convert(work, [mirror], "--flip-to", "right")
    assert np.array_equal(back.array(mirror)[0], x)
    gb = back.line(mirror)["geometry"]
    assert gb["flipped"] is True and gb["chestWall"] == "left" and gb["chestWallSource"] == "mask"

    # With a size (pad): the unflipped image hugs the right side, the flipped one the left.
    unflipped = convert(work, [path], "--size", "50x50")
    flipped = convert(work, [path], "--size", "50x50", "--flip-to", "left")
    u, f = unflipped.array(path)[0], flipped.array(path)[0]
    assert np.max(np.abs(np.fliplr(u) - f)) <= NORM_TOL
    gu, gf = unflipped.line(path)["geometry"], flipped.line(path)["geometry"]
    rh, rw, top, left = pad_geometry(h, w, 50, 50, "right")
    assert gu["offset"] == [top, left] and gu["flipped"] is False
    assert gf["offset"] == [top, 0] and gf["flipped"] is True and gf["chestWall"] == "right"


def ring(h=60, w=100, seed=11):
    """A hollow ring on the left joined by a bar to a solid block on the right: the mask's centre
    of mass is left of the middle only when the ring's hole is filled."""
    rng = np.random.default_rng(seed)
    yy, xx = np.mgrid[0:h, 0:w].astype(np.float64)
    r = np.hypot(yy - 30, xx - 28)
    v = 0.05 + 0.02 * rng.random((h, w))
    v[(r >= 20) & (r <= 25)] = 0.8
    v[20:41, 55:96] = 0.8
    v[28:33, 50:56] = 0.8
    return q16(v)


def test_chest_wall_uses_filled_mask(work):
    """The chest wall side comes from the centre of mass of the mask with its holes filled."""
    path = write_tiff(work / "in" / "ring_60x100.tif", ring())
    x = to_x(ring())
    _, _, centroid, _ = foreground(x)
    _, _, unfilled, _ = foreground(x, fill=False)
    assert wall_side(centroid, x.shape[1]) == "left" and wall_side(unfilled, x.shape[1]) == "right"
    r = convert(work, [path], "--flip-to", "left")
    g = r.line(path)["geometry"]
    assert (g["chestWall"], g["chestWallSource"], g["flipped"]) == ("left", "mask", False), g
    assert np.array_equal(r.array(path)[0], x)
    r = convert(work, [path], "--flip-to", "right")
    assert r.line(path)["geometry"]["flipped"] is True
    assert np.array_equal(r.array(path)[0], np.fliplr(x))


def relabelled_r(work):
    """The L fixture MG12 (tissue on the left) relabelled Image Laterality R with pydicom."""
    path = work / "in" / "mg12_relabelled_R.dcm"
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        ds = pydicom.dcmread(MG12)
        ds.ImageLaterality = "R"
        ds.save_as(path)
    return path


@pytest.mark.parametrize("case", ["R", "L", "R-against-mask"])
def test_flip_dicom_by_laterality(work, case):
    """Image Laterality decides the chest wall (chestWallSource laterality) for flip and for pad's
    anchor; when the mask is computed (--crop-breast) and its centre of mass disagrees, a warning
    is recorded and laterality still wins."""
    if case == "R-against-mask":
        fixture, padding_source = relabelled_r(work), MG12
    else:
        fixture = padding_source = MG14 if case == "R" else MG12
    proc = run("inspect", fixture, "--json")
    assert proc.returncode == 0, proc.stderr
    lat = json.loads(proc.stdout.splitlines()[0])["imageLaterality"]
    assert lat == case[0]
    wall = "left" if lat == "L" else "right"
    x = plain(work, fixture)
    h, w = x.shape
    _, box, centroid, _ = foreground(x, dicom_padding(padding_source))
    by_mask = wall_side(centroid, w)
    assert (by_mask != wall) == (case == "R-against-mask"), "oracle: only the relabelled file disagrees"
    for target in ("left", "right"):
        r = convert(work, [fixture], "--flip-to", target)
        g = r.line(fixture)["geometry"]
        assert g["chestWall"] == wall and g["chestWallSource"] == "laterality", g
        assert g["flipped"] is (wall != target)
        assert np.array_equal(r.array(fixture)[0], np.fliplr(x) if wall != target else x)
        if by_mask == wall:
            assert g["warnings"] == []
    # Pad anchors on the laterality side too.
    r = convert(work, [fixture], "--size", "100x100")
    g = r.line(fixture)["geometry"]
    rh, rw, top, left = pad_geometry(h, w, 100, 100, wall)
    assert g["resized"] == [rh, rw] and g["offset"] == [top, left] and g["chestWallSource"] == "laterality", g
    # With --crop-breast the mask exists: crop, then flip; a disagreement is a warning.
    r = convert(work, [fixture], "--flip-to", "left", "--crop-breast", "--crop-margin", "2")
    g = r.line(fixture)["geometry"]
    crop = [max(0, box[0] - 2), max(0, box[1] - 2), min(h, box[2] + 3), min(w, box[3] + 3)]
    assert g["crop"] == crop and g["chestWall"] == wall and g["flipped"] is (wall != "left"), g
    cut = x[crop[0]:crop[2], crop[1]:crop[3]]
    assert np.array_equal(r.array(fixture)[0], np.fliplr(cut) if wall != "left" else cut)
    warned = any("laterality" in m for m in g["warnings"])
    assert warned == (by_mask != wall), (by_mask, wall, g["warnings"])


@pytest.mark.parametrize("options", [["--flip-to", "left"], ["--size", "100x100"]], ids=["flip", "pad"])
def test_laterality_decides_without_computing_the_mask(work, options):
    """docs/adapter.md: the mask is computed only when something needs it; with laterality and
    no --crop-breast nothing does, so laterality decides and there is nothing to disagree with.
    (With --crop-breast the disagreement is recorded: test_flip_dicom_by_laterality.)"""
    fixture = relabelled_r(work)
    r = convert(work, [fixture], *options)
    g = r.line(fixture)["geometry"]
    assert g["chestWallSource"] == "laterality" and g["chestWall"] == "right"
    assert g["warnings"] == [], g["warnings"]


# ------------------------------------------------------------------------------ 5. crop-breast
@pytest.mark.parametrize("margin", [None, 0, 5, 100])
def test_crop_breast_box(work, tiffs, margin):
    """The crop box is the documented mask's bounding box plus the margin (default 32), clamped;
    without --size the output is the windowed image cut to that box."""
    path, x = tiffs["breast_90x110"]
    h, w = x.shape
    mask, box, _, t = foreground(x)
    assert t is not None and box is not None
    assert box[3] < w - 8, "oracle: the marker must not be in the largest component"
    # The input tells the rule's details apart: one bin more or less, or 4-connectivity, moves the box.
    assert foreground(x, threshold=t - 1 / 256)[1] != box and foreground(x, threshold=t + 1 / 256)[1] != box
    assert foreground(x, eight=False)[1] != box
    assert x[49, 38] < t and mask[49, 38], "oracle: the hole (centre (49, 38)) must be filled"
    m = 32 if margin is None else margin
    want = [max(0, box[0] - m), max(0, box[1] - m), min(h, box[2] + 1 + m), min(w, box[3] + 1 + m)]
    opts = ["--crop-breast"] + ([] if margin is None else ["--crop-margin", str(margin)])
    r = convert(work, [path], *opts)
    g = r.line(path)["geometry"]
    assert g["crop"] == want, (g["crop"], want, t)
    got = r.array(path)[0]
    assert np.array_equal(got, x[want[0]:want[2], want[1]:want[3]])
    assert g["output"] == [want[2] - want[0], want[3] - want[1]]
    if margin == 5:
        # Crop, then resize: Pillow's resize of the cut region.
        rs = convert(work, [path], *opts, "--size", "40x30", "--fit", "stretch")
        assert rs.line(path)["geometry"]["crop"] == want
        cut = x[want[0]:want[2], want[1]:want[3]]
        diff = record_resize("bicubic", rs.array(path)[0], pil_resize(cut, 40, 30, "bicubic"), "crop-breast+stretch")
        assert diff <= RESIZE_TOL


def test_crop_breast_dicom_with_padding(work):
    """On a fixture with Pixel Padding Value: the padding never enters the mask."""
    x = plain(work, MG12)
    h, w = x.shape
    _, box, _, _ = foreground(x, dicom_padding(MG12))
    r = convert(work, [MG12], "--crop-breast", "--crop-margin", "3")
    want = [max(0, box[0] - 3), max(0, box[1] - 3), min(h, box[2] + 4), min(w, box[3] + 4)]
    assert r.line(MG12)["geometry"]["crop"] == want
    assert np.array_equal(r.array(MG12)[0], x[want[0]:want[2], want[1]:want[3]])


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


# ------------------------------------------------------------------------------ report
def test_zz_report_measured_differences(capsys):
    """Prints the measured worst differences, also under -q (runs last: pytest keeps file order)."""
    lines = [f"resize vs Pillow, {name}: max |diff| {m['max']:.3g} over {m['outputs']} outputs ({m['where']})"
             for name, m in MEASURED.items()]
    lines.append(f"normalization vs numpy: max |diff| {NORM_WORST['max']:.3g} over {NORM_WORST['outputs']} outputs")
    with capsys.disabled():
        print("\n" + "\n".join(lines))
    if any(m["outputs"] for m in MEASURED.values()):
        assert all(m["max"] <= RESIZE_TOL for m in MEASURED.values())


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
