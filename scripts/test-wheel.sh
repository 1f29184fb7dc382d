#!/usr/bin/env bash
# Checks the self-contained wheel (run by scripts/test.sh after the other suites; docs/python.md
# "Installing the wheel"):
#
# 1. scripts/build-wheel.sh (re-assembles the wheel only when its inputs changed);
# 2. installs it with pip into a fresh venv (Debian's python3 -m venv, no system site packages, in a
#    temporary folder) beside scripts/requirements-wheel-test.txt; from here on every command runs
#    with a clean environment: no MAMMO_PREP_* but those set here, no LD_LIBRARY_PATH, and a PATH
#    without the folder of `swift` (the toolchain) nor any other holding a `swift`;
# 3. `ldd` of every ELF file the wheel installed: each library resolves either inside the venv or to
#    a system library of the manylinux policy (libc, libm, libstdc++, libgcc_s, libz ...); nothing
#    from the toolchain's folder, the build tree or "not found";
# 4. LD_DEBUG=libs: the bundled binary decoding a JPEG-LS fixture with CharLS loads only the venv's
#    files and those system libraries, libcharls.so.2 the bundled one; the `mammo-prep` command
#    (the console entry point) and libmammo_prep.so in Python load that libcharls.so.2 too;
# 5. `mammo-prep convert` of the installed command gives byte-identical outputs (every .npy,
#    preprocess.json, convert.json; manifest.jsonl and failures.jsonl as sets of lines) to the dev
#    build's binary (MAMMO_PREP_BIN, else `swift build --show-bin-path`), for three option sets;
# 6. python/tests against the installed package and its own `mammo-prep` command
#    (MAMMO_PREP_INSTALLED=1, MAMMO_PREP_BIN = the venv's command): the torch tests skip (no torch
#    in the venv); the parity grid is cut to its resnet50d option set and the RSS test left out,
#    as in scripts/test.sh's numpy 2 run, but the truncated-buffer tests are kept (the wheel's is
#    the only release build tested). MAMMO_PREP_WHEEL_FULL=1 runs all of python/tests.
set -euo pipefail
trap 'echo "test-wheel: failed: line $LINENO: $BASH_COMMAND" >&2' ERR
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"

wheel=$(scripts/build-wheel.sh)
dev_bin=${MAMMO_PREP_BIN:-$(swift build --show-bin-path)/mammo-prep}
[[ -x "$dev_bin" ]] || { echo "test-wheel: no dev build at $dev_bin (run swift build)" >&2; exit 2; }
toolchain=$(dirname "$(dirname "$(readlink -f "$(command -v swift)")")")   # e.g. …/usr of the toolchain

tmp=$(readlink -f "$(mktemp -d)")
trap 'rm -rf "$tmp"' EXIT
venv="$tmp/venv"

# A PATH without any folder holding `swift`.
clean_path="$venv/bin"
IFS=: read -ra dirs <<< "$PATH"
for d in "${dirs[@]}"; do
    [[ -n "$d" && ! -e "$d/swift" && "$(readlink -f "$d")" != "$toolchain"* ]] && clean_path+=":$d"
done
clean=(env -i HOME="$HOME" PATH="$clean_path" LANG=C.UTF-8 TMPDIR="${TMPDIR:-/tmp}")
fail() { echo "test-wheel: FAILED: $*" >&2; exit 1; }

/usr/bin/python3 -m venv "$venv"
"${clean[@]}" "$venv/bin/python" -m pip install -q --disable-pip-version-check \
    -r scripts/requirements-wheel-test.txt "$wheel"
