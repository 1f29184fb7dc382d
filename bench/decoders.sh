#!/usr/bin/env bash
# Decoder and wavelet-reduction benchmark (issue 10): `mammo-prep convert -j 2` to .npy on JPEG-LS,
# HTJ2K and JPEG 2000 against the pydicom and dicomsdl scripts (and optionally a second, older
# mammo-prep), and `convert --model resnet50d --reduce auto` against full resolution and a pydicom +
# Pillow script, at 224 (timm eval crop) and 1024 px (pad); peak RSS of every run; how far
# --reduce auto moves the tensors. See bench/README.md "Decoder and reduction benchmark".
#
#   bench/decoders.sh [--images N] [--reps R] [--out DIR] [--only CASES] [--part all|convert|model]
#                     [--quick] [--size RxC] [--bin PATH] [--baseline-bin PATH] [--baseline-label TEXT]
#
#   --images N            files per case and run (default 8; distinct names, hard links to one image)
#   --reps R              timed runs per tool, interleaved; the report shows the median (default 3)
#   --out DIR             output and image cache, shared with the other scripts (default bench-out/)
#   --only CASES          comma-separated case ids (jls, jls-near, htj2k, htj2k-rpcl, htj2k-lossy, j2k,
#                         j2k-lossy, and CODEC-3062x2394, CODEC-2294x1914, CODEC-14bit, CODEC-16bit
#                         for CODEC jls, htj2k, j2k) or groups (syntax, corpus)
#   --part P              convert (the .npy rows), model (the --model rows) or all (default)
#   --quick               the main-size rows only (no corpus rows)
#   --size RxC            main image size (default 4096x3328); another size drops the corpus rows
#   --bin PATH            time this mammo-prep instead of building one (the report says so)
#   --baseline-bin PATH   also time this mammo-prep (e.g. the pre-issue release build) on the .npy rows
#   --baseline-label T    how the report names the baseline (default: "baseline")
#
# Writes DIR/decoders.md (also printed), DIR/decoders-results.tsv (every measurement) and
# DIR/decoders.log. Exit status 0 when every run succeeded and every lossless output matched
# mammo-prep's to 1e-6 (the model peer: 1e-3); speed targets do not change it. Without --reduce in
# `mammo-prep convert --help`, the --reduce auto rows are skipped with a note.
set -euo pipefail
export LC_ALL=C
unset OPJ_NUM_THREADS   # OpenJPEG (every tool) would otherwise decode with that many threads

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
root=$(cd "$here/.." && pwd)
# shellcheck source=bench/lib.sh
source "$here/lib.sh"

images=8; reps=3; jobs=2; out="$root/bench-out"; only=""; part=all; quick=0; size=4096x3328
given_bin=""; baseline=""; baseline_label=baseline
usage() { sed -n '2,27p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//' >&2; exit 2; }
while (( $# > 0 )); do
    case "$1" in
        --images) images=${2:?}; shift 2 ;;
        --reps) reps=${2:?}; shift 2 ;;
        --out) out=${2:?}; shift 2 ;;
        --only) only=${2:?}; shift 2 ;;
        --part) part=${2:?}; shift 2 ;;
        --quick) quick=1; shift ;;
        --size) size=${2:?}; shift 2 ;;
        --bin) given_bin=${2:?}; shift 2 ;;
        --baseline-bin) baseline=${2:?}; shift 2 ;;
        --baseline-label) baseline_label=${2:?}; shift 2 ;;
        -h|--help) usage ;;
        *) echo "decoders.sh: unknown argument '$1'" >&2; usage ;;
    esac
done
[[ "$images" =~ ^[1-9][0-9]*$ && "$reps" =~ ^[1-9][0-9]*$ ]] \
    || { echo "decoders.sh: --images/--reps must be positive integers" >&2; exit 2; }
