#!/usr/bin/env bash
# Installs everything and runs the main job on the bundled Fixtures/ (no arguments needed).
# Installing everything includes the Python package mammo_prep (scripts/install-python.sh: the
# Debian packages, libmammo_prep.so, the package in the project's venvs).
set -euo pipefail
cd "$(dirname "$0")/.."
torch_python=$(scripts/install-python.sh)
swift build -c release --product mammo-prep 2>&1 | grep -vE '^(\[|Building|Compiling|Write|Linking|Planning)' || true
bin=$(swift build -c release --show-bin-path)/mammo-prep
test -x "$bin"
# Main job: convert every bundled DICOM and TIFF fixture to windowed float32 .npy tensors in out/.
# (Fixtures/bad/ holds deliberately broken files; the tests check that each is refused.)
# Re-running resumes: finished outputs are kept.
"$bin" convert Fixtures/dicom Fixtures/tiff --out out/fixtures
echo "outputs, manifest.jsonl and failures.jsonl are in out/fixtures/"
# The cohort's pooled mean/std over the same windowed pixels (what --normalize custom will use).
"$bin" stats Fixtures/dicom Fixtures/tiff --out out/fixtures-stats.json
echo "the Python package: $torch_python -c 'import mammo_prep' (docs/python.md)"
