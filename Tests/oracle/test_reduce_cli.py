"""`--reduce` beyond the fixture matrix (test_reduce.py): a mammogram-sized 2295x1913 12-bit image
made at test time (Explicit VR LE, and JPEG 2000 lossless from pylibjpeg-openjpeg's encoder), `stats
--reduce`, `--reduce auto`, and the usage errors. Oracle machinery: reduce_helpers.py."""
import copy
import json
import sys

import numpy as np
import openjpeg.utils
import pydicom
import pytest
from pydicom.encaps import encapsulate

import j2k_codestream as j2k
from conftest import FIXTURES, run
from reduce_helpers import EXACT, REDUCE_INPUTS, compare_run, convert, expected
from stats_helpers import assert_moments, merge, pooled, stats

sys.path.insert(0, str(FIXTURES / "generate"))
from dicom_dataset import J2K_LOSSLESS, mg_dataset, save  # noqa: E402
from phantom import mammogram  # noqa: E402

MG12 = FIXTURES / "dicom" / "mg12_mono2_explicit_le.dcm"   # 160 rows x 128 columns


def save_j2k(ds, codestream, path):
    """`ds` with its pixels replaced by one J2K lossless codestream (encapsulated, with a BOT)."""
    jds = copy.deepcopy(ds)
    jds.PixelData = encapsulate([codestream], has_bot=True)
    jds["PixelData"].VR = "OB"
    jds["PixelData"].is_undefined_length = True
    jds.file_meta.TransferSyntaxUID = J2K_LOSSLESS
    save(jds, str(path))


# ---------------------------------------------------------------------------- 2295 x 1913
@pytest.fixture(scope="module")
def large(tmp_path_factory):
    """The same 2295x1913 12-bit phantom as Explicit VR LE and as single-tile J2K lossless (5 levels)."""
    folder = tmp_path_factory.mktemp("large")
    img = mammogram(2295, 1913, 12, seed=2295)
    ds = mg_dataset(img, bits_stored=12, instance=9900, series=99, description="REDUCE LARGE")
    save(ds, str(folder / "large_explicit_le.dcm"))
    cs = bytes(openjpeg.utils.encode_array(img, bits_stored=12, photometric_interpretation=2))
    facts = j2k.parse(cs)
    assert (facts.tiles, facts.levels, facts.reversible, facts.precision, facts.signed) == (1, 5, True, 12, False)
    save_j2k(ds, cs, folder / "large_j2k_lossless.dcm")
    for name in ("large_explicit_le.dcm", "large_j2k_lossless.dcm"):
        assert np.array_equal(pydicom.dcmread(str(folder / name)).pixel_array, img)
    return folder / "large_explicit_le.dcm", folder / "large_j2k_lossless.dcm"


