#!/usr/bin/env python3
"""Renders bench/decoders.sh's report (markdown, on stdout; standard library only).

    decoders_report.py RESULTS.tsv META.tsv VERSIONS.json > decoders.md

RESULTS.tsv: decoders-results.tsv, one measurement per line: section case geom tool rep metric value.
  section case (the case's settings), time (seconds of one whole run), rss (GNU time's peak_kb),
  inside (a peer's seconds after its imports), info (mammo-prep's first manifest line: decoder,
  decoderFallback, reduce_*), diff (max |this tool − reference|), rdiff (reduce_diff.py), skip, error.
  geom: npy (convert to .npy), crop224 (--model resnet50d --fit crop), pad1024 (--size 1024 --fit pad).
META.tsv: lib.sh bench_meta and decoders.sh's settings. VERSIONS.json: `peer_convert.py --versions`.
Exit 1 when a run other than dicomsdl's failed, a lossless .npy differs from mammo-prep's by more than
1e-6, or the model peer's tensor from mammo-prep's full-resolution one by more than 1e-3.
"""
from __future__ import annotations

import collections
import csv
import json
import statistics
import sys

from benchlib import read_meta, report_tail  # bench/ is on sys.path (script dir)

TOL_NPY, TOL_MODEL = 1e-6, 1e-3
MODEL_TARGET = 10.0                  # --reduce auto img/s ÷ the pydicom + Pillow peer's
NOISE = 0.95                         # "no slower" rows: 0.95–1.0 is shown as within noise
GEOMS = {"crop224": "224, timm eval crop (`--model resnet50d --fit crop`)",
         "pad1024": "1024, pad (`--model resnet50d --size 1024 --fit pad`)"}
PEER_NAME = {"pydicom": "pydicom", "dicomsdl": "dicomsdl", "base": None}

results, meta_path, versions_path = sys.argv[1:4]
with open(results, newline="") as f:
    rows = list(csv.DictReader(f, delimiter="\t", quoting=csv.QUOTE_NONE))
meta = read_meta(meta_path)
ver = json.load(open(versions_path))
base_label = meta.get("baseline") or ""
PEER_NAME["base"] = base_label or "baseline"

cases, vals = {}, collections.defaultdict(list)
info, diffs, rdiff = collections.defaultdict(dict), {}, collections.defaultdict(dict)
errors, skipped = [], []
for r in rows:
    s, key = r["section"], (r["case"], r["geom"], r["tool"])
    if s == "case":
        cases.setdefault(r["case"], {})[r["metric"]] = r["value"]
    elif s in ("time", "rss", "inside"):
        vals[(s,) + key].append(float(r["value"]))
    elif s == "info":
        info[key][r["metric"]] = r["value"]
    elif s == "diff":
        diffs[key] = r["value"]
    elif s == "rdiff":
        rdiff[(r["geom"], r["case"])][r["metric"]] = r["value"]
    elif s == "skip":
        skipped.append("%s: %s" % (r["case"], r["value"]))
    elif s == "error":
        errors.append((key, r["value"]))


def med(*key):
    v = vals.get(key)
    return statistics.median(v) if v else None


def rate(case, geom, tool):
    s = med("time", case, geom, tool)
    return int(cases[case]["images"]) / s if s else None


def fmt_rate(v):
    return "—" if v is None else ("%.1f" % v if v >= 10 else "%.2f" % v)


def fmt_ratio(a, b):
    return "—" if a is None or b is None else "%.2f×" % (a / b)


def mib(case, geom, tool):
    kb = med("rss", case, geom, tool)
    return "—" if kb is None else "%.0f" % (kb / 1024)


def fmt_diff(v):
    try:
        d = float(v)
    except (TypeError, ValueError):
        return "—" if v is None else "**%s**" % v
    return "0" if d == 0 else "%.1e" % d


def image(c):
    return "%sx%s %s-bit" % (c["rows"], c["cols"], c["bits"])


def failed(case, geom, tool):
    return next((m for k, m in errors if k == (case, geom, tool)), None)


