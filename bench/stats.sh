#!/usr/bin/env bash
# Stats benchmark: throughput of the `mammo-prep stats` kernels against the issue's targets, images/s
# of whole `stats` runs against `convert` (is it decode-bound?) and against a pydicom + numpy peer,
# agreement with that peer, and peak memory over 8 and 64 inputs. See bench/README.md.
#
#   bench/stats.sh [--images N] [--reps R] [--size RxC] [--out DIR] [--quick]
#
#   --images N   files per timed run (default 8; N distinct names, hard links to one image)
#   --reps R     runs per measurement, interleaved; the report shows the median (default 3)
#   --size RxC   image and kernel frame size (default 4096x3328, the issue's; smaller for a smoke run)
#   --out DIR    output and image cache, shared with convert.sh (default bench-out/ at the repository root)
#   --quick      Explicit VR LE only (no JPEG-LS row) and one peak-RSS run per configuration
#
# Writes DIR/stats.md (also printed), DIR/stats-results.tsv (raw per-run numbers) and DIR/stats.log.
# Exit status 0 when every command ran and mammo-prep's mean/std (--mask none) matched the peer's
# to 1e-9 relative; PASS/FAIL against the speed and memory targets does not change the exit status.
set -euo pipefail
export LC_ALL=C
unset OPJ_NUM_THREADS   # OpenJPEG would otherwise decode with that many threads

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
root=$(cd "$here/.." && pwd)
# shellcheck source=bench/lib.sh
source "$here/lib.sh"

images=8
out="$root/bench-out"
quick=0
reps=3
jobs=2
rss_counts=(8 64)       # inputs for the peak-RSS runs (the issue's figures)
size=4096x3328
bits=12

usage() { sed -n '2,16p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//' >&2; exit 2; }
while (( $# > 0 )); do
    case "$1" in
        --images) images=${2:?}; shift 2 ;;
        --reps) reps=${2:?}; shift 2 ;;
        --size) size=${2:?}; shift 2 ;;
        --out) out=${2:?}; shift 2 ;;
        --quick) quick=1; shift ;;
        -h|--help) usage ;;
        *) echo "stats.sh: unknown argument '$1'" >&2; usage ;;
    esac
done
for n in "$images" "$reps"; do
    [[ "$n" =~ ^[1-9][0-9]*$ ]] || { echo "stats.sh: --images/--reps must be positive integers" >&2; exit 2; }
done
[[ "$size" =~ ^([1-9][0-9]*)x([1-9][0-9]*)$ ]] && (( BASH_REMATCH[1] >= 160 && BASH_REMATCH[2] >= 160 )) \
    || { echo "stats.sh: --size must be RxC, at least 160x160 (the phantom's label), e.g. 4096x3328" >&2; exit 2; }
rows=${BASH_REMATCH[1]}; cols=${BASH_REMATCH[2]}
rss_reps=$reps; (( quick )) && rss_reps=1

# id|name|uid  (4096x3328 12-bit MONOCHROME2, LINEAR window: convert.sh's transfer-syntax images)
cases=("explicit-le|Explicit VR LE|1.2.840.10008.1.2.1")
(( quick )) || cases+=("jpeg-ls|JPEG-LS lossless|1.2.840.10008.1.2.4.80")

mkdir -p "$out"
out=$(cd "$out" && pwd)
bench_start stats.sh "$out/stats.log"

# --- 1. dependencies and the release binaries -----------------------------------------------------
bench_setup
bench_gnu_time   # peak RSS comes from GNU time's %M (lib.sh)

bench_build "$out/stats-build.log" mammo-prep mammo-prep-bench
bench_bin="$bin_dir/mammo-prep-bench"

# --- 2. images, cached ------------------------------------------------------------------------------
# Same layout and stamp as bench/decode.sh and bench/convert.sh: OUT/images/RxC-Bbit/UID/source.dcm
# + img-NNN.dcm hard links, so the three benchmarks share images.
case_dir() { bench_image_dir "$rows" "$cols" "$bits" MONOCHROME2 LINEAR "$1"; }   # uid

max_rss=0; for n in "${rss_counts[@]}"; do (( n > max_rss )) && max_rss=$n; done
t0=$(now)
for entry in "${cases[@]}"; do
    IFS='|' read -r id name uid <<< "$entry"
    n=$images; [[ $id == explicit-le ]] && (( max_rss > n )) && n=$max_rss
    bench_image "$id" "$name" "$rows" "$cols" "$bits" MONOCHROME2 LINEAR "$uid" "$n" || true
