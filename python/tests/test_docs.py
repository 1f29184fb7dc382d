"""Runs the PyTorch examples of docs/pytorch.md (blocks marked `<!-- doctest: torch-… -->`) in a
fresh interpreter against real `convert` outputs of the fixtures, so the documented code cannot rot.
(The numpy block is run by Tests/oracle/test_pytorch_doc.py.)"""
from __future__ import annotations

import csv
import os
import re

import pytest

from conftest import FIXTURES, GOOD, ROOT, run_cli, run_python

pytest.importorskip("torch")


def blocks():
    text = (ROOT / "docs" / "pytorch.md").read_text()
    found = dict(re.findall(r"<!-- doctest: (torch-[a-z]+) -->\s*```python\n(.*?)```", text, re.S))
    assert set(found) == {"torch-train", "torch-infer", "torch-stack"}, sorted(found)
    return found


@pytest.fixture(scope="module")
def env(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("docs")
    labels = tmp / "labels.csv"
    with open(labels, "w", newline="") as f:
        w = csv.writer(f)
        w.writerow(["path", "label"])
        for i, e in enumerate(x for x in GOOD if x["format"] == "dicom"):
            w.writerow([os.path.relpath(FIXTURES / e["path"], tmp), i % 2])
    out, stack = tmp / "r50d", tmp / "stack"
    run_cli("convert", FIXTURES / "dicom", "--out", out, "--model", "resnet50d", "-q")
    run_cli("convert", FIXTURES / "dicom", "--out", stack, "--model", "resnet50d", "--format", "npy-stack",
            "--frame", "0", "-q")
    return {"LABELS": str(labels), "OUT": str(out), "STACK": str(stack)}


@pytest.mark.parametrize("name", ["torch-train", "torch-infer", "torch-stack"])
def test_pytorch_doc_block(name, env):
    proc = run_python(blocks()[name], timeout=600, **env)
    assert proc.returncode == 0, proc.stderr[-4000:]
    assert proc.stdout.startswith("ok:"), proc.stdout
