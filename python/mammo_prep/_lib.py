"""ctypes binding of libmammo_prep.so (Sources/MammoPrepC/include/mammo_prep.h, ABI version 1).

The library is looked for, in this order:

1. ``MAMMO_PREP_LIB``: the path of a ``libmammo_prep.so`` (the test suite points it at its build);
2. ``libmammo_prep.so`` next to this file (an installed package or wheel);
3. only when the package is used from the source tree (``python/mammo_prep`` of the repository):
   the newest of ``.build/release`` and ``.build/debug`` (development).

Every call goes through ``ctypes.CDLL``, which releases the GIL for the duration of the foreign
call, so two Python threads decode two images at once. Nothing here is process-wide but the loaded
library itself.
"""
from __future__ import annotations

import ctypes
import json
import os
import threading
from pathlib import Path
from typing import Any, Dict, Optional, Tuple

ABI_VERSION = 1

OK, USAGE, FAILED, BUFFER, INTERNAL = 0, 1, 2, 3, 4

_c_char_pp = ctypes.POINTER(ctypes.c_void_p)   # char **: kept as void* so that it can be freed
_int64_3 = ctypes.c_int64 * 3


class Source(ctypes.Structure):
    _fields_ = [
        ("path", ctypes.c_char_p),
        ("bytes", ctypes.c_void_p),
        ("length", ctypes.c_size_t),
        ("name", ctypes.c_char_p),
    ]


class MammoPrepError(Exception):
    """An input that could not be processed: the CLI's one-line message, and where it failed.

    ``path``: the file (or the name of an in-memory source), ``stage``: ``ingest``, ``window``,
    ``adapt``… (as in convert's failures.jsonl), ``code``: the machine-readable reason
    (``truncated``, ``corruptStream``, ``voiUnavailable``…). Never contains patient identifiers.
    """

    def __init__(self, message: str, path: Optional[str] = None, stage: Optional[str] = None,
                 code: Optional[str] = None):
        super().__init__(message)
        self.message, self.path, self.stage, self.code = message, path, stage, code

    def __reduce__(self):  # survives pickling (DataLoader workers, multiprocessing)
        return (type(self), (self.message, self.path, self.stage, self.code))


def _candidates():
    env = os.environ.get("MAMMO_PREP_LIB")
    if env:
        yield Path(env), True
        return
    here = Path(__file__).resolve().parent
    yield here / "libmammo_prep.so", False
    root = here.parent.parent
    if (root / "Package.swift").is_file() and (root / "python" / "mammo_prep") == here:
        built = [root / ".build" / c / "libmammo_prep.so" for c in ("release", "debug")]
        built = [p for p in built if p.is_file()]
        for p in sorted(built, key=lambda p: p.stat().st_mtime, reverse=True):
            yield p, False


def _declare(lib: ctypes.CDLL) -> None:
    c = ctypes
    sig = {
        "mammo_prep_abi_version": (c.c_int, []),
        "mammo_prep_version": (c.c_char_p, []),
        "mammo_prep_free": (None, [c.c_void_p]),
        "mammo_prep_pipeline_create": (c.c_int, [c.c_char_p, c.POINTER(c.c_void_p), _c_char_pp]),
        "mammo_prep_pipeline_from_spec": (c.c_int, [c.c_char_p, c.POINTER(c.c_void_p), _c_char_pp]),
        "mammo_prep_pipeline_destroy": (None, [c.c_void_p]),
        "mammo_prep_pipeline_spec": (c.c_int, [c.c_void_p, _c_char_pp, _c_char_pp]),
        "mammo_prep_workspace_create": (c.c_void_p, []),
        "mammo_prep_workspace_destroy": (None, [c.c_void_p]),
        "mammo_prep_output_shape": (c.c_int, [c.c_void_p, c.POINTER(Source), c.c_int, _int64_3,
                                              c.POINTER(c.c_int), _c_char_pp]),
        "mammo_prep_run": (c.c_int, [c.c_void_p, c.c_void_p, c.POINTER(Source), c.c_int, c.c_void_p,
                                     c.c_size_t, _int64_3, _c_char_pp, _c_char_pp]),
        "mammo_prep_inspect": (c.c_int, [c.POINTER(Source), _c_char_pp, _c_char_pp]),
        "mammo_prep_stats": (c.c_int, [c.c_char_p, c.POINTER(c.c_char_p), c.c_size_t, _c_char_pp,
                                       _c_char_pp]),
    }
    for name, (restype, argtypes) in sig.items():
        fn = getattr(lib, name)
        fn.restype, fn.argtypes = restype, argtypes


