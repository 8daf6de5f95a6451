// RUN: coco-opt %s --canonicalize | FileCheck %s

// coco.local_block folds what does not depend on the rank.
coco.grid @g(shape = [2, 3])
coco.grid @one(shape = [1, 4])
coco.grid @dyn(shape = [?])

// Equal blocks: the size is a constant, the offset still depends on the rank.
// CHECK-LABEL: func @even
// CHECK: %[[OFF:.*]], %{{.*}} = coco.local_block %{{.*}} on @g[1, 0]
// CHECK: return %[[OFF]], %c2
func.func @even() -> (index, index) {
  %n = arith.constant 12 : index
  %offset, %size = coco.local_block %n on @g[1, 0]
  return %offset, %size : index, index
}

// A group of one rank holds the whole dimension.
// CHECK-LABEL: func @one_rank
// CHECK-SAME: (%[[N:.*]]: index)
// CHECK-NOT: coco.local_block
// CHECK: return %c0, %[[N]]
func.func @one_rank(%n: index) -> (index, index) {
  %offset, %size = coco.local_block %n on @one[0]
  return %offset, %size : index, index
}

// Unequal blocks (7 over 3), an unknown extent, a '?' axis: nothing folds.
// CHECK-LABEL: func @left_alone
// CHECK: %[[A:.*]], %[[B:.*]] = coco.local_block %c7 on @g[1]
// CHECK: %[[C:.*]], %[[D:.*]] = coco.local_block %{{.*}} on @g[0]
// CHECK: %[[E:.*]], %[[F:.*]] = coco.local_block %c8 on @dyn[0]
// CHECK: return %[[B]], %[[D]], %[[F]]
func.func @left_alone(%n: index) -> (index, index, index) {
  %c7 = arith.constant 7 : index
  %c8 = arith.constant 8 : index
  %a, %b = coco.local_block %c7 on @g[1]
  %c, %d = coco.local_block %n on @g[0]
  %e, %f = coco.local_block %c8 on @dyn[0]
  return %b, %d, %f : index, index, index
}

// -----------------------------------------------------------------------------
// Collectives. Rank-local ones over a group of one rank (every axis of
// static extent 1) leave the data as it is: on tensors the result is the
// input; on buffers the init receives a copy, or nothing happens in place.

// CHECK-LABEL: func @comm_one_rank
// CHECK-SAME: (%[[X:[^:]*]]: tensor<8x4xf32>
// CHECK-NOT: coco.comm
// CHECK: return %[[X]], %[[X]], %[[X]], %[[X]], %[[X]], %[[X]] :
func.func @comm_one_rank(%x: tensor<8x4xf32>) -> (tensor<8x4xf32>, tensor<8x4xf32>, tensor<8x4xf32>, tensor<8x4xf32>, tensor<8x4xf32>, tensor<8x4xf32>) {
  %e = tensor.empty() : tensor<8x4xf32>
  %0 = coco.comm.all_reduce avg %x into %e on @one[0] : tensor<8x4xf32>, tensor<8x4xf32> -> tensor<8x4xf32>
  %1 = coco.comm.reduce_scatter sum %x into %e dim 0 on @one[0] : tensor<8x4xf32>, tensor<8x4xf32> -> tensor<8x4xf32>
  %2 = coco.comm.all_gather %x into %e dim 1 on @one[0] : tensor<8x4xf32>, tensor<8x4xf32> -> tensor<8x4xf32>
  %3 = coco.comm.broadcast %x into %e root 0 on @one[0] : tensor<8x4xf32>, tensor<8x4xf32> -> tensor<8x4xf32>
  %4 = coco.comm.reduce max %x into %e root 0 on @one[0] : tensor<8x4xf32>, tensor<8x4xf32> -> tensor<8x4xf32>
  %5 = coco.comm.all_to_all %x into %e split 0 concat 1 on @one[0] : tensor<8x4xf32>, tensor<8x4xf32> -> tensor<8x4xf32>
  return %0, %1, %2, %3, %4, %5 : tensor<8x4xf32>, tensor<8x4xf32>, tensor<8x4xf32>, tensor<8x4xf32>, tensor<8x4xf32>, tensor<8x4xf32>
}

// CHECK-LABEL: func @comm_one_rank_buffers
// CHECK-SAME: (%[[A:[^:]*]]: memref<8xf32>, %[[B:[^:]*]]: memref<8xf32>)
// CHECK-NEXT: memref.copy %[[A]], %[[B]] : memref<8xf32> to memref<8xf32>
// CHECK-NEXT: return
func.func @comm_one_rank_buffers(%a: memref<8xf32>, %b: memref<8xf32>) {
  coco.comm.all_reduce sum %a into %b on @one[0] : memref<8xf32>, memref<8xf32>
  coco.comm.broadcast %b into %b root 0 on @one[0] : memref<8xf32>, memref<8xf32>
  coco.comm.all_to_all %a into %b split 0 concat 0 skip_self on @one[0] : memref<8xf32>, memref<8xf32>
  return
}

