// RUN: coco-opt %s --coco-split --coco-reorder --coco-shard-state=args=m,v --coco-lower-to-cpu=fuse-reduce-scatter=true | FileCheck %s

// fuse(RS-C-AG) of an Adam step on a static 2-rank grid, down to LLVM: the
// reduce-scatter's data movement is an all_to_all that skips this rank's own
// block (skip_self = 1), and its reduction (the add of the received chunk and
// this rank's own chunk, read in place from g) happens inside the single loop
// that also updates m, v and w: one sweep over memory, three stores per
// element. Only w is gathered afterwards (m and v stay sharded).

// CHECK-LABEL: llvm.func @coco.fn.adam_step
// CHECK-SAME: %arg5: !llvm.ptr, %[[G:arg6]]: !llvm.ptr
// CHECK-NOT: @coco_rt_reduce_scatter
// CHECK-DAG: %[[SKIP:[0-9]+]] = llvm.mlir.constant(1 : i32) : i32
// CHECK-DAG: %[[RECV:[0-9]+]] = llvm.call @_mlir_memref_to_llvm_alloc
// CHECK: llvm.call @coco_rt_all_to_all(%{{[0-9]+}}, %{{[0-9]+}}, %{{[0-9]+}}, %{{[0-9]+}}, %{{[0-9]+}}, %[[SKIP]],
// CHECK: llvm.cond_br
// CHECK-NEXT: ^bb{{[0-9]+}}:  // pred: ^bb{{[0-9]+}}
// CHECK-NOT: ^bb
// CHECK: %[[PEER:.*]] = llvm.load
// CHECK-NOT: ^bb
// CHECK: llvm.getelementptr %[[G]][
// CHECK-NEXT: llvm.getelementptr
// CHECK-NEXT: %[[OWN:.*]] = llvm.load
// CHECK-NOT: ^bb
// CHECK: %[[SUM:.*]] = llvm.fadd %[[PEER]], %[[OWN]]
// CHECK-NOT: ^bb
// CHECK: llvm.intr.sqrt
// CHECK-NOT: ^bb
// CHECK-COUNT-3: llvm.store %{{.*}} : f32, !llvm.ptr
// CHECK-NEXT: llvm.add
// CHECK-NEXT: llvm.br ^bb
// CHECK: llvm.call @_mlir_memref_to_llvm_free(%[[RECV]])
// CHECK: llvm.call @coco_rt_all_gather
// CHECK-NOT: llvm.store %{{.*}} : f32, !llvm.ptr
// CHECK-LABEL: llvm.func @_mlir_ciface_adam_step


coco.grid @dp(shape = [2])

!Rep = !coco.dtensor<4096xf32, replicated on @dp>
!Loc = !coco.dtensor<4096xf32, local on @dp>

func.func @adam_step(%w: !Rep {coco.name = "w"},
                     %g: !Loc {coco.name = "g"},
                     %m: !Rep {coco.name = "m", coco.init = "Zeros"},
                     %v: !Rep {coco.name = "v", coco.init = "Zeros"},
                     %step: f32 {coco.name = "step", coco.value = 1.0 : f32},
                     %lr: f32 {coco.name = "lr", coco.value = 1.0e-3 : f32},
                     %b1: f32 {coco.name = "beta1", coco.value = 0.9 : f32},
                     %b2: f32 {coco.name = "beta2", coco.value = 0.999 : f32},
                     %eps: f32 {coco.name = "eps", coco.value = 1.0e-8 : f32}) {
  %one = arith.constant 1.0 : f32
  %gsum = coco.all_reduce sum %g : !Loc
  // m = b1*m + (1-b1)*g ; v = b2*v + (1-b2)*g*g
  %omb1 = arith.subf %one, %b1 : f32
  %omb2 = arith.subf %one, %b2 : f32
  %m1 = coco.mul %m, %b1 : !Rep, f32
  %m2 = coco.mul %gsum, %omb1 : !Rep, f32
  %mn = coco.add %m1, %m2 : !Rep, !Rep
  %v1 = coco.mul %v, %b2 : !Rep, f32
  %gg = coco.mul %gsum, %gsum : !Rep, !Rep
  %v2 = coco.mul %gg, %omb2 : !Rep, f32
  %vn = coco.add %v1, %v2 : !Rep, !Rep
  // Bias correction: 1 - b^t.
  %b1t = math.powf %b1, %step : f32
  %b2t = math.powf %b2, %step : f32
  %c1 = arith.subf %one, %b1t : f32
  %c2 = arith.subf %one, %b2t : f32
  %mhat = coco.div %mn, %c1 : !Rep, f32
  %vhat = coco.div %vn, %c2 : !Rep, f32
  // w = w - lr * mhat / (sqrt(vhat) + eps)
  %root = coco.sqrt %vhat : !Rep
  %den = coco.add %root, %eps : !Rep, f32
  %ratio = coco.div %mhat, %den : !Rep, !Rep
  %delta = coco.mul %ratio, %lr : !Rep, f32
  %wn = coco.sub %w, %delta : !Rep, !Rep
  coco.update %w, %wn : !Rep
  coco.update %m, %mn : !Rep
  coco.update %v, %vn : !Rep
  return
}
