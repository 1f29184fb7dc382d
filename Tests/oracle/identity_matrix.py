"""Byte-identity harness: runs a matrix of `mammo-prep convert` / `stats` invocations and reduces
every pixel-bearing output to a hash, so that a refactor can prove that no output changed.

Hash rules (one dict per case; paths relative to the case's output folder):
- `.npy` (incl. `stack.npy`), `.png`, `.tif`/`.tiff`, per-image `.csv`: sha256 of the whole file.
- `.safetensors`: sha256 of the tensor data bytes only (after the 8-byte length and the JSON
  header); the header's tensor dtype/shape go to `tensors` (its metadata may change).
- `stats.json` (and shard parts, merged files): sha256 of a canonical JSON of its numeric figures
  only (mean, std, count, images, files, failed, skipped, min, max, maskFraction, ddof,
  percentiles, partial n/mean/m2/min/max/pixelsSeen/parts/histogram); `pipeline`, `failures`,
  `mask`, shard names, the run's input-list key, source keys and the tool version are left out. `summary` repeats
  mean/std/count in clear for readable failures.
- `manifest.jsonl` / `stack.manifest.jsonl` are not hashed; their `rows`, `columns`, `shape` go to
  `manifest` per output (`stack.npy#ROW` for stack rows); `stack.index.csv` is parsed into rows.
  `convert.json`, `preprocess.json` are ignored.
- Failures: the sorted (source, code) pairs of `failures.jsonl` (stats: failed sources), and the
  exit status; never the message text.

Inputs are given relative to `cwd` (the repository for the fixtures), so every recorded path is
free of machine paths. CLI:

    python Tests/oracle/identity_matrix.py --bin BIN --record Tests/oracle/golden/identity.json
    python Tests/oracle/identity_matrix.py --bin BIN --compare Tests/oracle/golden/identity.json
"""
import argparse
import csv
import hashlib
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from identity_cases import BENCH_CASES, FIXTURE_CASES, FIXTURE_INPUTS, FORMAT_VERSION, GOLDEN, ROOT

STATS_EXCLUDED = {"pipeline", "failures", "sources", "shards", "run", "tool", "version", "mask", "timing",
                  "seconds", "elapsed"}


# ------------------------------------------------------------------------------------ hashing
def sha256_file(path):
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def sha256_text(text):
    return hashlib.sha256(text.encode()).hexdigest()


def safetensors_digest(path):
    """(sha256 of the data bytes, {tensor: {dtype, shape}}) of a safetensors file."""
    with open(path, "rb") as f:
        n = int.from_bytes(f.read(8), "little")
        header = json.loads(f.read(n))
        h = hashlib.sha256()
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    tensors = {k: {"dtype": v["dtype"], "shape": v["shape"]} for k, v in header.items() if k != "__metadata__"}
    return h.hexdigest(), tensors


_DROP = object()


def numeric_figures(value):
    """The numeric content of a stats.json: numbers, lists of numbers, nulls; recursively."""
    if isinstance(value, dict):
        kept = {k: numeric_figures(v) for k, v in value.items() if k not in STATS_EXCLUDED}
        return {k: v for k, v in kept.items() if v is not _DROP}
    if isinstance(value, list):
        items = [numeric_figures(v) for v in value]
        return _DROP if any(v is _DROP for v in items) else items
    if value is None or (isinstance(value, (int, float)) and not isinstance(value, bool)):
        return value
    return _DROP


def stats_digest(path):
    report = json.loads(Path(path).read_text())
    canonical = json.dumps(numeric_figures(report), sort_keys=True, separators=(",", ":"))
    summary = {k: report.get(k) for k in ("mean", "std", "count", "images")}
    return sha256_text(canonical), summary, sorted(f["source"] for f in report.get("failures", []))


def read_jsonl(path):
    if not path.is_file():
        return []
    return [json.loads(line) for line in path.read_text().splitlines() if line.strip()]


def digest_convert(out):
    """Hashes of a convert output folder (see the module docstring)."""
    result = {"outputs": {}, "tensors": {}, "manifest": {}, "failures": []}
    for path in sorted(p for p in out.rglob("*") if p.is_file()):
        rel = path.relative_to(out).as_posix()
        suffix = path.suffix.lower()
        if suffix in (".npy", ".png", ".tif", ".tiff"):
            result["outputs"][rel] = sha256_file(path)
        elif suffix == ".safetensors":
            result["outputs"][rel], result["tensors"][rel] = safetensors_digest(path)
        elif path.name == "stack.index.csv" or path.name.endswith(".index.csv"):
            with open(path, newline="") as f:
                result["stackIndex"] = [row for row in csv.reader(f)]
    for name in ("manifest.jsonl", "stack.manifest.jsonl"):
        for line in read_jsonl(out / name):
            key = line["output"] if "row" not in line else f"{line['output']}#{line['row']}"
            result["manifest"][key] = {k: line.get(k) for k in ("rows", "columns", "shape")}
    result["failures"] = sorted([f["source"], f.get("code")] for f in read_jsonl(out / "failures.jsonl"))
    if not result["tensors"]:
        del result["tensors"]
    return result


