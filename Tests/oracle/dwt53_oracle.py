"""An independent implementation of the reversible 5/3 wavelet transform of ITU-T T.800 Annex F,
written from the procedure descriptions of the standard (not from mammo-prep's or any codec's
sources), for the `--reduce N` oracle (docs/cli.md): reduction level N of an image is the LL band
of N levels of the forward transform of its stored values, clamped to the stored-value range.

The standard's procedures, by name (clause numbers as the lead's contract cites them; the names
are what is unambiguous across editions of T.800):

  FDWT       N_L levels of 2D_SD, each on the LL band of the previous level.
  2D_SD      (F.4.2) VER_SD — 1D_SD on every column — then HOR_SD — 1D_SD on every row —, then
             2D_DEINTERLEAVE, which puts the samples at (even row, even column) in LL, (even,
             odd) in HL, (odd, even) in LH, (odd, odd) in HH. Parity is that of the absolute
             coordinate; with the image (and tile) origin at 0, LL is a[0::2, 0::2] and a
             length-n side of LL has ceil(n/2) samples.
  1D_SD      a signal X(i), i0 <= i < i1: if i0 = i1 - 1 (one sample), Y(i0) = X(i0) when i0 is
             even (2·X(i0) when odd — never the case here, origin 0); otherwise 1D_EXTD then
             1D_FILTD.
  1D_EXTD    (F.4.7, F.3.7) periodic symmetric extension: X(i) = X(PSE(i, i0, i1)) with
             PSE(i, i0, i1) = i0 + min(mod(i - i0, 2(i1 - i0 - 1)), 2(i1 - i0 - 1) - mod(i - i0, 2(i1 - i0 - 1)))
             (whole-sample mirror about the first and last sample, no repetition of them).
  1D_FILTD5-3R  (F.4.8.2) the lifting steps, with floor rounding:
             Y(2n+1) = X(2n+1) - floor((X(2n) + X(2n+2)) / 2)          i0 - 1 <= 2n+1 < i1 + 1
             Y(2n)   = X(2n)   + floor((Y(2n-1) + Y(2n+1) + 2) / 4)    i0     <= 2n   < i1
  The inverse (2D_SR: 2D_INTERLEAVE, HOR_SR, VER_SR; 1D_SR = 1D_EXTR + 1D_FILTR5-3R, F.3.8.2)
  undoes the steps in reverse order:
             X(2n)   = Y(2n)   - floor((Y(2n-1) + Y(2n+1) + 2) / 4)
             X(2n+1) = Y(2n+1) + floor((X(2n) + X(2n+2)) / 2)
  It is here only for the self-tests (perfect reconstruction, test_dwt53_oracle.py).

Everything is int64 numpy, vectorised over all signals of an axis at once. numpy's `//` on
integers is floor division (rounds toward minus infinity), as the standard's floor requires.

Entry points:
  forward_1d(x, axis)            1D_SD on every 1-D signal along `axis` (interleaved output)
  inverse_1d(y, axis)            1D_SR, its inverse
  forward_2d(a) / inverse_2d(c)  one level of 2D_SD / 2D_SR on the interleaved array
  forward(a, levels)             Mallat layout: every level in place on the previous LL samples
  inverse(c, levels)             its inverse
  ll_band(a, levels)             the LL band after `levels` levels, shape ceil(H/2^N) x ceil(W/2^N)
  reduce_stored(values, n, bits_stored, signed)
                                 ll_band clamped to the stored range; values (H, W) or (F, H, W)
  reduced_shape(rows, columns, n)
"""
from __future__ import annotations

import numpy as np


def pse(i, i0: int, i1: int):
    """Periodic symmetric extension of index i into [i0, i1) (1D_EXTD / 1D_EXTR); i1 - i0 >= 2."""
    period = 2 * (i1 - i0 - 1)
    m = np.mod(np.asarray(i) - i0, period)
    return i0 + np.minimum(m, period - m)


def _extended(x: np.ndarray, margin: int):
    """x (..., n) extended by `margin` samples on each side: (..., n + 2·margin) and the offset."""
    n = x.shape[-1]
    idx = pse(np.arange(-margin, n + margin), 0, n)
    return x[..., idx], margin


def _forward_last(x: np.ndarray) -> np.ndarray:
    """1D_SD along the last axis (origin i0 = 0, i1 = n)."""
    n = x.shape[-1]
    if n == 1:                      # i0 = i1 - 1 and i0 = 0 even: Y(i0) = X(i0)
        return x.copy()
    # The equations reach X(i0 - 2) .. X(i1 + 1) at most (Y(i0 - 1) needs X(i0 - 2); Y(i1) needs
    # X(i1 + 1)); extend by 2 on each side.
    ext, o = _extended(x, 2)
    y = np.zeros_like(ext)
    # odd positions 2n+1 with i0 - 1 <= 2n+1 < i1 + 1, i.e. absolute -1, 1, 3, ... <= n
    odd = np.arange(-1, n + 1, 2)
    y[..., odd + o] = ext[..., odd + o] - (ext[..., odd - 1 + o] + ext[..., odd + 1 + o]) // 2
    # even positions 2n with i0 <= 2n < i1
    even = np.arange(0, n, 2)
    y[..., even + o] = ext[..., even + o] + (y[..., even - 1 + o] + y[..., even + 1 + o] + 2) // 4
    return y[..., o:o + n]