[[ "$part" =~ ^(all|convert|model)$ ]] || { echo "decoders.sh: --part must be all, convert or model" >&2; exit 2; }
[[ "$size" =~ ^([1-9][0-9]*)x([1-9][0-9]*)$ ]] && (( BASH_REMATCH[1] >= 160 && BASH_REMATCH[2] >= 160 )) \
    || { echo "decoders.sh: --size must be RxC, at least 160x160, e.g. 4096x3328" >&2; exit 2; }
R=${BASH_REMATCH[1]}; C=${BASH_REMATCH[2]}
for b in "$given_bin" "$baseline"; do
    [[ -z "$b" || -x "$b" ]] || { echo "decoders.sh: '$b' is not an executable" >&2; exit 2; }
done
[[ -z "$given_bin" ]] || given_bin=$(cd "$(dirname "$given_bin")" && pwd)/$(basename "$given_bin")
[[ -z "$baseline" ]] || baseline=$(cd "$(dirname "$baseline")" && pwd)/$(basename "$baseline")

# id|group|name|uid|lossy|rows|cols|bits|target|model
#   target: TOOL:RATIO, the .npy row's goal (mammo-prep img/s ÷ TOOL's); model 1: also --model rows
P=1.2.840.10008.1.2.4
cases=(
    "jls|syntax|JPEG-LS lossless|$P.80|0|$R|$C|12|dicomsdl:1.5|0"
    "jls-near|syntax|JPEG-LS near-lossless (NEAR 2)|$P.81|1|$R|$C|12|dicomsdl:1.5|0"
    "htj2k|syntax|HTJ2K lossless|$P.201|0|$R|$C|12|pydicom:5|1"
    "htj2k-rpcl|syntax|HTJ2K lossless RPCL|$P.202|0|$R|$C|12|pydicom:5|0"
    "htj2k-lossy|syntax|HTJ2K lossy|$P.203|1|$R|$C|12|-|0"
    "j2k|syntax|JPEG 2000 lossless|$P.90|0|$R|$C|12|base:1.0|1"
    "j2k-lossy|syntax|JPEG 2000 lossy|$P.91|1|$R|$C|12|base:1.0|0"
)
if [[ "$size" == 4096x3328 ]] && (( ! quick )); then
    for c in "jls|JPEG-LS lossless|$P.80|dicomsdl:1.5|0" "htj2k|HTJ2K lossless|$P.201|pydicom:5|0" \
             "j2k|JPEG 2000 lossless|$P.90|base:1.0|1"; do
        IFS='|' read -r cid cname cuid ctarget cmodel <<< "$c"
        for v in "3062x2394|3062|2394|12" "2294x1914|2294|1914|12" "14bit|4096|3328|14" "16bit|4096|3328|16"; do
            IFS='|' read -r vid vr vc vb <<< "$v"
            cases+=("$cid-$vid|corpus|$cname|$cuid|0|$vr|$vc|$vb|$ctarget|$cmodel")
        done
    done
fi
if [[ -n "$only" ]]; then
    IFS=',' read -r -a tokens <<< "$only"
    for t in "${tokens[@]}"; do
        ok=0
        for e in "${cases[@]}"; do IFS='|' read -r id group _ <<< "$e"; [[ "$t" == "$id" || "$t" == "$group" ]] && ok=1; done
        (( ok )) || { echo "decoders.sh: --only: unknown case or group '$t' (corpus rows need the default --size and no --quick)" >&2; exit 2; }
    done
fi
selected() { [[ -z "$only" || ",$only," == *",$1,"* || ",$only," == *",$2,"* ]]; }   # id group

mkdir -p "$out"
out=$(cd "$out" && pwd)
bench_start decoders.sh "$out/decoders.log"

# --- 1. dependencies, binaries ------------------------------------------------------------------------
bench_setup
bench_dicomsdl
bench_gnu_time
if [[ -n "$given_bin" ]]; then
    bin=$given_bin; build_s=0   # not built: the report says --bin
