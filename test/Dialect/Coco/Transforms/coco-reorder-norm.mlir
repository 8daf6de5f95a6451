// RUN: coco-opt %s --coco-reorder | FileCheck %s
// RUN: coco-opt %s --coco-reorder --remarks-filter=coco-reorder -o /dev/null 2>&1 | FileCheck %s --check-prefix=REMARK

// LAMB's ||w|| of the replicated weights, once the update runs on their
// slices: computed from the slices too (each rank reads its block, one
// all_reduce of a scalar), not from the whole w on every rank.
coco.grid @dp(shape = [?])
!S = !coco.dtensor<16xf32, sliced<0> on @dp>
!R = !coco.dtensor<16xf32, replicated on @dp>
// CHECK-LABEL: func @norm_of_sliced_weights
// CHECK-SAME: (%[[U:[^:]*]]: !coco.dtensor<16xf32, sliced<0> on @dp>, %[[W:[^:]*]]: !coco.dtensor<16xf32, replicated on @dp>)
// CHECK-NOT: coco.norm
// CHECK: %[[WS:.*]] = coco.slice %[[W]] dim 0 : !coco.dtensor<16xf32, replicated on @dp>
// CHECK: %[[SQ:.*]] = coco.mul %[[WS]], %[[WS]] : !coco.dtensor<16xf32, sliced<0> on @dp>
// CHECK: %[[SS:.*]] = coco.reduce sum %[[SQ]] dims [0]
// CHECK: %[[TOT:.*]] = coco.all_reduce sum %[[SS]] : !coco.dtensor<f32, local on @dp>
// CHECK: %[[NORM:.*]] = coco.sqrt %[[TOT]] : !coco.dtensor<f32, replicated on @dp>
// CHECK-NOT: coco.norm
// CHECK: return %{{.*}}, %[[NORM]]
// REMARK: remark: [Passed] applied | Category:coco-reorder | Function=norm_of_sliced_weights | Remark="the norm of this replicated tensor is computed from its slices along [0], as the program already slices it there (partial sums combined by an all_reduce): each rank reads only its block"
func.func @norm_of_sliced_weights(%u: !S, %w: !R) -> (!R, !coco.dtensor<f32, replicated on @dp>) {
  %g = coco.all_gather %u : !S
  %new = coco.sub %w, %g : !R, !R
  %n = coco.norm %w : !R
  return %new, %n : !R, !coco.dtensor<f32, replicated on @dp>
}

// A replicated value the program never slices keeps its norm (AR-C: there
// is no block of it to read).
// CHECK-LABEL: func @norm_of_whole_weights
// CHECK: coco.norm %{{.*}} : !coco.dtensor<16xf32, replicated on @dp>
func.func @norm_of_whole_weights(%g: !R, %w: !R) -> (!R, !coco.dtensor<f32, replicated on @dp>) {
  %new = coco.sub %w, %g : !R, !R
  %n = coco.norm %w : !R
  return %new, %n : !R, !coco.dtensor<f32, replicated on @dp>
}

// The norm before the update's slice: a slice of its own.
// CHECK-LABEL: func @norm_first
// CHECK-SAME: (%[[U:[^:]*]]: !coco.dtensor<16xf32, sliced<0> on @dp>, %[[W:[^:]*]]: !coco.dtensor<16xf32, replicated on @dp>)
// CHECK: %[[WS:.*]] = coco.slice %[[W]] dim 0
// CHECK-NEXT: coco.mul %[[WS]], %[[WS]]
// CHECK-NOT: coco.norm
func.func @norm_first(%u: !S, %w: !R) -> (!R, !coco.dtensor<f32, replicated on @dp>) {
  %n = coco.norm %w : !R
  %g = coco.all_gather %u : !S
  %new = coco.sub %w, %g : !R, !R
  return %new, %n : !R, !coco.dtensor<f32, replicated on @dp>
}
