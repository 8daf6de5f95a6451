// RUN: coco-opt %s | coco-opt | FileCheck %s
// RUN: coco-opt %s --mlir-print-op-generic | coco-opt | FileCheck %s

// Every op of the dialect parses, verifies and prints; the second RUN line
// round-trips through the generic form.

// CHECK: coco.grid @dp(shape = [?])
// CHECK: coco.grid @g2(shape = [2, ?])
coco.grid @dp(shape = [?])
coco.grid @g2(shape = [2, ?])

!R = !coco.dtensor<8x4xf32, replicated on @dp>
!L = !coco.dtensor<8x4xf32, local on @dp>
!S0 = !coco.dtensor<8x4xf32, sliced<0> on @dp>

// CHECK-LABEL: func @types
// CHECK-SAME: !coco.dtensor<8x4xf16, sliced<1> on @g2[1]>
// CHECK-SAME: !coco.dtensor<bf16, local on @g2>
// CHECK-SAME: !coco.dtensor<16xi32, replicated on @dp>
func.func @types(%a: !coco.dtensor<8x4xf16, sliced<1> on @g2[1]>,
                 %b: !coco.dtensor<bf16, local on @g2[0]>,
                 %c: !coco.dtensor<16xi32, replicated on @dp>) {
  return
}

// CHECK-LABEL: func @axis_queries
func.func @axis_queries() -> (index, index) {
  // CHECK: coco.axis_rank @g2[1]
  %r = coco.axis_rank @g2[1]
  // CHECK: coco.axis_size @g2[0]
  %s = coco.axis_size @g2[0]
  return %r, %s : index, index
}

// CHECK-LABEL: func @pointwise
func.func @pointwise(%r: !R, %l: !L, %s: !S0, %x: f32) {
  // CHECK: coco.add %{{.*}}, %{{.*}} : !coco.dtensor<8x4xf32, replicated on @dp>, !coco.dtensor<8x4xf32, local on @dp>
  %0 = coco.add %r, %l : !R, !L
  // CHECK: coco.sub
  %1 = coco.sub %s, %r : !S0, !R
  // CHECK: coco.mul %{{.*}}, %{{.*}} : !coco.dtensor<8x4xf32, local on @dp>, f32
  %2 = coco.mul %l, %x : !L, f32
  // CHECK: coco.div %{{.*}}, %{{.*}} : f32,
  %3 = coco.div %x, %r : f32, !R
  // CHECK: coco.max
  %4 = coco.max %r, %r : !R, !R
  // CHECK: coco.min
  %5 = coco.min %l, %l : !L, !L
  // CHECK: coco.pow
  %6 = coco.pow %r, %x : !R, f32
  // CHECK: coco.neg
  %7 = coco.neg %r : !R
  // CHECK: coco.abs
  %8 = coco.abs %r : !R
  // CHECK: coco.sqrt
  %9 = coco.sqrt %r : !R
  // CHECK: coco.rsqrt
  %10 = coco.rsqrt %r : !R
  // CHECK: coco.exp
  %11 = coco.exp %r : !R
  // CHECK: coco.log
  %12 = coco.log %r : !R
  // CHECK: coco.cmp gt %{{.*}}, %{{.*}} : !coco.dtensor<8x4xf32, sliced<0> on @dp>, f32
  %13 = coco.cmp gt %s, %x : !S0, f32
  // CHECK: coco.select %{{.*}}, %{{.*}}, %{{.*}} : !coco.dtensor<8x4xi1, sliced<0> on @dp>, !coco.dtensor<8x4xf32, sliced<0> on @dp>, f32
  %14 = coco.select %13, %s, %x : !coco.dtensor<8x4xi1, sliced<0> on @dp>, !S0, f32
  // CHECK: coco.cast %{{.*}} : !coco.dtensor<8x4xf32, local on @dp> to !coco.dtensor<8x4xbf16, local on @dp>
  %15 = coco.cast %l : !L to !coco.dtensor<8x4xbf16, local on @dp>
  // CHECK: coco.constant 5.000000e-01 : !coco.dtensor<8x4xf32, replicated on @dp>
  %16 = coco.constant 0.5 : !R
  %p = arith.constant 0.1 : f32
  %seed = arith.constant 42 : i64
  // CHECK: coco.dropout %{{.*}}, %{{.*}}, %{{.*}} : !coco.dtensor<8x4xf32, sliced<0> on @dp>
  %17 = coco.dropout %s, %p, %seed : !S0
  return
}

