#!/usr/bin/env bash
# Stats benchmark: throughput of the `mammo-prep stats` kernels against the issue's targets, images/s
# of whole `stats` runs against `convert` (is it decode-bound?) and against a pydicom + numpy peer,
# agreement with that peer, and peak memory over 8 and 64 inputs. See bench/README.md.
#
#   bench/stats.sh [--images N] [--reps R] [--out DIR] [--quick]
#
#   --images N   files per timed run (default 8; N distinct names, hard links to one image)
#   --reps R     runs per measurement, interleaved; the report shows the median (default 3)
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
rows=4096 cols=3328 bits=12

usage() { sed -n '2,15p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//' >&2; exit 2; }
while (( $# > 0 )); do
    case "$1" in
        --images) images=${2:?}; shift 2 ;;
        --reps) reps=${2:?}; shift 2 ;;
        --out) out=${2:?}; shift 2 ;;
        --quick) quick=1; shift ;;
        -h|--help) usage ;;
        *) echo "stats.sh: unknown argument '$1'" >&2; usage ;;
    esac
done
for n in "$images" "$reps"; do
    [[ "$n" =~ ^[1-9][0-9]*$ ]] || { echo "stats.sh: --images/--reps must be positive integers" >&2; exit 2; }
done
rss_reps=$reps; (( quick )) && rss_reps=1

# id|name|uid  (4096x3328 12-bit MONOCHROME2, LINEAR window: convert.sh's transfer-syntax images)
cases=("explicit-le|Explicit VR LE|1.2.840.10008.1.2.1")
(( quick )) || cases+=("jpeg-ls|JPEG-LS lossless|1.2.840.10008.1.2.4.80")

mkdir -p "$out"
out=$(cd "$out" && pwd)
log="$out/stats.log"
: > "$log"
bench_name=stats.sh

t_start=$(now)
load_start=$(cut -d' ' -f1-3 /proc/loadavg)

# --- 1. dependencies and the release binary -------------------------------------------------------
say "installing dependencies (scripts/install-deps.sh --fixtures, scripts/python-env.sh)"
"$root/scripts/install-deps.sh" --fixtures
python=$("$root/scripts/python-env.sh")
# Peak RSS comes from GNU time's %M (Debian package "time"); installed like install-deps.sh does.
if [[ ! -x /usr/bin/time ]]; then
    sudo=""; [[ $(id -u) -ne 0 ]] && sudo="sudo"
    echo "stats.sh: installing time (GNU time, for peak RSS)" >&2
    $sudo apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends time > /dev/null
fi

say "building mammo-prep (release)"
t0=$(now)
if ! (cd "$root" && swift build -c release --product mammo-prep && swift build -c release --product mammo-prep-bench) \
        > "$out/stats-build.log" 2>&1; then
    tail -n 30 "$out/stats-build.log" >&2
    echo "stats.sh: release build failed (full log: $out/stats-build.log)" >&2
    exit 1
fi
bin="$(cd "$root" && swift build -c release --show-bin-path)/mammo-prep"
bench_bin="$(dirname "$bin")/mammo-prep-bench"
build_s=$(elapsed "$t0" "$(now)")
test -x "$bin" && test -x "$bench_bin"

phantom="$root/Fixtures/generate/phantom.py"
[[ -f "$phantom" ]] || { echo "stats.sh: $phantom is missing (the image generator)" >&2; exit 1; }

# --- 2. images, cached ------------------------------------------------------------------------------
# Same layout and stamp as bench/decode.sh and bench/convert.sh: OUT/images/RxC-Bbit/UID/source.dcm
# + img-NNN.dcm hard links, so the three benchmarks share images.
gen_hash=$(bench_gen_hash)
case_dir() { echo "$out/images/${rows}x${cols}-${bits}bit/$1"; }   # uid

