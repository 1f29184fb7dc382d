"""The Adapt stage (docs/design.md §2, §4; docs/adapter.md) against independent oracles: numpy for
normalization, Pillow 12 (`Image.resize` on mode "F" images, which torchvision and timm use) for
resampling, Pillow + numpy re-implementations of torchvision's `Resize(int)` + `CenterCrop` and
timm's `ResizeKeepRatio` for `--fit crop`, and a numpy implementation of the documented
foreground mask (docs/stats.md: Otsu on 256 bins, largest 8-connected component, holes filled)
for `--crop-breast` and the chest-wall side.

Inputs are mostly 16-bit MinIsBlack TIFFs written here with tifffile: mammo-prep windows them as
v / 65535, so the oracle knows the 0…1 image exactly (checked in `test_tiff_window_is_exact`).
Fixture DICOMs enter through their plain windowed output (`convert` without adapter options).

Tolerances: normalization 1e-6 (the contract: float32((double(x) − m) / s)); resampling 1e-3
against Pillow (the contract; the measured worst per filter is printed at the end: ~3e-7).

This module holds the inputs, runners, oracles and fixtures shared by test_adapter_geometry.py,
test_adapter_normalize.py, test_adapter_outputs.py and test_adapter_resize.py (which prints the
measured differences of them all at the end); the foreground mask itself is foreground_oracle.py,
shared with the stats oracle.
"""
import itertools
import json
import math

import numpy as np
import pytest
from PIL import Image

from conftest import FIXTURES, run, tiff_windowed, write_tiff
from foreground_oracle import foreground_rule, padding_masks

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



def foreground(x, padding=None, threshold=None, eight=True, fill=True):
    """The documented foreground mask of a windowed frame: (mask, box, centroid, threshold).
    `threshold`, `eight` and `fill` replace the rule's own (to show what a test can tell apart)."""
    mask, t = foreground_rule(x, padding, threshold, eight, fill)
    if not mask.any():
        return mask, None, None, t
    rr, cc = np.nonzero(mask)
    box = (int(rr.min()), int(cc.min()), int(rr.max()), int(cc.max()))
    return mask, box, (float(rr.mean()), float(cc.mean())), t


def wall_side(centroid, columns):
    return "left" if centroid[1] < (columns - 1) / 2 else "right"



def dicom_padding(path):
    """Pixel Padding of the single-frame DICOM `path` (foreground_oracle.padding_masks), or None."""
    masks = padding_masks(path)
    return None if masks is None else masks[0]


# ------------------------------------------------------------------------------------ fixtures
@pytest.fixture(scope="module")
def tiffs(work):
    """name → (path, 0…1 float32 image)."""
    made = {}

    def add(name, data):
        made[name] = (write_tiff(work / "in" / f"{name}.tif", data), tiff_windowed(data))

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