# ------------------------------------------------------------------------------------ running
def _run(binary, args, cwd):
    """The exit status (recorded, never raised on: a crash or usage error shows as a difference)."""
    proc = subprocess.run([binary, *map(str, args)], cwd=cwd, capture_output=True, text=True, timeout=600)
    if proc.returncode not in (0, 1):
        print(f"identity_matrix: mammo-prep {' '.join(map(str, args))}: exit {proc.returncode}\n"
              f"{proc.stderr[-2000:]}", file=sys.stderr)
    return proc.returncode


def run_case(binary, case, inputs, cwd, work):
    """Runs one case in the empty folder `work`; returns its result dict."""
    inputs = list(case.inputs or inputs)
    result = {"command": case.command()}
    if case.kind == "convert":
        extra = []
        if case.stats_args is not None:
            stats_file = work / "input-stats.json"
            _run(binary, ["stats", *inputs, *case.stats_args, "--out", stats_file, "-q"], cwd)
            extra = ["--stats", stats_file]
        out = work / "out"
        result["exit"] = _run(binary, ["convert", *inputs, *case.args, *extra, "--out", out, "-q"], cwd)
        result.update(digest_convert(out))
        return result
    runs = []  # (name, args)
    if case.kind == "stats":
        runs.append(("stats.json", [*case.args]))
    elif case.kind == "shards":
        runs += [(f"part-{i}-of-{case.parts}.json", [*case.args, "--shard", f"{i}/{case.parts}"])
                 for i in range(1, case.parts + 1)]
    else:
        raise ValueError(f"unknown case kind {case.kind}")
    result.update(exit=[], outputs={}, summary={}, failures=[])
    for name, args in runs:
        csv_name = name.replace(".json", ".csv")
        result["exit"].append(_run(binary, ["stats", *inputs, *args, "--out", work / name,
                                            "--per-image", work / csv_name, "-q"], cwd))
        if (work / name).is_file():
            result["outputs"][name], result["summary"][name], failed = stats_digest(work / name)
            result["failures"] += failed
        if (work / csv_name).is_file():
            result["outputs"][csv_name] = sha256_file(work / csv_name)
    if case.kind == "shards":
        merged = work / "merged.json"
        result["exit"].append(_run(binary, ["stats", "merge", *[work / n for n, _ in runs], "--out", merged, "-q"], cwd))
        if merged.is_file():
            result["outputs"]["merged.json"], result["summary"]["merged.json"], _ = stats_digest(merged)
    result["failures"] = sorted(set(result["failures"]))
    return result


def run_matrix(binary, cases=None, inputs=FIXTURE_INPUTS, cwd=ROOT, jobs=None, work=None):
    """{case name: result} for every case (in parallel over `jobs` cases; each process also uses
    its default -j). Outputs go under `work` (a temporary folder, removed, when None)."""
    cases = FIXTURE_CASES if cases is None else cases
    jobs = jobs or min(4, os.cpu_count() or 1)
    names = [c.name for c in cases]
    assert len(set(names)) == len(names), "duplicate case names"
    base = Path(tempfile.mkdtemp(prefix="identity-")) if work is None else Path(work)
    try:
        def one(case):
            folder = base / case.name
            shutil.rmtree(folder, ignore_errors=True)
            folder.mkdir(parents=True)
            try:
                return case.name, run_case(binary, case, inputs, cwd, folder)
            finally:
                if work is None:  # the outputs of a case can take tens of MB: drop them at once
                    shutil.rmtree(folder, ignore_errors=True)
        with ThreadPoolExecutor(max_workers=max(1, jobs)) as pool:
            return dict(pool.map(one, cases))
    finally:
        if work is None:
            shutil.rmtree(base, ignore_errors=True)


# ------------------------------------------------------------------------------------ comparing
def _short(v):
    return v[:16] + "…" if isinstance(v, str) and len(v) == 64 else json.dumps(v)


def compare_case(name, want, got, limit=12):
    """Readable differences between a golden and a new result of one case ([] when identical)."""
    if got is None:
        return [f"{name}: case missing from the new run"]
    if want is None:
        return [f"{name}: case not in the golden file (re-record)"]
    problems = []
    for key in sorted(set(want) | set(got)):
        a, b = want.get(key), got.get(key)
        if a == b:
            continue
        if isinstance(a, dict) and isinstance(b, dict):
            for k in sorted(set(a) | set(b)):
                if k not in b:
                    problems.append(f"{name}: {key}[{k}] missing (golden {_short(a[k])})")
                elif k not in a:
                    problems.append(f"{name}: {key}[{k}] new, not in golden ({_short(b[k])})")
                elif a[k] != b[k]:
                    problems.append(f"{name}: {key}[{k}] golden {_short(a[k])} != now {_short(b[k])}")
        else:
            problems.append(f"{name}: {key}: golden {json.dumps(a)[:300]} != now {json.dumps(b)[:300]}")
    if len(problems) > limit:
        problems = problems[:limit] + [f"{name}: … and {len(problems) - limit} more differences"]
    return problems


