"""`--clahe CLIP[:ROWSxCOLS]` against OpenCV (opencv-python-headless, pinned in
scripts/requirements-oracle.txt): mammo-prep's output, times 65535, must be the uint16 image
`cv2.createCLAHE(clipLimit=CLIP, tileGridSize=(COLS, ROWS)).apply(q)` gives, bit for bit, where q
is the same command's output without `--clahe` quantized as docs/adapter.md says
(round-half-to-even of float64(v) · 65535). Every good fixture, synthetic sizes that are not
multiples of the grid (and smaller than it), clip limits 1, 2, 4, 40, grids 2x2, 8x8, 16x16 and a
non-square grid, with --crop-breast, and the stats pipeline key."""
import json

import cv2
import numpy as np
import pytest

from adapter_helpers import convert, work  # noqa: F401 (work: fixture)
from conftest import FIXTURES, GOOD, run, write_tiff

SOURCES = [FIXTURES / e["path"] for e in GOOD]
CLIPS = [1, 2, 4, 40]
GRIDS = [(2, 2), (8, 8), (16, 16), (4, 2)]


def quantize(v):
    return np.clip(np.rint(v.astype(np.float64) * 65535), 0, 65535).astype(np.uint16)


def opencv(plane, clip, rows, columns):
    return cv2.createCLAHE(clipLimit=clip, tileGridSize=(columns, rows)).apply(quantize(plane))


def check(base, r, sources, clip, grid):
    for s in sources:
        plane = base.array(s)[0]
        got = r.array(s)[0]
        want = opencv(plane, clip, *grid)
        q = np.rint(got.astype(np.float64) * 65535)
        assert np.array_equal(got, (q / 65535).astype(np.float32)), f"{s}: not q/65535"
        assert np.array_equal(q.astype(np.uint16), want), \
            f"{s} clip {clip} grid {grid}: {int(np.count_nonzero(q != want))} pixels differ"


@pytest.fixture(scope="module")
def synthetic(work):
    """Sizes not multiples of the grids (one smaller than the 16x16 grid), with structure."""
    rng = np.random.default_rng(5)
    paths = []
    for h, w in [(97, 61), (64, 50), (13, 9), (130, 128), (1, 40)]:
        yy, xx = np.mgrid[0:h, 0:w]
        data = (20000 + 15000 * np.sin(yy / 7.0) * np.cos(xx / 5.0) + rng.normal(0, 3000, (h, w)))
        paths.append(write_tiff(work / f"clahe_{h}x{w}.tif", np.clip(data, 0, 65535)))
    return paths


@pytest.mark.parametrize("clip", CLIPS)
@pytest.mark.parametrize("grid", GRIDS, ids=lambda g: f"{g[0]}x{g[1]}")
def test_equals_opencv_on_every_fixture(work, synthetic, clip, grid):
    sources = SOURCES + synthetic
    base = convert(work, sources, "--frame", "0")
    r = convert(work, sources, "--frame", "0", "--clahe", f"{clip}:{grid[0]}x{grid[1]}")
    check(base, r, sources, clip, grid)
    line = r.line(sources[0])
    assert line["geometry"]["source"] == list(base.array(sources[0]).shape[1:])
    assert r.preprocess()["geometry"]["clahe"] == f"{clip}:{grid[0]}x{grid[1]}"


def test_default_grid_and_crop_breast(work):
    """`--clahe 2` is 8x8; with --crop-breast CLAHE runs on the cropped region."""
    base = convert(work, SOURCES, "--frame", "0", "--crop-breast", "--crop-margin", "4")
    r = convert(work, SOURCES, "--frame", "0", "--crop-breast", "--crop-margin", "4", "--clahe", "2")
    check(base, r, SOURCES, 2, (8, 8))
    assert r.preprocess()["geometry"]["clahe"] == "2:8x8"


def test_before_the_flip_and_the_resize(work):
    """CLAHE comes before the flip (flipping its result = CLAHE then flip) and before resizing
    (the --size output has the size; the identity options are unchanged)."""
    sources = SOURCES[:6]
    clahe = convert(work, sources, "--frame", "0", "--clahe", "3:4x4")
    flipped = convert(work, sources, "--frame", "0", "--clahe", "3:4x4", "--flip-to", "right")
    for s in sources:
        a, b = clahe.array(s)[0], flipped.array(s)[0]
        want = a[:, ::-1] if flipped.line(s)["geometry"]["flipped"] else a
        assert np.array_equal(b, want), s
    sized = convert(work, sources, "--frame", "0", "--clahe", "3:4x4", "--size", "64x48")
    assert all(sized.array(s).shape == (1, 64, 48) for s in sources)


def test_stats_pipeline_includes_clahe(work, tmp_path):
    sources = SOURCES[:3]
    plain = tmp_path / "plain.json"
    with_clahe = tmp_path / "clahe.json"
    assert run("stats", *sources, "--frame", "0", "--out", plain, "-q").returncode == 0
    assert run("stats", *sources, "--frame", "0", "--clahe", "2", "--out", with_clahe, "-q").returncode == 0
    assert json.loads(with_clahe.read_text())["pipeline"]["geometry"]["clahe"] == "2:8x8"
    ok = convert(work, sources, "--frame", "0", "--clahe", "2", "--normalize", "custom", "--stats", with_clahe)
    assert ok.proc.returncode == 0
    refused = convert(work, sources, "--frame", "0", "--clahe", "2", "--normalize", "custom", "--stats", plain, expect=2)
    assert "clahe" in refused.proc.stderr


@pytest.mark.parametrize("bad", ["0", "-1", "x", "2:0x8", "2:8x", "2:65x8", "2:8x8x8", "nan", "inf", "2:"])
def test_bad_values_are_usage_errors(bad, tmp_path):
    proc = run("convert", SOURCES[0], "--out", tmp_path / "o", "--clahe", bad)
    assert proc.returncode == 2 and "--clahe" in proc.stderr, (bad, proc.stderr)
