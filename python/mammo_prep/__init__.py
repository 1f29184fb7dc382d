"""mammo-prep in Python: 12/16-bit mammograms (DICOM, TIFF) → the float32 tensors ``mammo-prep
convert`` writes, in process, from a path, bytes or a file object (docs/python.md).

    import mammo_prep
    x = mammo_prep.read("a.dcm", model="resnet50d")            # (3, 224, 224) float32
    pre = mammo_prep.Preprocessor.from_json("out/preprocess.json")
    y, record = pre.read("b.dcm")                               # + the manifest line, as a dict

The binding is ctypes over libmammo_prep.so (the C ABI, docs/python.md); numpy is the only
dependency. ``mammo_prep.torch`` holds the PyTorch Dataset (and is the only module importing torch).
"""
from ._core import OutputShape, Preprocessor, inspect, read, stats
from ._lib import MammoPrepError

__version__ = "0.1.0"

__all__ = ["MammoPrepError", "OutputShape", "Preprocessor", "inspect", "library_version", "read", "stats"]


def library_version() -> str:
    """The version of the loaded libmammo_prep.so (the tool's version, as ``mammo-prep --version``)."""
    from ._lib import version

    return version()
