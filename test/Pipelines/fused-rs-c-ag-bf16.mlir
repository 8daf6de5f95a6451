// RUN: coco-opt %s --coco-split --coco-reorder --coco-shard-state=args=w,b --coco-lower-to-cpu=fuse-reduce-scatter=true | FileCheck %s

// fuse(RS-C-AG) of mixed-precision SGD on 3 ranks, down to LLVM: the update
// loop adds this rank's bf16 block and the two received ones. Each add runs
// in f32 and is rounded to bf16 before the next (as the unfused
// reduce-scatter rounds each combine), with integer ops
// (coco-promote-bf16-arith, coco-expand-bf16-truncf, then arith-expand): no
// bf16 arithmetic is left for LLVM to promote through __truncsfbf2 calls,
// which keep a loop from vectorizing on CPUs without AVX512-BF16, and every
// rounding to bf16 (the sums', w_lp's) tests for NaN on the integer bits,
// which LLVM vectorizes, not with a float comparison, which it scalarizes.

// CHECK-LABEL: llvm.func @coco.fn.sgd_step
// CHECK: llvm.cond_br
// CHECK-NEXT: ^bb{{[0-9]+}}:  // pred: ^bb{{[0-9]+}}
// CHECK-NOT: ^bb
// CHECK: %[[A:.*]] = llvm.load %{{.*}} : !llvm.ptr -> bf16
// CHECK: %[[B:.*]] = llvm.load %{{.*}} : !llvm.ptr -> bf16
// CHECK: %[[C:.*]] = llvm.load %{{.*}} : !llvm.ptr -> bf16
// CHECK-NOT: ^bb
// CHECK-NOT: llvm.f{{add|sub|mul|div}} {{.*}} : bf16
// CHECK: llvm.bitcast %[[A]] : bf16 to i16
// CHECK: llvm.bitcast %[[B]] : bf16 to i16
// CHECK: %[[S1:.*]] = llvm.fadd %{{.*}}, %{{.*}} : f32
// CHECK: %[[S1I:.*]] = llvm.bitcast %[[S1]] : f32 to i32
// CHECK-NOT: llvm.fcmp
// CHECK: %[[NAN:.*]] = llvm.icmp "ugt" %{{.*}}, %{{.*}} : i32
// CHECK: %[[S1B:.*]] = llvm.select %[[NAN]], %{{.*}}, %{{.*}} : i1, i32
// CHECK: %[[S1R:.*]] = llvm.trunc %[[S1B]] : i32 to i16
// CHECK: llvm.zext %[[S1R]] : i16 to i32
// CHECK: llvm.bitcast %[[C]] : bf16 to i16
// CHECK: %[[S2:.*]] = llvm.fadd %{{.*}}, %{{.*}} : f32
// CHECK: llvm.bitcast %[[S2]] : f32 to i32
// CHECK-NOT: llvm.f{{add|sub|mul|div|cmp}} {{.*}} : bf16
// CHECK: %[[WLP:.*]] = llvm.bitcast %{{.*}} : i16 to bf16
// CHECK-NOT: llvm.fcmp
// CHECK: llvm.store %[[WLP]], %{{.*}} : bf16, !llvm.ptr
// CHECK-NEXT: llvm.add
// CHECK-NEXT: llvm.br ^bb
// CHECK: llvm.call @coco_rt_all_gather

coco.grid @dp(shape = [3])

!Rep = !coco.dtensor<6144xf32, replicated on @dp>
!RepLP = !coco.dtensor<6144xbf16, replicated on @dp>
!LocLP = !coco.dtensor<6144xbf16, local on @dp>

func.func @sgd_step(%w: !Rep {coco.name = "w"},
                    %g: !LocLP {coco.name = "g"},
                    %b: !Rep {coco.name = "b"},
                    %wlp: !RepLP {coco.name = "w_lp"},
                    %lr: f32, %mu: f32, %wd: f32) {
  %gsumlp = coco.all_reduce sum %g : !LocLP
  %gsum = coco.cast %gsumlp : !RepLP to !Rep
  %decay = coco.mul %w, %wd : !Rep, f32
  %gd = coco.add %gsum, %decay : !Rep, !Rep
  %bm = coco.mul %b, %mu : !Rep, f32
  %bn = coco.add %bm, %gd : !Rep, !Rep
  %step = coco.mul %bn, %lr : !Rep, f32
  %wn = coco.sub %w, %step : !Rep, !Rep
  %wnlp = coco.cast %wn : !Rep to !RepLP
  coco.update %w, %wn : !Rep
  coco.update %b, %bn : !Rep
  coco.update %wlp, %wnlp : !RepLP
  return
}
