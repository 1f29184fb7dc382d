#!/usr/bin/env python3
"""Renders bench/convert.sh's raw results as the markdown report (standard library only).

    convert_report.py RESULTS.tsv META.tsv VERSIONS.json  > convert.md

RESULTS.tsv (header line, tab-separated, written by convert.sh): id group name uid lossy rows cols
    bits photometric voi bytes images status mammo_s pydicom_s dicomsdl_s pydicom_in_s
    dicomsdl_in_s diff_pydicom diff_dicomsdl explain_pydicom explain_dicomsdl note note_dicomsdl
  *_s: comma-separated wall seconds of one whole run over the N files, one value per repetition;
  *_in_s: the peer's own time from the start of its main() (after imports) to the pool's end.
META.tsv: key<TAB>value lines written by convert.sh.
VERSIONS.json: `peer_convert.py --versions`.
Exit status 1 when mammo-prep or the pydicom peer failed on a generated image, or a peer's output
differs from mammo-prep's by more than 1e-6 for a reason other than a lossy decoder difference.
Speed-target FAILs and dicomsdl "n/a" rows do not change the exit status.
"""
from __future__ import annotations

import csv
import json
import statistics
import sys

from benchlib import read_meta, report_tail  # bench/ is on sys.path (script dir)

TOL = 1e-6
UNCOMPRESSED = {"1.2.840.10008.1.2", "1.2.840.10008.1.2.1", "1.2.840.10008.1.2.2"}
BASE = "1.2.840.10008.1.2.1"   # the 4096x3328 12-bit MONOCHROME2 LINEAR Explicit VR LE case
TARGET_UNC = (3.0, 1.0)        # uncompressed: >= 3x the pydicom peer and >= 1.0x dicomsdl
TARGET_CMP = 1.5               # compressed (everything else, Deflated included): >= 1.5x pydicom


def floats(field: str):
    return [float(v) for v in field.split(",") if v]


def median(field: str):
    vals = floats(field)
    return statistics.median(vals) if vals else None


def fmt_rate(v):
    if v is None:
        return "—"
    return "%.1f" % v if v >= 10 else "%.2f" % v


def fmt_diff(d: float) -> str:
    return "0" if d == 0 else "%.1e" % d


