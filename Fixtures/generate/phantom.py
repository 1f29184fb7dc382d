#!/usr/bin/env python3
"""Deterministic synthetic mammogram phantom (numpy only).

    from phantom import mammogram
    img = mammogram(160, 128, 12, seed=1)            # uint16, values 0..4095

CLI (writes a DICOM Digital Mammography X-Ray image, e.g. for benchmarks):

    python3 Fixtures/generate/phantom.py --rows 4096 --cols 3328 --bits 12 \
        --out big.dcm [--transfer-syntax UID] [--photometric MONOCHROME1]

The image is *synthetic*: flat dark background, a half-ellipse breast anchored
to the chest wall (left image edge for laterality "L", right edge for "R") with
a soft skin edge, smooth low-frequency fibroglandular texture (cubic B-spline
value noise, resolution independent), an optional pectoral muscle (view "MLO"),
a small cluster of bright calcification-like specks and mild signal-dependent
pixel noise inside the breast (so lossless codecs see realistic entropy).  The background is
code 0 and the brightest speck is exactly the maximum code (2**bits - 1), so
the full code range is exercised.  With signed=True the same codes are shifted
by -2**(bits-1) (background = most negative value).
"""
from __future__ import annotations

import argparse
import os
import sys

import numpy as np

__all__ = ["mammogram"]


def _bspline_matrix(n: int, cells: int) -> np.ndarray:
    """(n, cells+3) matrix evaluating a uniform cubic B-spline at n samples."""
    pos = (np.arange(n, dtype=np.float64) + 0.5) * (cells / n)
    k = np.floor(pos).astype(np.int64)
    t = pos - k
    w = np.stack([
        (1 - t) ** 3 / 6.0,
        (3 * t ** 3 - 6 * t ** 2 + 4) / 6.0,
        (-3 * t ** 3 + 3 * t ** 2 + 3 * t + 1) / 6.0,
        t ** 3 / 6.0,
    ], axis=1)
    m = np.zeros((n, cells + 3), dtype=np.float64)
    rows = np.arange(n)
    for j in range(4):
        m[rows, k + j] = w[:, j]
    return m


def _value_noise(rng, rows, cols, cells_y, cells_x):
    """Smooth noise: random control grid interpolated by cubic B-splines."""
    cells_y = max(1, int(cells_y))
    cells_x = max(1, int(cells_x))
    grid = rng.standard_normal((cells_y + 3, cells_x + 3))
    my = _bspline_matrix(rows, cells_y)
    mx = _bspline_matrix(cols, cells_x)
    return (my @ grid) @ mx.T


def _fractal(rng, rows, cols, base_cells, octaves, aspect):
    out = np.zeros((rows, cols), dtype=np.float64)
    amp, total = 1.0, 0.0
    cells = float(base_cells)
    for _ in range(octaves):
        out += amp * _value_noise(rng, rows, cols, cells, cells * aspect)
        total += amp
        amp *= 0.55
        cells *= 2.0
    return out / total


def _smoothstep(e0, e1, x):
    t = np.clip((x - e0) / (e1 - e0), 0.0, 1.0)
    return t * t * (3 - 2 * t)


