#!/usr/bin/env bash
# CLAHE benchmark (issue 13): `mammo-prep convert --clahe 2` (release, -j 2) against an OpenCV
# script doing the same job (bench/peer_clahe.py: pydicom → window → cv2 CLAHE on uint16 → .npy,
# 2 processes), on uncompressed 12-bit mammogram-sized images; and the cost of CLAHE itself per
# image (`convert -j 1` with and without --clahe). Images/s (median of the reps), the ratio, peak
# RSS, and the agreement of the two outputs. See bench/README.md.
#
#   bench/clahe.sh [--images N] [--reps R] [--out DIR] [--size RxC] [--quick]
#
#   --images N (default 8; hard links to one image), --reps R (default 3, interleaved),
#   --size RxC (default 4096x3328); --quick: a check that the script works (2 images, 1 rep,
#   1024x832), not a measurement.
#
# Writes DIR/clahe.md (also printed), DIR/clahe-results.tsv and DIR/clahe.log. Exit 0 when every
# run succeeded and the peer's output equals mammo-prep's on at least 99.9 % of the pixels (the
# windowing of the peer and of mammo-prep may round a value to the other side of a 16-bit code);
# the target (≥ 1.0× the peer) is reported, not enforced.
set -euo pipefail
export LC_ALL=C
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
root=$(cd "$here/.." && pwd)
# shellcheck source=bench/lib.sh
source "$here/lib.sh"

images=8; reps=3; out="$root/bench-out"; size=4096x3328; clip=2; grid=8x8
while (( $# > 0 )); do
    case "$1" in
        --images) images=${2:?}; shift 2 ;;
        --reps) reps=${2:?}; shift 2 ;;
        --out) out=${2:?}; shift 2 ;;
        --size) size=${2:?}; shift 2 ;;
        --quick) images=2; reps=1; size=1024x832; shift ;;
        -h|--help) sed -n '2,17p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//' >&2; exit 2 ;;
        *) echo "clahe.sh: unknown argument '$1'" >&2; exit 2 ;;
    esac
done
[[ "$images" =~ ^[1-9][0-9]*$ && "$reps" =~ ^[1-9][0-9]*$ ]] \
    || { echo "clahe.sh: --images/--reps must be positive integers" >&2; exit 2; }
[[ "$size" =~ ^([1-9][0-9]*)x([1-9][0-9]*)$ ]] && (( BASH_REMATCH[1] >= 256 && BASH_REMATCH[2] >= 256 )) \
    || { echo "clahe.sh: --size must be RxC, at least 256x256" >&2; exit 2; }
R=${BASH_REMATCH[1]}; C=${BASH_REMATCH[2]}
mkdir -p "$out"
out=$(cd "$out" && pwd)
bench_start clahe.sh "$out/clahe.log"

bench_setup                 # $python: the oracle venv (pydicom, numpy, opencv-python-headless)
bench_gnu_time
bench_build "$out/clahe-build.log"

uid=1.2.840.10008.1.2.1
bench_image explicit-le "Explicit VR LE" "$R" "$C" 12 MONOCHROME2 LINEAR "$uid" "$images" || exit 1
bench_files "$(bench_image_dir "$R" "$C" 12 MONOCHROME2 LINEAR "$uid")" "$images"
cat "${files[@]}" > /dev/null   # warm page cache

tmp="$out/clahe-tmp"
results="$out/clahe-results.tsv"
printf 'case\trep\tseconds\tpeak_rss_kb\n' > "$results"
# case id | command
cases=(
    "plain-j2|$bin convert -j 2 -q --overwrite"
    "clahe-j2|$bin convert -j 2 -q --overwrite --clahe $clip:$grid"
    "peer-j2|$python $here/peer_clahe.py --jobs 2 --clip $clip --grid $grid"
    "plain-j1|$bin convert -j 1 -q --overwrite"
    "clahe-j1|$bin convert -j 1 -q --overwrite --clahe $clip:$grid"
)
run_case() {  # command → "seconds<TAB>peak RSS (kB)"
    local d="$tmp/run" a b rss
    rm -rf "$d"
    a=$(now)
    # shellcheck disable=SC2086
    /usr/bin/time -f '%M' -o "$tmp/rss" $1 --out "$d" "${files[@]}" > /dev/null
    b=$(now)
    rss=$(tail -n 1 "$tmp/rss")
    printf '%s\t%s\n' "$(secs "$a" "$b")" "$rss"
}
mkdir -p "$tmp"
for entry in "${cases[@]}"; do IFS='|' read -r id cmd <<< "$entry"; run_case "$cmd" > /dev/null; done  # warm-up
for ((r = 1; r <= reps; r++)); do
    for entry in "${cases[@]}"; do
        IFS='|' read -r id cmd <<< "$entry"
        s=$(run_case "$cmd")
        printf '%s\t%s\t%s\n' "$id" "$r" "$s" >> "$results"
        say "$id rep $r: $s"
    done
done

# Agreement on the first file: mammo-prep's --clahe output against the peer's.
rm -rf "$tmp/m" "$tmp/p"
"$bin" convert "${files[0]}" --out "$tmp/m" -q --clahe "$clip:$grid"
"$python" "$here/peer_clahe.py" --jobs 1 --clip "$clip" --grid "$grid" --out "$tmp/p" "${files[0]}"
agreement=$("$python" -c '
import numpy as np, sys
a = np.load(sys.argv[1]); b = np.load(sys.argv[2])
q = np.rint(a.astype(np.float64) * 65535); p = np.rint(b.astype(np.float64) * 65535)
print(f"{float(np.mean(q == p)):.6f}\t{int(np.abs(q - p).max())}")' "$tmp/m/img-001.npy" "$tmp/p/img-001.npy")

"$python" - "$results" "$images" "$R" "$C" "$clip:$grid" "$agreement" "$load_start" > "$out/clahe.md" <<'PY'
import statistics, sys
from collections import defaultdict
results, images, rows, cols, clahe, agreement, load = sys.argv[1:8]
images = int(images)
equal, maxdiff = agreement.split("\t")
t, rss = defaultdict(list), defaultdict(list)
for line in open(results).read().splitlines()[1:]:
    case, _, s, kb = line.split("\t")
    t[case].append(float(s)); rss[case].append(int(kb))
med = {k: statistics.median(v) for k, v in t.items()}
ips = {k: images / v for k, v in med.items()}
cost = (med["clahe-j1"] - med["plain-j1"]) / images
print(f"# CLAHE benchmark ({images} images {rows}x{cols}, 12-bit, `--clahe {clahe}`)\n")
print("| case | median s | images/s | peak RSS MB |")
print("|---|---|---|---|")
for k in ("plain-j2", "clahe-j2", "peer-j2", "plain-j1", "clahe-j1"):
    print(f"| {k} | {med[k]:.3f} | {ips[k]:.2f} | {max(rss[k]) / 1024:.0f} |")
print()
print(f"- `convert --clahe` (2 jobs) vs the OpenCV script (2 processes): **{ips['clahe-j2'] / ips['peer-j2']:.2f}x** (target >= 1.0x)")
print(f"- CLAHE cost per {rows}x{cols} image (one core, `-j 1` with minus without): **{cost * 1000:.0f} ms**")
print(f"- agreement with the peer on the first image: {float(equal) * 100:.4f} % of pixels equal, max difference {maxdiff} codes")
print(f"- load average at start: {load}")
ok = float(equal) >= 0.999
sys.exit(0 if ok else 1)
PY
rc=$?
cat "$out/clahe.md"
say "wrote $out/clahe.md and $results"
exit $rc
