"""The machinery of the convert oracle (test_convert_oracle.py for the contract and the fixture
cases, test_convert_oracle_synthetic.py for edited copies and float TIFFs; it prints the worst
difference over both at the end): fixture lists, and `convert_and_compare`, which runs `convert`
once and checks every output and failure against windowing_spec.py.

Stored values come from pydicom, except for lossy DCT JPEG (.50/.51), where two correct IDCTs may
differ by one grey level (test_stored_values.py): there the oracle windows mammo-prep's own
`dump-stored` values, after checking they are within 1 of pydicom's, so the convert oracle tests the
windowing and not the IDCT rounding.
"""
import json
import tempfile
import time
from pathlib import Path

import numpy as np
import pytest
import tifffile

import windowing_spec as spec
from conftest import FIXTURES, GOOD_DICOM, GOOD_TIFF, run

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