// CHECK-LABEL: func @contractions
func.func @contractions(%x: !coco.dtensor<2x8x16xf32, sliced<2> on @dp>,
                        %w: !coco.dtensor<16x4xf32, sliced<0> on @dp>,
                        %r: !coco.dtensor<2x8x16xf32, replicated on @dp>,
                        %wc: !coco.dtensor<16x4xf32, sliced<1> on @dp>,
                        %wc2: !coco.dtensor<16xf32, sliced<0> on @dp>) {
  // CHECK: coco.matmul {{.*}} : !coco.dtensor<2x8x16xf32, sliced<2> on @dp>, !coco.dtensor<16x4xf32, sliced<0> on @dp>
  %0 = coco.matmul %x, %w : !coco.dtensor<2x8x16xf32, sliced<2> on @dp>, !coco.dtensor<16x4xf32, sliced<0> on @dp>
  // CHECK: coco.matmul
  %1 = coco.matmul %r, %wc : !coco.dtensor<2x8x16xf32, replicated on @dp>, !coco.dtensor<16x4xf32, sliced<1> on @dp>
  // CHECK: coco.reduce sum %{{.*}} dims [0, 2] : !coco.dtensor<2x8x16xf32, sliced<2> on @dp>
  %2 = coco.reduce sum %x dims [0, 2] : !coco.dtensor<2x8x16xf32, sliced<2> on @dp>
  // CHECK: coco.reduce max
  %3 = coco.reduce max %r dims [1] : !coco.dtensor<2x8x16xf32, replicated on @dp>
  // CHECK: coco.norm %{{.*}} : !coco.dtensor<2x8x16xf32, replicated on @dp>
  %4 = coco.norm %r : !coco.dtensor<2x8x16xf32, replicated on @dp>
  // CHECK: coco.expand %{{.*}} dims [1] : !coco.dtensor<16xf32, sliced<0> on @dp> to !coco.dtensor<2x16xf32, sliced<1> on @dp>
  // CHECK: coco.extract %{{.*}} : !coco.dtensor<f32, replicated on @dp> -> f32
  %6 = coco.expand %wc2 dims [1] : !coco.dtensor<16xf32, sliced<0> on @dp> to !coco.dtensor<2x16xf32, sliced<1> on @dp>
  %5 = coco.extract %4 : !coco.dtensor<f32, replicated on @dp> -> f32
  return
}

// CHECK-LABEL: func @collectives
func.func @collectives(%l: !L, %s: !S0, %r: !R) {
  // CHECK: coco.all_reduce sum %{{.*}} : !coco.dtensor<8x4xf32, local on @dp>
  %0 = coco.all_reduce sum %l : !L
  // CHECK: coco.all_reduce prod
  %1 = coco.all_reduce prod %l : !L
  // CHECK: coco.all_reduce min
  %2 = coco.all_reduce min %l : !L
  // CHECK: coco.all_reduce max
  %3 = coco.all_reduce max %l : !L
  // CHECK: coco.all_reduce avg
  %4 = coco.all_reduce avg %l : !L
  // CHECK: coco.reduce_scatter sum %{{.*}} dim 1 : !coco.dtensor<8x4xf32, local on @dp>
  %5 = coco.reduce_scatter sum %l dim 1 : !L
  // CHECK: coco.all_gather %{{.*}} : !coco.dtensor<8x4xf32, sliced<0> on @dp>
  %6 = coco.all_gather %s : !S0
  // CHECK: coco.broadcast %{{.*}} root 1 : !coco.dtensor<8x4xf32, local on @dp>
  %7 = coco.broadcast %l root 1 : !L
  // CHECK: coco.reduce_to_root max %{{.*}} root 0 : !coco.dtensor<8x4xf32, local on @dp>
  %8 = coco.reduce_to_root max %l root 0 : !L
  // CHECK: coco.all_to_all %{{.*}} dim 1 : !coco.dtensor<8x4xf32, sliced<0> on @dp>
  %9 = coco.all_to_all %s dim 1 : !S0
  // CHECK: coco.slice %{{.*}} dim 0 : !coco.dtensor<8x4xf32, replicated on @dp>
  %10 = coco.slice %r dim 0 : !R
  %peer = arith.constant 1 : index
  // CHECK: coco.send %{{.*}} to %{{.*}} : !coco.dtensor<8x4xf32, local on @dp>
  coco.send %l to %peer : !L
  // CHECK: coco.recv from %{{.*}} : !coco.dtensor<8x4xf32, local on @dp>
  %11 = coco.recv from %peer : !L
  return
}

