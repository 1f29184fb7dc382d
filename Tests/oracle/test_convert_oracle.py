"""`convert` pixel values and windowing decisions against the independent spec implementation in
windowing_spec.py (docs/windowing.md "Spec" lines, docs/pipeline.md §2).

Every case is one `convert` run over a list of inputs with one option set; each output .npy must be
float32 (1, H, W) in [0, 1], equal the oracle's float64 result within 1e-6, and its manifest line
must record the decision the oracle made (voiSource, index, center, width, function, inverted, and
the no-VOI rule/range or VOI LUT descriptor where they apply). Inputs the oracle says must fail
(`--voi-source lut` without a usable LUT, float TIFF outside 0…1 without --clip) must give exit 1
and a failures.jsonl line with the right code.

Machinery, fixture lists and the stored values used for lossy JPEG: convert_oracle_helpers.py;
edited copies of fixtures and float TIFFs: test_convert_oracle_synthetic.py.
"""
import pytest

import windowing_spec as spec
from convert_oracle_helpers import (ALL_DICOM, ALL_TIFF, BTO, DEPTHS, LUTS, MG12, MONO1, SIGNED, D, T,
                                    convert_and_compare)
from windowing_spec import Options


# ------------------------------------------------------------------------------- fixture cases
# (id, inputs, options). Every windowing option appears at least once.
CASES = [
    # every good fixture with default options
    ("default-all-dicom", ALL_DICOM, Options()),
    ("default-all-tiff", ALL_TIFF, Options()),
    # --voi-source
    ("voi-source-lut", LUTS[:2] + [MG12, BTO[0]], Options(voi_source="lut")),  # MG12, BTO: no LUT -> exit 1
    ("voi-source-lut-index1-packed8", [D("lut_voi_sequence.dcm")], Options(voi_source="lut", window_index=1)),
    ("voi-source-window", LUTS + [MG12, D("mg14_explicit_le.dcm"), D("mf3_classic_explicit_le.dcm")] + BTO[:1] + SIGNED[:1],
     Options(voi_source="window")),
    ("voi-source-window-missing-pair", [MG12, D("mg15_explicit_le.dcm")], Options(voi_source="window", window_index=1)),
    ("voi-source-none", LUTS + [MG12] + SIGNED + DEPTHS + MONO1 + BTO[:1], Options(voi_source="none")),
    ("voi-source-none-range-explicit", [MG12, D("mg12s_explicit_le.dcm"), D("lut_modality_sequence.dcm")],
     Options(voi_source="none", no_voi="range")),
    # --window-index
    ("window-index-1", LUTS + [MG12, D("mg14_explicit_le.dcm"), D("mg15_explicit_le.dcm"), D("mg16s_explicit_le.dcm")]
     + MONO1[:1] + BTO[:1], Options(window_index=1)),
    ("window-index-2", LUTS + [MG12, D("mg14_jpegls_lossless.dcm"), D("mg16_explicit_le.dcm"), D("mask14_signed.dcm"),
                               D("mg8_mono2_explicit_le.dcm"), D("mf3_classic_explicit_le.dcm")], Options(window_index=2)),
    # --window C:W (overrides LUT, windows and functional groups; function from the file unless --voi-function)
    ("window-explicit", [MG12, D("mg16_explicit_le.dcm"), D("lut_voi_sequence.dcm"), D("lut_modality_sequence.dcm"),
                         D("mg14_explicit_le.dcm")] + BTO[:1] + MONO1[:1], Options(window=(2048, 4096))),
    ("window-explicit-signed", [D("mg12s_explicit_le.dcm"), D("mask12_signed.dcm"), D("mg16s_explicit_le.dcm")],
     Options(window=(-227, 1000))),
    ("window-explicit-width1-threshold", [MG12, D("mask12_unsigned.dcm"), D("mg12_mono1_explicit_le.dcm")],
     Options(window=(1821, 1))),
    ("window-explicit-width1-threshold-8bit", [D("mg8_mono2_explicit_le.dcm")], Options(window=(108, 1))),
    # c - 0.5 = 1500 is a stored code: the exact `<=` / `>` tests decide it (1500 -> 0, 1501 -> 1)
    ("window-explicit-width1-on-code", [D("mask12_unsigned.dcm"), D("mask12_signed.dcm")], Options(window=(1500.5, 1))),
    ("window-explicit-fractional", [MG12, D("mask12_unsigned.dcm")], Options(window=(1500.5, 700.25))),
    ("window-explicit-sub1-linear-exact", [D("mask12_unsigned.dcm")],
     Options(window=(2048, 0.5), voi_function="linear-exact")),
    ("window-explicit-sigmoid", [MG12, D("mask12_unsigned.dcm")], Options(window=(2048, 1000), voi_function="sigmoid")),
    # --voi-function
    ("voi-function-linear-exact", [MG12, D("mg14_explicit_le.dcm"), D("mg12s_explicit_le.dcm"), D("mask12_unsigned.dcm")]
     + BTO[:1], Options(voi_function="linear-exact")),
    ("voi-function-sigmoid", [MG12, D("mg15_explicit_le.dcm"), D("mg16s_explicit_le.dcm"), D("mask14_unsigned.dcm")]
     + BTO[:1], Options(voi_function="sigmoid")),
    ("voi-function-linear", [D("mg14_explicit_le.dcm"), D("mg15_explicit_le.dcm"), D("mg16_explicit_le.dcm")] + BTO[:1],
     Options(voi_function="linear")),
    ("voi-function-sigmoid-index2", [MG12, D("mg16_explicit_le.dcm")], Options(voi_function="sigmoid", window_index=2)),
    # --no-voi
    ("no-voi-minmax", [MG12, D("mg12s_explicit_le.dcm"), D("mg16s_explicit_le.dcm"), D("mask14_signed.dcm"),
                       D("lut_modality_sequence.dcm")] + MONO1[:1] + BTO[:1],
     Options(voi_source="none", no_voi="minmax")),
    ("no-voi-minmax-fallback", [D("mg15_explicit_le.dcm")] + BTO[:1], Options(window_index=1, no_voi="minmax")),
    # --invert
    ("invert-never", MONO1 + [MG12, T("mg16_miniswhite.tif")], Options(invert="never")),
    ("invert-dcmtk", MONO1 + [MG12, T("mg16_miniswhite.tif")], Options(invert="dcmtk")),
    ("invert-never-no-voi", MONO1[:1], Options(invert="never", voi_source="none")),
    # --frame
    ("frame-3", BTO, Options(frame=3)),
    ("frame-0", BTO + [D("mf3_classic_explicit_le.dcm")], Options(frame=0)),
    # 0-based frame 2 is the per-frame item labelled "FRAME 3", the SIGMOID one
    ("frame-2-sigmoid", BTO + [D("mf3_classic_explicit_le.dcm"), T("mg16_multipage3.tif")], Options(frame=2)),
    ("frame-1-multipage-tiff", [T("mg16_multipage3.tif")], Options(frame=1)),
    ("frame-4-minmax", BTO[:1], Options(frame=4, voi_source="none", no_voi="minmax")),
]


