"""The Python API over the C ABI: Preprocessor, read, inspect, stats (docs/python.md)."""
from __future__ import annotations

import ctypes
import json
import math
import operator
import os
import threading
from typing import Any, Dict, Iterable, Mapping, Optional, Tuple, Union

import numpy as np

from . import _lib
from . import options as _options

__all__ = ["OutputShape", "Preprocessor", "read", "inspect", "stats"]

PathLike = Union[str, "os.PathLike[str]"]


class OutputShape(tuple):
    """``(C, H, W)``. ``exact`` is False when only an upper bound is known before decoding (a breast
    crop without a fixed ``size``: the crop box depends on the pixels)."""

    def __new__(cls, values: Iterable[int], exact: bool = True):
        shape = super().__new__(cls, (int(v) for v in values))
        shape.exact = bool(exact)
        return shape

    def __reduce__(self):
        return (OutputShape, (tuple(self), self.exact))

    def __repr__(self):
        return f"OutputShape({tuple(self)!r}, exact={self.exact})"


def _restore(spec_text: str, options: Optional[Dict[str, Any]]):
    pre = Preprocessor._from_spec_text(spec_text)
    pre._options = options
    return pre


class Preprocessor:
    """One preprocessing pipeline (``convert``'s options), applied in process.

    ``Preprocessor(model="resnet50d")`` builds it once; ``pre(src)`` returns the ``(C, H, W)``
    float32 array ``convert`` would write for that input, ``pre(src, out=buf)`` writes into your
    array. Thread-safe: one Preprocessor serves every thread (each thread gets its own workspace).
    Pickles as its specification (``to_json()``), so it travels to spawned DataLoader workers.
    """

    def __init__(self, **options: Any):
        text = _options.to_json(options)
        ptr = ctypes.c_void_p()
        _lib.call("mammo_prep_pipeline_create", text.encode(), ctypes.byref(ptr))
        self._attach(ptr.value)
        self._options: Optional[Dict[str, Any]] = dict(options)

    # -- construction from a specification --------------------------------------------------------

    @classmethod
    def from_json(cls, spec: Union[PathLike, Mapping[str, Any]]) -> "Preprocessor":
        """The pipeline a ``convert`` run used, from its ``preprocess.json``: a path, the parsed
        dict, or the JSON text itself. Gives the same pixels that run wrote."""
        if isinstance(spec, Mapping):
            text = json.dumps(spec)
        elif isinstance(spec, str) and spec.lstrip().startswith("{"):
            text = spec
        elif isinstance(spec, (str, os.PathLike)):
            with open(spec, encoding="utf-8") as f:
                text = f.read()
        else:
            raise TypeError(f"from_json takes a path, a dict or JSON text, not {type(spec).__name__}")
        return cls._from_spec_text(text)

    @classmethod
    def _from_spec_text(cls, text: str) -> "Preprocessor":
        self = cls.__new__(cls)
        ptr = ctypes.c_void_p()
        _lib.call("mammo_prep_pipeline_from_spec", text.encode(), ctypes.byref(ptr))
        self._attach(ptr.value)
        self._options = None
        return self

    def _attach(self, ptr: int) -> None:
        self._handle = _lib.Handle(ptr, "mammo_prep_pipeline_destroy")
        self._local = threading.local()
        spec = ctypes.c_void_p()
        _lib.call("mammo_prep_pipeline_spec", ctypes.c_void_p(ptr), ctypes.byref(spec))
        self._spec_text = _lib.take_string(spec) or "{}"
        self._spec = json.loads(self._spec_text)
        fixed = self._spec.get("outputShape")
        ok = isinstance(fixed, list) and len(fixed) == 3 and all(isinstance(v, int) for v in fixed)
        self._fixed = OutputShape(fixed) if ok else None

    def __reduce__(self):
        return (_restore, (self._spec_text, self._options))

    def to_json(self, path: Optional[PathLike] = None) -> Dict[str, Any]:
        """The specification as ``preprocess.json`` holds it (``from_json`` of it rebuilds this
        pipeline); also written to ``path`` when given."""
        if path is not None:
            with open(path, "w", encoding="utf-8") as f:
                f.write(self._spec_text + "\n")
        return json.loads(self._spec_text)

    def __repr__(self) -> str:
        if self._options is None:
            return f"Preprocessor.from_json({self._spec_text})"
        return "Preprocessor(" + ", ".join(f"{k}={v!r}" for k, v in self._options.items()) + ")"

    # -- lifetime ---------------------------------------------------------------------------------

    def close(self) -> None:
        """Frees the pipeline now (also done when the object dies). Not while another thread uses it."""
        self._handle.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    def _ptr(self) -> int:
        if not self._handle.finalizer.alive:
            raise ValueError("mammo-prep: this Preprocessor is closed")
        return self._handle.ptr

    def _workspace(self) -> int:
        ws = getattr(self._local, "workspace", None)
        if ws is None:
            ws = _lib.Handle(_lib.lib().mammo_prep_workspace_create(), "mammo_prep_workspace_destroy")
            self._local.workspace = ws
        return ws.ptr

    # -- running ----------------------------------------------------------------------------------

    def output_shape(self, src: Any, frame: int = 0) -> OutputShape:
        """The ``(C, H, W)`` that ``pre(src, frame)`` returns (reads the header only); ``.exact``
        is False when it is an upper bound (``crop_breast`` without ``size``)."""
        source, keep = _lib.source_of(src)
        return self._shape(source, _frame(frame))

    def _shape(self, source: _lib.Source, frame: int) -> OutputShape:
        shape, exact = _lib._int64_3(), ctypes.c_int(1)
        _lib.call("mammo_prep_output_shape", self._ptr(), ctypes.byref(source), frame, shape,
                  ctypes.byref(exact))
        return OutputShape(shape, exact.value != 0)

    def __call__(self, src: Any, frame: int = 0, out: Optional[np.ndarray] = None) -> np.ndarray:
        """The ``(C, H, W)`` float32 array for frame ``frame`` of ``src`` (a path, a bytes-like
        object or a binary file object); written into ``out`` when given (float32, C-contiguous,
        exactly that shape), which is then returned."""
        return self._run(src, frame, out, False)[0]

    def read(self, src: Any, frame: int = 0, *, record: bool = True,
             out: Optional[np.ndarray] = None):
        """Like calling the Preprocessor; with ``record`` (the default) returns ``(array, record)``,
        the record being the line ``convert`` writes to manifest.jsonl for this output, as a dict."""
        array, rec = self._run(src, frame, out, record)
        return (array, rec) if record else array

    def _run(self, src: Any, frame: int, out: Optional[np.ndarray],
             want_record: bool) -> Tuple[np.ndarray, Optional[Dict[str, Any]]]:
        frame = _frame(frame)
        source, keep = _lib.source_of(src)
        shape = self._fixed or self._shape(source, frame)
        if out is not None:
            _check_out(out, shape)
            buf = out
        else:
            buf = np.empty(math.prod(shape), dtype=np.float32)
        got = _lib._int64_3()
        record, error = ctypes.c_void_p(), ctypes.c_void_p()
        status = _lib.lib().mammo_prep_run(
            self._ptr(), self._workspace(), ctypes.byref(source), frame, buf.ctypes.data, buf.size,
            got, ctypes.byref(record) if want_record else None, ctypes.byref(error))
        record_text = _lib.take_string(record)
        _lib.check(status, error)
        del keep
        actual = tuple(int(v) for v in got)
        if out is not None:
            if actual != out.shape:
                raise ValueError(f"mammo-prep: out has shape {out.shape}, the output is {actual}")
            array = out
        else:
            n = math.prod(actual)
            array = buf.reshape(actual) if n == buf.size else buf[:n].copy().reshape(actual)
        return array, (json.loads(record_text) if record_text else None)


