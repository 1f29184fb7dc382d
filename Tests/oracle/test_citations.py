"""Every `windowing.md §N` / `design.md §N` citation resolves inside a clone (docs/windowing.md,
docs/design.md), and nothing points outside the repository."""
import re
import subprocess
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def tracked_text_files():
    names = subprocess.run(["git", "ls-files"], cwd=ROOT, capture_output=True, text=True, check=True).stdout.split()
    for name in names:
        if name.endswith((".swift", ".md", ".py", ".sh", ".h", ".cpp")):
            yield ROOT / name


def sections(doc):
    return {m for m in re.findall(r"^## (\d+)\.", (ROOT / "docs" / doc).read_text(), re.M)}


def citations():
    found = []
    for path in tracked_text_files():
        for line_no, line in enumerate(path.read_text(errors="replace").splitlines(), 1):
            for doc, numbers in re.findall(r"\b(windowing|design)\.md\s*§\s*([\d.,–\- §/]+)", line):
                for n in re.findall(r"\d+", numbers):
                    found.append((path.relative_to(ROOT), line_no, doc + ".md", n))
    return found


def test_the_cited_documents_are_in_the_repository():
    assert (ROOT / "docs" / "windowing.md").is_file() and (ROOT / "docs" / "design.md").is_file()


def test_every_cited_section_exists():
    cited = citations()
    assert len(cited) > 50, "the scan found too few citations to be working"
    known = {"windowing.md": sections("windowing.md"), "design.md": sections("design.md")}
    missing = [c for c in cited if c[3] not in known[c[2]]]
    assert missing == []


def test_no_citation_points_outside_the_repository():
    outside = [(p.relative_to(ROOT), n) for p in tracked_text_files()
               for n, line in enumerate(p.read_text(errors="replace").splitlines(), 1) if "../" + "shared" in line]
    assert outside == []