@pytest.mark.parametrize("case,files,options", CASES, ids=[c[0] for c in CASES])
def test_fixture_case(case, files, options, tmp_path):
    convert_and_compare(case, files, options, tmp_path / "out")


def test_every_option_is_exercised():
    used = {(o.voi_source, "voi_source") for _, _, o in CASES} | {(o.no_voi, "no_voi") for _, _, o in CASES} \
        | {(o.invert, "invert") for _, _, o in CASES} | {(o.voi_function, "voi_function") for _, _, o in CASES}
    for value in ("auto", "lut", "window", "none"):
        assert (value, "voi_source") in used
    for value in ("range", "minmax"):
        assert (value, "no_voi") in used
    for value in ("auto", "never", "dcmtk"):
        assert (value, "invert") in used
    for value in ("linear", "linear-exact", "sigmoid"):
        assert (value, "voi_function") in used
    assert {o.window_index for _, _, o in CASES} >= {0, 1, 2}
    assert any(o.window is not None and o.window[1] == 1 for _, _, o in CASES)
    assert any(o.frame is not None for _, _, o in CASES)
    # the multi-frame fixtures really carry per-frame windows, 0-based frame 2 ("FRAME 3") SIGMOID
    decisions = [r.decision for r in spec.expected(BTO[0])]
    assert any(o.frame == 2 for _, _, o in CASES)
    assert decisions[2].function == "SIGMOID" and len({(d.center, d.width) for d in decisions}) == 5

