// Dynamic loss scaling (mixed-precision training's GradScaler): the summed
// gradients are unscaled and applied only when their norm is finite; a
// step with an inf or NaN anywhere is skipped. After coco-split and
// coco-reorder the all_reduce is a reduce_scatter, the norm is computed
// from the slices (an all_reduce of partial sums), and the update moves
// into the branch on the slices, with its all_gather there: the branch's
// condition is the extract of a tensor replicated on the gather's axis, the
// same on every rank (isSameOnRanksAlong), so every rank reaches that
// all_gather or none does.
//
// Run on 2, 3 and 4 ranks with 11 elements (uneven slices), once with
// finite gradients (every rank's w against numpy) and once with an inf in
// one rank's gradient (w unchanged on every rank); the reordered program
// against the plain one. Before isSameOnRanksAlong followed coco.extract of
// a replicated tensor, the update stayed whole after the all_gather.
//
// RUN: coco-opt %s --coco-split --coco-reorder | FileCheck %s --check-prefix=IR
// IR: coco.reduce_scatter sum
// IR: coco.all_reduce sum {{.*}} : !coco.dtensor<f32, local on @dp>
// IR: coco.extract
// IR: scf.if
// IR: coco.sub {{.*}} : !coco.dtensor<11xf32, sliced<0> on @dp>
// IR-NEXT: %[[W:.*]] = coco.all_gather
// IR-NEXT: scf.yield %[[W]]
//
// RUN: rm -rf %t && mkdir -p %t
// RUN: coco-compile %s -o %t/plain.exe
// RUN: coco-compile %s --pre-pass=--coco-split --pre-pass=--coco-reorder -o %t/reordered.exe
// RUN: %coco_python %S/../lib/check_loss_scaling.py %t 2 | FileCheck %s
// RUN: %coco_python %S/../lib/check_loss_scaling.py %t 3 | FileCheck %s
// RUN: %coco_python %S/../lib/check_loss_scaling.py %t 4 | FileCheck %s
// CHECK: on {{[234]}} ranks: finite step matches numpy, non-finite step skipped on every rank; reordered matches plain

coco.grid @dp(shape = [?])
!R = !coco.dtensor<11xf32, replicated on @dp>
!L = !coco.dtensor<11xf32, local on @dp>
!N = !coco.dtensor<f32, replicated on @dp>

func.func @scaled_sgd(%w: !R {coco.name = "w"}, %g: !L {coco.name = "g"},
                      %lr: f32 {coco.name = "lr", coco.value = 0.5 : f32},
                      %scale: f32 {coco.name = "scale", coco.value = 4.0 : f32})
    -> (!R {coco.name = "z"}) {
  %inf = arith.constant 0x7F800000 : f32
  %sum = coco.all_reduce sum %g : !L
  %n = coco.norm %sum : !R
  %nv = coco.extract %n : !N -> f32
  // False for inf and NaN alike (an ordered comparison).
  %finite = arith.cmpf olt, %nv, %inf : f32
  %z = scf.if %finite -> !R {
    %u = coco.div %sum, %scale : !R, f32
    %d = coco.mul %u, %lr : !R, f32
    %wn = coco.sub %w, %d : !R, !R
    scf.yield %wn : !R
  } else {
    scf.yield %w : !R
  }
  return %z : !R
}
