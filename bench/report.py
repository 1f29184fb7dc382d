#!/usr/bin/env python3
"""Renders bench/decode.sh's raw results as the markdown report (standard library only).

    report.py RESULTS.tsv META.tsv VERSIONS.json  > decode.md

RESULTS.tsv (header line, tab-separated): name uid lossy bytes status mammo_ms pydicom_ms
    max_abs_diff pixels_differing plugin note
  mammo_ms / pydicom_ms: comma-separated per-image milliseconds, one value per repetition.
META.tsv: key<TAB>value lines written by decode.sh.
VERSIONS.json: `pydicom_decode.py --versions`.
Exit status 1 when a tool failed on a syntax or a lossless syntax differs from pydicom; a syntax
whose image could not be encoded (e.g. JPEG extended above 12 bits) is listed, not counted.
"""
from __future__ import annotations

import csv
import json
import statistics
import sys

from benchlib import read_meta, report_tail  # bench/ is on sys.path (script dir)


def median_ms(field: str):
    vals = [float(v) for v in field.split(",") if v]
    return statistics.median(vals) if vals else None


def fmt_ms(v):
    return "—" if v is None else ("%.1f" % v)


def main(argv) -> int:
    results_path, meta_path, versions_path = argv[1:4]
    with open(results_path, newline="") as f:
        rows = list(csv.DictReader(f, delimiter="\t"))
    meta = read_meta(meta_path)
    with open(versions_path) as f:
        ver = json.load(f)

    out = []
    out.append("# Decode benchmark: mammo-prep vs pydicom")
    out.append("")
    bundled = ver.get("openjpeg (bundled in pylibjpeg-openjpeg)")
    out.append(" · ".join([
        meta.get("date", "?"),
        "CPU %s" % meta.get("cpu", "?"),
        "%s cores" % meta.get("cores", "?"),
        "image %s px, %s-bit MONOCHROME2 (synthetic phantom)" % (meta.get("size", "?"), meta.get("bits", "?")),
        "N=%s files per syntax" % meta.get("images", "?"),
        "median of %s runs" % meta.get("reps", "?"),
        "mammo-prep %s (git %s; DCMTK %s, OpenJPEG %s; %s)" % (
            meta.get("mammo_version", "?"), meta.get("git", "?"), meta.get("dcmtk", "?"),
            meta.get("openjpeg", "?"), meta.get("swift", "?")),
        "pydicom %s, pylibjpeg %s, pylibjpeg-libjpeg %s, pylibjpeg-openjpeg %s%s, pylibjpeg-rle %s, "
        "numpy %s, Python %s" % (
            ver.get("pydicom"), ver.get("pylibjpeg"), ver.get("pylibjpeg-libjpeg"),
            ver.get("pylibjpeg-openjpeg"), " (OpenJPEG %s)" % bundled if bundled else "",
            ver.get("pylibjpeg-rle"), ver.get("numpy"), ver.get("python")),
    ]))
    out.append("")
    out.append("| syntax | UID | file MB | mammo-prep ms/image | pydicom ms/image "
               "| speed-up (pydicom/mammo-prep) | max abs diff vs pydicom |")
    out.append("| --- | --- | ---: | ---: | ---: | ---: | --- |")

    problems = []   # decode failures and lossless mismatches: exit status 1
    skipped = []    # the encoder could not make the image (e.g. JPEG extended above 12 bits)
    plugins = []
    for r in rows:
        lossy = r["lossy"] == "1"
        mb = int(r["bytes"]) / 1e6 if r["bytes"].isdigit() else None
        size = "—" if mb is None else ("%.1f" % mb if mb >= 10 else "%.2f" % mb)
        m = median_ms(r["mammo_ms"])
        p = median_ms(r["pydicom_ms"])
        speed = "%.2f×" % (p / m) if m and p else "—"
        d = r["max_abs_diff"]
        if not d.lstrip("-").isdigit():
            diff = "—"
        elif lossy:
            diff = "%s (lossy)" % d
        elif d == "0":
            diff = "0 (exact)"
        else:
            diff = "**%s — MISMATCH** (%s px)" % (d, r["pixels_differing"])
            problems.append("%s: lossless decode differs from pydicom (max |diff| %s, %s pixels)"
                            % (r["name"], d, r["pixels_differing"]))
        if r["status"] == "generation-failed":
            skipped.append("%s (%s): %s" % (r["name"], r["uid"], r["note"] or "no image"))
        elif r["status"] != "ok":
            problems.append("%s (%s): %s" % (r["name"], r["uid"], r["note"] or r["status"]))
        out.append("| %s | %s | %s | %s | %s | %s | %s |" % (
            r["name"], r["uid"], size, fmt_ms(m), fmt_ms(p), speed, diff))
        if r["plugin"]:
            plugins.append("%s: %s" % (r["name"], r["plugin"]))

    out.append("")
    out.append("- ms/image: mammo-prep = wall time of one `mammo-prep inspect --verify` process over the "
               "N files ÷ N (process start-up included, ≈%s ms per process); pydicom = mean of the "
               "per-file `time.perf_counter()` around `dcmread(f).pixel_array` in one process "
               "(interpreter start-up and imports excluded). Each tool ran %s times per syntax, "
               "interleaved; the table shows the median." % (meta.get("startup_ms", "?"), meta.get("reps", "?")))
    out.append("- The N files per syntax are hard links to one encoded image, read once before timing: "
               "the page cache is warm for both tools, so this measures decoding, not disk I/O.")
    out.append("- Single-threaded per image on both sides (mammo-prep's default of one OpenJPEG thread; "
               "no parallelism across files).")
    out.append("- mammo-prep produces stored values (masked to Bits Stored, sign-extended, int32); pydicom's "
               "`pixel_array` for native syntaxes is little more than a view of the bytes (Big Endian stays `>u2`).")
    out.append("- max abs diff: mammo-prep `dump-stored` vs pydicom `pixel_array` on the first file; lossless "
               "syntaxes must be exact.")
    if plugins:
        out.append("- pydicom decoder per syntax: " + "; ".join(plugins) + ".")
    report_tail(out, meta, problems, skipped, why="no image could be encoded")
    print("\n".join(out))
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