def main(argv) -> int:
    results_path, meta_path, versions_path = argv[1:4]
    with open(results_path, newline="") as f:
        rows = list(csv.DictReader(f, delimiter="\t", quoting=csv.QUOTE_NONE))
    meta = read_meta(meta_path)
    with open(versions_path) as f:
        ver = json.load(f)

    problems, skipped, dsl_na, lossy_notes = [], [], [], []
    overhead = {"pydicom": [], "dicomsdl": []}
    summary = {"PASS": 0, "FAIL": 0}

    def render(r, label, with_uid):
        n = int(r["images"])
        m = median(r["mammo_s"])
        p = median(r["pydicom_s"])
        d = median(r["dicomsdl_s"])
        rate = lambda s: n / s if s else None  # noqa: E731
        rm, rp, rd = rate(m), rate(p), rate(d)
        mp = rm / rp if rm and rp else None
        md = rm / rd if rm and rd else None
        dsl_failed = not r["dicomsdl_s"] and r["status"] != "generation-failed"

        diffs = {}
        for tool in ("pydicom", "dicomsdl"):
            v = r["diff_" + tool]
            if tool == "dicomsdl" and dsl_failed:
                diffs[tool] = "n/a"
                continue
            try:
                dv = float(v)
            except ValueError:
                diffs[tool] = "—" if not v else "**%s**" % v
                if v:
                    problems.append("%s, %s peer: %s" % (label, tool, v))
                continue
            if dv <= TOL:
                diffs[tool] = fmt_diff(dv)
                continue
            why = {}
            try:
                why = json.loads(r["explain_" + tool] or "{}")
            except ValueError:
                pass
            wd = why.get("windowing_max_abs_diff")
            sd = why.get("stored_max_abs_diff")
            if r["lossy"] == "1" and wd is not None and wd <= TOL:
                diffs[tool] = "%s (lossy decode¹)" % fmt_diff(dv)
                lossy_notes.append("%s, %s: stored values differ from mammo-prep's by up to %s in %s "
                                   "pixels; the peer's windowing applied to mammo-prep's stored values "
                                   "differs by %s." % (label, tool, sd, why.get("stored_pixels_differing"),
                                                      fmt_diff(wd)))
            else:
                diffs[tool] = "**%s — MISMATCH**" % fmt_diff(dv)
                problems.append("%s, %s peer: max |diff| %s vs mammo-prep (stored-value diff %s, "
                                "windowing-only diff %s)" % (label, tool, fmt_diff(dv), sd,
                                                             "?" if wd is None else fmt_diff(wd)))

        if r["uid"] in UNCOMPRESSED:
            target = "≥%.0f× pydicom, ≥%.1f× dicomsdl" % TARGET_UNC
            if mp is None:
                result = "—"
            elif md is None:
                result = ("PASS" if mp >= TARGET_UNC[0] else "FAIL") + " (pydicom only)"
            else:
                result = "PASS" if mp >= TARGET_UNC[0] and md >= TARGET_UNC[1] else "FAIL"
        else:
            target = "≥%.1f× pydicom" % TARGET_CMP
            result = "—" if mp is None else ("PASS" if mp >= TARGET_CMP else "FAIL")
        if result.startswith("FAIL"):
            result = "**%s**" % result
        mb = int(r["bytes"]) / 1e6 if r["bytes"].isdigit() else None
        size = "—" if mb is None else ("%.1f" % mb if mb >= 10 else "%.2f" % mb)
        cells = [label] + ([r["uid"]] if with_uid else []) + [
            size, str(n), fmt_rate(rm), fmt_rate(rp), "n/a" if dsl_failed else fmt_rate(rd),
            "—" if mp is None else "%.2f×" % mp,
            "n/a" if dsl_failed else ("—" if md is None else "%.2f×" % md),
            diffs["pydicom"], diffs["dicomsdl"], target, result]
        return "| " + " | ".join(cells) + " |", result

    header_cols = ["file MB", "N", "mammo-prep img/s", "pydicom img/s", "dicomsdl img/s",
                   "mammo/pydicom", "mammo/dicomsdl", "max abs diff pydicom",
                   "max abs diff dicomsdl", "target", "result"]

    def table(title, items, with_uid, first_col):
        if not items:
            return []
        cols = [first_col] + (["UID"] if with_uid else []) + header_cols
        align = ["---"] * (2 if with_uid else 1) + ["---:"] * 7 + ["---"] * 4
        lines = ["## " + title, "", "| " + " | ".join(cols) + " |", "| " + " | ".join(align) + " |"]
        for r, label, counted in items:
            line, result = render(r, label, with_uid)
            lines.append(line)
            if counted:
                key = result.strip("*").split(" ")[0]
                if key in summary:
                    summary[key] += 1
        return lines + [""]

    by_id = {r["id"]: r for r in rows}
    for r in rows:
        if r["status"] == "generation-failed":
            skipped.append("%s (%s): %s" % (r["name"], r["id"], r["note"] or "no image"))
            continue
        if r["status"] != "ok":
            problems.append("%s (%s): %s" % (r["name"], r["id"], r["note"] or r["status"]))
        if not r["dicomsdl_s"]:
            dsl_na.append("%s: %s" % (r["name"], r["note_dicomsdl"] or "failed"))
        for tool in overhead:
            for wall, inside in zip(floats(r[tool + "_s"]), floats(r[tool + "_in_s"])):
                overhead[tool].append(wall - inside)

    live = lambda rs: [r for r in rs if r["status"] != "generation-failed"]  # noqa: E731
    syn = [(r, r["name"], True) for r in live(rows) if r["group"] == "syntax"]
    base = by_id.get(BASE)
    base = base if base is not None and base["status"] != "generation-failed" else None
    size = ([(base, "4096x3328 (= Explicit VR LE above)", False)] if base else []) + \
        [(r, r["name"], True) for r in live(rows) if r["group"] == "size"]
    var = ([(base, "12-bit MONOCHROME2 LINEAR (= Explicit VR LE above)", False)] if base else []) + \
        [(r, r["name"], True) for r in live(rows) if r["group"] == "variant"]
    if not any(r["group"] == "size" for r in live(rows)):
        size = []
    if not any(r["group"] == "variant" for r in live(rows)):
        var = []

    out = ["# Conversion benchmark: mammo-prep convert vs Python peers (pydicom, dicomsdl)", ""]
    bundled = ver.get("openjpeg (bundled in pylibjpeg-openjpeg)")
    n_note = "N=%s files per case" % meta.get("images", "?")
    if meta.get("syntax_images") and meta.get("syntax_images") != meta.get("images"):
        n_note += " (%s for the transfer-syntax rows)" % meta["syntax_images"]
    out.append(" · ".join([
        meta.get("date", "?"),
        "CPU %s" % meta.get("cpu", "?"),
        "%s cores" % meta.get("cores", "?"),
        "%s jobs per tool" % meta.get("jobs", "?"),
        "load average %s" % meta.get("load", "?"),
        n_note,
        "median of %s runs, interleaved" % meta.get("reps", "?"),
        "mammo-prep %s (git %s; DCMTK %s, OpenJPEG %s; %s)" % (
            meta.get("mammo_version", "?"), meta.get("git", "?"), meta.get("dcmtk", "?"),
            meta.get("openjpeg", "?"), meta.get("swift", "?")),
        "dicomsdl %s" % ver.get("dicomsdl"),
        "pydicom %s, pylibjpeg %s, pylibjpeg-libjpeg %s, pylibjpeg-openjpeg %s%s, pylibjpeg-rle %s, "
        "numpy %s, Python %s" % (
            ver.get("pydicom"), ver.get("pylibjpeg"), ver.get("pylibjpeg-libjpeg"),
            ver.get("pylibjpeg-openjpeg"), " (OpenJPEG %s)" % bundled if bundled else "",
            ver.get("pylibjpeg-rle"), ver.get("numpy"), ver.get("python")),
    ]))
    if meta.get("quick") == "1":
        out.append("")
        out.append("**--quick run**: transfer-syntax rows only.")
    out.append("")
    out += table("Transfer syntaxes (4096x3328, 12-bit MONOCHROME2, LINEAR window)", syn, True, "syntax")
    out += table("Image size (Explicit VR LE, 12-bit MONOCHROME2, LINEAR)", size, False, "rows x cols")
    out += table("Bit depth, polarity, VOI function (4096x3328, Explicit VR LE)", var, False, "variant")

    ov = lambda t: ("%.2f s" % statistics.median(overhead[t])) if overhead[t] else "?"  # noqa: E731
    out.append("- img/s = N ÷ the median wall time of one whole run over the N files, start-up "
               "included (what a user waits for). mammo-prep: `mammo-prep convert FILES --out DIR -j %s "
               "--quiet --overwrite` into a fresh, empty DIR (it also writes manifest.jsonl and "
               "convert.json; process start-up ≈%s ms). Peers: `bench/peer_convert.py --backend B "
               "--jobs %s --out DIR FILES`, a fork `multiprocessing.Pool(%s)`, one file per task; the "
               "median time outside the pool (interpreter start-up, imports, pool set-up/tear-down) "
               "was %s for pydicom and %s for dicomsdl. The three commands ran %s times per case, "
               "interleaved (mammo-prep, pydicom, dicomsdl, mammo-prep, ...), after one untimed run of "
               "each tool before the first case."
               % (meta.get("jobs", "?"), meta.get("startup_ms", "?"), meta.get("jobs", "?"),
                  meta.get("jobs", "?"), ov("pydicom"), ov("dicomsdl"), meta.get("reps", "?")))
    out.append("- Same work on every side: stored values (pydicom `dcmread(f).pixel_array` with the "
               "pylibjpeg plugins; dicomsdl `open(f).pixelData(storedvalue=True)`), rescale, window "
               "index 0 with its VOI LUT Function (LINEAR / SIGMOID; no window → full stored range), "
               "MONOCHROME1 → 1−v, computed in float64 with vectorized numpy and saved as `<f4` "
               "(1, H, W) `.npy` with `np.save`. The peers write no manifest.")
    out.append("- The N files per case are distinct names, hard links to one encoded image, read once "
               "before timing: the page cache is warm for every tool (no disk reads). Outputs go to "
               "the bench folder's disk (written into the page cache; each run's folder is deleted "
               "after it).")
    out.append("- max abs diff: the first file's `.npy` of each peer vs mammo-prep's, from the last "
               "run; must be ≤ 1e-6. ratio columns: mammo-prep img/s ÷ the peer's (above 1 = "
               "mammo-prep faster). Targets: uncompressed syntaxes (Implicit/Explicit VR LE, "
               "Explicit VR BE, and every size/variant row, all Explicit VR LE) ≥ 3× the pydicom "
               "peer and ≥ 1.0× dicomsdl; every compressed syntax (Deflated included) ≥ 1.5× the "
               "pydicom peer. PASS/FAIL: %d PASS, %d FAIL (repeated Explicit VR LE rows counted "
               "once)." % (summary["PASS"], summary["FAIL"]))
    dedupe = lambda xs: list(dict.fromkeys(xs))  # noqa: E731  (the base row is shown up to 3 times)
    lossy_notes, problems = dedupe(lossy_notes), dedupe(problems)
    if lossy_notes:
        out.append("")
        out.append("¹ Lossy syntax, different decoder builds (mammo-prep: DCMTK/OpenJPEG; pydicom: "
                   "pylibjpeg; dicomsdl: its bundled codecs), so the decoded stored values may differ; "
                   "the windowing itself agrees:")
        out.extend("- " + n for n in lossy_notes)
    if dsl_na:
        out.append("")
        out.append("**dicomsdl n/a** (the dicomsdl peer failed on these; no timing):")
        out.extend("- " + n for n in dsl_na)
    report_tail(out, meta, problems, skipped)
    print("\n".join(out))
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
