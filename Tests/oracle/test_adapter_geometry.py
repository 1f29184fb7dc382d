"""The Adapt stage's flip (chest wall from Image Laterality or the mask's centre of mass) and
`--crop-breast`, against the documented foreground mask (oracles: adapter_helpers.py,
foreground_oracle.py)."""
import json

import numpy as np
import pydicom
import pytest

from adapter_helpers import (MG12, MG14, NORM_TOL, RESIZE_TOL, convert, dicom_padding, foreground, pad_geometry,
                             pil_resize, plain, q16, record_resize, tiffs, wall_side,
                             work)  # noqa: F401 (tiffs, work: fixtures)
from conftest import run, tiff_windowed, write_tiff


# ------------------------------------------------------------------------------ 4. flip
def test_flip_tiff_by_mask(work, tiffs):
    """No laterality in a TIFF: the chest wall is the mask's centre-of-mass side. A blob against
    the right edge with --flip-to left is mirrored (exactly), --flip-to right leaves it; with a size
    the flipped pad output is the mirror of the unflipped one; flipping back is exact."""
    path, x = tiffs["blob_right_60x40"]
    h, w = x.shape
    flipped = convert(work, [path], "--flip-to", "left")
    a = flipped.array(path)[0]
    assert np.array_equal(a, np.fliplr(plain(work, path))), "--flip-to left is not an exact mirror"
    assert np.array_equal(np.fliplr(a), x), "flipping back does not reproduce the source"
    g = flipped.line(path)["geometry"]
    assert g["flipped"] is True and g["chestWall"] == "right" and g["chestWallSource"] == "mask", g
    assert g["crop"] == [0, 0, h, w] and g["output"] == [h, w] and g["resized"] == [h, w]

    kept = convert(work, [path], "--flip-to", "right")
    assert np.array_equal(kept.array(path)[0], x)
    gk = kept.line(path)["geometry"]
    assert gk["flipped"] is False and gk["chestWall"] == "right" and gk["chestWallSource"] == "mask"

    # The mirrored input, flipped back to the right, gives the original exactly.
    mirror = write_tiff(work / "in" / "blob_right_60x40_mirrored.tif", np.fliplr(q16(x.astype(np.float64))))
    back = convert(work, [mirror], "--flip-to", "right")
    assert np.array_equal(back.array(mirror)[0], x)
    gb = back.line(mirror)["geometry"]
    assert gb["flipped"] is True and gb["chestWall"] == "left" and gb["chestWallSource"] == "mask"

    # With a size (pad): the unflipped image hugs the right side, the flipped one the left.
    unflipped = convert(work, [path], "--size", "50x50")
    flipped = convert(work, [path], "--size", "50x50", "--flip-to", "left")
    u, f = unflipped.array(path)[0], flipped.array(path)[0]
    assert np.max(np.abs(np.fliplr(u) - f)) <= NORM_TOL
    gu, gf = unflipped.line(path)["geometry"], flipped.line(path)["geometry"]
    rh, rw, top, left = pad_geometry(h, w, 50, 50, "right")
    assert gu["offset"] == [top, left] and gu["flipped"] is False
    assert gf["offset"] == [top, 0] and gf["flipped"] is True and gf["chestWall"] == "right"


def ring(h=60, w=100, seed=11):
    """A hollow ring on the left joined by a bar to a solid block on the right: the mask's centre
    of mass is left of the middle only when the ring's hole is filled."""
    rng = np.random.default_rng(seed)
    yy, xx = np.mgrid[0:h, 0:w].astype(np.float64)
    r = np.hypot(yy - 30, xx - 28)
    v = 0.05 + 0.02 * rng.random((h, w))
    v[(r >= 20) & (r <= 25)] = 0.8
    v[20:41, 55:96] = 0.8
    v[28:33, 50:56] = 0.8
    return q16(v)


def test_chest_wall_uses_filled_mask(work):
    """The chest wall side comes from the centre of mass of the mask with its holes filled."""
    path = write_tiff(work / "in" / "ring_60x100.tif", ring())
    x = tiff_windowed(ring())
    _, _, centroid, _ = foreground(x)
    _, _, unfilled, _ = foreground(x, fill=False)
    assert wall_side(centroid, x.shape[1]) == "left" and wall_side(unfilled, x.shape[1]) == "right"
    r = convert(work, [path], "--flip-to", "left")
    g = r.line(path)["geometry"]
    assert (g["chestWall"], g["chestWallSource"], g["flipped"]) == ("left", "mask", False), g
    assert np.array_equal(r.array(path)[0], x)
    r = convert(work, [path], "--flip-to", "right")
    assert r.line(path)["geometry"]["flipped"] is True
    assert np.array_equal(r.array(path)[0], np.fliplr(x))


def relabelled_r(work):
    """The L fixture MG12 (tissue on the left) relabelled Image Laterality R with pydicom."""
    path = work / "in" / "mg12_relabelled_R.dcm"
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        ds = pydicom.dcmread(MG12)
        ds.ImageLaterality = "R"
        ds.save_as(path)
    return path


