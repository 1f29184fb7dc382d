"""windowing_spec, part 2: DICOM element access, LUT parsing (modality and VOI) and
functional-group hoisting. Import from `windowing_spec` (which re-exports every name here)."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Optional

import numpy as np
import pydicom
from pydicom.tag import Tag

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
