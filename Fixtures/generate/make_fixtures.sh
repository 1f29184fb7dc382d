#!/usr/bin/env bash
# Regenerate every mammo-prep fixture (Fixtures/dicom, Fixtures/tiff, Fixtures/bad, Fixtures/reduce),
# verify them, and rewrite Fixtures/fixtures.json and the table in Fixtures/README.md.
# Runs from any working directory. See Fixtures/README.md for the required packages.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
python="${PYTHON:-python3}"

missing=()
for tool in dcmconv dcmcjpeg dcmcjpls dcmcrle dcmdjpeg dcmdjpls dcmdrle dcmdump \
            opj_compress opj_decompress ojph_compress tiffcp; do
    command -v "$tool" >/dev/null 2>&1 || missing+=("$tool")
done
if ((${#missing[@]})); then
    echo "make_fixtures: missing tools: ${missing[*]}" >&2
    echo "  apt-get install -y dcmtk libopenjp2-tools libtiff-tools openjph-tools" >&2
    exit 1
fi
if ! "$python" - "$here/requirements.txt" <<'PY'
import importlib.util, importlib.metadata, sys
need = ["numpy", "pydicom", "pylibjpeg", "libjpeg", "openjpeg", "rle", "tifffile", "imagecodecs"]
bad = [m for m in need if importlib.util.find_spec(m) is None]
if bad:
    sys.stderr.write("make_fixtures: missing python modules: %s\n" % ", ".join(bad))
    sys.exit(1)
for line in open(sys.argv[1]):
    line = line.split("#")[0].strip()
    if "==" in line:
        name, want = line.split("==")
        have = importlib.metadata.version(name)
        if have != want:
            sys.stderr.write("make_fixtures: warning: %s %s installed, %s pinned; "
                             "sha256 values may change\n" % (name, have, want))
PY
then
    echo "  pip install -r $here/requirements.txt" >&2
    exit 1
fi
if ! dcmdump --version 2>/dev/null | grep "v3.6.7" >/dev/null; then
    echo "make_fixtures: warning: DCMTK is not 3.6.7; sha256 values may change" >&2
fi

# keep the sha256 table stable: no locale / thread-count dependent behaviour
export LC_ALL=C OMP_NUM_THREADS=1 OPENBLAS_NUM_THREADS=1 MKL_NUM_THREADS=1
export PYTHONHASHSEED=0 PYTHONDONTWRITEBYTECODE=1
"$python" "$here/make_fixtures.py" "$@"
# the --reduce inputs: Fixtures/reduce with its own index (not part of fixtures.json)
exec "$python" "$here/fixtures_reduce.py"