else
    bench_build "$out/decoders-build.log"
fi
help=$("$bin" convert --help 2>&1 || true)
has_reduce=0; [[ "$help" == *--reduce* ]] && has_reduce=1
(( has_reduce )) || say "mammo-prep convert --help has no --reduce: the --reduce auto rows are skipped"

# --- 2. images (the shared cache of lib.sh: OUT/images/RxC-Bbit/UID/) -----------------------------------
t0=$(now)
for e in "${cases[@]}"; do
    IFS='|' read -r id group name uid lossy rows cols bits target model <<< "$e"
    selected "$id" "$group" || continue
    [[ $part == model && $model == 0 ]] && continue
    bench_image "$id" "$name ($id)" "$rows" "$cols" "$bits" MONOCHROME2 LINEAR "$uid" "$images" || true
done
generate_s=$(elapsed "$t0" "$(now)")

tmp="$out/decoders-tmp"
rm -rf "$tmp"; mkdir -p "$tmp/keep"
results="$out/decoders-results.tsv"
printf 'section\tcase\tgeom\ttool\trep\tmetric\tvalue\n' > "$results"
row() { printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$@" >> "$results"; }
failed=0

# tool_cmd TOOL GEOM DIR: sets cmd=(the command line of one run of TOOL writing into DIR).
#   npy: mammo (this build), base (--baseline-bin), pydicom, dicomsdl (bench/peer_convert.py)
#   crop224 / pad1024: auto (--reduce auto), full (--reduce 0), peer (bench/peer_adapt.py)
tool_cmd() {
    local tool=$1 geom=$2 d=$3 g=() peer_geom=()
    case $geom in
        crop224) g=(--model resnet50d --fit crop); peer_geom=(--fit crop --size 224) ;;
        pad1024) g=(--model resnet50d --size 1024 --fit pad); peer_geom=(--fit pad --size 1024) ;;
    esac
    case $tool in
        mammo) cmd=("$bin" convert "${files[@]}" --out "$d" -j "$jobs" --quiet --overwrite) ;;
        base) cmd=("$baseline" convert "${files[@]}" --out "$d" -j "$jobs" --quiet --overwrite) ;;
        auto) cmd=("$bin" convert "${files[@]}" --out "$d" -j "$jobs" --quiet --overwrite "${g[@]}" --reduce auto) ;;
        full) cmd=("$bin" convert "${files[@]}" --out "$d" -j "$jobs" --quiet --overwrite "${g[@]}")
              (( has_reduce )) && cmd+=(--reduce 0) ;;
        pydicom|dicomsdl) cmd=("$python" "$here/peer_convert.py" --backend "$tool" --jobs "$jobs" --out "$d" "${files[@]}") ;;
        peer) cmd=("$python" "$here/peer_adapt.py" --jobs "$jobs" --out "$d" "${peer_geom[@]}" "${files[@]}") ;;
    esac
}

