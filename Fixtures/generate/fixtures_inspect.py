"""Header inspection for the fixture index: the schema fields and informative extras
of fixtures.json, read back from each written DICOM or TIFF file.
"""
from __future__ import annotations

import struct

import numpy as np
import pydicom
import tifffile
from pydicom.dataset import Dataset
from pydicom.encaps import generate_frames


TIFF_PHOTOMETRIC = {0: "MinIsWhite", 1: "MinIsBlack", 2: "RGB", 3: "Palette"}
TIFF_SAMPLEFORMAT = {1: "uint", 2: "int", 3: "float"}


# ------------------------------------------------------------- inspection
def _list(v):
    if v is None:
        return []
    if isinstance(v, (list, tuple)) or type(v).__name__ == "MultiValue":
        return list(v)
    return [v]


def _num(v):
    f = float(v)
    return int(f) if f == int(f) else f


def voi_info(item: Dataset) -> dict:
    out = {}
    if "WindowCenter" in item:
        cs = _list(item.WindowCenter)
        ws = _list(item.WindowWidth)
        ex = _list(item.get("WindowCenterWidthExplanation"))
        out["windows"] = [{"center": _num(c), "width": _num(w),
                           "explanation": (str(ex[i]) if i < len(ex) else None)}
                          for i, (c, w) in enumerate(zip(cs, ws))]
    if "VOILUTFunction" in item:
        out["voiLUTFunction"] = str(item.VOILUTFunction)
    if "RescaleSlope" in item:
        out["rescale"] = {"slope": _num(item.RescaleSlope),
                          "intercept": _num(item.RescaleIntercept),
                          "type": str(item.get("RescaleType", "")) or None}
    return out