@pytest.mark.parametrize("case", ["R", "L", "R-against-mask"])
def test_flip_dicom_by_laterality(work, case):
    """Image Laterality decides the chest wall (chestWallSource laterality) for flip and for pad's
    anchor; when the mask is computed (--crop-breast) and its centre of mass disagrees, a warning
    is recorded and laterality still wins."""
    if case == "R-against-mask":
        fixture, padding_source = relabelled_r(work), MG12
    else:
        fixture = padding_source = MG14 if case == "R" else MG12
    proc = run("inspect", fixture, "--json")
    assert proc.returncode == 0, proc.stderr
    lat = json.loads(proc.stdout.splitlines()[0])["imageLaterality"]
    assert lat == case[0]
    wall = "left" if lat == "L" else "right"
    x = plain(work, fixture)
    h, w = x.shape
    _, box, centroid, _ = foreground(x, dicom_padding(padding_source))
    by_mask = wall_side(centroid, w)
    assert (by_mask != wall) == (case == "R-against-mask"), "oracle: only the relabelled file disagrees"
    for target in ("left", "right"):
        r = convert(work, [fixture], "--flip-to", target)
        g = r.line(fixture)["geometry"]
        assert g["chestWall"] == wall and g["chestWallSource"] == "laterality", g
        assert g["flipped"] is (wall != target)
        assert np.array_equal(r.array(fixture)[0], np.fliplr(x) if wall != target else x)
        if by_mask == wall:
            assert g["warnings"] == []
    # Pad anchors on the laterality side too.
    r = convert(work, [fixture], "--size", "100x100")
    g = r.line(fixture)["geometry"]
    rh, rw, top, left = pad_geometry(h, w, 100, 100, wall)
    assert g["resized"] == [rh, rw] and g["offset"] == [top, left] and g["chestWallSource"] == "laterality", g
    # With --crop-breast the mask exists: crop, then flip; a disagreement is a warning.
    r = convert(work, [fixture], "--flip-to", "left", "--crop-breast", "--crop-margin", "2")
    g = r.line(fixture)["geometry"]
    crop = [max(0, box[0] - 2), max(0, box[1] - 2), min(h, box[2] + 3), min(w, box[3] + 3)]
    assert g["crop"] == crop and g["chestWall"] == wall and g["flipped"] is (wall != "left"), g
    cut = x[crop[0]:crop[2], crop[1]:crop[3]]
    assert np.array_equal(r.array(fixture)[0], np.fliplr(cut) if wall != "left" else cut)
    warned = any("laterality" in m for m in g["warnings"])
    assert warned == (by_mask != wall), (by_mask, wall, g["warnings"])


@pytest.mark.parametrize("options", [["--flip-to", "left"], ["--size", "100x100"]], ids=["flip", "pad"])
def test_laterality_decides_without_computing_the_mask(work, options):
    """docs/adapter.md: the mask is computed only when something needs it; with laterality and
    no --crop-breast nothing does, so laterality decides and there is nothing to disagree with.
    (With --crop-breast the disagreement is recorded: test_flip_dicom_by_laterality.)"""
    fixture = relabelled_r(work)
    r = convert(work, [fixture], *options)
    g = r.line(fixture)["geometry"]
    assert g["chestWallSource"] == "laterality" and g["chestWall"] == "right"
    assert g["warnings"] == [], g["warnings"]


# ------------------------------------------------------------------------------ 5. crop-breast
@pytest.mark.parametrize("margin", [None, 0, 5, 100])
def test_crop_breast_box(work, tiffs, margin):
    """The crop box is the documented mask's bounding box plus the margin (default 32), clamped;
    without --size the output is the windowed image cut to that box."""
    path, x = tiffs["breast_90x110"]
    h, w = x.shape
    mask, box, _, t = foreground(x)
    assert t is not None and box is not None
    assert box[3] < w - 8, "oracle: the marker must not be in the largest component"
    # The input tells the rule's details apart: one bin more or less, or 4-connectivity, moves the box.
    assert foreground(x, threshold=t - 1 / 256)[1] != box and foreground(x, threshold=t + 1 / 256)[1] != box
    assert foreground(x, eight=False)[1] != box
    assert x[49, 38] < t and mask[49, 38], "oracle: the hole (centre (49, 38)) must be filled"
    m = 32 if margin is None else margin
    want = [max(0, box[0] - m), max(0, box[1] - m), min(h, box[2] + 1 + m), min(w, box[3] + 1 + m)]
    opts = ["--crop-breast"] + ([] if margin is None else ["--crop-margin", str(margin)])
    r = convert(work, [path], *opts)
    g = r.line(path)["geometry"]
    assert g["crop"] == want, (g["crop"], want, t)
    got = r.array(path)[0]
    assert np.array_equal(got, x[want[0]:want[2], want[1]:want[3]])
    assert g["output"] == [want[2] - want[0], want[3] - want[1]]
    if margin == 5:
        # Crop, then resize: Pillow's resize of the cut region.
        rs = convert(work, [path], *opts, "--size", "40x30", "--fit", "stretch")
        assert rs.line(path)["geometry"]["crop"] == want
        cut = x[want[0]:want[2], want[1]:want[3]]
        diff = record_resize("bicubic", rs.array(path)[0], pil_resize(cut, 40, 30, "bicubic"), "crop-breast+stretch")
        assert diff <= RESIZE_TOL


def test_crop_breast_dicom_with_padding(work):
    """On a fixture with Pixel Padding Value: the padding never enters the mask."""
    x = plain(work, MG12)
    h, w = x.shape
    _, box, _, _ = foreground(x, dicom_padding(MG12))
    r = convert(work, [MG12], "--crop-breast", "--crop-margin", "3")
    want = [max(0, box[0] - 3), max(0, box[1] - 3), min(h, box[2] + 4), min(w, box[3] + 4)]
    assert r.line(MG12)["geometry"]["crop"] == want
    assert np.array_equal(r.array(MG12)[0], x[want[0]:want[2], want[1]:want[3]])

