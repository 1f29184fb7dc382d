#!/usr/bin/env bash
# DataLoader benchmark (issue 11): a PyTorch DataLoader (2 workers, batch 8) over the bench images
# with mammo_prep.torch.MammoDataset (Preprocessor(model="resnet50d", fit="crop"), in process)
# against a pydicom Dataset and a dicomsdl Dataset doing the same decode → window → timm eval
# transform (bench/dataloader.py); images/s for uncompressed, JPEG-LS and JPEG 2000, peak RSS per
# worker, and `read()` from 1 and 2 Python threads on uncompressed input. See bench/README.md.
#
#   bench/dataloader.sh [--images N] [--reps R] [--out DIR] [--size RxC] [--only CASES] [--quick]
#
#   --images N   files per case (default 32; hard links to one image); --reps R timed passes per
#                tool, interleaved, the report shows the median (default 3); --size RxC (default
#                4096x3328); --only: comma-separated case ids (explicit-le, jls, j2k);
#   --quick      a check that the script works, not a measurement: 8 images, 1 rep, 1024x832
#
# Writes DIR/dataloader.md (also printed), DIR/dataloader-results.tsv, DIR/dataloader.log. Exit 0
# when every run succeeded and both peers' tensors agree with mammo-prep's to 1e-3; the speed
# targets (≥ 3× pydicom, ≥ 1.5× dicomsdl, 2 threads ≥ 1.7× 1 thread) are reported, not enforced.
set -euo pipefail
export LC_ALL=C
unset OPJ_NUM_THREADS
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
root=$(cd "$here/.." && pwd)
# shellcheck source=bench/lib.sh
source "$here/lib.sh"

images=32; reps=3; out="$root/bench-out"; size=4096x3328; only=""; workers=2; batch=8
usage() { sed -n '2,18p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//' >&2; exit 2; }
while (( $# > 0 )); do
    case "$1" in
        --images) images=${2:?}; shift 2 ;;
        --reps) reps=${2:?}; shift 2 ;;
        --out) out=${2:?}; shift 2 ;;
        --size) size=${2:?}; shift 2 ;;
        --only) only=${2:?}; shift 2 ;;
        --quick) images=8; reps=1; size=1024x832; shift ;;
        -h|--help) usage ;;
        *) echo "dataloader.sh: unknown argument '$1'" >&2; usage ;;
    esac
done
[[ "$images" =~ ^[1-9][0-9]*$ && "$reps" =~ ^[1-9][0-9]*$ ]] \
    || { echo "dataloader.sh: --images/--reps must be positive integers" >&2; exit 2; }
[[ "$size" =~ ^([1-9][0-9]*)x([1-9][0-9]*)$ ]] && (( BASH_REMATCH[1] >= 256 && BASH_REMATCH[2] >= 256 )) \
    || { echo "dataloader.sh: --size must be RxC, at least 256x256" >&2; exit 2; }
R=${BASH_REMATCH[1]}; C=${BASH_REMATCH[2]}
mkdir -p "$out"
out=$(cd "$out" && pwd)
bench_start dataloader.sh "$out/dataloader.log"

bench_setup                                   # $python: the oracle venv (image generation)
"$root/scripts/install-deps.sh" --torch >&2
tpython=$("$root/scripts/python-env.sh" --torch)
req="$here/requirements-dataloader.txt"
stamp="$(dirname "$(dirname "$tpython")")/.requirements-dataloader.sha256"
if [[ "$(cat "$stamp" 2>/dev/null)" != "$(sha256sum < "$req")" ]]; then
    say "installing bench/requirements-dataloader.txt into .venv-torch"
    "$tpython" -m pip install -q --disable-pip-version-check -r "$req" >&2
    sha256sum < "$req" > "$stamp"
fi
bench_build "$out/dataloader-build.log" mammo-prep
(cd "$root" && swift build -c release --product mammo_prep) >> "$out/dataloader-build.log" 2>&1 \
    || { tail -n 30 "$out/dataloader-build.log" >&2; echo "dataloader.sh: release build of libmammo_prep.so failed" >&2; exit 1; }
export MAMMO_PREP_LIB="$bin_dir/libmammo_prep.so"

# id|label|uid
cases=(
    "explicit-le|uncompressed (Explicit VR LE)|1.2.840.10008.1.2.1"
    "jls|JPEG-LS lossless|1.2.840.10008.1.2.4.80"
    "j2k|JPEG 2000 lossless|1.2.840.10008.1.2.4.90"
)
results="$out/dataloader-results.tsv"
printf 'case\trep\ttool\tresult\n' > "$results"
declare -A case_files=()
t0=$(now)
for entry in "${cases[@]}"; do
    IFS='|' read -r id label uid <<< "$entry"
    [[ -z "$only" || ",$only," == *",$id,"* ]] || continue
    if bench_image "$id" "$label" "$R" "$C" 12 MONOCHROME2 LINEAR "$uid" "$images"; then
        bench_files "$(bench_image_dir "$R" "$C" 12 MONOCHROME2 LINEAR "$uid")" "$images"
        case_files[$id]="${files[*]}"
    else
        printf '%s\t0\t-\t{"error": "%s"}\n' "$id" "${gen_note[$id]//\"/\'}" >> "$results"
    fi
done
generate_s=$(elapsed "$t0" "$(now)")

measure() {  # case rep tool command...
    local id=$1 rep=$2 tool=$3 line; shift 3
    if line=$("$@" 2>> "$log" | tail -n 1) && [[ "$line" == "{"* ]]; then
        printf '%s\t%s\t%s\t%s\n' "$id" "$rep" "$tool" "$line" >> "$results"
        say "$id rep $rep $tool: $line"
    else
        printf '%s\t%s\t%s\t{"error": "failed (see dataloader.log)"}\n' "$id" "$rep" "$tool" >> "$results"
        say "$id rep $rep $tool: FAILED"
    fi
}

for ((r = 1; r <= reps; r++)); do
    for entry in "${cases[@]}"; do
        IFS='|' read -r id _ _ <<< "$entry"
        [[ -n "${case_files[$id]:-}" ]] || continue
        read -r -a files <<< "${case_files[$id]}"
        cat "${files[0]}" > /dev/null
        for tool in mammo pydicom dicomsdl; do
            measure "$id" "$r" "$tool" "$tpython" "$here/dataloader.py" loader --tool "$tool" \
                --workers "$workers" --batch "$batch" "${files[@]}"
        done
        if [[ "$id" == explicit-le ]]; then
            for n in 1 2; do
                measure "$id" "$r" "threads-$n" "$tpython" "$here/dataloader.py" threads --threads "$n" \
                    --repeat 2 "${files[@]}"
            done
        fi
    done
done

for entry in "${cases[@]}"; do
    IFS='|' read -r id _ _ <<< "$entry"
    [[ -n "${case_files[$id]:-}" ]] || continue
    read -r -a files <<< "${case_files[$id]}"
    measure "$id" 0 compare "$tpython" "$here/dataloader.py" compare "${files[0]}"
done

{
    bench_meta
    printf 'images\t%s\n' "$images"
    printf 'size\t%s\n' "$size"
    printf 'workers\t%s\n' "$workers"
    printf 'batch\t%s\n' "$batch"
    printf 'versions\t%s\n' "$("$tpython" "$here/dataloader.py" --versions 2>/dev/null || echo '{}')"
} > "$out/dataloader-meta.tsv"
bench_finish "$out/dataloader.md" "$results" "$python" "$here/dataloader_report.py" "$results" "$out/dataloader-meta.tsv"
