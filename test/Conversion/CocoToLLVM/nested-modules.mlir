// RUN: coco-opt %s --convert-coco-to-llvm --split-input-file -verify-diagnostics | FileCheck %s
// RUN: coco-opt %s --split-input-file --pass-pipeline='builtin.module(builtin.module(convert-coco-to-llvm))' | FileCheck %s --check-prefix=ANCHORED

// The runtime's declarations and the site strings go into the module the
// pass runs on. A nested module's collectives (and library matmuls) would
// refer to them from a symbol table that cannot see them: the pass says
// where to anchor it instead.

module @outer {
  // expected-error @+1 {{convert-coco-to-llvm works on the functions of the module it runs on; this nested module's coco ops are not reached: anchor the pass or pipeline on this module}}
  module @inner {
    coco.grid @dp(shape = [?])
    func.func @nested(%a: memref<16xf32>, %b: memref<16xf32>, %x: memref<4x4xf32>, %y: memref<4x4xf32>, %z: memref<4x4xf32>) {
      coco.comm.all_reduce sum %a into %b on @dp[0] : memref<16xf32>, memref<16xf32>
      linalg.matmul ins(%x, %y : memref<4x4xf32>, memref<4x4xf32>) outs(%z : memref<4x4xf32>)
      return
    }
  }
}

// Anchored on the nested module, it lowers there: declarations, sites and
// calls all in that module.
// ANCHORED-LABEL: module @inner
// ANCHORED-DAG: llvm.mlir.global internal constant @__coco_sites
// ANCHORED-DAG: llvm.func @coco_rt_all_reduce
// ANCHORED-DAG: llvm.func @coco_rt_matmul
// ANCHORED: func.func @nested
// ANCHORED: llvm.mlir.addressof @__coco_sites
// ANCHORED: llvm.call @coco_rt_all_reduce
// ANCHORED: llvm.call @coco_rt_matmul
// ANCHORED-NOT: coco.comm.
// ANCHORED-NOT: linalg.matmul ins

// -----

// A nested module's matmul, with no coco op beside it, is not coco's: it
// stays linalg for whatever lowers that module, and the outer module gets
// no runtime declaration.
// ANCHORED-LABEL: module @plain
// CHECK-LABEL: module @outer
// CHECK-NOT: llvm.func @coco_rt_matmul
// CHECK: module @plain
// CHECK: linalg.matmul
// CHECK-NOT: llvm.call
module @outer {
  module @plain {
    func.func @nested_matmul(%x: memref<4x4xf32>, %y: memref<4x4xf32>, %z: memref<4x4xf32>) {
      linalg.matmul ins(%x, %y : memref<4x4xf32>, memref<4x4xf32>) outs(%z : memref<4x4xf32>)
      return
    }
  }
}

// -----

// Other symbol tables hold no coco op: a gpu.module's collective (its
// declarations would land in the outer module) or grid (it was left in the
// output: only the module's own grids are erased) is an error at the first
// one (a collective needs its grid in its own symbol table, so that is the
// grid)...
module {
  gpu.module @kernels {
    // expected-error @+1 {{'coco.grid' op is inside a 'gpu.module', a symbol table of its own: convert-coco-to-llvm lowers the coco ops of the module it runs on (and erases that module's grids)}}
    coco.grid @dp(shape = [?])
    func.func @f(%a: memref<16xf32>, %b: memref<16xf32>) {
      coco.comm.all_reduce sum %a into %b on @dp[0] : memref<16xf32>, memref<16xf32>
      return
    }
  }
}

// -----

// ... a grid alone there too.
module {
  gpu.module @kernels {
    // expected-error @+1 {{'coco.grid' op is inside a 'gpu.module', a symbol table of its own: convert-coco-to-llvm lowers the coco ops of the module it runs on (and erases that module's grids)}}
    coco.grid @dp(shape = [2])
  }
}

// -----

// ... and a kernel's matmul stays linalg (a BLAS call there would name the
// outer module's declaration from inside the gpu.module).
// CHECK-LABEL: gpu.module @kernels
// CHECK: gpu.func @k
// CHECK-NEXT: linalg.matmul
module {
  func.func @host() {
    return
  }
  gpu.module @kernels {
    gpu.func @k(%x: memref<4x4xf32>, %y: memref<4x4xf32>, %z: memref<4x4xf32>) kernel {
      linalg.matmul ins(%x, %y : memref<4x4xf32>, memref<4x4xf32>) outs(%z : memref<4x4xf32>)
      gpu.return
    }
  }
}