"${clean[@]}" sh -c '! command -v swift >/dev/null' || fail "swift is still on PATH"
site=$("${clean[@]}" "$venv/bin/python" -c 'import mammo_prep, os; print(os.path.dirname(os.path.dirname(mammo_prep.__file__)))')
[[ "$site" == "$venv"/* ]] || fail "mammo_prep imported from $site, not from the venv"

# 3. ldd: inside the venv or a system library of the manylinux policy.
system='^(linux-vdso\.so\.1|ld-linux-x86-64\.so\.2|libc\.so\.6|libm\.so\.6|libdl\.so\.2|librt\.so\.1|libpthread\.so\.0|libstdc\+\+\.so\.6|libgcc_s\.so\.1|libz\.so\.1)$'
elves=0 bundled=() sys_libs=()
while IFS= read -r -d '' f; do
    cmp -s -n 4 "$f" <(printf '\177ELF') || continue
    elves=$((elves + 1))
    listing=$("${clean[@]}" ldd "$f") || fail "ldd $f"
    while read -r name arrow path _; do
        [[ "$arrow" == "=>" ]] || { path=$name; name=$(basename "$name"); }
        [[ "$path" == "not" ]] && fail "${f#"$site"/}: $name not found"
        [[ "$path" == /* ]] && path=$(readlink -f "$path")
        case "$path" in
            "$toolchain"/*|"$root"/*) fail "${f#"$site"/}: $name resolved from $path" ;;
            "$venv"/*) bundled+=("${path#"$site"/}") ;;
            *) [[ "$name" =~ $system ]] || fail "${f#"$site"/}: $name resolved from $path (not bundled)"
               sys_libs+=("$name") ;;
        esac
    done < <(sed -e 's/ (0x[0-9a-f]*)$//' <<< "$listing" | grep -v 'statically linked')
done < <(find "$site/mammo_prep" "$site/mammo_prep.libs" -type f -print0)
echo "test-wheel: ldd of $elves ELF files: $(printf '%s\n' "${bundled[@]}" | sort -u | wc -l) libraries" \
     "from the wheel, system: $(printf '%s\n' "${sys_libs[@]}" | sort -u | grep -v vdso | tr '\n' ' ')" >&2

# 4. What the dynamic loader loads, CharLS's dlopen included.
jpegls=Fixtures/dicom/mg12_mono2_jpegls_lossless.dcm
check_loaded() {   # $1: LD_DEBUG=libs output; $2: what ran; $3: 1 = only the venv and system libraries
    local raw o charls=""
    while read -r raw; do
        o=$(readlink -f "$raw")
        case "$o" in
            "$toolchain"/*|"$root"/*) fail "$2 loaded $o (toolchain or build tree)" ;;
            */libcharls.so.2*) charls=$o ;;
        esac
        if [[ "$3" == 1 && "$o" != "$venv"/* ]]; then
            [[ "$(basename "$raw")" =~ $system ]] || fail "$2 loaded $raw"
        fi
    done < <(sed -n 's/.*calling init: //p' "$1" | sort -u)
    [[ "$charls" == "$site/mammo_prep/libcharls.so.2" ]] ||
        fail "$2 did not load the bundled libcharls.so.2 (loaded: ${charls:-none})"
}
"${clean[@]}" LD_DEBUG=libs "$site/mammo_prep/bin/mammo-prep" convert "$jpegls" --out "$tmp/charls" -q \
    2> "$tmp/ld-cli.txt" || fail "mammo-prep convert $jpegls: $(grep -v '^ *[0-9]*:' "$tmp/ld-cli.txt")"
grep -q '"decoder": "charls"' "$tmp/charls/manifest.jsonl" || fail "$jpegls was not decoded by CharLS"
check_loaded "$tmp/ld-cli.txt" "the bundled mammo-prep" 1
# The console command (python, then the binary): the same CharLS.
"${clean[@]}" LD_DEBUG=libs mammo-prep convert "$jpegls" --out "$tmp/charls2" -q 2> "$tmp/ld-cmd.txt" ||
    fail "mammo-prep convert $jpegls: $(grep -v '^ *[0-9]*:' "$tmp/ld-cmd.txt")"
check_loaded "$tmp/ld-cmd.txt" "the mammo-prep command" 0
"${clean[@]}" LD_DEBUG=libs "$venv/bin/python" -c 'import sys, mammo_prep
mammo_prep.read(sys.argv[1], model="resnet50d")' "$jpegls" 2> "$tmp/ld-py.txt" ||
    fail "mammo_prep.read($jpegls): $(grep -v '^ *[0-9]*:' "$tmp/ld-py.txt")"
check_loaded "$tmp/ld-py.txt" "python -c mammo_prep.read" 0

# 5. convert: the wheel's command against the dev build.
compare() {   # $1: name; rest: convert's inputs and options
    local name=$1; shift
    # Exit status 1: some inputs failed (Fixtures/bad), their failures.jsonl lines compared too.
    "$dev_bin" convert "$@" --out "$tmp/dev-$name" -q 2> "$tmp/dev-$name.log" || [[ $? == 1 ]] ||
        fail "dev convert $name: $(cat "$tmp/dev-$name.log")"
    "${clean[@]}" mammo-prep convert "$@" --out "$tmp/whl-$name" -q 2> "$tmp/whl-$name.log" || [[ $? == 1 ]] ||
        fail "wheel convert $name: $(cat "$tmp/whl-$name.log")"
    cmp -s <(sort "$tmp/dev-$name.log") <(sort "$tmp/whl-$name.log") || fail "convert $name: other messages than the dev build's"
    local a=$tmp/dev-$name b=$tmp/whl-$name
    diff <(cd "$a" && find . -type f | sort) <(cd "$b" && find . -type f | sort) >&2 ||
        fail "convert $name: the wheel wrote other files than the dev build"
    local f n=0
    while read -r f; do
        case "$f" in
            *.jsonl) cmp -s <(sort "$a/$f") <(sort "$b/$f") || fail "convert $name: $f differs" ;;
            *) cmp -s "$a/$f" "$b/$f" || fail "convert $name: $f differs" ;;
        esac
        n=$((n + 1))
    done < <(cd "$a" && find . -type f | sed 's|^\./||')
    echo "test-wheel: convert $name: $n files byte-identical to the dev build's" >&2
}
compare plain Fixtures/dicom Fixtures/tiff
compare resnet50d Fixtures/dicom Fixtures/tiff --model resnet50d --crop-breast
compare bad Fixtures/bad/*.dcm --size 64x48 --reduce 1

# 6. The package's tests against the installed wheel (its own command as MAMMO_PREP_BIN).
select=(-k "not (test_equals_convert or rss) or resnet50d")
[[ "${MAMMO_PREP_WHEEL_FULL:-}" == 1 ]] && select=()
(cd "$tmp" && "${clean[@]}" MAMMO_PREP_INSTALLED=1 MAMMO_PREP_BIN="$venv/bin/mammo-prep" \
    "$venv/bin/python" -m pytest -q -p no:cacheprovider "$root/python/tests" "${select[@]}")
echo "test-wheel: ok ($(basename "$wheel"), $(du -m "$wheel" | cut -f1) MB)" >&2
