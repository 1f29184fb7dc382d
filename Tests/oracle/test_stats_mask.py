"""`mammo-prep stats --mask foreground` against foreground_oracle.py, an independent
implementation of the documented rule (helpers: stats_helpers.py)."""
import numpy as np
import pydicom
import pytest

from conftest import FIXTURES, tiff_windowed, write_tiff
from foreground_oracle import foreground_mask, otsu_threshold, padding_masks
from stats_helpers import INPUTS, assert_moments, assert_percentiles, close, stats, windowed


# ---------------------------------------------------------------------------------------------
# --mask foreground against an independent implementation of the documented rule


def mask_oracle(frames):
    """{(source, frame): (kept values float64, kept count, total)} under the documented rule."""
    out, paddings = {}, {}
    for (source, frame), arr in frames.items():
        if source not in paddings:
            paddings[source] = padding_masks(source)
        pad = paddings[source][frame] if paddings[source] is not None else None
        keep = foreground_mask(arr, pad)
        out[(source, frame)] = (arr[keep].astype(np.float64), int(keep.sum()), arr.size)
    return out


def assert_mask_report(report, rows, oracle):
    kept = np.concatenate([v for v, _, _ in oracle.values()])
    total = sum(t for _, _, t in oracle.values())
    assert report["mask"] == "foreground" and report["pipeline"]["mask"] == "foreground"
    assert_moments(report, kept)
    assert report["partial"]["pixelsSeen"] == total
    assert close(report["maskFraction"], kept.size / total, rel=1e-12)
    assert_percentiles(report, kept)
    assert len(rows) == len(oracle)
    for r in rows:
        values, count, total = oracle[(r["path"], r["frame"])]
        assert r["pixels"] == count, (r["path"], r["frame"], r["pixels"], count)
        assert close(r["mask_fraction"], count / total, rel=1e-12), r
        if count:
            assert close(r["mean"], values.mean()) and close(r["std"], values.std(), tiny=1e-15), r
            assert r["min"] == values.min() and r["max"] == values.max()
        else:
            assert r["mean"] is r["std"] is r["min"] is r["max"] is None


def test_mask_oracle_on_a_drawn_image():
    """The oracle itself: Otsu splits two levels, the largest component wins, holes fill, 8- vs
    4-connectivity, padding never kept."""
    img = np.full((12, 14), 0.1, np.float32)
    img[2:9, 0:7] = 0.8       # the breast, against the left border
    img[4:6, 2:4] = 0.1       # a hole inside it
    img[1, 10:13] = 0.9       # a smaller blob
    img[9, 7] = 0.8           # touches the breast diagonally only: 8-connected, kept
    pad = np.zeros(img.shape, bool)
    pad[4, 2] = True          # padding inside the hole: not kept
    # Every edge between the 0.1 and 0.8 bins gives the same between-class variance: the first wins.
    assert otsu_threshold(img[~pad]) == 26 / 256
    keep = foreground_mask(img, pad)
    want = np.zeros(img.shape, bool)
    want[2:9, 0:7] = True
    want[9, 7] = True
    want[4, 2] = False
    assert np.array_equal(keep, want)
    assert foreground_mask(np.full((3, 3), 0.5, np.float32)).all()  # constant: all candidates


@pytest.fixture(scope="module")
def breast_images(tmp_path_factory):
    """A synthetic breast as a 16-bit TIFF and as 12-bit DICOMs (copies of the mg12 fixture with new
    pixel data, Pixel Padding Value 0): bright half-ellipse on the chest-wall side, a dark hole inside
    it (with a padding patch in the hole), a brighter label blob in a corner, noise specks in the air,
    padding columns on the right; plus a multi-frame copy of bto12 with padding at a different place
    in every frame, and an image that is all padding."""
    folder = tmp_path_factory.mktemp("breast")
    rng = np.random.default_rng(5)

    def breast(rows, cols, air, tissue, label, hole, noise):
        r, c = np.mgrid[0:rows, 0:cols]
        img = rng.normal(air, noise, (rows, cols))
        ellipse = ((r - rows / 2) / (0.42 * rows)) ** 2 + (c / (0.7 * cols)) ** 2 <= 1
        img[ellipse] = rng.normal(tissue, 2 * noise, ellipse.sum())
        in_hole = (r - rows / 2) ** 2 + (c - 0.3 * cols) ** 2 <= (0.07 * rows) ** 2
        img[in_hole] = rng.normal(hole, noise, in_hole.sum())
        img[3:12, cols - 22:cols - 8] = label           # label blob, away from the ellipse
        for y, x in rng.integers(0, [rows, cols], (6, 2)):  # specks
            if not ellipse[y, x]:
                img[y, x] = label
        return img, ellipse, in_hole

    tiff, t_ellipse, t_hole = breast(240, 180, 3000, 40000, 62000, 5000, 800)
    write_tiff(folder / "breast_tiff.tif", np.clip(tiff, 0, 65535).astype(np.uint16))

    ds = pydicom.dcmread(FIXTURES / "dicom/mg12_mono2_explicit_le.dcm")
    assert ds.Rows == 160 and ds.Columns == 128 and int(ds.PixelPaddingValue) == 0
    d, d_ellipse, d_hole = breast(160, 128, 350, 2600, 4000, 420, 30)
    d = np.clip(np.round(d), 1, 4095)
    d[:, 118:] = 0                                       # padding columns
    hy, hx = np.argwhere(d_hole).mean(axis=0).round().astype(int)
    d[hy - 1:hy + 2, hx - 1:hx + 2] = 0                  # padding inside the hole
    ds.PixelData = d.astype(np.uint16).tobytes()
    ds.save_as(folder / "breast.dcm")
    ds.PixelPaddingValue = 400                           # padding range given high to low: 0...400
    ds.PixelPaddingRangeLimit = 0
    ds["PixelPaddingRangeLimit"].VR = "US"
    ds.save_as(folder / "range_limit.dcm")
    del ds["PixelPaddingRangeLimit"]
    ds.PixelPaddingValue = 0
    ds.PixelData = np.zeros((160, 128), np.uint16).tobytes()
    ds.save_as(folder / "all_padding.dcm")

    mf = pydicom.dcmread(FIXTURES / "dicom/bto12_explicit_le.dcm")
    frames = int(mf.NumberOfFrames)
    stored = mf.pixel_array.reshape(frames, mf.Rows, mf.Columns).copy()
    stored[stored == 4000] = 3999
    for k in range(frames):
        stored[k, 10 * k:10 * k + 30, 5 * k:5 * k + 20] = 4000  # padding, moving with the frame
    mf.PixelData = stored.astype(np.uint16).tobytes()
    mf.PixelPaddingValue = 4000
    mf["PixelPaddingValue"].VR = "US"
    mf.save_as(folder / "mf_padding.dcm")
    return folder, (t_ellipse, t_hole), (d_ellipse, d_hole, d)