problems, lossy_notes, summary = [], [], collections.Counter()
order = [c for c in cases if cases[c].get("images")]
has_base = bool(base_label)
out = ["# Decoder and reduction benchmark: convert -j 2 (JPEG-LS, HTJ2K, JPEG 2000) and --model --reduce auto", ""]
bundled = ver.get("openjpeg (bundled in pylibjpeg-openjpeg)")
out.append(" · ".join([
    meta.get("date", "?"), "CPU %s" % meta.get("cpu", "?"), "%s cores" % meta.get("cores", "?"),
    "-j %s / Pool(%s) per tool" % (meta.get("jobs", "?"), meta.get("jobs", "?")),
    "load average %s" % meta.get("load", "?"),
    "N=%s files per case (hard links to one image, page cache warm)" % meta.get("images", "?"),
    "median of %s runs, interleaved" % meta.get("reps", "?"),
    "mammo-prep %s (git %s%s; DCMTK %s, OpenJPEG %s; %s)" % (
        meta.get("mammo_version", "?"), meta.get("git", "?"),
        ", **binary given with --bin: the git field is this checkout's, not necessarily the binary's**"
        if meta.get("given_bin") == "1" else "", meta.get("dcmtk", "?"), meta.get("openjpeg", "?"),
        meta.get("swift", "?")),
    ("%s: mammo-prep %s (--baseline-bin)" % (base_label, meta.get("baseline_version", "?"))) if has_base
    else "no --baseline-bin",
    "dicomsdl %s" % ver.get("dicomsdl"),
    "pydicom %s, pylibjpeg-libjpeg %s, pylibjpeg-openjpeg %s%s, Pillow %s, numpy %s, Python %s" % (
        ver.get("pydicom"), ver.get("pylibjpeg-libjpeg"), ver.get("pylibjpeg-openjpeg"),
        " (OpenJPEG %s)" % bundled if bundled else "", ver.get("pillow", "?"), ver.get("numpy"),
        ver.get("python")),
]))
if meta.get("quick") == "1" or meta.get("size", "4096x3328") != "4096x3328":
    out += ["", "**Main-size rows only** (`--quick` or `--size %s`)." % meta.get("size")]

# --- .npy rows ------------------------------------------------------------------------------------
npy = [c for c in order if ("time", c, "npy", "mammo") in vals or failed(c, "npy", "mammo")]
if npy:
    tools = ["mammo"] + (["base"] if has_base else []) + ["pydicom", "dicomsdl"]
    head = ["case", "syntax", "image", "file MB", "decoder", "mammo-prep img/s"] + \
        ["%s img/s" % PEER_NAME[t] for t in tools[1:]] + ["vs %s" % PEER_NAME[t] for t in tools[1:]] + ["target", "result"]
    out += ["", "## convert -j %s to .npy, full resolution" % meta.get("jobs", "?"), "",
            "| " + " | ".join(head) + " |", "| " + " | ".join(["---"] * 5 + ["---:"] * (2 * len(tools) - 1) + ["---"] * 2) + " |"]
    mem = []
    for c in npy:
        k = cases[c]
        r = {t: rate(c, "npy", t) for t in tools}
        target = k.get("target", "-")
        verdict, goal = "—", "—"
        if target != "-":
            tool, want = target.split(":")
            want = float(want)
            if tool == "base" and not has_base:
                goal, verdict = "≥%.1f× the pre-issue binary" % want, "— (no --baseline-bin)"
            else:
                goal = ("no slower than %s" % PEER_NAME[tool]) if tool == "base" else "≥%g× %s" % (want, PEER_NAME[tool])
                got = r["mammo"] / r[tool] if r["mammo"] and r.get(tool) else None
                if got is not None:
                    verdict = "PASS" if got >= want else ("≈ (within 5 %, noise)" if tool == "base" and got >= NOISE * want else "**FAIL**")
                    summary[verdict.strip("*").split(" ")[0]] += 1
        dec = info[(c, "npy", "mammo")].get("decoder", "—")
        if info[(c, "npy", "mammo")].get("decoderFallback"):
            dec += " (fallback: %s)" % info[(c, "npy", "mammo")]["decoderFallback"]
        na = lambda t: "n/a" if r[t] is None and failed(c, "npy", t) else None  # noqa: E731
        cells = [c, k["name"], image(k), "%.2f" % (int(k["bytes"]) / 1e6), dec, fmt_rate(r["mammo"])] + \
            [na(t) or fmt_rate(r[t]) for t in tools[1:]] + [na(t) or fmt_ratio(r["mammo"], r[t]) for t in tools[1:]] + [goal, verdict]
        out.append("| " + " | ".join(cells) + " |")
        dcells = []
        for t in tools[1:]:
            d = diffs.get((c, "npy", t))
            dcells.append(fmt_diff(d) if d is not None else ("n/a" if failed(c, "npy", t) else "—"))
            try:
                big = float(d) > TOL_NPY
            except (TypeError, ValueError):
                big = d is not None
            if big and k["lossy"] == "1":
                dcells[-1] += " ¹"
                lossy_notes.append("%s, %s: max |diff| %s against mammo-prep (lossy syntax, another decoder)." % (c, PEER_NAME[t], fmt_diff(d)))
            elif big:
                problems.append("%s (.npy), %s: max |diff| %s against mammo-prep (lossless: must be ≤ 1e-6)" % (c, PEER_NAME[t], fmt_diff(d)))
        mem.append("| " + " | ".join([c] + [mib(c, "npy", t) for t in tools] + dcells) + " |")
    out += ["", "Peak RSS (MiB, median; GNU time's %M: the largest single process — mammo-prep's one process, "
            "whose -j workers are threads; a peer's parent or one of its pool workers, whichever peaked higher) "
            "and agreement (the first file's .npy against mammo-prep's, from the last run):", "",
            "| case | " + " | ".join("%s MiB" % ("mammo-prep" if t == "mammo" else PEER_NAME[t]) for t in tools) + " | " +
            " | ".join("max abs diff %s" % PEER_NAME[t] for t in tools[1:]) + " |",
            "| --- | " + " | ".join(["---:"] * len(tools)) + " | " + " | ".join(["---"] * (len(tools) - 1)) + " |"] + mem

