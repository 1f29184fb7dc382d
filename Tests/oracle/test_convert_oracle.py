"""`convert` pixel values and windowing decisions against the independent spec implementation in
windowing_spec.py (docs/windowing.md "Spec" lines, docs/pipeline.md §2).

Every case is one `convert` run over a list of inputs with one option set; each output .npy must be
float32 (1, H, W) in [0, 1], equal the oracle's float64 result within 1e-6, and its manifest line
must record the decision the oracle made (voiSource, index, center, width, function, inverted, and
the no-VOI rule/range or VOI LUT descriptor where they apply). Inputs the oracle says must fail
(`--voi-source lut` without a usable LUT, float TIFF outside 0…1 without --clip) must give exit 1
and a failures.jsonl line with the right code.

Stored values come from pydicom, except for lossy DCT JPEG (.50/.51), where two correct IDCTs may
differ by one grey level (test_stored_values.py): there the oracle windows mammo-prep's own
`dump-stored` values, after checking they are within 1 of pydicom's, so this module tests the
windowing and not the IDCT rounding.
"""
import json
import tempfile
import time
import warnings
from pathlib import Path

import numpy as np
import pydicom
import pytest
import tifffile
from pydicom.dataset import Dataset
from pydicom.sequence import Sequence

import windowing_spec as spec
from conftest import FIXTURES, GOOD_DICOM, GOOD_TIFF, run
from windowing_spec import Options

TOLERANCE = 1e-6
IDCT_SYNTAXES = {"1.2.840.10008.1.2.4.50", "1.2.840.10008.1.2.4.51"}
WORST = {"diff": 0.0, "where": None, "outputs": 0, "cases": 0}
_STORED_CACHE = {}


def D(name):
    return FIXTURES / "dicom" / name


def T(name):
    return FIXTURES / "tiff" / name


ALL_DICOM = [FIXTURES / e["path"] for e in GOOD_DICOM]
ALL_TIFF = [FIXTURES / e["path"] for e in GOOD_TIFF]
MONO1 = [D("mg12_mono1_explicit_le.dcm"), D("mg12_mono1_jpeg_lossless_sv1.dcm")]
BTO = [D("bto12_explicit_le.dcm"), D("bto12_j2k_lossless.dcm"), D("bto12_jpegls_lossless.dcm"), D("bto12_rle.dcm")]
SIGNED = [D("mg12s_explicit_le.dcm"), D("mg12s_jpegls_lossless.dcm"), D("mg12s_j2k_lossless_unsigned_cs.dcm"),
          D("mg16s_explicit_le.dcm"), D("mask12_signed.dcm"), D("mask14_signed.dcm")]
DEPTHS = [D("mg8_mono2_explicit_le.dcm"), D("mg14_explicit_le.dcm"), D("mg15_explicit_le.dcm"),
          D("mg16_explicit_le.dcm"), D("mg16_explicit_be.dcm")]
LUTS = [D("lut_voi_sequence.dcm"), D("lut_voi_65536.dcm"), D("lut_modality_sequence.dcm")]
MG12 = D("mg12_mono2_explicit_le.dcm")


# ------------------------------------------------------------------------------------- machinery
def stored_override(path):
    """mammo-prep's own stored values for lossy DCT JPEG (see module docstring), else None."""
    path = Path(path)
    if spec.is_tiff(path):
        return None
    ds, decoded = spec.read_dicom(path)
    if str(ds.file_meta.TransferSyntaxUID) not in IDCT_SYNTAXES:
        return None
    if path not in _STORED_CACHE:
        with tempfile.TemporaryDirectory() as tmp:
            out = Path(tmp) / "stored.npy"
            proc = run("dump-stored", path, "--out", out)
            assert proc.returncode == 0, proc.stderr
            ours = np.load(out).astype(np.int64).reshape(decoded.shape)
        gap = int(np.abs(ours - decoded).max())
        assert gap <= 1 and np.mean(ours != decoded) < 0.1, f"{path.name}: IDCT differs from pydicom by {gap}"
        _STORED_CACHE[path] = ours
    return _STORED_CACHE[path]


def frame_count(path):
    if spec.is_tiff(path):
        with tifffile.TiffFile(str(path)) as tif:
            return len(tif.pages)
    return spec.read_dicom(path)[1].shape[0]


def check_decision(case, path, want, got):
    """The manifest's decision record equals the oracle's choice."""
    w = got["windowing"]
    where = f"[{case}] {Path(path).name} frame {want.frame}"
    d = want.decision
    assert w["voiSource"] == d.voi_source, f"{where}: voiSource {w['voiSource']!r}, spec chose {d.voi_source!r} {d.notes}"
    assert w["inverted"] == d.inverted, f"{where}: inverted {w['inverted']}, spec says {d.inverted}"
    if d.voi_source in ("window", "explicit"):
        assert (w["center"], w["width"], w["function"]) == (d.center, d.width, d.function), \
            f"{where}: window {w['center']}/{w['width']} {w['function']}, spec {d.center}/{d.width} {d.function}"
    else:
        assert (w["center"], w["width"], w["function"]) == (None, None, None), f"{where}: window recorded for {d.voi_source}"
    if d.voi_source in ("window", "lut"):
        assert w["index"] == d.index, f"{where}: index {w['index']}, spec {d.index}"
    if d.voi_source == "lut":
        n_raw, first, bits = d.voi_lut_descriptor
        desc = w["voiLUTDescriptor"]
        # [entries as stored, first mapped value as read (US or SS), bits]
        assert desc == [n_raw, first, bits], f"{where}: voiLUTDescriptor {desc}, spec {d.voi_lut_descriptor}"
    if d.voi_source == "none":
        assert w["noVOIRule"] == d.no_voi_rule, f"{where}: noVOIRule {w['noVOIRule']}, spec {d.no_voi_rule}"
        assert w["range"] is not None and tuple(map(float, w["range"])) == d.range, \
            f"{where}: range {w['range']}, spec {d.range} ({d.no_voi_rule})"
    if d.voi_source == "tiff":
        assert tuple(map(float, w["range"])) == d.range, f"{where}: range {w['range']}, spec {d.range}"


