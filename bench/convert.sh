#!/usr/bin/env bash
# Conversion benchmark: `mammo-prep convert` vs the same job as a Python script (pydicom or dicomsdl
# in a 2-process pool), images/s over N synthetic mammograms per case. See bench/README.md.
#
#   bench/convert.sh [--images N] [--syntax-images N] [--reps R] [--out DIR] [--only CASE,...] [--quick]
#
#   --images N          files converted per case and run (default 8; N distinct names, hard links)
#   --syntax-images N   files for the transfer-syntax rows (default: --images)
#   --reps R            timed runs per tool and case, interleaved; the report shows the median (3)
#   --out DIR           output and image cache (default bench-out/ at the repository root)
#   --only CASES        comma-separated case ids or groups: a transfer syntax UID, size-3062x2394,
#                       size-2294x1914, bits-14, bits-16, mono1, sigmoid; groups syntax, size, variant
#   --quick             only the transfer-syntax rows (4096x3328 12-bit MONOCHROME2 LINEAR)
#
# Writes DIR/convert.md (also printed), DIR/convert-results.tsv (raw per-run seconds) and
# DIR/convert.log. Exit status 0 when mammo-prep and the pydicom peer converted every generated
# image and every output matched mammo-prep's to 1e-6 (lossy syntaxes: see the report); PASS/FAIL
# against the speed targets does not change the exit status.
set -euo pipefail
export LC_ALL=C
unset OPJ_NUM_THREADS   # OpenJPEG (every tool) would otherwise decode with that many threads

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
root=$(cd "$here/.." && pwd)
# shellcheck source=bench/lib.sh
source "$here/lib.sh"

images=8
syntax_images=""
out="$root/bench-out"
only=""
quick=0
reps=3
jobs=2

usage() { sed -n '2,20p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//' >&2; exit 2; }
while (( $# > 0 )); do
    case "$1" in
        --images) images=${2:?}; shift 2 ;;
        --syntax-images) syntax_images=${2:?}; shift 2 ;;
        --reps) reps=${2:?}; shift 2 ;;
        --out) out=${2:?}; shift 2 ;;
        --only) only=${2:?}; shift 2 ;;
        --quick) quick=1; shift ;;
        -h|--help) usage ;;
        *) echo "convert.sh: unknown argument '$1'" >&2; usage ;;
    esac
done
syntax_images=${syntax_images:-$images}
for n in "$images" "$syntax_images" "$reps"; do
    [[ "$n" =~ ^[1-9][0-9]*$ ]] || { echo "convert.sh: --images/--syntax-images/--reps must be positive integers" >&2; exit 2; }
done