def mammogram(rows: int, cols: int, bits: int, seed: int, signed: bool = False,
              laterality: str = "L", view: str = "CC", noise: float = 0.002) -> np.ndarray:
    """Return a deterministic mammogram-like integer image.

    rows, cols : image size
    bits       : number of significant bits (Bits Stored), 2..16
    seed       : RNG seed (numpy PCG64); same arguments -> same image
    signed     : False -> codes 0..2**bits-1 (uint8 for bits<=8 else uint16);
                 True  -> codes -2**(bits-1)..2**(bits-1)-1 (int8 / int16)
    laterality : "L" breast on the left (chest wall = left edge), "R" mirrored
    view       : "CC" or "MLO" (MLO adds a pectoral muscle near the top)
    noise      : relative strength of the signal-dependent pixel noise added
                 inside the breast (0 disables it; the background stays flat)
    """
    if not 2 <= bits <= 16:
        raise ValueError("bits must be in 2..16")
    laterality = laterality.upper()
    if laterality not in ("L", "R"):
        raise ValueError("laterality must be 'L' or 'R'")
    view = view.upper()
    rng = np.random.default_rng(seed)
    aspect = cols / rows

    yn = ((np.arange(rows, dtype=np.float64) + 0.5) / rows)[:, None]
    xn = ((np.arange(cols, dtype=np.float64) + 0.5) / cols)[None, :]

    # --- breast outline: half ellipse on the chest wall (x = 0), wobbly edge
    yc = 0.5 + rng.uniform(-0.03, 0.03)
    ay = 0.43 + rng.uniform(-0.02, 0.02)
    ax = 0.80 + rng.uniform(-0.04, 0.04)
    if view == "MLO":
        yc -= 0.04
        ay += 0.04
    wobble = _value_noise(rng, rows, cols, 3, 3 * aspect)
    r = np.sqrt(((yn - yc) / ay) ** 2 + (xn / ax) ** 2) * (1.0 + 0.025 * wobble)
    inside = _smoothstep(1.0, 0.975, r)             # soft skin edge
    thickness = np.sqrt(np.clip(1.0 - r * r, 0.0, 1.0))
    thickness = np.minimum(thickness / 0.55, 1.0)   # compressed: flat centre

    # --- fibroglandular tissue: smooth blob near the chest wall + texture
    gy = yc + rng.uniform(-0.05, 0.05)
    gx = 0.28 * ax
    gland = np.exp(-(((yn - gy) / (0.55 * ay)) ** 2 + ((xn - gx) / (0.42 * ax)) ** 2))
    tex = _fractal(rng, rows, cols, 4, 4, aspect)
    fine = _fractal(rng, rows, cols, 24, 2, aspect)
    # fine anisotropic streaks (ligament-like), stretched along the x axis
    streak = _fractal(rng, rows, cols, 40, 2, aspect * 0.25)
    density = np.clip(gland * (0.5 + 1.2 * tex) + 0.18 * tex, 0.0, None)

    val = (0.20 + 0.30 * thickness + 0.36 * np.clip(density, 0.0, 1.0)
           + 0.035 * fine + 0.03 * streak * (0.3 + gland))
    # bright-ish skin line
    val += 0.06 * np.exp(-((1.0 - r) / 0.012) ** 2) * (r < 1.0)

    if view == "MLO":  # pectoral muscle: dense triangle at the upper chest wall
        pect = _smoothstep(1.0, 0.96, xn / 0.38 + yn / 0.50)
        muscle = 0.66 + 0.10 * (1.0 - xn / 0.38) + 0.05 * tex + 0.02 * fine
        val = val * (1.0 - pect) + np.maximum(val, muscle) * pect

    val *= inside

    # --- calcification-like specks (cluster inside the gland)
    n_specks = int(rng.integers(5, 9))
    sig = max(0.6, 0.0012 * min(rows, cols))
    cy = gy * rows + rng.uniform(-0.08, 0.08) * rows
    cx = (gx + 0.15) * cols
    yy = np.arange(rows, dtype=np.float64)[:, None]
    xx = np.arange(cols, dtype=np.float64)[None, :]
    half = int(np.ceil(4 * sig)) + 1
    peak_pos = None
    for i in range(n_specks):
        py = cy + rng.normal(0, 0.035 * rows)
        px = cx + rng.normal(0, 0.035 * cols)
        amp = rng.uniform(0.25, 0.45)
        y0, y1 = max(0, int(py) - half), min(rows, int(py) + half + 1)
        x0, x1 = max(0, int(px) - half), min(cols, int(px) + half + 1)
        if y0 >= y1 or x0 >= x1:
            continue
        blob = amp * np.exp(-((yy[y0:y1] - py) ** 2 + (xx[:, x0:x1] - px) ** 2) / (2 * sig * sig))
        val[y0:y1, x0:x1] += blob
        if i == 0:
            peak_pos = (min(max(int(round(py)), 0), rows - 1), min(max(int(round(px)), 0), cols - 1))

    # detector / quantum noise inside the breast only (background stays flat)
    if noise > 0:
        val += (noise * np.sqrt(np.clip(val, 0.0, None))
                * rng.standard_normal((rows, cols)) * (inside > 0.5))

    maxcode = (1 << bits) - 1
    codes = np.clip(np.rint(val * maxcode), 0, maxcode)
    if peak_pos is not None:            # exactly one pixel at the top code
        codes[peak_pos] = maxcode
    codes[0, -1] = 0                     # guarantee a background pixel at 0
    if laterality == "R":
        codes = codes[:, ::-1]
    codes = np.ascontiguousarray(codes)
    if signed:
        dtype = np.int8 if bits <= 8 else np.int16
        return (codes - (1 << (bits - 1))).astype(dtype)
    dtype = np.uint8 if bits <= 8 else np.uint16
    return codes.astype(dtype)


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--rows", type=int, default=4096)
    p.add_argument("--cols", type=int, default=3328)
    p.add_argument("--bits", type=int, default=12, help="Bits Stored (2..16)")
    p.add_argument("--seed", type=int, default=1)
    p.add_argument("--signed", action="store_true", help="Pixel Representation 1")
    p.add_argument("--laterality", default="L", choices=["L", "R"])
    p.add_argument("--view", default="CC", choices=["CC", "MLO"])
    p.add_argument("--photometric", default="MONOCHROME2",
                   choices=["MONOCHROME1", "MONOCHROME2"])
    p.add_argument("--transfer-syntax", default="1.2.840.10008.1.2.1",
                   help="transfer syntax UID (default Explicit VR Little Endian)")
    p.add_argument("--processing", action="store_true",
                   help="use the For Processing SOP class instead of For Presentation")
    p.add_argument("--out", required=True)
    a = p.parse_args(argv)

    sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
    import dicomio  # noqa: E402  (same directory)

    img = mammogram(a.rows, a.cols, a.bits, a.seed, signed=a.signed,
                    laterality=a.laterality, view=a.view)
    if a.photometric == "MONOCHROME1":
        img = dicomio.invert_codes(img, a.bits, a.signed)
    ds = dicomio.mg_dataset(img, bits_stored=a.bits, signed=a.signed,
                            photometric=a.photometric, laterality=a.laterality,
                            view=a.view, instance=9000 + a.seed,
                            for_processing=a.processing)
    try:
        dicomio.write_with_syntax(ds, a.out, a.transfer_syntax)
    except (ValueError, RuntimeError) as exc:
        print("phantom.py: %s" % exc, file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
