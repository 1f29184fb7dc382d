#!/usr/bin/env bash
# Installs everything and runs all tests: the Swift suites, the oracle suite (pydicom, tifffile,
# numpy; pinned) against the built binary, then the Python package's tests (python/tests) against
# the same build's libmammo_prep.so: with Debian's torch and numpy 1.24 (.venv-torch), and again,
# torch-free and in part, with the oracle's numpy 2 (.venv-oracle).
# Then the self-contained wheel, installed into a fresh venv (scripts/test-wheel.sh), and last,
# docs/cluster.md's scripts on a real one-node Slurm (scripts/test-slurm.sh, about 20 s).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh --torch
python=$(scripts/python-env.sh)
torch_python=$(scripts/python-env.sh --torch)
swift build --build-tests
swift test --skip-build
bin=$(swift build --show-bin-path)
MAMMO_PREP_BIN="$bin/mammo-prep" "$python" -m pytest -q Tests/oracle
export MAMMO_PREP_BIN="$bin/mammo-prep" MAMMO_PREP_LIB="$bin/libmammo_prep.so"
"$torch_python" -m pytest -q python/tests
# The model presets against the pinned timm (Tests/timm; torch venv: Debian's torch and torchvision).
"$torch_python" -m pytest -q Tests/timm
# numpy 2: everything but the torch tests (they skip) and the slowest grids, whose numpy use is the
# same as the tests kept (one option set of the parity grid is kept).
"$python" -m pytest -q python/tests -k "not (test_equals_convert or truncated or rss) or resnet50d"
# The self-contained wheel: built (kept when its inputs are unchanged), installed into a fresh venv
# and checked against this build (scripts/test-wheel.sh; docs/python.md "Installing the wheel").
scripts/test-wheel.sh
MAMMO_PREP_BIN="$bin/mammo-prep" scripts/test-slurm.sh
