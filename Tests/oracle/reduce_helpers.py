"""The machinery of the `--reduce` oracle (test_reduce.py, test_reduce_cli.py).

What the contract says (docs/cli.md `--reduce`): reduction level N is the LL band of N levels of the
reversible 5/3 wavelet (dwt53_oracle.py) of the stored values, clamped to the stored range, then
windowed exactly as a full-resolution image (windowing_spec.py). So the oracle is
window(reduce_stored(stored)), and the only question is which stored values:

- lossless inputs: pydicom's (every lossless fixture equals its reference exactly, fixtures.json);
- lossy inputs (.50/.51 DCT, .81 near-lossless, .91/.203 9/7): the tool's own full-resolution stored
  values (`dump-stored`, the same reader), checked to lie within the fixture's maxAbsError of the
  reference. Two correct decoders of a lossy codestream may differ, and --reduce of a lossy input
  is always computed from the full decode, so this is what is exactly checkable: it tests the
  reduction, not the decoder (test_stored_values.py tests the decoders);
- TIFF (unsigned integer samples): the samples, with Bits Stored = BitsPerSample.

Exactness. With `--voi-source none --invert never` (and an identity or 1/0 rescale) the output is
(x - low) / (high - low) in float32, from which the integer x comes back exactly (24-bit mantissa):
`recovered_stored` compares integers with no tolerance. With the default windowing the outputs are
compared with the float64 oracle within 1e-6, as test_convert_oracle.py does (TOLERANCE).
"""
from __future__ import annotations

import json
import tempfile
from pathlib import Path

import numpy as np
import tifffile

import dwt53_oracle as dwt
import j2k_codestream as j2k
import windowing_spec as spec
from conftest import FIXTURES, GOOD, run
from convert_oracle_helpers import TOLERANCE, check_decision
from windowing_spec import Decision, FrameResult, Options

REDUCE_INDEX = json.loads((FIXTURES / "reduce" / "index.json").read_text())["files"]
ENTRY = {str((FIXTURES / e["path"]).resolve()): e for e in GOOD + REDUCE_INDEX}
DECODERS = {"native", "dcmtk", "charls", "openjpeg", "openjph", "libtiff"}
EXACT = Options(voi_source="none", invert="never")   # the invertible windowing (module docstring)

# Every good input of fixtures.json except the float TIFF (no integer stored values for the 5/3
# integer transform to apply to; what --reduce does there is not in the contract), and every
# reduce fixture.
MAIN_INPUTS = [FIXTURES / e["path"] for e in GOOD if e.get("sampleFormat") != "float"]
REDUCE_INPUTS = [FIXTURES / e["path"] for e in REDUCE_INDEX]
ALL_INPUTS = MAIN_INPUTS + REDUCE_INPUTS
_TOOL_STORED = {}


def entry(path):
    """The fixtures.json / reduce index entry; {} for files a test made (lossless by construction)."""
    return ENTRY.get(str(Path(path).resolve()), {})


def lossy(path) -> bool:
    return bool(entry(path).get("lossy")) or (entry(path).get("maxAbsError") or 0) > 0


def tool_stored(path):
    """mammo-prep's own full-resolution stored values (frames, H, W), int64 (cached)."""
    key = str(Path(path).resolve())
    if key not in _TOOL_STORED:
        with tempfile.TemporaryDirectory() as tmp:
            out = Path(tmp) / "stored.npy"
            proc = run("dump-stored", path, "--out", out)
            assert proc.returncode == 0, proc.stderr
            _TOOL_STORED[key] = np.load(out).astype(np.int64)
    return _TOOL_STORED[key]


def stored_values(path):
    """(stored (frames, H, W) int64, bits stored, signed, where they came from)."""
    path = Path(path)
    if spec.is_tiff(path):
        with tifffile.TiffFile(str(path)) as tif:
            pages = [p.asarray() for p in tif.pages]
            bits = int(tif.pages[0].bitspersample)
        assert all(p.dtype.kind == "u" for p in pages), f"{path.name}: not unsigned integer samples"
        return np.stack(pages).astype(np.int64), bits, False, "tifffile"
    ds, decoded = spec.read_dicom(path)
    bits, signed = int(ds.BitsStored), int(ds.PixelRepresentation) == 1
    if not lossy(path):
        return decoded, bits, signed, "pydicom"
    ours = tool_stored(path).reshape(decoded.shape)
    _, reference = spec.read_dicom(FIXTURES / entry(path)["reference"])
    gap = int(np.abs(ours - reference).max())
    assert gap <= entry(path)["maxAbsError"], f"{path.name}: tool's decode is {gap} from the reference"
    return ours, bits, signed, "mammo-prep dump-stored"


def reduced_stored(path, n):
    stored, bits, signed, _ = stored_values(path)
    return dwt.reduce_stored(stored, n, bits, signed), bits, signed


