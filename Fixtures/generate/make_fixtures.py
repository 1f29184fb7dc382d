#!/usr/bin/env python3
"""Regenerate every mammo-prep test fixture, verify it, and write the index.

Run through make_fixtures.sh (which checks the tools), or directly:
    python3 Fixtures/generate/make_fixtures.py

Writes Fixtures/dicom, Fixtures/tiff, Fixtures/bad (deleted and rebuilt),
Fixtures/fixtures.json and the table between the markers in Fixtures/README.md.
Every good file is decoded again after writing (pydicom + pylibjpeg plugins,
DCMTK's decoders, opj_decompress for JPEG 2000, tifffile and libtiff for TIFF)
and compared with the numpy array it was made from; any mismatch aborts.

The steps live next to this file, one module per topic:
  fixtures_index       registry (ENTRIES, TRUTH, add), shared helpers, write_index
  fixtures_inspect     header facts read back for fixtures.json
  fixtures_dicom       single-frame DICOM groups (mg12, mg8, depth, mono1, signed, mask)
  fixtures_multiframe  multi-frame and LUT DICOM groups
  fixtures_tiff        TIFF group
  fixtures_bad         bad/ inputs
  fixtures_verify      decoding every file again (verify_good / verify_bad)
  dicomio              DICOM writing, encoders and reference decoders (phantom.py uses it too)
"""
from __future__ import annotations

import os
import shutil
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)

from fixtures_bad import make_bad  # noqa: E402
from fixtures_dicom import (make_depths, make_mask, make_mg8, make_mg12,  # noqa: E402
                            make_mono1, make_signed)
from fixtures_index import ENTRIES, P, write_index  # noqa: E402
from fixtures_multiframe import make_luts, make_multiframe  # noqa: E402
from fixtures_tiff import make_tiff  # noqa: E402
from fixtures_verify import verify_bad, verify_good  # noqa: E402


def main():
    for d in ("dicom", "tiff", "bad"):
        shutil.rmtree(P(d), ignore_errors=True)
        os.makedirs(P(d))
    mg12 = make_mg12()
    make_mg8()
    make_depths()
    make_mono1()
    make_signed()
    make_mask()
    make_multiframe()
    make_luts()
    make_tiff()
    make_bad(mg12)
    for e in ENTRIES:
        if e["expectError"]:
            verify_bad(e)
        else:
            verify_good(e)
    write_index()
    print("%d fixtures written and verified" % len(ENTRIES))


if __name__ == "__main__":
    main()
