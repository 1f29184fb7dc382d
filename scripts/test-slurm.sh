#!/usr/bin/env bash
# Runs mammo-prep under a real one-node Slurm (Debian's slurm-wlm + MUNGE, started here without
# systemd, everything under a temporary folder) and checks docs/cluster.md's promises for every
# job-array form: the union of the tasks' convert outputs is one unsharded run byte for byte
# (file set, .npy, manifest and failure lines as sets), merged stats equal one pass (count exact,
# mean/std to 1e-12), npy-stack shards merge into the unsharded stack (no duplicated row), and a
# merge job with an afterok dependency runs although some inputs failed (--allow-failures).
#
#   scripts/test-slurm.sh                 the array forms, a task cancelled mid-run then resubmitted
#                                          (about 20 s)
#   scripts/test-slurm.sh --time-limit    also a task killed by its --time (Slurm's limits are whole
#                                          minutes, checked every 30 s: about 100 s in all)
#
# MAMMO_PREP_BIN names the binary (default: swift build's); KEEP_SLURM_TEST=1 keeps the temporary
# folder (cluster logs, every task's output file). The daemons run as the calling user (tested as
# root, which apt needs anyway, or sudo).
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD
time_limit=0
case "${1:-}" in
    "") ;;
    --time-limit) time_limit=1 ;;
    *) echo "usage: scripts/test-slurm.sh [--time-limit]" >&2; exit 2 ;;
esac
started=$(date +%s.%N)

scripts/install-deps.sh --slurm
bin=${MAMMO_PREP_BIN:-}
if [[ -z "$bin" ]]; then
    swift build --product mammo-prep >/dev/null
    bin="$(swift build --show-bin-path)/mammo-prep"
fi

T=$(mktemp -d "${TMPDIR:-/tmp}/mammo-prep-slurm.XXXXXX")
chmod 700 "$T"
mkdir -p "$T/state" "$T/spool" "$T/log" "$T/runs"

