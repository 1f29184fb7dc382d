"""Shared helpers for the oracle suite: it runs the built `mammo-prep` binary and compares what it
reports with independent readers (pydicom 3 + pylibjpeg plugins, tifffile, numpy), all pinned in
scripts/requirements-oracle.txt."""
import functools
import json
import os
import subprocess
from pathlib import Path

import numpy as np
import pytest
import tifffile

ROOT = Path(__file__).resolve().parents[2]
FIXTURES = ROOT / "Fixtures"
MANIFEST = json.loads((FIXTURES / "fixtures.json").read_text())["files"]

# Identifiers the generator writes into every fixture; no output may ever contain them.
PHI_MARKERS = ("FIXTURE^SYNTHETIC", "FIX-0001", "19700101")


@functools.lru_cache(maxsize=1)
def binary() -> str:
    path = os.environ.get("MAMMO_PREP_BIN")
    if not path:
        path = subprocess.run(["swift", "build", "--show-bin-path"], cwd=ROOT, capture_output=True,
                              text=True, check=True).stdout.strip() + "/mammo-prep"
    assert Path(path).is_file(), f"mammo-prep binary not found at {path}; run `swift build` first"
    return path


def run(*args, check_phi=True):
    """Runs mammo-prep; asserts it was not killed by a signal and printed no patient data."""
    proc = subprocess.run([binary(), *map(str, args)], capture_output=True, text=True, timeout=300)
    assert proc.returncode >= 0, f"mammo-prep killed by signal {-proc.returncode}: {args}\n{proc.stderr}"
    if check_phi:
        for marker in PHI_MARKERS:
            assert marker not in proc.stdout and marker not in proc.stderr, f"patient data in output of {args}"
    return proc


def entries(predicate):
    return [e for e in MANIFEST if predicate(e)]


def ids(items):
    return [e["path"] for e in items]


GOOD = entries(lambda e: e.get("expectError") is None)
BAD = entries(lambda e: e.get("expectError") is not None)
GOOD_DICOM = [e for e in GOOD if e["format"] == "dicom"]
GOOD_TIFF = [e for e in GOOD if e["format"] == "tiff"]


def write_tiff(path, data):
    """A 16-bit MinIsBlack TIFF of `data` (parent folders made as needed); returns the path."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tifffile.imwrite(path, np.ascontiguousarray(data, dtype=np.uint16), photometric="minisblack")
    return path


def tiff_windowed(data):
    """The documented TIFF windowing for 16-bit MinIsBlack: float32(v / 65535)."""
    return (np.asarray(data, dtype=np.float64) / 65535).astype(np.float32)


@pytest.fixture(scope="session")
def mammo_prep():
    return binary()
