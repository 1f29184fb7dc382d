"""Damaged files never crash, abort or hang the reader: deterministic truncations and byte flips of
fixtures in several syntaxes, each run through `inspect --verify` (exit 0 or 1, never a signal)."""
import random

import pytest

from conftest import FIXTURES, run

SOURCES = [
    "dicom/mg12_mono2_explicit_le.dcm", "dicom/mg12_mono2_explicit_be.dcm", "dicom/mg12_mono2_deflated.dcm",
    "dicom/mg12_mono2_jpeg_lossless_sv1.dcm", "dicom/mg12_mono2_jpeg_ext_lossy.dcm",
    "dicom/mg12_mono2_jpegls_lossless.dcm", "dicom/mg12_mono2_rle.dcm", "dicom/mg12_mono2_j2k_lossless.dcm",
    "dicom/mg12_mono2_htj2k_lossless.dcm", "dicom/bto12_j2k_lossless.dcm", "dicom/lut_voi_sequence.dcm",
    "tiff/mg16_minisblack_lzw.tif", "tiff/mg16_minisblack_tiled64.tif", "tiff/mgf32_minisblack.tif",
    "tiff/mg16_minisblack_deflate.tif", "tiff/mg16_multipage3.tif", "tiff/mg16_minisblack_bigtiff.tif",
]
SOURCES = [s for s in SOURCES if (FIXTURES / s).exists()]


def variants(data: bytes, seed: int):
    rng = random.Random(seed)
    for fraction in (0.02, 0.1, 0.3, 0.5, 0.9, 0.999):
        yield f"cut{fraction}", data[: int(len(data) * fraction)]
    for i in range(24):
        mutated = bytearray(data)
        for _ in range(rng.choice((1, 4, 32))):
            mutated[rng.randrange(len(mutated))] = rng.randrange(256)
        yield f"flip{i}", bytes(mutated)


@pytest.mark.parametrize("source", SOURCES)
def test_damaged_copies_fail_cleanly(source, tmp_path):
    data = (FIXTURES / source).read_bytes()
    paths = []
    for name, blob in variants(data, seed=sum(source.encode())):
        path = tmp_path / f"{name}{(FIXTURES / source).suffix}"
        path.write_bytes(blob)
        paths.append(path)
    proc = run("inspect", "--json", "--verify", *paths)
    assert proc.returncode in (0, 1), proc.stderr
    lines = proc.stdout.splitlines()
    assert len(lines) == len(paths)
