"""`mammo-prep stats --shard` and `stats merge` against the single pass; `--shard slurm`; output
paths checked before work (helpers: stats_helpers.py)."""
import json
import os
import random
import shutil
import subprocess

import pytest

from conftest import binary, run
from stats_helpers import (INPUTS, SUBSET, close, merge, stats, strict_json,
                           synthetic_cohort)  # noqa: F401 (synthetic_cohort: a fixture)


# ---------------------------------------------------------------------------------------------
# 1. Shards and merge


@pytest.fixture(scope="module")
def single_pass(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("single")
    report, rows, _ = stats(tmp, *INPUTS, per_image=True)
    return report, rows


def assert_same_figures(got, want, rel=1e-12):
    for key in ("count", "images", "files", "failed", "skipped", "min", "max"):
        assert got[key] == want[key], key
    assert close(got["mean"][0], want["mean"][0], rel) and close(got["std"][0], want["std"][0], rel)
    assert close(got["partial"]["m2"], want["partial"]["m2"], rel)
    assert got["partial"]["histogram"] == want["partial"]["histogram"]
    assert got["percentiles"] == want["percentiles"]
    assert got["pipeline"] == want["pipeline"] and got["maskFraction"] == want["maskFraction"]


@pytest.mark.parametrize("n", [1, 2, 3, 7])
def test_shards_merge_to_the_single_pass(n, single_pass, tmp_path):
    whole, whole_rows = single_pass
    parts, seen = [], []
    for i in range(1, n + 1):
        part, rows, _ = stats(tmp_path, *INPUTS, "--shard", f"{i}/{n}", "-j", "2", per_image=True,
                              name=f"part{i}.json")
        assert part["partial"]["shards"] == [f"{i}/{n}"]
        # Round-robin over the sorted inputs: input k goes to shard (k mod n) + 1.
        paths = list(dict.fromkeys(r["path"] for r in whole_rows))
        assert list(dict.fromkeys(r["path"] for r in rows)) == paths[i - 1::n]
        seen += rows
        parts.append(tmp_path / f"part{i}.json")
    assert sorted(seen, key=lambda r: (r["path"], r["frame"])) == sorted(whole_rows, key=lambda r: (r["path"], r["frame"]))
    shuffled = parts[:]
    random.Random(n).shuffle(shuffled)
    for order, name in ((parts, "forward"), (parts[::-1], "reversed"), (shuffled, "shuffled")):
        merged, proc = merge(tmp_path, order, name=f"{name}.json")
        assert_same_figures(merged, whole)
        assert merged["partial"]["parts"] == n
        assert sorted(merged["partial"]["shards"]) == sorted(f"{i}/{n}" for i in range(1, n + 1))
        assert "warning" not in proc.stderr


def test_empty_part_is_the_identity(synthetic_cohort, tmp_path):
    folder, arrays = synthetic_cohort  # 5 inputs, 7 shards: parts 6/7 and 7/7 hold no image
    whole, _, _ = stats(tmp_path, folder, name="whole.json")
    parts = [tmp_path / f"p{i}.json" for i in range(1, 8)]
    for i in range(1, 8):
        part, _, _ = stats(tmp_path, folder, "--shard", f"{i}/7", name=f"p{i}.json")
        if i > len(arrays):
            assert part["images"] == part["count"] == part["files"] == 0
            assert part["mean"] == [] and part["std"] == [] and part["min"] is None and part["max"] is None
            assert all(v is None for v in part["percentiles"].values())
    full, _ = merge(tmp_path, parts, name="full.json")
    assert_same_figures(full, whole)
    # Missing shards are refused (exit 1), naming them, unless --allow-partial (older name
    # --allow-missing; then a warning names them).
    _, proc = merge(tmp_path, parts[:5], name="without.json", expect=1)
    assert "shards 6/7, 7/7 of the 7-shard run of" in proc.stderr and "--allow-partial" in proc.stderr, proc.stderr
    assert not (tmp_path / "without.json").exists()
    without, proc = merge(tmp_path, parts[:5], name="without.json", options=["--allow-missing"])
    assert proc.stderr.startswith("warning: ") and "6/7, 7/7" in proc.stderr
    for order, name in (([parts[5]] + parts[:5] + [parts[6]], "empty-first"), (parts, "empty-last")):
        merged, _ = merge(tmp_path, order, name=name + ".json")
        for key in ("mean", "std", "count", "images", "files", "min", "max", "percentiles", "maskFraction"):
            assert merged[key] == without[key], key  # exactly: an empty part changes nothing
        for key in ("n", "mean", "m2", "min", "max", "pixelsSeen", "histogram"):
            assert merged["partial"][key] == without["partial"][key], key
    # Merging only empty parts gives an empty report, not NaN.
    empty, _ = merge(tmp_path, parts[5:], name="empty.json", options=["--allow-missing"])
    assert empty["count"] == 0 and empty["mean"] == [] and empty["std"] == []


def test_same_shard_twice_is_refused(tmp_path):
    for i in (1, 2):
        stats(tmp_path, *INPUTS, "--shard", f"{i}/3", name=f"p{i}.json")
    p1, p2 = tmp_path / "p1.json", tmp_path / "p2.json"
    copy = tmp_path / "copy-of-p1.json"
    shutil.copy(p1, copy)
    for parts in ([p1, p1], [p1, p2, copy]):
        _, proc = merge(tmp_path, parts, expect=2)
        assert "1/3" in proc.stderr
        assert not (tmp_path / "merged.json").exists()


def test_foreground_shards_merge_to_the_single_pass(tmp_path):
    whole, _, _ = stats(tmp_path, *INPUTS, "--mask", "foreground", name="whole.json")
    parts = []
    for i in (1, 2, 3):
        stats(tmp_path, *INPUTS, "--mask", "foreground", "--shard", f"{i}/3", name=f"f{i}.json")
        parts.append(tmp_path / f"f{i}.json")
    merged, _ = merge(tmp_path, parts[::-1])
    assert_same_figures(merged, whole)
    assert merged["partial"]["pixelsSeen"] == whole["partial"]["pixelsSeen"]
    assert merged["mask"] == "foreground" and 0 < merged["maskFraction"] < 1


def test_merging_one_part_reproduces_it_exactly(tmp_path):
    # Doubles are written in a form that reads back to the same float64: no drift through merge.
    part, _, _ = stats(tmp_path, *INPUTS, "--shard", "2/3", name="p.json")
    merged, _ = merge(tmp_path, [tmp_path / "p.json"], options=["--allow-missing"])
    for key in ("mean", "std", "count", "images", "min", "max", "percentiles", "maskFraction", "pipeline"):
        assert merged[key] == part[key], key
    assert merged["partial"] == part["partial"]


def test_same_unsharded_part_twice_is_refused(tmp_path):
    stats(tmp_path, INPUTS[1], name="whole.json")
    merge(tmp_path, [tmp_path / "whole.json", tmp_path / "whole.json"], expect=2)
    assert not (tmp_path / "merged.json").exists()


def test_overlapping_parts_are_refused(tmp_path):
    for shard in ("1/2", "2/2", "1/3"):
        stats(tmp_path, INPUTS[1], "--shard", shard, name=shard.replace("/", "of") + ".json")
    stats(tmp_path, INPUTS[1], name="whole.json")
    # Shards of two counts of the same inputs: the odd one out is named as foreign.
    _, proc = merge(tmp_path, [tmp_path / "1of2.json", tmp_path / "2of2.json", tmp_path / "1of3.json"], expect=2)
    assert proc.stderr.startswith(f"{tmp_path / '1of3.json'}: ") and "foreign shard 1/3" in proc.stderr, proc.stderr
    assert "warning" not in proc.stderr
    _, proc = merge(tmp_path, [tmp_path / "whole.json", tmp_path / "1of2.json"], expect=2)
    assert "shares inputs" in proc.stderr and "warning" not in proc.stderr, proc.stderr
    # Parts of different inputs (two cohorts, unsharded) still merge.
    stats(tmp_path, INPUTS[0], name="other.json")
    merge(tmp_path, [tmp_path / "whole.json", tmp_path / "other.json"], expect=0)


def test_a_file_reached_twice_is_read_once(tmp_path):
    one = sorted(INPUTS[1].glob("*.tif*"))[0]
    a, _, _ = stats(tmp_path, INPUTS[1], name="a.json")
    b, _, _ = stats(tmp_path, INPUTS[1], one, name="b.json")
    assert a["images"] == b["images"] and a["count"] == b["count"]


def test_merge_refuses_what_is_not_a_stats_part(tmp_path):
    stats(tmp_path, INPUTS[1], "--shard", "1/2", name="p1.json")
    stats(tmp_path, INPUTS[1], "--shard", "2/2", name="p2.json")
    good = strict_json((tmp_path / "p2.json").read_text())
    tampered = json.loads(json.dumps(good))
    tampered["partial"]["histogram"][100] += 1              # histogram no longer sums to n
    negative = json.loads(json.dumps(good))
    negative["partial"]["m2"] = -1.0
    short = json.loads(json.dumps(good))
    short["partial"]["histogram"] = short["partial"]["histogram"][:100]
    cases = {"tampered.json": json.dumps(tampered), "negative.json": json.dumps(negative),
             "short.json": json.dumps(short), "text.json": "not json", "other.json": '{"mean": [0.5]}'}
    for name, text in cases.items():
        (tmp_path / name).write_text(text)
        _, proc = merge(tmp_path, [tmp_path / "p1.json", tmp_path / name], expect=2)
        assert name in proc.stderr and len(proc.stderr.strip().splitlines()) == 1, proc.stderr
        assert not (tmp_path / "merged.json").exists()


@pytest.mark.parametrize("options,named", [
    (["--invert", "never"], "invert"),
    (["--mask", "foreground"], "mask"),
    (["--window", "2000:3000"], "window"),
    (["--voi-function", "sigmoid"], "voiFunction"),
    (["--no-voi", "minmax"], "noVOI"),
    (["--frame", "0"], "frame"),
], ids=lambda v: v if isinstance(v, str) else " ".join(v))
def test_parts_of_different_pipelines_are_refused(options, named, tmp_path):
    stats(tmp_path, *SUBSET, "--shard", "1/2", name="a.json")
    stats(tmp_path, *SUBSET, "--shard", "2/2", *options, name="b.json")
    for parts in ([tmp_path / "a.json", tmp_path / "b.json"], [tmp_path / "b.json", tmp_path / "a.json"]):
        _, proc = merge(tmp_path, parts, expect=2)
        assert f"{named}: " in proc.stderr, proc.stderr  # "made with a different pipeline ...: invert: ..."
        assert len(proc.stderr.strip().splitlines()) == 1
        assert not (tmp_path / "merged.json").exists()


# ---------------------------------------------------------------------------------------------
# 2. --shard slurm


@pytest.mark.parametrize("task_id,task_min,count,step", [(7, 5, 3, 1), (1, 1, 2, 1), (4, 0, 5, 1), (6, 0, 4, 2)])
def test_shard_slurm_selects_the_same_part(task_id, task_min, count, step, tmp_path):
    # The variables of task TASK_ID of --array=MIN-MAX:STEP (scripts/test-slurm.sh runs real arrays).
    index = (task_id - task_min) // step + 1
    env = {"SLURM_ARRAY_TASK_ID": str(task_id), "SLURM_ARRAY_TASK_MIN": str(task_min),
           "SLURM_ARRAY_TASK_MAX": str(task_min + step * (count - 1)), "SLURM_ARRAY_TASK_STEP": str(step),
           "SLURM_ARRAY_TASK_COUNT": str(count)}
    slurm, slurm_rows, _ = stats(tmp_path, *INPUTS, "--shard", "slurm", per_image=True, name="slurm.json", env=env)
    plain, plain_rows, _ = stats(tmp_path, *INPUTS, "--shard", f"{index}/{count}", per_image=True, name="plain.json")
    assert slurm_rows == plain_rows
    assert slurm == plain
    assert slurm["partial"]["shards"] == [f"{index}/{count}"]
    # slurm:ARRAY reads only the task ID: the shard it had in the array as first submitted.
    spec = f"{task_min}-{task_min + step * (count - 1)}:{step}"
    again, again_rows, _ = stats(tmp_path, *INPUTS, "--shard", f"slurm:{spec}", per_image=True, name="spec.json",
                                 env={"SLURM_ARRAY_TASK_ID": str(task_id)})
    assert again == plain and again_rows == plain_rows


def test_shard_slurm_without_the_job_array_is_a_usage_error(tmp_path):
    env = {k: v for k, v in os.environ.items() if not k.startswith("SLURM_")}
    proc = subprocess.run([binary(), "stats", str(INPUTS[1]), "--out", str(tmp_path / "s.json"), "--shard", "slurm"],
                          capture_output=True, text=True, env=env, timeout=60)
    assert proc.returncode == 2 and not (tmp_path / "s.json").exists()
    assert "SLURM_ARRAY_TASK_ID, SLURM_ARRAY_TASK_MIN" in proc.stderr and "are not set" in proc.stderr, proc.stderr
    # A task id outside the array it claims, a list (1,3,5), a one-task (resubmitted) array.
    for task, low, high, count, why in (("9", "5", "8", "4", "not one range"), ("3", "1", "5", "3", "not one range"),
                                        ("2", "2", "2", "1", "a one-task array")):
        env.update(SLURM_ARRAY_TASK_ID=task, SLURM_ARRAY_TASK_MIN=low, SLURM_ARRAY_TASK_MAX=high,
                   SLURM_ARRAY_TASK_STEP="1", SLURM_ARRAY_TASK_COUNT=count)
        proc = subprocess.run([binary(), "stats", str(INPUTS[1]), "--out", str(tmp_path / "s.json"), "--shard", "slurm"],
                              capture_output=True, text=True, env=env, timeout=60)
        assert proc.returncode == 2 and not (tmp_path / "s.json").exists()
        assert why in proc.stderr and f"SLURM_ARRAY_TASK_COUNT={count}" in proc.stderr, proc.stderr


def test_unwritable_outputs_are_refused_before_work(tmp_path):
    (tmp_path / "file").write_text("not a folder")
    for args in (["--out", tmp_path / "file/s.json"],
                 ["--out", tmp_path / "s.json", "--per-image", tmp_path / "file/p.csv"]):
        proc = run("stats", INPUTS[1], *args, "-q")
        assert proc.returncode == 2 and "file" in proc.stderr
        assert not (tmp_path / "s.json").exists()
    # A missing folder is created (the shards of a job array writing parts/…).
    proc = run("stats", INPUTS[1], "--out", tmp_path / "parts/s.json", "--per-image", tmp_path / "csv/p.csv", "-q")
    assert proc.returncode == 0 and (tmp_path / "parts/s.json").is_file() and (tmp_path / "csv/p.csv").is_file()