// A window of the own block copied over one rank is the runtime's to do (a
// copy of the whole input would be wrong): it stays.
// CHECK-LABEL: func @all_to_all_window_one_rank
// CHECK: coco.comm.all_to_all %{{.*}} into %{{.*}} split 0 concat 0 window
func.func @all_to_all_window_one_rank(%a: memref<8xf32>, %b: memref<8xf32>, %s: index) {
  coco.comm.all_to_all %a into %b split 0 concat 0 window %s on @one[0] : memref<8xf32>, memref<8xf32>
  return
}

// An all_to_all that skips a rank's own block does nothing over one rank: the
// result is the init, not the input.
// CHECK-LABEL: func @all_to_all_skip_self_one_rank
// CHECK-SAME: (%{{[^:]*}}: tensor<8xf32>, %[[INIT:[^:]*]]: tensor<8xf32>)
// CHECK-NEXT: return %[[INIT]]
func.func @all_to_all_skip_self_one_rank(%x: tensor<8xf32>, %init: tensor<8xf32>) -> tensor<8xf32> {
  %0 = coco.comm.all_to_all %x into %init split 0 concat 0 skip_self on @one[0] : tensor<8xf32>, tensor<8xf32> -> tensor<8xf32>
  return %0 : tensor<8xf32>
}

// Two ranks, four ranks, an unknown extent: they communicate.
// CHECK-LABEL: func @comm_left_alone
// CHECK: coco.comm.all_reduce sum %{{.*}} on @g[0]
// CHECK: coco.comm.all_reduce sum %{{.*}} on @one[1]
// CHECK: coco.comm.all_reduce sum %{{.*}} on @one[0, 1]
// CHECK: coco.comm.all_reduce sum %{{.*}} on @dyn[0]
// CHECK: coco.comm.broadcast %{{.*}} on @g[1]
func.func @comm_left_alone(%x: tensor<8xf32>, %m: memref<8xf32>) -> (tensor<8xf32>, tensor<8xf32>, tensor<8xf32>) {
  %e = tensor.empty() : tensor<8xf32>
  %0 = coco.comm.all_reduce sum %x into %e on @g[0] : tensor<8xf32>, tensor<8xf32> -> tensor<8xf32>
  %1 = coco.comm.all_reduce sum %x into %e on @one[1] : tensor<8xf32>, tensor<8xf32> -> tensor<8xf32>
  %2 = coco.comm.all_reduce sum %x into %e on @one[0, 1] : tensor<8xf32>, tensor<8xf32> -> tensor<8xf32>
  coco.comm.all_reduce sum %m into %m on @dyn[0] : memref<8xf32>, memref<8xf32>
  coco.comm.broadcast %m into %m root 0 on @g[1] : memref<8xf32>, memref<8xf32>
  return %0, %1, %2 : tensor<8xf32>, tensor<8xf32>, tensor<8xf32>
}

// At the global view: a slice of an all_gather takes back the blocks the
// gather was given, a gather of a slice rebuilds the replicated value, a
// broadcast of a replicated value and a reduce_to_root over one rank change
// nothing.
coco.grid @line(shape = [3])
!S = !coco.dtensor<8xf32, sliced<0> on @line>
!Rg = !coco.dtensor<8xf32, replicated on @line>
!L1 = !coco.dtensor<8xf32, local on @one[0]>

// CHECK-LABEL: func @global_round_trips
// CHECK-SAME: (%[[S:[^:]*]]: !coco.dtensor<8xf32, sliced<0> on @line>, %[[R:[^:]*]]: !coco.dtensor<8xf32, replicated on @line>, %[[L:[^:]*]]: !coco.dtensor<8xf32, local on @one>)
// CHECK-NEXT: return %[[S]], %[[R]], %[[R]], %[[L]] :
func.func @global_round_trips(%s: !S, %r: !Rg, %l: !L1) -> (!S, !Rg, !Rg, !L1) {
  %g = coco.all_gather %s : !S
  %s2 = coco.slice %g dim 0 : !Rg
  %sl = coco.slice %r dim 0 : !Rg
  %r2 = coco.all_gather %sl : !S
  %b = coco.broadcast %r root 1 : !Rg
  %t = coco.reduce_to_root sum %l root 0 : !L1
  return %s2, %r2, %b, %t : !S, !Rg, !Rg, !L1
}

// Not folded: reduce_scatter + all_gather is all_reduce, but it is what
// coco-split makes of it (the schedule); canonicalize keeps the schedule.
// A reduce_to_root over two ranks combines.
!Lg = !coco.dtensor<8xf32, local on @line>
// CHECK-LABEL: func @schedule_kept
// CHECK: coco.reduce_scatter sum
// CHECK: coco.all_gather
// CHECK: coco.reduce_to_root sum
func.func @schedule_kept(%x: !Lg) -> (!Rg, !Lg) {
  %s = coco.reduce_scatter sum %x dim 0 : !Lg
  %g = coco.all_gather %s : !S
  %t = coco.reduce_to_root sum %x root 1 : !Lg
  return %g, %t : !Rg, !Lg
}
