"""windowing_spec, part 3: the DICOM grey-level pipeline for one frame (modality stage, VOI
window / LUT / no-VOI rule, polarity). Import from `windowing_spec` (which re-exports every name here)."""
from __future__ import annotations

import math

import numpy as np

from windowing_spec_lut import (FRAME_VOI_LUT, MODALITY_LUT_SEQUENCE, PIXEL_VALUE_TRANSFORMATION,
                                PRESENTATION_LUT_SHAPE, RESCALE_INTERCEPT, RESCALE_SLOPE, VOI_LUT_FUNCTION,
                                VOI_LUT_SEQUENCE, WINDOW_CENTER, WINDOW_WIDTH, _first_float,
                                _is_little_endian, _multi, _seq_item, macro_source, parse_lut)
from windowing_spec_model import FUNCTIONS, OPTION_FUNCTION, Decision, FrameResult, Options, Unavailable


# ------------------------------------------------------------------------------ the DICOM pipeline
def stored_range(bits_stored: int, signed: bool) -> tuple:
    if signed:
        return -(1 << (bits_stored - 1)), (1 << (bits_stored - 1)) - 1
    return 0, (1 << bits_stored) - 1


def modality_stage(stored: np.ndarray, ds, frame: int, decision: Decision):
    """stored (int64) -> (modality output float64, ymin, ymax)."""
    signed = int(ds.PixelRepresentation) == 1
    low, high = stored_range(int(ds.BitsStored), signed)
    src = macro_source(ds, frame, PIXEL_VALUE_TRANSFORMATION)
    mlut_item = _seq_item(src, MODALITY_LUT_SEQUENCE)  # a functional-group macro replaces the top level
    lut = parse_lut(mlut_item, first_signed=signed, little_endian=_is_little_endian(ds))
    if lut is not None:
        decision.modality = "lut"
        return lut.lookup(stored).astype(np.float64), 0.0, float((1 << lut.bits) - 1)
    slope = _first_float(src, RESCALE_SLOPE)
    intercept = _first_float(src, RESCALE_INTERCEPT)
    if slope is None and intercept is None:
        slope, intercept = 1.0, 0.0
        decision.modality = "identity"
    else:
        decision.modality = "rescale"
        slope = 1.0 if slope is None else slope
        intercept = 0.0 if intercept is None else intercept
        if slope == 0.0 or not math.isfinite(slope) or not math.isfinite(intercept):
            slope, intercept = 1.0, 0.0   # ignored: identity (pipeline.md §2, as DCMTK)
            decision.notes.append("rescale ignored")
    x = stored.astype(np.float64) * slope + intercept
    return x, low * slope + intercept, high * slope + intercept


def function_value(raw) -> str:
    """(0028,1056): case-insensitive after trimming; unknown or absent -> LINEAR."""
    if raw is None:
        return "LINEAR"
    text = str(raw).strip().upper()
    return text if text in FUNCTIONS else "LINEAR"


def width_valid(function: str, width: float) -> bool:
    if not math.isfinite(width):
        return False
    return width >= 1 if function == "LINEAR" else width > 0


def apply_window(x: np.ndarray, center: float, width: float, function: str) -> np.ndarray:
    """The 0..1 form of C.11.2.1.2.1 / C.11.2.1.3.2 / C.11.2.1.3.1 (docs/windowing.md §3), float64."""
    x = np.asarray(x, dtype=np.float64)
    c, w = float(center), float(width)
    if function == "LINEAR":
        below = x <= c - 0.5 - (w - 1) / 2
        above = x > c - 0.5 + (w - 1) / 2
        with np.errstate(divide="ignore", invalid="ignore"):
            mid = (x - (c - 0.5)) / (w - 1) + 0.5
        return np.where(below, 0.0, np.where(above, 1.0, mid))
    if function == "LINEAR_EXACT":
        below = x <= c - w / 2
        above = x > c + w / 2
        mid = (x - c) / w + 0.5
        return np.where(below, 0.0, np.where(above, 1.0, mid))
    if function == "SIGMOID":
        with np.errstate(over="ignore"):
            return 1.0 / (1.0 + np.exp(-4.0 * (x - c) / w))
    raise ValueError(function)