def expected(path, n, options: Options = Options()):
    """[FrameResult] of window(reduce_stored(stored)) for every frame (options.frame ignored)."""
    path = Path(path)
    reduced, bits, _ = reduced_stored(path, n)
    if not spec.is_tiff(path):
        ds, _ = spec.read_dicom(path)
        return [spec.window_one_frame(reduced[k], ds, k, options) for k in range(reduced.shape[0])]
    # the integer branch of windowing_spec.tiff_frames, on the reduced samples
    results = []
    with tifffile.TiffFile(str(path)) as tif:
        for k, page in enumerate(tif.pages):
            top = float((1 << bits) - 1)
            decision = Decision(voi_source="tiff", range=(0.0, top))
            decision.inverted = int(page.photometric) == 0 and options.invert != "never"
            v = reduced[k].astype(np.float64) / top
            results.append(FrameResult(frame=k, values=1.0 - v if decision.inverted else v, decision=decision))
    return results


def expected_source(path, n) -> str:
    if n == 0:
        return "none"
    return "computed" if spec.is_tiff(path) else j2k.expected_source(path, n)


def convert(files, out, *args):
    """Runs `convert FILES --out OUT -q ARGS`; returns (proc, {(source, frame): line}, failures)."""
    proc = run("convert", *files, "--out", out, "-q", *map(str, args))
    lines = [json.loads(l) for l in (out / "manifest.jsonl").read_text().splitlines()] \
        if (out / "manifest.jsonl").exists() else []
    failures = [json.loads(l) for l in (out / "failures.jsonl").read_text().splitlines()] \
        if (out / "failures.jsonl").exists() else []
    by_key = {(str(Path(l["source"]).resolve()), l["frame"]): l for l in lines}
    assert len(by_key) == len(lines), "two manifest lines for one output"
    return proc, by_key, failures


def check_line(path, n, want_shape, line, requested=None):
    """The manifest's reduce and decoder keys for one output of --reduce n (no geometry)."""
    r, c = want_shape
    where = f"{Path(path).name} frame {line['frame']} N={n}"
    assert line["reduce"] == {"requested": requested or str(n), "levels": n, "source": expected_source(path, n),
                              "rows": r, "columns": c}, f"{where}: reduce {line.get('reduce')}"
    assert (line["rows"], line["columns"]) == (r, c) and line["shape"] == [1, r, c], where
    assert line["decoder"] in DECODERS, f"{where}: decoder {line.get('decoder')!r}"
    if spec.is_tiff(path):
        assert line["decoder"] == "libtiff", where
    if line["reduce"]["source"] == "codestream":
        assert line["decoder"] in ("openjpeg", "openjph"), where
    if "decoderFallback" in line:
        assert isinstance(line["decoderFallback"], str) and line["decoderFallback"], where


def recovered_stored(values, want: FrameResult):
    """The integers behind an EXACT-windowed output (module docstring), or None if not invertible."""
    d = want.decision
    if d.voi_source == "tiff":
        low, high = d.range
    elif d.voi_source == "none" and d.no_voi_rule == "range" and d.modality in ("identity", "rescale"):
        low, high = d.range
    else:
        return None
    if d.inverted:
        return None
    x = np.rint(values.astype(np.float64) * (high - low) + low)
    return x.astype(np.int64)


def compare_run(files, n, out, options: Options = Options(), extra=()):
    """One `convert --reduce n` over `files`; every output checked. Returns (exactly compared
    outputs, {(path, frame): array})."""
    proc, by_key, failures = convert(files, out, "--reduce", n, *options.args(), *extra)
    assert proc.returncode == 0 and failures == [], f"exit {proc.returncode}: {failures} {proc.stderr}"
    exact, arrays, expected_lines = 0, {}, 0
    for path in files:
        reduced, _, _ = reduced_stored(path, n)
        for want in expected(path, n, options):
            expected_lines += 1
            key = (str(Path(path).resolve()), want.frame)
            assert key in by_key, f"no manifest line for {Path(path).name} frame {want.frame}: {proc.stderr}"
            line = by_key[key]
            arr = np.load(out / line["output"])
            shape = dwt.reduced_shape(*spec_shape(path), n)
            assert arr.dtype == np.float32 and arr.shape == (1, *shape), f"{line['output']}: {arr.shape}"
            check_line(path, n, shape, line)
            check_decision(f"reduce {n}", path, want, line)
            diff = float(np.abs(arr[0].astype(np.float64) - want.values).max())
            assert diff <= TOLERANCE, f"{Path(path).name} frame {want.frame} N={n}: max |diff| {diff:.3g}"
            got = recovered_stored(arr[0], want)
            if got is not None:
                bad = got != reduced[want.frame]
                assert not bad.any(), (f"{Path(path).name} frame {want.frame} N={n}: {int(bad.sum())} reduced stored "
                                       f"values differ, first at {np.argwhere(bad)[0].tolist()}")
                exact += 1
            arrays[(Path(path).resolve(), want.frame)] = arr
    assert len(by_key) == expected_lines
    return exact, arrays


def spec_shape(path):
    """(rows, columns) from the file itself (pydicom / tifffile)."""
    if spec.is_tiff(path):
        with tifffile.TiffFile(str(path)) as tif:
            return tuple(tif.pages[0].shape[:2])
    return spec.read_dicom(path)[1].shape[1:]
