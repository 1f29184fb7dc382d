#!/usr/bin/env bash
# Decode benchmark: mammo-prep (DCMTK / OpenJPEG) vs pydicom 3 + pylibjpeg plugins, one
# mammogram-sized synthetic image per transfer syntax. See bench/README.md.
#
#   bench/decode.sh [--images N] [--size RxC] [--bits B] [--out DIR] [--only UID[,UID...]]
#
#   --images N   files decoded per syntax and run (default 4; hard links to one encoded image)
#   --size RxC   rows x columns (default 4096x3328)
#   --bits B     Bits Stored, 2..16 (default 12)
#   --out DIR    output and image cache (default bench-out/ at the repository root)
#   --only UIDS  comma-separated transfer syntax UIDs to run (default: all)
#
# Writes DIR/decode.md (also printed), DIR/results.tsv (raw per-run numbers) and DIR/bench.log.
# Exit status 0 when both tools decoded every generated image and every lossless syntax matched
# pydicom exactly (a syntax the encoder cannot produce, e.g. JPEG extended above 12 bits, is listed
# as not measured).
set -euo pipefail
export LC_ALL=C
unset OPJ_NUM_THREADS   # OpenJPEG (both sides) would otherwise decode with that many threads

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
root=$(cd "$here/.." && pwd)
# shellcheck source=bench/lib.sh
source "$here/lib.sh"

images=4
size=4096x3328
bits=12
out="$root/bench-out"
only=""
reps=3

usage() { sed -n '2,16p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//' >&2; exit 2; }
while (( $# > 0 )); do
    case "$1" in
        --images) images=${2:?}; shift 2 ;;
        --size) size=${2:?}; shift 2 ;;
        --bits) bits=${2:?}; shift 2 ;;
        --out) out=${2:?}; shift 2 ;;
        --only) only=${2:?}; shift 2 ;;
        -h|--help) usage ;;
        *) echo "decode.sh: unknown argument '$1'" >&2; usage ;;
    esac
done
[[ "$images" =~ ^[1-9][0-9]*$ ]] || { echo "decode.sh: --images must be a positive integer" >&2; exit 2; }
[[ "$size" =~ ^([1-9][0-9]*)x([1-9][0-9]*)$ ]] || { echo "decode.sh: --size must be RxC, e.g. 4096x3328" >&2; exit 2; }
rows=${BASH_REMATCH[1]}; cols=${BASH_REMATCH[2]}
[[ "$bits" =~ ^[0-9]+$ ]] && (( bits >= 2 && bits <= 16 )) || { echo "decode.sh: --bits must be 2..16" >&2; exit 2; }

mkdir -p "$out"
out=$(cd "$out" && pwd)
bench_start decode.sh "$out/bench.log"

# --- 1. dependencies and the release binary -------------------------------------------------------
bench_setup
bench_build "$out/build.log"

# --- 2. images, one encoding per transfer syntax, cached ------------------------------------------
# uid|lossy|name. The encoders are phantom.py's (DCMTK dcmconv/dcmcjpeg/dcmcjpls/dcmcrle, OpenJPEG
# opj_compress, OpenJPH ojph_compress + pydicom encapsulate); see Fixtures/generate/dicom_encode.py.
syntaxes=(
    "1.2.840.10008.1.2.1|0|Explicit VR LE"
    "1.2.840.10008.1.2|0|Implicit VR LE"
    "1.2.840.10008.1.2.2|0|Explicit VR BE"
    "1.2.840.10008.1.2.1.99|0|Deflated Explicit VR LE"
    "1.2.840.10008.1.2.4.51|1|JPEG extended (lossy)"
    "1.2.840.10008.1.2.4.57|0|JPEG lossless P14"
    "1.2.840.10008.1.2.4.70|0|JPEG lossless SV1"
    "1.2.840.10008.1.2.4.80|0|JPEG-LS lossless"
    "1.2.840.10008.1.2.4.81|1|JPEG-LS near-lossless (NEAR 2)"
    "1.2.840.10008.1.2.5|0|RLE lossless"
    "1.2.840.10008.1.2.4.90|0|JPEG 2000 lossless"
    "1.2.840.10008.1.2.4.91|1|JPEG 2000 lossy"
    "1.2.840.10008.1.2.4.201|0|HTJ2K lossless"
    "1.2.840.10008.1.2.4.202|0|HTJ2K lossless RPCL"
    "1.2.840.10008.1.2.4.203|1|HTJ2K lossy"
)

# The cache is keyed on size/bits and invalidated when the generator's source changes (phantom.py
# and the dicomio.py / dicom_*.py it imports; the fixture suite's own make_fixtures.py does not
# matter here).
t0=$(now)
for entry in "${syntaxes[@]}"; do
    IFS='|' read -r uid lossy name <<< "$entry"
    if [[ -n "$only" && ",$only," != *",$uid,"* ]]; then continue; fi
    bench_image "$uid" "$name ($uid)" "$rows" "$cols" "$bits" MONOCHROME2 LINEAR "$uid" "$images" || true
