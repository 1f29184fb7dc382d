"""The cases of the byte-identity matrix (identity_matrix.py): one `Case` per invocation, over the
bundled fixtures (FIXTURE_CASES) or the bench corpus (BENCH_CASES, bench/identity.sh). Inputs are
relative to the folder the matrix runs in (the repository for the fixtures)."""
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
GOLDEN = ROOT / "Tests" / "oracle" / "golden" / "identity.json"
FIXTURE_INPUTS = ("Fixtures/dicom", "Fixtures/tiff")
MULTIFRAME = ("Fixtures/dicom/bto12_explicit_le.dcm", "Fixtures/dicom/bto12_j2k_lossless.dcm",
              "Fixtures/dicom/mf3_classic_explicit_le.dcm", "Fixtures/tiff/mg16_multipage3.tif")


def _bad_inputs():
    """Every deliberately broken fixture whose output name is unique (two would collide: exit 2),
    plus one good file; their failure codes are recorded."""
    seen, files = set(), []
    for path in sorted((ROOT / "Fixtures" / "bad").iterdir()):
        if path.is_file() and path.stem not in seen:
            seen.add(path.stem)
            files.append(path.relative_to(ROOT).as_posix())
    return tuple(files) + ("Fixtures/tiff/mg8_minisblack.tif",)


BAD_INPUTS = _bad_inputs()
FORMAT_VERSION = 1


@dataclass(frozen=True)
class Case:
    """kind: `convert`, `stats` (with --per-image) or `shards` (stats --shard i/N + stats merge).
    `stats_args`: for `--normalize custom`, a `stats` run with these options first, its file
    passed as `--stats`. `inputs`: None = the matrix's inputs."""
    name: str
    kind: str
    args: tuple = ()
    inputs: tuple = None
    stats_args: tuple = None
    parts: int = 3

    def command(self):
        words = [self.kind, *self.args]
        if self.stats_args is not None:
            words += ["[stats:", *self.stats_args, "]"]
        if self.inputs is not None and len(self.inputs) <= 6:
            words += ["[inputs:", *self.inputs, "]"]
        elif self.inputs is not None:
            words += [f"[inputs: {len(self.inputs)} files under", *sorted({Path(i).parent.as_posix() for i in self.inputs}), "]"]
        return " ".join(words)


def _c(name, *args, **kw):
    return Case(name, "convert", tuple(args), **kw)


def _s(name, *args, **kw):
    return Case(name, "stats", tuple(args), **kw)