# The daemons, by their PID files: SIGTERM, then up to 5 s for them to go. Jobs a failed check
# left behind (a frozen task among them: scancel sends SIGCONT) are cancelled first.
stop_daemons() {
    local name pids=()
    if [[ -s "$T/slurmctld.pid" ]] && [[ -n "$(SLURM_CONF="$T/slurm.conf" squeue -h 2>/dev/null)" ]]; then
        SLURM_CONF="$T/slurm.conf" scancel --quiet --user="$(id -un)" 2>/dev/null || true
        for _ in $(seq 50); do [[ -z "$(SLURM_CONF="$T/slurm.conf" squeue -h 2>/dev/null)" ]] && break; sleep 0.1; done
    fi
    for name in slurmd slurmctld munged; do
        [[ -s "$T/$name.pid" ]] && pids+=("$(cat "$T/$name.pid")")
    done
    (( ${#pids[@]} )) || return 0
    kill "${pids[@]}" 2>/dev/null || true
    for _ in $(seq 100); do kill -0 "${pids[@]}" 2>/dev/null || break; sleep 0.05; done
}
fail() {
    echo "test-slurm: FAIL: $*" >&2
    for f in "$T"/log/*.log; do echo "--- $f" >&2; tail -n 15 "$f" >&2; done
    exit 1
}
trap 'stop_daemons; if [[ -n "${KEEP_SLURM_TEST:-}" ]]; then echo "kept $T" >&2; else rm -rf "$T"; fi' EXIT

# --- a one-node cluster ------------------------------------------------------------------------
free_port() {
    local p
    while :; do
        p=$((20000 + RANDOM % 20000))
        (exec 3<>"/dev/tcp/127.0.0.1/$p") 2>/dev/null || { echo "$p"; return; }
    done
}
head -c 1024 /dev/urandom > "$T/munge.key"
chmod 400 "$T/munge.key"
munged --force --key-file="$T/munge.key" --socket="$T/munge.socket" --pid-file="$T/munged.pid" \
    --log-file="$T/log/munged.log" --seed-file="$T/munge.seed"
node=$(slurmd -C | head -n 1)
host=$(hostname -s)
ctld_port=$(free_port)
slurmd_port=$(free_port)
user=$(id -un)
cat > "$T/slurm.conf" <<EOF
ClusterName=mammoprep
SlurmctldHost=$host(127.0.0.1)
SlurmctldPort=$ctld_port
SlurmdPort=$slurmd_port
SlurmUser=$user
SlurmdUser=$user
AuthType=auth/munge
CredType=cred/munge
AuthInfo=socket=$T/munge.socket
StateSaveLocation=$T/state
SlurmdSpoolDir=$T/spool
SlurmctldPidFile=$T/slurmctld.pid
SlurmdPidFile=$T/slurmd.pid
SlurmctldLogFile=$T/log/slurmctld.log
SlurmdLogFile=$T/log/slurmd.log
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
SelectType=select/cons_tres
SelectTypeParameters=CR_Core
AccountingStorageType=accounting_storage/none
JobAcctGatherType=jobacct_gather/none
JobCompType=jobcomp/none
MpiDefault=none
ReturnToService=2
DependencyParameters=kill_invalid_depend
SchedulerParameters=batch_sched_delay=0
KillWait=10
$node NodeAddr=127.0.0.1
PartitionName=test Nodes=ALL Default=YES MaxTime=INFINITE State=UP OverSubscribe=FORCE:4
EOF
export SLURM_CONF="$T/slurm.conf"
slurmctld -f "$SLURM_CONF"
slurmd -f "$SLURM_CONF"
for _ in $(seq 100); do
    [[ "$(sinfo -h -o %T 2>/dev/null)" == idle ]] && break
    sleep 0.1
done
[[ "$(sinfo -h -o %T)" == idle ]] || fail "the node did not come up"

# --- the cohort and one unsharded run ------------------------------------------------------------
# Good single- and multi-frame inputs, a corrupt one (fails everywhere) and multi-frame ones (fail
# in an npy-stack): every run has failed inputs. Absolute paths: manifests record them as given.
inputs=()
for f in dicom/mg12_mono2_explicit_le.dcm dicom/mg12_mono1_explicit_le.dcm dicom/mg12_mono2_jpegls_lossless.dcm \
         dicom/mg12_mono2_j2k_lossless.dcm dicom/mg12_mono2_htj2k_lossless.dcm dicom/mg12_mono2_jpeg_lossless_sv1.dcm \
         dicom/mg12_mono2_implicit_le.dcm dicom/mg12_mono2_deflated.dcm dicom/mask12_unsigned.dcm \
         dicom/mf3_classic_explicit_le.dcm dicom/lut_voi_sequence.dcm tiff/mg16_minisblack_lzw.tif \
         tiff/mg8_minisblack.tif tiff/mg16_multipage3.tif bad/corrupt_jpegls.dcm; do
    inputs+=("$root/Fixtures/$f")
done
printf '%s\n' "${inputs[@]}" > "$T/inputs.txt"
"$bin" convert "${inputs[@]}" --out "$T/ref/npy" -q -j 2 --allow-failures 2>/dev/null || fail "the unsharded convert failed"
"$bin" stats "${inputs[@]}" --out "$T/ref/stats.json" -q -j 2 --allow-failures 2>/dev/null || fail "the unsharded stats failed"
"$bin" convert "${inputs[@]}" --out "$T/ref/stack" --format npy-stack --size 32x24 -q -j 2 --allow-failures 2>/dev/null \
    || fail "the unsharded npy-stack failed"
# The inputs in the order shards are cut from (by output name, then path): shard 2/2 holds 1, 3, 5, …
mapfile -t sorted < <(python3 -c '
import os, sys
stem = lambda p: os.path.splitext(os.path.basename(p))[0]
print("\n".join(sorted(sys.argv[1:], key=lambda p: (stem(p), p))))' "${inputs[@]}")

# --- the job scripts ---------------------------------------------------------------------------
# One task: convert, stats part, npy-stack shard, as docs/cluster.md writes them. In task
# MP_STOP_TASK, convert is frozen (SIGSTOP) right after input MP_STOP_AFTER is recorded, so that
# Slurm's kill finds it mid-run; MP_EXPECT_REFUSAL first checks that bare `--shard slurm` is refused.
cat > "$T/task.sh" <<'TASK'
#!/bin/bash
set -u
mapfile -t inputs < "$MP_INPUTS"
jobs=(-j "${SLURM_CPUS_PER_TASK:-1}")
if [[ -n "${MP_EXPECT_REFUSAL:-}" ]]; then
    "$MP_BIN" stats "${inputs[@]}" --out "$MP_DIR/refused.json" --shard slurm -q
    echo "bare --shard slurm exit $?"
fi
if [[ "${MP_STOP_TASK:-}" == "$SLURM_ARRAY_TASK_ID" ]]; then
    "$MP_BIN" convert "${inputs[@]}" --out "$MP_DIR/npy" --shard "$MP_SHARD" --allow-failures -j 1 &
    pid=$!
    until grep -qF "\"source\": \"$MP_STOP_AFTER\"" "$MP_DIR/npy/manifest.jsonl" 2>/dev/null || ! kill -0 $pid 2>/dev/null; do
        sleep 0.005
    done
    kill -STOP $pid && touch "$MP_DIR/stopped"
    # Slurm's SIGCONT + SIGTERM reach convert and this shell: wait for convert's own exit.
    trap 'wait $pid; echo "convert exit $?"; exit 143' TERM
    wait $pid
    echo "convert exit $? (not stopped in time)"
    exit 1
fi
"$MP_BIN" convert "${inputs[@]}" --out "$MP_DIR/npy" --shard "$MP_SHARD" --allow-failures "${jobs[@]}" || exit
"$MP_BIN" stats "${inputs[@]}" --out "$MP_DIR/parts/stats-$SLURM_ARRAY_TASK_ID.json" --shard "$MP_SHARD" \
    --allow-failures "${jobs[@]}" || exit
"$MP_BIN" convert "${inputs[@]}" --out "$MP_DIR/stack" --format npy-stack --size 32x24 --shard "$MP_SHARD" \
    --allow-failures "${jobs[@]}"
TASK
cat > "$T/merge.sh" <<'MERGE'
#!/bin/bash
set -eu
"$MP_BIN" stats merge "$MP_DIR/parts" --out "$MP_DIR/stats.json"
"$MP_BIN" stack merge "$MP_DIR/stack"
MERGE
chmod +x "$T/task.sh" "$T/merge.sh"

# submit NAME ARRAY SHARD [VAR=VALUE…]: an array job of task.sh with these variables (SBATCH_*
# ones are sbatch options, e.g. SBATCH_TIMELIMIT); prints its job ID.
submit() {
    local name=$1 array=$2 shard=$3
    shift 3
    mkdir -p "$T/runs/$name/parts"
    env MP_BIN="$bin" MP_INPUTS="$T/inputs.txt" MP_DIR="$T/runs/$name" MP_SHARD="$shard" "$@" \
        sbatch --parsable -J "$name" --array="$array" -o "$T/runs/$name/task-%a-%A.out" --export=ALL "$T/task.sh"
}
# merge NAME JOBID: the merge job, once every task of JOBID succeeded.
merge() {
    env MP_BIN="$bin" MP_DIR="$T/runs/$1" sbatch --parsable -J "merge-$1" --dependency="afterok:$2" \
        -o "$T/runs/$1/merge.out" --export=ALL "$T/merge.sh"
}
# wait_jobs SECONDS ID…: until none of them is queued or running.
wait_jobs() {
    local limit=$1 ids
    shift
    ids=$(IFS=,; echo "$*")
    for _ in $(seq $((limit * 10))); do
        [[ -z "$(squeue -h -j "$ids" 2>/dev/null)" ]] && return
        sleep 0.1
    done
    fail "jobs $ids still queued after $limit s"
}
state() { scontrol show job "$1" | grep -o 'JobState=[A-Z_]*' | head -n 1 | cut -d= -f2; }

# --- the forms ---------------------------------------------------------------------------------
declare -A merges
stop=(MP_STOP_TASK=2 "MP_STOP_AFTER=${sorted[3]}")
if (( time_limit )); then
    timed=$(submit timed 1-2 slurm:1-2 "${stop[@]}" SBATCH_TIMELIMIT=1)
fi
cancelled=$(submit cancelled 1-2 slurm:1-2 "${stop[@]}")
for form in "1-3 slurm" "0-9%2 slurm" "1,3,5 slurm:1,3,5" "0-10:2 slurm"; do
    read -r array shard <<< "$form"
    name=array-${array//[^0-9]/_}
    extra=()
    [[ "$array" == 1,3,5 ]] && extra=(MP_EXPECT_REFUSAL=1)
    job=$(submit "$name" "$array" "$shard" "${extra[@]}")
    merges[$name]=$(merge "$name" "$job")
done

# killed RUN JOB: task 2 of JOB ended by Slurm mid-run with 143, its outputs clean; then resubmitted
# alone (`--array=2`, the same `slurm:1-2`), with a merge job after it.
killed() {
    local name=$1 job=$2 out
    wait_jobs 150 "$job"
    out=$(cat "$T/runs/$name"/task-2-"$job".out)
    [[ "$out" == *"convert exit 143"* ]] || fail "$name: convert did not end with 143 on SIGTERM: $out"
    [[ "$out" == *"interrupted by SIGTERM"* ]] || fail "$name: no resume hint in the task's output: $out"
    if find "$T/runs/$name" -name '.*.tmp-*' | grep -q .; then fail "$name: temporary files left behind"; fi
    job=$(submit "$name" 2 slurm:1-2 MP_EXPECT_REFUSAL=1)
    merges[$name]=$(merge "$name" "$job")
}
for _ in $(seq 600); do [[ -e "$T/runs/cancelled/stopped" ]] && break; sleep 0.05; done
[[ -e "$T/runs/cancelled/stopped" ]] || fail "the task to cancel never got going"
scancel "${cancelled}_2"
killed cancelled "$cancelled"
[[ "$(state "${cancelled}_2")" == CANCELLED ]] || fail "cancelled: task 2 is $(state "${cancelled}_2")"
if (( time_limit )); then
    killed timed "$timed"
    [[ "$(state "${timed}_2")" == TIMEOUT ]] || fail "timed: task 2 is $(state "${timed}_2"), not TIMEOUT"
fi
wait_jobs 120 "${merges[@]}"

# --- the checks --------------------------------------------------------------------------------
check_run() {
    local name=$1 dir=$T/runs/$1
    [[ -s "$dir/merge.out" ]] || fail "$name: the merge job did not run"
    # convert: the same files, byte for byte; manifest and failure lines as sets.
    diff <(cd "$T/ref/npy" && find . -name '*.npy' | sort) <(cd "$dir/npy" && find . -name '*.npy' | sort) >/dev/null \
        || fail "$name: the tasks' .npy files are not the unsharded run's"
    if (cd "$T/ref/npy" && find . -name '*.npy' ! -exec cmp -s {} "$dir/npy/{}" \; -print) | grep -q .; then
        fail "$name: an .npy differs from the unsharded run's"
    fi
    for f in manifest.jsonl failures.jsonl; do
        cmp -s <(sort "$T/ref/npy/$f") <(sort "$dir/npy/$f") || fail "$name: $f lines differ from the unsharded run's"
    done
    # stats: counts exact, mean/std to 1e-12.
    python3 - "$T/ref/stats.json" "$dir/stats.json" <<'PY' || fail "$name: merged stats differ from one pass"
import json, math, sys
ref, got = (json.load(open(p)) for p in sys.argv[1:3])
for key in ("count", "images", "files", "failed", "skipped"):
    assert ref[key] == got[key], (key, ref[key], got[key])
assert got["failed"] > 0
for key in ("mean", "std"):
    assert math.isclose(ref[key][0], got[key][0], rel_tol=1e-12, abs_tol=0), (key, ref[key], got[key])
PY
    # npy-stack: the merged stack is the unsharded run's, rows included; no source twice.
    for f in stack.npy stack.index.csv stack.manifest.jsonl; do
        cmp -s "$T/ref/stack/$f" "$dir/stack/$f" || fail "$name: merged $f differs from the unsharded run's"
    done
    [[ -z "$(tail -n +2 "$dir/stack/stack.index.csv" | cut -d, -f2 | sort | uniq -d)" ]] || fail "$name: a row appears twice"
}
for name in "${!merges[@]}"; do check_run "$name"; done
refusals=("$T"/runs/array-1_3_5/task-*.out "$T"/runs/cancelled/task-2-*.out)
[[ $(cat "${refusals[@]}" | grep -c "bare --shard slurm exit 2") == 4 ]] \
    || fail "bare --shard slurm was not refused for a list and for a resubmitted task: $(cat "${refusals[@]}")"
[[ $(cat "${refusals[@]}" | grep -c "SLURM_ARRAY_TASK_COUNT=") -ge 4 ]] || fail "the refusals do not name the variables"

elapsed=$(awk "BEGIN { printf \"%.1f\", $(date +%s.%N) - $started }")
killers="scancel"
(( time_limit )) && killers="scancel and --time"
echo "test-slurm: ok: ${#merges[@]} runs (arrays 1-3, 0-9%2, 1,3,5, 0-10:2; a task killed mid-run by $killers," \
     "then resubmitted) in $elapsed s"
