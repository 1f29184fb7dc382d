"""Tests/timm runs with the torch environment (scripts/python-env.sh --torch: Debian's torch and
torchvision, the pinned timm of scripts/requirements-torch.txt) against the built binary
(MAMMO_PREP_BIN, else `swift build --show-bin-path`)."""
import os
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="session")
def binary():
    path = os.environ.get("MAMMO_PREP_BIN")
    if not path:
        path = subprocess.run(["swift", "build", "--show-bin-path"], cwd=ROOT, capture_output=True, text=True,
                              check=True).stdout.strip() + "/mammo-prep"
    assert Path(path).is_file(), path
    return path
