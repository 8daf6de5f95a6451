#!/usr/bin/env bash
# Builds, here, everything the lent GPU machine needs to run coco's GPU
# checks and benchmarks, into one folder (default: gpu-bundle/, ignored by
# git) to carry there: the lent machines have the NVIDIA driver, CUDA,
# NCCL and cuBLAS (Python wheels) and numpy/torch, but no MLIR, no compiler
# for coco programs and no MPI.
#
#   bash tools/scripts/gpu-bundle.sh [DIR]       # after the build (build.sh)
#   device run: bash gpu-bundle/run.sh            # carry: ["gpu-bundle"]
#
# Contents: bin/ the three optimizer steps built for the GPU, the GPU
# runtime's GoogleTest binary, the raw-collectives tool and one CPU program
# (a smoke test of the carried MPI); layer/ the tensor-parallel layer under
# every schedule; mixed/ the four mixed-precision steps under every unfused
# schedule; bench/ the benchmark programs (Adam and bf16 Adam at 16M..256M
# elements: one executable holds every schedule's own inputs, 16 bytes per
# element each, 12 entries, in managed memory, which must stay well under
# the GPU's 141 GB,
# the layer at B=2,4,8); lib/ libCocoRuntimeGPU and libCocoRuntime; ompi/
# Open MPI (orted, its components, help files) and the libraries it needs,
# relocated with OPAL_PREFIX; py/ and benchmarks/ the numpy checks (with the
# coco package, whose runner they use) and the benchmark driver; run.sh (tools/scripts/run-on-gpu.sh) runs it all.
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
OUT=$(mkdir -p "${1:-$ROOT/gpu-bundle}" && cd "${1:-$ROOT/gpu-bundle}" && pwd)
BUILD=$ROOT/build
# DIR is emptied first: never a folder that holds anything but a bundle.
case "$ROOT/" in "$OUT"/*) echo "gpu-bundle: $OUT holds the checkout; name a folder of its own" >&2; exit 2 ;; esac
if [ -n "$(ls -A "$OUT")" ] && [ ! -f "$OUT/run.sh" ]; then
  echo "gpu-bundle: $OUT is not empty and is no bundle (no run.sh): not emptying it" >&2
  exit 2
fi
export PATH=$BUILD/bin:$PATH
for need in coco-compile coco-raw-collectives-gpu coco-calibrate-gpu; do
  [ -x "$BUILD/bin/$need" ] || { echo "gpu-bundle: $BUILD/bin/$need is missing: build first (tools/scripts/build.sh all)" >&2; exit 1; }
done
[ -f "$BUILD/lib/libCocoRuntimeGPU.so" ] || { echo "gpu-bundle: no libCocoRuntimeGPU (CMake found no CUDA toolkit with NCCL)" >&2; exit 1; }

rm -rf "$OUT"
mkdir -p "$OUT"/{bin,lib,layer,mixed,bench,py,benchmarks,ompi,nd}

echo "gpu-bundle: programs"
for w in sgd adam lamb; do
  coco-compile --target=gpu "$ROOT/test/Integration/DataParallel/$w.mlir" -o "$OUT/bin/$w"
done
coco-compile "$ROOT/test/Integration/DataParallel/adam.mlir" -o "$OUT/bin/adam-cpu"
# The N-D workloads (2 x 2 and 2 x 2 x 2 grids, uneven blocks) build for the
# GPU too; running them needs 4 and 8 GPUs, one per rank.
for w in dp-tp pp-tp-dp; do
  coco-compile --target=gpu "$ROOT/test/Integration/NDParallel/$w.mlir" -o "$OUT/nd/$w"
done
coco-compile --target=gpu "$ROOT/test/Integration/NDParallel/hierarchical-adam.mlir" \
  --entry=adam_step --pre-pass=--coco-hierarchical-all-reduce=inner=1 -o "$OUT/nd/hierarchical-adam"
coco-compile --target=gpu "$ROOT/test/Integration/NDParallel/dp-tp.mlir" -o "$OUT/nd/dp-tp-scheduled" \
  --pre-pass=--coco-split=axes=0 --pre-pass=--coco-reorder=axes=0 \
  --pre-pass=--coco-shard-state=args=m,v
cp "$BUILD/test/unittests/Runtime/CocoRuntimeGPUTests" "$BUILD/bin/coco-raw-collectives-gpu" \
  "$BUILD/bin/coco-calibrate-gpu" "$OUT/bin/"
mkdir -p "$OUT/profiles" && cp "$ROOT"/tools/coco-calibrate/profiles/*.json "$OUT/profiles/"
python3 "$ROOT/test/Integration/lib/check_layer.py" "$ROOT/test/Integration/TensorParallel/layer.mlir" \
  1 "$OUT/layer" gpu build
# The mixed-precision steps (bf16/f16 kernels, NCCL's 16-bit reductions),
# every unfused schedule, checked against numpy by the same script as on CPUs.
for w in sgd-mixed adam-mixed adam-mixed-f16 lamb-mixed; do
  (cd "$ROOT/test/Integration/lib" && python3 check_mixed.py "../DataParallel/$w.mlir" 1 \
    "$OUT/mixed/$w" --target gpu --mode build >/dev/null)
  rm -f "$OUT/mixed/$w"/*-mixed-1.mlir
done
python3 "$ROOT/benchmarks/run_benchmarks.py" --target gpu --ranks 1 --sizes 16M,64M,256M \
  --workloads adam,adam-mixed --layer-batches 2,4,8 --build-only --keep "$OUT/bench" \
  --profile "$ROOT/tools/coco-calibrate/profiles/dgx-h200.json" >/dev/null
cp "$BUILD"/lib/libCocoRuntimeGPU.so* "$BUILD"/lib/libCocoRuntime.so* "$OUT/lib/"
cp "$ROOT"/test/Integration/lib/{coco_harness,reference,check_optimizer,check_layer,check_mixed,check_schedules}.py "$OUT/py/"
# The front end's runner (coco.runner), which the harness and the benchmark
# driver launch programs with.
mkdir -p "$OUT/py/coco" && cp "$ROOT"/python/coco/*.py "$OUT/py/coco/"
cp "$ROOT"/benchmarks/{run_benchmarks,torch_fused_adam}.py "$OUT/benchmarks/"
cp "$ROOT/tools/scripts/run-on-gpu.sh" "$OUT/run.sh"

echo "gpu-bundle: Open MPI"
# The packages' own files, at their paths under ompi/ (OPAL_PREFIX=ompi/usr).
# (From /: cp --parents looks the parent folders up relative to the cwd.)
for pkg in openmpi-bin libopenmpi3 openmpi-common libpmix2; do
  dpkg -L "$pkg" | while read -r f; do
    case "$f" in */man/*|*/doc/*|*/lintian/*|*java*) continue ;; esac
    if [ -f "$f" ] || [ -L "$f" ]; then (cd / && cp -a --parents "${f#/}" "$OUT/ompi"); fi
  done
done
# Every library those files and the programs load, except the C library's
# own, libstdc++/libgcc (on every Linux) and CUDA's (the GPU machine's).
SYSLIB=$OUT/ompi/usr/lib/x86_64-linux-gnu
deps=$(mktemp)
# (ldd fails on scripts among the executables: their lines are just absent.)
find "$OUT/ompi" "$OUT/bin" "$OUT/lib" "$OUT/layer" "$OUT/mixed" "$OUT/bench" -type f \
    \( -perm -u+x -o -name '*.so*' \) -print0 |
  { xargs -0 ldd 2>/dev/null || true; } | awk '/=> \//{print $3}' | sort -u >"$deps"
grep -vE '/(libc|libm|libdl|librt|libpthread|libresolv|ld-linux[^/]*|libstdc\+\+|libgcc_s|libcuda|libcudart|libcublas|libcublasLt|libnccl|libCocoRuntime[A-Z]*)\.so' "$deps" |
  grep -v "^$OUT/" | while read -r lib; do cp -L "$lib" "$SYSLIB/"; done || true
rm -f "$deps"

size=$(du -sb "$OUT" | cut -f1)
echo "gpu-bundle: $OUT, $((size >> 20)) MiB"
if [ "$size" -gt $((60 << 20)) ]; then
  echo "gpu-bundle: over 60 MiB: the device tool carries 64 MiB with the working tree" >&2
  exit 1
fi
