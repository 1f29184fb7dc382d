"""DICOM helpers for the mammo-prep fixture generator (pydicom + CLI codecs).

Everything here is deterministic: fixed UIDs (under UID_ROOT), fixed dates,
no random UIDs, and DCMTK is always told to keep the SOP Instance UID.

External tools used (Debian 12 packages):
  dcmtk          dcmconv, dcmcjpeg, dcmcjpls, dcmcrle (+ dcmdjpeg, dcmdjpls,
                 dcmdrle for cross-checking)
  libopenjp2-tools  opj_compress, opj_decompress
  openjph-tools  ojph_compress (HTJ2K encoder)

The code lives in three modules, re-exported here so that `import dicomio`
(make_fixtures.py, phantom.py) sees every name:
  dicom_dataset  constants, UIDs, `run`, `mg_dataset`, `save`, `frames_of`
  dicom_encode   JPEG 2000 / HTJ2K encoding, `to_j2k`, `write_with_syntax`
  dicom_decode   `decode_pydicom`, `decode_dcmtk`, `decode_openjpeg`
"""
from __future__ import annotations

from dicom_dataset import *  # noqa: F401,F403
from dicom_encode import *  # noqa: F401,F403
from dicom_decode import *  # noqa: F401,F403
