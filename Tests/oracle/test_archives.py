"""Issue 12, real archives: non-image objects skipped by SOP Class, finding inputs behind symlinks,
loops, unreadable folders and broken links (docs/cli.md "Inputs", "Summary")."""
import json
import os
import shutil
import subprocess
import tempfile
from pathlib import Path

import pydicom
import pytest

from archive_helpers import MG, export, failures, manifest, write_image_without_pixels
from conftest import binary, run


def test_non_image_objects_are_skipped_by_class(tmp_path):
    """Item 3: DICOMDIR + SR + KO + PR next to images: exit 0, counted by class; no failure lines."""
    folder = export(tmp_path)
    proc = run("convert", folder, "--out", tmp_path / "out")
    assert proc.returncode == 0, proc.stderr
    assert "converted 3, skipped 4 (0 already done, 0 not DICOM/TIFF, 4 not an image: 1 DICOMDIR, 1 KO, 1 PR, 1 SR)" \
        in proc.stdout, proc.stdout
    assert failures(tmp_path / "out") == []
    lines = manifest(tmp_path / "out")
    assert len(lines) == 2 + 5 and len({(m["source"], m["frame"]) for m in lines}) == 7  # DBT: 5 frames
    stats = run("stats", folder, "--out", tmp_path / "stats.json")
    assert stats.returncode == 0 and "skipped 4" in stats.stdout, stats.stdout + stats.stderr


def test_image_class_without_pixel_data_is_a_failure(tmp_path):
    folder = export(tmp_path)
    write_image_without_pixels(folder / "study/stripped.dcm")
    proc = run("convert", folder, "--out", tmp_path / "out")
    assert proc.returncode == 1
    assert "4 not an image" in proc.stdout and "failed 1" in proc.stdout
    [failure] = failures(tmp_path / "out")
    assert failure["source"].endswith("stripped.dcm") and failure["code"] == "noPixelData"
    one = run("inspect", folder / "study/dose_sr.dcm")
    assert one.returncode == 1 and "a SR object (SOP Class 1.2.840.10008.5.1.4.1.1.88.67), not an image" in one.stderr


def test_symlinks_loops_broken_links(tmp_path):
    """Item 1: a symlinked cohort folder and file are followed, each real folder once, a loop is
    reported once (not a failure), a broken link is a failure with its reason."""
    folder = export(tmp_path)
    cohort = tmp_path / "cohort"
    cohort.mkdir()
    (cohort / "siteA").symlink_to(folder / "study", target_is_directory=True)
    (cohort / "again").symlink_to(folder / "study", target_is_directory=True)  # same real folder
    (cohort / "one.dcm").symlink_to(MG)
    (cohort / "siteA_loop").symlink_to(cohort, target_is_directory=True)
    (cohort / "gone.dcm").symlink_to(tmp_path / "missing.dcm")
    link = tmp_path / "cohort_link"
    link.symlink_to(cohort, target_is_directory=True)
    out = tmp_path / "out"
    proc = run("convert", link, "--out", out)
    assert proc.returncode == 1, proc.stdout + proc.stderr
    # 3 images of the study folder (visited once, by 'again' or 'siteA') + one.dcm; the loop skipped
    assert "converted 4," in proc.stdout and "failed 1" in proc.stdout, proc.stdout
    assert proc.stderr.count("symbolic link loop") == 1, proc.stderr
    [failure] = failures(out)
    assert failure["source"].endswith("gone.dcm") and "broken symbolic link" in failure["error"]
    lines = manifest(out)
    assert len(lines) == len({m["output"] for m in lines}) == 3 + 5  # DBT: 5 frames
    assert all(m["sourceRealPath"].startswith(str(folder.resolve())) or m["sourceRealPath"] == str(MG.resolve())
               for m in lines)


