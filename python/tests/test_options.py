"""Keyword options → the CLI's text (mammo_prep.options): pure Python, no library needed."""
from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from mammo_prep.options import to_cli, to_json


def test_names_and_values():
    assert to_cli({"voi_source": "lut", "window_index": 1}) == ["--voi-source", "lut", "--window-index", "1"]
    assert to_cli({"size": 224}) == ["--size", "224"]
    assert to_cli({"size": (512, 416)}) == ["--size", "512x416"]
    assert to_cli({"size": [512, 416]}) == ["--size", "512x416"]
    assert to_cli({"size": "512x416"}) == ["--size", "512x416"]
    assert to_cli({"window": (2047.5, 4096)}) == ["--window", "2047.5:4096"]
    assert to_cli({"window": (-100, 400.0)}) == ["--window=-100:400"]
    assert to_cli({"crop_pct": 0.875}) == ["--crop-pct", "0.875"]
    assert to_cli({"crop_margin": np.int64(16)}) == ["--crop-margin", "16"]
    assert to_cli({"stats": Path("a/stats.json")}) == ["--stats", "a/stats.json"]
    assert to_cli({"reduce": "auto"}) == ["--reduce", "auto"]
    assert to_cli({"reduce": 2}) == ["--reduce", "2"]
    assert to_cli({"mean": (0.2, 0.3, 0.4)}) == ["--mean", "0.2,0.3,0.4"]
    assert to_cli({"std": np.array([0.5, 0.25, 1.0])}) == ["--std", "0.5,0.25,1"]
    assert to_cli({"mean": 0.449}) == ["--mean", "0.449"]
    assert to_cli({"mean": (-0.5,)}) == ["--mean=-0.5"]


def test_flags_and_omissions():
    assert to_cli({"crop_breast": True, "clip": False, "model": None}) == ["--crop-breast"]
    assert to_cli({"crop_breast": np.bool_(True), "clip": np.bool_(False)}) == ["--crop-breast"]
    assert to_json({"crop_breast": True, "clip": False, "voi_source": "auto"}) == \
        '{"crop-breast": true, "voi-source": "auto"}'


def test_a_hyphenated_name_is_kept():
    assert to_cli({"voi-source": "window"}) == ["--voi-source", "window"]


def test_values_that_have_no_cli_text_are_refused():
    for options in ({"size": (1, 2, 3)}, {"window_index": (1, 2)}, {"model": object()},
                    {"window": ("a", "b")}, {"mean": ("a",)}):
        with pytest.raises(ValueError):
            to_cli(options)
