// The CPU pipeline frees each temporary right after its last use
// (coco-free-after-last-use), so an optimizer step holds one parameter's
// reduced gradient at a time, not all of them until it returns; the
// end-of-function dealloc list that made the compile quadratic is gone.
// RUN: coco-opt %s --coco-lower-to-cpu | FileCheck %s
// Under overlap, a buffer still being reduced by a non-blocking all_reduce
// is freed only after its wait.
// RUN: coco-opt %S/../Integration/TensorParallel/layer.mlir --pass-pipeline='builtin.module(coco-lower-to-cpu{overlap-chunks=2})' | FileCheck %s --check-prefix=OVERLAPCHECK

// CHECK-LABEL: llvm.func @coco.fn.step
// CHECK: %[[G0:.*]] = llvm.call @_mlir_memref_to_llvm_alloc
// CHECK-NOT: @_mlir_memref_to_llvm_free
// CHECK: llvm.call @coco_rt_all_reduce
// CHECK-NOT: @_mlir_memref_to_llvm_free
// CHECK: llvm.cond_br
// CHECK-NOT: @_mlir_memref_to_llvm_free
// CHECK: llvm.fmul
// CHECK-NOT: @_mlir_memref_to_llvm_alloc
// CHECK: ^bb{{[0-9]+}}:
// CHECK-NEXT: llvm.call @_mlir_memref_to_llvm_free(%[[G0]])
// CHECK: %[[G1:.*]] = llvm.call @_mlir_memref_to_llvm_alloc
// CHECK-NOT: @_mlir_memref_to_llvm_free
// CHECK: llvm.call @coco_rt_all_reduce
// CHECK-NOT: @_mlir_memref_to_llvm_free
// CHECK: llvm.cond_br
// CHECK-NOT: @_mlir_memref_to_llvm_free
// CHECK: llvm.fmul
// CHECK: ^bb{{[0-9]+}}:
// CHECK-NEXT: llvm.call @_mlir_memref_to_llvm_free(%[[G1]])
// CHECK-NOT: @_mlir_memref_to_llvm_free
// CHECK: llvm.return
coco.grid @dp(shape = [?])
!Rep = !coco.dtensor<16xf32, replicated on @dp>
!Loc = !coco.dtensor<16xf32, local on @dp>
func.func @step(%lr: f32 {coco.name = "lr", coco.value = 0.1 : f32},
                %w0: !Rep {coco.name = "w0"}, %g0: !Loc {coco.name = "g0"},
                %m0: !Rep {coco.name = "m0"},
                %w1: !Rep {coco.name = "w1"}, %g1: !Loc {coco.name = "g1"},
                %m1: !Rep {coco.name = "m1"}) {
  %b = arith.constant 0.9 : f32
  %s0 = coco.all_reduce sum %g0 : !Loc
  %a0 = coco.mul %m0, %b : !Rep, f32
  %c0 = coco.add %a0, %s0 : !Rep, !Rep
  %d0 = coco.mul %c0, %lr : !Rep, f32
  %e0 = coco.sub %w0, %d0 : !Rep, !Rep
  coco.update %w0, %e0 : !Rep
  coco.update %m0, %c0 : !Rep
  %s1 = coco.all_reduce sum %g1 : !Loc
  %a1 = coco.mul %m1, %b : !Rep, f32
  %c1 = coco.add %a1, %s1 : !Rep, !Rep
  %d1 = coco.mul %c1, %lr : !Rep, f32
  %e1 = coco.sub %w1, %d1 : !Rep, !Rep
  coco.update %w1, %e1 : !Rep
  coco.update %m1, %c1 : !Rep
  return
}

// OVERLAPCHECK-LABEL: llvm.func @coco.fn.layer
// OVERLAPCHECK: %[[PARTIAL:.*]] = llvm.call @_mlir_memref_to_llvm_alloc
// OVERLAPCHECK-NOT: llvm.call @_mlir_memref_to_llvm_free(%[[PARTIAL]])
// OVERLAPCHECK: llvm.call @coco_rt_iall_reduce
// OVERLAPCHECK-NOT: llvm.call @_mlir_memref_to_llvm_free(%[[PARTIAL]])
// OVERLAPCHECK: llvm.call @coco_rt_iall_reduce
// OVERLAPCHECK-NEXT: llvm.call @coco_rt_wait
// OVERLAPCHECK-NEXT: llvm.call @coco_rt_wait
// OVERLAPCHECK-NEXT: llvm.call @_mlir_memref_to_llvm_free(%[[PARTIAL]])