def test_no_image_warns_and_exits_1(tmp_path):
    empty = tmp_path / "texts"
    empty.mkdir()
    (empty / "a.txt").write_text("x")
    proc = run("convert", empty, "--out", tmp_path / "out")
    assert proc.returncode == 1 and f"no DICOM or TIFF image found in {empty}" in proc.stderr


def test_unreadable_folder_is_a_failure(tmp_path):
    """Item 1: root reads any folder, so the run drops to nobody (setpriv) on a world-writable tree."""
    if os.geteuid() != 0 and not shutil.which("setpriv"):
        pytest.skip("needs root and setpriv to run as an unprivileged user")
    base = tempfile.mkdtemp(prefix="mammo-unreadable-")
    try:
        os.chmod(base, 0o777)
        root = os.path.join(base, "in")
        os.makedirs(os.path.join(root, "locked"))
        shutil.copy(MG, os.path.join(root, "IM1.dcm"))
        shutil.copy(MG, os.path.join(root, "locked", "IM2.dcm"))
        for d in (root,):
            os.chmod(d, 0o755)
        os.chmod(os.path.join(root, "IM1.dcm"), 0o644)
        os.chmod(os.path.join(root, "locked"), 0o000)
        out = os.path.join(base, "out")
        cmd = [binary(), "convert", root, "--out", out]
        if os.geteuid() == 0:
            if not shutil.which("setpriv"):
                pytest.skip("running as root without setpriv: cannot make a folder unreadable")
            cmd = ["setpriv", "--reuid=65534", "--regid=65534", "--clear-groups", *cmd]
        proc = subprocess.run(cmd, capture_output=True, text=True, timeout=120)
        assert proc.returncode == 1, proc.stdout + proc.stderr
        assert "converted 1," in proc.stdout and "failed 1" in proc.stdout, proc.stdout
        lines = [json.loads(x) for x in open(os.path.join(out, "failures.jsonl")).read().splitlines()]
        assert len(lines) == 1 and lines[0]["source"].endswith("locked")
        assert "cannot read the folder: Permission denied" in lines[0]["error"]
    finally:
        os.chmod(os.path.join(base, "in", "locked"), 0o755)
        shutil.rmtree(base, ignore_errors=True)


def test_resume_by_real_path_size_and_mtime(tmp_path):
    """Item 2: a resume from another working folder is recognised; an edited source is redone; one
    manifest line per output; failures.jsonl is the current state, not appended again."""
    folder = export(tmp_path)
    (folder / "study/broken.dcm").write_bytes(MG.read_bytes()[:600])  # truncated: a failure
    out = tmp_path / "out"
    first = subprocess.run([binary(), "convert", "export", "--out", str(out)], cwd=tmp_path,
                           capture_output=True, text=True)
    assert first.returncode == 1 and "converted 3," in first.stdout, first.stdout + first.stderr
    assert len(failures(out)) == 1
    # the same job from another working folder, with another spelling of the paths
    again = subprocess.run([binary(), "convert", "../export", "--out", "../out"], cwd=tmp_path / "export",
                           capture_output=True, text=True)
    assert again.returncode == 1 and "converted 0, skipped 7 (3 already done" in again.stdout, again.stdout
    assert len(failures(out)) == 1, failures(out)  # rewritten, not appended twice
    assert len(manifest(out)) == 2 + 5
    # edit one source (same size, new bytes and mtime) and fix the broken one
    edited = folder / "study/IM0001.dcm"
    edited.write_bytes(edited.read_bytes())
    os.utime(edited, ns=(edited.stat().st_atime_ns, edited.stat().st_mtime_ns + 5_000_000_000))
    shutil.copy(MG, folder / "study/broken.dcm")
    third = run("convert", folder, "--out", out)
    assert third.returncode == 0 and "converted 2, skipped 6 (2 already done" in third.stdout, third.stdout
    assert failures(out) == []
    lines = manifest(out)
    assert len(lines) == len({m["output"] for m in lines}) == 3 + 5
    [line] = [m for m in lines if m["output"] == "study/IM0001.npy"]
    assert line["sourceModifiedNs"] == edited.stat().st_mtime_ns and line["sourceSize"] == edited.stat().st_size