# --- model rows -----------------------------------------------------------------------------------
model = [(c, g) for c in order for g in GEOMS if ("time", c, g, "full") in vals or failed(c, g, "full")]
if model:
    has_auto = meta.get("has_reduce") == "1"
    out += ["", "## convert --model resnet50d: --reduce auto, full resolution, and a pydicom + Pillow peer", ""]
    if not has_auto:
        out += ["**--reduce auto rows skipped**: `mammo-prep convert --help` has no `--reduce` (this binary "
                "predates wavelet reduction). Only full resolution and the peer are shown; the ≥ %g× target "
                "and the --reduce differences are not measured." % MODEL_TARGET, ""]
    head = ["case", "image", "output", "reduce levels (source) → size", "--reduce auto img/s", "full img/s",
            "peer img/s", "auto / peer", "auto / full", "full / peer", "target", "result",
            "MiB auto / full / peer", "max abs diff full vs peer"]
    out += ["| " + " | ".join(head) + " |", "| " + " | ".join(["---"] * 4 + ["---:"] * 6 + ["---"] * 2 + ["---:", "---"]) + " |"]
    for c, g in model:
        k = cases[c]
        a, f_, p = rate(c, g, "auto"), rate(c, g, "full"), rate(c, g, "peer")
        i = info[(c, g, "auto")]
        lv = ("%s (%s) → %sx%s" % (i.get("reduce_levels", "?"), i.get("reduce_source", "?"), i.get("reduce_rows", "?"),
                                   i.get("reduce_columns", "?"))) if i else "—"
        verdict = "—"
        if a and p:
            verdict = "PASS" if a / p >= MODEL_TARGET else "**FAIL**"
            summary[verdict.strip("*")] += 1
        d = diffs.get((c, g, "peer"))
        try:
            if d is not None and float(d) > TOL_MODEL:
                problems.append("%s (%s): the peer's tensor differs from mammo-prep's full-resolution one by %s (> 1e-3)" % (c, g, d))
        except ValueError:
            problems.append("%s (%s): %s" % (c, g, d))
        out.append("| " + " | ".join([
            c, "%s, %s" % (k["name"], image(k)), GEOMS[g].split(",")[0] + (" crop" if g == "crop224" else " pad"), lv,
            fmt_rate(a) if has_auto else "skipped", fmt_rate(f_), fmt_rate(p), fmt_ratio(a, p), fmt_ratio(a, f_),
            fmt_ratio(f_, p), "≥%g× peer" % MODEL_TARGET, verdict if has_auto else "— (no --reduce)",
            " / ".join(mib(c, g, t) for t in ("auto", "full", "peer")), fmt_diff(d) if d is not None else "—"]) + " |")
    out += ["", "- output 224 crop: %s; output 1024 pad: %s. full = the same command with `--reduce 0` (without "
            "the option when the binary lacks it: the same thing). Peer: `bench/peer_adapt.py --fit crop --size 224` "
            "(Resize shorter side 256 bicubic → CenterCrop 224, as torchvision does on a PIL image) or "
            "`--fit pad --size 1024`: pydicom decode → window in float64 (as peer_convert.py) → Pillow mode \"F\" "
            "bicubic → 3 channels → ImageNet Normalize in float64, a fork Pool(%s)." % (
                GEOMS["crop224"], GEOMS["pad1024"], meta.get("jobs", "?"))]