// Pipeline stages on axis 0, tensor parallelism on axis 1: a value replicated
// over axis 1 goes to the next stage along axis 0 and stays replicated.
coco.grid @pp(shape = [2, ?])
// CHECK-LABEL: func @send_along
func.func @send_along(%x: !coco.dtensor<8xf32, replicated on @pp[1]>, %peer: index)
    -> !coco.dtensor<8xf32, replicated on @pp[1]> {
  // CHECK: coco.send %{{.*}} to %{{.*}} along 0 : !coco.dtensor<8xf32, replicated on @pp>
  coco.send %x to %peer along 0 : !coco.dtensor<8xf32, replicated on @pp[1]>
  // Trailing replicated placements print dropped.
  // CHECK: coco.recv from %{{.*}} along 0 : !coco.dtensor<8xf32, replicated on @pp>
  %0 = coco.recv from %peer along 0 : !coco.dtensor<8xf32, replicated on @pp[1]>
  return %0 : !coco.dtensor<8xf32, replicated on @pp[1]>
}

// CHECK-LABEL: func @update
func.func @update(%w: !R, %d: !R) {
  %0 = coco.sub %w, %d : !R, !R
  // CHECK: coco.update %{{.*}}, %{{.*}} : !coco.dtensor<8x4xf32, replicated on @dp>
  coco.update %w, %0 : !R
  // A parameter may be another parameter's new value (a swap).
  // CHECK: coco.update %{{.*}}, %{{.*}} : !coco.dtensor<8x4xf32, replicated on @dp>
  coco.update %d, %w : !R
  return
}

// CHECK-LABEL: func @rank_local
func.func @rank_local(%t: tensor<8x4xf32>, %m: memref<8x4xf32>, %h: memref<4x4xf32>,
                      %peer: index) -> tensor<8x4xf32> {
  %e = tensor.empty() : tensor<8x4xf32>
  // CHECK: coco.comm.all_reduce sum %{{.*}} into %{{.*}} on @dp[0] : tensor<8x4xf32>, tensor<8x4xf32> -> tensor<8x4xf32>
  %0 = coco.comm.all_reduce sum %t into %e on @dp[0] : tensor<8x4xf32>, tensor<8x4xf32> -> tensor<8x4xf32>
  // CHECK: coco.comm.all_reduce avg %{{.*}} into %{{.*}} on @dp[0] : memref<8x4xf32>, memref<8x4xf32>{{$}}
  coco.comm.all_reduce avg %m into %m on @dp[0] : memref<8x4xf32>, memref<8x4xf32>
  // CHECK: coco.comm.reduce_scatter sum %{{.*}} into %{{.*}} dim 0 on @g2[1]
  coco.comm.reduce_scatter sum %m into %h dim 0 on @g2[1] : memref<8x4xf32>, memref<4x4xf32>
  // CHECK: coco.comm.all_gather %{{.*}} into %{{.*}} dim 0 on @g2[0]
  coco.comm.all_gather %h into %m dim 0 on @g2[0] : memref<4x4xf32>, memref<8x4xf32>
  // CHECK: coco.comm.broadcast %{{.*}} into %{{.*}} root 0 on @dp[0]
  coco.comm.broadcast %m into %m root 0 on @dp[0] : memref<8x4xf32>, memref<8x4xf32>
  // CHECK: coco.comm.reduce prod %{{.*}} into %{{.*}} root 1 on @dp[0]
  coco.comm.reduce prod %m into %m root 1 on @dp[0] : memref<8x4xf32>, memref<8x4xf32>
  // CHECK: coco.comm.all_to_all %{{.*}} into %{{.*}} split 1 concat 0 on @dp[0]
  coco.comm.all_to_all %m into %m split 1 concat 0 on @dp[0] : memref<8x4xf32>, memref<8x4xf32>
  // CHECK: coco.comm.all_to_all %{{.*}} into %{{.*}} split 0 concat 0 skip_self on @dp[0]
  %m2 = memref.alloc() : memref<8x4xf32>
  coco.comm.all_to_all %m into %m2 split 0 concat 0 skip_self on @dp[0] : memref<8x4xf32>, memref<8x4xf32>
  // CHECK: coco.comm.all_to_all %{{.*}} into %{{.*}} split 0 concat 0 skip_self window %{{.*}} on @dp[0] : memref<8x4xf32>, memref<2x4xf32>
  %window = memref.alloc() : memref<2x4xf32>
  coco.comm.all_to_all %m into %window split 0 concat 0 skip_self window %peer on @dp[0] : memref<8x4xf32>, memref<2x4xf32>
  // CHECK: coco.comm.send %{{.*}} to %{{.*}} on @dp[0] : memref<8x4xf32>
  coco.comm.send %m to %peer on @dp[0] : memref<8x4xf32>
  // CHECK: coco.comm.recv from %{{.*}} into %{{.*}} on @dp[0] : memref<8x4xf32>
  coco.comm.recv from %peer into %m on @dp[0] : memref<8x4xf32>
  // CHECK: %[[REQ:.*]] = coco.comm.iall_reduce sum %{{.*}} into %{{.*}} on @dp[0] : memref<4x4xf32>, memref<4x4xf32>
  %req = coco.comm.iall_reduce sum %h into %h on @dp[0] : memref<4x4xf32>, memref<4x4xf32>
  // CHECK: coco.comm.wait %[[REQ]], %{{.*}}, %{{.*}} : memref<4x4xf32>, memref<4x4xf32>
  coco.comm.wait %req, %h, %h : memref<4x4xf32>, memref<4x4xf32>
  // CHECK: %[[REQ2:.*]] = coco.comm.ireduce_scatter avg %{{.*}} into %{{.*}} dim 1 on @dp[0] : memref<8x4xf32>, memref<8x2xf32>
  %half = memref.alloc() : memref<8x2xf32>
  %req2 = coco.comm.ireduce_scatter avg %m into %half dim 1 on @dp[0] : memref<8x4xf32>, memref<8x2xf32>
  // CHECK: coco.comm.wait %[[REQ2]]
  coco.comm.wait %req2, %m, %half : memref<8x4xf32>, memref<8x2xf32>
  return %0 : tensor<8x4xf32>
}

