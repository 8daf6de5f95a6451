// RUN: coco-opt %s --split-input-file -verify-diagnostics --coco-lower-to-cpu -o /dev/null
// RUN: coco-opt %s --split-input-file -verify-diagnostics "--coco-lower-to-cpu=schedule=auto profile=%S/../Dialect/Coco/Transforms/Inputs/memory-bound.json ranks=2" -o /dev/null
// RUN: not coco-opt %s --split-input-file --coco-lower-to-cpu 2>/dev/null | FileCheck %s --check-prefix=KEPT

// coco-lower-to-cpu has no lowering for the GPU dialect's ops (kernels,
// launches, ...): its first pass (coco-check-cpu-options) refuses them at
// the op, before coco-autoschedule too. A gpu.module's matmul failed in linalg's verifier
// ("expected add/mul op in the body", its body already LLVM ops), an empty
// gpu.launch was dropped with exit 0, a coco.grid in a gpu.module was left
// in the output.

module attributes {gpu.container_module} {
  // expected-error @+1 {{coco-lower-to-cpu lowers coco programs for the CPU: 'gpu.module', an op of the GPU dialect, has no lowering there (GPU kernels come from coco-lower-to-gpu, which makes them from the coco program itself)}}
  gpu.module @kernels {
    gpu.func @k(%x: memref<4x4xf32>, %y: memref<4x4xf32>, %z: memref<4x4xf32>) kernel {
      linalg.matmul ins(%x, %y : memref<4x4xf32>, memref<4x4xf32>) outs(%z : memref<4x4xf32>)
      gpu.return
    }
  }
  func.func @host() {
    return
  }
}

// -----

func.func @launch(%a: memref<4xf32>) {
  %c1 = arith.constant 1 : index
  // expected-error @+1 {{coco-lower-to-cpu lowers coco programs for the CPU: 'gpu.launch', an op of the GPU dialect}}
  gpu.launch blocks(%bx, %by, %bz) in (%x = %c1, %y = %c1, %z = %c1) threads(%tx, %ty, %tz) in (%u = %c1, %v = %c1, %w = %c1) {
    gpu.terminator
  }
  return
}

// -----

module attributes {gpu.container_module} {
  // expected-error @+1 {{coco-lower-to-cpu lowers coco programs for the CPU: 'gpu.module', an op of the GPU dialect}}
  gpu.module @kernels {
    coco.grid @dp(shape = [2])
  }
  func.func @host() {
    return
  }
}

// -----

// Not refused: an empty gpu.module (nothing to lower), and a nested module,
// a program of its own the pipeline leaves as it is (without coco ops; one
// with them is refused in coco-localize, Dialect/Coco/Transforms/
// nested-modules.mlir).
// KEPT-LABEL: module attributes {gpu.container_module}
// KEPT: gpu.module @empty
// KEPT: module @device
// KEPT-NEXT: gpu.module @kernels
// KEPT-NEXT: gpu.func @k
// KEPT: llvm.func @coco.fn.host
module attributes {gpu.container_module} {
  gpu.module @empty {
  }
  module @device attributes {gpu.container_module} {
    gpu.module @kernels {
      gpu.func @k() kernel {
        gpu.return
      }
    }
  }
  func.func @host() {
    return
  }
}
