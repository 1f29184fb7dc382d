"""Keyword options → the text the command line takes.

Options are `convert`'s (and `stats`') long flags with ``_`` for ``-``: ``voi_source="lut"`` is
``--voi-source lut``. Values are given in the CLI's text form or as the Python equivalent:

- ``True`` → the flag is present (``crop_breast=True`` → ``--crop-breast``); ``False`` and ``None``
  → the option is left out (its default applies);
- ``size=224`` → ``224``, ``size=(512, 416)`` → ``512x416``; ``window=(c, w)`` → ``c:w``;
  ``mean=(0.2, 0.3, 0.4)`` → ``0.2,0.3,0.4`` (``mean``/``std``: 1 or 3 numbers);
- other numbers → their shortest text (``crop_pct=0.9`` → ``0.9``); paths → their text.

Nothing here knows which options exist or what they accept: the library parses the result with
`convert`'s own argument groups, so an unknown or contradictory option is refused with the CLI's
wording (a ``ValueError``).
"""
from __future__ import annotations

import json
import numbers
import os
from typing import Any, Dict, List, Mapping

import numpy as np

__all__ = ["flag_name", "text_value", "to_json", "to_cli"]

# Options whose value is a pair, and how the CLI joins the pair.
_PAIRS = {"size": "x", "window": ":"}
# Options whose value is a list of per-channel figures (1 or 3), joined by commas.
_LISTS = {"mean", "std"}


def flag_name(key: str) -> str:
    """``voi_source`` → ``voi-source`` (a name already spelt with ``-`` is kept)."""
    return key.replace("_", "-")


def _number(v: Any) -> str:
    if isinstance(v, numbers.Integral):
        return str(int(v))
    if isinstance(v, numbers.Real):
        f = float(v)
        return str(int(f)) if f.is_integer() and abs(f) < 2**53 else repr(f)
    raise TypeError


def text_value(key: str, value: Any) -> Any:
    """The CLI text of one option's value; ``True`` for a flag, ``None`` when it is left out."""
    if value is None or value is False:
        return None
    if value is True:
        return True
    name = flag_name(key)
    if isinstance(value, str):
        return value
    if isinstance(value, os.PathLike):
        return os.fspath(value)
    if isinstance(value, (tuple, list, np.ndarray)) and name in _LISTS:
        try:
            return ",".join(_number(v) for v in value)
        except TypeError:
            raise ValueError(f"--{name}: expected numbers, got {value!r}") from None
    if isinstance(value, (tuple, list)):
        joiner = _PAIRS.get(name)
        if joiner is None or len(value) != 2:
            want = f"a pair joined by {joiner!r}" if joiner else "a single value"
            raise ValueError(f"--{name}: expected {want}, got {value!r}")
        try:
            return joiner.join(_number(v) for v in value)
        except TypeError:
            raise ValueError(f"--{name}: expected two numbers, got {value!r}") from None
    if isinstance(value, np.bool_):
        return True if value else None
    try:
        return _number(value)
    except TypeError:
        raise ValueError(f"--{name}: cannot use a {type(value).__name__} as an option value") from None


def _items(options: Mapping[str, Any]) -> Dict[str, Any]:
    out: Dict[str, Any] = {}
    for key, value in options.items():
        text = text_value(key, value)
        if text is not None:
            out[flag_name(key)] = text
    return out


def to_json(options: Mapping[str, Any]) -> str:
    """The options as the JSON object the C ABI takes: ``{"voi-source": "lut", "crop-breast": true}``."""
    return json.dumps(_items(options), sort_keys=True)


def to_cli(options: Mapping[str, Any]) -> List[str]:
    """The same options as command-line arguments: ``["--voi-source", "lut", "--crop-breast"]``."""
    args: List[str] = []
    for name, text in sorted(_items(options).items()):
        if text is True:
            args.append("--" + name)
        elif text.startswith("-"):
            args.append(f"--{name}={text}")      # a negative number is not an option name
        else:
            args += ["--" + name, text]
    return args