_lock = threading.Lock()
_loaded: Optional[ctypes.CDLL] = None


def lib() -> ctypes.CDLL:
    """The loaded library (loaded on first use, once per process)."""
    global _loaded
    if _loaded is not None:
        return _loaded
    with _lock:
        if _loaded is None:
            tried = []
            for path, explicit in _candidates():
                if not path.is_file():
                    tried.append(str(path))
                    if explicit:
                        raise OSError(f"MAMMO_PREP_LIB={path}: no such file")
                    continue
                handle = ctypes.CDLL(str(path))
                _declare(handle)
                got = handle.mammo_prep_abi_version()
                if got != ABI_VERSION:
                    raise OSError(f"{path}: C ABI version {got}, this package needs {ABI_VERSION}")
                _loaded = handle
                break
            else:
                raise OSError("libmammo_prep.so not found (looked at: " + ", ".join(tried) + "); set "
                              "MAMMO_PREP_LIB, or build and install it with scripts/install-python.sh")
    return _loaded


def take_string(p: ctypes.c_void_p) -> Optional[str]:
    """The text of a char* the library returned, freed with mammo_prep_free."""
    if not p.value:
        return None
    try:
        return ctypes.string_at(p.value).decode("utf-8", "replace")
    finally:
        lib().mammo_prep_free(p.value)
        p.value = None


def check(status: int, error: ctypes.c_void_p) -> None:
    """Raises the Python form of a non-OK status (and frees the error text)."""
    text = take_string(error)
    if status == OK:
        return
    info: Dict[str, Any] = {}
    if text:
        try:
            info = json.loads(text)
        except ValueError:
            info = {"message": text}
    message = info.get("message") or f"mammo-prep: status {status}"
    if status == USAGE:
        raise ValueError(message)
    if status == FAILED:
        raise MammoPrepError(message, info.get("path"), info.get("stage"), info.get("code"))
    if status == BUFFER:
        raise ValueError(f"{message} (needs {info.get('needed')} float32 values)")
    raise RuntimeError(message)


def call(fn_name: str, *args) -> None:
    """Calls an entry whose last argument is ``char **error``; raises on a non-OK status."""
    error = ctypes.c_void_p()
    status = getattr(lib(), fn_name)(*args, ctypes.byref(error))
    check(status, error)


def version() -> str:
    return lib().mammo_prep_version().decode()


class Handle:
    """An owned pointer with its destroy function, run exactly once (explicit ``close()``, the
    object's death or interpreter exit) through a ``weakref.finalize``."""

    def __init__(self, ptr: int, destroy_name: str):
        import weakref

        if not ptr:
            raise MemoryError("mammo-prep: the library returned no handle")
        self.ptr = ptr
        self.finalizer = weakref.finalize(self, getattr(lib(), destroy_name), ptr)

    def close(self) -> None:
        self.finalizer()


def source_of(src: Any, name: Optional[str] = None) -> Tuple[Source, Any]:
    """A ``mammo_prep_source`` for a path, a bytes-like object or a binary file object, and the
    object that must stay alive while the library reads it."""
    if isinstance(src, (str, os.PathLike)):
        path = os.fsencode(src)
        return Source(path, None, 0, None), path
    if hasattr(src, "read") and not isinstance(src, (bytes, bytearray, memoryview)):
        data = src.read()
        if not isinstance(data, (bytes, bytearray)):
            raise TypeError("mammo-prep: a file object must be opened in binary mode")
        if name is None:
            n = getattr(src, "name", None)
            name = n if isinstance(n, str) else None
        src = data
    try:
        view = memoryview(src)
    except TypeError:
        raise TypeError(f"mammo-prep: a source is a path, a bytes-like object or a binary file "
                        f"object, not {type(src).__name__}") from None
    if not view.c_contiguous:
        view = memoryview(view.tobytes())
    view = view.cast("B") if view.format != "B" or view.ndim != 1 else view
    if view.nbytes == 0:
        buf = ctypes.create_string_buffer(1)   # a valid pointer with length 0: "empty", not "absent"
        address = ctypes.addressof(buf)
    elif view.readonly:
        # A read-only buffer has no writable ctypes view; numpy gives its address without copying.
        import numpy as np

        buf = np.frombuffer(view, dtype=np.uint8)
        address = buf.ctypes.data
    else:
        buf = (ctypes.c_ubyte * view.nbytes).from_buffer(view)
        address = ctypes.addressof(buf)
    keep = (src, view, buf, name.encode() if name else None)
    return Source(None, address, view.nbytes, keep[3]), keep
