#!/usr/bin/env python3
"""Who uses whom inside the MammoPrep library: the folders of Sources/MammoPrep are its layers.

A folder uses another when its code names a type (or extends one) declared there. The layers only
look forward, from the first stage to the last (docs/architecture.md):

    Support  ->  Ingest  ->  Window  ->  Mask  ->  Stats | Adapt  ->  Export  ->  Pipeline

so an edge A -> B ("A uses B") is allowed only when B comes earlier than A. Stats and Adapt share a
rank and may not use each other. C modules are listed with the folders that import them.

    scripts/layering.py            prints the picture; exit status 1 on a backward edge
    scripts/layering.py --json     the edges as JSON (for the tests)
"""
import json
import re
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
LIBRARY = ROOT / "Sources" / "MammoPrep"
RANK = {"Support": 0, "Ingest": 1, "Window": 2, "Mask": 3, "Stats": 4, "Adapt": 4, "Export": 5, "Pipeline": 6}

DECLARATION = re.compile(
    r"^(?:@\w+(?:\([^)]*\))?\s+)*(?:(?:public|package|internal|private|fileprivate|final|indirect|nonisolated)\s+)*"
    r"(?:struct|enum|class|protocol|actor|typealias)\s+([A-Za-z_]\w*)", re.M)
IMPORT = re.compile(r"^(?:(?:internal|public|package|@_implementationOnly)\s+)*import\s+(\w+)", re.M)


def strip(source: str) -> str:
    """Source without comments and string literals (what names a type in code, not in prose)."""
    source = re.sub(r"/\*.*?\*/", " ", source, flags=re.S)
    source = re.sub(r'"""(?:.|\n)*?"""', '""', source)
    source = re.sub(r"//[^\n]*", " ", source)
    return re.sub(r'"(?:\\.|[^"\\\n])*"', '""', source)


def folders() -> dict:
    out = {}
    for path in sorted(LIBRARY.rglob("*.swift")):
        folder = path.relative_to(LIBRARY).parts[0]
        out.setdefault(folder, []).append(path)
    return out


def analyse() -> dict:
    files = folders()
    declared = {}
    for folder, paths in files.items():
        for path in paths:
            for name in DECLARATION.findall(strip(path.read_text())):
                declared.setdefault(name, folder)
    edges, c_modules = {}, {}
    for folder, paths in files.items():
        for path in paths:
            text = strip(path.read_text())
            for module in IMPORT.findall(text):
                if module.startswith("C"):
                    c_modules.setdefault(module, set()).add(folder)
            for name in set(re.findall(r"\b([A-Z]\w*)\b", text)):
                other = declared.get(name)
                if other and other != folder:
                    edges.setdefault((folder, other), set()).add(name)
    return {"declared": declared, "edges": edges, "c_modules": c_modules, "folders": sorted(files)}


def backward(result: dict) -> list:
    bad = []
    for (a, b), names in sorted(result["edges"].items()):
        if a not in RANK or b not in RANK or RANK[b] >= RANK[a]:
            bad.append((a, b, sorted(names)))
    return bad


def main() -> int:
    result = analyse()
    bad = backward(result)
    if "--json" in sys.argv:
        print(json.dumps({"edges": [[a, b, sorted(n)] for (a, b), n in sorted(result["edges"].items())],
                          "backward": bad, "folders": result["folders"],
                          "cModules": {m: sorted(f) for m, f in result["c_modules"].items()}}))
        return 1 if bad else 0
    order = sorted(result["folders"], key=lambda f: (RANK.get(f, 99), f))
    print("MammoPrep layers (rank) and what each uses:")
    for folder in order:
        uses = sorted({b for (a, b) in result["edges"] if a == folder}, key=lambda f: (RANK.get(f, 99), f))
        print(f"  {folder:<9}({RANK.get(folder, '?')}) -> {', '.join(uses) if uses else '(nothing)'}")
    for module, users in sorted(result["c_modules"].items()):
        print(f"  C module {module}: imported by {', '.join(sorted(users))}")
    print("  MammoPrepCLI -> MammoPrep (public API);  mammo-prep -> MammoPrepCLI")
    for a, b, names in bad:
        print(f"backward edge: {a} -> {b} ({', '.join(names)})")
    print("no backward edge" if not bad else f"{len(bad)} backward edge(s)")
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
