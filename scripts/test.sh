#!/usr/bin/env bash
# Installs everything and runs all tests: the Swift suites, the oracle suite (pydicom, tifffile,
# numpy; pinned) against the built binary, then docs/cluster.md's scripts on a real one-node Slurm
# (scripts/test-slurm.sh, about 20 s).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh
python=$(scripts/python-env.sh)
swift build --build-tests
swift test --skip-build
MAMMO_PREP_BIN="$(swift build --show-bin-path)/mammo-prep" "$python" -m pytest -q Tests/oracle
MAMMO_PREP_BIN="$(swift build --show-bin-path)/mammo-prep" scripts/test-slurm.sh
