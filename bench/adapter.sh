#!/usr/bin/env bash
# Adapter benchmark: `mammo-prep convert --model resnet50d` against plain `convert` (windowed
# (1, H, W) .npy) on the same uncompressed 4096x3328 12-bit images, and against a Python peer
# (pydicom + numpy + Pillow, 2 processes) doing the --model job. See bench/README.md.
#
#   bench/adapter.sh [--images N] [--reps R] [--out DIR]
#
# Writes DIR/adapter.md (also printed), DIR/adapter-results.tsv and DIR/adapter.log. Exit 0 unless
# a run failed or the peer's tensors differ from mammo-prep's by more than 1e-3 (bicubic in float32
# vs Pillow). Smallest run: --images 1 --reps 1.
set -euo pipefail
export LC_ALL=C
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
root=$(cd "$here/.." && pwd)
# shellcheck source=bench/lib.sh
source "$here/lib.sh"
images=8
reps=3
out="$root/bench-out"
while (( $# > 0 )); do
    case "$1" in
        --images) images=${2:?}; shift 2 ;;
        --reps) reps=${2:?}; shift 2 ;;
        --out) out=${2:?}; shift 2 ;;
        -h|--help) sed -n '2,10p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//' >&2; exit 2 ;;
        *) echo "adapter.sh: unknown argument '$1'" >&2; exit 2 ;;
    esac
done
[[ "$images" =~ ^[1-9][0-9]*$ && "$reps" =~ ^[1-9][0-9]*$ ]] \
    || { echo "adapter.sh: --images/--reps must be positive integers" >&2; exit 2; }
mkdir -p "$out"
out=$(cd "$out" && pwd)
bench_start adapter.sh "$out/adapter.log"

bench_setup
bench_build "$out/adapter-build.log"

# The image: same cache layout and stamp as convert.sh/decode.sh.
uid=1.2.840.10008.1.2.1
t0=$(now)
bench_image explicit-le "Explicit VR LE" 4096 3328 12 MONOCHROME2 LINEAR "$uid" "$images" || exit 1
generate_s=$(elapsed "$t0" "$(now)")
bench_files "$(bench_image_dir 4096 3328 12 MONOCHROME2 LINEAR "$uid")" "$images"
cat "${files[@]}" > /dev/null   # warm page cache

tmp="$out/adapter-tmp"
results="$out/adapter-results.tsv"
printf 'case\trep\tseconds\n' > "$results"
# case id | label | command kind | extra arguments
cases=(
    "plain|convert (windowed (1, 4096, 3328) .npy)|mammo|"
    "model|convert --model resnet50d (3x224x224)|mammo|--model resnet50d"
    "model-test|convert --model resnet50d --model-input test (3x288x288)|mammo|--model resnet50d --model-input test"
    "model-crop|convert --model resnet50d --crop-breast --flip-to left|mammo|--model resnet50d --crop-breast --flip-to left"
    "peer|pydicom + numpy + Pillow script, same job as --model resnet50d|peer|"
)
run_case() {  # kind extra
    local d="$tmp/run" a b
    rm -rf "$d"
    a=$EPOCHREALTIME
    if [[ $1 == mammo ]]; then
        # shellcheck disable=SC2086
        "$bin" convert "${files[@]}" --out "$d" -j 2 -q --overwrite $2 > /dev/null
    else
        "$python" "$here/peer_adapt.py" --jobs 2 --out "$d" "${files[@]}" > /dev/null
    fi
    b=$EPOCHREALTIME
    awk -v a="$a" -v b="$b" 'BEGIN { printf "%.3f", b - a }'
}
mkdir -p "$tmp"
for entry in "${cases[@]}"; do IFS='|' read -r id _ kind extra <<< "$entry"; run_case "$kind" "$extra" > /dev/null; done  # warm-up
for ((r = 1; r <= reps; r++)); do
    for entry in "${cases[@]}"; do
        IFS='|' read -r id _ kind extra <<< "$entry"
        s=$(run_case "$kind" "$extra")
        printf '%s\t%s\t%s\n' "$id" "$r" "$s" >> "$results"
        echo "adapter.sh: $id rep $r: $s s" >&2
    done
done

# Agreement: the peer's tensor vs mammo-prep's --model output for the first file.
rm -rf "$tmp/m" "$tmp/p"
"$bin" convert "${files[0]}" --out "$tmp/m" -q --model resnet50d
"$python" "$here/peer_adapt.py" --jobs 1 --out "$tmp/p" "${files[0]}" > /dev/null
diff=$("$python" -c 'import numpy as np,sys; a=np.load(sys.argv[1]); b=np.load(sys.argv[2]); print(f"{float(np.abs(a.astype(np.float64)-b).max()):.2e}")' \
    "$tmp/m/img-001.npy" "$tmp/p/img-001.npy")

{
    bench_meta
    printf 'images\t%s\n' "$images"
    printf 'jobs\t2\n'
    printf 'max_abs_diff\t%s\n' "$diff"
} > "$tmp/meta.tsv"
bench_finish "$out/adapter.md" "$results" "$python" "$here/adapter_report.py" "$results" "$tmp/meta.tsv"