# id|group|name|uid|lossy|rows|cols|bits|photometric|voi
syn="4096|3328|12|MONOCHROME2|LINEAR"
cases=(
    "1.2.840.10008.1.2.1|syntax|Explicit VR LE|1.2.840.10008.1.2.1|0|$syn"
    "1.2.840.10008.1.2|syntax|Implicit VR LE|1.2.840.10008.1.2|0|$syn"
    "1.2.840.10008.1.2.2|syntax|Explicit VR BE|1.2.840.10008.1.2.2|0|$syn"
    "1.2.840.10008.1.2.1.99|syntax|Deflated Explicit VR LE|1.2.840.10008.1.2.1.99|0|$syn"
    "1.2.840.10008.1.2.4.51|syntax|JPEG extended (lossy)|1.2.840.10008.1.2.4.51|1|$syn"
    "1.2.840.10008.1.2.4.57|syntax|JPEG lossless P14|1.2.840.10008.1.2.4.57|0|$syn"
    "1.2.840.10008.1.2.4.70|syntax|JPEG lossless SV1|1.2.840.10008.1.2.4.70|0|$syn"
    "1.2.840.10008.1.2.4.80|syntax|JPEG-LS lossless|1.2.840.10008.1.2.4.80|0|$syn"
    "1.2.840.10008.1.2.4.81|syntax|JPEG-LS near-lossless (NEAR 2)|1.2.840.10008.1.2.4.81|1|$syn"
    "1.2.840.10008.1.2.5|syntax|RLE lossless|1.2.840.10008.1.2.5|0|$syn"
    "1.2.840.10008.1.2.4.90|syntax|JPEG 2000 lossless|1.2.840.10008.1.2.4.90|0|$syn"
    "1.2.840.10008.1.2.4.91|syntax|JPEG 2000 lossy|1.2.840.10008.1.2.4.91|1|$syn"
    "1.2.840.10008.1.2.4.201|syntax|HTJ2K lossless|1.2.840.10008.1.2.4.201|0|$syn"
    "1.2.840.10008.1.2.4.202|syntax|HTJ2K lossless RPCL|1.2.840.10008.1.2.4.202|0|$syn"
    "1.2.840.10008.1.2.4.203|syntax|HTJ2K lossy|1.2.840.10008.1.2.4.203|1|$syn"
    "size-3062x2394|size|3062x2394|1.2.840.10008.1.2.1|0|3062|2394|12|MONOCHROME2|LINEAR"
    "size-2294x1914|size|2294x1914|1.2.840.10008.1.2.1|0|2294|1914|12|MONOCHROME2|LINEAR"
    "bits-14|variant|14-bit|1.2.840.10008.1.2.1|0|4096|3328|14|MONOCHROME2|LINEAR"
    "bits-16|variant|16-bit|1.2.840.10008.1.2.1|0|4096|3328|16|MONOCHROME2|LINEAR"
    "mono1|variant|MONOCHROME1|1.2.840.10008.1.2.1|0|4096|3328|12|MONOCHROME1|LINEAR"
    "sigmoid|variant|SIGMOID|1.2.840.10008.1.2.1|0|4096|3328|12|MONOCHROME2|SIGMOID"
)

if [[ -n "$only" ]]; then
    IFS=',' read -r -a tokens <<< "$only"
    for t in "${tokens[@]}"; do
        ok=0
        for entry in "${cases[@]}"; do
            IFS='|' read -r id group _ <<< "$entry"
            [[ "$t" == "$id" || "$t" == "$group" ]] && ok=1
        done
        (( ok )) || { echo "convert.sh: --only: unknown case or group '$t'" >&2; usage; }
    done
fi
selected() {  # id group
    if (( quick )) && [[ "$2" != syntax ]]; then return 1; fi
    [[ -z "$only" || ",$only," == *",$1,"* || ",$only," == *",$2,"* ]]
}

mkdir -p "$out"
out=$(cd "$out" && pwd)
bench_start convert.sh "$out/convert.log"

# --- 1. dependencies and the release binary -------------------------------------------------------
bench_setup
bench_dicomsdl   # dicomsdl goes into the same venv (lib.sh)
bench_build "$out/convert-build.log"

# --- 2. images, cached ------------------------------------------------------------------------------
# Same layout and stamp as bench/decode.sh: OUT/images/RxC-Bbit/UID/source.dcm + img-NNN.dcm hard
# links, so both benchmarks share the MONOCHROME2 LINEAR images. Variants get a suffix
# (RxC-Bbit-MONOCHROME1, RxC-Bbit-SIGMOID). SIGMOID: phantom.py has no option for the VOI LUT
# Function, so its Explicit VR LE output is post-edited with pydicom (VOILUTFunction = SIGMOID; the
# phantom's NORMAL/HARDER/SOFTER windows are kept).
t0=$(now)
for entry in "${cases[@]}"; do
    IFS='|' read -r id group name uid lossy rows cols bits photometric voi <<< "$entry"
    selected "$id" "$group" || continue
    n=$images; [[ $group == syntax ]] && n=$syntax_images
    bench_image "$id" "$name ($id)" "$rows" "$cols" "$bits" "$photometric" "$voi" "$uid" "$n" || true
done
generate_s=$(elapsed "$t0" "$(now)")

# --- 3. timing and correctness ----------------------------------------------------------------------

