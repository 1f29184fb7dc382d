"""Runs the numpy block of docs/pytorch.md (marked `<!-- doctest: numpy -->`) against real
outputs of `mammo-prep convert` on the fixtures, so the documented example cannot rot."""
import os
import re
import subprocess
import sys

from conftest import FIXTURES, ROOT, run


def doc_block() -> str:
    text = (ROOT / "docs" / "pytorch.md").read_text()
    m = re.search(r"<!-- doctest: numpy -->\s*```python\n(.*?)```", text, re.S)
    assert m, "docs/pytorch.md lost its doctest block"
    return m.group(1)


def test_pytorch_doc_numpy_block(tmp_path):
    out, stack, plain = tmp_path / "r50d", tmp_path / "stack", tmp_path / "plain"
    src = FIXTURES / "dicom"
    assert run("convert", src, "--out", out, "--model", "resnet50d", "-q").returncode == 0
    assert run("convert", src, "--out", stack, "--model", "resnet50d", "--format", "npy-stack",
               "--frame", "0", "-q").returncode == 0
    assert run("convert", src, "--out", plain, "--size", "224x224", "-q").returncode == 0
    env = dict(os.environ, OUT=str(out), STACK=str(stack), PLAIN=str(plain))
    proc = subprocess.run([sys.executable, "-c", doc_block()], env=env, capture_output=True, text=True,
                          timeout=120)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.startswith("ok:")