def test_mask_breast_images(breast_images, tmp_path):
    folder, (t_ellipse, t_hole), (d_ellipse, d_hole, stored) = breast_images
    report, rows, _ = stats(tmp_path, folder, "--mask", "foreground", per_image=True)
    frames = windowed(tmp_path, [folder])
    oracle = mask_oracle(frames)
    assert_mask_report(report, rows, oracle)
    # The oracle keeps what a breast mask should: ellipse and hole, not the label or padding.
    keep = foreground_mask(frames[(str(folder / "breast_tiff.tif"), 0)])
    assert keep[t_ellipse | t_hole].all() and not keep[~(t_ellipse | t_hole)].any()
    pad = stored == 0
    keep = foreground_mask(frames[(str(folder / "breast.dcm"), 0)], pad)
    assert np.array_equal(keep, (d_ellipse | d_hole) & ~pad)
    assert (d_hole & pad).any() and (d_hole & ~pad).any()
    all_pad = next(r for r in rows if r["path"].endswith("all_padding.dcm"))
    assert all_pad["pixels"] == 0 and all_pad["mask_fraction"] == 0.0


def test_mask_connectivity_ties_and_holes(tmp_path):
    """Drawn shapes whose masks are known without the oracle: 8-connected foreground, first
    component on a tie, 4-connected holes (a diagonal ring closes its inside)."""
    folder = tmp_path / "in"
    folder.mkdir()
    low, mid, high = 6554, 52428, 58982  # 0.1, 0.8, 0.9
    diagonal = np.full((40, 40), low)
    diagonal[2:8, 2:8] = mid        # two 6x6 squares touching at one corner: 72 pixels 8-connected
    diagonal[8:14, 8:14] = mid
    diagonal[25:32, 25:32] = high   # 49 pixels: the largest 4-connected component
    tie = np.full((40, 40), low)
    tie[3:11, 28:36] = mid          # first in row-major order
    tie[25:33, 3:11] = high         # same size, later
    diamond = np.full((40, 40), low)
    r, c = np.mgrid[0:40, 0:40]
    ring = np.abs(r - 20) + np.abs(c - 20) == 12   # 8-connected ring, diagonal steps only
    diamond[ring] = high
    diamond[1:3, 1:3] = high
    shapes = {"diagonal.tif": diagonal, "diamond.tif": diamond, "tie.tif": tie}
    for name, a in shapes.items():
        write_tiff(folder / name, a.astype(np.uint16))
    report, rows, _ = stats(tmp_path, folder, "--mask", "foreground", per_image=True)
    by_name = {r["path"].rsplit("/", 1)[1]: r for r in rows}
    assert by_name["diagonal.tif"]["pixels"] == 72
    assert by_name["tie.tif"]["pixels"] == 64 and by_name["tie.tif"]["mean"] == float(np.float32(mid / 65535))
    inside = np.abs(r - 20) + np.abs(c - 20) <= 12
    assert by_name["diamond.tif"]["pixels"] == inside.sum() == 313
    frames = {(str(folder / n), 0): tiff_windowed(a) for n, a in shapes.items()}
    assert_mask_report(report, rows, mask_oracle(frames))


def test_mask_all_padding_alone_gives_an_empty_report(breast_images, tmp_path):
    folder, _, _ = breast_images
    report, rows, _ = stats(tmp_path, folder / "all_padding.dcm", "--mask", "foreground", per_image=True)
    assert report["count"] == 0 and report["images"] == 1 and report["mean"] == [] and report["std"] == []
    assert report["maskFraction"] == 0.0 and report["partial"]["pixelsSeen"] == 160 * 128
    assert all(v is None for v in report["percentiles"].values())


def test_mask_fixtures(tmp_path):
    report, rows, _ = stats(tmp_path, *INPUTS, "--mask", "foreground", per_image=True)
    frames = windowed(tmp_path, INPUTS)
    oracle = mask_oracle(frames)
    assert_mask_report(report, rows, oracle)
    assert 0.2 < report["maskFraction"] < 1.0


