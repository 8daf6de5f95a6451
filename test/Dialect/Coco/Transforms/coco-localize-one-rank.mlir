// RUN: coco-opt %s --coco-localize | FileCheck %s

// On an axis of one rank every collective is the identity: localized, the
// program moves no data (one GPU running a data-parallel step runs only
// its update).
coco.grid @one(shape = [1])
coco.grid @two(shape = [2])
!L = !coco.dtensor<8x4xf32, local on @one>
!S1 = !coco.dtensor<8x4xf32, sliced<1> on @one>
!S0 = !coco.dtensor<8x4xf32, sliced<0> on @one>
!R = !coco.dtensor<8x4xf32, replicated on @one>

// CHECK-LABEL: func @every_collective
// CHECK-SAME: (%[[G:[^:]*]]: tensor<8x4xf32>
// CHECK-NOT: coco.comm
// CHECK: return %[[G]], %[[G]], %[[G]], %[[G]], %[[G]], %[[G]] :
func.func @every_collective(%g: !L) -> (!R, !S1, !R, !R, !L, !S0) {
  %ar = coco.all_reduce avg %g : !L
  %rs = coco.reduce_scatter sum %g dim 1 : !L
  %ag = coco.all_gather %rs : !S1
  %bc = coco.broadcast %g root 0 : !L
  %rr = coco.reduce_to_root max %g root 0 : !L
  %a2a = coco.all_to_all %rs dim 0 : !S1
  return %ar, %rs, %ag, %bc, %rr, %a2a : !R, !S1, !R, !R, !L, !S0
}

// Two ranks communicate, and a `?` axis may have more than one rank.
// CHECK-LABEL: func @two_ranks
// CHECK: coco.comm.all_reduce
coco.grid @any(shape = [?])
func.func @two_ranks(%g: !coco.dtensor<8xf32, local on @two>) -> !coco.dtensor<8xf32, replicated on @two> {
  %ar = coco.all_reduce sum %g : !coco.dtensor<8xf32, local on @two>
  return %ar : !coco.dtensor<8xf32, replicated on @two>
}
// CHECK-LABEL: func @dynamic_axis
// CHECK: coco.comm.all_reduce
func.func @dynamic_axis(%g: !coco.dtensor<8xf32, local on @any>) -> !coco.dtensor<8xf32, replicated on @any> {
  %ar = coco.all_reduce sum %g : !coco.dtensor<8xf32, local on @any>
  return %ar : !coco.dtensor<8xf32, replicated on @any>
}