def no_voi(x: np.ndarray, ymin: float, ymax: float, rule: str, decision: Decision) -> np.ndarray:
    decision.voi_source = "none"
    decision.no_voi_rule = rule
    if rule == "minmax":
        low, high = float(x.min()), float(x.max())
    else:
        low, high = float(ymin), float(ymax)
    decision.range = (low, high)
    if high == low:
        return np.zeros_like(x, dtype=np.float64)
    return (x - low) / (high - low)


def polarity(ds, invert: str) -> bool:
    photometric = str(ds.get("PhotometricInterpretation", "")).strip().upper()
    shape = None
    if PRESENTATION_LUT_SHAPE in ds:
        value = ds[PRESENTATION_LUT_SHAPE].value
        shape = str(value).strip().upper() if value not in (None, "") else None
    if invert == "never":
        return False
    if invert == "dcmtk":
        return shape == "INVERSE" or (shape is None and photometric == "MONOCHROME1")
    return photometric == "MONOCHROME1" or shape == "INVERSE"


def window_one_frame(stored: np.ndarray, ds, frame: int, options: Options) -> FrameResult:
    decision = Decision(voi_source="none")
    x, ymin, ymax = modality_stage(np.asarray(stored, dtype=np.int64), ds, frame, decision)
    voi = macro_source(ds, frame, FRAME_VOI_LUT)
    file_function = function_value(voi.get(VOI_LUT_FUNCTION).value if VOI_LUT_FUNCTION in voi else None)
    function = OPTION_FUNCTION[options.voi_function] if options.voi_function else file_function
    n = options.window_index
    v = None

    if options.window is not None:
        c, w = map(float, options.window)
        if width_valid(function, w):
            decision.voi_source, decision.center, decision.width, decision.function = "explicit", c, w, function
            v = apply_window(x, c, w, function)
        else:
            decision.notes.append("explicit width invalid")
            v = no_voi(x, ymin, ymax, options.no_voi, decision)
    elif options.voi_source == "none":
        v = no_voi(x, ymin, ymax, options.no_voi, decision)
    else:
        if options.voi_source in ("auto", "lut"):
            negative = min(ymin, ymax) < 0
            lut = parse_lut(_seq_item(voi, VOI_LUT_SEQUENCE, n), first_signed=negative,
                            little_endian=_is_little_endian(ds))
            if lut is not None:
                decision.voi_source, decision.index = "lut", n
                decision.voi_lut_descriptor = (lut.n_raw, lut.first, lut.bits)
                v = lut.lookup(x).astype(np.float64) / ((1 << lut.bits) - 1)
            elif options.voi_source == "lut":
                raise Unavailable(f"no usable VOI LUT item {n}")
        if v is None:
            centers, widths = _multi(voi, WINDOW_CENTER), _multi(voi, WINDOW_WIDTH)
            if n < min(len(centers), len(widths)):
                c, w = centers[n], widths[n]
                if width_valid(function, w):
                    decision.voi_source, decision.index = "window", n
                    decision.center, decision.width, decision.function = c, w, function
                    v = apply_window(x, c, w, function)
                elif options.voi_source == "window":
                    raise Unavailable(f"window pair {n} has an invalid width for {function}")
                else:
                    decision.notes.append("window width invalid")
            elif options.voi_source == "window":
                raise Unavailable(f"no window pair {n}")
        if v is None:
            v = no_voi(x, ymin, ymax, options.no_voi, decision)

    decision.inverted = polarity(ds, options.invert)
    if decision.inverted:
        v = 1.0 - v
    return FrameResult(frame=frame, values=v, decision=decision)
