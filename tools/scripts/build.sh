#!/usr/bin/env bash
# Configures and builds coco in ./build (Release, ninja, lld).
set -euo pipefail
cd "$(dirname "$0")/../.."
if [ ! -f build/build.ninja ]; then
  cmake -G Ninja -S . -B build \
    -DMLIR_DIR=/usr/lib/llvm-22/lib/cmake/mlir \
    -DLLVM_EXTERNAL_LIT=/usr/lib/llvm-22/bin/lit \
    -DCMAKE_BUILD_TYPE=Release -DLLVM_USE_LINKER=lld -DCOCO_WERROR=ON >/dev/null
fi
ninja -C build -j"${COCO_JOBS:-2}" "$@"
