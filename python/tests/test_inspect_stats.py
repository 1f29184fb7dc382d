"""inspect() is `inspect --json`'s object for every fixture; stats() is the `stats` command's
stats.json for the same inputs and options (a bad option is a ValueError)."""
from __future__ import annotations

import json

import pytest

import mammo_prep
from conftest import FIXTURES, MANIFEST, PHI_MARKERS, run_cli


@pytest.fixture(scope="module")
def cli_inspect():
    paths = [str(FIXTURES / e["path"]) for e in MANIFEST]
    proc = run_cli("inspect", "--json", *paths)
    return {obj["path"]: obj for obj in map(json.loads, proc.stdout.splitlines())}


@pytest.mark.parametrize("rel", [e["path"] for e in MANIFEST])
def test_inspect_equals_the_cli(rel, cli_inspect):
    path = str(FIXTURES / rel)
    want = cli_inspect[path]
    if "error" in want:
        with pytest.raises(mammo_prep.MammoPrepError) as info:
            mammo_prep.inspect(path)
        assert str(info.value) == want["error"]
        assert (info.value.stage, info.value.code) == (want.get("stage"), want.get("code"))
    else:
        got = mammo_prep.inspect(path)
        assert got == want
        assert not any(m in json.dumps(got) for m in PHI_MARKERS)


@pytest.mark.parametrize("options,flags", [
    ({}, []),
    ({"mask": "foreground", "size": 128, "frame": 0}, ["--mask", "foreground", "--size", "128", "--frame", "0"]),
    ({"voi_source": "none", "reduce": 1, "jobs": 2}, ["--voi-source", "none", "--reduce", "1", "-j", "2"]),
])
def test_stats_equals_the_cli(options, flags, tmp_path):
    inputs = [FIXTURES / "dicom", FIXTURES / "tiff" / "mg16_minisblack_lzw.tif", FIXTURES / "bad" / "corrupt_j2k.dcm"]
    got = mammo_prep.stats(inputs, **options)
    run_cli("stats", *inputs, "--out", tmp_path / "stats.json", "-q", *flags)
    want = json.loads((tmp_path / "stats.json").read_text())
    assert got == want
    assert got["failed"] == 1 and got["images"] > 40


def test_stats_of_one_path_and_errors():
    one = mammo_prep.stats(FIXTURES / "dicom" / "mg12_mono2_explicit_le.dcm")
    assert one["images"] == 1 and one["count"] == 160 * 128
    with pytest.raises(ValueError):
        mammo_prep.stats([FIXTURES / "dicom"], mask="sometimes")
    with pytest.raises(ValueError):
        mammo_prep.stats([])
