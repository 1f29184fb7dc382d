"""Renders bench/dataloader.sh's report (markdown, on stdout).

Usage: dataloader_report.py RESULTS.tsv META.tsv

RESULTS.tsv: case, rep, tool (mammo, pydicom, dicomsdl, threads-1, threads-2, compare), result
(the JSON line of bench/dataloader.py, or {"error": ...}). Exit 1 when a run failed or a peer's
tensor differs from mammo-prep's by more than 1e-3 (Pillow's bicubic vs mammo-prep's, float32)."""
import json
import statistics
import sys

from benchlib import read_meta, report_tail  # bench/ is on sys.path (script dir)

AGREE_TOL = 1e-3
TARGETS = {"pydicom": 3.0, "dicomsdl": 1.5}
THREADS_TARGET = 1.7
LABELS = {"explicit-le": "uncompressed (Explicit VR LE)", "jls": "JPEG-LS lossless", "j2k": "JPEG 2000 lossless"}

meta = read_meta(sys.argv[2])
rows = []
with open(sys.argv[1]) as f:
    next(f)
    for line in f:
        case, rep, tool, text = line.rstrip("\n").split("\t", 3)
        rows.append((case, int(rep), tool, json.loads(text)))
problems = [f"{case} {tool} (rep {rep}): {r['error']}" for case, rep, tool, r in rows if "error" in r]
ok = [(c, t, r) for c, _, t, r in rows if "error" not in r]


def median_ips(case, tool):
    v = [r["images_per_s"] for c, t, r in ok if c == case and t == tool]
    return statistics.median(v) if v else None


def peak_worker(case, tool):
    v = [m for c, t, r in ok if c == case and t == tool for m in r.get("worker_peak_rss_mib", [])]
    return max(v) if v else None


def fmt(v, spec=".1f", none="—"):
    return none if v is None else format(v, spec)


cases = list(dict.fromkeys(c for c, _, _, _ in rows))
reps = max((rep for _, rep, _, _ in rows), default=0)
print("# DataLoader benchmark: mammo_prep.torch.MammoDataset vs pydicom and dicomsdl Datasets\n")
print(f"{meta.get('date', '?')} · {meta.get('cpu', '?')} · {meta.get('cores', '?')} cores · load average "
      f"{meta.get('load', '?')} · DataLoader(num_workers={meta.get('workers', '?')}, batch_size="
      f"{meta.get('batch', '?')}, fork), N={meta.get('images', '?')} files of {meta.get('size', '?')} 12-bit "
      f"MONOCHROME2 (hard links, page cache warm) · median of {reps} interleaved passes (after an untimed "
      f"pass with the same persistent workers) · mammo-prep {meta.get('mammo_version', '?')} (git "
      f"{meta.get('git', '?')})\n")
print("Every Dataset yields float32 (3, 224, 224): decode → window → timm's eval transform for resnet50d "
      "(Resize(256, bicubic), CenterCrop(224), 3 channels, ImageNet Normalize). mammo-prep: "
      "`Preprocessor(model=\"resnet50d\", fit=\"crop\")`.\n")
print("| syntax | mammo-prep img/s | pydicom img/s | × pydicom (≥ 3) | dicomsdl img/s | × dicomsdl (≥ 1.5) "
      "| peak RSS/worker MiB (mammo-prep / pydicom / dicomsdl) |")
print("| --- | ---: | ---: | ---: | ---: | ---: | ---: |")
verdicts = []
for case in cases:
    m = median_ips(case, "mammo")
    cells = []
    for tool in ("pydicom", "dicomsdl"):
        p = median_ips(case, tool)
        ratio = m / p if m and p else None
        if ratio is not None:
            verdicts.append((f"{LABELS.get(case, case)} vs {tool}", ratio, TARGETS[tool]))
        cells += [fmt(p), "—" if ratio is None else f"{ratio:.2f}×"]
    rss = " / ".join(fmt(peak_worker(case, t), ".0f") for t in ("mammo", "pydicom", "dicomsdl"))
    print(f"| {LABELS.get(case, case)} | {fmt(m)} | {cells[0]} | {cells[1]} | {cells[2]} | {cells[3]} | {rss} |")

t1, t2 = median_ips("explicit-le", "threads-1"), median_ips("explicit-le", "threads-2")
if t1 and t2:
    print(f"\n`Preprocessor(...)(path, out=buf)` from Python threads on uncompressed input (one Preprocessor, "
          f"a buffer per thread): 1 thread {t1:.1f} img/s, 2 threads {t2:.1f} img/s = {t2 / t1:.2f}× "
          f"(target ≥ {THREADS_TARGET}×).")
    verdicts.append(("2 threads vs 1 thread (read, uncompressed)", t2 / t1, THREADS_TARGET))
print("\nTargets: " + "; ".join(f"{name}: {r:.2f}× → {'PASS' if r >= goal else '**FAIL**'}"
                                 for name, r, goal in verdicts) + ".")
print("\nPeak RSS per worker is VmHWM of the worker process: it counts the pages a forked worker shares with "
      "its parent (the Python interpreter, torch), so it is an upper bound of what each worker adds.")

agree = True
for case in cases:
    for c, t, r in ok:
        if c == case and t == "compare":
            diffs = ", ".join(f"{tool} {v:.2e}" if isinstance(v, float) else f"{tool} {v}" for tool, v in r.items())
            print(f"\nAgreement on {LABELS.get(case, case)} (first file, max |peer − mammo-prep|): {diffs}.")
            for tool, v in r.items():
                if not isinstance(v, float) or v > AGREE_TOL:
                    agree = False
                    problems.append(f"{case}: {tool} differs from mammo-prep ({v}; at most {AGREE_TOL:g} expected)")
try:
    versions = json.loads(meta.get("versions", "{}"))
    print("\nPython side: " + ", ".join(f"{k} {v}" for k, v in versions.items()) + ".")
except ValueError:
    pass
out = []
report_tail(out, meta, problems)
print("\n".join(out))
sys.exit(0 if agree and not any("error" in r for _, _, _, r in rows) else 1)
