#!/usr/bin/env python3
"""Python peer of `mammo-prep convert --model resnet50d` for bench/adapter.sh and bench/decoders.sh:
the same job written the usual way. A fork multiprocessing.Pool(jobs) maps the files; each worker
reads the stored values with pydicom (pylibjpeg plugins), windows them exactly like
bench/peer_convert.py (float64 numpy, cast to float32), resizes the 0…1 image with Pillow (mode
"F", bicubic), replicates it to 3 channels, applies torchvision-style Normalize with the ImageNet
constants in float64 and saves (3, S, S) float32. Geometry (`--fit`):

    pad   (default; `convert --model resnet50d [--size S]`): aspect kept to fit S×S, rows centred,
          columns against the chest-wall side from Image Laterality (else the heavier half), 0 around.
    crop  (`convert --model resnet50d --fit crop`): timm's eval transform as torchvision does it on a
          PIL image: Resize(⌊S / crop_pct⌋) (shorter side to that, longer side int(that · long /
          short)), then CenterCrop(S) with top = int(round((h' − S) / 2)), left likewise.

    peer_adapt.py --jobs 2 --out DIR [--size 224] [--fit pad|crop] [--crop-pct 0.875] FILE...
"""
from __future__ import annotations

import argparse
import json
import math
import multiprocessing
import os
import sys
import time

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from peer_convert import read_pydicom, window  # noqa: E402

MEAN = np.array([0.485, 0.456, 0.406])[:, None, None]
STD = np.array([0.229, 0.224, 0.225])[:, None, None]
_out = None
_size = 224
_fit = "pad"
_crop_pct = 0.875


def _init(out: str, size: int, fit: str, crop_pct: float) -> None:
    global _out, _size, _fit, _crop_pct
    _out, _size, _fit, _crop_pct = out, size, fit, crop_pct


def _resize(x: np.ndarray, rows: int, cols: int) -> np.ndarray:
    from PIL import Image
    return np.asarray(Image.fromarray(x, mode="F").resize((cols, rows), Image.BICUBIC), dtype=np.float32)


def pad(path: str, x: np.ndarray) -> np.ndarray:
    import pydicom
    h, w = x.shape
    s = min(_size / h, _size / w)
    rh, rw = max(1, round(h * s)), max(1, round(w * s))
    small = _resize(x, rh, rw)
    lat = str(pydicom.dcmread(path, stop_before_pixels=True).get("ImageLaterality", "")).strip().upper()
    right = lat == "R" if lat in ("L", "R") else x[:, w // 2:].sum() > x[:, : w // 2].sum()
    canvas = np.zeros((_size, _size), dtype=np.float32)
    top, left = (_size - rh) // 2, (_size - rw if right else 0)
    canvas[top:top + rh, left:left + rw] = small
    return canvas


def crop(x: np.ndarray) -> np.ndarray:
    h, w = x.shape
    short = math.floor(_size / _crop_pct)
    nh, nw = (int(short * h / w), short) if w <= h else (short, int(short * w / h))
    resized = x if (nh, nw) == (h, w) else _resize(x, nh, nw)
    top, left = int(round((nh - _size) / 2.0)), int(round((nw - _size) / 2.0))
    return resized[top:top + _size, left:left + _size]


def convert_one(path: str) -> str:
    stored, meta = read_pydicom(path)
    x = window(stored, **meta)                                  # float32 (H, W) in [0, 1]
    img = crop(x) if _fit == "crop" else pad(path, x)
    y = ((np.repeat(img[None].astype(np.float64), 3, axis=0) - MEAN) / STD).astype(np.float32)
    name = os.path.splitext(os.path.basename(path))[0]
    np.save(os.path.join(_out, name + ".npy"), y)
    return name


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--jobs", type=int, default=2)
    ap.add_argument("--out", required=True)
    ap.add_argument("--size", type=int, default=224)
    ap.add_argument("--fit", choices=("pad", "crop"), default="pad")
    ap.add_argument("--crop-pct", type=float, default=0.875)
    ap.add_argument("files", nargs="+")
    a = ap.parse_args()
    import pydicom, PIL.Image, pylibjpeg, libjpeg, openjpeg, rle  # noqa: F401,E401  once, before the fork
    os.makedirs(a.out, exist_ok=True)
    t0 = time.perf_counter()
    with multiprocessing.get_context("fork").Pool(a.jobs, initializer=_init,
                                                  initargs=(a.out, a.size, a.fit, a.crop_pct)) as pool:
        done = list(pool.imap_unordered(convert_one, a.files, chunksize=1))
    print(json.dumps({"files": len(done), "seconds_in_script": time.perf_counter() - t0}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
