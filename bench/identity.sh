#!/usr/bin/env bash
# Byte identity on the bench corpus: ONE image per case of bench/convert.sh (every transfer syntax
# at 4096x3328 12-bit, the two smaller sizes, 14 and 16 bits, MONOCHROME1, SIGMOID), through a
# small matrix with the release binary: convert (default .npy), convert --model resnet50d, stats
# --mask foreground (+ per-image CSV). Hash rules: Tests/oracle/identity_matrix.py.
#
#   bench/identity.sh [--record] [--out DIR]
#
#   --record    write bench/golden/identity-bench.json (the reference) instead of comparing
#   --out DIR   image cache and work folder (default bench-out/ at the repository root; the image
#               cache is bench/lib.sh's, shared with the other benchmarks)
#
# Without --record: compares with bench/golden/identity-bench.json and prints `N passed, M failed`;
# exit status 1 on any difference. The golden file also holds the sha256 of every generated input:
# if those differ (another encoder or generator version), the outputs cannot match either and the
# report says so first.
set -euo pipefail
export LC_ALL=C
unset OPJ_NUM_THREADS

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
root=$(cd "$here/.." && pwd)
# shellcheck source=bench/lib.sh
source "$here/lib.sh"

record=0
out="$root/bench-out"
usage() { sed -n '2,17p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//' >&2; exit 2; }
while (( $# > 0 )); do
    case "$1" in
        --record) record=1; shift ;;
        --out) out=${2:?}; shift 2 ;;
        -h|--help) usage ;;
        *) echo "identity.sh: unknown argument '$1'" >&2; usage ;;
    esac
done
golden="$here/golden/identity-bench.json"

mkdir -p "$out"
out=$(cd "$out" && pwd)
log="$out/identity.log"
: > "$log"
bench_name=identity.sh

# The cases of bench/convert.sh (keep the two lists in step): id|uid|rows|cols|bits|photometric|voi
syn="4096|3328|12|MONOCHROME2|LINEAR"
cases=(
    "1.2.840.10008.1.2.1|1.2.840.10008.1.2.1|$syn"
    "1.2.840.10008.1.2|1.2.840.10008.1.2|$syn"
    "1.2.840.10008.1.2.2|1.2.840.10008.1.2.2|$syn"
    "1.2.840.10008.1.2.1.99|1.2.840.10008.1.2.1.99|$syn"
    "1.2.840.10008.1.2.4.51|1.2.840.10008.1.2.4.51|$syn"
    "1.2.840.10008.1.2.4.57|1.2.840.10008.1.2.4.57|$syn"
    "1.2.840.10008.1.2.4.70|1.2.840.10008.1.2.4.70|$syn"
    "1.2.840.10008.1.2.4.80|1.2.840.10008.1.2.4.80|$syn"
    "1.2.840.10008.1.2.4.81|1.2.840.10008.1.2.4.81|$syn"
    "1.2.840.10008.1.2.5|1.2.840.10008.1.2.5|$syn"
    "1.2.840.10008.1.2.4.90|1.2.840.10008.1.2.4.90|$syn"
    "1.2.840.10008.1.2.4.91|1.2.840.10008.1.2.4.91|$syn"
    "1.2.840.10008.1.2.4.201|1.2.840.10008.1.2.4.201|$syn"
    "1.2.840.10008.1.2.4.202|1.2.840.10008.1.2.4.202|$syn"
    "1.2.840.10008.1.2.4.203|1.2.840.10008.1.2.4.203|$syn"
    "size-3062x2394|1.2.840.10008.1.2.1|3062|2394|12|MONOCHROME2|LINEAR"
    "size-2294x1914|1.2.840.10008.1.2.1|2294|1914|12|MONOCHROME2|LINEAR"
    "bits-14|1.2.840.10008.1.2.1|4096|3328|14|MONOCHROME2|LINEAR"
    "bits-16|1.2.840.10008.1.2.1|4096|3328|16|MONOCHROME2|LINEAR"
    "mono1|1.2.840.10008.1.2.1|4096|3328|12|MONOCHROME1|LINEAR"
    "sigmoid|1.2.840.10008.1.2.1|4096|3328|12|MONOCHROME2|SIGMOID"
)

t_start=$(now)
say "installing dependencies (scripts/install-deps.sh --fixtures, scripts/python-env.sh)"
"$root/scripts/install-deps.sh" --fixtures
python=$("$root/scripts/python-env.sh")

say "building mammo-prep (release)"
t0=$(now)
if ! (cd "$root" && swift build -c release --product mammo-prep) > "$out/identity-build.log" 2>&1; then
    tail -n 30 "$out/identity-build.log" >&2
    echo "identity.sh: release build failed (full log: $out/identity-build.log)" >&2
    exit 1
fi
bin="$(cd "$root" && swift build -c release --show-bin-path)/mammo-prep"
test -x "$bin"
say "  build: $(elapsed "$t0" "$(now)") s"

# --- images: bench/lib.sh's cache, same folders and stamps as bench/convert.sh ---------------------
gen_hash=$(bench_gen_hash)
case_dir() {  # rows cols bits photometric voi uid
    local suffix=""
    [[ "$4" != MONOCHROME2 ]] && suffix+="-$4"
    [[ "$5" != LINEAR ]] && suffix+="-$5"
    echo "$out/images/${1}x${2}-${3}bit${suffix}/$6"
}
work="$out/identity"
rm -rf "$work"
mkdir -p "$work/inputs"
t0=$(now)
failed_gen=0
for entry in "${cases[@]}"; do
    IFS='|' read -r id uid rows cols bits photometric voi <<< "$entry"
    dir=$(case_dir "$rows" "$cols" "$bits" "$photometric" "$voi" "$uid")
    stamp="$gen_hash"; [[ "$voi" != LINEAR ]] && stamp+="+voi=$voi"
    t1=$(now)
    if ! bench_phantom "$dir" "$stamp" "$rows" "$cols" "$bits" "$photometric" "$uid" "$voi"; then
        say "  $id: generation failed: $(oneline < "$dir/generate.log")"
        failed_gen=$((failed_gen + 1))
        continue
    fi
    say "  image $id (${rows}x${cols} ${bits}-bit $photometric $voi): $(elapsed "$t1" "$(now)") s (0 when cached)"
    ln -f "$dir/source.dcm" "$work/inputs/$id.dcm" 2> /dev/null || cp "$dir/source.dcm" "$work/inputs/$id.dcm"
done
say "images: $(elapsed "$t0" "$(now)") s"
if (( failed_gen > 0 )); then
    echo "identity.sh: $failed_gen images could not be generated (see $log); the corpus is incomplete" >&2
    exit 1
fi

# --- the matrix ---------------------------------------------------------------------------------------
t0=$(now)
args=(--bin "$bin" --preset bench --cwd "$work" --inputs inputs --hash-inputs --work "$work/work" --jobs 1)
rc=0
if (( record )); then
    mkdir -p "$(dirname "$golden")"
    "$python" "$root/Tests/oracle/identity_matrix.py" "${args[@]}" --record "$golden" 2>&1 | tee -a "$log" || rc=$?
    say "recorded ${golden#"$root/"}"
else
    [[ -f "$golden" ]] || { echo "identity.sh: ${golden#"$root/"} is missing; run with --record first" >&2; exit 2; }
    "$python" "$root/Tests/oracle/identity_matrix.py" "${args[@]}" --compare "$golden" 2>&1 | tee -a "$log" || rc=$?
fi
rm -rf "$work/work"
say "matrix: $(elapsed "$t0" "$(now)") s; total $(elapsed "$t_start" "$(now)") s"
exit "$rc"