max_rss=0; for n in "${rss_counts[@]}"; do (( n > max_rss )) && max_rss=$n; done
declare -A gen_note=()
t0=$(now)
for entry in "${cases[@]}"; do
    IFS='|' read -r id name uid <<< "$entry"
    dir=$(case_dir "$uid")
    say "image for $name: ${rows}x${cols} ${bits}-bit MONOCHROME2 (cached unless the generator changed)"
    if ! bench_phantom "$dir" "$gen_hash" "$rows" "$cols" "$bits" MONOCHROME2 "$uid"; then
        gen_note[$id]="generation failed: $(oneline < "$dir/generate.log")"
        say "  ${gen_note[$id]}"
        continue
    fi
    n=$images; [[ $id == explicit-le ]] && (( max_rss > n )) && n=$max_rss
    bench_links "$dir" "$n"
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
    if [[ -n "${gen_note[$id]:-}" || ! -f "$dir/source.dcm" ]]; then
        row error "$id" - - message "${gen_note[$id]:-no image}"
        failed=1
        continue
    fi
    row case "$id" - - bytes "$(stat -c %s "$dir/source.dcm")"
    files=()
    for ((i = 1; i <= images; i++)); do files+=("$(printf '%s/img-%03d.dcm' "$dir" "$i")"); done
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
                files=()
                for ((i = 1; i <= n; i++)); do files+=("$(printf '%s/img-%03d.dcm' "$dir" "$i")"); done
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
git_rev="unknown"
if git -C "$root" rev-parse --short HEAD > /dev/null 2>&1; then
    git_rev=$(git -C "$root" rev-parse --short HEAD)
    if ! git -C "$root" diff --quiet HEAD -- Sources Package.swift Package.resolved 2> /dev/null \
        || [[ -n "$(git -C "$root" ls-files --others --exclude-standard -- Sources 2> /dev/null)" ]]; then
        git_rev+="+local changes"
    fi
fi
cpu=$(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 \
    | sed -E -e 's/\((R|TM|tm)\)//g' -e 's/ CPU @.*//; s/ @.*//; s/ Processor//; s/ [0-9]+-Core//' -e 's/  +/ /g; s/^ //; s/ $//')
{
    printf 'date\t%s\n' "$(date -u '+%Y-%m-%d %H:%M UTC')"
    printf 'cpu\t%s\n' "${cpu:-?}"
    printf 'cores\t%s\n' "$(nproc)"
    printf 'jobs\t%s\n' "$jobs"
    printf 'images\t%s\n' "$images"
    printf 'reps\t%s\n' "$reps"
    printf 'rss_reps\t%s\n' "$rss_reps"
    printf 'quick\t%s\n' "$quick"
    printf 'size\t%sx%s\n' "$rows" "$cols"
    printf 'bits\t%s\n' "$bits"
    printf 'mammo_version\t%s\n' "$("$bin" --version)"
    printf 'git\t%s\n' "$git_rev"
    printf 'dcmtk\t%s\n' "$(dcmconv --version 2>/dev/null | grep -o 'v[0-9][0-9.]*' | head -n 1 | tr -d v)"
    printf 'swift\t%s\n' "$(swift --version 2>&1 | grep -o 'Swift version [^ ]*' | head -n 1 | sed 's/ version//')"
    printf 'load\t%s at start, %s at the end\n' "$load_start" "$(cut -d' ' -f1-3 /proc/loadavg)"
    printf 'build_s\t%s\n' "$build_s"
    printf 'generate_s\t%s\n' "$generate_s"
    printf 'total_s\t%s\n' "$(elapsed "$t_start" "$(now)")"
    printf 'failed\t%s\n' "$failed"
} > "$tmp/meta.tsv"

rc=0
"$python" - "$results" "$tmp/meta.tsv" "$tmp/versions.json" > "$out/stats.md" <<'PY' || rc=$?
"""stats-results.tsv + meta + versions -> the markdown report. Exit 1 when a command failed or
mammo-prep's mean/std (--mask none) differ from the peer's by more than 1e-9 relative."""
import collections, csv, json, statistics, sys

AGREE_TOL = 1e-9
ACC_TARGET, MASK_TARGET = 1.0, 0.5        # GB/s of float32 pixels per core
RSS_TARGET = 1.10                          # 64-input peak / 8-input peak

results, meta_path, versions_path = sys.argv[1:4]
with open(results, newline="") as f:
    rows = list(csv.DictReader(f, delimiter="\t", quoting=csv.QUOTE_NONE))
meta = dict(l.rstrip("\n").split("\t", 1) for l in open(meta_path) if "\t" in l)
ver = json.load(open(versions_path))

vals = collections.defaultdict(list)       # (section, case, tool, metric) -> [value per rep]
info = collections.defaultdict(dict)       # case -> {metric: value}
errors, cases = [], []
for r in rows:
    if r["section"] == "case":
        if r["case"] not in cases:
            cases.append(r["case"])
        info[r["case"]][r["metric"]] = r["value"]
    elif r["section"] == "error":
        where = " ".join(x for x in (r["case"], r["tool"]) if x and x != "-")
        errors.append("%s: %s" % (where or "run", r["value"]))
    else:
        try:
            vals[(r["section"], r["case"], r["tool"], r["metric"])].append(float(r["value"]))
        except ValueError:
            pass

