// RUN: coco-opt %s --coco-lower-to-cpu | FileCheck %s
// RUN: coco-opt %s --coco-lower-to-cpu="fuse-elementwise=false" | FileCheck %s --check-prefix=UNFUSED

// The whole CPU lowering: only LLVM dialect remains, the collective is a
// runtime call, the public function has a C interface, and with elementwise
// fusion the three pointwise ops are one loop (one store per element),
// without it three loops.

coco.grid @dp(shape = [?])
!R = !coco.dtensor<1024xf32, replicated on @dp>
!L = !coco.dtensor<1024xf32, local on @dp>

// CHECK-NOT: {{(= |^ +)(coco|linalg|memref|tensor|bufferization)\.}}
// CHECK-LABEL: llvm.func @coco.fn.step
// CHECK: llvm.call @coco_rt_all_reduce
// CHECK: llvm.fmul
// CHECK-NEXT: llvm.fmul
// CHECK-NEXT: llvm.fsub
// CHECK-NEXT: llvm.getelementptr
// CHECK-NEXT: llvm.store %{{.*}} : f32, !llvm.ptr
// CHECK-NOT: llvm.store %{{.*}} : f32, !llvm.ptr
// CHECK: llvm.call @_mlir_memref_to_llvm_free
// CHECK-LABEL: llvm.func @_mlir_ciface_step
// CHECK: llvm.call @coco.fn.step

// UNFUSED-LABEL: llvm.func @coco.fn.step
// UNFUSED-COUNT-3: llvm.store %{{.*}} : f32, !llvm.ptr
func.func @step(%w: !R, %g: !L, %lr: f32) {
  %s = coco.all_reduce sum %g : !L
  %d = coco.mul %s, %lr : !R, f32
  %m = coco.mul %d, %d : !R, !R
  %wn = coco.sub %w, %m : !R, !R
  coco.update %w, %wn : !R
  return
}
