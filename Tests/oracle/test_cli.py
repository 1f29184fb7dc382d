"""Exit statuses and help of the built binary (docs/design.md §2: 0 ok, 1 some inputs failed, 2 usage)."""
from conftest import FIXTURES, GOOD, run


def test_usage_error_exits_2():
    for args in (["inspect"], ["inspect", "--bogus", "x"], ["no-such-command"]):
        proc = run(*args)
        assert proc.returncode == 2, (args, proc.returncode, proc.stderr)
        assert proc.stderr.strip()


def test_missing_file_exits_1_with_one_line(tmp_path):
    missing = tmp_path / "missing.dcm"
    proc = run("inspect", missing)
    assert proc.returncode == 1
    assert proc.stderr.splitlines() == [f"{missing}: read: I/O error (cannot open file)"]


def test_version_and_help():
    assert run("--version").stdout.strip()
    help_text = run("inspect", "--help").stdout
    for flag in ("--json", "--verify", "--max-frame-pixels", "--max-total-pixels"):
        assert flag in help_text


def test_good_files_exit_0():
    proc = run("inspect", "--verify", *[FIXTURES / e["path"] for e in GOOD])
    assert proc.returncode == 0, proc.stderr
    assert proc.stderr == ""