def med(*key):
    v = vals.get(key)
    return statistics.median(v) if v else None

def rate(v):
    return "—" if v is None else ("%.1f" % v if v >= 10 else "%.2f" % v)

def ratio(a, b):
    return "—" if a is None or b is None else "%.2f×" % (a / b)

def verdict(ok):
    return "—" if ok is None else ("PASS" if ok else "**FAIL**")

reps, jobs = meta.get("reps", "?"), meta.get("jobs", "?")
out = ["# Stats benchmark: mammo-prep stats (kernels, whole runs vs convert and a pydicom peer, peak RSS)", ""]
out.append(" · ".join([
    meta.get("date", "?"), "CPU %s" % meta.get("cpu", "?"), "%s cores" % meta.get("cores", "?"),
    "%s jobs per tool" % jobs, "load average %s" % meta.get("load", "?"),
    "image %s px, %s-bit MONOCHROME2 (synthetic phantom)" % (meta.get("size", "?"), meta.get("bits", "?")),
    "N=%s files per timed run" % meta.get("images", "?"),
    "median of %s runs, interleaved" % reps,
    "mammo-prep %s (git %s; DCMTK %s; %s)" % (meta.get("mammo_version", "?"), meta.get("git", "?"),
                                             meta.get("dcmtk", "?"), meta.get("swift", "?")),
    "pydicom %s, pylibjpeg %s, pylibjpeg-libjpeg %s, numpy %s, Python %s" % (
        ver.get("pydicom"), ver.get("pylibjpeg"), ver.get("pylibjpeg-libjpeg"), ver.get("numpy"),
        ver.get("python")),
]))
if meta.get("quick") == "1":
    out += ["", "**--quick run**: Explicit VR LE only, one peak-RSS run per configuration."]

# kernels
out += ["", "## Kernels (one thread, synthetic windowed %s float32 frame, no I/O, no decoding)" % meta.get("size", "?"), "",
        "| kernel | GB/s | ms per frame | target | result |", "| --- | ---: | ---: | --- | --- |"]
acc = med("kernel", "-", "bench-stats", "accumulateGBps")
macc = med("kernel", "-", "bench-stats", "maskedAccumulateGBps")
both = med("kernel", "-", "bench-stats", "maskPlusMaskedAccumulateGBps")
mask_s = med("kernel", "-", "bench-stats", "maskSeconds")
frac = med("kernel", "-", "bench-stats", "maskFraction")
try:
    r_, c_ = (int(x) for x in meta.get("size", "").split("x"))
    frame_gb = r_ * c_ * 4 / 1e9
except ValueError:
    frame_gb = None
ms = lambda gbps: "—" if gbps is None or frame_gb is None else "%.1f" % (frame_gb / gbps * 1e3)  # noqa: E731
gb = lambda v: "—" if v is None else "%.2f" % v  # noqa: E731
out.append("| accumulate (`PixelStatistics.add`, every pixel) | %s | %s | ≥ %.1f GB/s | %s |" % (
    gb(acc), ms(acc), ACC_TARGET, verdict(None if acc is None else acc >= ACC_TARGET)))
out.append("| foreground mask (`ForegroundMask.compute`) | %s | %s | — | — |" % (
    "—" if mask_s is None or frame_gb is None else "%.2f" % (frame_gb / mask_s),
    "—" if mask_s is None else "%.1f" % (mask_s * 1e3)))
out.append("| masked accumulate (%s of the pixels kept) | %s | %s | — | — |" % (
    "?" if frac is None else "%.1f %%" % (frac * 100), gb(macc), ms(macc)))
out.append("| mask + masked accumulate | %s | %s | ≥ %.1f GB/s | %s |" % (
    gb(both), ms(both), MASK_TARGET, verdict(None if both is None else both >= MASK_TARGET)))
out += ["", "GB/s = bytes of the whole float32 frame (%s) ÷ time, so the masked rows count the full frame. "
        "`mammo-prep-bench` (bench/stats.sh's benchmark binary) times each kernel 7 times and keeps the best; the table shows the median "
        "of %s such runs." % ("—" if frame_gb is None else "%.1f MB" % (frame_gb * 1e3), reps)]

