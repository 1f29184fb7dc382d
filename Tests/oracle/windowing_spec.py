"""An independent implementation of the grey-level specification (docs/windowing.md, the
"Spec" lines; docs/pipeline.md §2), written from the text and not from mammo-prep's sources.

Stored values come from pydicom 3 (`ds.pixel_array`, which masks unused bits and sign-extends);
everything after that is plain numpy in int64/float64. pydicom's apply_modality_lut / apply_voi_lut /
apply_windowing are deliberately not used (docs/windowing.md §2, §4 list the 3.0.2 bugs: 8-bit VOI LUTs
with more than 256 entries wrap, LUT bits other than 8/16 raise, `arr - first` overflows in int16,
8-bit entries packed in OW are unpacked as 16-bit). pydicom does not hoist functional groups either
(docs/windowing.md §8), so the per-frame > shared > top-level resolution is done here.

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
import math
from dataclasses import dataclass, field
from pathlib import Path
from typing import Optional

import numpy as np
import pydicom
from pydicom.tag import Tag

FUNCTIONS = ("LINEAR", "LINEAR_EXACT", "SIGMOID")
OPTION_FUNCTION = {"linear": "LINEAR", "linear-exact": "LINEAR_EXACT", "sigmoid": "SIGMOID"}

SHARED_FG = Tag(0x5200, 0x9229)
PER_FRAME_FG = Tag(0x5200, 0x9230)
PIXEL_VALUE_TRANSFORMATION = Tag(0x0028, 0x9145)
FRAME_VOI_LUT = Tag(0x0028, 0x9132)
MODALITY_LUT_SEQUENCE = Tag(0x0028, 0x3000)
VOI_LUT_SEQUENCE = Tag(0x0028, 0x3010)
LUT_DESCRIPTOR = Tag(0x0028, 0x3002)
LUT_DATA = Tag(0x0028, 0x3006)
WINDOW_CENTER = Tag(0x0028, 0x1050)
WINDOW_WIDTH = Tag(0x0028, 0x1051)
VOI_LUT_FUNCTION = Tag(0x0028, 0x1056)
RESCALE_INTERCEPT = Tag(0x0028, 0x1052)
RESCALE_SLOPE = Tag(0x0028, 0x1053)
PRESENTATION_LUT_SHAPE = Tag(0x2050, 0x0020)


class Unavailable(Exception):
    """`--voi-source lut|window` asked for a VOI the frame does not have (code voiUnavailable)."""


class OutOfRange(Exception):
    """A float TIFF sample outside 0…1 (without --clip) or NaN (code outOfRange)."""


@dataclass(frozen=True)
class Options:
    voi_source: str = "auto"            # auto | lut | window | none
    window_index: int = 0
    window: Optional[tuple] = None      # (center, width) from --window C:W
    voi_function: Optional[str] = None  # linear | linear-exact | sigmoid
    no_voi: str = "range"               # range | minmax
    invert: str = "auto"                # auto | never | dcmtk
    clip: bool = False
    frame: Optional[int] = None

    def args(self) -> list:
        """The equivalent `convert` command-line options."""
        out = []
        if self.voi_source != "auto":
            out += ["--voi-source", self.voi_source]
        if self.window_index:
            out += ["--window-index", str(self.window_index)]
        if self.window is not None:
            c, w = self.window
            out += [f"--window={_num(c)}:{_num(w)}"]
        if self.voi_function:
            out += ["--voi-function", self.voi_function]
        if self.no_voi != "range":
            out += ["--no-voi", self.no_voi]
        if self.invert != "auto":
            out += ["--invert", self.invert]
        if self.clip:
            out += ["--clip"]
        if self.frame is not None:
            out += ["--frame", str(self.frame)]
        return out


def _num(v) -> str:
    return str(int(v)) if float(v).is_integer() else repr(float(v))


@dataclass
class Decision:
    voi_source: str                      # lut | window | explicit | none | tiff
    index: Optional[int] = None
    center: Optional[float] = None
    width: Optional[float] = None
    function: Optional[str] = None
    voi_lut_descriptor: Optional[tuple] = None   # (n as stored, first, bits)
    no_voi_rule: Optional[str] = None
    range: Optional[tuple] = None        # no-VOI: (low, high) actually used
    inverted: bool = False
    modality: str = "identity"           # rescale | lut | identity
    notes: list = field(default_factory=list)


@dataclass
class FrameResult:
    frame: int
    values: np.ndarray                   # float64 (H, W) in [0, 1]
    decision: Decision


# --------------------------------------------------------------------------------------- helpers
def _seq_item(ds, tag, index=0):
    """Item `index` of sequence `tag` in `ds`, or None."""
    if ds is None or tag not in ds:
        return None
    seq = ds[tag].value
    if seq is None or len(seq) <= index:
        return None
    return seq[index]


def _multi(ds, tag) -> list:
    """A DS/IS element as a list of floats (empty when absent or empty)."""
    if ds is None or tag not in ds:
        return []
    value = ds[tag].value
    if value is None or value == "":
        return []
    if isinstance(value, (list, tuple, pydicom.multival.MultiValue)):
        return [float(v) for v in value]
    return [float(value)]


def _first_float(ds, tag) -> Optional[float]:
    values = _multi(ds, tag)
    return values[0] if values else None


def _is_little_endian(ds) -> bool:
    meta = getattr(ds, "file_meta", None)
    if meta is not None and "TransferSyntaxUID" in meta:
        return meta.TransferSyntaxUID.is_little_endian
    return True


def _raw_descriptor(item) -> Optional[list]:
    """LUT Descriptor as three raw 16-bit words (pydicom may have read them as US or SS)."""
    if item is None or LUT_DESCRIPTOR not in item:
        return None
    value = item[LUT_DESCRIPTOR].value
    if isinstance(value, (bytes, bytearray)):
        return None
    if not isinstance(value, (list, tuple, pydicom.multival.MultiValue)):
        value = [value]
    return [int(v) & 0xFFFF for v in value]


def _lut_words(item, little_endian: bool) -> Optional[np.ndarray]:
    """LUT Data as uint16 words (US: values; OW or undecided VR: raw bytes in file byte order)."""
    if LUT_DATA not in item:
        return None
    value = item[LUT_DATA].value
    if value is None:
        return None
    if isinstance(value, (bytes, bytearray)):
        data = bytes(value)
        if len(data) % 2:
            data = data[:-1]
        return np.frombuffer(data, dtype="<u2" if little_endian else ">u2").astype(np.int64)
    if not isinstance(value, (list, tuple, pydicom.multival.MultiValue)):
        value = [value]
    return np.array([int(v) & 0xFFFF for v in value], dtype=np.int64)


@dataclass
class Lut:
    n: int              # effective entry count (descriptor 0 -> 65536)
    n_raw: int          # descriptor word as stored
    first: int          # first mapped input value (US or SS as decided by the caller)
    bits: int
    entries: np.ndarray  # int64, length n

    def lookup(self, x: np.ndarray) -> np.ndarray:
        """Entry for each input: x < first -> entry 0, x >= first + n - 1 -> last entry; non-integer
        inputs truncated toward zero (docs/windowing.md §4)."""
        xi = np.trunc(np.asarray(x, dtype=np.float64)).astype(np.int64)
        index = np.clip(xi - self.first, 0, self.n - 1)
        return self.entries[index]


def parse_lut(item, first_signed: bool, little_endian: bool) -> Optional[Lut]:
    """A usable LUT item (modality or VOI) or None: three descriptor values, bits 1..16, enough data,
    every entry <= 2^bits - 1. 8-bit entries packed two per word ((n+1)/2 words) are unpacked low
    byte first (docs/windowing.md §4, pipeline.md §2)."""
    if item is None:
        return None
    desc = _raw_descriptor(item)
    if desc is None or len(desc) != 3:
        return None
    n_raw, first_raw, bits = desc
    n = 65536 if n_raw == 0 else n_raw
    if not 1 <= bits <= 16:
        return None
    first = first_raw - 0x10000 if (first_signed and first_raw >= 0x8000) else first_raw
    words = _lut_words(item, little_endian)
    if words is None:
        return None
    if bits <= 8 and len(words) < n and len(words) == (n + 1) // 2:
        unpacked = np.empty(2 * len(words), dtype=np.int64)
        unpacked[0::2] = words & 0xFF
        unpacked[1::2] = words >> 8
        entries = unpacked[:n]
    else:
        if len(words) < n:
            return None
        entries = words[:n]
    if entries.size and int(entries.max()) > (1 << bits) - 1:
        return None
    return Lut(n=n, n_raw=n_raw, first=first, bits=bits, entries=entries)


# ---------------------------------------------------------------------- functional-group hoisting
def macro_source(ds, frame: int, macro_tag):
    """Where frame `frame` takes a functional-group macro from: the per-frame (5200,9230) item's
    macro, else the shared (5200,9229) one, else the top-level data set (docs/windowing.md §8)."""
    per_frame = _seq_item(ds, PER_FRAME_FG, frame)
    item = _seq_item(per_frame, macro_tag)
    if item is not None:
        return item
    shared = _seq_item(ds, SHARED_FG)
    item = _seq_item(shared, macro_tag)
    if item is not None:
        return item
    return ds


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
