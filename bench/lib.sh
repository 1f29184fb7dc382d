# Shared by the bench/*.sh scripts (sourced, not run): the steps every benchmark has (bench_start,
# bench_setup, bench_build, bench_image / bench_files, bench_meta, bench_finish), the optional
# set-up steps (bench_dicomsdl for the dicomsdl peer, bench_gnu_time for peak RSS), small helpers,
# and the phantom image cache. bench/benchlib.py is the Python side (versions, report tail).
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
    local g="$root/Fixtures/generate"
    cat "$g/phantom.py" "$g/dicomio.py" "$g/dicom_dataset.py" "$g/dicom_encode.py" "$g/dicom_decode.py" \
        2>/dev/null | sha256sum | cut -c1-16
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

# --- the steps every script shares: start, set-up, release build, images, report ---------------

declare -A gen_note=()   # case id -> why its image could not be made (bench_image)

# bench_start NAME LOG: the script's name (for say and messages) and its log (emptied); starts the
# clock ($t_start) and records the load average ($load_start). $out must exist.
bench_start() {
    bench_name=$1
    log=$2
    : > "$log"
    t_start=$(now)
    load_start=$(cut -d' ' -f1-3 /proc/loadavg)
}

# bench_setup: scripts/install-deps.sh --fixtures, the pinned venv ($python), the image generator
# and its hash ($gen_hash, the image cache's stamp).
bench_setup() {
    say "installing dependencies (scripts/install-deps.sh --fixtures, scripts/python-env.sh)"
    "$root/scripts/install-deps.sh" --fixtures >&2
    python=$("$root/scripts/python-env.sh")
    [[ -f "$root/Fixtures/generate/phantom.py" ]] \
        || { echo "$bench_name: $root/Fixtures/generate/phantom.py is missing (the image generator)" >&2; exit 1; }
    gen_hash=$(bench_gen_hash)
}

# bench_dicomsdl: bench/requirements-bench.txt (dicomsdl) in the venv; a stamp in the venv avoids
# asking PyPI again on every run. scripts/requirements-oracle.txt is not changed.
bench_dicomsdl() {
    local req="$root/bench/requirements-bench.txt" stamp want
    stamp="$(dirname "$(dirname "$python")")/.requirements-bench.sha256"
    want=$(cat "$req" <("$python" -c 'import sys; print(sys.version)') | sha256sum | cut -d' ' -f1)
    if [[ "$(cat "$stamp" 2>/dev/null)" != "$want" ]] || ! "$python" -c 'import dicomsdl' 2>/dev/null; then
        say "installing bench/requirements-bench.txt (dicomsdl) into the venv"
        "$python" -m pip install -q --disable-pip-version-check -r "$req" >&2
        echo "$want" > "$stamp"
    fi
}

# bench_gnu_time: GNU time (/usr/bin/time, Debian package "time"), whose %M is the peak RSS;
# installed when missing, as scripts/install-deps.sh installs packages.
bench_gnu_time() {
    [[ -x /usr/bin/time ]] && return 0
    local sudo=""; [[ $(id -u) -ne 0 ]] && sudo="sudo"
    say "installing time (GNU time, for peak RSS)"
    $sudo apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends time > /dev/null
}