// -----------------------------------------------------------------------------
// Placements per grid axis (N-D grids).
// -----------------------------------------------------------------------------

coco.grid @g(shape = [2, 2])
coco.grid @g3(shape = [2, 2, 2])

// One example per form: a list (one placement per axis; trailing replicated
// ones are dropped when printed), the one-axis sugar it prints as when at
// most one axis is not replicated, and `within` ordering two axes that slice
// the same dimension.
// CHECK-LABEL: func @placements
// CHECK-SAME: !coco.dtensor<4x8xf32, [local, sliced<1>] on @g>
// CHECK-SAME: !coco.dtensor<4x8xf32, sliced<1> on @g[1]>
// CHECK-SAME: !coco.dtensor<4x8xf32, local on @g>
// CHECK-SAME: !coco.dtensor<4x8xf32, replicated on @g>
// CHECK-SAME: !coco.dtensor<16xf32, [sliced<0>, sliced<0>] on @g>
// CHECK-SAME: !coco.dtensor<16xf32, [sliced<0> within 1, sliced<0>] on @g>
// CHECK-SAME: !coco.dtensor<4x8x2xf32, [sliced<2>, local, sliced<0>] on @g3>
func.func @placements(%a: !coco.dtensor<4x8xf32, [local, sliced<1>] on @g>,
                      %b: !coco.dtensor<4x8xf32, [replicated, sliced<1>] on @g>,
                      %c: !coco.dtensor<4x8xf32, [local, replicated] on @g>,
                      %d: !coco.dtensor<4x8xf32, [replicated, replicated] on @g>,
                      %e: !coco.dtensor<16xf32, [sliced<0>, sliced<0> within 0] on @g>,
                      %f: !coco.dtensor<16xf32, [sliced<0> within 1, sliced<0>] on @g>,
                      %h: !coco.dtensor<4x8x2xf32, [sliced<2>, local, sliced<0>] on @g3>) {
  return
}

