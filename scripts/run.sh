#!/usr/bin/env bash
# Installs everything and runs the main job on the bundled Fixtures/ (no arguments needed).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh
swift build -c release --product mammo-prep 2>&1 | grep -vE '^(\[|Building|Compiling|Write|Linking|Planning)' || true
bin=$(swift build -c release --show-bin-path)/mammo-prep
test -x "$bin"
# Main job (until `convert` lands): inspect every bundled DICOM and TIFF fixture, decoding every
# frame. Files under Fixtures/bad/ are deliberately broken and are checked by the tests instead.
find Fixtures/dicom Fixtures/tiff -type f \( -name '*.dcm' -o -name '*.tif' -o -name '*.tiff' \) -print0 | sort -z \
    | xargs -0 "$bin" inspect --verify