JOIN_KEYS = ("sopInstanceUID", "studyInstanceUID", "seriesInstanceUID", "sopClassUID", "laterality",
             "viewPosition", "imageType", "presentationIntentType", "numberOfFrames")


def expected_keys(path):
    ds = pydicom.dcmread(path, stop_before_pixels=True)
    laterality = ds.get("ImageLaterality") or ds.get("Laterality") or None
    image_type = list(ds.ImageType) if "ImageType" in ds else []
    return {"sopInstanceUID": ds.get("SOPInstanceUID") or None, "studyInstanceUID": ds.get("StudyInstanceUID") or None,
            "seriesInstanceUID": ds.get("SeriesInstanceUID") or None, "sopClassUID": ds.get("SOPClassUID") or None,
            "laterality": laterality, "viewPosition": ds.get("ViewPosition") or None, "imageType": image_type,
            "presentationIntentType": ds.get("PresentationIntentType") or None,
            "numberOfFrames": int(ds.get("NumberOfFrames", 1) or 1)}


def test_join_keys_in_manifest_and_inspect_of_a_folder(tmp_path):
    """Item 5: every manifest line and `inspect --json` line carries the join keys (as pydicom reads
    them), plus source as given and sourceRealPath; `inspect` takes a folder recursively."""
    folder = export(tmp_path)
    out = tmp_path / "out"
    assert run("convert", folder, "--out", out).returncode == 0
    for line in manifest(out):
        want = expected_keys(line["source"])
        assert {k: line[k] for k in JOIN_KEYS} == want, line["source"]
        assert line["sourceRealPath"] == os.path.realpath(line["source"])
        assert "patientID" not in line and "patientName" not in line
    proc = run("inspect", "--json", folder)
    assert proc.returncode == 0, proc.stderr
    got = [json.loads(x) for x in proc.stdout.splitlines()]
    assert sorted(Path(g["path"]).name for g in got) == ["DBT0001.dcm", "IM0001.dcm", "IM0002.dcm"]
    for g in got:
        assert {k: g[k] for k in JOIN_KEYS} == expected_keys(g["path"])


def test_out_of_the_wrong_kind_is_refused_before_work(tmp_path):
    """Item 10: convert --out naming a file, stats --out naming a folder: exit 2, nothing read."""
    afile = tmp_path / "afile"
    afile.write_text("x")
    proc = run("convert", MG, "--out", afile)
    assert proc.returncode == 2 and "the output path is a file, not a folder" in proc.stderr, proc.stderr
    assert afile.read_text() == "x"
    proc = run("stats", MG, "--out", tmp_path)
    assert proc.returncode == 2 and "is a folder: --out takes the path of the stats.json file" in proc.stderr


def test_stats_parts_guard_rails(tmp_path):
    """Item 8 (stats parts): a shard part is refused by --normalize custom unless --force-stats;
    stats merge with a missing shard exits 1 naming it unless --allow-partial."""
    folder = export(tmp_path)
    part = tmp_path / "parts/p1.json"
    assert run("stats", folder, "--shard", "1/2", "--out", part).returncode == 0
    proc = run("convert", MG, "--out", tmp_path / "o", "--normalize", "custom", "--stats", part)
    assert proc.returncode == 2 and "a partial stats file (shards 1/2 only)" in proc.stderr, proc.stderr
    forced = run("convert", MG, "--out", tmp_path / "o", "--normalize", "custom", "--stats", part, "--force-stats")
    assert forced.returncode == 0, forced.stderr
    merged = run("stats", "merge", part, "--out", tmp_path / "m.json")
    assert merged.returncode == 1 and "2/2" in merged.stderr and "--allow-partial" in merged.stderr
    assert run("stats", "merge", part, "--out", tmp_path / "m.json", "--allow-partial").returncode == 0