def _inverse_last(y: np.ndarray) -> np.ndarray:
    """1D_SR along the last axis (origin 0)."""
    n = y.shape[-1]
    if n == 1:                      # i0 = i1 - 1, i0 even: X(i0) = Y(i0)
        return y.copy()
    ext, o = _extended(y, 3)        # X(i1 + 1) needs Y(i1 + 2); X(i0 - 1) needs Y(i0 - 2)
    x = np.zeros_like(ext)
    # even positions i0 - 1 <= 2n < i1 + 1 (covers -1's neighbours: absolute 0, 2, ... <= n + 1)
    even = np.arange(-2, n + 2, 2)
    x[..., even + o] = ext[..., even + o] - (ext[..., even - 1 + o] + ext[..., even + 1 + o] + 2) // 4
    odd = np.arange(1, n, 2)
    x[..., odd + o] = ext[..., odd + o] + (x[..., odd - 1 + o] + x[..., odd + 1 + o]) // 2
    return x[..., o:o + n]


def _along(fn, a: np.ndarray, axis: int) -> np.ndarray:
    a = np.asarray(a, dtype=np.int64)
    return np.moveaxis(fn(np.moveaxis(a, axis, -1)), -1, axis)


def forward_1d(x, axis: int = -1) -> np.ndarray:
    """1D_SD on every 1-D signal of `x` along `axis`; output interleaved (low at even indices)."""
    return _along(_forward_last, x, axis)


def inverse_1d(y, axis: int = -1) -> np.ndarray:
    """1D_SR on every 1-D signal along `axis` (the exact inverse of forward_1d)."""
    return _along(_inverse_last, y, axis)


def forward_2d(a, order: str = "ver-hor") -> np.ndarray:
    """One level of 2D_SD on a (H, W) array: VER_SD (columns, axis 0) then HOR_SD (rows, axis 1),
    interleaved (LL = result[0::2, 0::2]). `order="hor-ver"` exists only so that the self-tests
    can show the order is observable; the standard's is "ver-hor"."""
    a = np.asarray(a, dtype=np.int64)
    assert a.ndim == 2
    if order == "ver-hor":
        return forward_1d(forward_1d(a, axis=0), axis=1)
    if order == "hor-ver":
        return forward_1d(forward_1d(a, axis=1), axis=0)
    raise ValueError(order)


def inverse_2d(c) -> np.ndarray:
    """One level of 2D_SR: HOR_SR (rows) then VER_SR (columns), the reverse of forward_2d."""
    c = np.asarray(c, dtype=np.int64)
    return inverse_1d(inverse_1d(c, axis=1), axis=0)


def forward(a, levels: int) -> np.ndarray:
    """FDWT with `levels` levels, in place on the interleaved array: level k transforms the
    samples at multiples of 2^(k-1) in both directions (the LL band of level k - 1)."""
    c = np.array(a, dtype=np.int64)
    assert c.ndim == 2
    step = 1
    for _ in range(levels):
        c[::step, ::step] = forward_2d(c[::step, ::step])
        step *= 2
    return c


def inverse(c, levels: int) -> np.ndarray:
    """IDWT of `forward(a, levels)`: the levels undone from the coarsest."""
    a = np.array(c, dtype=np.int64)
    for k in reversed(range(levels)):
        step = 1 << k
        a[::step, ::step] = inverse_2d(a[::step, ::step])
    return a


def ll_band(a, levels: int) -> np.ndarray:
    """The LL band after `levels` levels of 2D_SD (no clamping)."""
    ll = np.asarray(a, dtype=np.int64)
    assert ll.ndim == 2
    for _ in range(levels):
        ll = forward_2d(ll)[0::2, 0::2]
    return np.ascontiguousarray(ll)


def reduced_shape(rows: int, columns: int, n: int) -> tuple:
    """ceil(rows / 2^n), ceil(columns / 2^n): the size of the LL band of n levels."""
    d = 1 << n
    return -(-rows // d), -(-columns // d)


def stored_range(bits_stored: int, signed: bool) -> tuple:
    if signed:
        return -(1 << (bits_stored - 1)), (1 << (bits_stored - 1)) - 1
    return 0, (1 << bits_stored) - 1


def reduce_stored(values, n: int, bits_stored: int, signed: bool) -> np.ndarray:
    """Reduction level n of stored values ((H, W) or (frames, H, W)): the LL band of n levels,
    clamped to [0, 2^BS - 1] (unsigned) or [-2^(BS-1), 2^(BS-1) - 1] (signed). int64."""
    v = np.asarray(values, dtype=np.int64)
    low, high = stored_range(bits_stored, signed)
    assert v.min(initial=low) >= low and v.max(initial=high) <= high, "values outside the stored range"
    if v.ndim == 3:
        return np.stack([reduce_stored(f, n, bits_stored, signed) for f in v])
    return np.clip(ll_band(v, n), low, high)
