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

// The pass checks every all_reduce before rewriting any.
func.func @not_divisible(%a: !coco.dtensor<8xf32, local on @q>, %b: !coco.dtensor<6xf32, local on @q>) {
  %0 = coco.all_reduce sum %a : !coco.dtensor<8xf32, local on @q>
  // expected-error @+1 {{cannot be split along dimension 0: its size 6 is not divisible by the 4 ranks of the grid axis}}
  %1 = coco.all_reduce sum %b : !coco.dtensor<6xf32, local on @q>
  return
}

