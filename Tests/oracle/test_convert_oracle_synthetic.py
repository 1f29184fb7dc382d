"""`convert` against the independent spec implementation (windowing_spec.py) on edited copies of
fixtures covering spec rules the fixture set has no file for, and on float TIFFs with and without
--clip; last, the worst difference over this module and test_convert_oracle.py (machinery:
convert_oracle_helpers.py)."""
import warnings

import numpy as np
import pydicom
import pytest
import tifffile
from pydicom.dataset import Dataset
from pydicom.sequence import Sequence

import windowing_spec as spec
from convert_oracle_helpers import MG12, TOLERANCE, WORST, D, T, convert_and_compare
from windowing_spec import Options


# ------------------------------------------------------------------------------ synthesized cases
def _copy(source, target, edit):
    ds = pydicom.dcmread(str(source))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # deliberately non-conformant CS values
        edit(ds)
        ds.save_as(str(target))
    return target


def _lut_item(descriptor, data, vr="US", explanation="SYNTHETIC"):
    item = Dataset()
    item.add_new(spec.LUT_DESCRIPTOR, "US", list(descriptor))
    item.add_new(0x00283003, "LO", explanation)
    if vr == "OW":
        item.add_new(spec.LUT_DATA, "OW", np.asarray(data, dtype="<u2").tobytes())
    else:
        item.add_new(spec.LUT_DATA, "US", [int(v) for v in data])
    return item


def _drop(ds, *keywords):
    for keyword in keywords:
        if keyword in ds:
            delattr(ds, keyword)


@pytest.fixture(scope="module")
def synthetic(tmp_path_factory):
    """Edited copies of fixtures covering spec rules the fixture set has no file for (rescale, slope
    0, signed LUT first values, LUT bits/packing/usability, function spelling, non-conformant
    polarity, functional-group hoisting)."""
    folder = tmp_path_factory.mktemp("synthetic")
    made = {}
    x4096 = np.arange(4096)

    def add(name, source, edit):
        made[name] = _copy(source, folder / f"{name}.dcm", edit)

    def rescale(slope, intercept):
        def edit(ds):
            ds.RescaleSlope, ds.RescaleIntercept = slope, intercept
        return edit

    add("syn_rescale_half", MG12, rescale("0.5", "-100"))
    add("syn_rescale_negative", MG12, rescale("-2", "5000"))
    add("syn_rescale_zero_slope", MG12, rescale("0", "100"))
    add("syn_rescale_fraction", D("mg12s_explicit_le.dcm"), rescale("0.37", "12.25"))

    def function(value):
        def edit(ds):
            ds.VOILUTFunction = value
        return edit

    add("syn_function_lower_sigmoid", MG12, function(" sigmoid "))
    add("syn_function_lower_exact", MG12, function("linear_exact"))
    add("syn_function_unknown", MG12, function("GAMMA"))

    def photometric(pi, shape):
        def edit(ds):
            ds.PhotometricInterpretation = pi
            if shape is None:
                _drop(ds, "PresentationLUTShape")
            else:
                ds.PresentationLUTShape = shape
        return edit

    add("syn_mono1_identity", MG12, photometric("MONOCHROME1", "IDENTITY"))
    add("syn_mono2_inverse", MG12, photometric("MONOCHROME2", "INVERSE"))
    add("syn_mono1_noshape", MG12, photometric("MONOCHROME1", None))
    add("syn_mono2_noshape", MG12, photometric("MONOCHROME2", None))

    def voi_lut(*items):
        def edit(ds):
            ds.VOILUTSequence = Sequence(list(items))
        return edit

    # signed stored values: descriptor first 0xF800 must be read as SS (-2048)
    add("syn_voi_lut_signed_first", D("mg12s_explicit_le.dcm"),
        voi_lut(_lut_item([4096, 0xF800, 16], np.round(65535 * (x4096 / 4095) ** 1.3))))
    # 8-bit entries, 4096 of them, one per US word (pydicom 3.0.2 wraps the index at 256)
    add("syn_voi_lut_8bit_unpacked", MG12, voi_lut(_lut_item([4096, 0, 8], np.round(255 * x4096 / 4095))))
    # 10-bit LUT (pydicom raises); first 1000, 2000 entries: clamping below first / above the last entry
    add("syn_voi_lut_10bit_clamped", MG12,
        voi_lut(_lut_item([2000, 1000, 10], np.round(1023 * np.sqrt(np.arange(2000) / 1999)))))
    # 8-bit packed in OW with an odd count: (n+1)/2 words, low byte first
    odd = np.round(255 * (np.arange(4095) / 4094) ** 2).astype(np.int64)
    packed = np.append(odd, 0).reshape(-1, 2)
    add("syn_voi_lut_8bit_packed_odd", MG12,
        voi_lut(_lut_item([4095, 0, 8], packed[:, 0] | (packed[:, 1] << 8), vr="OW")))
    # unusable: an entry above 2^bits - 1 -> auto falls back to window 0, --voi-source lut fails
    bad = np.round(255 * x4096 / 4095)
    bad[7] = 300
    add("syn_voi_lut_unusable", MG12, voi_lut(_lut_item([4096, 0, 8], bad)))
    # unusable: too little data
    add("syn_voi_lut_short", MG12, voi_lut(_lut_item([4096, 0, 16], np.arange(100))))
    # item 0 unusable, item 1 usable: index N picks item N only
    add("syn_voi_lut_two_items", MG12, voi_lut(_lut_item([4096, 0, 16], np.arange(10)),
                                                _lut_item([4096, 0, 12], x4096[::-1])))
    # VOI LUT after a rescale that makes the modality output negative (first read as SS) and fractional
    add("syn_voi_lut_after_rescale", MG12, lambda ds: (rescale("0.75", "-1500.5")(ds), voi_lut(
        _lut_item([4096, 0xF400, 16], np.round(65535 * x4096 / 4095)))(ds)))

    def modality_lut(descriptor, data, keep_rescale):
        def edit(ds):
            if not keep_rescale:
                _drop(ds, "RescaleSlope", "RescaleIntercept", "RescaleType")
            else:
                ds.RescaleSlope, ds.RescaleIntercept = "2", "-7"
            item = _lut_item(descriptor, data)
            item.ModalityLUTType = "US"
            ds.ModalityLUTSequence = Sequence([item])
        return edit

    ramp3000 = np.round(4095 * np.sqrt(np.arange(3000) / 2999))
    add("syn_modality_lut_12bit_clamped", MG12, modality_lut([3000, 100, 12], ramp3000, False))
    add("syn_modality_lut_wins_over_rescale", MG12, modality_lut([3000, 100, 12], ramp3000, True))
    add("syn_modality_lut_signed_first", D("mg12s_explicit_le.dcm"),
        modality_lut([4096, 0xF800, 16], np.round(65535 * (x4096 / 4095) ** 0.7), False))

    def enhanced(ds):
        # top-level window must lose to the functional groups
        ds.WindowCenter, ds.WindowWidth = "100", "50"
        frames = ds[spec.PER_FRAME_FG].value
        del frames[2][spec.FRAME_VOI_LUT]                      # frame 2: shared window (2048/4096)
        pvt = Dataset()
        pvt.RescaleSlope, pvt.RescaleIntercept, pvt.RescaleType = "2", "-500", "US"
        frames[1].PixelValueTransformationSequence = Sequence([pvt])  # frame 1: its own rescale
        frames[4][spec.FRAME_VOI_LUT].value[0].VOILUTFunction = "LINEAR_EXACT"

    add("syn_enhanced_hoisting", D("bto12_explicit_le.dcm"), enhanced)
    return made


