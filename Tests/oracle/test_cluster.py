"""What a cluster job relies on (docs/cluster.md; scripts/test-slurm.sh runs the same under a real
Slurm): SIGTERM / SIGINT stop a run cleanly (no new image, finished outputs kept, no temporary
file, a resume hint, status 128 + signal), `--allow-failures`, `stack merge`, and `stats merge`
over a folder of parts."""
import json
import os
import signal
import subprocess
import time

import numpy as np
import pydicom
import pytest

from conftest import FIXTURES, binary, run

SMALL = [FIXTURES / "dicom" / n for n in ("mg12_mono2_explicit_le.dcm", "mg12_mono1_explicit_le.dcm",
                                           "mg12_mono2_jpegls_lossless.dcm", "mf3_classic_explicit_le.dcm",
                                           "mask12_unsigned.dcm", "lut_voi_sequence.dcm")] + \
        [FIXTURES / "tiff" / "mg8_minisblack.tif", FIXTURES / "bad" / "corrupt_jpegls.dcm"]


@pytest.fixture(scope="module")
def cohort(tmp_path_factory):
    """40 native 1024 x 1024 images (slow enough to be interrupted in the middle) and one clean run."""
    folder = tmp_path_factory.mktemp("cohort")
    rng = np.random.default_rng(5)
    ds = pydicom.dcmread(FIXTURES / "dicom/mg12_mono2_explicit_le.dcm")
    ds.Rows, ds.Columns = 1024, 1024
    for i in range(40):
        ds.PixelData = rng.integers(0, 4096, (1024, 1024), dtype=np.uint16).tobytes()
        ds.save_as(folder / f"img{i:03d}.dcm")
    clean = tmp_path_factory.mktemp("clean")
    assert run("convert", folder, "--out", clean, "-j", "2", "-q").returncode == 0
    return folder, clean


def outputs(folder):
    return sorted(p.name for p in folder.glob("*.npy"))


def temporaries(folder):
    return [p for p in folder.rglob(".*") if ".tmp-" in p.name]