def lut_info(item: Dataset, seq: str) -> dict:
    desc = [int(x) for x in item.LUTDescriptor]
    elem = item["LUTData"]
    n = desc[0] or 65536
    if elem.VR == "OW":
        raw = bytes(elem.value)
        values = (np.frombuffer(raw, "<u1") if desc[2] == 8 else np.frombuffer(raw, "<u2"))
    else:
        values = np.asarray(_list(elem.value), dtype=np.int64)
    values = values[:n]
    samples = {str(i): int(values[i]) for i in sorted({0, 1, n // 2, min(4095, n - 1), n - 1})}
    return {"sequence": seq, "descriptor": desc, "entries": n, "lutDataVR": elem.VR,
            "lutDataBytes": len(elem.value) if elem.VR == "OW" else 2 * len(_list(elem.value)),
            "explanation": str(item.get("LUTExplanation", "")) or None,
            "modalityLUTType": str(item.get("ModalityLUTType", "")) or None,
            "samples": samples}


def dicom_info(path: str) -> dict:
    """Schema fields (+ informative extras) read from a DICOM header."""
    ds = pydicom.dcmread(path)
    pr = int(ds.get("PixelRepresentation", 0))
    e = {
        "format": "dicom",
        "transferSyntaxUID": str(ds.file_meta.TransferSyntaxUID),
        "rows": int(ds.Rows) if "Rows" in ds else None,
        "columns": int(ds.Columns) if "Columns" in ds else None,
        "frames": int(ds.get("NumberOfFrames", 1) or 1),
        "bitsAllocated": int(ds.BitsAllocated) if "BitsAllocated" in ds else None,
        "bitsStored": int(ds.BitsStored) if "BitsStored" in ds else None,
        "highBit": int(ds.HighBit) if "HighBit" in ds else None,
        "pixelRepresentation": pr,
        "photometricInterpretation": str(ds.get("PhotometricInterpretation", "")) or None,
        "sampleFormat": "int" if pr == 1 else "uint",
    }
    x = {"sopClassUID": str(ds.SOPClassUID), "modality": str(ds.get("Modality", "")),
         "samplesPerPixel": int(ds.get("SamplesPerPixel", 1))}
    for k, name in (("presentationIntentType", "PresentationIntentType"),
                    ("imageLaterality", "ImageLaterality"), ("viewPosition", "ViewPosition"),
                    ("presentationLUTShape", "PresentationLUTShape")):
        if name in ds:
            x[k] = str(ds[name].value)
    x.update(voi_info(ds))
    x.update(codestream_info(ds))
    if "PixelPaddingValue" in ds:
        x["pixelPaddingValue"] = int(ds.PixelPaddingValue)
    luts = []
    for seq in ("ModalityLUTSequence", "VOILUTSequence"):
        for it in ds.get(seq, []):
            luts.append(lut_info(it, seq))
    if luts:
        x["luts"] = luts
    if "SharedFunctionalGroupsSequence" in ds:
        sh = ds.SharedFunctionalGroupsSequence[0]
        shared = {}
        if "PixelValueTransformationSequence" in sh:
            shared.update(voi_info(sh.PixelValueTransformationSequence[0]))
        if "FrameVOILUTSequence" in sh:
            shared.update(voi_info(sh.FrameVOILUTSequence[0]))
        x["sharedFunctionalGroups"] = shared
        per = []
        for it in ds.get("PerFrameFunctionalGroupsSequence", []):
            per.append(voi_info(it.FrameVOILUTSequence[0]) if "FrameVOILUTSequence" in it else {})
        x["perFrameFunctionalGroups"] = per
    return {**e, "_extra": x}


def codestream_info(ds) -> dict:
    """Precision (and J2K signedness) of the first frame's codestream."""
    if "PixelData" not in ds or not ds["PixelData"].is_undefined_length:
        return {}
    try:
        n = int(ds.get("NumberOfFrames", 1) or 1)
        fr = bytes(next(generate_frames(ds.PixelData, number_of_frames=n)))
    except Exception:
        return {}
    if fr[:2] == b"\xff\x4f":                       # J2K SOC, SIZ follows
        k = fr.find(b"\xff\x51")
        ssiz = fr[k + 40]
        return {"codestreamPrecision": (ssiz & 0x7F) + 1, "codestreamSigned": bool(ssiz & 0x80)}
    if fr[:2] == b"\xff\xd8":
        pos = 2
        while pos + 4 <= len(fr):
            if fr[pos] != 0xFF:
                break
            marker = fr[pos + 1]
            if marker in (0xC0, 0xC1, 0xC2, 0xC3, 0xC5, 0xC6, 0xC7, 0xC9, 0xCA, 0xCB,
                          0xCD, 0xCE, 0xCF, 0xF7):
                return {"codestreamPrecision": fr[pos + 4]}
            pos += 2 + struct.unpack(">H", fr[pos + 2:pos + 4])[0]
    return {}


def tiff_info(path: str) -> dict:
    with tifffile.TiffFile(path) as t:
        p = t.pages[0]
        bps = p.bitspersample
        sf = TIFF_SAMPLEFORMAT.get(int(p.sampleformat), str(p.sampleformat))
        e = {
            "format": "tiff", "transferSyntaxUID": None,
            "rows": int(p.imagelength), "columns": int(p.imagewidth), "frames": len(t.pages),
            "bitsAllocated": bps, "bitsStored": bps, "highBit": bps - 1,
            "pixelRepresentation": 1 if sf == "int" else 0,
            "photometricInterpretation": TIFF_PHOTOMETRIC.get(int(p.photometric), str(p.photometric)),
            "sampleFormat": sf,
        }
        x = {"samplesPerPixel": int(p.samplesperpixel),
             "tiffCompression": p.compression.name.lower() if hasattr(p.compression, "name") else str(p.compression),
             "tiffPredictor": int(p.predictor), "tiled": bool(p.is_tiled),
             "bigTIFF": bool(t.is_bigtiff)}
        if p.is_tiled:
            x["tileSize"] = [int(p.tilelength), int(p.tilewidth)]
        else:
            x["rowsPerStrip"] = int(p.rowsperstrip)
    return {**e, "_extra": x}