def convert_and_compare(case, files, options, out):
    """One convert run; every output and failure checked against the oracle. Returns worst |diff|."""
    files = [Path(f) for f in files]
    started = time.monotonic()
    proc = run("convert", *files, "--out", out, "-q", *options.args())
    elapsed = time.monotonic() - started
    lines = [json.loads(l) for l in (out / "manifest.jsonl").read_text().splitlines()] \
        if (out / "manifest.jsonl").exists() else []
    failures = [json.loads(l) for l in (out / "failures.jsonl").read_text().splitlines()] \
        if (out / "failures.jsonl").exists() else []
    by_key = {(Path(l["source"]).resolve(), l["frame"]): l for l in lines}
    failed_sources = {Path(f["source"]).resolve(): f for f in failures}

    expected_failures = 0
    expected_outputs = 0
    worst, worst_where = 0.0, None
    for path in files:
        try:
            results = spec.expected(path, options, stored_override(path))
        except (spec.Unavailable, spec.OutOfRange) as err:
            expected_failures += 1
            code = "voiUnavailable" if isinstance(err, spec.Unavailable) else "outOfRange"
            assert path.resolve() in failed_sources, \
                f"[{case}] {path.name}: spec says it must fail ({code}: {err}) but no failures.jsonl line; stderr={proc.stderr}"
            assert failed_sources[path.resolve()]["code"] == code, f"[{case}] {path.name}: {failed_sources[path.resolve()]}"
            assert not any(k[0] == path.resolve() for k in by_key), f"[{case}] {path.name}: failed but has outputs"
            continue
        assert path.resolve() not in failed_sources, f"[{case}] {path.name} failed: {failed_sources.get(path.resolve())}"
        frames = frame_count(path)
        for want in results:
            expected_outputs += 1
            key = (path.resolve(), want.frame)
            assert key in by_key, f"[{case}] no manifest line for {path.name} frame {want.frame}; stderr={proc.stderr}"
            line = by_key[key]
            name = f"{path.stem}.npy" if frames == 1 or options.frame is not None else f"{path.stem}.f{want.frame:04d}.npy"
            assert line["output"] == name, f"[{case}] output {line['output']!r}, expected {name!r}"
            assert line["frames"] == frames
            arr = np.load(out / line["output"])
            h, wdt = want.values.shape
            assert arr.dtype == np.float32 and arr.shape == (1, h, wdt), f"[{case}] {name}: {arr.dtype} {arr.shape}"
            assert line["shape"] == [1, h, wdt] and (line["rows"], line["columns"]) == (h, wdt)
            assert np.isfinite(arr).all() and arr.min() >= 0.0 and arr.max() <= 1.0, \
                f"[{case}] {name}: values outside [0, 1]: {arr.min()}..{arr.max()}"
            assert want.values.min() >= 0.0 and want.values.max() <= 1.0, f"oracle out of [0,1] for {name}"
            diff = np.abs(arr[0].astype(np.float64) - want.values)
            here = float(diff.max())
            if here > worst:
                worst, worst_where = here, f"{name}"
            if here > TOLERANCE:
                yx = np.unravel_index(int(diff.argmax()), diff.shape)
                pytest.fail(f"[{case}] {path.name} frame {want.frame}: max |diff| {here:.3g} > {TOLERANCE} at {yx}: "
                            f"got {float(arr[0][yx])!r}, spec {float(want.values[yx])!r}; "
                            f"spec decision {want.decision}; manifest {line['windowing']}")
            check_decision(case, path, want, line)
    assert len(lines) == expected_outputs, f"[{case}] {len(lines)} manifest lines, expected {expected_outputs}"
    assert len(failures) == expected_failures, f"[{case}] failures {failures}"
    assert proc.returncode == (1 if expected_failures else 0), f"[{case}] exit {proc.returncode}: {proc.stderr}"
    WORST["cases"] += 1
    WORST["outputs"] += expected_outputs
    if worst >= WORST["diff"]:
        WORST["diff"], WORST["where"] = worst, f"{case}: {worst_where}"
    print(f"\n[{case}] {expected_outputs} outputs, {expected_failures} expected failures, worst |diff| {worst:.3g} "
          f"({worst_where}), convert {elapsed:.2f} s")
    return worst


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
    """Runs last (file order): the worst |ours − spec| over every output compared in this module."""
    if WORST["cases"] == 0:
        pytest.skip("no comparison case ran in this session")
    print(f"\nworst |diff| over {WORST['outputs']} outputs in {WORST['cases']} convert runs: "
          f"{WORST['diff']:.3g} ({WORST['where']})")
    assert WORST["diff"] <= TOLERANCE