# whole runs
def vs_convert(a, b):
    """ratio stats/convert with its verdict against >= 1 (stats at least as fast as convert)"""
    if a is None or b is None:
        return "—"
    return "%.2f× %s" % (a / b, verdict(a >= b))

out += ["", "## Whole runs (images/s, start-up included, -j %s)" % jobs, "",
        "| input | file MB | N | stats --mask none | stats --mask foreground | convert | pydicom peer | "
        "stats none / peer | stats none / convert (≥ 1) | stats foreground / convert (≥ 1) |",
        "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |"]
overhead, split = [], []
fms = lambda gbps: None if gbps is None or frame_gb is None else frame_gb / gbps * 1e3  # noqa: E731
for c in cases:
    n = int(info[c].get("images", "0") or 0)
    t = {tool: med("time", c, tool, "seconds")
         for tool in ("stats-none", "stats-foreground", "convert", "peer", "decode")}
    ips = {k: (n / v if v else None) for k, v in t.items()}
    for wall, inside in zip(vals.get(("time", c, "peer", "seconds"), []),
                            vals.get(("inside", c, "peer", "seconds_in_script"), [])):
        overhead.append(wall - inside)
    mb = int(info[c]["bytes"]) / 1e6 if info[c].get("bytes", "").isdigit() else None
    out.append("| " + " | ".join([
        info[c].get("name", c), "—" if mb is None else ("%.1f" % mb if mb >= 10 else "%.2f" % mb), str(n),
        rate(ips["stats-none"]), rate(ips["stats-foreground"]), rate(ips["convert"]), rate(ips["peer"]),
        ratio(ips["stats-none"], ips["peer"]), vs_convert(ips["stats-none"], ips["convert"]),
        vs_convert(ips["stats-foreground"], ips["convert"])]) + " |")
    core = lambda tool: None if t[tool] is None or not n else t[tool] * int(jobs) / n * 1e3  # noqa: E731
    one = lambda v: "—" if v is None else "%.1f" % v  # noqa: E731
    split.append("| %s | %s | %s | %s | %s | %s | %s |" % (
        info[c].get("name", c), one(None if t["decode"] is None or not n else t["decode"] / n * 1e3),
        one(fms(acc)), one(fms(both)), one(core("stats-none")), one(core("stats-foreground")),
        one(core("convert"))))
out += ["", "- img/s = N ÷ the median wall time of one whole process over the N files (distinct names, hard links "
        "to one image, page cache warm). Commands, run %s times per input in this order, after one untimed run "
        "of each: `mammo-prep stats FILES --out stats.json --mask none|foreground -j %s -q`; "
        "`mammo-prep convert FILES --out DIR -j %s --quiet` into a fresh DIR (writes N float32 `.npy`); "
        "`bench/peer_stats.py --jobs %s FILES`; `mammo-prep inspect --verify FILES` (below)." % (reps, jobs, jobs, jobs),
        "- The peer: fork `multiprocessing.Pool(%s)`, one file per task, pydicom `pixel_array` and "
        "`peer_convert.py`'s float64 windowing cast to float32 (the values convert writes), then per file n, sum "
        "and M2 about the file's mean; the parent merges them with Chan's update. It has no mask, so it does the "
        "`--mask none` job; the ratio is mammo-prep img/s ÷ the peer's (above 1 = mammo-prep faster). The peer's "
        "median time outside its pool (interpreter, imports, fork) was %s." % (
            jobs, "%.2f s" % statistics.median(overhead) if overhead else "?"),
        "- stats / convert ≥ 1 is the decode-bound check: convert decodes and windows the same files and also "
        "writes 54 MB per image, so a stats run slower than convert spends more on its own work than on decoding."]
out += ["", "### Where the time goes (ms per image on one core)", "",
        "| input | decode only (`inspect --verify`, 1 thread) | accumulate kernel | mask + masked accumulate kernel | "
        "stats --mask none | stats --mask foreground | convert |",
        "| --- | ---: | ---: | ---: | ---: | ---: | ---: |"] + split
out += ["", "decode only = the median wall time of `mammo-prep inspect --verify FILES` (one process, one thread, every "
        "frame decoded to stored values, no windowing) ÷ N. Kernels: the table above. stats and convert: median "
        "wall time × %s jobs ÷ N. All include process start-up (÷ N)." % jobs]

# agreement
out += ["", "## Agreement with the peer (--mask none, last run)", "",
        "| input | mammo-prep mean | peer mean | rel. diff | mammo-prep std | peer std | rel. diff | pixels | ≤ 1e-9 |",
        "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | --- |"]
