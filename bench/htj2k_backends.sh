#!/usr/bin/env bash
# HTJ2K backends on mammogram-sized images: OpenJPH (the default) against OpenJPEG, at full and
# reduced resolution, through `mammo-prep-bench decode`. See bench/README.md.
#
#   bench/htj2k_backends.sh [--size RxC] [--bits B] [--repeat N] [--reduce "0 1 2 3"] [--out DIR]
#
#   --size RxC   rows x columns (default 4096x3328)
#   --bits B     Bits Stored (default 12)
#   --repeat N   timed decodes per measurement (default 10; one untimed decode first)
#   --reduce L   resolution levels to discard, a list (default "0 1 2 3")
#   --out DIR    output and image cache (default bench-out/ at the repository root)
#
# Prints a table (also DIR/htj2k_backends.tsv): per syntax, level and backend the codec that ran,
# `reduced`, the frame size, the stored-value hash and min / median ms per frame (one thread).
# Exit status 0 when both backends gave the same hash everywhere (the irreversible .203 goes to
# OpenJPEG under both, by design: docs/pipeline.md).
set -euo pipefail
export LC_ALL=C
unset OPJ_NUM_THREADS

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
root=$(cd "$here/.." && pwd)
# shellcheck source=bench/lib.sh
source "$here/lib.sh"

size=4096x3328
bits=12
repeat=10
levels="0 1 2 3"
out="$root/bench-out"

usage() { sed -n '2,17p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//' >&2; exit 2; }
while (( $# > 0 )); do
    case "$1" in
        --size) size=${2:?}; shift 2 ;;
        --bits) bits=${2:?}; shift 2 ;;
        --repeat) repeat=${2:?}; shift 2 ;;
        --reduce) levels=${2:?}; shift 2 ;;
        --out) out=${2:?}; shift 2 ;;
        -h|--help) usage ;;
        *) echo "htj2k_backends.sh: unknown argument '$1'" >&2; usage ;;
    esac
done
[[ "$size" =~ ^([1-9][0-9]*)x([1-9][0-9]*)$ ]] || { echo "htj2k_backends.sh: --size must be RxC" >&2; exit 2; }
rows=${BASH_REMATCH[1]}; cols=${BASH_REMATCH[2]}

mkdir -p "$out"
out=$(cd "$out" && pwd)
bench_start htj2k_backends.sh "$out/htj2k_backends.log"
bench_setup
bench_build "$out/htj2k_backends-build.log" mammo-prep-bench

results="$out/htj2k_backends.tsv"
printf 'syntax\treduce\tbackend\tcodec\treduced\tsize\thash\tms_min\tms_median\tfallback\n' > "$results"
rc=0
for uid in 1.2.840.10008.1.2.4.201 1.2.840.10008.1.2.4.202 1.2.840.10008.1.2.4.203; do
    bench_image "$uid" "HTJ2K $uid" "$rows" "$cols" "$bits" MONOCHROME2 LINEAR "$uid" 1 || { rc=1; continue; }
    file="$(bench_image_dir "$rows" "$cols" "$bits" MONOCHROME2 LINEAR "$uid")/source.dcm"
    for n in $levels; do
        declare -A hash=()
        for backend in openjph openjpeg; do
            line=$("$bin_dir/mammo-prep-bench" decode "$file" --backend "htj2k=$backend" --repeat "$repeat" --reduce "$n")
            row=$("$python" -c '
import json, sys
d = json.loads(sys.argv[1])
print("\t".join(str(x) for x in (d["codec"], d["reduced"], "%dx%d" % (d["rows"], d["columns"]), d["storedHash"],
      "%.1f" % d["msMin"], "%.1f" % d["msMedian"], d["fallback"] or "")))' "$line")
            hash[$backend]=$(cut -f4 <<< "$row")
            printf '%s\t%s\t%s\t%s\n' "${uid##*.}" "$n" "$backend" "$row" >> "$results"
        done
        if [[ "${hash[openjph]}" != "${hash[openjpeg]}" ]]; then
            say "$uid reduce $n: OpenJPH and OpenJPEG stored values differ"
            rc=1
        fi
        unset hash
    done
done
column -t -s $'\t' "$results"
exit "$rc"
