#!/usr/bin/env bash
# Installs what coco needs on Debian 12 (LLVM/MLIR 22, OpenMPI, GoogleTest,
# OpenBLAS, build tools, numpy, ml_dtypes). Safe to re-run: installs only what is missing.
set -euo pipefail

packages=(libmlir-22-dev mlir-22-tools llvm-22-dev llvm-22-tools libzstd-dev cmake ninja-build
          lld g++ libgtest-dev libopenmpi-dev openmpi-bin libopenblas-dev clang-format-22 python3)
missing=()
for p in "${packages[@]}"; do
  dpkg -s "$p" >/dev/null 2>&1 || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  sudo=""
  [ "$(id -u)" -ne 0 ] && sudo="sudo"
  echo "install-deps: installing ${missing[*]}"
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

# ml_dtypes: numpy's bfloat16, which in-process calls on bf16 tensors take.
if ! python3 -c "import numpy, pytest, ml_dtypes" >/dev/null 2>&1; then
  echo "install-deps: installing numpy, pytest, ml_dtypes"
  python3 -m pip install -q numpy pytest ml_dtypes 2>/dev/null ||
    python3 -m pip install -q --break-system-packages numpy pytest ml_dtypes
fi
