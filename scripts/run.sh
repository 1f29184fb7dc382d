#!/usr/bin/env bash
# Installs everything and runs the main job on the bundled Fixtures/ (no arguments needed).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh
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