# bench_build LOG [PRODUCT...]: release build of the products (default mammo-prep), output to LOG;
# exits on failure. Sets $bin_dir, $bin (mammo-prep) and $build_s.
bench_build() {
    local build_log=$1 product t0; shift
    (( $# > 0 )) || set -- mammo-prep
    say "building $* (release)"
    t0=$(now)
    : > "$build_log"
    for product in "$@"; do
        if ! (cd "$root" && swift build -c release --product "$product") >> "$build_log" 2>&1; then
            tail -n 30 "$build_log" >&2
            echo "$bench_name: release build of $product failed (full log: $build_log)" >&2
            exit 1
        fi
    done
    bin_dir=$(cd "$root" && swift build -c release --show-bin-path)
    bin="$bin_dir/mammo-prep"
    build_s=$(elapsed "$t0" "$(now)")
    for product in "$@"; do test -x "$bin_dir/$product"; done
}

# bench_image_dir ROWS COLS BITS PHOTOMETRIC VOI UID: the cache folder of one image,
# OUT/images/RxC-Bbit[-PHOTOMETRIC unless MONOCHROME2][-VOI unless LINEAR]/UID.
bench_image_dir() {
    local suffix=""
    [[ "$4" != MONOCHROME2 ]] && suffix+="-$4"
    [[ "$5" != LINEAR ]] && suffix+="-$5"
    echo "$out/images/${1}x${2}-${3}bit${suffix}/$6"
}

# bench_image ID LABEL ROWS COLS BITS PHOTOMETRIC VOI UID N: the case's image (cached unless the
# generator changed) and N hard links to it. On failure, gen_note[ID] says why and it returns 1.
bench_image() {
    local id=$1 label=$2 rows=$3 cols=$4 bits=$5 photometric=$6 voi=$7 uid=$8 n=$9 dir stamp
    dir=$(bench_image_dir "$rows" "$cols" "$bits" "$photometric" "$voi" "$uid")
    stamp=$gen_hash; [[ "$voi" != LINEAR ]] && stamp+="+voi=$voi"
    say "image for $label: ${rows}x${cols} ${bits}-bit $photometric $voi (cached unless the generator changed)"
    if ! bench_phantom "$dir" "$stamp" "$rows" "$cols" "$bits" "$photometric" "$uid" "$voi"; then
        gen_note[$id]="generation failed: $(oneline < "$dir/generate.log")"
        say "  ${gen_note[$id]}"
        return 1
    fi
    bench_links "$dir" "$n"
}

# bench_has_image ID DIR: the case's image was made.
bench_has_image() { [[ -z "${gen_note[$1]:-}" && -f "$2/source.dcm" ]]; }

# bench_files DIR N: files=(DIR/img-001.dcm … img-NNN.dcm).
bench_files() {
    local i
    files=()
    for ((i = 1; i <= $2; i++)); do files+=("$(printf '%s/img-%03d.dcm' "$1" "$i")"); done
}

# bench_git_rev: the short commit, with "+local changes" when Sources or Package.swift differ from
# it or Sources has files git does not track.
bench_git_rev() {
    local rev
    rev=$(git -C "$root" rev-parse --short HEAD 2> /dev/null) || { echo unknown; return; }
    if ! git -C "$root" diff --quiet HEAD -- Sources Package.swift Package.resolved 2> /dev/null \
        || [[ -n "$(git -C "$root" ls-files --others --exclude-standard -- Sources 2> /dev/null)" ]]; then
        rev+="+local changes"
    fi
    echo "$rev"
}

# bench_meta: the report's common KEY<TAB>VALUE lines (machine, versions, load, times); each
# script prints its own settings next to them.
bench_meta() {
    local cpu
    cpu=$(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 \
        | sed -E -e 's/\((R|TM|tm)\)//g' -e 's/ CPU @.*//; s/ @.*//; s/ Processor//; s/ [0-9]+-Core//' -e 's/  +/ /g; s/^ //; s/ $//')
    printf 'date\t%s\n' "$(date -u '+%Y-%m-%d %H:%M UTC')"
    printf 'cpu\t%s\n' "${cpu:-?}"
    printf 'cores\t%s\n' "$(nproc)"
    printf 'mammo_version\t%s\n' "$("$bin" --version)"
    printf 'git\t%s\n' "$(bench_git_rev)"
    printf 'dcmtk\t%s\n' "$(dcmconv --version 2>/dev/null | grep -o 'v[0-9][0-9.]*' | head -n 1 | tr -d v)"
    printf 'openjpeg\t%s\n' "$(pkg-config --modversion libopenjp2 2>/dev/null || echo '?')"
    printf 'swift\t%s\n' "$(swift --version 2>&1 | grep -o 'Swift version [^ ]*' | head -n 1 | sed 's/ version//')"
    printf 'load\t%s at start, %s at the end\n' "$load_start" "$(cut -d' ' -f1-3 /proc/loadavg)"
    printf 'build_s\t%s\n' "${build_s:-?}"
    printf 'generate_s\t%s\n' "${generate_s:-?}"
    printf 'total_s\t%s\n' "$(elapsed "$t_start" "$(now)")"
}

# bench_finish REPORT.md RESULTS COMMAND...: COMMAND renders the report into REPORT.md, which is
# printed; exits with COMMAND's status.
bench_finish() {
    local md=$1 results=$2 rc=0; shift 2
    "$@" > "$md" || rc=$?
    cat "$md"
    echo >&2
    echo "$bench_name: wrote $md and $results" >&2
    exit "$rc"
}
