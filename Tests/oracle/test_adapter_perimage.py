"""Per-image normalization (`--normalize minmax|zscore`, `--norm-region image|breast`), explicit
custom figures (`--mean/--std`) and one channel from a 3-channel preset, against numpy
(docs/adapter.md "Normalization").

The oracle takes the un-normalized output of the same command (`--normalize none`, same geometry),
computes the figures in float64 with numpy over every pixel or over the documented foreground mask
of that plane (foreground_oracle.py), and applies float32((float64(x) − m) / s) to every pixel on
every channel; a constant region must give 0 everywhere and a warning."""
import numpy as np
import pytest

from adapter_helpers import convert, foreground, normalized, work  # noqa: F401 (work: fixture)
from conftest import FIXTURES, GOOD, write_tiff

SOURCES = [FIXTURES / e["path"] for e in GOOD]
GEOMETRIES = {
    "native": [],
    "pad64x48": ["--size", "64x48"],
    "breast-crop96": ["--crop-breast", "--size", "96", "--fit", "crop"],
}


def oracle(plane, kind, region):
    """(output (1, H, W), figures dict, warnings expected?) for one plane."""
    x = plane.astype(np.float64)
    selected = x.ravel()
    if region == "breast":
        mask = foreground(plane)[0]
        if mask.any():
            selected = x[mask]
    if kind == "minmax":
        lo, hi = selected.min(), selected.max()
        m, s, constant = lo, hi - lo, not hi > lo
        figures = {"min": lo, "max": hi}
    else:
        m, s = selected.mean(), selected.std()
        constant = not s > 0
        figures = {"mean": m, "std": s}
    y = np.zeros((1,) + plane.shape, np.float32) if constant else normalized(plane, (m,), (s,))
    return y, figures, constant


@pytest.mark.parametrize("geometry", list(GEOMETRIES))
@pytest.mark.parametrize("region", ["image", "breast"])
@pytest.mark.parametrize("kind", ["minmax", "zscore"])
def test_per_image_matches_numpy(work, kind, region, geometry):
    """Every good fixture (frame 0): the output, the manifest's adapter record and preprocess.json."""
    geo = GEOMETRIES[geometry] + ["--frame", "0"]
    base = convert(work, SOURCES, *geo)
    r = convert(work, SOURCES, *geo, "--normalize", kind, "--norm-region", region)
    spec = r.preprocess()
    assert spec["normalization"] == {"kind": kind, "channels": 1, "mean": None, "std": None, "region": region}
    assert spec["normalize"] is None
    worst = 0.0
    for s in SOURCES:
        plane = base.array(s)[0]
        want, figures, constant = oracle(plane, kind, region)
        got = r.array(s)
        assert got.shape == want.shape and np.isfinite(got).all(), s
        if kind == "minmax":
            assert np.array_equal(got, want), s     # the same float64 operations on exact figures
        else:
            worst = max(worst, float(np.max(np.abs(got.astype(np.float64) - want))))
            assert np.allclose(got, want, rtol=1e-6, atol=1e-6), s
        a = r.line(s)["adapter"]
        assert a["normalize"] == kind and a["region"] == region and a["channels"] == 1, a
        if kind == "minmax":
            assert (a["min"], a["max"]) == (figures["min"], figures["max"]), s
            assert (a["mean"][0], a["std"][0]) == (figures["min"], figures["max"] - figures["min"]) or constant, s
        else:
            assert a["mean"][0] == pytest.approx(figures["mean"], rel=1e-12, abs=1e-12), s
            assert a["std"][0] == pytest.approx(figures["std"], rel=1e-12, abs=1e-12), s
        assert any("constant" in w for w in a["warnings"]) == constant, (s, a["warnings"])
    assert worst < 1e-6


def test_three_channels_carry_the_same_figures(work):
    sources = SOURCES[:6]
    one = convert(work, sources, "--frame", "0", "--size", "48", "--normalize", "zscore", "--norm-region", "breast")
    three = convert(work, sources, "--frame", "0", "--size", "48", "--normalize", "zscore", "--norm-region", "breast",
                    "--channels", "3")
    for s in sources:
        a, b = one.array(s), three.array(s)
        assert b.shape == (3,) + a.shape[1:]
        for c in range(3):
            assert np.array_equal(b[c], a[0]), s
        assert three.line(s)["adapter"]["mean"] == [one.line(s)["adapter"]["mean"][0]] * 3


def test_constant_images_give_zeros_and_a_warning(work, tmp_path):
    """A constant image (any value) and an all-black one: 0 everywhere, no NaN, a recorded warning;
    with region breast too (an all-black image has an empty mask: the whole image is used, said so)."""
    flat = write_tiff(tmp_path / "flat.tif", np.full((40, 30), 30000, np.uint16))
    black = write_tiff(tmp_path / "black.tif", np.zeros((40, 30), np.uint16))
    for kind in ("minmax", "zscore"):
        for region in ("image", "breast"):
            for channels in ("1", "3"):
                r = convert(work, [flat, black], "--normalize", kind, "--norm-region", region, "--channels", channels)
                for s in (flat, black):
                    got = r.array(s)
                    assert got.shape == (int(channels), 40, 30) and not np.signbit(got).any() and not got.any()
                    warnings = r.line(s)["adapter"]["warnings"]
                    assert any("constant" in w for w in warnings), warnings


def test_explicit_custom_figures(work):
    """`--normalize custom --mean M[,M,M] --std S[,S,S]`: numpy's normalize of the plain output."""
    sources = SOURCES[:4]
    base = convert(work, sources, "--frame", "0", "--size", "40")
    for args, mean, std in [(["--mean", "0.25", "--std", "0.125"], (0.25,), (0.125,)),
                            (["--mean", "0.25", "--std", "0.125", "--channels", "3"], (0.25,) * 3, (0.125,) * 3),
                            (["--mean", "0.1,0.2,0.3", "--std", "0.4,0.5,0.6"], (0.1, 0.2, 0.3), (0.4, 0.5, 0.6))]:
        r = convert(work, sources, "--frame", "0", "--size", "40", "--normalize", "custom", *args)
        for s in sources:
            assert np.array_equal(r.array(s), normalized(base.array(s)[0], mean, std)), (s, args)
        spec = r.preprocess()
        assert spec["normalize"] == {"mean": list(mean), "std": list(std)} and spec["stats"] is None


def test_one_channel_from_a_three_channel_preset(work):
    """`--model resnet50d --channels 1`: the average of ImageNet's means and stds (0.449 / 0.226)."""
    sources = SOURCES[:4]
    plain3 = convert(work, sources, "--frame", "0", "--model", "resnet50d", "--normalize", "none", "--channels", "1")
    r = convert(work, sources, "--frame", "0", "--model", "resnet50d", "--channels", "1")
    m = (0.485 + 0.456 + 0.406) / 3
    sd = (0.229 + 0.224 + 0.225) / 3
    assert (round(m, 12), round(sd, 12)) == (0.449, 0.226)
    for s in sources:
        assert np.array_equal(r.array(s), normalized(plain3.array(s)[0], (m,), (sd,))), s
    spec = r.preprocess()
    assert spec["normalization"]["kind"] == "model" and spec["normalization"]["channels"] == 1
    assert spec["normalize"] == {"mean": [m], "std": [sd]}
