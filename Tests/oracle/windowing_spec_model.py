"""windowing_spec, part 1: the `convert` windowing options, the decision record and the two
failures the spec can predict. Import from `windowing_spec` (which re-exports every name here)."""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Optional

import numpy as np

FUNCTIONS = ("LINEAR", "LINEAR_EXACT", "SIGMOID")
OPTION_FUNCTION = {"linear": "LINEAR", "linear-exact": "LINEAR_EXACT", "sigmoid": "SIGMOID"}


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

