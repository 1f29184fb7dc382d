#!/usr/bin/env bash
# The Python set-up: builds libmammo_prep.so (release), copies it next to the package
# (python/mammo_prep/, not tracked) and installs the package mammo_prep, editable, into the
# project's environments: .venv-torch (Debian's python3 + python3-torch + numpy 1.24) and
# .venv-oracle (numpy 2). Prints the python of .venv-torch. Re-run it after changing the Swift code.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
scripts/install-deps.sh --torch
swift build -c release --product mammo_prep >&2
cp "$(swift build -c release --show-bin-path)/libmammo_prep.so" python/mammo_prep/libmammo_prep.so.tmp
mv python/mammo_prep/libmammo_prep.so.tmp python/mammo_prep/libmammo_prep.so
scripts/python-env.sh > /dev/null
python=$(scripts/python-env.sh --torch)
env -u MAMMO_PREP_LIB "$python" -c 'import mammo_prep; print("mammo_prep", mammo_prep.__version__, "over libmammo_prep", mammo_prep.library_version())' >&2
echo "$python"
