"""The few JPEG 2000 main-header facts the `--reduce` tests need, read from the codestream itself
(ITU-T T.800 Annex A), so that which inputs may be reduced by the decoder is decided from the
data and not from a fixture's name.

  SIZ (A.5.1, marker FF51): Lsiz Rsiz Xsiz Ysiz XOsiz YOsiz XTsiz YTsiz XTOsiz YTOsiz Csiz, then per
      component Ssiz (bit 7: signed; bits 0-6: precision - 1) XRsiz YRsiz.
  COD (A.6.1, FF52): Lcod Scod SGcod (progression 1, layers 2, MCT 1) SPcod (decomposition levels 1,
      code-block width 1, height 1, style 1, transformation 1: 0 = 9/7 irreversible, 1 = 5/3
      reversible (Table A.20), precincts...).
  COC (A.6.2, FF53): Lcoc Ccoc (1 byte when Csiz < 257) Scoc SPcoc (levels first, transformation
      fifth): overrides COD for its component.
  CAP (FF50, T.814): present in HTJ2K codestreams; skipped like every other segment.
The main header ends at the first SOT (FF90). Tile-part COD/COC segments are not looked at: the
fixtures have none, and `tiles` > 1 already rules a codestream out.
"""
from __future__ import annotations

import math
import struct
from dataclasses import dataclass

import pydicom
from pydicom.encaps import generate_frames

J2K_REDUCIBLE_SYNTAXES = {"1.2.840.10008.1.2.4.90", "1.2.840.10008.1.2.4.201", "1.2.840.10008.1.2.4.202"}
J2K_SYNTAXES = J2K_REDUCIBLE_SYNTAXES | {"1.2.840.10008.1.2.4.91", "1.2.840.10008.1.2.4.203"}


@dataclass(frozen=True)
class Facts:
    width: int
    height: int
    origin: tuple          # (XOsiz, YOsiz, XTOsiz, YTOsiz)
    tiles: int
    components: int
    signed: bool           # component 0
    precision: int         # component 0
    levels: int            # decomposition levels of component 0
    reversible: bool       # 5/3 filter for component 0
    ht: bool               # a CAP marker segment is present (HTJ2K)


def parse(cs: bytes) -> Facts:
    assert cs[:2] == b"\xff\x4f", "not a JPEG 2000 codestream (no SOC)"
    pos, siz, cod, coc, ht = 2, None, None, None, False
    while True:
        marker = struct.unpack(">H", cs[pos:pos + 2])[0]
        if marker == 0xFF90:
            break
        length = struct.unpack(">H", cs[pos + 2:pos + 4])[0]
        body = cs[pos + 4:pos + 2 + length]
        if marker == 0xFF51:
            siz = body
        elif marker == 0xFF52:
            cod = body
        elif marker == 0xFF53:
            csiz = struct.unpack(">H", siz[34:36])[0]
            comp = body[0] if csiz < 257 else struct.unpack(">H", body[:2])[0]
            if comp == 0:
                coc = body[1 if csiz < 257 else 2:]
        elif marker == 0xFF50:
            ht = True
        pos += 2 + length
    assert siz is not None and cod is not None, "main header without SIZ or COD"
    _rsiz, xsiz, ysiz, xo, yo, xt, yt, xto, yto, csiz = struct.unpack(">HIIIIIIIIH", siz[:36])
    ssiz = siz[36]
    tiles = math.ceil((xsiz - xto) / xt) * math.ceil((ysiz - yto) / yt)
    spcod = cod[5:] if coc is None else coc[1:]      # skip Scod + SGcod (5 bytes) / Scoc (1 byte)
    return Facts(width=xsiz - xo, height=ysiz - yo, origin=(xo, yo, xto, yto), tiles=tiles,
                 components=csiz, signed=bool(ssiz & 0x80), precision=(ssiz & 0x7F) + 1,
                 levels=spcod[0], reversible=spcod[4] == 1, ht=ht)


def frame_codestreams(path) -> list:
    ds = pydicom.dcmread(str(path))
    frames = int(ds.get("NumberOfFrames", 1) or 1)
    return [bytes(f) for f in generate_frames(ds.PixelData, number_of_frames=frames)]


def dicom_facts(path):
    """[Facts per frame] of a J2K / HTJ2K DICOM file, or None for any other transfer syntax."""
    ds = pydicom.dcmread(str(path), stop_before_pixels=True)
    if str(ds.file_meta.TransferSyntaxUID) not in J2K_SYNTAXES:
        return None
    return [parse(cs) for cs in frame_codestreams(path)]


def max_decoder_levels(path):
    """The largest N for which the contract says the decoder discards N levels itself (every frame:
    reducible transfer syntax, one component, one tile, origin 0, 5/3 reversible, codestream
    signedness = Pixel Representation, precision = Bits Stored); 0 when none (and for TIFF)."""
    with open(path, "rb") as f:
        if f.read(132)[128:] != b"DICM":
            return 0
    ds = pydicom.dcmread(str(path), stop_before_pixels=True)
    if str(ds.file_meta.TransferSyntaxUID) not in J2K_REDUCIBLE_SYNTAXES:
        return 0
    signed = int(ds.PixelRepresentation) == 1
    levels = []
    for f in dicom_facts(path):
        ok = (f.components == 1 and f.tiles == 1 and f.origin == (0, 0, 0, 0) and f.reversible
              and f.signed == signed and f.precision == int(ds.BitsStored))
        levels.append(f.levels if ok else 0)
    return min(levels)


def expected_source(path, n: int) -> str:
    """The manifest's reduce.source for --reduce n (0 < n) on a DICOM file."""
    if n == 0:
        return "none"
    return "codestream" if max_decoder_levels(path) >= n else "computed"
