#!/usr/bin/env bash
# Builds the runtime and its GoogleTests with AddressSanitizer and
# UndefinedBehaviorSanitizer (LLVM's LLVM_USE_SANITIZER, in build-sanitize/)
# and runs them on 1 to 4 MPI ranks. Any report fails the run: the runtime
# does pointer and MPI buffer arithmetic. Leak checking is off, because
# OpenMPI keeps allocations until exit.
set -euo pipefail
cd "$(dirname "$0")/../.."
dir=build-sanitize
if [ ! -f "$dir/build.ninja" ]; then
  cmake -G Ninja -S . -B "$dir" \
    -DMLIR_DIR=/usr/lib/llvm-22/lib/cmake/mlir \
    -DLLVM_EXTERNAL_LIT=/usr/lib/llvm-22/bin/lit \
    -DCMAKE_BUILD_TYPE=RelWithDebInfo -DLLVM_USE_LINKER=lld \
    -DLLVM_USE_SANITIZER="Address;Undefined" -DCOCO_ENABLE_GPU=OFF \
    -DCOCO_WERROR=ON >/dev/null
fi
ninja -C "$dir" -j"${COCO_JOBS:-2}" CocoRuntimeTests
export ASAN_OPTIONS=detect_leaks=0:abort_on_error=1
export UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1 COCO_TIMEOUT_S=120
for ranks in 1 2 3 4; do
  log=$(mktemp)
  if ! mpirun --allow-run-as-root --oversubscribe --mca btl self,vader -np "$ranks" \
      "$dir/test/unittests/Runtime/CocoRuntimeTests" --gtest_color=no >"$log" 2>&1 ||
     grep -qE "ERROR: AddressSanitizer|runtime error:" "$log"; then
    cat "$log"
    echo "sanitize: the runtime tests failed on $ranks rank(s) under ASan+UBSan" >&2
    rm -f "$log"
    exit 1
  fi
  tests=$(grep -oE "\[  PASSED  \] [0-9]+ tests" "$log" | head -1 || true)
  echo "sanitize: $ranks rank(s): ${tests:-?} under ASan+UBSan, no report"
  rm -f "$log"
done
