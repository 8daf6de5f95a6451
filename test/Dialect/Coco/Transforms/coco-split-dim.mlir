// RUN: coco-opt %s --coco-split="dim=1 axes=0" --split-input-file -verify-diagnostics | FileCheck %s

// dim=1 on a 2-D grid: the all_reduce along axis 0 of a value sliced on axis 1
// along dim 0 becomes a reduce_scatter of dim 1, a 2-D block decomposition.
// The all_gather names its axis (the operand slices two dims, so it has no
// default); `axes=0` leaves the all_reduce along axis 1 alone.
coco.grid @g(shape = [2, 2])

// CHECK-LABEL: func @blocks
// CHECK-NEXT: %[[RS:.*]] = coco.reduce_scatter sum %{{.*}} dim 1 : !coco.dtensor<4x8xf32, [local, sliced<0>] on @g>
// CHECK-NEXT: %[[AG:.*]] = coco.all_gather %[[RS]] along [0] : !coco.dtensor<4x8xf32, [sliced<1>, sliced<0>] on @g>
// CHECK-NEXT: %[[OTHER:.*]] = coco.all_reduce sum %{{.*}} along [1]
// CHECK-NEXT: return %[[AG]]
func.func @blocks(%x: !coco.dtensor<4x8xf32, [local, sliced<0>] on @g>,
                  %y: !coco.dtensor<4x8xf32, [local, local] on @g>)
    -> !coco.dtensor<4x8xf32, sliced<0> on @g[1]> {
  %0 = coco.all_reduce sum %x along [0] : !coco.dtensor<4x8xf32, [local, sliced<0>] on @g>
  %1 = coco.all_reduce sum %y along [1] : !coco.dtensor<4x8xf32, [local, local] on @g>
  return %0 : !coco.dtensor<4x8xf32, sliced<0> on @g[1]>
}

// -----

coco.grid @g(shape = [2, 2])

// The pass checks every all_reduce before rewriting any.
func.func @bad_dim(%a: !coco.dtensor<8x8xf32, local on @g>, %b: !coco.dtensor<8xf32, local on @g>) {
  %0 = coco.all_reduce sum %a : !coco.dtensor<8x8xf32, local on @g>
  // expected-error @+1 {{cannot be split along dimension 1 of a rank-1 tensor}}
  %1 = coco.all_reduce sum %b : !coco.dtensor<8xf32, local on @g>
  return
}