def interrupt(args, out, sig, when=3, again=False):
    """Starts mammo-prep ARGS, sends `sig` once `when` outputs exist in `out` (twice with `again`)."""
    proc = subprocess.Popen([binary(), *map(str, args)], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    deadline = time.time() + 120
    while time.time() < deadline and proc.poll() is None and len(list(out.glob("*.npy"))) < when:
        time.sleep(0.005)
    proc.send_signal(sig)
    if again:
        time.sleep(0.05)
        proc.send_signal(sig)
    stdout, stderr = proc.communicate(timeout=120)
    return proc.returncode, stdout, stderr


@pytest.mark.parametrize("sig,status", [(signal.SIGTERM, 143), (signal.SIGINT, 130)])
def test_a_signal_stops_convert_cleanly_and_it_resumes(cohort, sig, status, tmp_path):
    folder, clean = cohort
    out = tmp_path / "out"
    code, stdout, stderr = interrupt(["convert", folder, "--out", out, "-j", "2"], out, sig)
    assert code == status, stderr
    name = signal.Signals(sig).name
    assert f"{name}: finishing the images in progress" in stderr
    assert f"interrupted by {name}: " in stderr and "run the same command again to resume" in stderr, stderr
    assert stdout.startswith("converted "), stdout  # the summary of what was done
    done = outputs(out)
    assert 0 < len(done) < 40, "the run was not interrupted in the middle"
    for name in done:  # finished outputs are complete and listed
        assert (out / name).read_bytes() == (clean / name).read_bytes()
    listed = [json.loads(line)["output"] for line in (out / "manifest.jsonl").read_text().splitlines()]
    assert sorted(listed) == done
    assert temporaries(out) == []
    again = run("convert", folder, "--out", out, "-j", "2")
    assert again.returncode == 0 and f"{len(done)} already done" in again.stdout, again.stdout
    assert outputs(out) == outputs(clean)
    for name in outputs(clean):
        assert (out / name).read_bytes() == (clean / name).read_bytes()


def test_a_second_signal_stops_at_once(cohort, tmp_path):
    folder, clean = cohort
    out = tmp_path / "out"
    code, _, stderr = interrupt(["convert", folder, "--out", out, "-j", "1"], out, signal.SIGTERM, when=1, again=True)
    # Whether the second signal comes before the image in progress is done or during the command's
    # ending (then it is ignored), the status is 143, never death by the signal.
    assert code == 143, stderr
    if "SIGTERM again: stopped at once" not in stderr:
        assert "interrupted by SIGTERM" in stderr, stderr
        pytest.skip("the image in progress finished before the second signal")
    assert len(outputs(out)) < 40
    assert run("convert", folder, "--out", out, "-j", "2", "-q").returncode == 0
    assert outputs(out) == outputs(clean) and temporaries(out) == []


def test_a_signal_stops_stats_without_a_partial_result(cohort, tmp_path):
    folder, clean = cohort
    # Progress is not visible in files: the signal comes once the run is under way.
    proc = subprocess.Popen([binary(), "stats", str(folder), "--out", str(tmp_path / "s.json"),
                             "--per-image", str(tmp_path / "p.csv"), "-j", "1"],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    time.sleep(1.0)
    proc.send_signal(signal.SIGTERM)
    _, stderr = proc.communicate(timeout=120)
    if proc.returncode == 0:
        pytest.skip("stats finished before the signal")
    assert proc.returncode == 143, stderr
    assert "interrupted by SIGTERM" in stderr and "is not written" in stderr, stderr
    assert not (tmp_path / "s.json").exists() and not (tmp_path / "p.csv").exists()
    assert temporaries(tmp_path) == []


def test_allow_failures_exits_0_and_still_records_them(tmp_path):
    for extra, status in (([], 1), (["--allow-failures"], 0)):
        out = tmp_path / f"out{status}"
        proc = run("convert", *SMALL, "--out", out, *extra)
        assert proc.returncode == status, proc.stderr
        assert "corrupt_jpegls.dcm" in proc.stderr and "failed 1" in proc.stdout
        assert [json.loads(line)["code"] for line in (out / "failures.jsonl").read_text().splitlines()] == ["corruptStream"]
        proc = run("stats", *SMALL, "--out", tmp_path / f"s{status}.json", *extra)
        assert proc.returncode == status, proc.stderr
        assert json.loads((tmp_path / f"s{status}.json").read_text())["failed"] == 1
    # Usage errors are still usage errors.
    assert run("convert", *SMALL, "--out", tmp_path / "x", "--allow-failures", "-j", "0").returncode == 2


def test_stack_shards_merge_into_the_unsharded_stack(tmp_path):
    options = ["--format", "npy-stack", "--size", "32x24", "-q", "--allow-failures"]
    assert run("convert", *SMALL, "--out", tmp_path / "whole", *options).returncode == 0
    parts = tmp_path / "parts"
    for i in (3, 1):
        assert run("convert", *SMALL, "--out", parts, "--shard", f"{i}/3", *options).returncode == 0
    proc = run("stack", "merge", parts)
    assert proc.returncode == 2 and "incomplete run: shards 2/3 missing" in proc.stderr, proc.stderr
    assert not (parts / "stack.npy").exists()
    assert run("convert", *SMALL, "--out", parts, "--shard", "2/3", *options).returncode == 0
    proc = run("stack", "merge", parts)
    assert proc.returncode == 0 and "merged 3 shards: 6 rows" in proc.stdout, proc.stderr
    for name in ("stack.npy", "stack.index.csv", "stack.manifest.jsonl"):
        assert (parts / name).read_bytes() == (tmp_path / "whole" / name).read_bytes(), name
    stack = np.load(parts / "stack.npy", mmap_mode="r")
    assert stack.shape == (6, 1, 32, 24)
    sources = [line.split(",")[1] for line in (parts / "stack.index.csv").read_text().splitlines()[1:]]
    assert len(set(sources)) == 6  # no input twice
    # A task resubmitted as 1/1 into the same folder is foreign.
    assert run("convert", *SMALL, "--out", parts, "--shard", "1/1", *options).returncode == 0
    proc = run("stack", "merge", parts)
    assert proc.returncode == 2 and "stack.shard-1-of-1.part.json" in proc.stderr and "foreign shard 1/1" in proc.stderr


def test_stats_merge_takes_a_folder_of_parts(tmp_path):
    assert run("stats", *SMALL, "--out", tmp_path / "whole.json", "-q").returncode == 1
    whole = json.loads((tmp_path / "whole.json").read_text())
    assert whole["partial"]["run"] is None
    for i in (1, 2, 3):  # the parts of a job array's tasks 1-3, into a folder stats creates
        proc = subprocess.run([binary(), "stats", *map(str, SMALL), "--out", str(tmp_path / f"parts/p{i}.json"),
                               "--shard", "slurm:1-3", "-q"], env=dict(os.environ, SLURM_ARRAY_TASK_ID=str(i)),
                              capture_output=True, text=True, timeout=120)
        assert proc.returncode in (0, 1), proc.stderr  # 1: a shard with the corrupt input
    # The merged file may be written into the parts' folder: a second merge leaves it out.
    for _ in range(2):
        proc = run("stats", "merge", tmp_path / "parts", "--out", tmp_path / "parts/merged.json")
        assert proc.returncode == 0 and "merged 3 parts" in proc.stdout, proc.stderr
    merged = json.loads((tmp_path / "parts/merged.json").read_text())
    for key in ("count", "images", "files", "failed", "skipped"):
        assert merged[key] == whole[key], key
    assert merged["mean"][0] == pytest.approx(whole["mean"][0], rel=1e-12, abs=0)
    assert merged["std"][0] == pytest.approx(whole["std"][0], rel=1e-12, abs=0)
    assert merged["partial"]["shards"] == ["1/3", "2/3", "3/3"] and merged["partial"]["run"]["inputs"] == len(SMALL)
    # A part of another input list among them is named.
    subprocess.run([binary(), "stats", *map(str, SMALL[:-1]), "--out", str(tmp_path / "parts/p2.json"), "--shard", "2/3",
                    "-q"], capture_output=True, timeout=120)
    proc = run("stats", "merge", tmp_path / "parts", "--out", tmp_path / "again.json")
    assert proc.returncode == 2 and proc.stderr.startswith(f"{tmp_path / 'parts/p2.json'}: "), proc.stderr
    assert "foreign shard 2/3: cut from another input list (7 inputs)" in proc.stderr, proc.stderr
