"""Renders bench/stats.sh's report (markdown, on stdout).

Usage: stats_report.py RESULTS.tsv META.tsv VERSIONS.json

RESULTS.tsv: stats-results.tsv (one measurement per line); META.tsv: lib.sh bench_meta and
stats.sh's settings; VERSIONS.json: `peer_stats.py --versions`. Exit 1 when a command failed or
mammo-prep's mean/std (--mask none) differ from the peer's by more than 1e-9 relative."""
import collections, csv, json, statistics, sys

from benchlib import read_meta, report_tail  # bench/ is on sys.path (script dir)

AGREE_TOL = 1e-9
ACC_TARGET, MASK_TARGET = 1.0, 0.5        # GB/s of float32 pixels per core
RSS_TARGET = 1.10                          # 64-input peak / 8-input peak

results, meta_path, versions_path = sys.argv[1:4]
with open(results, newline="") as f:
    rows = list(csv.DictReader(f, delimiter="\t", quoting=csv.QUOTE_NONE))
meta = read_meta(meta_path)
ver = json.load(open(versions_path))

vals = collections.defaultdict(list)       # (section, case, tool, metric) -> [value per rep]
info = collections.defaultdict(dict)       # case -> {metric: value}
errors, cases = [], []
for r in rows:
    if r["section"] == "case":
        if r["case"] not in cases:
            cases.append(r["case"])
        info[r["case"]][r["metric"]] = r["value"]
    elif r["section"] == "error":
        where = " ".join(x for x in (r["case"], r["tool"]) if x and x != "-")
        errors.append("%s: %s" % (where or "run", r["value"]))
    else:
        try:
            vals[(r["section"], r["case"], r["tool"], r["metric"])].append(float(r["value"]))
        except ValueError:
            pass

def med(*key):
    v = vals.get(key)
    return statistics.median(v) if v else None

def rate(v):
    return "—" if v is None else ("%.1f" % v if v >= 10 else "%.2f" % v)

def ratio(a, b):
    return "—" if a is None or b is None else "%.2f×" % (a / b)

def verdict(ok):
    return "—" if ok is None else ("PASS" if ok else "**FAIL**")

reps, jobs = meta.get("reps", "?"), meta.get("jobs", "?")
out = ["# Stats benchmark: mammo-prep stats (kernels, whole runs vs convert and a pydicom peer, peak RSS)", ""]
out.append(" · ".join([
    meta.get("date", "?"), "CPU %s" % meta.get("cpu", "?"), "%s cores" % meta.get("cores", "?"),
    "%s jobs per tool" % jobs, "load average %s" % meta.get("load", "?"),
    "image %s px, %s-bit MONOCHROME2 (synthetic phantom)" % (meta.get("size", "?"), meta.get("bits", "?")),
    "N=%s files per timed run" % meta.get("images", "?"),
    "median of %s runs, interleaved" % reps,
    "mammo-prep %s (git %s; DCMTK %s; %s)" % (meta.get("mammo_version", "?"), meta.get("git", "?"),
                                             meta.get("dcmtk", "?"), meta.get("swift", "?")),
    "pydicom %s, pylibjpeg %s, pylibjpeg-libjpeg %s, numpy %s, Python %s" % (
        ver.get("pydicom"), ver.get("pylibjpeg"), ver.get("pylibjpeg-libjpeg"), ver.get("numpy"),
        ver.get("python")),
]))
if meta.get("quick") == "1":
    out += ["", "**--quick run**: Explicit VR LE only, one peak-RSS run per configuration."]

# kernels
out += ["", "## Kernels (one thread, synthetic windowed %s float32 frame, no I/O, no decoding)" % meta.get("size", "?"), "",
        "| kernel | GB/s | ms per frame | target | result |", "| --- | ---: | ---: | --- | --- |"]
acc = med("kernel", "-", "bench-stats", "accumulateGBps")
macc = med("kernel", "-", "bench-stats", "maskedAccumulateGBps")
both = med("kernel", "-", "bench-stats", "maskPlusMaskedAccumulateGBps")
mask_s = med("kernel", "-", "bench-stats", "maskSeconds")
frac = med("kernel", "-", "bench-stats", "maskFraction")
try:
    r_, c_ = (int(x) for x in meta.get("size", "").split("x"))
    frame_gb = r_ * c_ * 4 / 1e9
except ValueError:
    frame_gb = None
ms = lambda gbps: "—" if gbps is None or frame_gb is None else "%.1f" % (frame_gb / gbps * 1e3)  # noqa: E731
gb = lambda v: "—" if v is None else "%.2f" % v  # noqa: E731
out.append("| accumulate (`PixelStatistics.add`, every pixel) | %s | %s | ≥ %.1f GB/s | %s |" % (
    gb(acc), ms(acc), ACC_TARGET, verdict(None if acc is None else acc >= ACC_TARGET)))
