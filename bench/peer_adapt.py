#!/usr/bin/env python3
"""Python peer of `mammo-prep convert --model resnet50d` for bench/adapter.sh: the same job written
the usual way. A fork multiprocessing.Pool(jobs) maps the files; each worker reads the stored
values with pydicom, windows them exactly like bench/peer_convert.py (float64 numpy), resizes the
0…1 image with Pillow (mode "F", bicubic, aspect kept to fit 224x224, placed at the chest-wall
side found from Image Laterality, else the heavier half), replicates it to 3 channels, applies
torchvision-style Normalize with the ImageNet constants in float64 and saves (3, 224, 224) float32.

    peer_adapt.py --jobs 2 --out DIR [--size 224] FILE...
"""
from __future__ import annotations

import argparse
import json
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


def _init(out: str, size: int) -> None:
    global _out, _size
    _out, _size = out, size


def convert_one(path: str) -> str:
    from PIL import Image
    import pydicom
    stored, meta = read_pydicom(path)
    x = window(stored, **meta)                                  # float32 (H, W) in [0, 1]
    h, w = x.shape
    s = min(_size / h, _size / w)
    rh, rw = max(1, round(h * s)), max(1, round(w * s))
    small = np.asarray(Image.fromarray(x, mode="F").resize((rw, rh), Image.BICUBIC), dtype=np.float32)
    lat = str(pydicom.dcmread(path, stop_before_pixels=True).get("ImageLaterality", "")).strip().upper()
    right = lat == "R" if lat in ("L", "R") else x[:, w // 2:].sum() > x[:, : w // 2].sum()
    canvas = np.zeros((_size, _size), dtype=np.float32)
    top, left = (_size - rh) // 2, (_size - rw if right else 0)
    canvas[top:top + rh, left:left + rw] = small
    y = ((np.repeat(canvas[None].astype(np.float64), 3, axis=0) - MEAN) / STD).astype(np.float32)
    name = os.path.splitext(os.path.basename(path))[0]
    np.save(os.path.join(_out, name + ".npy"), y)
    return name


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--jobs", type=int, default=2)
    ap.add_argument("--out", required=True)
    ap.add_argument("--size", type=int, default=224)
    ap.add_argument("files", nargs="+")
    a = ap.parse_args()
    import pydicom, PIL  # noqa: F401  imported once before the fork, as a real script would
    os.makedirs(a.out, exist_ok=True)
    t0 = time.perf_counter()
    with multiprocessing.get_context("fork").Pool(a.jobs, initializer=_init, initargs=(a.out, a.size)) as pool:
        done = list(pool.imap_unordered(convert_one, a.files, chunksize=1))
    print(json.dumps({"files": len(done), "seconds_in_script": time.perf_counter() - t0}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
