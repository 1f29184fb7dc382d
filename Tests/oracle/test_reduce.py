"""`convert --reduce N` against the 5/3 wavelet oracle (dwt53_oracle.py) and the windowing oracle
(windowing_spec.py), on every good fixture of fixtures.json (every transfer syntax, multi-frame,
TIFF) and every file of Fixtures/reduce (odd sizes, tiny images, tiled / 9/7 / 2-level J2K, HTJ2K,
signed, 16-bit): for N = 1…4 each output is window(reduce_stored(stored)) — exactly, integers
compared, under the invertible windowing; within 1e-6 under the files' own windowing —, its
manifest line carries the reduce and decoder keys, the decoder's own reduction ("codestream", for
lossless single-tile reversible J2K/HTJ2K with enough levels) gives the same bytes as the computed
one of the same image in Explicit VR LE, and N beyond a codestream's levels is computed.

Which stored values the oracle reduces, the exactness argument and the machinery: reduce_helpers.py.
The large-image, stats, --reduce auto and usage-error tests: test_reduce_cli.py.
"""
import json

import numpy as np
import pytest

import dwt53_oracle as dwt
import j2k_codestream as j2k
from conftest import FIXTURES
from reduce_helpers import (ALL_INPUTS, EXACT, REDUCE_INPUTS, compare_run, convert, entry, expected_source,
                            reduced_stored)
from windowing_spec import Options

LEVELS = (1, 2, 3, 4)
D = lambda name: FIXTURES / "dicom" / name  # noqa: E731
R = lambda name: FIXTURES / "reduce" / name  # noqa: E731


@pytest.fixture(scope="module")
def runs(tmp_path_factory):
    """runs(n, options) -> (exactly compared outputs, {(path, frame): array}) over ALL_INPUTS, cached."""
    cache = {}

    def get(n, options):
        if (n, options) not in cache:
            cache[(n, options)] = compare_run(ALL_INPUTS, n, tmp_path_factory.mktemp(f"reduce{n}"), options)
        return cache[(n, options)]
    return get


def frames_of(paths):
    return sum(len(reduced_stored(p, 0)[0]) for p in paths)


# ------------------------------------------------------------------------------ every input, N = 1…4
@pytest.mark.parametrize("n", LEVELS)
def test_every_input_reduced_exactly(n, runs):
    exact, arrays = runs(n, EXACT)
    assert len(arrays) == frames_of(ALL_INPUTS)
    # every output but the Modality LUT one (a LUT output range cannot be inverted back to codes)
    assert exact == len(arrays) - 1


@pytest.mark.parametrize("n", LEVELS)
def test_every_input_windowed(n, runs):
    _, arrays = runs(n, Options())
    assert len(arrays) == frames_of(ALL_INPUTS)


@pytest.mark.parametrize("n,options", [(2, Options(voi_source="none", no_voi="minmax")),
                                       (3, Options(voi_function="sigmoid")),
                                       (1, Options(window=(2048, 1000), invert="never"))],
                         ids=["minmax-of-the-reduced-frame", "sigmoid", "explicit-window"])
def test_windowing_options_apply_to_the_reduced_image(n, options, runs):
    runs(n, options)


def codestream_pairs(n):
    """(file whose decoder reduces by n itself, its Explicit-VR-LE-or-other reference)."""
    pairs = []
    for path in ALL_INPUTS:
        if expected_source(path, n) == "codestream":
            ref = FIXTURES / entry(path)["reference"]
            assert ref != path and expected_source(ref, n) == "computed"
            pairs.append((path, ref))
    return pairs


@pytest.mark.parametrize("n", LEVELS)
def test_codestream_path_equals_computed_path(n, runs):
    pairs = codestream_pairs(n)
    names = {p.name for p, _ in pairs}
    # the rule must not be vacuous: J2K and HTJ2K, unsigned and signed, 12 and 16 bits, multi-frame
    assert {"mg12_mono2_j2k_lossless.dcm", "mg12_mono2_htj2k_lossless.dcm", "mg12_mono2_htj2k_rpcl.dcm",
            "mg12s_j2k_lossless.dcm", "mg16_j2k_lossless.dcm", "bto12_j2k_lossless.dcm", "a12_j2k_lossless.dcm",
            "a12_htj2k_lossless.dcm", "b16_htj2k_lossless.dcm", "s12_j2k_lossless.dcm", "mf3_j2k_lossless.dcm"} <= names
    assert ("a12_j2k_2levels.dcm" in names) == (n <= 2)
    for options in (EXACT, Options()):
        _, arrays = runs(n, options)
        compared = 0
        for path, ref in pairs:
            for (p, k), arr in arrays.items():
                if p == path.resolve():
                    other = arrays[(ref.resolve(), k)]
                    assert arr.tobytes() == other.tobytes(), f"{path.name} frame {k} N={n}: codestream != computed {ref.name}"
                    compared += 1
        assert compared >= len(pairs)