@pytest.mark.parametrize("n", [1, 2, 3, 4])
def test_large_image(n, large, tmp_path):
    le, jp = large
    exact, arrays = compare_run([le, jp], n, tmp_path / "out", EXACT)
    assert exact == 2
    a, b = arrays[(le.resolve(), 0)], arrays[(jp.resolve(), 0)]
    assert a.shape == (1, -(-2295 // (1 << n)), -(-1913 // (1 << n)))
    assert a.tobytes() == b.tobytes(), "codestream path != computed path"
    lines = [json.loads(l) for l in (tmp_path / "out" / "manifest.jsonl").read_text().splitlines()]
    assert sorted(l["reduce"]["source"] for l in lines) == ["codestream", "computed"]


# ---------------------------------------------------------------------------------- stats
STATS_INPUTS = REDUCE_INPUTS + [MG12, FIXTURES / "dicom" / "bto12_j2k_lossless.dcm",
                                FIXTURES / "tiff" / "mg16_multipage3.tif"]


def test_stats_reduce_2(tmp_path):
    report, _, _ = stats(tmp_path, *STATS_INPUTS, "--reduce", 2, name="r2.json")
    # the pixels stats pools are those convert writes with the same options…
    _, arrays = compare_run(STATS_INPUTS, 2, tmp_path / "converted")
    values, _, _ = pooled(arrays.values())
    assert_moments(report, values)
    # …and those are window(oracle): the pooled figures of the float64 oracle agree within 1e-6
    want = np.concatenate([r.values.ravel() for p in STATS_INPUTS for r in expected(p, 2)])
    assert want.size == report["count"]
    assert abs(report["mean"][0] - want.mean()) <= 1e-6 and abs(report["std"][0] - want.std()) <= 1e-6
    assert report["images"] == len(arrays)

    full, _, _ = stats(tmp_path, *STATS_INPUTS, "--reduce", 0, name="r0.json")
    assert full["pipeline"] != report["pipeline"]
    assert full["count"] > 12 * report["count"]


def test_stats_parts_of_different_reduce_levels_are_refused(tmp_path):
    stats(tmp_path, *STATS_INPUTS, "--shard", "1/2", name="a.json")
    stats(tmp_path, *STATS_INPUTS, "--shard", "2/2", "--reduce", 1, name="b.json")
    for parts in ([tmp_path / "a.json", tmp_path / "b.json"], [tmp_path / "b.json", tmp_path / "a.json"]):
        _, proc = merge(tmp_path, parts, expect=2)
        assert "reduce: " in proc.stderr, proc.stderr
        assert not (tmp_path / "merged.json").exists()


# ----------------------------------------------------------------------------------- auto
@pytest.mark.parametrize("size,levels", [("40x32", 1), ("80x64", 0), ("20x16", 2), ("10x8", 3)])
def test_reduce_auto(size, levels, tmp_path):
    """The largest N keeping the reduced image at least twice the resized content in both
    dimensions: 160x128 -> 80x64 (N=1) is twice 40x32; 40x32 (N=2) is not."""
    proc, auto, _ = convert([MG12], tmp_path / "auto", "--reduce", "auto", "--size", size)
    assert proc.returncode == 0, proc.stderr
    proc, fixed, _ = convert([MG12], tmp_path / "fixed", "--reduce", levels, "--size", size)
    assert proc.returncode == 0, proc.stderr
    (line,) = auto.values()
    rows, columns = -(-160 // (1 << levels)), -(-128 // (1 << levels))
    assert line["reduce"] == {"requested": "auto", "levels": levels, "source": "computed" if levels else "none",
                              "rows": rows, "columns": columns}
    h, w = map(int, size.split("x"))
    assert line["shape"] == [1, h, w]
    (other,) = fixed.values()
    assert (tmp_path / "auto" / line["output"]).read_bytes() == (tmp_path / "fixed" / other["output"]).read_bytes()
    assert json.loads((tmp_path / "auto" / "preprocess.json").read_text())["reduce"] == "auto"


@pytest.mark.parametrize("command", ["convert", "stats"])
def test_reduce_auto_needs_a_size(command, tmp_path):
    proc = run(command, MG12, "--out", tmp_path / ("out" if command == "convert" else "s.json"), "--reduce", "auto")
    assert proc.returncode == 2 and "--reduce" in proc.stderr, proc.stderr


# ---------------------------------------------------------------------------- usage errors
@pytest.mark.parametrize("command", ["convert", "stats"])
@pytest.mark.parametrize("value", ["-1", "17", "1.5", "two", "", "1e1", "0x2"])
def test_reduce_usage_errors(command, value, tmp_path):
    out = tmp_path / ("out" if command == "convert" else "s.json")
    for form in (["--reduce", value], [f"--reduce={value}"]):
        proc = run(command, MG12, "--out", out, *form)
        assert proc.returncode == 2, f"{form}: exit {proc.returncode}\n{proc.stderr}"
        assert "--reduce" in proc.stderr, proc.stderr
        assert not out.exists() or command == "convert" and not list(out.glob("*.npy"))


@pytest.mark.parametrize("command", ["convert", "stats"])
def test_reduce_16_is_accepted(command, tmp_path):
    out = tmp_path / ("out" if command == "convert" else "s.json")
    proc = run(command, MG12, "--out", out, "--reduce", 16, "-q")
    assert proc.returncode == 0, proc.stderr


# ---------------------------------------------------------------------------- float TIFF
def test_float_tiff_has_no_stored_values_to_reduce(tmp_path):
    """docs/cli.md: a float TIFF page fails `--reduce` above 0 (`unsupportedBits`, stage decode);
    the batch goes on and `--reduce 0` converts it."""
    floats = FIXTURES / "tiff" / "mgf32_minisblack.tif"
    out = tmp_path / "out"
    proc = run("convert", floats, MG12, "--out", out, "--reduce", "1", "-q")
    assert proc.returncode == 1, proc.stderr
    failures = [json.loads(line) for line in (out / "failures.jsonl").read_text().splitlines()]
    assert [(f["code"], f["stage"]) for f in failures] == [("unsupportedBits", "decode")], failures
    assert "float samples" in failures[0]["error"] and len(proc.stderr.strip().splitlines()) == 1
    assert (out / "mg12_mono2_explicit_le.npy").is_file()
    proc = run("convert", floats, "--out", tmp_path / "full", "--reduce", "0", "-q")
    assert proc.returncode == 0, proc.stderr


# -------------------------------------------------------- codestream precision > Bits Stored
@pytest.mark.parametrize("n", [1, 2, 3])
def test_codestream_precision_above_bits_stored_is_clamped_not_masked(n, tmp_path):
    """A 12-bit image coded at 16-bit precision (as some encoders do): the decoder clamps the
    reduced band to 16 bits, the tool clamps it to Bits Stored; the codestream path must still
    equal the computed one. The image has hard 0 | 4095 edges, so the band overshoots 4095."""
    img = mammogram(301, 257, 12, seed=301)
    img[:, 100:140] = 4095
    img[:, 140:150] = 0
    ds = mg_dataset(img, bits_stored=12, instance=9901, series=98, description="REDUCE P16")
    save(ds, str(tmp_path / "p16_explicit_le.dcm"))
    cs = bytes(openjpeg.utils.encode_array(img.astype(np.uint16), bits_stored=16, photometric_interpretation=2))
    facts = j2k.parse(cs)
    assert (facts.tiles, facts.reversible, facts.precision) == (1, True, 16)
    save_j2k(ds, cs, tmp_path / "p16_j2k_lossless.dcm")
    out = tmp_path / "out"
    proc = run("convert", tmp_path / "p16_explicit_le.dcm", tmp_path / "p16_j2k_lossless.dcm", "--out", out,
               "--reduce", n, "--voi-source", "none", "-q")
    assert proc.returncode == 0, proc.stderr
    lines = {l["output"]: l for l in map(json.loads, (out / "manifest.jsonl").read_text().splitlines())}
    assert lines["p16_j2k_lossless.npy"]["reduce"]["source"] == "codestream"
    assert lines["p16_explicit_le.npy"]["reduce"]["source"] == "computed"
    a, b = np.load(out / "p16_explicit_le.npy"), np.load(out / "p16_j2k_lossless.npy")
    assert a.tobytes() == b.tobytes(), f"N={n}: max |diff| {np.abs(a - b).max()}"
    assert a.max() == 1.0, "the clamp must be exercised (the band reaches the top of the range)"
