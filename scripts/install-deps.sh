#!/usr/bin/env bash
# Installs the system packages mammo-prep needs on Debian 12 (idempotent: installs only what is
# missing; runs `apt-get update` first when it installs anything; uses sudo when not root).
#   scripts/install-deps.sh              build + run (DCMTK, libtiff, OpenJPEG, CharLS, OpenJPH, libpng, Python venv)
#   scripts/install-deps.sh --fixtures   also the tools that regenerate Fixtures/ and benchmark inputs
#   scripts/install-deps.sh --torch      also Debian's PyTorch (python3-torch, CPU, and python3-torchvision, with Debian's numpy
#                                        1.24), for the Python package's tests and the DataLoader benchmark
#   scripts/install-deps.sh --slurm      also Slurm and MUNGE, for scripts/test-slurm.sh's one-node cluster
# (flags combine; recommended packages are never installed)
set -euo pipefail

packages=(pkg-config libdcmtk-dev libtiff-dev libopenjp2-7-dev libcharls-dev libopenjph-dev libpng-dev zlib1g-dev python3 python3-venv)
for flag in "$@"; do
    case "$flag" in
        --fixtures) packages+=(dcmtk libopenjp2-tools openjph-tools libtiff-tools) ;;
        --torch) packages+=(python3-torch python3-torchvision python3-numpy) ;;
        --slurm) packages+=(slurm-wlm munge) ;;
        *) echo "install-deps: unknown option $flag (use --fixtures, --torch, --slurm)" >&2; exit 2 ;;
    esac
done

missing=()
for p in "${packages[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done

if (( ${#missing[@]} > 0 )); then
    sudo=""
    if [[ $(id -u) -ne 0 ]]; then sudo="sudo"; fi
    echo "install-deps: installing ${missing[*]}" >&2
    $sudo apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

if ! command -v swift >/dev/null 2>&1; then
    echo "install-deps: the Swift toolchain (6.0 or later) is not on PATH; install it from swift.org first" >&2
    exit 2
fi
