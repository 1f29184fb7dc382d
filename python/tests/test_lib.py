"""Finding and loading libmammo_prep.so: MAMMO_PREP_LIB wins and a wrong one is a clear error; the
loaded library's version is the package's and the CLI's."""
from __future__ import annotations

import mammo_prep
from conftest import run_cli, run_python


def test_versions_agree():
    assert mammo_prep.library_version() == mammo_prep.__version__
    assert mammo_prep.__version__ in run_cli("--version").stdout


def test_a_missing_mammo_prep_lib_is_a_clear_error(tmp_path):
    code = ("import mammo_prep\n"
            "try:\n    mammo_prep.read('x.dcm')\n"
            "except OSError as e:\n    print('OSError', e)\n")
    proc = run_python(code, MAMMO_PREP_LIB=str(tmp_path / "nothing.so"))
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.startswith("OSError") and "MAMMO_PREP_LIB" in proc.stdout


def test_importing_does_not_load_the_library():
    code = ("import sys, mammo_prep, mammo_prep.options\n"
            "from mammo_prep import _lib\n"
            "print(_lib._loaded is None, 'torch' in sys.modules)\n")
    proc = run_python(code, MAMMO_PREP_LIB="/nonexistent/libmammo_prep.so")
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.split() == ["True", "False"]
