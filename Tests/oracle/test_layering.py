"""The library's folders only look forward (scripts/layering.py, docs/architecture.md)."""
import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def layering():
    proc = subprocess.run([sys.executable, str(ROOT / "scripts" / "layering.py"), "--json"],
                          capture_output=True, text=True)
    return proc.returncode, json.loads(proc.stdout)


def test_no_backward_edge():
    code, result = layering()
    assert result["backward"] == [], result["backward"]
    assert code == 0


def test_the_picture_is_not_empty_and_knows_every_folder():
    _, result = layering()
    assert set(result["folders"]) == {"Support", "Ingest", "Window", "Mask", "Stats", "Adapt", "Export", "Pipeline"}
    edges = {(a, b) for a, b, _ in result["edges"]}
    # The façade uses every stage; the stages below it never use it.
    assert {("Pipeline", f) for f in ("Ingest", "Window", "Mask", "Adapt", "Stats", "Export")} <= edges
    assert not any(b == "Pipeline" for _, b in edges)


def test_stats_knows_no_windowing_geometry_or_sharding():
    _, result = layering()
    stats_uses = {b for a, b, _ in result["edges"] if a == "Stats"}
    assert stats_uses <= {"Support"}, stats_uses


def test_c_modules_stay_behind_their_stage():
    _, result = layering()
    assert result["cModules"]["CDCMTKShim"] == ["Ingest"]
    assert set(result["cModules"]["CPNG"]) == {"Export"}
    assert set(result["cModules"]["CTIFF"]) <= {"Ingest", "Export"}


def test_the_checker_sees_a_backward_edge(tmp_path, monkeypatch):
    sys.path.insert(0, str(ROOT / "scripts"))
    import layering as checker
    lib = tmp_path / "MammoPrep"
    (lib / "Stats").mkdir(parents=True)
    (lib / "Pipeline").mkdir()
    (lib / "Pipeline" / "A.swift").write_text("public struct Runner {}\n")
    (lib / "Stats" / "B.swift").write_text("// Runner in a comment does not count\nstruct S { let r: Runner }\n")
    monkeypatch.setattr(checker, "LIBRARY", lib)
    assert checker.backward(checker.analyse()) == [("Stats", "Pipeline", ["Runner"])]


def test_every_public_type_is_documented():
    import re
    table = (ROOT / "docs" / "architecture.md").read_text().split("## The public API", 1)[1].split("\n## ", 1)[0]
    documented = set(re.findall(r"`(\w+)`", table))
    public = set()
    for path in (ROOT / "Sources" / "MammoPrep").rglob("*.swift"):
        public |= set(re.findall(r"^public (?:final |indirect )*(?:struct|enum|class|protocol|actor) (\w+)",
                                 path.read_text(), re.M))
    assert len(public) >= 20
    assert public - documented == set(), "public but not in docs/architecture.md"
    assert documented - public <= {"Workspace", "package", "internal", "public"}, "documented but not public"