startup_ms=$(startup_ms_of "$bin")

tmp="$out/convert-tmp"
rm -rf "$tmp"
mkdir -p "$tmp"
results="$out/convert-results.tsv"
printf 'id\tgroup\tname\tuid\tlossy\trows\tcols\tbits\tphotometric\tvoi\tbytes\timages\tstatus\tmammo_s\tpydicom_s\tdicomsdl_s\tpydicom_in_s\tdicomsdl_in_s\tdiff_pydicom\tdiff_dicomsdl\texplain_pydicom\texplain_dicomsdl\tnote\tnote_dicomsdl\n' > "$results"

# run_tool TOOL OUTDIR FILES... : one timed run; prints seconds on success, nothing on failure.
run_tool() {
    local tool=$1 dir=$2; shift 2
    local a b rc=0
    rm -rf "$dir"
    a=$(now)
    case "$tool" in
        mammo) "$bin" convert "$@" --out "$dir" -j "$jobs" --quiet --overwrite > "$tmp/$tool.out" 2> "$tmp/$tool.err" || rc=$? ;;
        *) "$python" "$here/peer_convert.py" --backend "$tool" --jobs "$jobs" --out "$dir" "$@" \
               > "$tmp/$tool.out" 2> "$tmp/$tool.err" || rc=$? ;;
    esac
    b=$(now)
    local made
    made=$({ find "$dir" -maxdepth 1 -name '*.npy' 2> /dev/null || true; } | wc -l)
    if (( rc == 0 && made == $# )); then
        secs "$a" "$b"
    elif (( rc == 0 )); then
        echo "exit 0 but $made of $# .npy files written" >> "$tmp/$tool.err"
    fi
}

warmed=0
for entry in "${cases[@]}"; do
    IFS='|' read -r id group name uid lossy rows cols bits photometric voi <<< "$entry"
    selected "$id" "$group" || continue
    n=$images; [[ $group == syntax ]] && n=$syntax_images
    dir=$(bench_image_dir "$rows" "$cols" "$bits" "$photometric" "$voi" "$uid")
    fields="$id\t$group\t$name\t$uid\t$lossy\t$rows\t$cols\t$bits\t$photometric\t$voi"
    if ! bench_has_image "$id" "$dir"; then
        printf "$fields"'\t-\t%s\tgeneration-failed\t\t\t\t\t\t\t\t\t\t%s\t\n' "$n" "${gen_note[$id]:-no image}" >> "$results"
        continue
    fi
    bench_files "$dir" "$n"
    bytes=$(stat -c %s "$dir/source.dcm")
    cat "${files[@]}" > /dev/null          # warm the page cache for every tool
    if (( ! warmed )); then
        # One untimed run of each tool before the first timed case: the binary, the shared
        # libraries, the interpreter and the packages come into memory once for all cases.
        say "warm-up: one untimed run of each tool on $name"
        for tool in mammo pydicom dicomsdl; do
            run_tool "$tool" "$tmp/out-$tool" "${files[@]}" > /dev/null || true
            rm -rf "$tmp/out-$tool"
        done
        warmed=1
    fi
    status=ok; note=""; note_dsl=""
    declare -A ok=([mammo]=1 [pydicom]=1 [dicomsdl]=1)
    declare -A secs_list=([mammo]="" [pydicom]="" [dicomsdl]="")
    declare -A in_list=([pydicom]="" [dicomsdl]="")
    rm -f "$tmp"/check-*.npy

    say "timing $name ($id), ${n} files x ${reps} runs"
    for ((r = 1; r <= reps; r++)); do
        for tool in mammo pydicom dicomsdl; do
            (( ${ok[$tool]} )) || continue
            s=$(run_tool "$tool" "$tmp/out-$tool" "${files[@]}")
            if [[ -n "$s" ]]; then
                secs_list[$tool]+="${secs_list[$tool]:+,}$s"
                if [[ $tool != mammo ]]; then
                    in_list[$tool]+="${in_list[$tool]:+,}$(awk -v v="$(jget "$tmp/$tool.out" seconds_in_script)" 'BEGIN { printf "%.3f", v }')"
                fi
                (( r == reps )) && mv "$tmp/out-$tool/img-001.npy" "$tmp/check-$tool.npy"
            else
                ok[$tool]=0
                msg=$(oneline < "$tmp/$tool.err")
                case "$tool" in
                    mammo) status=mammo-prep-failed; note="${note:+$note; }mammo-prep convert: $msg" ;;
                    pydicom) [[ $status == ok ]] && status=pydicom-failed; note="${note:+$note; }pydicom peer: $msg" ;;
                    dicomsdl) note_dsl="$msg" ;;
                esac
                say "  $tool failed: $msg"
            fi
            rm -rf "$tmp/out-$tool"
        done
    done

    # correctness: the first file's output of each peer vs mammo-prep's (from the last run)
    declare -A diff=([pydicom]="" [dicomsdl]="")
    declare -A why=([pydicom]="" [dicomsdl]="")
    if (( ${ok[mammo]} )); then
        for tool in pydicom dicomsdl; do
            (( ${ok[$tool]} )) || continue
            if "$python" "$here/peer_convert.py" --compare "$tmp/check-mammo.npy" "$tmp/check-$tool.npy" \
                    > "$tmp/compare.json" 2> "$tmp/compare.err"; then
                diff[$tool]=$(jget "$tmp/compare.json" max_abs_diff)
                [[ -n "${diff[$tool]}" ]] || diff[$tool]="shape differs"
            else
                diff[$tool]="compare failed: $(oneline < "$tmp/compare.err")"
            fi
            # Above 1e-6: is it the decoder (stored values) or the windowing?
            if [[ "${diff[$tool]}" =~ ^[0-9.eE+-]+$ ]] && awk -v d="${diff[$tool]}" 'BEGIN { exit !(d > 1e-6) }'; then
                if [[ ! -f "$tmp/stored.npy" ]]; then
                    "$bin" dump-stored "${files[0]}" --out "$tmp/stored.npy" > /dev/null 2>&1 || true
                fi
                if "$python" "$here/peer_convert.py" --explain "${files[0]}" --backend "$tool" \
                        --mammo-stored "$tmp/stored.npy" --mammo "$tmp/check-mammo.npy" \
                        > "$tmp/explain.json" 2> "$tmp/explain.err"; then
                    why[$tool]=$(tr -d '\t\n' < "$tmp/explain.json")
                else
                    why[$tool]="explain failed: $(oneline < "$tmp/explain.err")"
                fi
            fi
        done
    fi
    rm -f "$tmp/stored.npy"
    [[ $status == ok ]] || say "  $status: $note"
    printf "$fields"'\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' \
        "$bytes" "$n" "$status" "${secs_list[mammo]}" "${secs_list[pydicom]}" "${secs_list[dicomsdl]}" \
        "${in_list[pydicom]}" "${in_list[dicomsdl]}" "${diff[pydicom]}" "${diff[dicomsdl]}" \
        "${why[pydicom]}" "${why[dicomsdl]}" "$note" "$note_dsl" >> "$results"
    unset ok secs_list in_list diff why
done
rm -f "$tmp"/check-*.npy

# --- report -----------------------------------------------------------------------------------------
"$python" "$here/peer_convert.py" --versions > "$tmp/versions.json"
{
    bench_meta
    printf 'jobs\t%s\n' "$jobs"
    printf 'images\t%s\n' "$images"
    printf 'syntax_images\t%s\n' "$syntax_images"
    printf 'reps\t%s\n' "$reps"
    printf 'quick\t%s\n' "$quick"
    printf 'startup_ms\t%s\n' "$startup_ms"
} > "$tmp/meta.tsv"
bench_finish "$out/convert.md" "$results" \
    "$python" "$here/convert_report.py" "$results" "$tmp/meta.tsv" "$tmp/versions.json"
