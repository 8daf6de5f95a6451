// RUN: coco-opt %s --coco-hierarchical-all-reduce="inner=1" -verify-diagnostics | FileCheck %s
// RUN: coco-opt %s --coco-hierarchical-all-reduce="inner=1" --coco-reorder --coco-shard-state="args=m axes=1" -verify-diagnostics | FileCheck %s --check-prefix=SHARD
// RUN: coco-opt %s --coco-hierarchical-all-reduce="inner=1" --remarks-filter=coco-hierarchical-all-reduce -o /dev/null 2>&1 | FileCheck %s --check-prefix=REMARK
// Its remarks: what became what, and why the others stay.
// REMARK-DAG: coco-hierarchical-all-reduce.mlir:50:8: remark: [Missed] not-applied | Category:coco-hierarchical-all-reduce | Function=left_alone | Remark="it runs along [0], not along the inner axes [1] and an outer axis"
// REMARK-DAG: coco-hierarchical-all-reduce.mlir:52:8: remark: [Missed] not-applied | Category:coco-hierarchical-all-reduce | Function=left_alone | Remark="a rank-0 value has no dimension to reduce_scatter"
// REMARK-DAG: coco-hierarchical-all-reduce.mlir:34:8: remark: [Passed] applied | Category:coco-hierarchical-all-reduce | Function=sgd | Remark="all_reduce sum became reduce_scatter along [1] (dimension 0) + all_reduce along [0] + all_gather along [1]"

// The two-level all-reduce on a 2 x 2 grid (axis 0 across nodes, axis 1
// within a node): reduce_scatter within the node, all_reduce of each block
// across nodes, all_gather within the node.
coco.grid @g(shape = [2, 2])
!L = !coco.dtensor<8xf32, [local, local] on @g>
!R = !coco.dtensor<8xf32, replicated on @g>

// CHECK-LABEL: func @sgd
// CHECK-NEXT: %[[RS:.*]] = coco.reduce_scatter sum %{{.*}} dim 0 along [1] : !coco.dtensor<8xf32, [local, local] on @g>
// CHECK-NEXT: %[[AR:.*]] = coco.all_reduce sum %[[RS]] along [0] : !coco.dtensor<8xf32, [local, sliced<0>] on @g>
// CHECK-NEXT: %[[AG:.*]] = coco.all_gather %[[AR]] along [1] : !coco.dtensor<8xf32, sliced<0> on @g[1]>
// CHECK-NEXT: %[[D:.*]] = coco.mul %[[AG]], %{{.*}} : !coco.dtensor<8xf32, replicated on @g>, f32
// CHECK-NOT: coco.all_reduce sum %{{.*}} : !coco.dtensor<8xf32, [local, local] on @g>

// After coco-reorder the update runs on the node's block; coco-shard-state
// keeps m sliced along the inner axis only.
// SHARD-LABEL: func @sgd
// SHARD-SAME: %{{.*}}: !coco.dtensor<8xf32, sliced<0> on @g[1]> {coco.name = "m"}
// SHARD: coco.all_reduce sum %{{.*}} along [0] : !coco.dtensor<8xf32, [local, sliced<0>] on @g>
// SHARD: coco.mul %{{.*}}, %{{.*}} : !coco.dtensor<8xf32, sliced<0> on @g[1]>, f32
// SHARD: %[[W:.*]] = coco.all_gather %{{.*}} : !coco.dtensor<8xf32, sliced<0> on @g[1]>
// SHARD: coco.update %{{.*}}, %[[W]] : !coco.dtensor<8xf32, replicated on @g>
// SHARD: coco.update %{{.*}}, %{{.*}} : !coco.dtensor<8xf32, sliced<0> on @g[1]>
func.func @sgd(%w: !R {coco.name = "w"}, %g: !L {coco.name = "g"},
               %m: !R {coco.name = "m"}, %lr: f32) {
  %s = coco.all_reduce sum %g : !L
  %d = coco.mul %s, %lr : !R, f32
  %mn = coco.add %m, %d : !R, !R
  %wn = coco.sub %w, %mn : !R, !R
  coco.update %w, %wn : !R
  coco.update %m, %mn : !R
  return
}

// A value already sliced on another axis keeps that slicing; the inner
// scatter splits dim 1.
// CHECK-LABEL: func @left_alone
// CHECK-NEXT: coco.all_reduce sum %{{.*}} along [0] : !coco.dtensor<8xf32, [local, local] on @g>
// CHECK-NEXT: coco.all_reduce sum %{{.*}} : !coco.dtensor<f32, [local, local] on @g>
func.func @left_alone(%g: !L, %loss: !coco.dtensor<f32, [local, local] on @g>) {
  // Only along the outer axis: no inner level to split.
  %0 = coco.all_reduce sum %g along [0] : !L
  // Rank 0: nothing to scatter.
  %1 = coco.all_reduce sum %loss : !coco.dtensor<f32, [local, local] on @g>
  return
}

coco.grid @g3(shape = [2, 2, 2])

// Two outer axes: the block crosses both.
// CHECK-LABEL: func @three_axes
// CHECK-NEXT: %[[RS:.*]] = coco.reduce_scatter sum %{{.*}} dim 0 along [1]
// CHECK-NEXT: %[[AR:.*]] = coco.all_reduce sum %[[RS]] along [0, 2]
// CHECK-NEXT: coco.all_gather %[[AR]] along [1]
func.func @three_axes(%g: !coco.dtensor<8xf32, [local, local, local] on @g3>) {
  %0 = coco.all_reduce sum %g : !coco.dtensor<8xf32, [local, local, local] on @g3>
  return
}