done
generate_s=$(elapsed "$t0" "$(now)")

tmp="$out/stats-tmp"
rm -rf "$tmp"
mkdir -p "$tmp"
results="$out/stats-results.tsv"
# Long format: one measurement per line. section: kernel | case | time | inside | agree | rss | error
printf 'section\tcase\ttool\trep\tmetric\tvalue\n' > "$results"
row() { printf '%s\t%s\t%s\t%s\t%s\t%s\n' "$@" >> "$results"; }
failed=0

# json_rows FILE SECTION CASE TOOL REP KEY... : one TSV row per key of the JSON object in FILE
# (first element of a list value); nothing for a missing key.
json_rows() {
    "$python" - "$@" >> "$results" <<'PY'
import json, sys
path, section, case, tool, rep, *keys = sys.argv[1:]
d = json.load(open(path))
for k in keys:
    v = d.get(k)
    if isinstance(v, list):
        v = v[0] if v else None
    if v is not None:
        print("\t".join([section, case, tool, rep, k, repr(v) if isinstance(v, float) else str(v)]))
PY
}

# --- 3. the kernels (mammo-prep-bench: one thread, synthetic windowed frame, best of 7 per run) ------
say "kernels: mammo-prep-bench --size ${rows}x${cols}, ${reps} runs"
for ((r = 1; r <= reps; r++)); do
    if "$bench_bin" --size "${rows}x${cols}" > "$tmp/kernel.json" 2> "$tmp/kernel.err"; then
        json_rows "$tmp/kernel.json" kernel - bench-stats "$r" accumulateGBps maskSeconds \
            maskedAccumulateGBps maskPlusMaskedAccumulateGBps maskFraction reps
    else
        row error - bench-stats "$r" message "mammo-prep-bench: $(oneline < "$tmp/kernel.err")"
        failed=1
        break
    fi
done

# --- 4. whole runs: stats (both masks), convert, the peer and decode only, interleaved ----------------
tools=(stats-none stats-foreground convert peer decode)
# run_tool TOOL FILES... : one timed run; prints seconds on success, nothing on failure.
run_tool() {
    local tool=$1; shift
    local a b rc=0
    rm -rf "$tmp/convert-out"
    rm -f "$tmp/$tool.json"
    a=$(now)
    case "$tool" in
        stats-none|stats-foreground)
            "$bin" stats "$@" --out "$tmp/$tool.json" --mask "${tool#stats-}" -j "$jobs" -q \
                > "$tmp/$tool.out" 2> "$tmp/$tool.err" || rc=$? ;;
        convert)
            "$bin" convert "$@" --out "$tmp/convert-out" -j "$jobs" --quiet \
                > "$tmp/$tool.out" 2> "$tmp/$tool.err" || rc=$? ;;
        peer)
            "$python" "$here/peer_stats.py" --jobs "$jobs" "$@" > "$tmp/$tool.json" 2> "$tmp/$tool.err" || rc=$? ;;
        decode)   # decoding alone, one thread: every frame to stored values, no windowing
            "$bin" inspect --verify "$@" > "$tmp/$tool.out" 2> "$tmp/$tool.err" || rc=$? ;;
    esac
    b=$(now)
    local ok=0
    if (( rc == 0 )); then
        case "$tool" in
            decode) ok=1 ;;
            convert)
                local made
                made=$({ find "$tmp/convert-out" -maxdepth 1 -name '*.npy' 2> /dev/null || true; } | wc -l)
                (( made == $# )) && ok=1 || echo "exit 0 but $made of $# .npy files written" >> "$tmp/$tool.err" ;;
            *)
                "$python" -c 'import json,sys; d=json.load(open(sys.argv[1])); sys.exit(0 if d.get("count") else 1)' \
                    "$tmp/$tool.json" 2> /dev/null && ok=1 || echo "exit 0 but no pixels pooled" >> "$tmp/$tool.err" ;;
        esac
    fi
    rm -rf "$tmp/convert-out"
    (( ok )) && secs "$a" "$b"
    return 0
}

