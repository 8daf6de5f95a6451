// RUN: coco-opt %s --split-input-file --coco-promote-loop-accumulators | FileCheck %s

// A norm's loop fused with the update that produces its operand (as
// convert-linalg-to-loops lowers coco-fuse-elementwise's loop): the sum is
// carried by the loop, loaded once before it and stored once after it.
// CHECK-LABEL: func @fused_norm
// CHECK: %[[ACC:.*]] = memref.alloc() : memref<f64>
// CHECK: memref.store %{{.*}}, %[[ACC]][]
// CHECK: %[[FIRST:.*]] = memref.load %[[ACC]][] : memref<f64>
// CHECK: %[[SUM:.*]] = scf.for %{{.*}} = %{{.*}} to %{{.*}} step %{{.*}} iter_args(%[[RUNNING:.*]] = %[[FIRST]]) -> (f64) {
// CHECK-NOT: memref.load %[[ACC]]
// CHECK: memref.store %{{.*}}, %arg1[%{{.*}}] : memref<16xf32>
// CHECK: %[[NEXT:.*]] = arith.addf %[[RUNNING]], %{{.*}} fastmath<reassoc> : f64
// CHECK-NOT: memref.store %{{.*}}, %[[ACC]]
// CHECK: scf.yield %[[NEXT]] : f64
// CHECK: }
// CHECK: memref.store %[[SUM]], %[[ACC]][] : memref<f64>
// CHECK: memref.load %[[ACC]][]
// CHECK: memref.dealloc %[[ACC]]
func.func @fused_norm(%x: memref<16xf32>, %u: memref<16xf32>) -> f64 {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c16 = arith.constant 16 : index
  %zero = arith.constant 0.0 : f64
  %acc = memref.alloc() : memref<f64>
  memref.store %zero, %acc[] : memref<f64>
  scf.for %i = %c0 to %c16 step %c1 {
    %a = memref.load %x[%i] : memref<16xf32>
    %old = memref.load %acc[] : memref<f64>
    %n = arith.negf %a : f32
    memref.store %n, %u[%i] : memref<16xf32>
    %sq = arith.mulf %n, %n : f32
    %w = arith.extf %sq : f32 to f64
    %s = arith.addf %old, %w fastmath<reassoc> : f64
    memref.store %s, %acc[] : memref<f64>
  }
  %r = memref.load %acc[] : memref<f64>
  memref.dealloc %acc : memref<f64>
  return %r : f64
}

// -----

// A reduction over two dims: the inner loop carries the sum, then the
// outer one (its body loads and stores it once, around the inner loop).
// Two accumulators of one loop are both carried.
// CHECK-LABEL: func @nested_and_two
// CHECK: %[[A0:.*]] = memref.load %[[A:.*]][] : memref<f32>
// CHECK: %[[B0:.*]] = memref.load %[[B:.*]][] : memref<f32>
// CHECK: %[[OUT:.*]]:2 = scf.for %{{.*}} iter_args(%[[RA:.*]] = %[[A0]], %[[RB:.*]] = %[[B0]]) -> (f32, f32) {
// CHECK: %[[IN:.*]]:2 = scf.for %{{.*}} iter_args(%[[IA:.*]] = %[[RA]], %[[IB:.*]] = %[[RB]]) -> (f32, f32) {
// CHECK: arith.addf %[[IA]]
// CHECK: arith.maximumf %[[IB]]
// CHECK: scf.yield
// CHECK: scf.yield %[[IN]]#0, %[[IN]]#1 : f32, f32
// CHECK: memref.store %[[OUT]]#0, %[[A]][]
// CHECK: memref.store %[[OUT]]#1, %[[B]][]
func.func @nested_and_two(%x: memref<4x8xf32>) -> (f32, f32) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c4 = arith.constant 4 : index
  %c8 = arith.constant 8 : index
  %zero = arith.constant 0.0 : f32
  %a = memref.alloca() : memref<f32>
  %b = memref.alloc() : memref<f32>
  memref.store %zero, %a[] : memref<f32>
  memref.store %zero, %b[] : memref<f32>
  scf.for %i = %c0 to %c4 step %c1 {
    scf.for %j = %c0 to %c8 step %c1 {
      %v = memref.load %x[%i, %j] : memref<4x8xf32>
      %oa = memref.load %a[] : memref<f32>
      %ob = memref.load %b[] : memref<f32>
      %sa = arith.addf %oa, %v : f32
      %sb = arith.maximumf %ob, %v : f32
      memref.store %sa, %a[] : memref<f32>
      memref.store %sb, %b[] : memref<f32>
    }
  }
  %ra = memref.load %a[] : memref<f32>
  %rb = memref.load %b[] : memref<f32>
  memref.dealloc %b : memref<f32>
  return %ra, %rb : f32, f32
}

// -----

