#!/usr/bin/env bash
# The main job: installs what is missing, builds coco, compiles the
# data-parallel Adam step (test/Integration/DataParallel/adam.mlir) to a
# native MPI program and runs it on 2 ranks.
set -euo pipefail
cd "$(dirname "$0")/../.."
bash tools/scripts/install-deps.sh
bash tools/scripts/build.sh coco-opt coco-translate CocoRuntime CocoHost

export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1
mkdir -p build/demo
echo "== compiling the Adam step (global view: all_reduce + replicated update)"
build/bin/coco-compile test/Integration/DataParallel/adam.mlir -o build/demo/adam_step --explain
echo "== running it on 2 MPI ranks (random inputs from a fixed seed)"
mpirun --oversubscribe -np 2 build/demo/adam_step --iters 5 --set step=1
