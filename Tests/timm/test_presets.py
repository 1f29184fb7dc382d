"""Every built-in model preset (Sources/MammoPrep/Adapt/model-presets.json, docs/adapter.md) equals
what the pinned timm resolves for it: `timm.data.resolve_data_config({}, model=create_model(NAME,
pretrained=False))` for `--model-input train` and with `use_test_size=True` for `test` — input
size, interpolation, mean, std, crop_pct, crop_mode, channels, and the tag timm picks for the name.
And `convert --model NAME` uses those values (preprocess.json's `model` and the tensor's shape)."""
import json
import subprocess

import pytest
import timm
from timm.data import resolve_data_config

from conftest import ROOT

PRESETS = json.loads((ROOT / "Sources/MammoPrep/Adapt/model-presets.json").read_text())["presets"]
REQUIRED = {"resnet18", "resnet34", "resnet50", "resnet50d", "resnet50d.ra4_e3600_r224_in1k", "seresnext50_32x4d",
            "densenet121", "efficientnet_b0", "efficientnet_b2", "tf_efficientnetv2_s", "convnext_tiny", "convnext_small"}


def test_pinned_timm():
    assert timm.__version__ == "1.0.22"
    assert REQUIRED <= {p["name"] for p in PRESETS}


@pytest.mark.parametrize("preset", PRESETS, ids=[p["name"] for p in PRESETS])
def test_preset_equals_timm(preset):
    model = timm.create_model(preset["name"], pretrained=False)
    cfg = model.pretrained_cfg
    assert f"{cfg['architecture']}.{cfg['tag']}" == preset["tag"]
    for input_name, test_size in (("train", False), ("test", True)):
        want = resolve_data_config({}, model=model, use_test_size=test_size)
        assert want["input_size"][0] == preset["channels"]
        assert list(want["input_size"][1:]) == preset["inputSize"][input_name], input_name
        assert want["crop_pct"] == preset["cropPct"][input_name], input_name
        assert want["interpolation"] == preset["interpolation"]
        assert list(want["mean"]) == preset["mean"] and list(want["std"]) == preset["std"]
        assert want["crop_mode"] == preset["cropMode"]
    for key in ("inputSize", "cropPct", "interpolation", "mean", "std", "channels", "cropMode"):
        assert "timm 1.0.22" in preset["sources"][key], key


@pytest.mark.parametrize("preset", PRESETS, ids=[p["name"] for p in PRESETS])
def test_convert_uses_the_preset(preset, binary, tmp_path):
    fixture = ROOT / "Fixtures/dicom/mg12_mono2_explicit_le.dcm"
    for input_name in ("train", "test"):
        out = tmp_path / input_name
        proc = subprocess.run([binary, "convert", fixture, "--out", out, "-q", "--model", preset["name"],
                               "--model-input", input_name, "--fit", "crop"], capture_output=True, text=True)
        assert proc.returncode == 0, proc.stderr
        spec = json.loads((out / "preprocess.json").read_text())
        model = spec["model"]
        assert model["tag"] == preset["tag"] and model["cropMode"] == preset["cropMode"]
        assert spec["geometry"]["size"] == preset["inputSize"][input_name]
        assert spec["geometry"]["cropPct"] == preset["cropPct"][input_name]
        assert spec["geometry"]["interpolation"] == preset["interpolation"]
        assert spec["normalize"] == {"mean": preset["mean"], "std": preset["std"]}
        line = json.loads((out / "manifest.jsonl").read_text().splitlines()[0])
        assert line["shape"] == [preset["channels"], *preset["inputSize"][input_name]]


@pytest.mark.parametrize("preset", PRESETS, ids=[p["name"] for p in PRESETS])
def test_crop_tensor_equals_timms_eval_transform(preset, binary, tmp_path):
    """`convert --model NAME --fit crop` against timm's own eval transform (create_transform(**cfg,
    is_training=False): Resize + CenterCrop on the PIL mode "F" image of the windowed frame, then
    the 3-channel Normalize in float64) for train and test sizes. Pillow's float resize and ours
    (Adapt/Resampler.swift) agree to about 1e-5 (Tests/oracle/test_adapter_resize.py)."""
    import numpy as np
    from PIL import Image

    fixture = ROOT / "Fixtures/dicom/mg12_mono2_explicit_le.dcm"
    plain = tmp_path / "plain"
    subprocess.run([binary, "convert", fixture, "--out", plain, "-q"], check=True)
    x = np.load(plain / "mg12_mono2_explicit_le.npy")[0]
    model = timm.create_model(preset["name"], pretrained=False)
    for input_name, test_size in (("train", False), ("test", True)):
        cfg = resolve_data_config({}, model=model, use_test_size=test_size)
        transform = timm.data.create_transform(**cfg, is_training=False)
        geometry = [t for t in transform.transforms if type(t).__name__ in ("Resize", "CenterCrop", "ResizeKeepRatio")]
        assert len(geometry) == 2, transform
        image = Image.fromarray(x, mode="F")
        for t in geometry:
            image = t(image)
        plane = np.asarray(image, dtype=np.float64)
        want = np.stack([(plane - m) / s for m, s in zip(cfg["mean"], cfg["std"])]).astype(np.float32)
        out = tmp_path / input_name
        subprocess.run([binary, "convert", fixture, "--out", out, "-q", "--model", preset["name"],
                        "--model-input", input_name, "--fit", "crop"], check=True)
        got = np.load(out / "mg12_mono2_explicit_le.npy")
        assert got.shape == want.shape, (input_name, got.shape, want.shape)
        assert float(np.abs(got.astype(np.float64) - want).max()) < 1e-3, input_name


