# Shared by the bench/*.sh scripts (sourced, not run): the phantom image cache.
#
# Layout: OUT/images/RxC-Bbit[-VARIANT]/UID/source.dcm (+ stamp, generate.log) and img-NNN.dcm hard
# links to it, so every benchmark reuses the others' images. The stamp is a hash of the generator;
# a changed generator regenerates.
#
# Needs: $root (repository), $python (the venv's interpreter).

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