SYNTHETIC_CASES = [
    ("synthetic-default", None, Options()),
    ("synthetic-voi-source-none", ["syn_rescale_half", "syn_rescale_negative", "syn_rescale_zero_slope",
                                   "syn_rescale_fraction", "syn_modality_lut_12bit_clamped",
                                   "syn_modality_lut_wins_over_rescale", "syn_modality_lut_signed_first",
                                   "syn_enhanced_hoisting", "syn_voi_lut_after_rescale"], Options(voi_source="none")),
    ("synthetic-minmax", ["syn_rescale_negative", "syn_rescale_fraction", "syn_modality_lut_signed_first"],
     Options(voi_source="none", no_voi="minmax")),
    ("synthetic-voi-source-lut", ["syn_voi_lut_signed_first", "syn_voi_lut_8bit_unpacked", "syn_voi_lut_10bit_clamped",
                                  "syn_voi_lut_8bit_packed_odd", "syn_voi_lut_unusable", "syn_voi_lut_short",
                                  "syn_voi_lut_two_items", "syn_voi_lut_after_rescale"], Options(voi_source="lut")),
    ("synthetic-lut-index1", ["syn_voi_lut_two_items", "syn_voi_lut_signed_first"], Options(window_index=1)),
    ("synthetic-invert-dcmtk", ["syn_mono1_identity", "syn_mono2_inverse", "syn_mono1_noshape", "syn_mono2_noshape"],
     Options(invert="dcmtk")),
    ("synthetic-invert-never", ["syn_mono1_identity", "syn_mono2_inverse", "syn_mono1_noshape"], Options(invert="never")),
    ("synthetic-window-signed-rescale", ["syn_rescale_negative", "syn_rescale_fraction"],
     Options(window=(1000, 2000), voi_function="linear-exact")),
    ("synthetic-enhanced-sigmoid", ["syn_enhanced_hoisting"], Options(voi_function="sigmoid")),
]


