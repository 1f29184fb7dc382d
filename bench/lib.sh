# Shared by the bench/*.sh scripts (sourced, not run): the phantom image cache.
#
# Layout: OUT/images/RxC-Bbit[-VARIANT]/UID/source.dcm (+ stamp, generate.log) and img-NNN.dcm hard
# links to it, so every benchmark reuses the others' images. The stamp is a hash of the generator;
# a changed generator regenerates.
#
# Needs: $root (repository), $python (the venv's interpreter), $out (the output folder, for
# oneline) and $log (for say, with $bench_name).

# --- small helpers every script uses -------------------------------------------------------------
say() { echo "${bench_name:-bench}: $*" >&2; [[ -z "${log:-}" ]] || echo "$*" >> "$log"; }
now() { echo "$EPOCHREALTIME"; }
# One line of a tool's message for a report: no tabs, no paths of this machine.
oneline() { { grep -v '^[[:space:]]*$' || true; } | tail -n 1 | tr '\t' ' ' | sed -e "s|$out/||g" -e "s|$root/||g" | cut -c1-200; }
elapsed() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.1f", b - a }'; }
secs() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.3f", b - a }'; }
jget() { "$python" -c 'import json,sys; v=json.load(open(sys.argv[1])).get(sys.argv[2]); print("" if v is None else v)' "$1" "$2"; }
median5() { sort -g | sed -n '3p'; }
# Median start-up of BINARY (`--version`) over 5 runs, in ms.
startup_ms_of() {
    local _ a b
    for _ in 1 2 3 4 5; do
        a=$(now); "$1" --version > /dev/null; b=$(now)
        awk -v a="$a" -v b="$b" 'BEGIN { printf "%.1f\n", (b - a) * 1000 }'
    done | median5
}

bench_gen_hash() {
    cat "$root/Fixtures/generate/phantom.py" "$root/Fixtures/generate/dicomio.py" 2>/dev/null | sha256sum | cut -c1-16
}

# bench_phantom DIR STAMP ROWS COLS BITS PHOTOMETRIC UID [VOI_FUNCTION]
# Makes DIR/source.dcm unless a source with the same STAMP is cached. With VOI_FUNCTION other than
# LINEAR, (0028,1056) is set with pydicom afterwards (phantom.py has no option for it).
# Returns 1 (and leaves the reason in DIR/generate.log) when generation fails.
bench_phantom() {
    local dir=$1 stamp=$2 rows=$3 cols=$4 bits=$5 photometric=$6 uid=$7 voi=${8:-LINEAR}
    mkdir -p "$dir"
    if [[ -f "$dir/source.dcm" && "$(cat "$dir/stamp" 2>/dev/null)" == "$stamp" ]]; then
        return 0
    fi
    rm -f "$dir"/*.dcm "$dir/stamp"
    if "$python" "$root/Fixtures/generate/phantom.py" --rows "$rows" --cols "$cols" --bits "$bits" \
            --photometric "$photometric" --transfer-syntax "$uid" --out "$dir/tmp.dcm" \
            > "$dir/generate.log" 2>&1 \
        && { [[ "$voi" == LINEAR ]] || bench_set_voi_function "$dir/tmp.dcm" "$voi" >> "$dir/generate.log" 2>&1; }; then
        mv "$dir/tmp.dcm" "$dir/source.dcm"
        echo "$stamp" > "$dir/stamp"
        return 0
    fi
    rm -f "$dir/tmp.dcm"
    return 1
}

bench_set_voi_function() {  # file function
    "$python" - "$1" "$2" <<'PY'
import sys
import pydicom
path, function = sys.argv[1:3]
ds = pydicom.dcmread(path)
ds.VOILUTFunction = function
ds.save_as(path, enforce_file_format=True)
PY
}

# bench_links DIR N: DIR/img-001.dcm … img-NNN.dcm, hard links to DIR/source.dcm (copies if the
# file system has no hard links).
bench_links() {
    local dir=$1 n=$2 i f
    for ((i = 1; i <= n; i++)); do
        f=$(printf '%s/img-%03d.dcm' "$dir" "$i")
        [[ -f "$f" ]] || ln -f "$dir/source.dcm" "$f" 2>/dev/null || cp "$dir/source.dcm" "$f"
    done
}