# run_one TOOL GEOM: one run under GNU time into $tmp/out-TOOL; prints "SECONDS PEAK_KB" when it
# exited 0 and wrote one .npy per file, else nothing (the reason is in $tmp/TOOL.err).
run_one() {
    local tool=$1 d="$tmp/out-$1" a b rc=0 made kb
    rm -rf "$d"
    tool_cmd "$tool" "$2" "$d"
    a=$(now)
    /usr/bin/time -f '%M' -o "$tmp/time.txt" "${cmd[@]}" > "$tmp/$tool.out" 2> "$tmp/$tool.err" || rc=$?
    b=$(now)
    made=$({ find "$d" -maxdepth 1 -name '*.npy' 2> /dev/null || true; } | wc -l)
    kb=$(tail -n 1 "$tmp/time.txt" 2> /dev/null || true)
    if (( rc == 0 && made == ${#files[@]} )) && [[ "$kb" =~ ^[0-9]+$ ]]; then
        echo "$(secs "$a" "$b") $kb"
    elif (( rc == 0 )); then
        echo "exit 0 but $made of ${#files[@]} .npy files written" >> "$tmp/$tool.err"
    fi
}

# manifest_rows CASE GEOM TOOL DIR: the first manifest line's decoder, decoderFallback and reduce.
manifest_rows() {
    "$python" - "$@" >> "$results" <<'PY'
import json, sys
case, geom, tool, d = sys.argv[1:]
try:
    m = json.loads(open(d + "/manifest.jsonl").readline())
except (OSError, ValueError):
    sys.exit(0)
r = m.get("reduce") or {}
for k, v in (("decoder", m.get("decoder")), ("decoderFallback", m.get("decoderFallback")),
             ("reduce_levels", r.get("levels")), ("reduce_source", r.get("source")),
             ("reduce_rows", r.get("rows")), ("reduce_columns", r.get("columns"))):
    if v is not None:
        print("\t".join(["info", case, geom, tool, "-", k, " ".join(str(v).split())[:200]]))
PY
}

# compare_rows CASE GEOM TOOL A B: max |A − B| as a diff row (or an error row).
compare_rows() {
    local v
    if "$python" "$here/peer_convert.py" --compare "$4" "$5" > "$tmp/compare.json" 2> "$tmp/compare.err"; then
        v=$(jget "$tmp/compare.json" max_abs_diff)
        row diff "$1" "$2" "$3" - max_abs_diff "${v:-shape differs}"
    else
        row diff "$1" "$2" "$3" - max_abs_diff "compare failed: $(oneline < "$tmp/compare.err")"
    fi
}

declare -A warmed=()
# measure CASE GEOM TOOL...: --reps interleaved runs of each TOOL on $files; the first file's output of
# the last run is kept as $tmp/keep/GEOM/TOOL/CASE.npy.
measure() {
    local id=$1 geom=$2; shift 2
    local tool r res msg
    local -A ok=()
    for tool in "$@"; do ok[$tool]=1; done
    if [[ -z "${warmed[$geom]:-}" ]]; then   # binary, libraries, interpreter, packages into memory
        say "warm-up ($geom): one untimed run of each tool"
        for tool in "$@"; do run_one "$tool" "$geom" > /dev/null || true; done
        warmed[$geom]=1
    fi
    say "timing $id ($geom): $* — ${#files[@]} files x $reps runs"
    for ((r = 1; r <= reps; r++)); do
        for tool in "$@"; do
            (( ${ok[$tool]} )) || continue
            res=$(run_one "$tool" "$geom")
            if [[ -n "$res" ]]; then
                row time "$id" "$geom" "$tool" "$r" seconds "${res% *}"
                row rss "$id" "$geom" "$tool" "$r" peak_kb "${res#* }"
                [[ $tool == pydicom || $tool == dicomsdl || $tool == peer ]] && \
                    row inside "$id" "$geom" "$tool" "$r" seconds "$(jget "$tmp/$tool.out" seconds_in_script)"
                if (( r == reps )); then
                    mkdir -p "$tmp/keep/$geom/$tool"
                    mv "$tmp/out-$tool/img-001.npy" "$tmp/keep/$geom/$tool/$id.npy"
                    [[ $tool == mammo || $tool == auto || $tool == full ]] && manifest_rows "$id" "$geom" "$tool" "$tmp/out-$tool"
                fi
            else
                ok[$tool]=0
                msg=$(oneline < "$tmp/$tool.err")
                row error "$id" "$geom" "$tool" "$r" message "${msg:-failed}"
                say "  $tool failed: $msg"
            fi
            rm -rf "$tmp/out-$tool"
        done
    done
}

# --- 3. convert -j 2 to .npy, full resolution ---------------------------------------------------------
npy_tools=(mammo); [[ -n "$baseline" ]] && npy_tools+=(base); npy_tools+=(pydicom dicomsdl)
model_tools=(full peer); (( has_reduce )) && model_tools=(auto full peer)
for e in "${cases[@]}"; do
    IFS='|' read -r id group name uid lossy rows cols bits target model <<< "$e"
    selected "$id" "$group" || continue
    [[ $part == model && $model == 0 ]] && continue
    dir=$(bench_image_dir "$rows" "$cols" "$bits" MONOCHROME2 LINEAR "$uid")
    for k in group name uid lossy rows cols bits target model; do row case "$id" - - - "$k" "${!k}"; done
    if ! bench_has_image "$id" "$dir"; then
        row skip "$id" - - - message "${gen_note[$id]:-no image}"
        continue
    fi
    row case "$id" - - - bytes "$(stat -c %s "$dir/source.dcm")"
    row case "$id" - - - images "$images"
    bench_files "$dir" "$images"
    cat "${files[@]}" > /dev/null          # warm the page cache for every tool
    if [[ $part != model ]]; then
        measure "$id" npy "${npy_tools[@]}"
        for tool in base pydicom dicomsdl; do
            [[ -f "$tmp/keep/npy/$tool/$id.npy" && -f "$tmp/keep/npy/mammo/$id.npy" ]] || continue
            compare_rows "$id" npy "$tool" "$tmp/keep/npy/mammo/$id.npy" "$tmp/keep/npy/$tool/$id.npy"
        done
        rm -rf "$tmp/keep/npy"             # 54 MB each at 4096x3328
    fi
    if [[ $part != convert && $model == 1 ]]; then
        for geom in crop224 pad1024; do
            measure "$id" "$geom" "${model_tools[@]}"
            [[ -f "$tmp/keep/$geom/full/$id.npy" && -f "$tmp/keep/$geom/peer/$id.npy" ]] && \
                compare_rows "$id" "$geom" peer "$tmp/keep/$geom/full/$id.npy" "$tmp/keep/$geom/peer/$id.npy"
            rm -rf "$tmp/keep/$geom/peer"  # auto and full stay for section 4
        done
    fi
done

# --- 4. --reduce auto against --reduce 0: the kept tensors, per image and pooled -------------------------
if (( has_reduce )); then
    for geom in crop224 pad1024; do
        [[ -d "$tmp/keep/$geom/auto" && -d "$tmp/keep/$geom/full" ]] || continue
        "$python" "$here/reduce_diff.py" --tsv "$geom" "$tmp/keep/$geom/auto" "$tmp/keep/$geom/full" \
            >> "$results" 2> "$tmp/rdiff.err" || say "reduce_diff.py ($geom): $(oneline < "$tmp/rdiff.err")"
    done
fi

# --- report ------------------------------------------------------------------------------------------------
"$python" -c 'import json, sys; sys.path.insert(0, sys.argv[1]); import benchlib; print(json.dumps(benchlib.versions(*benchlib.PYDICOM_STACK, "dicomsdl", "pillow")))' "$here" > "$tmp/versions.json"
{
    bench_meta
    printf 'jobs\t%s\nimages\t%s\nreps\t%s\nquick\t%s\npart\t%s\nsize\t%s\n' "$jobs" "$images" "$reps" "$quick" "$part" "$size"
    printf 'has_reduce\t%s\n' "$has_reduce"
    printf 'given_bin\t%s\n' "$([[ -n "$given_bin" ]] && echo 1 || echo 0)"
    printf 'baseline\t%s\n' "$([[ -n "$baseline" ]] && echo "$baseline_label" || echo '')"
    [[ -z "$baseline" ]] || printf 'baseline_version\t%s\n' "$("$baseline" --version 2>/dev/null || echo '?')"
} > "$tmp/meta.tsv"
bench_finish "$out/decoders.md" "$results" \
    "$python" "$here/decoders_report.py" "$results" "$tmp/meta.tsv" "$tmp/versions.json"
