"""Errors: options the CLI refuses raise ValueError with its wording; `out=` of the wrong shape,
dtype or layout raises before anything is written; MammoPrepError carries path, stage and code,
pickles, and never names the patient; a closed Preprocessor refuses work."""
from __future__ import annotations

import pickle

import numpy as np
import pytest

import mammo_prep
from conftest import BAD, FIXTURES, PHI_MARKERS, run_cli

IMAGE = str(FIXTURES / "dicom" / "mg12_mono2_explicit_le.dcm")   # 160 x 128


@pytest.mark.parametrize("options,flags", [
    ({"sise": 224}, ["--sise", "224"]),
    ({"fit": "squash", "size": 224}, ["--fit", "squash", "--size", "224"]),
    ({"size": "224x"}, ["--size", "224x"]),
    ({"voi_source": "maybe"}, ["--voi-source", "maybe"]),
    ({"model": "resnet-nonexistent"}, ["--model", "resnet-nonexistent"]),
    ({"normalize": "custom"}, ["--normalize", "custom"]),
    ({"reduce": "auto"}, ["--reduce", "auto"]),
    ({"window": (100, -5)}, ["--window", "100:-5"]),
])
def test_options_the_cli_refuses_are_value_errors_with_its_wording(options, flags, tmp_path):
    with pytest.raises(ValueError) as info:
        mammo_prep.Preprocessor(**options)
    proc = run_cli("convert", IMAGE, "--out", tmp_path / "o", *flags, check=False)
    assert proc.returncode == 2, proc.stderr
    message = str(info.value)
    assert message and "\n" not in message
    # The CLI prints "Error: MESSAGE" (and help after it); the library's message is that line.
    first = proc.stderr.strip().splitlines()[0].removeprefix("Error: ")
    assert first.startswith(message) or message.startswith(first), (message, proc.stderr)


def test_batch_options_are_not_preprocessing_options():
    for options in ({"out": "x"}, {"format": "npy-stack"}, {"jobs": 2}, {"overwrite": True},
                    {"shard": "1/2"}, {"frame": 1}):
        with pytest.raises(ValueError):
            mammo_prep.Preprocessor(**options)


@pytest.mark.parametrize("out", [
    np.zeros((1, 160, 127), np.float32), np.zeros((1, 128, 160), np.float32),
    np.zeros((160, 128), np.float32), np.zeros((1, 160 * 128), np.float32),
    np.zeros((2, 160, 128), np.float32),
], ids=["columns", "transposed", "2d", "flat", "channels"])
def test_out_of_the_wrong_shape_raises_and_is_untouched(out):
    out[...] = 7
    with pytest.raises(ValueError):
        mammo_prep.Preprocessor()(IMAGE, out=out)
    assert np.all(out == 7)


@pytest.mark.parametrize("out", [
    np.zeros((1, 160, 128), np.float64), np.zeros((1, 160, 128), np.float16),
    np.zeros((1, 160, 128), ">f4"), np.zeros((1, 160, 128), np.int32),
], ids=["float64", "float16", "big-endian", "int32"])
def test_out_of_the_wrong_dtype_raises(out):
    with pytest.raises(TypeError):
        mammo_prep.Preprocessor()(IMAGE, out=out)


def test_out_must_be_contiguous_writeable_and_an_array():
    pre = mammo_prep.Preprocessor()
    strided = np.zeros((1, 160, 256), np.float32)[:, :, ::2]
    readonly = np.zeros((1, 160, 128), np.float32)
    readonly.flags.writeable = False
    fortran = np.asfortranarray(np.zeros((1, 160, 128), np.float32))
    for out in (strided, readonly, fortran):
        with pytest.raises(ValueError):
            pre(IMAGE, out=out)
    with pytest.raises(TypeError):
        pre(IMAGE, out=bytearray(4 * 160 * 128))


def test_out_for_a_shape_known_only_after_decoding():
    pre = mammo_prep.Preprocessor(crop_breast=True)
    want = pre(IMAGE)
    bound = pre.output_shape(IMAGE)
    assert not bound.exact and all(b >= w for b, w in zip(bound, want.shape))
    out = np.empty_like(want)
    assert pre(IMAGE, out=out) is out and out.tobytes() == want.tobytes()
    if tuple(bound) != want.shape:
        with pytest.raises(ValueError, match=r"the output is"):
            pre(IMAGE, out=np.empty(bound, np.float32))


def test_frame_out_of_range_and_negative():
    pre = mammo_prep.Preprocessor()
    with pytest.raises(mammo_prep.MammoPrepError) as info:
        pre(IMAGE, frame=3)
    assert info.value.path == IMAGE and info.value.code
    with pytest.raises(ValueError):
        pre(IMAGE, frame=-1)
    with pytest.raises(TypeError):
        pre(IMAGE, frame=0.5)


@pytest.mark.parametrize("entry", BAD, ids=[e["path"] for e in BAD])
def test_bad_inputs_raise_without_patient_data(entry):
    path = str(FIXTURES / entry["path"])
    with pytest.raises(mammo_prep.MammoPrepError) as info:
        mammo_prep.read(path)
    e = info.value
    assert e.path == path and e.stage and e.code and str(e) and "\n" not in str(e)
    assert not any(m in str(e) for m in PHI_MARKERS)
    again = pickle.loads(pickle.dumps(e))
    assert (str(again), again.path, again.stage, again.code) == (str(e), e.path, e.stage, e.code)


def test_missing_file():
    with pytest.raises(mammo_prep.MammoPrepError) as info:
        mammo_prep.read(str(FIXTURES / "no-such-file.dcm"))
    assert info.value.path.endswith("no-such-file.dcm")


def test_a_closed_preprocessor_refuses_work():
    with mammo_prep.Preprocessor() as pre:
        pre(IMAGE)
    with pytest.raises(ValueError, match="closed"):
        pre(IMAGE)
    pre.close()          # closing twice is harmless