out.append("| foreground mask (`ForegroundMask.compute`) | %s | %s | — | — |" % (
    "—" if mask_s is None or frame_gb is None else "%.2f" % (frame_gb / mask_s),
    "—" if mask_s is None else "%.1f" % (mask_s * 1e3)))
out.append("| masked accumulate (%s of the pixels kept) | %s | %s | — | — |" % (
    "?" if frac is None else "%.1f %%" % (frac * 100), gb(macc), ms(macc)))
out.append("| mask + masked accumulate | %s | %s | ≥ %.1f GB/s | %s |" % (
    gb(both), ms(both), MASK_TARGET, verdict(None if both is None else both >= MASK_TARGET)))
out += ["", "GB/s = bytes of the whole float32 frame (%s) ÷ time, so the masked rows count the full frame. "
        "`mammo-prep-bench` (bench/stats.sh's benchmark binary) times each kernel 7 times and keeps the best; the table shows the median "
        "of %s such runs." % ("—" if frame_gb is None else "%.1f MB" % (frame_gb * 1e3), reps)]

# whole runs
def vs_convert(a, b):
    """ratio stats/convert with its verdict against >= 1 (stats at least as fast as convert)"""
    if a is None or b is None:
        return "—"
    return "%.2f× %s" % (a / b, verdict(a >= b))

out += ["", "## Whole runs (images/s, start-up included, -j %s)" % jobs, "",
        "| input | file MB | N | stats --mask none | stats --mask foreground | convert | pydicom peer | "
        "stats none / peer | stats none / convert (≥ 1) | stats foreground / convert (≥ 1) |",
        "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |"]
overhead, split = [], []
fms = lambda gbps: None if gbps is None or frame_gb is None else frame_gb / gbps * 1e3  # noqa: E731
for c in cases:
    n = int(info[c].get("images", "0") or 0)
    t = {tool: med("time", c, tool, "seconds")
         for tool in ("stats-none", "stats-foreground", "convert", "peer", "decode")}
    ips = {k: (n / v if v else None) for k, v in t.items()}
    for wall, inside in zip(vals.get(("time", c, "peer", "seconds"), []),
                            vals.get(("inside", c, "peer", "seconds_in_script"), [])):
        overhead.append(wall - inside)
    mb = int(info[c]["bytes"]) / 1e6 if info[c].get("bytes", "").isdigit() else None
    out.append("| " + " | ".join([
        info[c].get("name", c), "—" if mb is None else ("%.1f" % mb if mb >= 10 else "%.2f" % mb), str(n),
        rate(ips["stats-none"]), rate(ips["stats-foreground"]), rate(ips["convert"]), rate(ips["peer"]),
        ratio(ips["stats-none"], ips["peer"]), vs_convert(ips["stats-none"], ips["convert"]),
        vs_convert(ips["stats-foreground"], ips["convert"])]) + " |")
    core = lambda tool: None if t[tool] is None or not n else t[tool] * int(jobs) / n * 1e3  # noqa: E731
    one = lambda v: "—" if v is None else "%.1f" % v  # noqa: E731
    split.append("| %s | %s | %s | %s | %s | %s | %s |" % (
        info[c].get("name", c), one(None if t["decode"] is None or not n else t["decode"] / n * 1e3),
        one(fms(acc)), one(fms(both)), one(core("stats-none")), one(core("stats-foreground")),
        one(core("convert"))))
out += ["", "- img/s = N ÷ the median wall time of one whole process over the N files (distinct names, hard links "
        "to one image, page cache warm). Commands, run %s times per input in this order, after one untimed run "
        "of each: `mammo-prep stats FILES --out stats.json --mask none|foreground -j %s -q`; "
        "`mammo-prep convert FILES --out DIR -j %s --quiet` into a fresh DIR (writes N float32 `.npy`); "
        "`bench/peer_stats.py --jobs %s FILES`; `mammo-prep inspect --verify FILES` (below)." % (reps, jobs, jobs, jobs),
        "- The peer: fork `multiprocessing.Pool(%s)`, one file per task, pydicom `pixel_array` and "
        "`peer_convert.py`'s float64 windowing cast to float32 (the values convert writes), then per file n, sum "
        "and M2 about the file's mean; the parent merges them with Chan's update. It has no mask, so it does the "
        "`--mask none` job; the ratio is mammo-prep img/s ÷ the peer's (above 1 = mammo-prep faster). The peer's "
        "median time outside its pool (interpreter, imports, fork) was %s." % (
            jobs, "%.2f s" % statistics.median(overhead) if overhead else "?"),
        "- stats / convert ≥ 1 is the decode-bound check: convert decodes and windows the same files and also "
        "writes 54 MB per image, so a stats run slower than convert spends more on its own work than on decoding."]