problems = []
fg = []
for c in cases:
    g = lambda tool, m: med("agree", c, tool, m)  # noqa: E731
    mm, pm, ms_, ps = g("stats-none", "mean"), g("peer", "mean"), g("stats-none", "std"), g("peer", "std")
    mc, pc = g("stats-none", "count"), g("peer", "count")
    name = info[c].get("name", c)
    if None in (mm, pm, ms_, ps):
        out.append("| %s | %s | %s | — | %s | %s | — | — | — |" % (name, *("—" if v is None else "%.12f" % v
                                                                      for v in (mm, pm, ms_, ps))))
        continue
    rm, rs = abs(mm - pm) / abs(pm), abs(ms_ - ps) / abs(ps)
    ok = rm <= AGREE_TOL and rs <= AGREE_TOL and mc == pc
    if not ok:
        problems.append("%s: mammo-prep and the peer disagree (mean rel. diff %.1e, std rel. diff %.1e, "
                        "pixels %d vs %d)" % (name, rm, rs, mc or 0, pc or 0))
    out.append("| %s | %.12f | %.12f | %.1e | %.12f | %.12f | %.1e | %s | %s |" % (
        name, mm, pm, rm, ms_, ps, rs, "%d" % mc if mc == pc else "%d vs %d" % (mc, pc), verdict(ok)))
    fm, fs, ff = g("stats-foreground", "mean"), g("stats-foreground", "std"), g("stats-foreground", "maskFraction")
    if fm is not None:
        fg.append("%s: mean %.6f, std %.6f, %.1f %% of the pixels kept" % (name, fm, fs, ff * 100))
out += ["", "Relative difference = |mammo-prep − peer| ÷ |peer|; both pool float64 sums of the same float32 "
        "values, in a different order (mammo-prep: blocks of 2,048 pixels merged by Chan's update; peer: "
        "two passes per file)."]
if fg:
    out += ["", "--mask foreground (no peer; for reference): " + "; ".join(fg) + "."]

# peak RSS
counts = sorted({int(r["case"]) for r in rows if r["section"] == "rss"})
out += ["", "## Peak memory (`mammo-prep stats`, Explicit VR LE, -j %s, %s)" % (
    jobs, "1 run" if meta.get("rss_reps") == "1" else "median of %s runs" % meta.get("rss_reps", "?")), ""]
if len(counts) >= 2:
    lo, hi = counts[0], counts[-1]
    out += ["| mask | peak RSS, %d inputs | peak RSS, %d inputs | %d / %d | img/s at %d inputs | target | result |" % (
        lo, hi, hi, lo, hi), "| --- | ---: | ---: | ---: | ---: | --- | --- |"]
    for mask in ("none", "foreground"):
        a = med("rss", str(lo), "stats-" + mask, "peak_kb")
        b = med("rss", str(hi), "stats-" + mask, "peak_kb")
        w = med("rss", str(hi), "stats-" + mask, "seconds")
        q = None if a is None or b is None else b / a
        out.append("| %s | %s | %s | %s | %s | %d-input peak ≤ %.2f × %d-input peak | %s |" % (
            mask, "—" if a is None else "%.1f MiB" % (a / 1024), "—" if b is None else "%.1f MiB" % (b / 1024),
            "—" if q is None else "%.3f" % q, rate(hi / w if w else None), hi, RSS_TARGET, lo,
            verdict(None if q is None else q <= RSS_TARGET)))
    out += ["", "Peak RSS = GNU time's `%%M` (maximum resident set size of the process) for `mammo-prep stats FILES "
            "--out stats.json --mask M -j %s -q`; the %d inputs are %d hard links to one %s file." % (
                jobs, hi, hi, info.get("explicit-le", {}).get("name", "Explicit VR LE"))]
else:
    out += ["(not measured)"]

problems = errors + problems
if problems:
    out += ["", "**Problems:**"] + ["- " + p for p in problems]
if meta.get("total_s"):
    out += ["", "Bench run time: %s s (of which image generation %s s, release build %s s)." % (
        meta["total_s"], meta.get("generate_s", "?"), meta.get("build_s", "?"))]
print("\n".join(out))
sys.exit(1 if problems or meta.get("failed") == "1" else 0)
PY
cat "$out/stats.md"
echo >&2
echo "stats.sh: wrote $out/stats.md and $results" >&2
exit "$rc"