// Left in memory: a buffer the function receives (another argument may be
// it), a buffer with a view (the view may be accessed in the loop) or cast
// to an LLVM struct (as convert-coco-to-llvm passes a collective's buffer),
// a buffer stored twice or stored before it is loaded in the loop, one
// accessed inside a nested region of the body, and one made in the body
// (no value of it before the loop).
// CHECK-LABEL: func @left_alone
// CHECK-NOT: iter_args
// CHECK: return
func.func @left_alone(%arg: memref<f32>, %x: memref<16xf32>, %c: i1) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c16 = arith.constant 16 : index
  scf.for %i = %c0 to %c16 step %c1 {
    %v = memref.load %x[%i] : memref<16xf32>
    %o = memref.load %arg[] : memref<f32>
    %s = arith.addf %o, %v : f32
    memref.store %s, %arg[] : memref<f32>
  }
  %viewed = memref.alloc() : memref<f32>
  %cast = memref.cast %viewed : memref<f32> to memref<f32>
  scf.for %i = %c0 to %c16 step %c1 {
    %v = memref.load %x[%i] : memref<16xf32>
    %o = memref.load %viewed[] : memref<f32>
    %s = arith.addf %o, %v : f32
    memref.store %s, %viewed[] : memref<f32>
    memref.store %s, %cast[] : memref<f32>
  }
  %twice = memref.alloc() : memref<f32>
  scf.for %i = %c0 to %c16 step %c1 {
    %v = memref.load %x[%i] : memref<16xf32>
    %o = memref.load %twice[] : memref<f32>
    memref.store %v, %twice[] : memref<f32>
    %s = arith.addf %o, %v : f32
    memref.store %s, %twice[] : memref<f32>
  }
  %first = memref.alloc() : memref<f32>
  scf.for %i = %c0 to %c16 step %c1 {
    %v = memref.load %x[%i] : memref<16xf32>
    memref.store %v, %first[] : memref<f32>
    %o = memref.load %first[] : memref<f32>
    %s = arith.addf %o, %v : f32
    memref.store %s, %x[%i] : memref<16xf32>
  }
  %nested = memref.alloc() : memref<f32>
  scf.for %i = %c0 to %c16 step %c1 {
    %v = memref.load %x[%i] : memref<16xf32>
    %o = memref.load %nested[] : memref<f32>
    %s = arith.addf %o, %v : f32
    scf.if %c {
      memref.store %s, %nested[] : memref<f32>
    }
  }
  %passed = memref.alloc() : memref<f32>
  %desc = builtin.unrealized_conversion_cast %passed : memref<f32> to !llvm.struct<(ptr, ptr, i64)>
  func.call @consume(%desc) : (!llvm.struct<(ptr, ptr, i64)>) -> ()
  scf.for %i = %c0 to %c16 step %c1 {
    %v = memref.load %x[%i] : memref<16xf32>
    %o = memref.load %passed[] : memref<f32>
    %s = arith.addf %o, %v : f32
    memref.store %s, %passed[] : memref<f32>
  }
  scf.for %i = %c0 to %c16 step %c1 {
    %inside = memref.alloca() : memref<f32>
    %v = memref.load %x[%i] : memref<16xf32>
    %o = memref.load %inside[] : memref<f32>
    %s = arith.addf %o, %v : f32
    memref.store %s, %inside[] : memref<f32>
  }
  memref.dealloc %passed : memref<f32>
  memref.dealloc %viewed : memref<f32>
  memref.dealloc %twice : memref<f32>
  memref.dealloc %first : memref<f32>
  memref.dealloc %nested : memref<f32>
  return
}
func.func private @consume(!llvm.struct<(ptr, ptr, i64)>)

// When no loop changes, every analysis is kept (and the pass manager does
// not verify again): the CSE after the pass reuses the dominance the CSE
// before it computed; where a loop changed, it computes it again.
// RUN: awk '/^\/\/ -----/{n++} n==2' %s | coco-opt --pass-pipeline='builtin.module(func.func(cse,coco-promote-loop-accumulators,cse))' --mlir-timing --mlir-timing-display=tree -o /dev/null 2>&1 | FileCheck %s --check-prefix=KEPT
// RUN: awk '/^\/\/ -----/{n++} n==0' %s | coco-opt --pass-pipeline='builtin.module(func.func(cse,coco-promote-loop-accumulators,cse))' --mlir-timing --mlir-timing-display=tree -o /dev/null 2>&1 | FileCheck %s --check-prefix=RAN
// KEPT: {{  CSE$}}
// KEPT-NEXT: (A) DominanceInfo
// KEPT-NEXT: {{  CocoPromoteLoopAccumulatorsPass$}}
// KEPT-NEXT: {{  CSE$}}
// KEPT-NEXT: {{  Output$}}
// RAN: {{  CSE$}}
// RAN-NEXT: (A) DominanceInfo
// RAN-NEXT: {{  CocoPromoteLoopAccumulatorsPass$}}
// RAN-NEXT: {{  CSE$}}
// RAN-NEXT: (A) DominanceInfo
