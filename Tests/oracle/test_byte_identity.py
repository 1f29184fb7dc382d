"""Byte identity: every pixel-bearing output of the matrix in identity_matrix.py (convert in every
format and with every windowing / adapter option, stats with every mask, geometry, per-image CSV
and shards + merge) must hash exactly as in Tests/oracle/golden/identity.json, recorded with the
pre-refactor build. Hash rules: identity_matrix.py's docstring.

A difference names the case, the output and both hashes. If a change of pixels is intended,
re-record (and say why in the commit):

    .venv-oracle/bin/python Tests/oracle/identity_matrix.py --bin BIN --record Tests/oracle/golden/identity.json
"""
import pytest

import identity_matrix as im
from conftest import binary

CASE_NAMES = [c.name for c in im.FIXTURE_CASES]


@pytest.fixture(scope="module")
def golden():
    assert im.GOLDEN.is_file(), f"golden file {im.GOLDEN.name} missing: record it (see this module's docstring)"
    doc = im.load_golden()
    assert doc["formatVersion"] == im.FORMAT_VERSION, "golden file of another format version: re-record"
    return doc["cases"]


@pytest.fixture(scope="module")
def results():
    """The whole matrix, run once for this module (outputs removed case by case)."""
    return im.run_matrix(binary())


def test_matrix_is_non_empty_and_matches_the_golden_cases(golden):
    assert len(CASE_NAMES) >= 40
    assert len(set(CASE_NAMES)) == len(CASE_NAMES)
    assert sorted(golden) == sorted(CASE_NAMES), (
        f"cases only in the golden file: {sorted(set(golden) - set(CASE_NAMES))}; "
        f"only in the matrix: {sorted(set(CASE_NAMES) - set(golden))}")
    kinds = {c.kind for c in im.FIXTURE_CASES}
    assert kinds == {"convert", "stats", "shards"}


def test_every_case_produced_an_output(results, golden):
    empty = [name for name in CASE_NAMES if not results[name]["outputs"]]
    assert not empty, f"cases without any output: {empty}"
    empty_golden = [name for name in CASE_NAMES if not golden.get(name, {}).get("outputs")]
    assert not empty_golden, f"golden cases without any output: {empty_golden}"


def test_hash_rules_cover_every_output_kind(results):
    suffixes = {name.rsplit(".", 1)[-1].split("#")[0] for r in results.values() for name in r["outputs"]}
    assert {"npy", "png", "tiff", "safetensors", "json", "csv"} <= suffixes, suffixes
    assert any("stackIndex" in r for r in results.values())
    assert any(r["failures"] for r in results.values()), "no case records a failure"


@pytest.mark.parametrize("name", CASE_NAMES)
def test_byte_identity(name, results, golden):
    problems = im.compare_case(name, golden.get(name), results.get(name))
    assert not problems, f"case {name} ({im.FIXTURE_CASES[CASE_NAMES.index(name)].command()}) " \
                         "differs from the golden file:\n  " + "\n  ".join(problems)
