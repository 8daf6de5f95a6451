// RUN: coco-opt %s --coco-split --split-input-file -verify-diagnostics | FileCheck %s

coco.grid @q(shape = [4])
!L = !coco.dtensor<8x6xf32, local on @q>

// CHECK-LABEL: func @split
// CHECK-SAME: (%[[G:.*]]: !coco.dtensor<8x6xf32, local on @q>)
// CHECK-NEXT: %[[RS:.*]] = coco.reduce_scatter avg %[[G]] dim 0 : !coco.dtensor<8x6xf32, local on @q>
// CHECK-NEXT: %[[AG:.*]] = coco.all_gather %[[RS]] : !coco.dtensor<8x6xf32, sliced<0> on @q>
// CHECK-NEXT: return %[[AG]] : !coco.dtensor<8x6xf32, replicated on @q>
// CHECK-NOT: coco.all_reduce
func.func @split(%g: !L) -> !coco.dtensor<8x6xf32, replicated on @q> {
  %0 = coco.all_reduce avg %g : !L
  return %0 : !coco.dtensor<8x6xf32, replicated on @q>
}

// A rank-0 all_reduce (a loss) has nothing to slice and is left alone.
// CHECK-LABEL: func @scalar_left_alone
// CHECK: coco.all_reduce avg %{{.*}} : !coco.dtensor<f32, local on @q>
// CHECK: coco.reduce_scatter sum
func.func @scalar_left_alone(%loss: !coco.dtensor<f32, local on @q>, %g: !L) {
  %0 = coco.all_reduce avg %loss : !coco.dtensor<f32, local on @q>
  %1 = coco.all_reduce sum %g : !L
  return
}

// -----

coco.grid @q(shape = [4])

// Sizes the ranks do not divide split into blocks of 2, 2, 1, 1.
// CHECK-LABEL: func @uneven
// CHECK-NEXT: %[[RS:.*]] = coco.reduce_scatter sum %{{.*}} dim 0 : !coco.dtensor<6xf32, local on @q>
// CHECK-NEXT: coco.all_gather %[[RS]] : !coco.dtensor<6xf32, sliced<0> on @q>
func.func @uneven(%b: !coco.dtensor<6xf32, local on @q>) {
  %1 = coco.all_reduce sum %b : !coco.dtensor<6xf32, local on @q>
  return
}

// -----

// On a 2-D grid, the split keeps the all_reduce's axes: only the placements
// on them change (the reduce_scatter's one local axis is its default, the
// all_gather's is not). Axis 0 splits dim 0 within the blocks of axis 1, which
// sliced it first (Megatron's distributed optimizer); the all_gather takes
// that inner level back.
coco.grid @g(shape = [2, 2])

// CHECK-LABEL: func @two_axes
// CHECK-NEXT: %[[RS:.*]] = coco.reduce_scatter sum %{{.*}} dim 0 : !coco.dtensor<4x8xf32, [local, sliced<0>] on @g>
// CHECK-NEXT: %[[AG:.*]] = coco.all_gather %[[RS]] along [0] : !coco.dtensor<4x8xf32, [sliced<0> within 1, sliced<0>] on @g>
// CHECK-NEXT: return %[[AG]] : !coco.dtensor<4x8xf32, sliced<0> on @g[1]>
func.func @two_axes(%x: !coco.dtensor<4x8xf32, [local, sliced<0>] on @g>)
    -> !coco.dtensor<4x8xf32, sliced<0> on @g[1]> {
  %0 = coco.all_reduce sum %x along [0] : !coco.dtensor<4x8xf32, [local, sliced<0>] on @g>
  return %0 : !coco.dtensor<4x8xf32, sliced<0> on @g[1]>
}

