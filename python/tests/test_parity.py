"""Every fixture × a spread of option sets: `read()` and `Preprocessor` give, byte for byte, the
`.npy` that `convert` writes with the same options; `Preprocessor.from_json` of that run's
preprocess.json gives it too; the decision record is the manifest line; an input `convert` fails
raises MammoPrepError with the same message, stage and code."""
from __future__ import annotations

import pickle

import numpy as np
import pytest

import mammo_prep
from conftest import FIXTURES, MANIFEST

# name -> options: every convert option that changes pixels appears in at least one set.
OPTION_SETS = {
    "default": {},
    "resnet50d": {"model": "resnet50d"},
    "stretch": {"size": (96, 80), "fit": "stretch", "interpolation": "bilinear",
                "voi_source": "none", "no_voi": "minmax"},
    "breast3": {"size": 128, "crop_breast": True, "crop_margin": 8, "flip_to": "right",
                "channels": 3, "normalize": "imagenet"},
    "window": {"window": (2000, 3000), "voi_function": "sigmoid", "invert": "never", "clip": True},
    "reduce": {"reduce": 1, "model": "resnet50d", "model_input": "test", "fit": "crop",
               "interpolation": "area", "crop_pct": 0.9},
    "breast_native": {"crop_breast": True, "flip_to": "left"},      # shape known only after decoding
    "index1": {"window_index": 1, "voi_function": "linear-exact", "size": "100x90"},
    "zscore_breast": {"normalize": "zscore", "norm_region": "breast", "size": 96, "channels": 3},
    "minmax_model": {"model": "resnet50d", "normalize": "minmax"},
    "custom_gray": {"normalize": "custom", "mean": (0.2, 0.3, 0.4), "std": (0.5, 0.6, 0.7), "size": 64},
    "model_1ch": {"model": "resnet50d", "channels": 1},
    "clahe": {"clahe": "2:4x6", "crop_breast": True, "size": 96, "flip_to": "right"},
}

# Keys of a manifest line that name the output file rather than describe the tensor.
# The manifest's file keys (issue 12: the source file's real path, size, mtime for resume, and the
# label-table join keys, docs/cli.md) describe the source, not the decision: only convert writes them.
OUTPUT_ONLY = {"output", "row", "sourceRealPath", "sourceSize", "sourceModifiedNs", "sopInstanceUID",
               "studyInstanceUID", "seriesInstanceUID", "sopClassUID", "laterality", "viewPosition",
               "imageType", "presentationIntentType", "numberOfFrames"}


def _cases():
    for name in OPTION_SETS:
        for entry in MANIFEST:
            yield pytest.param(name, entry["path"], id=f"{name}:{entry['path']}")


@pytest.fixture(scope="module")
def pipelines():
    cache = {}

    def get(name, converted):
        if name not in cache:
            cache[name] = (mammo_prep.Preprocessor(**OPTION_SETS[name]),
                           mammo_prep.Preprocessor.from_json(converted.spec)
                           if converted.spec.is_file() else None)
        return cache[name]

    return get


@pytest.mark.parametrize("name,rel", list(_cases()))
def test_equals_convert(name, rel, convert_cache, pipelines):
    converted = convert_cache(name, OPTION_SETS[name])
    pre, replay = pipelines(name, converted)
    source = str(FIXTURES / rel)
    if source in converted.failures:
        failure = converted.failures[source]
        for fn in (lambda: pre(source), lambda: mammo_prep.read(source, **OPTION_SETS[name])):
            with pytest.raises(mammo_prep.MammoPrepError) as info:
                fn()
            assert str(info.value) == failure["error"]
            assert (info.value.stage, info.value.code) == (failure["stage"], failure["code"])
            assert info.value.path == source
        return
    lines = converted.outputs.get(source)
    if lines is None:        # not DICOM or TIFF: convert skips it, read() refuses it
        with pytest.raises(mammo_prep.MammoPrepError) as info:
            pre(source)
        assert info.value.path == source and info.value.code
        return
    for frame, (folder, line) in sorted(lines.items()):
        want = np.load(folder / line["output"])
        got, record = pre.read(source, frame)
        assert got.dtype == np.float32 and got.flags.c_contiguous
        assert got.shape == want.shape == tuple(line["shape"])
        assert got.tobytes() == want.tobytes(), f"frame {frame} differs from convert's output"
        assert {k: v for k, v in record.items() if k not in OUTPUT_ONLY} == \
               {k: v for k, v in line.items() if k not in OUTPUT_ONLY}
        assert replay(source, frame).tobytes() == want.tobytes(), "from_json(preprocess.json) differs"
        if frame == 0:
            assert mammo_prep.read(source, **OPTION_SETS[name]).tobytes() == want.tobytes()
        shape = pre.output_shape(source, frame)
        if shape.exact:
            assert tuple(shape) == want.shape
        else:
            assert len(shape) == 3 and all(b >= w for b, w in zip(shape, want.shape))
        out = np.full(want.shape, np.nan, dtype=np.float32)
        assert pre(source, frame, out=out) is out and out.tobytes() == want.tobytes()


@pytest.mark.parametrize("name", list(OPTION_SETS))
def test_to_json_round_trip(name, convert_cache, tmp_path):
    """to_json() is the pipeline's preprocess.json: convert's, and from_json of it (a dict, a path
    or JSON text) is the same pipeline again."""
    converted = convert_cache(name, OPTION_SETS[name])
    pre = mammo_prep.Preprocessor(**OPTION_SETS[name])
    import json

    written = json.loads(converted.spec.read_text())
    spec = pre.to_json()
    for key in ("reduce", "windowing", "geometry", "normalization", "model", "outputShape", "normalize"):
        assert spec.get(key) == written.get(key), key
    path = tmp_path / "preprocess.json"
    pre.to_json(path)
    image = str(FIXTURES / "dicom" / "mg12_mono2_jpegls_lossless.dcm")
    for again in (mammo_prep.Preprocessor.from_json(spec), mammo_prep.Preprocessor.from_json(path),
                  mammo_prep.Preprocessor.from_json(path.read_text()), pickle.loads(pickle.dumps(pre))):
        assert again.to_json() == spec
        assert again(image).tobytes() == pre(image).tobytes()


def test_every_option_set_converts_something(convert_cache):
    for name, options in OPTION_SETS.items():
        converted = convert_cache(name, options)
        assert len(converted.outputs) >= 40, f"{name}: only {len(converted.outputs)} inputs converted"