warmed=0
for entry in "${cases[@]}"; do
    IFS='|' read -r id name uid <<< "$entry"
    dir=$(case_dir "$uid")
    row case "$id" - - name "$name"
    row case "$id" - - uid "$uid"
    row case "$id" - - images "$images"
    if ! bench_has_image "$id" "$dir"; then
        row error "$id" - - message "${gen_note[$id]:-no image}"
        failed=1
        continue
    fi
    row case "$id" - - bytes "$(stat -c %s "$dir/source.dcm")"
    bench_files "$dir" "$images"
    cat "${files[@]}" > /dev/null          # warm the page cache for every tool
    if (( ! warmed )); then
        # One untimed run of each tool first: binary, libraries, interpreter and packages in memory.
        say "warm-up: one untimed run of each command on $name"
        for tool in "${tools[@]}"; do run_tool "$tool" "${files[@]}" > /dev/null; done
        warmed=1
    fi
    declare -A ok=([stats-none]=1 [stats-foreground]=1 [convert]=1 [peer]=1 [decode]=1)
    say "timing $name, ${images} files x ${reps} runs (stats none, stats foreground, convert, peer, inspect --verify)"
    for ((r = 1; r <= reps; r++)); do
        for tool in "${tools[@]}"; do
            (( ${ok[$tool]} )) || continue
            s=$(run_tool "$tool" "${files[@]}")
            if [[ -n "$s" ]]; then
                row time "$id" "$tool" "$r" seconds "$s"
                [[ $tool == peer ]] && json_rows "$tmp/peer.json" inside "$id" peer "$r" seconds_in_script
                if (( r == reps )) && [[ $tool == stats-* || $tool == peer ]]; then
                    json_rows "$tmp/$tool.json" agree "$id" "$tool" "$r" mean std count maskFraction
                fi
            else
                ok[$tool]=0
                failed=1
                msg=$(oneline < "$tmp/$tool.err")
                row error "$id" "$tool" "$r" message "$msg"
                say "  $tool failed: $msg"
            fi
        done
    done
    unset ok
done

# --- 5. peak RSS over 8 and 64 inputs (the same uncompressed file, hard links) --------------------
dir=$(case_dir 1.2.840.10008.1.2.1)
if [[ -f "$dir/source.dcm" ]]; then
    say "peak RSS: stats over ${rss_counts[*]} inputs, -j $jobs, both masks, ${rss_reps} run(s) each"
    declare -A rss_ok=()
    for ((r = 1; r <= rss_reps; r++)); do
        for mask in none foreground; do
            for n in "${rss_counts[@]}"; do
                [[ "${rss_ok[$mask-$n]:-1}" == 1 ]] || continue
                bench_files "$dir" "$n"
                (( r == 1 )) && cat "${files[0]}" > /dev/null
                rc=0
                /usr/bin/time -f '%M %e' -o "$tmp/time.txt" "$bin" stats "${files[@]}" --out "$tmp/rss.json" \
                    --mask "$mask" -j "$jobs" -q > "$tmp/rss.out" 2> "$tmp/rss.err" || rc=$?
                if (( rc == 0 )) && read -r kb wall < <(tail -n 1 "$tmp/time.txt") && [[ "$kb" =~ ^[0-9]+$ ]]; then
                    row rss "$n" "stats-$mask" "$r" peak_kb "$kb"
                    row rss "$n" "stats-$mask" "$r" seconds "$wall"
                else
                    rss_ok[$mask-$n]=0
                    failed=1
                    msg=$(cat "$tmp/rss.err" "$tmp/time.txt" 2> /dev/null | oneline)
                    row error "rss-$n" "stats-$mask" "$r" message "$msg"
                    say "  peak RSS run ($mask, $n inputs) failed: $msg"
                fi
            done
        done
    done
fi

# --- report -----------------------------------------------------------------------------------------
"$python" "$here/peer_stats.py" --versions > "$tmp/versions.json"
{
    bench_meta
    printf 'jobs\t%s\n' "$jobs"
    printf 'images\t%s\n' "$images"
    printf 'reps\t%s\n' "$reps"
    printf 'rss_reps\t%s\n' "$rss_reps"
    printf 'quick\t%s\n' "$quick"
    printf 'size\t%sx%s\n' "$rows" "$cols"
    printf 'bits\t%s\n' "$bits"
    printf 'failed\t%s\n' "$failed"
} > "$tmp/meta.tsv"
bench_finish "$out/stats.md" "$results" "$python" "$here/stats_report.py" "$results" "$tmp/meta.tsv" "$tmp/versions.json"
