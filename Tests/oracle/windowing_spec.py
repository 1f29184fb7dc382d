"""An independent implementation of the grey-level specification (docs/windowing.md, the
"Spec" lines; docs/pipeline.md §2), written from the text and not from mammo-prep's sources.

Stored values come from pydicom 3 (`ds.pixel_array`, which masks unused bits and sign-extends);
everything after that is plain numpy in int64/float64. pydicom's apply_modality_lut / apply_voi_lut /
apply_windowing are deliberately not used (docs/windowing.md §2, §4 list the 3.0.2 bugs: 8-bit VOI LUTs
with more than 256 entries wrap, LUT bits other than 8/16 raise, `arr - first` overflows in int16,
8-bit entries packed in OW are unpacked as 16-bit). pydicom does not hoist functional groups either
(docs/windowing.md §8), so the per-frame > shared > top-level resolution is done here.

The implementation is split by topic: windowing_spec_model.py (options, decision, failures),
windowing_spec_lut.py (element access, LUTs, functional groups), windowing_spec_voi.py (the
per-frame DICOM pipeline); this module holds the entry points and re-exports every name, so
`import windowing_spec` is all a test needs.

Entry points:
    Options(...)                          the `convert` windowing options
    dicom_frames(path, options, stored)   -> [FrameResult]   (raises Unavailable)
    tiff_frames(path, options)            -> [FrameResult]   (raises OutOfRange)
    expected(path, options, stored=None)  -> [FrameResult]   dispatch on content
A FrameResult holds the frame index, the float64 (H, W) values in [0, 1] and a Decision (what the
spec chose: VOI source, index, center, width, function, LUT descriptor, no-VOI rule and range,
inversion).
"""
from __future__ import annotations

import functools
from pathlib import Path
from typing import Optional

import numpy as np
import pydicom

from windowing_spec_lut import (FRAME_VOI_LUT, LUT_DATA, LUT_DESCRIPTOR, MODALITY_LUT_SEQUENCE,  # noqa: F401
                                PER_FRAME_FG, PIXEL_VALUE_TRANSFORMATION, PRESENTATION_LUT_SHAPE,
                                RESCALE_INTERCEPT, RESCALE_SLOPE, SHARED_FG, VOI_LUT_FUNCTION,
                                VOI_LUT_SEQUENCE, WINDOW_CENTER, WINDOW_WIDTH, Lut, macro_source, parse_lut)
from windowing_spec_model import (FUNCTIONS, OPTION_FUNCTION, Decision, FrameResult, Options,  # noqa: F401
                                  OutOfRange, Unavailable)
from windowing_spec_voi import (apply_window, function_value, modality_stage, no_voi, polarity,  # noqa: F401
                                stored_range, width_valid, window_one_frame)


@functools.lru_cache(maxsize=64)
def _read_dicom_cached(path: str, mtime_ns: int):
    ds = pydicom.dcmread(path)
    frames = int(ds.get("NumberOfFrames", 1) or 1)
    stored = ds.pixel_array.reshape(frames, int(ds.Rows), int(ds.Columns)).astype(np.int64)
    stored.setflags(write=False)
    return ds, stored


def read_dicom(path):
    """(data set, stored values (frames, H, W) int64). Cached; callers must not modify either."""
    path = Path(path).resolve()
    return _read_dicom_cached(str(path), path.stat().st_mtime_ns)


def dicom_frames(path, options: Options = Options(), stored: Optional[np.ndarray] = None) -> list:
    """Every output frame of a DICOM file (only `options.frame` when set). `stored` overrides the
    pydicom-decoded stored values (frames, H, W) — used where two correct decoders may differ."""
    ds, decoded = read_dicom(path)
    if stored is None:
        stored = decoded
    stored = np.asarray(stored, dtype=np.int64).reshape(decoded.shape)
    frames = range(stored.shape[0]) if options.frame is None else [options.frame]
    return [window_one_frame(stored[k], ds, k, options) for k in frames]


# ------------------------------------------------------------------------------------------- TIFF
def tiff_frames(path, options: Options = Options()) -> list:
    """TIFF pages: unsigned integers / (2^BitsPerSample - 1), float passed through (outside 0..1 or
    NaN refused unless --clip, which clamps; NaN always refused), MinIsWhite inverted unless
    --invert never (pipeline.md §1 TIFF, §2)."""
    import tifffile

    results = []
    with tifffile.TiffFile(str(path)) as tif:
        pages = list(tif.pages)
        indices = range(len(pages)) if options.frame is None else [options.frame]
        for k in indices:
            page = pages[k]
            arr = page.asarray()
            white = int(page.photometric) == 0  # MINISWHITE
            decision = Decision(voi_source="tiff")
            if arr.dtype.kind == "f":
                v = arr.astype(np.float64)
                if np.isnan(v).any():
                    raise OutOfRange("NaN sample")
                if (v < 0).any() or (v > 1).any():
                    if not options.clip:
                        raise OutOfRange("float sample outside 0…1")
                    v = np.clip(v, 0.0, 1.0)
                decision.range = (0.0, 1.0)
            else:
                bits = int(page.bitspersample)
                top = float((1 << bits) - 1)
                v = arr.astype(np.float64) / top
                decision.range = (0.0, top)
            decision.inverted = white and options.invert != "never"
            if decision.inverted:
                v = 1.0 - v
            results.append(FrameResult(frame=k, values=v, decision=decision))
    return results


def is_tiff(path) -> bool:
    head = Path(path).read_bytes()[:4]
    return head in (b"II*\0", b"MM\0*", b"II+\0", b"MM\0+")


def expected(path, options: Options = Options(), stored: Optional[np.ndarray] = None) -> list:
    if is_tiff(path):
        return tiff_frames(path, options)
    return dicom_frames(path, options, stored)
