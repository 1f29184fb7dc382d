"""Every bad input gets its own one-line error naming file, stage and reason, exit status 1, and
never a crash (docs/design.md §5; issue: refusals)."""
import json

import pytest

from conftest import BAD, FIXTURES, GOOD, ids, run


@pytest.mark.parametrize("entry", BAD, ids=ids(BAD))
def test_json_error_names_reason(entry):
    path = FIXTURES / entry["path"]
    proc = run("inspect", "--json", "--verify", path)
    assert proc.returncode == 1, proc.stdout + proc.stderr
    lines = proc.stdout.splitlines()
    assert len(lines) == 1
    got = json.loads(lines[0])
    assert list(got) == ["path", "error", "stage", "code"]
    assert got["path"] == str(path)
    assert got["code"] == entry["expectError"], got["error"]
    assert got["error"].startswith(f"{path}: {got['stage']}: ")


@pytest.mark.parametrize("entry", BAD, ids=ids(BAD))
def test_text_error_is_one_line_on_stderr(entry):
    path = FIXTURES / entry["path"]
    proc = run("inspect", "--verify", path)
    assert proc.returncode == 1
    assert proc.stdout == ""
    lines = proc.stderr.splitlines()
    assert len(lines) == 1, proc.stderr
    assert lines[0].startswith(f"{path}: ")


@pytest.mark.parametrize("entry", BAD, ids=ids(BAD))
def test_decoding_bad_input_fails_cleanly(entry, tmp_path):
    out = tmp_path / "x.npy"
    proc = run("dump-stored", FIXTURES / entry["path"], "--out", out)
    assert proc.returncode == 1
    assert not out.exists()
    assert list(tmp_path.iterdir()) == []  # no temporary file left behind


def test_distinct_reasons_have_distinct_texts():
    seen = {}
    for entry in BAD:
        proc = run("inspect", "--json", "--verify", FIXTURES / entry["path"])
        error = json.loads(proc.stdout)["error"]
        reason = error.split(": ", 2)[2].split(" (")[0]
        seen.setdefault(entry["expectError"], set()).add(reason)
    texts = [next(iter(v)) for v in seen.values()]
    assert all(len(v) == 1 for v in seen.values()), seen
    assert len(set(texts)) == len(texts), seen


def test_batch_continues_past_bad_files():
    paths = [FIXTURES / e["path"] for e in (GOOD[:2] + BAD[:3] + GOOD[2:4])]
    proc = run("inspect", "--json", *paths)
    assert proc.returncode == 1
    objects = [json.loads(line) for line in proc.stdout.splitlines()]
    assert [o["path"] for o in objects] == [str(p) for p in paths]
    assert sum("error" in o for o in objects) == 3