# --- reduce differences -----------------------------------------------------------------------------
if rdiff:
    out += ["", "## --reduce auto against --reduce 0 (|difference| in normalized units, all 3 channels)", "",
            "| output | image | reduce levels (source) | tensor | mean abs diff | p99 abs diff | max abs diff |",
            "| --- | --- | --- | --- | ---: | ---: | ---: |"]
    for (g, c), v in sorted(rdiff.items(), key=lambda kv: (kv[0][0], kv[0][1] == "all", order.index(kv[0][1]) if kv[0][1] in order else 0)):
        i = info[(c, g, "auto")] if c != "all" else {}
        label = "**all images**" if c == "all" else "%s (%s, %s)" % (c, cases[c]["name"], image(cases[c]))
        lv = "%s (%s)" % (i.get("reduce_levels", "?"), i.get("reduce_source", "?")) if i else "—"
        out.append("| %s | %s | %s | %s | %.3g | %.3g | %.3g |" % (
            GEOMS[g].split(",")[0] + (" crop" if g == "crop224" else " pad"), label, lv,
            v.get("shape", "—") if c != "all" else "—",
            float(v["mean"]), float(v["p99"]), float(v["max"])))
    out += ["", "Normalized units: (x − mean_c) / std_c with the ImageNet constants, so 1 unit ≈ 0.22–0.23 of "
            "the 0…1 windowed range; each image's figures are over its 3 × H × W elements, \"all images\" pools them."]

# --- notes, problems ------------------------------------------------------------------------------
peer_over = [w - i for t in ("pydicom", "dicomsdl", "peer") for c in order for g in ["npy"] + list(GEOMS)
             for w, i in zip(vals.get(("time", c, g, t), []), vals.get(("inside", c, g, t), []))]
out += ["", "- img/s = N ÷ the median wall time of one whole process over the N files, start-up included "
        "(the peers' median time outside their pool: %s). Every run writes into a fresh folder, deleted after it. "
        "PASS/FAIL: %s." % ("%.2f s" % statistics.median(peer_over) if peer_over else "?",
                            ", ".join("%d %s" % (n, k) for k, n in sorted(summary.items())) or "none")]
dsl_na = collections.defaultdict(list)     # message -> cases
for (c, g, t), msg in errors:
    if t == "dicomsdl":
        dsl_na[msg].append(c)
    else:
        problems.append("%s (%s), %s: %s" % (c, g, t, msg))
if lossy_notes:
    out += ["", "¹ " + lossy_notes[0]] + ["  " + n for n in lossy_notes[1:]]
if dsl_na:
    out += ["", "**dicomsdl n/a** (no timing): " + "; ".join("%s: %s" % (", ".join(cs), m) for m, cs in dsl_na.items())]
report_tail(out, meta, list(dict.fromkeys(problems)), skipped)
print("\n".join(out))
sys.exit(1 if problems else 0)