@pytest.mark.parametrize("case,names,options", SYNTHETIC_CASES, ids=[c[0] for c in SYNTHETIC_CASES])
def test_synthetic_case(case, names, options, synthetic, tmp_path):
    files = list(synthetic.values()) if names is None else [synthetic[n] for n in names]
    convert_and_compare(case, files, options, tmp_path / "out")


def test_synthetic_files_mean_what_they_say(synthetic):
    """The oracle takes the branch each synthetic file was made for (guards the edits above)."""
    def decision(name, options=Options(), frame=0):
        return spec.expected(synthetic[name], options)[frame].decision
    assert decision("syn_voi_lut_signed_first").voi_lut_descriptor == (4096, -2048, 16)
    assert decision("syn_voi_lut_after_rescale").voi_lut_descriptor == (4096, -3072, 16)
    assert decision("syn_voi_lut_8bit_packed_odd").voi_source == "lut"
    assert decision("syn_voi_lut_unusable").voi_source == "window"
    assert decision("syn_voi_lut_short").voi_source == "window"
    assert decision("syn_voi_lut_two_items").voi_source == "window"
    assert decision("syn_voi_lut_two_items", Options(window_index=1)).voi_source == "lut"
    assert decision("syn_modality_lut_wins_over_rescale").modality == "lut"
    assert decision("syn_rescale_zero_slope", Options(voi_source="none")).range == (0.0, 4095.0)
    assert decision("syn_rescale_negative", Options(voi_source="none")).range == (5000.0, 5000.0 - 2 * 4095)
    assert decision("syn_function_lower_sigmoid").function == "SIGMOID"
    assert decision("syn_function_lower_exact").function == "LINEAR_EXACT"
    assert decision("syn_function_unknown").function == "LINEAR"
    assert [decision("syn_enhanced_hoisting", frame=k).center for k in range(5)] == [1858, 1652, 2048, 1824, 1898]
    assert decision("syn_enhanced_hoisting", frame=4).function == "LINEAR_EXACT"
    auto = [decision(n).inverted for n in ("syn_mono1_identity", "syn_mono2_inverse", "syn_mono1_noshape", "syn_mono2_noshape")]
    dcmtk = [decision(n, Options(invert="dcmtk")).inverted
             for n in ("syn_mono1_identity", "syn_mono2_inverse", "syn_mono1_noshape", "syn_mono2_noshape")]
    assert auto == [True, True, True, False] and dcmtk == [False, True, True, False]


# ----------------------------------------------------------------------------- float TIFF / --clip
@pytest.fixture(scope="module")
def float_tiffs(tmp_path_factory):
    folder = tmp_path_factory.mktemp("float")
    rng = np.random.default_rng(7)
    wide = rng.uniform(-0.5, 1.5, size=(40, 32)).astype(np.float32)
    wide[0, :4] = [0.0, 1.0, -0.0, np.float32(1.0000001)]
    inside = rng.uniform(0.0, 1.0, size=(24, 16)).astype(np.float32)
    nan = inside.copy()
    nan[3, 3] = np.nan
    paths = {"wide": folder / "float_wide.tif", "inside": folder / "float_inside.tif", "nan": folder / "float_nan.tif"}
    tifffile.imwrite(paths["wide"], wide, photometric="minisblack")
    tifffile.imwrite(paths["inside"], inside, photometric="minisblack")
    tifffile.imwrite(paths["nan"], nan, photometric="minisblack")
    return paths


def test_float_tiff_out_of_range_fails_without_clip(float_tiffs, tmp_path):
    # wide and nan must fail (outOfRange), inside converts unchanged
    convert_and_compare("float-no-clip", [float_tiffs["wide"], float_tiffs["inside"], float_tiffs["nan"]],
                        Options(), tmp_path / "out")


def test_float_tiff_clip(float_tiffs, tmp_path):
    # --clip clamps wide into 0..1; NaN still fails
    convert_and_compare("float-clip", [float_tiffs["wide"], float_tiffs["inside"], float_tiffs["nan"],
                                       T("mgf32_minisblack.tif")], Options(clip=True), tmp_path / "out")
    clipped = np.load(tmp_path / "out/float_wide.npy")[0]
    assert clipped.min() == 0.0 and clipped.max() == 1.0


# ------------------------------------------------------------------------------------------ report
def test_zz_worst_difference_report():
    """Runs last (file order): the worst |ours − spec| over every output compared in this module
    and test_convert_oracle.py."""
    if WORST["cases"] == 0:
        pytest.skip("no comparison case ran in this session")
    print(f"\nworst |diff| over {WORST['outputs']} outputs in {WORST['cases']} convert runs: "
          f"{WORST['diff']:.3g} ({WORST['where']})")
    assert WORST["diff"] <= TOLERANCE