S = ("--size", "64x48")
FIXTURE_CASES = [
    # formats (npy is the default)
    _c("convert-npy"),
    _c("convert-jobs1", "-j", "1"),
    _c("format-png16", "--format", "png16"),
    _c("format-png8", "--format", "png8"),
    _c("format-tiff", "--format", "tiff"),
    _c("format-safetensors", "--format", "safetensors"),
    _c("format-npy-stack", "--format", "npy-stack", *S, "--frame", "0"),
    _c("format-npy-stack-model", "--format", "npy-stack", "--model", "resnet50d", "--frame", "0"),
    _c("format-safetensors-model", "--format", "safetensors", "--model", "resnet50d"),
    _c("format-png16-geometry", "--format", "png16", *S, "--crop-breast", "--flip-to", "right"),
    _c("format-tiff-geometry", "--format", "tiff", "--size", "96x80", "--fit", "crop"),
    # windowing
    _c("voi-source-lut", "--voi-source", "lut"),
    _c("voi-source-window", "--voi-source", "window"),
    _c("voi-source-none", "--voi-source", "none"),
    _c("voi-source-none-minmax", "--voi-source", "none", "--no-voi", "minmax"),
    _c("window-index-1", "--window-index", "1"),
    _c("window-index-2", "--window-index", "2"),
    _c("window-explicit", "--window", "2048:4096"),
    _c("window-explicit-sigmoid", "--window", "1800:2500", "--voi-function", "sigmoid"),
    _c("window-narrow", "--window", "2047.5:0.5"),
    _c("window-narrow-linear-exact", "--window", "2047.5:0.5", "--voi-function", "linear-exact"),
    _c("voi-function-linear", "--voi-function", "linear"),
    _c("voi-function-linear-exact", "--voi-function", "linear-exact"),
    _c("voi-function-sigmoid", "--voi-function", "sigmoid"),
    _c("invert-never", "--invert", "never"),
    _c("invert-dcmtk", "--invert", "dcmtk"),
    _c("clip-tiff", "--clip", inputs=("Fixtures/tiff",)),
    _c("bad-inputs", inputs=BAD_INPUTS),
    _c("frame-0", "--frame", "0"),
    _c("frame-2-multiframe", "--frame", "2", inputs=MULTIFRAME),
    _c("frame-4-multiframe", "--frame", "4", inputs=MULTIFRAME),
    # adapter
    _c("model-resnet50d", "--model", "resnet50d"),
    _c("model-resnet50d-test", "--model", "resnet50d", "--model-input", "test"),
    _c("model-ra4", "--model", "resnet50d.ra4_e3600_r224_in1k"),
    _c("model-normalize-none-1ch", "--model", "resnet50d", "--normalize", "none", "--channels", "1"),
    _c("normalize-imagenet", "--normalize", "imagenet"),
    _c("normalize-none-3ch", "--normalize", "none", "--channels", "3"),
    _c("normalize-custom", "--normalize", "custom", stats_args=()),
    _c("normalize-custom-3ch-geometry", "--normalize", "custom", "--channels", "3", *S, "--fit", "crop",
       stats_args=(*S, "--fit", "crop")),
    _c("size-pad-bicubic", *S),
    _c("size-pad-bilinear", *S, "--interpolation", "bilinear"),
    _c("size-pad-area", *S, "--interpolation", "area"),
    _c("size-stretch", *S, "--fit", "stretch"),
    _c("size-stretch-area", "--size", "50x70", "--fit", "stretch", "--interpolation", "area"),
    _c("size-crop", "--size", "100", "--fit", "crop"),
    _c("size-crop-pct", "--size", "72x60", "--fit", "crop", "--crop-pct", "0.95", "--interpolation", "bilinear"),
    _c("size-up-bicubic", "--size", "320x256"),
    _c("size-up-bilinear-stretch", "--size", "250x301", "--fit", "stretch", "--interpolation", "bilinear"),
    _c("crop-breast", "--crop-breast"),
    _c("crop-breast-margin-4", "--crop-breast", "--crop-margin", "4", *S),
    _c("flip-to-left", "--flip-to", "left"),
    _c("flip-to-right", "--flip-to", "right"),
    _c("flip-to-right-pad", "--flip-to", "right", *S, "--interpolation", "area"),
    # stats (every stats case also writes the per-image CSV)
    _s("stats-default"),
    _s("stats-foreground", "--mask", "foreground"),
    _s("stats-jobs1-foreground", "--mask", "foreground", "-j", "1"),
    _s("stats-sigmoid", "--voi-function", "sigmoid"),
    _s("stats-none-minmax", "--voi-source", "none", "--no-voi", "minmax", "--mask", "foreground"),
    _s("stats-window-invert-never", "--window", "2048:4096", "--invert", "never"),
    _s("stats-frame-0", "--frame", "0"),
    _s("stats-voi-source-lut", "--voi-source", "lut"),
    _s("stats-bad-inputs", "--mask", "foreground", inputs=BAD_INPUTS),
    _s("stats-model", "--model", "resnet50d", "--mask", "foreground"),
    _s("stats-geometry-crop", *S, "--fit", "crop", "--crop-breast", "--mask", "foreground"),
    _s("stats-geometry-flip", *S, "--flip-to", "right", "--interpolation", "area", "--crop-margin", "8",
       "--crop-breast"),
    Case("stats-shards-3", "shards"),
    Case("stats-shards-2-foreground", "shards", ("--mask", "foreground"), parts=2),
]

BENCH_CASES = [
    _c("convert-npy"),
    _c("convert-model-resnet50d", "--model", "resnet50d"),
    _s("stats-foreground", "--mask", "foreground"),
]
