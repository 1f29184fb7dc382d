"""What the bench/ Python scripts share: package versions for the reports, the meta file that the
shell scripts write (bench_meta in lib.sh), and the tail every report ends with."""
from __future__ import annotations

import sys

# The decoding stack of the pydicom peers; the scripts add what else they import.
PYDICOM_STACK = ("pydicom", "pylibjpeg", "pylibjpeg-libjpeg", "pylibjpeg-openjpeg", "pylibjpeg-rle", "numpy")


def versions(*dists: str, bundled_openjpeg: bool = True) -> dict:
    """Python and each distribution's version ("not installed" when missing); with
    bundled_openjpeg, the OpenJPEG inside pylibjpeg-openjpeg when it can be imported."""
    from importlib import metadata
    out = {"python": "%d.%d.%d" % sys.version_info[:3]}
    for dist in dists:
        try:
            out[dist] = metadata.version(dist)
        except metadata.PackageNotFoundError:
            out[dist] = "not installed"
    if bundled_openjpeg:
        try:
            from openjpeg.utils import get_openjpeg_version
            out["openjpeg (bundled in pylibjpeg-openjpeg)"] = ".".join(map(str, get_openjpeg_version()))
        except Exception:
            pass
    return out


def read_meta(path: str) -> dict:
    """KEY<TAB>VALUE lines (lib.sh bench_meta plus the script's own) as a dict."""
    meta = {}
    with open(path) as f:
        for line in f:
            if "\t" in line:
                k, v = line.rstrip("\n").split("\t", 1)
                meta[k] = v
    return meta


def report_tail(out: list, meta: dict, problems, not_measured=(), why="no image could be made") -> None:
    """Appends the end of a report: what was not measured, the problems, the run time."""
    if not_measured:
        out += ["", "**Not measured** (%s):" % why] + ["- " + p for p in not_measured]
    if problems:
        out += ["", "**Problems:**"] + ["- " + p for p in problems]
    if meta.get("total_s"):
        out += ["", "Bench run time: %s s (of which image generation %s s, release build %s s)." % (
            meta["total_s"], meta.get("generate_s", "?"), meta.get("build_s", "?"))]