def _frame(frame: Any) -> int:
    frame = operator.index(frame)
    if frame < 0:
        raise ValueError(f"mammo-prep: frame must be 0 or more, not {frame}")
    return frame


def _check_out(out: Any, shape: OutputShape) -> None:
    if not isinstance(out, np.ndarray):
        raise TypeError(f"mammo-prep: out must be a numpy array, not {type(out).__name__}")
    if out.dtype != np.float32:
        raise TypeError(f"mammo-prep: out must be float32 (native byte order), not {out.dtype}")
    if not out.flags.c_contiguous or not out.flags.writeable:
        raise ValueError("mammo-prep: out must be C-contiguous and writeable")
    if shape.exact and out.shape != tuple(shape):
        raise ValueError(f"mammo-prep: out has shape {out.shape}, the output is {tuple(shape)}")
    if not shape.exact and out.ndim != 3:
        raise ValueError(f"mammo-prep: out must be (C, H, W), not {out.shape}")


def read(src: Any, frame: int = 0, **options: Any) -> np.ndarray:
    """``convert``'s output for one input and frame, as a ``(C, H, W)`` float32 array.

    ``mammo_prep.read("a.dcm", model="resnet50d")`` equals ``np.load`` of what
    ``mammo-prep convert a.dcm --out DIR --model resnet50d`` writes. For many inputs build one
    ``Preprocessor`` and call it.
    """
    return Preprocessor(**options)(src, frame)


def inspect(src: Any) -> Dict[str, Any]:
    """The attributes ``mammo-prep inspect --json`` prints for one input (never patient identifiers)."""
    source, keep = _lib.source_of(src)
    text = ctypes.c_void_p()
    _lib.call("mammo_prep_inspect", ctypes.byref(source), ctypes.byref(text))
    del keep
    return json.loads(_lib.take_string(text) or "{}")


def stats(srcs: Union[PathLike, Iterable[PathLike]], **options: Any) -> Dict[str, Any]:
    """``mammo-prep stats`` over files and folders: the ``stats.json`` object (pooled mean/std of
    the windowed pixels; options as the command's, e.g. ``mask="foreground"``, ``size=224``).
    Inputs that fail are recorded in the result, as the command records them."""
    if isinstance(srcs, (str, os.PathLike)):
        srcs = [srcs]
    paths = [os.fsencode(p) for p in srcs]
    array = (ctypes.c_char_p * max(len(paths), 1))(*paths)
    text = ctypes.c_void_p()
    _lib.call("mammo_prep_stats", _options.to_json(options).encode(), array, len(paths),
              ctypes.byref(text))
    return json.loads(_lib.take_string(text) or "{}")