def test_which_inputs_the_decoder_may_reduce():
    """The rule (j2k_codestream.max_decoder_levels) on the inputs that are *not* reducible by the decoder."""
    assert j2k.max_decoder_levels(R("a12_j2k_tiled.dcm")) == 0          # 6 tiles
    assert j2k.max_decoder_levels(R("a12_j2k_lossy.dcm")) == 0          # 9/7, .91
    assert j2k.max_decoder_levels(D("mg12_mono2_htj2k_lossy.dcm")) == 0  # 9/7, .203
    assert j2k.max_decoder_levels(D("mg12s_j2k_lossless_unsigned_cs.dcm")) == 0  # unsigned codestream, PR 1
    assert j2k.max_decoder_levels(R("a12_j2k_2levels.dcm")) == 2
    assert j2k.max_decoder_levels(D("mg12_mono2_j2k_lossless.dcm")) == 5
    assert j2k.max_decoder_levels(D("mg12_mono2_explicit_le.dcm")) == 0


# ------------------------------------------------------------------------ beyond the codestream's levels
def test_more_levels_than_the_codestream_has(tmp_path):
    capable = [p for p in ALL_INPUTS if j2k.max_decoder_levels(p) >= 1]
    refs = sorted({FIXTURES / entry(p)["reference"] for p in capable})
    files = capable + refs
    for n in (3, 6):
        exact, arrays = compare_run(files, n, tmp_path / f"n{n}", EXACT)
        assert exact == len(arrays)
        for p in capable:
            want = "codestream" if j2k.max_decoder_levels(p) >= n else "computed"
            assert expected_source(p, n) == want
            for (q, k), arr in arrays.items():
                if q == p.resolve():
                    assert arr.tobytes() == arrays[((FIXTURES / entry(p)["reference"]).resolve(), k)].tobytes()
    assert expected_source(R("a12_j2k_2levels.dcm"), 3) == "computed"
    assert all(expected_source(p, 6) == "computed" for p in capable)


def test_reduce_16_leaves_one_pixel(tmp_path):
    files = [R("t3x5_explicit_le.dcm"), R("t1x7_explicit_le.dcm"), R("t7x1_explicit_le.dcm"), R("a12_j2k_lossless.dcm"),
             D("mg12_mono2_explicit_le.dcm"), D("bto12_j2k_lossless.dcm"), FIXTURES / "tiff" / "mg16_multipage3.tif"]
    exact, arrays = compare_run(files, 16, tmp_path / "out", EXACT)
    assert exact == len(arrays) == frames_of(files)
    assert all(a.shape == (1, 1, 1) for a in arrays.values())


@pytest.mark.parametrize("n", [1, 2, 3, 4, 5])
def test_tiny_images(n, tmp_path):
    """Sides smaller than 2^N: a side of one sample passes through every further level."""
    files = [R("t3x5_explicit_le.dcm"), R("t1x7_explicit_le.dcm"), R("t7x1_explicit_le.dcm")]
    exact, arrays = compare_run(files, n, tmp_path / "out", EXACT)
    assert exact == 3
    for p in files:
        reduced, _, _ = reduced_stored(p, n)
        assert arrays[(p.resolve(), 0)].shape[1:] == reduced.shape[1:] == dwt.reduced_shape(*reduced_stored(p, 0)[0].shape[1:], n)


# --------------------------------------------------------------------------------- --reduce 0
def test_reduce_zero_is_todays_output(tmp_path):
    files = [D("mg12_mono2_explicit_le.dcm"), D("mg12_mono2_j2k_lossless.dcm"), D("bto12_j2k_lossless.dcm"),
             R("a12_htj2k_lossless.dcm"), FIXTURES / "tiff" / "mg16_minisblack_none.tif"]
    proc, plain, _ = convert(files, tmp_path / "plain")
    assert proc.returncode == 0, proc.stderr
    proc, zero, _ = convert(files, tmp_path / "zero", "--reduce", 0)
    assert proc.returncode == 0, proc.stderr
    assert plain.keys() == zero.keys()
    for key, line in zero.items():
        assert (tmp_path / "zero" / line["output"]).read_bytes() == (tmp_path / "plain" / plain[key]["output"]).read_bytes()
        assert line["reduce"] == {"requested": "0", "levels": 0, "source": "none",
                                  "rows": line["rows"], "columns": line["columns"]}
    assert json.loads((tmp_path / "zero" / "preprocess.json").read_text())["reduce"] == 0


@pytest.mark.parametrize("n", [2, 4])
def test_preprocess_json_records_the_level(n, tmp_path):
    files = REDUCE_INPUTS[:2]
    compare_run(files, n, tmp_path / "out", EXACT)
    assert json.loads((tmp_path / "out" / "preprocess.json").read_text())["reduce"] == n