def _config_json(name, path):
    """config.json as timm writes it for the hub (architecture, num_classes, pretrained_cfg)."""
    model = timm.create_model(name, pretrained=False)
    cfg = {k: v for k, v in dict(model.pretrained_cfg).items() if isinstance(v, (int, float, str, list, tuple, type(None)))}
    path.write_text(json.dumps({"architecture": cfg["architecture"], "num_classes": 1000, "pretrained_cfg": cfg}))
    return path


@pytest.mark.parametrize("preset", PRESETS, ids=[p["name"] for p in PRESETS])
def test_model_config_equals_the_preset(preset, binary, tmp_path):
    """`--model-config config.json` written from each preset's timm model gives, byte for byte, the
    tensors of `--model NAME` (pad and crop fits, train and test sizes); `Preprocessor.from_json`
    of that run's preprocess.json gives them too."""
    import numpy as np

    config = _config_json(preset["name"], tmp_path / "config.json")
    fixture = ROOT / "Fixtures/dicom/mg12_mono2_explicit_le.dcm"
    for extra in (["--fit", "crop"], ["--model-input", "test"], []):
        a, b = tmp_path / "a", tmp_path / "b"
        for out, option in ((a, ["--model", preset["name"]]), (b, ["--model-config", str(config)])):
            proc = subprocess.run([binary, "convert", fixture, "--out", out, "-q", "--overwrite", *option, *extra],
                                  capture_output=True, text=True)
            assert proc.returncode == 0, proc.stderr
        x, y = (np.load(d / "mg12_mono2_explicit_le.npy") for d in (a, b))
        assert x.shape == y.shape and x.tobytes() == y.tobytes(), extra
        spec = json.loads((b / "preprocess.json").read_text())
        assert spec["model"]["name"] == f"config:{preset['name'].split('.')[0]}" and spec["model"]["tag"] == preset["tag"]
        try:
            import mammo_prep
        except ImportError:
            continue
        z = mammo_prep.Preprocessor.from_json(b / "preprocess.json")(str(fixture))
        assert z.tobytes() == y.tobytes(), extra


@pytest.mark.parametrize("name", ["resnet50d", "tf_efficientnetv2_s", "convnext_tiny"])
def test_crop_mode_squash_equals_timm(name, binary, tmp_path):
    """`--fit crop --crop-mode squash` against timm's eval transform with crop_mode='squash'
    (Resize((⌊H/crop_pct⌋, ⌊W/crop_pct⌋)) + CenterCrop) on the same float image."""
    import numpy as np
    from PIL import Image

    fixture = ROOT / "Fixtures/dicom/mg12_mono2_explicit_le.dcm"
    plain = tmp_path / "plain"
    subprocess.run([binary, "convert", fixture, "--out", plain, "-q"], check=True)
    x = np.load(plain / "mg12_mono2_explicit_le.npy")[0]
    cfg = resolve_data_config({}, model=timm.create_model(name, pretrained=False))
    cfg["crop_mode"] = "squash"
    transform = timm.data.create_transform(**cfg, is_training=False)
    image = Image.fromarray(x, mode="F")
    for t in transform.transforms:
        if type(t).__name__ in ("Resize", "CenterCrop"):
            image = t(image)
    plane = np.asarray(image, dtype=np.float64)
    want = np.stack([(plane - m) / s for m, s in zip(cfg["mean"], cfg["std"])]).astype(np.float32)
    out = tmp_path / "squash"
    subprocess.run([binary, "convert", fixture, "--out", out, "-q", "--model", name, "--fit", "crop",
                    "--crop-mode", "squash"], check=True)
    got = np.load(out / "mg12_mono2_explicit_le.npy")
    assert got.shape == want.shape
    assert float(np.abs(got.astype(np.float64) - want).max()) < 1e-3
    spec = json.loads((out / "preprocess.json").read_text())
    assert spec["geometry"]["cropMode"] == "squash"


@pytest.mark.parametrize("text, message", [
    ('{"pretrained_cfg": {"crop_pct": 0.9}}', "no 'input_size'"),
    ('{"pretrained_cfg": {"input_size": [3, 224]}}', "'input_size' must be"),
    ('{"pretrained_cfg": {"input_size": [3, 224, 224], "interpolation": "lanczos"}}', "'interpolation' 'lanczos'"),
    ('{"pretrained_cfg": {"input_size": [3, 224, 224], "crop_mode": "border"}}', "'crop_mode' 'border'"),
    ('{"pretrained_cfg": {"input_size": [3, 224, 224], "std": [0.5, 0, 0.5]}}', "'std' must be greater than 0"),
    ('[1, 2]', "expected a JSON object"),
])
def test_bad_model_configs_are_usage_errors(text, message, binary, tmp_path):
    config = tmp_path / "config.json"
    config.write_text(text)
    proc = subprocess.run([binary, "convert", ROOT / "Fixtures/dicom/mg12_mono2_explicit_le.dcm", "--out", tmp_path / "o",
                           "--model-config", config], capture_output=True, text=True)
    assert proc.returncode == 2 and message in proc.stderr and str(config) in proc.stderr, proc.stderr
