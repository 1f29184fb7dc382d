"""Assembles the mammo_prep wheel before auditwheel makes it self-contained (scripts/build-wheel.sh).

    make_wheel.py --lib libmammo_prep.so --cli mammo-prep --charls libcharls.so.2 --out DIR

writes DIR/mammo_prep-VERSION-py3-none-linux_x86_64.whl holding

    mammo_prep/*.py              the package as in python/mammo_prep (nothing else of it)
    mammo_prep/libmammo_prep.so  the C ABI (RUNPATH $ORIGIN)
    mammo_prep/libcharls.so.2    CharLS 2: dlopen'ed by name, so found through the RUNPATH of the
                                 object that calls dlopen (libmammo_prep.so, the binary); auditwheel
                                 only bundles DT_NEEDED libraries
    mammo_prep/bin/mammo-prep    the CLI binary (RUNPATH $ORIGIN/..)
    _mammo_prep_cli.py           the `mammo-prep` console entry point: execs that binary
                                 (python/wheel/_mammo_prep_cli.py)

with the metadata of python/pyproject.toml. The tag is py3-none-<platform>: the package is pure
Python over ctypes, so one wheel serves every Python 3 (>= requires-python). The binaries are
copied, stripped and given their RUNPATH here (the build's own files are left alone); auditwheel then
adds the bundled libraries' folder to those RUNPATHs and keeps the $ORIGIN entries (they point
inside the wheel).
"""
from __future__ import annotations

import argparse
import base64
import hashlib
import shutil
import subprocess
import sys
import tempfile
import tomllib
import zipfile
from pathlib import Path
from typing import Optional

HERE = Path(__file__).resolve().parent
PYTHON = HERE.parent                      # python/: pyproject.toml, README.md, mammo_prep/
ZIP_DATE = (1980, 1, 1, 0, 0, 0)          # fixed entry dates: the same inputs give the same bytes


def metadata(project: dict, readme: str) -> str:
    lines = ["Metadata-Version: 2.1", f"Name: {project['name']}", f"Version: {project['version']}"]
    if "description" in project:
        lines.append(f"Summary: {project['description']}")
    if "requires-python" in project:
        lines.append(f"Requires-Python: {project['requires-python']}")
    lines += [f"Requires-Dist: {d}" for d in project.get("dependencies", [])]
    for extra, deps in sorted(project.get("optional-dependencies", {}).items()):
        lines.append(f"Provides-Extra: {extra}")
        lines += [f'Requires-Dist: {d}; extra == "{extra}"' for d in deps]
    lines.append("Description-Content-Type: text/markdown")
    return "\n".join(lines) + "\n\n" + readme


def staged_binary(src: Path, dest: Path, rpath: Optional[str], patchelf: str) -> None:
    dest.parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(src, dest)
    subprocess.run(["strip", "--strip-unneeded", str(dest)], check=True)
    if rpath is not None:
        subprocess.run([patchelf, "--set-rpath", rpath, str(dest)], check=True)
    dest.chmod(0o755)


def record_hash(data: bytes) -> str:
    return "sha256=" + base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=").decode()


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--lib", type=Path, required=True, help="libmammo_prep.so of the release build")
    ap.add_argument("--cli", type=Path, required=True, help="mammo-prep binary of the release build")
    ap.add_argument("--charls", type=Path, required=True, help="the system's libcharls.so.2")
    ap.add_argument("--out", type=Path, required=True, help="folder of the wheel")
    ap.add_argument("--platform", default="linux_x86_64")
    ap.add_argument("--patchelf", default="patchelf")
    args = ap.parse_args()

    project = tomllib.loads((PYTHON / "pyproject.toml").read_text())["project"]
    name, version = project["name"], project["version"]
    package = PYTHON / "mammo_prep"
    dist_info = f"{name}-{version}.dist-info"

    with tempfile.TemporaryDirectory() as tmp:
        stage = Path(tmp)
        files: dict[str, Path] = {}
        for src in sorted(package.glob("*.py")):
            files[f"mammo_prep/{src.name}"] = src
        files["_mammo_prep_cli.py"] = HERE / "_mammo_prep_cli.py"
        for rel, src, rpath in [("mammo_prep/libmammo_prep.so", args.lib, "$ORIGIN"),
                                ("mammo_prep/libcharls.so.2", args.charls, None),
                                ("mammo_prep/bin/mammo-prep", args.cli, "$ORIGIN/..")]:
            staged_binary(src.resolve(), stage / rel, rpath, args.patchelf)
            files[rel] = stage / rel

        texts = {
            f"{dist_info}/METADATA": metadata(project, (PYTHON / project.get("readme", "README.md")).read_text()),
            f"{dist_info}/WHEEL": "Wheel-Version: 1.0\nGenerator: mammo-prep make_wheel.py\n"
                                  f"Root-Is-Purelib: false\nTag: py3-none-{args.platform}\n",
            f"{dist_info}/entry_points.txt": "[console_scripts]\nmammo-prep = _mammo_prep_cli:main\n",
            f"{dist_info}/top_level.txt": "_mammo_prep_cli\nmammo_prep\n",
        }

        args.out.mkdir(parents=True, exist_ok=True)
        wheel = args.out / f"{name}-{version}-py3-none-{args.platform}.whl"
        record = []
        with zipfile.ZipFile(wheel, "w", zipfile.ZIP_DEFLATED) as z:
            def add(rel: str, data: bytes, mode: int) -> None:
                info = zipfile.ZipInfo(rel, ZIP_DATE)
                info.external_attr = (0o100000 | mode) << 16
                info.compress_type = zipfile.ZIP_DEFLATED
                z.writestr(info, data)
                record.append(f"{rel},{record_hash(data)},{len(data)}")

            for rel, src in files.items():
                add(rel, src.read_bytes(), 0o755 if src.stat().st_mode & 0o111 else 0o644)
            for rel, text in texts.items():
                add(rel, text.encode(), 0o644)
            record.append(f"{dist_info}/RECORD,,")
            info = zipfile.ZipInfo(f"{dist_info}/RECORD", ZIP_DATE)
            info.external_attr = (0o100000 | 0o644) << 16
            z.writestr(info, "\n".join(record) + "\n", zipfile.ZIP_DEFLATED)
    print(wheel)
    return 0


if __name__ == "__main__":
    sys.exit(main())
