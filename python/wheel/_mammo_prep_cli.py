"""The ``mammo-prep`` command of the wheel (its console entry point): replaces this process with the
CLI binary bundled in the package (``mammo_prep/bin/mammo-prep``), so that arguments, standard
streams, signals and the exit status are the binary's own. A top-level module beside the package,
not inside it: importing ``mammo_prep`` would import numpy first (~0.15 s per command). Only in the
wheel (python/wheel/, scripts/build-wheel.sh); a source checkout runs the binary of `swift build`.
"""
import os
import sys


def main() -> None:
    exe = os.path.join(os.path.dirname(os.path.abspath(__file__)), "mammo_prep", "bin", "mammo-prep")
    if not os.access(exe, os.X_OK):
        sys.exit(f"mammo-prep: the bundled binary {exe} is missing or not executable")
    os.execv(exe, [exe, *sys.argv[1:]])


if __name__ == "__main__":
    main()
