#!/usr/bin/env bash
# Creates (once) one of the project's Python environments and prints its python path. Called by the
# test, set-up and bench scripts (`python=$(scripts/python-env.sh)`).
#
#   scripts/python-env.sh          .venv-oracle: the independent oracle, pinned from PyPI
#                                  (scripts/requirements-oracle.txt: pydicom + pylibjpeg plugins,
#                                  numpy 2, tifffile, pytest), with the package mammo_prep
#   scripts/python-env.sh --torch  .venv-torch: Debian's python3 with its system site packages, so
#                                  that Debian's python3-torch (CPU) and the numpy 1.24 it is built
#                                  for are the ones imported (scripts/install-deps.sh --torch installs
#                                  them); scripts/requirements-torch.txt on top (never a numpy 2: the
#                                  oracle's plugins need numpy 2, Debian's torch cannot use it, hence
#                                  two environments), with the package mammo_prep
#
# mammo_prep is installed editable from python/ (no build needed for the Python side); it finds
# libmammo_prep.so next to itself (scripts/install-python.sh copies it there), else through
# MAMMO_PREP_LIB, else in .build/ (docs/python.md).
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)

case "${1:-}" in
    "")
        venv="$root/.venv-oracle"
        requirements="$root/scripts/requirements-oracle.txt"
        create=(python3 -m venv "$venv")
        ;;
    --torch)
        venv="$root/.venv-torch"
        requirements="$root/scripts/requirements-torch.txt"
        # Debian's own interpreter: python3-torch's extension modules are built for it, and its
        # site packages are where python3-torch and python3-numpy live.
        create=(/usr/bin/python3 -m venv --system-site-packages "$venv")
        ;;
    *) echo "python-env: unknown option $1 (use --torch)" >&2; exit 2 ;;
esac

stamp="$venv/.requirements.sha256"
want=$(cat "$requirements" "$root/python/pyproject.toml" | sha256sum | cut -d' ' -f1)
if [[ ! -x "$venv/bin/python" || ! -f "$stamp" || "$(cat "$stamp")" != "$want" ]]; then
    "${create[@]}" >&2
    "$venv/bin/python" -m pip install -q --disable-pip-version-check -r "$requirements" >&2
    # Editable, without dependencies (numpy is already there); pip builds it in an isolated
    # environment with the setuptools pyproject.toml asks for (the venvs' own may be too old).
    "$venv/bin/python" -m pip install -q --disable-pip-version-check --no-deps -e "$root/python" >&2
    if [[ "${1:-}" == --torch ]]; then
        "$venv/bin/python" - >&2 <<'PY'
import numpy, torch
major_minor = tuple(int(p) for p in numpy.__version__.split(".")[:2])
assert (1, 24) <= major_minor < (2, 0), f"numpy {numpy.__version__}: Debian's torch needs numpy 1.x (>= 1.24)"
assert torch.from_numpy(numpy.zeros(2, dtype=numpy.float32)).shape == (2,)
PY
    fi
    echo "$want" > "$stamp"
fi
echo "$venv/bin/python"
