"""Self-tests of the 5/3 wavelet oracle (dwt53_oracle.py); no mammo-prep binary needed.

1. The transform itself: perfect reconstruction, vectors computed by hand from the lifting
   equations (ITU-T T.800 F.4.8.2), the VER_SD-then-HOR_SD order (F.4.2), shift invariance of the
   LL band, constants, the shapes.
2. The key cross-check: for every lossless single-tile reversible JPEG 2000 / HTJ2K fixture, a
   third-party decoder asked to discard N resolution levels returns exactly the oracle applied to
   the full-resolution stored values, for every N the codestream allows: Pillow's bundled OpenJPEG
   (`Image.reduce`) for J2K and HTJ2K, imagecodecs' bundled OpenJPH (`htj2k_decode(skipres=N)`)
   for HTJ2K. Both are pinned in scripts/requirements-oracle.txt. (pylibjpeg-openjpeg 2.6.0, the
   decoder pydicom uses, has no reduced-resolution decode.) A multi-tile codestream shows why such
   inputs must be computed instead: its reduced decode is the per-tile LL band, not the image's.
3. Fixtures/reduce/index.json agrees with the files: sizes, codestream facts, sha256, stored values.
"""
import hashlib
import io
import json

import numpy as np
import pydicom
import pytest
from PIL import Image, ImageFile
import imagecodecs

import dwt53_oracle as dwt
import j2k_codestream as j2k
from conftest import FIXTURES

REDUCE_INDEX = json.loads((FIXTURES / "reduce" / "index.json").read_text())["files"]
J2K_LOSSLESS_FIXTURES = sorted(p for p in list((FIXTURES / "dicom").glob("*.dcm")) + list((FIXTURES / "reduce").glob("*.dcm"))
                               if (j2k.dicom_facts(p) or [None])[0] is not None and j2k.dicom_facts(p)[0].reversible)


# ------------------------------------------------------------------------------ 1. the transform
SIZES = [(1, 1), (1, 2), (2, 1), (1, 7), (7, 1), (2, 3), (3, 2), (3, 5), (4, 4), (5, 8), (8, 5), (9, 9), (13, 6),
         (16, 17), (31, 33), (64, 65), (161, 127), (97, 203)]