// Collectives run along named axes (a set runs on the flattened group); only
// those placements change.
// CHECK-LABEL: func @collectives_along
func.func @collectives_along(%x: !coco.dtensor<4x8xf32, [local, local] on @g>,
                             %w: !coco.dtensor<4x8xf32, replicated on @g>) {
  // CHECK: coco.all_reduce sum %{{.*}} along [0] : !coco.dtensor<4x8xf32, [local, local] on @g>
  %0 = coco.all_reduce sum %x along [0] : !coco.dtensor<4x8xf32, [local, local] on @g>
  // CHECK: coco.all_reduce sum %{{.*}} : !coco.dtensor<4x8xf32, local on @g[1]>
  %1 = coco.all_reduce sum %0 : !coco.dtensor<4x8xf32, local on @g[1]>
  // CHECK: coco.all_reduce max %{{.*}} : !coco.dtensor<4x8xf32, [local, local] on @g>
  %2 = coco.all_reduce max %x : !coco.dtensor<4x8xf32, [local, local] on @g>
  // CHECK: coco.reduce_scatter sum %{{.*}} dim 1 along [1, 0] : !coco.dtensor<4x8xf32, [local, local] on @g>
  %3 = coco.reduce_scatter sum %x dim 1 along [1, 0] : !coco.dtensor<4x8xf32, [local, local] on @g>
  // CHECK: coco.all_gather %{{.*}} along [0] : !coco.dtensor<4x8xf32, [sliced<1> within 1, sliced<1>] on @g>
  %4 = coco.all_gather %3 along [0] : !coco.dtensor<4x8xf32, [sliced<1> within 1, sliced<1>] on @g>
  // CHECK: coco.all_gather %{{.*}} : !coco.dtensor<4x8xf32, sliced<1> on @g[1]>
  %5 = coco.all_gather %4 : !coco.dtensor<4x8xf32, sliced<1> on @g[1]>
  // CHECK: coco.slice %{{.*}} dim 0 along [1] : !coco.dtensor<4x8xf32, replicated on @g>
  %6 = coco.slice %w dim 0 along [1] : !coco.dtensor<4x8xf32, replicated on @g>
  // CHECK: coco.all_to_all %{{.*}} dim 1 : !coco.dtensor<4x8xf32, sliced<0> on @g[1]>
  %7 = coco.all_to_all %6 dim 1 : !coco.dtensor<4x8xf32, sliced<0> on @g[1]>
  // CHECK: coco.broadcast %{{.*}} root 3 along [0, 1] : !coco.dtensor<4x8xf32, [local, local] on @g>
  %8 = coco.broadcast %x root 3 along [0, 1] : !coco.dtensor<4x8xf32, [local, local] on @g>
  // CHECK: coco.reduce_to_root sum %{{.*}} root 1 along [1] : !coco.dtensor<4x8xf32, [local, local] on @g>
  %9 = coco.reduce_to_root sum %x root 1 along [1] : !coco.dtensor<4x8xf32, [local, local] on @g>
  return
}

// Inference axis by axis: DP x TP on [2, 2], a row-parallel matmul whose
// inputs differ between data-parallel ranks.
// CHECK-LABEL: func @dp_tp
// CHECK: coco.matmul %{{.*}}, %{{.*}} : !coco.dtensor<4x8xf32, [local, sliced<1>] on @g>, !coco.dtensor<8x6xf32, sliced<0> on @g[1]>
// CHECK: coco.add %{{.*}}, %{{.*}} : !coco.dtensor<4x6xf32, [local, local] on @g>, !coco.dtensor<4x6xf32, replicated on @g>
// CHECK: coco.reduce sum %{{.*}} dims [0] : !coco.dtensor<4x6xf32, [local, local] on @g>
// CHECK: coco.expand %{{.*}} dims [1] : !coco.dtensor<6xf32, sliced<0> on @g[1]> to !coco.dtensor<4x6xf32, sliced<1> on @g[1]>
func.func @dp_tp(%x: !coco.dtensor<4x8xf32, [local, sliced<1>] on @g>,
                 %w: !coco.dtensor<8x6xf32, sliced<0> on @g[1]>,
                 %r: !coco.dtensor<4x6xf32, replicated on @g>,
                 %b: !coco.dtensor<6xf32, sliced<0> on @g[1]>)
    -> !coco.dtensor<4x6xf32, [local, local] on @g> {
  %y = coco.matmul %x, %w : !coco.dtensor<4x8xf32, [local, sliced<1>] on @g>, !coco.dtensor<8x6xf32, sliced<0> on @g[1]>
  %z = coco.add %y, %r : !coco.dtensor<4x6xf32, [local, local] on @g>, !coco.dtensor<4x6xf32, replicated on @g>
  %s = coco.reduce sum %z dims [0] : !coco.dtensor<4x6xf32, [local, local] on @g>
  %e = coco.expand %b dims [1] : !coco.dtensor<6xf32, sliced<0> on @g[1]> to !coco.dtensor<4x6xf32, sliced<1> on @g[1]>
  return %z : !coco.dtensor<4x6xf32, [local, local] on @g>
}

// Rank-local: a collective over a group of axes, and this rank's block of a
// dimension split over axes.
// CHECK-LABEL: func @rank_local_groups
func.func @rank_local_groups(%t: tensor<7xf32>, %n: index) -> index {
  %e = tensor.empty() : tensor<7xf32>
  // CHECK: coco.comm.all_reduce sum %{{.*}} into %{{.*}} on @g[0, 1] : tensor<7xf32>, tensor<7xf32> -> tensor<7xf32>
  %0 = coco.comm.all_reduce sum %t into %e on @g[0, 1] : tensor<7xf32>, tensor<7xf32> -> tensor<7xf32>
  // CHECK: %{{.*}}, %[[SIZE:.*]] = coco.local_block %{{.*}} on @g[1, 0]
  %offset, %size = coco.local_block %n on @g[1, 0]
  return %size : index
}
