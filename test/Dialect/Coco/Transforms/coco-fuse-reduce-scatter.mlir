// RUN: coco-opt %s --coco-fuse-reduce-scatter | FileCheck %s

// Rank-local: a dim-0 reduce_scatter on a static axis becomes an all_to_all
// (each rank receives its chunk of every rank's buffer) plus an elementwise
// combination of the chunks in rank order, which elementwise fusion can merge
// into the consumers. Others are left alone.

coco.grid @two(shape = [2])
coco.grid @dp(shape = [?])

// CHECK-LABEL: func @fold
// CHECK: %[[INIT:.*]] = tensor.empty() : tensor<4x3xf32>
// CHECK: %[[ROWS:.*]] = tensor.expand_shape %arg0 {{\[}}[0, 1], [2]] output_shape [2, 4, 3] : tensor<8x3xf32> into tensor<2x4x3xf32>
// CHECK: %[[RECV:.*]] = coco.comm.all_to_all %[[ROWS]] into %{{.*}} split 0 concat 0 on @two[0] : tensor<2x4x3xf32>, tensor<2x4x3xf32> -> tensor<2x4x3xf32>
// CHECK: %[[C0:.*]] = tensor.extract_slice %[[RECV]][0, 0, 0] [1, 4, 3] [1, 1, 1] : tensor<2x4x3xf32> to tensor<4x3xf32>
// CHECK: %[[C1:.*]] = tensor.extract_slice %[[RECV]][1, 0, 0] [1, 4, 3] [1, 1, 1] : tensor<2x4x3xf32> to tensor<4x3xf32>
// CHECK: linalg.generic {{.*}} ins(%[[C0]], %[[C1]] : tensor<4x3xf32>, tensor<4x3xf32>) outs(%[[INIT]] : tensor<4x3xf32>)
// CHECK-NEXT: ^bb0(%[[A:.*]]: f32, %[[B:.*]]: f32, %{{.*}}: f32):
// CHECK-NEXT: %[[SUM:.*]] = arith.addf %[[A]], %[[B]] : f32
// CHECK-NEXT: %[[TWO:.*]] = arith.constant 2.000000e+00 : f32
// CHECK-NEXT: arith.divf %[[SUM]], %[[TWO]] : f32
// CHECK-NOT: coco.comm.reduce_scatter
func.func @fold(%g: tensor<8x3xf32>, %m: tensor<4x3xf32>) -> tensor<4x3xf32> {
  %e = tensor.empty() : tensor<4x3xf32>
  %s = coco.comm.reduce_scatter avg %g into %e dim 0 on @two[0] : tensor<8x3xf32>, tensor<4x3xf32> -> tensor<4x3xf32>
  return %s : tensor<4x3xf32>
}

// CHECK-LABEL: func @dynamic
// CHECK: coco.comm.reduce_scatter sum
func.func @dynamic(%g: tensor<8xf32>, %e: tensor<?xf32>) -> tensor<?xf32> {
  %s = coco.comm.reduce_scatter sum %g into %e dim 0 on @dp[0] : tensor<8xf32>, tensor<?xf32> -> tensor<?xf32>
  return %s : tensor<?xf32>
}