out += ["", "### Where the time goes (ms per image on one core)", "",
        "| input | decode only (`inspect --verify`, 1 thread) | accumulate kernel | mask + masked accumulate kernel | "
        "stats --mask none | stats --mask foreground | convert |",
        "| --- | ---: | ---: | ---: | ---: | ---: | ---: |"] + split
out += ["", "decode only = the median wall time of `mammo-prep inspect --verify FILES` (one process, one thread, every "
        "frame decoded to stored values, no windowing) ÷ N. Kernels: the table above. stats and convert: median "
        "wall time × %s jobs ÷ N. All include process start-up (÷ N)." % jobs]

# agreement
out += ["", "## Agreement with the peer (--mask none, last run)", "",
        "| input | mammo-prep mean | peer mean | rel. diff | mammo-prep std | peer std | rel. diff | pixels | ≤ 1e-9 |",
        "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | --- |"]
problems = []
fg = []
for c in cases:
    g = lambda tool, m: med("agree", c, tool, m)  # noqa: E731
    mm, pm, ms_, ps = g("stats-none", "mean"), g("peer", "mean"), g("stats-none", "std"), g("peer", "std")
    mc, pc = g("stats-none", "count"), g("peer", "count")
    name = info[c].get("name", c)
    if None in (mm, pm, ms_, ps):
        out.append("| %s | %s | %s | — | %s | %s | — | — | — |" % (name, *("—" if v is None else "%.12f" % v
                                                                      for v in (mm, pm, ms_, ps))))
        continue
    rm, rs = abs(mm - pm) / abs(pm), abs(ms_ - ps) / abs(ps)
    ok = rm <= AGREE_TOL and rs <= AGREE_TOL and mc == pc
    if not ok:
        problems.append("%s: mammo-prep and the peer disagree (mean rel. diff %.1e, std rel. diff %.1e, "
                        "pixels %d vs %d)" % (name, rm, rs, mc or 0, pc or 0))
    out.append("| %s | %.12f | %.12f | %.1e | %.12f | %.12f | %.1e | %s | %s |" % (
        name, mm, pm, rm, ms_, ps, rs, "%d" % mc if mc == pc else "%d vs %d" % (mc, pc), verdict(ok)))
    fm, fs, ff = g("stats-foreground", "mean"), g("stats-foreground", "std"), g("stats-foreground", "maskFraction")
    if fm is not None:
        fg.append("%s: mean %.6f, std %.6f, %.1f %% of the pixels kept" % (name, fm, fs, ff * 100))
out += ["", "Relative difference = |mammo-prep − peer| ÷ |peer|; both pool float64 sums of the same float32 "
        "values, in a different order (mammo-prep: blocks of 2,048 pixels merged by Chan's update; peer: "
        "two passes per file)."]
if fg:
    out += ["", "--mask foreground (no peer; for reference): " + "; ".join(fg) + "."]

# peak RSS
counts = sorted({int(r["case"]) for r in rows if r["section"] == "rss"})
out += ["", "## Peak memory (`mammo-prep stats`, Explicit VR LE, -j %s, %s)" % (
    jobs, "1 run" if meta.get("rss_reps") == "1" else "median of %s runs" % meta.get("rss_reps", "?")), ""]
if len(counts) >= 2:
    lo, hi = counts[0], counts[-1]
    out += ["| mask | peak RSS, %d inputs | peak RSS, %d inputs | %d / %d | img/s at %d inputs | target | result |" % (
        lo, hi, hi, lo, hi), "| --- | ---: | ---: | ---: | ---: | --- | --- |"]
    for mask in ("none", "foreground"):
        a = med("rss", str(lo), "stats-" + mask, "peak_kb")
        b = med("rss", str(hi), "stats-" + mask, "peak_kb")
        w = med("rss", str(hi), "stats-" + mask, "seconds")
        q = None if a is None or b is None else b / a
        out.append("| %s | %s | %s | %s | %s | %d-input peak ≤ %.2f × %d-input peak | %s |" % (
            mask, "—" if a is None else "%.1f MiB" % (a / 1024), "—" if b is None else "%.1f MiB" % (b / 1024),
            "—" if q is None else "%.3f" % q, rate(hi / w if w else None), hi, RSS_TARGET, lo,
            verdict(None if q is None else q <= RSS_TARGET)))
    out += ["", "Peak RSS = GNU time's `%%M` (maximum resident set size of the process) for `mammo-prep stats FILES "
            "--out stats.json --mask M -j %s -q`; the %d inputs are %d hard links to one %s file." % (
                jobs, hi, hi, info.get("explicit-le", {}).get("name", "Explicit VR LE"))]
else:
    out += ["(not measured)"]

problems = errors + problems
report_tail(out, meta, problems)
print("\n".join(out))
sys.exit(1 if problems or meta.get("failed") == "1" else 0)
