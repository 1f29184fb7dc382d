"""Issue 12, real archives: non-image objects skipped by SOP Class, finding inputs behind symlinks,
loops, unreadable folders and broken links (docs/cli.md "Inputs", "Summary")."""
import os
import shutil
import subprocess

import pytest

from archive_helpers import MG, export, failures, manifest, write_image_without_pixels
from conftest import run


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