def document(results, **meta):
    return {"formatVersion": FORMAT_VERSION, **meta, "cases": results}


def load_golden(path=GOLDEN):
    return json.loads(Path(path).read_text())


def dumps(value, depth=0, expand=3):
    """JSON with sorted keys, one line per output: containers nested deeper than `expand` inline."""
    if depth > expand or not isinstance(value, (dict, list)) or not value:
        return json.dumps(value, sort_keys=True, ensure_ascii=False)
    pad = " " * (depth + 1)
    if isinstance(value, dict):
        items = [f"{pad}{json.dumps(k)}: {dumps(value[k], depth + 1, expand)}" for k in sorted(value)]
        return "{\n" + ",\n".join(items) + "\n" + " " * depth + "}"
    items = [pad + dumps(v, depth + 1, expand) for v in value]
    return "[\n" + ",\n".join(items) + "\n" + " " * depth + "]"


def write_golden(path, doc):
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(dumps(doc) + "\n")


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--bin", required=True, help="the mammo-prep binary")
    p.add_argument("--preset", choices=("fixtures", "bench"), default="fixtures")
    p.add_argument("--inputs", nargs="+", help="inputs relative to --cwd (default: Fixtures/dicom Fixtures/tiff)")
    p.add_argument("--cwd", default=str(ROOT), help="folder the inputs are relative to")
    p.add_argument("--only", help="comma-separated case names")
    p.add_argument("--jobs", type=int, help="cases run at the same time (default: cores, at most 4)")
    p.add_argument("--work", help="keep the outputs in this folder")
    p.add_argument("--hash-inputs", action="store_true", help="also record the sha256 of every input file")
    g = p.add_mutually_exclusive_group()
    g.add_argument("--record", metavar="GOLDEN", help="write the results there")
    g.add_argument("--compare", metavar="GOLDEN", help="compare with that file; exit 1 on a difference")
    g.add_argument("--write", metavar="FILE", help="write the results there (no comparison)")
    a = p.parse_args(argv)
    cases = FIXTURE_CASES if a.preset == "fixtures" else BENCH_CASES
    if a.only:
        wanted = set(a.only.split(","))
        cases = [c for c in cases if c.name in wanted]
    inputs = tuple(a.inputs or FIXTURE_INPUTS)
    binary = str(Path(a.bin).resolve())
    t0 = time.monotonic()
    results = run_matrix(binary, cases, inputs, Path(a.cwd), a.jobs, a.work)
    seconds = time.monotonic() - t0
    meta = {"preset": a.preset, "inputs": list(inputs)}
    if a.hash_inputs:
        files = sorted(f for i in inputs for f in ([Path(a.cwd, i)] if Path(a.cwd, i).is_file()
                                                   else Path(a.cwd, i).rglob("*")) if f.is_file())
        meta["inputFiles"] = {f.relative_to(a.cwd).as_posix(): sha256_file(f) for f in files}
    doc = document(results, **meta)
    hashed = sum(len(r["outputs"]) for r in results.values())
    print(f"{len(results)} cases, {hashed} outputs hashed in {seconds:.1f} s", file=sys.stderr)
    if a.record or a.write:
        write_golden(a.record or a.write, doc)
        return 0
    if a.compare:
        golden = load_golden(a.compare)
        problems = [] if golden.get("inputFiles") == doc.get("inputFiles") else ["input files differ from the golden's (regenerated inputs?)"]
        passed = failed = same = total = 0
        for case in cases:
            want, got = golden["cases"].get(case.name, {}), results.get(case.name, {})
            diff = compare_case(case.name, golden["cases"].get(case.name), results.get(case.name))
            problems += diff
            failed, passed = (failed + 1, passed) if diff else (failed, passed + 1)
            keys = set(want.get("outputs", {})) | set(got.get("outputs", {}))
            total += len(keys)
            same += sum(want.get("outputs", {}).get(k) == got.get("outputs", {}).get(k) for k in keys)
        print("\n".join(problems) or "identical", file=sys.stderr)
        print(f"{same} of {total} outputs identical", file=sys.stderr)
        print(f"{passed} passed, {failed} failed")
        return 1 if problems else 0
    print(dumps(doc))
    return 0


if __name__ == "__main__":
    sys.exit(main())
