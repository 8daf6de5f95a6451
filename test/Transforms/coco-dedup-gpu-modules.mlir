// RUN: coco-opt %s --coco-dedup-gpu-modules | FileCheck %s
// RUN: coco-opt %s --coco-dedup-gpu-modules --mlir-elide-elementsattrs-if-larger=1 | FileCheck %s --check-prefix=ELIDE
// Printing options never change which modules are equal:
// RUN: coco-opt %s --coco-dedup-gpu-modules --mlir-print-skip-regions --emit-bytecode | coco-opt | FileCheck %s --check-prefix=SKIP
// RUN: coco-opt %s --coco-dedup-gpu-modules --mlir-print-debuginfo | FileCheck %s --check-prefix=DEBUG

// Outlining made one module per launch. @k_0 is @k again (locations and
// value names aside): its launch goes to @k and it is erased. @k_1 differs
// in one constant, @k_2 only in a module attribute: both stay. Elided
// constants (printing options) never make two modules compare equal. The
// modules kept move to the top, in their order, before the globals and
// functions: a symbol lookup scans the module from the top.
// CHECK: module attributes {gpu.container_module} {
// CHECK-NEXT: gpu.module @k {
// CHECK-NOT: gpu.module @k_0
// CHECK: gpu.module @k_1 {
// CHECK: gpu.module @k_2 attributes {note = "other"} {
// CHECK-NOT: gpu.module
// CHECK: llvm.mlir.global internal constant @__coco_sites
// CHECK-LABEL: func @step
// CHECK: %{{.*}} = arith.constant 1 : index
// CHECK-NEXT: gpu.launch_func @k::@k blocks
// CHECK-NEXT: gpu.launch_func @k::@k blocks
// CHECK-NEXT: gpu.launch_func @k_1::@k blocks
// CHECK-NEXT: gpu.launch_func @k_2::@k blocks
// CHECK-NEXT: gpu.launch_func @k::@k blocks
// ELIDE: gpu.module @k_1 {
// SKIP: gpu.launch_func @k_1::@k
// SKIP: gpu.launch_func @k_2::@k
// DEBUG-NOT: gpu.module @k_0
// DEBUG: gpu.module @k_1
module attributes {gpu.container_module} {
  llvm.mlir.global internal constant @__coco_sites("coco.all_reduce at here:1:1\00") {addr_space = 0 : i32}
  func.func @step(%m: memref<8xf32>) {
    %c1 = arith.constant 1 : index
    gpu.launch_func @k::@k blocks in (%c1, %c1, %c1) threads in (%c1, %c1, %c1) args(%m : memref<8xf32>)
    gpu.launch_func @k_0::@k blocks in (%c1, %c1, %c1) threads in (%c1, %c1, %c1) args(%m : memref<8xf32>)
    gpu.launch_func @k_1::@k blocks in (%c1, %c1, %c1) threads in (%c1, %c1, %c1) args(%m : memref<8xf32>)
    gpu.launch_func @k_2::@k blocks in (%c1, %c1, %c1) threads in (%c1, %c1, %c1) args(%m : memref<8xf32>)
    gpu.launch_func @k_0::@k blocks in (%c1, %c1, %c1) threads in (%c1, %c1, %c1) args(%m : memref<8xf32>)
    return
  }
  gpu.module @k {
    gpu.func @k(%a: memref<8xf32>) kernel {
      %c = arith.constant dense<[1.0, 2.0]> : vector<2xf32>
      %i = gpu.thread_id x
      %v = arith.constant 2.0 : f32
      memref.store %v, %a[%i] : memref<8xf32>
      gpu.return
    }
  }
  gpu.module @k_0 {
    gpu.func @k(%arg0: memref<8xf32>) kernel {
      %cst = arith.constant dense<[1.0, 2.0]> : vector<2xf32> loc("elsewhere":3:4)
      %0 = gpu.thread_id x
      %1 = arith.constant 2.0 : f32
      memref.store %1, %arg0[%0] : memref<8xf32>
      gpu.return
    }
  }
  gpu.module @k_1 {
    gpu.func @k(%a: memref<8xf32>) kernel {
      %c = arith.constant dense<[1.0, 3.0]> : vector<2xf32>
      %i = gpu.thread_id x
      %v = arith.constant 2.0 : f32
      memref.store %v, %a[%i] : memref<8xf32>
      gpu.return
    }
  }
  gpu.module @k_2 attributes {note = "other"} {
    gpu.func @k(%a: memref<8xf32>) kernel {
      %c = arith.constant dense<[1.0, 2.0]> : vector<2xf32>
      %i = gpu.thread_id x
      %v = arith.constant 2.0 : f32
      memref.store %v, %a[%i] : memref<8xf32>
      gpu.return
    }
  }
}
