"""Shared helpers of the package tests: the fixtures index, the `mammo-prep` binary (MAMMO_PREP_BIN,
else `swift build --show-bin-path`), and `convert` runs cached per option set for the session.

The package under test is `mammo_prep` as imported (scripts/test.sh points MAMMO_PREP_LIB at the
library of the same build as the binary)."""
from __future__ import annotations

import functools
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
FIXTURES = ROOT / "Fixtures"
MANIFEST = json.loads((FIXTURES / "fixtures.json").read_text())["files"]
GOOD = [e for e in MANIFEST if e.get("expectError") is None]
BAD = [e for e in MANIFEST if e.get("expectError") is not None]

# Identifiers the fixture generator writes into every file; nothing may ever print them.
PHI_MARKERS = ("FIXTURE^SYNTHETIC", "FIX-0001", "19700101")

if str(ROOT / "python") not in sys.path and not os.environ.get("MAMMO_PREP_INSTALLED"):
    # Tests of the source tree even when the package is not installed (an installed package is
    # used instead when MAMMO_PREP_INSTALLED is set, e.g. for a wheel).
    sys.path.insert(0, str(ROOT / "python"))


@functools.lru_cache(maxsize=1)
def binary() -> str:
    path = os.environ.get("MAMMO_PREP_BIN")
    if not path:
        path = subprocess.run(["swift", "build", "--show-bin-path"], cwd=ROOT, capture_output=True,
                              text=True, check=True).stdout.strip() + "/mammo-prep"
    assert Path(path).is_file(), f"mammo-prep binary not found at {path}; run `swift build` first"
    return path


def run_cli(*args, check=True) -> subprocess.CompletedProcess:
    proc = subprocess.run([binary(), *map(str, args)], capture_output=True, text=True, timeout=600)
    assert proc.returncode >= 0, f"mammo-prep killed by signal {-proc.returncode}: {args}\n{proc.stderr}"
    if check:
        assert proc.returncode in (0, 1), f"mammo-prep {args}: exit {proc.returncode}\n{proc.stderr}"
    return proc


def read_jsonl(path: Path):
    if not path.is_file():
        return []
    return [json.loads(line) for line in path.read_text().splitlines() if line.strip()]


class Converted:
    """`convert` runs over Fixtures/dicom, Fixtures/tiff and Fixtures/bad (one output folder each:
    names collide across them) with one option set."""

    def __init__(self, outs):
        self.outputs = {}        # source path text -> {frame: (folder, manifest line)}
        self.failures = {}       # source path text -> failures.jsonl line
        for out in outs:
            for line in read_jsonl(out / "manifest.jsonl"):
                self.outputs.setdefault(line["source"], {})[line["frame"]] = (out, line)
            self.failures.update({line["source"]: line for line in read_jsonl(out / "failures.jsonl")})
        self.spec = outs[0] / "preprocess.json"


@pytest.fixture(scope="session")
def convert_cache(tmp_path_factory):
    from mammo_prep.options import to_cli

    cache = {}

    def converted(name: str, options: dict) -> Converted:
        if name not in cache:
            root = tmp_path_factory.mktemp(f"convert-{name}")
            groups = {"dicom": [FIXTURES / "dicom"], "tiff": [FIXTURES / "tiff"],
                      "bad-dcm": sorted((FIXTURES / "bad").glob("*.dcm")),      # bad/ has colour_rgb.dcm
                      "bad-tif": sorted((FIXTURES / "bad").glob("*.tif"))}      # and colour_rgb.tif
            try:
                for group, inputs in groups.items():
                    run_cli("convert", *inputs, "--out", root / group, "-q", "-j", "2", *to_cli(options))
                cache[name] = Converted([root / g for g in groups])
            except BaseException as e:       # once per session, not once per test
                cache[name] = e
        if isinstance(cache[name], BaseException):
            raise cache[name]
        return cache[name]

    return converted


def rss_kib() -> int:
    """Resident set size of this process (Linux /proc)."""
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") // 1024


def run_python(code: str, timeout: int = 300, **env) -> subprocess.CompletedProcess:
    """Runs `code` in a fresh interpreter (same sys.path as this one): a crash there is a failed
    return code here, not a dead test session."""
    full_env = dict(os.environ, PYTHONPATH=os.pathsep.join(p for p in sys.path if p), **env)
    return subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          timeout=timeout, env=full_env)
