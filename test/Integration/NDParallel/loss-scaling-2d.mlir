// Dynamic loss scaling (test/Integration/DataParallel/loss-scaling.mlir) on
// a 2-D grid: data-parallel rows of 2 ranks, the gradient local on the rows
// and replicated across a row, summed over the rows only (along [0]). After
// coco-split and coco-reorder the sum is a reduce_scatter along [0], the
// norm an all_reduce of partial sums along [0], and the update moves into
// the branch on the norm being finite, on the slices, with its all_gather
// along [0] there: the condition comes from a collective along exactly the
// gather's axes, so the ranks of each gather's group agree on it
// (isSameOnRanksAlong); the ranks of a row compute the same anyway.
//
// The step also clips the unscaled gradient to norm 0.5 (GradScaler's
// unscale_, then clip_grad_norm_), so w depends on the norm's value: a
// norm whose partial sums were added over the wrong ranks (along both axes
// would count each row's slice twice) moves w.
//
// Run on 2 x 2 and 3 x 2 grids (4 and 6 ranks) with 11 elements (uneven
// slices), finite gradients against numpy and an inf in one row's gradient
// skipped on every rank; the reordered program against the plain one.
//
// RUN: coco-opt %s --coco-split --coco-reorder | FileCheck %s --check-prefix=IR
// (A placement on axis 0 alone prints as `local on @g`, `sliced<0> on @g`:
// replicated on axis 1.)
// IR: %[[RS:.*]] = coco.reduce_scatter sum %{{.*}} dim 0 : !coco.dtensor<11xf32, local on @g>
// IR: coco.all_reduce sum %{{.*}} : !coco.dtensor<f32, local on @g>
// IR: coco.extract
// IR: scf.if
// IR: coco.div %[[RS]]
// IR: coco.sub {{.*}} : !coco.dtensor<11xf32, sliced<0> on @g>, !coco.dtensor<11xf32, sliced<0> on @g>
// IR-NEXT: %[[W:.*]] = coco.all_gather
// IR-NEXT: scf.yield %[[W]]
//
// RUN: rm -rf %t && mkdir -p %t
// RUN: coco-compile %s -o %t/plain.exe
// RUN: coco-compile %s --pre-pass=--coco-split --pre-pass=--coco-reorder -o %t/reordered.exe
// RUN: %coco_python %S/../lib/check_loss_scaling.py %t 4 --tp 2 --max-norm 0.5 | FileCheck %s
// RUN: %coco_python %S/../lib/check_loss_scaling.py %t 6 --tp 2 --max-norm 0.5 | FileCheck %s
// CHECK: on {{[46]}} ranks ({{[23]}} x 2), clipped to a norm: finite step matches numpy, non-finite step skipped on every rank; reordered matches plain

coco.grid @g(shape = [?, 2])
!R = !coco.dtensor<11xf32, replicated on @g>
!L = !coco.dtensor<11xf32, [local, replicated] on @g>
!N = !coco.dtensor<f32, replicated on @g>

func.func @scaled_sgd(%w: !R {coco.name = "w"}, %g: !L {coco.name = "g"},
                      %lr: f32 {coco.name = "lr", coco.value = 0.5 : f32},
                      %scale: f32 {coco.name = "scale", coco.value = 4.0 : f32},
                      %max_norm: f32 {coco.name = "max_norm", coco.value = 0.5 : f32})
    -> (!R {coco.name = "z"}) {
  %inf = arith.constant 0x7F800000 : f32
  %one = arith.constant 1.0 : f32
  %sum = coco.all_reduce sum %g along [0] : !L
  %n = coco.norm %sum : !R
  %nv = coco.extract %n : !N -> f32
  // False for inf and NaN alike (an ordered comparison).
  %finite = arith.cmpf olt, %nv, %inf : f32
  %z = scf.if %finite -> !R {
    // The unscaled norm n / scale, clipped to max_norm: the factor
    // min(1, max_norm * scale / n).
    %limit = arith.mulf %max_norm, %scale : f32
    %ratio = arith.divf %limit, %nv : f32
    %clip = arith.minimumf %ratio, %one : f32
    %step = arith.mulf %lr, %clip : f32
    %u = coco.div %sum, %scale : !R, f32
    %d = coco.mul %u, %step : !R, f32
    %wn = coco.sub %w, %d : !R, !R
    scf.yield %wn : !R
  } else {
    scf.yield %w : !R
  }
  return %z : !R
}
