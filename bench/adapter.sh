#!/usr/bin/env bash
# Adapter benchmark: `mammo-prep convert --model resnet50d` against plain `convert` (windowed
# (1, H, W) .npy) on the same uncompressed 4096x3328 12-bit images, and against a Python peer
# (pydicom + numpy + Pillow, 2 processes) doing the --model job. See bench/README.md.
#
#   bench/adapter.sh [--images N] [--reps R] [--out DIR]
#
# Writes DIR/adapter.md (also printed) and DIR/adapter-results.tsv. Exit 0 unless a run failed or
# the peer's tensors differ from mammo-prep's by more than 1e-3 (bicubic in float32 vs Pillow).
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
mkdir -p "$out"
out=$(cd "$out" && pwd)

"$root/scripts/install-deps.sh" --fixtures >&2
python=$("$root/scripts/python-env.sh")
(cd "$root" && swift build -c release --product mammo-prep) > "$out/adapter-build.log" 2>&1 \
    || { tail -n 30 "$out/adapter-build.log" >&2; exit 1; }
bin="$(cd "$root" && swift build -c release --show-bin-path)/mammo-prep"

# The image: same cache layout and stamp as convert.sh/decode.sh.
uid=1.2.840.10008.1.2.1
dir="$out/images/4096x3328-12bit/$uid"
echo "adapter.sh: the 4096x3328 12-bit phantom (cached unless the generator changed)" >&2
bench_phantom "$dir" "$(bench_gen_hash)" 4096 3328 12 MONOCHROME2 "$uid" \
    || { tail -n 5 "$dir/generate.log" >&2; exit 1; }
bench_links "$dir" "$images"
files=()
for ((i = 1; i <= images; i++)); do files+=("$(printf '%s/img-%03d.dcm' "$dir" "$i")"); done
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

"$python" - "$results" "$images" "$diff" "$(cd "$root" && git rev-parse --short HEAD)$(cd "$root" && git diff --quiet HEAD -- Sources Package.swift || echo +local)" > "$out/adapter.md" <<'PY'
import statistics, sys, datetime, os
path, n, diff, rev = sys.argv[1], int(sys.argv[2]), sys.argv[3], sys.argv[4]
rows = [l.rstrip("\n").split("\t") for l in open(path)][1:]
med = {}
for case in dict.fromkeys(r[0] for r in rows):
    med[case] = statistics.median(float(r[2]) for r in rows if r[0] == case)
cpu = next((l.split(":", 1)[1].strip() for l in open("/proc/cpuinfo") if l.startswith("model name")), "?")
labels = {
    "plain": "convert (windowed (1, 4096, 3328) .npy)",
    "model": "convert --model resnet50d (3x224x224)",
    "model-test": "convert --model resnet50d --model-input test (3x288x288)",
    "model-crop": "convert --model resnet50d --crop-breast --flip-to left",
    "peer": "pydicom + numpy + Pillow script doing the --model resnet50d job",
}
print("# Adapter benchmark: convert --model resnet50d vs plain convert and a Python peer\n")
print(f"{datetime.datetime.utcnow():%Y-%m-%d %H:%M} UTC · {cpu.split()[0]} {cpu.split()[1] if len(cpu.split())>1 else ''} · {os.cpu_count()} cores · "
      f"-j 2 / Pool(2) · N={n} files (4096x3328 12-bit Explicit VR LE, hard links, page cache warm) · median of "
      f"{len(rows)//len(med)} interleaved runs · mammo-prep git {rev}\n")
print("| job | img/s | vs plain convert | mammo-prep vs peer |")
print("| --- | ---: | ---: | ---: |")
for case, s in med.items():
    ips = n / s
    vs_plain = med["plain"] / s
    vs_peer = med["peer"] / s if case != "peer" else 1.0
    print(f"| {labels[case]} | {ips:.1f} | {vs_plain:.2f}× | {'—' if case == 'peer' else f'{vs_peer:.2f}×'} |")
ratio = med["plain"] / med["model"]
print(f"\nTarget: `--model resnet50d` ≥ 0.9× the images/s of plain convert: {ratio:.2f}× → "
      f"{'PASS' if ratio >= 0.9 else '**FAIL**'}.")
print(f"\nAgreement: max |mammo-prep − peer| on the first file's (3, 224, 224) tensor: {diff} "
      "(the peer resizes with Pillow in float64 accumulation; mammo-prep in float32; ≤ 1e-3 required).")
print("\nWhy --model is not slower: the resize reads the windowed frame once (vertical pass over whole rows, "
      "then a small horizontal pass) and the output is 0.6 MB instead of 54 MB, so the write that dominates "
      "plain convert on uncompressed input disappears.")
PY
cat "$out/adapter.md"
awk -v d="$diff" 'BEGIN { exit (d + 0 <= 1e-3) ? 0 : 1 }'