@pytest.mark.parametrize("shape", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
def test_perfect_reconstruction(shape):
    rng = np.random.default_rng(shape[0] * 1000 + shape[1])
    for lo, hi in ((0, 4096), (-32768, 32768), (0, 65536)):
        a = rng.integers(lo, hi, shape)
        for levels in range(0, 7):
            c = dwt.forward(a, levels)
            assert np.array_equal(dwt.inverse(c, levels), a), (shape, levels)
            ll = c[::1 << levels, ::1 << levels]
            assert np.array_equal(ll, dwt.ll_band(a, levels)), "Mallat layout LL != ll_band"
            assert ll.shape == dwt.reduced_shape(*shape, levels)


def test_every_small_size_reconstructs_in_1d():
    rng = np.random.default_rng(7)
    for n in range(1, 41):
        x = rng.integers(-5000, 5000, (3, n))
        assert np.array_equal(dwt.inverse_1d(dwt.forward_1d(x)), x), n
        assert np.array_equal(dwt.inverse_1d(dwt.forward_1d(x.T, axis=0), axis=0), x.T), n


# 1D_SD by hand (interleaved: low-pass at even indices). Extension: X(-k) = X(k), X(n-1+k) = X(n-1-k).
HAND = [
    # one sample at even index i0 = 0: passed through
    ([7], [7]),
    # [a, b]: Y(1) = b - floor((a + X(2)=a)/2) = 3 - 10 = -7; Y(-1) = Y(1);
    #         Y(0) = 10 + floor((-7 - 7 + 2)/4) = 10 + floor(-3) = 7
    ([10, 3], [7, -7]),
    # Y(1) = 5 - floor((1 + 2)/2) = 4, Y(-1) = Y(3) = 4 by symmetry;
    # Y(0) = 1 + floor((4 + 4 + 2)/4) = 3, Y(2) = 2 + floor(10/4) = 4
    ([1, 5, 2], [3, 4, 4]),
    # Y(1) = -2 - floor((3 + 7)/2) = -7, Y(3) = 0 - floor((7 - 5)/2) = -1, Y(-1) = -7, Y(5) = -1;
    # Y(0) = 3 + floor(-12/4) = 0, Y(2) = 7 + floor(-6/4) = 5, Y(4) = -5 + floor(0/4) = -5
    ([3, -2, 7, 0, -5], [0, -7, 5, -1, -5]),
    # a ramp: Y(odd) = 0 except Y(7) = 8 - floor((7 + X(8)=7)/2) = 1; Y(6) = 7 + floor((0 + 1 + 2)/4) = 7
    ([1, 2, 3, 4, 5, 6, 7, 8], [1, 0, 3, 0, 5, 0, 7, 1]),
    # Y(1) = -5, Y(3) = 5, Y(5) = -5, Y(7) = 10 - floor((0 + 0)/2) = 10, Y(-1) = 0 - floor((0 + 10)/2) = -5;
    # Y(0) = 10 + floor(-8/4) = 8, Y(2) = 0 + floor(2/4) = 0, Y(4) = 10 + floor(2/4) = 10, Y(6) = floor(7/4) = 1
    ([10, 0, 0, 10, 10, 0, 0, 10], [8, -5, 0, 5, 10, -5, 1, 10]),
    # negative floors: Y(1) = 0 - floor((0 + 4095)/2) = -2047, Y(3) = 4095 - floor((4095 + 4095)/2) = 0;
    # Y(0) = 0 + floor((-2047 - 2047 + 2)/4) = -1023, Y(2) = 4095 + floor((-2047 + 0 + 2)/4) = 4095 - 512
    ([0, 0, 4095, 4095], [-1023, -2047, 3583, 0]),
]


@pytest.mark.parametrize("x,y", HAND, ids=[f"len{len(x)}-{i}" for i, (x, _) in enumerate(HAND)])
def test_hand_computed_1d(x, y):
    assert dwt.forward_1d(np.array(x)).tolist() == y
    assert dwt.inverse_1d(np.array(y)).tolist() == x
    # a 1 x n image is the same signal: VER_SD on columns of one sample passes them through
    assert dwt.forward_2d(np.array([x])).tolist() == [y]
    assert dwt.forward_2d(np.array([x]).T).T.tolist() == [y]


def test_the_clamp_of_an_overshooting_low_band():
    # LL of one level of [0, 0, 4095, 4095] is [-1023, 3583] (HAND above): clamped to [0, 3583]
    assert dwt.ll_band([[0, 0, 4095, 4095]], 1).tolist() == [[-1023, 3583]]
    assert dwt.reduce_stored([[0, 0, 4095, 4095]], 1, 12, False).tolist() == [[0, 3583]]
    # signed: the same pattern shifted by -2048 stays shifted, and clamps at -2048
    assert dwt.reduce_stored([[-2048, -2048, 2047, 2047]], 1, 12, True).tolist() == [[-2048, 1535]]
    # and above the top: the mirror image of the pattern
    assert dwt.ll_band([[4095, 4095, 0, 0]], 1).tolist()[0][0] > 4095
    assert dwt.reduce_stored([[4095, 4095, 0, 0]], 1, 12, False).tolist()[0][0] == 4095


def test_vertical_then_horizontal():
    # 2D_SD = VER_SD then HOR_SD; by hand: columns [0,0] -> [0,0], [1,0] -> [1,-1]; rows
    # [0,1] -> [1,1], [0,-1] -> [0 + floor((-1 - 1 + 2)/4), -1] = [0,-1]
    a = [[0, 1], [0, 0]]
    assert dwt.forward_2d(a).tolist() == [[1, 1], [0, -1]]
    assert dwt.forward_2d(a, order="hor-ver").tolist() == [[1, 1], [-1, -1]]
    # with floor rounding the order reaches the LL band too, so the decoder cross-check below
    # tells the two apart: show that such inputs exist among the fixtures' sizes
    rng = np.random.default_rng(53)
    differ = 0
    for _ in range(200):
        x = rng.integers(0, 4096, (5, 6))
        differ += not np.array_equal(dwt.forward_2d(x)[0::2, 0::2], dwt.forward_2d(x, order="hor-ver")[0::2, 0::2])
    assert differ > 0


def test_ll_band_of_shifted_image_is_shifted():
    # LL(x + c) = LL(x) + c for integer c: floor((a + 2c)/2) = floor(a/2) + c, high-pass unchanged
    rng = np.random.default_rng(11)
    for shape in [(1, 1), (2, 3), (9, 4), (33, 31), (161, 127)]:
        x = rng.integers(0, 4096, shape)
        for c in (-2048, -1, 1, 7, 12345):
            for levels in range(1, 6):
                assert np.array_equal(dwt.ll_band(x + c, levels), dwt.ll_band(x, levels) + c)


def test_constant_images_and_shapes():
    for shape in [(1, 1), (1, 5), (6, 1), (3, 5), (160, 128), (161, 127), (2295, 13)]:
        for levels in range(0, 9):
            ll = dwt.ll_band(np.full(shape, 1234), levels)
            assert ll.shape == dwt.reduced_shape(*shape, levels)
            assert (ll == 1234).all()
    assert dwt.reduced_shape(2295, 1913, 4) == (144, 120)
    assert dwt.reduced_shape(3, 5, 16) == (1, 1)
    one = np.array([[-77]])
    assert dwt.reduce_stored(one, 16, 12, True).tolist() == [[-77]]
    frames = np.random.default_rng(3).integers(0, 4096, (3, 9, 7))
    stacked = dwt.reduce_stored(frames, 2, 12, False)
    assert stacked.shape == (3, 3, 2)
    assert all(np.array_equal(stacked[k], dwt.reduce_stored(frames[k], 2, 12, False)) for k in range(3))


# ------------------------------------------------------------------ 2. against third-party decoders
def pillow_reduced(cs, n, facts):
    """Pillow (bundled OpenJPEG) with `reduce = n`: 16-bit samples, left-aligned (v << (16 - P))
    and offset by 2^(P-1) when the codestream is signed."""
    im = Image.open(io.BytesIO(cs))
    # Pillow 12.1.1's `im.reduce = n` sizes the result round(side / 2^n), not the ceil(side / 2^n)
    # OpenJPEG returns (T.800 B.5), and then fails on odd sizes ("broken data stream"). So set the
    # size and the decoder's reduce argument (tile args: codec, reduce, layers, fd, length) directly.
    (w, h), power = im.size, 1 << n
    t = im.tile[0]
    assert len(im.tile) == 1 and t[3][1] == 0 and t[3][2] == 0
    im._size = (-(-w // power), -(-h // power))
    im.tile = [ImageFile._Tile(t[0], (0, 0) + im.size, t[2], (t[3][0], n) + tuple(t[3][2:]))]
    im.load()
    a = np.array(im).astype(np.int64) >> (16 - facts.precision)
    return a - (1 << (facts.precision - 1)) if facts.signed else a


def codestream_samples(stored, ds, facts):
    """The samples the codestream holds: the stored values, or their Bits Stored two's complement
    patterns when Pixel Representation is 1 but the codestream is unsigned."""
    if facts.signed or int(ds.PixelRepresentation) == 0:
        return stored
    return stored & ((1 << int(ds.BitsStored)) - 1)


def test_the_cross_check_covers_enough():
    names = {p.name for p in J2K_LOSSLESS_FIXTURES}
    assert {"mg12_mono2_j2k_lossless.dcm", "mg16_j2k_lossless.dcm", "mg12s_j2k_lossless.dcm",
            "mg12_mono2_htj2k_lossless.dcm", "bto12_j2k_lossless.dcm", "a12_j2k_lossless.dcm",
            "b16_htj2k_lossless.dcm", "s12_j2k_lossless.dcm", "mf3_j2k_lossless.dcm", "a12_j2k_tiled.dcm"} <= names


@pytest.mark.parametrize("path", [p for p in J2K_LOSSLESS_FIXTURES if j2k.dicom_facts(p)[0].tiles == 1],
                         ids=lambda p: f"{p.parent.name}/{p.name}")
def test_reduced_decode_equals_oracle(path):
    ds = pydicom.dcmread(str(path))
    frames = int(ds.get("NumberOfFrames", 1) or 1)
    stored = ds.pixel_array.reshape(frames, int(ds.Rows), int(ds.Columns)).astype(np.int64)
    checked = 0
    for k, cs in enumerate(j2k.frame_codestreams(path)):
        facts = j2k.parse(cs)
        assert facts.levels >= 2 and facts.precision == int(ds.BitsStored)
        samples = codestream_samples(stored[k], ds, facts)
        for n in range(1, facts.levels + 1):
            want = dwt.reduce_stored(samples, n, facts.precision, facts.signed)
            got = pillow_reduced(cs, n, facts)
            assert got.shape == want.shape == dwt.reduced_shape(*samples.shape, n)
            assert np.array_equal(got, want), f"{path.name} frame {k} N={n}: OpenJPEG (Pillow) != oracle"
            if facts.ht:
                oj = imagecodecs.htj2k_decode(cs, skipres=n).astype(np.int64)
                # this OpenJPH build does not clamp a reduced decode to the precision: it returns the
                # LL band itself modulo 2^16, a check of the unclamped band
                unclamped = dwt.ll_band(samples, n) & 0xFFFF
                assert np.array_equal(oj, want) or np.array_equal(oj, unclamped), \
                    f"{path.name} N={n}: OpenJPH (imagecodecs) != oracle"
            checked += 1
    assert checked >= 2


def test_multi_tile_codestream_is_reduced_per_tile():
    path = FIXTURES / "reduce" / "a12_j2k_tiled.dcm"
    ds = pydicom.dcmread(str(path))
    stored = ds.pixel_array.astype(np.int64)
    cs = j2k.frame_codestreams(path)[0]
    facts = j2k.parse(cs)
    assert facts.tiles == 6
    tile = 64
    for n in (1, 2, 3):
        got = pillow_reduced(cs, n, facts)
        whole = dwt.reduce_stored(stored, n, 12, False)
        assert got.shape == whole.shape
        assert not np.array_equal(got, whole), "a tiled codestream's reduced decode is not the image's LL band"
        # tiles start at multiples of 64, even at every level: the decode is the tiles' LL bands side by side
        t = tile >> n
        for y in range(0, stored.shape[0], tile):
            for x in range(0, stored.shape[1], tile):
                part = dwt.reduce_stored(stored[y:y + tile, x:x + tile], n, 12, False)
                assert np.array_equal(got[y // tile * t:y // tile * t + part.shape[0],
                                          x // tile * t:x // tile * t + part.shape[1]], part)


# --------------------------------------------------------------------- 3. Fixtures/reduce/index.json
@pytest.mark.parametrize("entry", REDUCE_INDEX, ids=lambda e: e["path"])
def test_reduce_fixture_index(entry):
    path = FIXTURES / entry["path"]
    data = path.read_bytes()
    assert hashlib.sha256(data).hexdigest() == entry["sha256"] and len(data) == entry["sizeBytes"]
    ds = pydicom.dcmread(str(path))
    assert str(ds.file_meta.TransferSyntaxUID) == entry["transferSyntaxUID"]
    assert (int(ds.Rows), int(ds.Columns), int(ds.get("NumberOfFrames", 1) or 1)) == \
        (entry["rows"], entry["columns"], entry["frames"])
    assert (int(ds.BitsStored), int(ds.PixelRepresentation)) == (entry["bitsStored"], entry["pixelRepresentation"])
    ref = pydicom.dcmread(str(FIXTURES / entry["reference"]))
    gap = np.abs(ds.pixel_array.astype(np.int64) - ref.pixel_array.astype(np.int64)).max()
    assert gap <= entry["maxAbsError"] and (gap == 0) == (not entry["lossy"])
    want = entry["codestream"]
    facts = j2k.dicom_facts(path)
    assert (want is None) == (facts is None)
    for f in facts or []:
        assert (f.levels, f.tiles, f.reversible, f.signed, f.precision, f.ht) == \
            (want["levels"], want["tiles"], want["reversible"], want["signed"], want["precision"], want["ht"])
        assert f.origin == (0, 0, 0, 0) and f.components == 1


def test_reduce_fixtures_stay_out_of_the_main_matrix():
    main = json.loads((FIXTURES / "fixtures.json").read_text())["files"]
    assert not any(e["path"].startswith("reduce/") for e in main)
    on_disk = sorted(p.name for p in (FIXTURES / "reduce").iterdir())
    assert on_disk == sorted([e["path"].split("/", 1)[1] for e in REDUCE_INDEX] + ["index.json"])
    assert sum(e["sizeBytes"] for e in REDUCE_INDEX) < 1_500_000
