#!/usr/bin/env python3
"""Python peer of `mammo-prep convert --clahe CLIP:ROWSxCOLS` for bench/clahe.sh: the job as it is
usually written. A fork multiprocessing.Pool(jobs) maps the files; each worker reads the stored
values with pydicom, windows them exactly like bench/peer_convert.py (float64 numpy, cast to
float32), quantizes to uint16 (np.rint(v · 65535)), applies OpenCV's CLAHE
(`cv2.createCLAHE(clipLimit, tileGridSize=(COLS, ROWS))`, one thread per process) and saves
q / 65535 as a (1, H, W) float32 .npy.

    peer_clahe.py --jobs 2 --out DIR [--clip 2] [--grid 8x8] FILE...
"""
from __future__ import annotations

import argparse
import multiprocessing
import os
import sys

import cv2
import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from peer_convert import read_pydicom, window  # noqa: E402

_out = None
_clahe = None


def _init(out: str, clip: float, rows: int, columns: int) -> None:
    global _out, _clahe
    cv2.setNumThreads(1)
    _out = out
    _clahe = cv2.createCLAHE(clipLimit=clip, tileGridSize=(columns, rows))


def one(path: str) -> str:
    stored, meta = read_pydicom(path)
    v = window(stored, **meta)
    q = np.clip(np.rint(v.astype(np.float64) * 65535), 0, 65535).astype(np.uint16)
    out = (_clahe.apply(q).astype(np.float32) / np.float32(65535))[None]
    name = os.path.join(_out, os.path.splitext(os.path.basename(path))[0] + ".npy")
    np.save(name, out)
    return name


def main() -> None:
    p = argparse.ArgumentParser()
    p.add_argument("--jobs", type=int, default=2)
    p.add_argument("--out", required=True)
    p.add_argument("--clip", type=float, default=2.0)
    p.add_argument("--grid", default="8x8")
    p.add_argument("files", nargs="+")
    a = p.parse_args()
    rows, columns = (int(x) for x in a.grid.split("x"))
    os.makedirs(a.out, exist_ok=True)
    ctx = multiprocessing.get_context("fork")
    with ctx.Pool(a.jobs, initializer=_init, initargs=(a.out, a.clip, rows, columns)) as pool:
        for _ in pool.imap_unordered(one, a.files):
            pass


if __name__ == "__main__":
    main()