done
generate_s=$(elapsed "$t0" "$(now)")

# --- 3./4. timing and correctness -----------------------------------------------------------------

startup_ms=$(startup_ms_of "$bin")

tmp="$out/tmp"
mkdir -p "$tmp"
results="$out/results.tsv"
printf 'name\tuid\tlossy\tbytes\tstatus\tmammo_ms\tpydicom_ms\tmax_abs_diff\tpixels_differing\tplugin\tnote\n' > "$results"

for entry in "${syntaxes[@]}"; do
    IFS='|' read -r uid lossy name <<< "$entry"
    if [[ -n "$only" && ",$only," != *",$uid,"* ]]; then continue; fi
    dir=$(bench_image_dir "$rows" "$cols" "$bits" MONOCHROME2 LINEAR "$uid")
    if ! bench_has_image "$uid" "$dir"; then
        printf '%s\t%s\t%s\t-\tgeneration-failed\t\t\t\t\t\t%s\n' "$name" "$uid" "$lossy" \
            "${gen_note[$uid]:-no image}" >> "$results"
        continue
    fi
    bench_files "$dir" "$images"
    bytes=$(stat -c %s "$dir/source.dcm")
    cat "${files[@]}" > /dev/null          # warm the page cache for both tools
    status=ok; note=""; mammo_ms=(); pydicom_ms=(); plugin=""

    say "timing $name ($uid), ${images} files x ${reps} runs"
    for ((r = 1; r <= reps; r++)); do
        a=$(now)
        if "$bin" inspect --verify "${files[@]}" > /dev/null 2> "$tmp/mammo.err"; then
            b=$(now)
            mammo_ms+=("$(awk -v a="$a" -v b="$b" -v n="$images" 'BEGIN { printf "%.2f", (b - a) * 1000 / n }')")
        else
            status=mammo-prep-failed
            note="mammo-prep inspect --verify: $(oneline < "$tmp/mammo.err")"
        fi
        if "$python" "$here/pydicom_decode.py" "${files[@]}" > "$tmp/pydicom.json" 2> "$tmp/pydicom.err"; then
            pydicom_ms+=("$(awk -v v="$(jget "$tmp/pydicom.json" mean_ms)" 'BEGIN { printf "%.2f", v }')")
            plugin=$(jget "$tmp/pydicom.json" plugin)
        else
            [[ $status == ok ]] && status=pydicom-failed
            note="${note:+$note; }pydicom: $(oneline < "$tmp/pydicom.err")"
        fi
        [[ $status == ok ]] || break
    done

    diff=""; differing=""
    if [[ $status == ok ]]; then
        if "$bin" dump-stored "${files[0]}" --out "$tmp/stored.npy" > "$tmp/dump.out" 2>&1 \
            && "$python" "$here/pydicom_decode.py" --compare "$tmp/stored.npy" "${files[0]}" \
                > "$tmp/compare.json" 2> "$tmp/compare.err"; then
            diff=$(jget "$tmp/compare.json" max_abs_diff)
            differing=$(jget "$tmp/compare.json" pixels_differing)
            if [[ -z "$diff" ]]; then
                status=compare-failed
                note="shape differs: mammo-prep $(jget "$tmp/compare.json" shape_mammo_prep), pydicom $(jget "$tmp/compare.json" shape_pydicom)"
            fi
        else
            status=compare-failed
            note="dump-stored/compare: $(cat "$tmp/dump.out" "$tmp/compare.err" 2>/dev/null | oneline)"
        fi
        rm -f "$tmp/stored.npy"
    fi
    [[ $status == ok ]] || say "  $status: $note"
    printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$name" "$uid" "$lossy" "$bytes" "$status" \
        "$(IFS=,; echo "${mammo_ms[*]:-}")" "$(IFS=,; echo "${pydicom_ms[*]:-}")" \
        "$diff" "$differing" "$plugin" "$note" >> "$results"
done

# --- report ---------------------------------------------------------------------------------------
"$python" "$here/pydicom_decode.py" --versions > "$tmp/versions.json"
{
    bench_meta
    printf 'size\t%s\n' "${rows}x${cols}"
    printf 'bits\t%s\n' "$bits"
    printf 'images\t%s\n' "$images"
    printf 'reps\t%s\n' "$reps"
    printf 'startup_ms\t%s\n' "$startup_ms"
} > "$tmp/meta.tsv"
bench_finish "$out/decode.md" "$results" "$python" "$here/report.py" "$results" "$tmp/meta.tsv" "$tmp/versions.json"
