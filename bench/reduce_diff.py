#!/usr/bin/env python3
"""How far `convert --reduce auto` moves a model input from full resolution (`--reduce 0`): the mean,
99th percentile and maximum of |A − B| over every element of the tensors, in the tensors' own
(normalized) units, per image and over all images pooled. NumPy only.

    reduce_diff.py [--tsv GEOMETRY] A B [A B ...]

Each A B pair is two .npy files, or two output folders of `mammo-prep convert` whose .npy files are
matched by relative path (a file missing on one side is an error). Prints a markdown table; with
--tsv, bench/decoders.sh's long-format rows instead (section rdiff, the image's name as case, the
GEOMETRY, metrics mean, p99, max, elements, shape; case "all" for the pooled figures).
Exit 1 when a pair cannot be compared (missing file, different shapes).
"""
from __future__ import annotations

import argparse
import os
import sys

import numpy as np


def pairs_of(a: str, b: str):
    """(name, path_a, path_b) for two files or two folders."""
    if os.path.isdir(a) and os.path.isdir(b):
        names = set()
        for top in (a, b):
            for d, _, fs in os.walk(top):
                names.update(os.path.relpath(os.path.join(d, f), top) for f in fs if f.endswith(".npy"))
        for n in sorted(names):
            yield n[:-4], os.path.join(a, n), os.path.join(b, n)
    else:
        yield os.path.splitext(os.path.basename(a))[0], a, b


def summary(d: np.ndarray) -> dict:
    return {"mean": float(d.mean()), "p99": float(np.percentile(d, 99)), "max": float(d.max()),
            "elements": int(d.size)}


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--tsv", metavar="GEOMETRY")
    ap.add_argument("paths", nargs="+")
    a = ap.parse_args(argv)
    if len(a.paths) % 2:
        ap.error("paths come in pairs: A B [A B ...]")
    rows, pooled, errors = [], [], []
    for i in range(0, len(a.paths), 2):
        for name, pa, pb in pairs_of(a.paths[i], a.paths[i + 1]):
            if not (os.path.isfile(pa) and os.path.isfile(pb)):
                errors.append("%s: missing on one side" % name)
                continue
            x, y = np.load(pa), np.load(pb)
            if x.shape != y.shape:
                errors.append("%s: shapes differ, %s vs %s" % (name, list(x.shape), list(y.shape)))
                continue
            d = np.abs(x.astype(np.float64) - y.astype(np.float64)).ravel()
            rows.append((name, "x".join(map(str, x.shape)), summary(d)))
            pooled.append(d)
    if pooled:
        rows.append(("all", "-", summary(np.concatenate(pooled))))
    if a.tsv:
        for name, shape, s in rows:
            for k in ("mean", "p99", "max", "elements"):
                print("\t".join(["rdiff", name, a.tsv, "auto-vs-full", "-", k, repr(s[k])]))
            print("\t".join(["rdiff", name, a.tsv, "auto-vs-full", "-", "shape", shape]))
        for e in errors:
            print("\t".join(["error", "-", a.tsv, "reduce_diff", "-", "message", e]))
    else:
        print("| image | shape | mean abs diff | p99 abs diff | max abs diff |")
        print("| --- | --- | ---: | ---: | ---: |")
        for name, shape, s in rows:
            print("| %s | %s | %.3g | %.3g | %.3g |" % (name, shape, s["mean"], s["p99"], s["max"]))
        for e in errors:
            print("error: " + e, file=sys.stderr)
    return 1 if errors else 0


if __name__ == "__main__":
    sys.exit(main())
