// RUN: coco-opt %s --coco-localize | FileCheck %s
// RUN: coco-opt %s --coco-localize --remarks-filter=coco-localize -o /dev/null 2>&1 | FileCheck %s --check-prefix=SAID

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

// A slice along an axis of one rank is the whole tensor at offset 0: no
// rank term (which would hide from coco-update-in-place that an update of
// the slice writes its parameter where it reads it). On a 2-D grid only
// the axis of more than one rank adds a term.
coco.grid @one_by_two(shape = [1, 2])
// CHECK-LABEL: func @slice_one_rank
// CHECK-SAME: (%[[W:[^:]*]]: tensor<8x4xf32>
// CHECK-NOT: coco.axis_rank
// CHECK: tensor.extract_slice %[[W]][0, 0] [8, 4] [1, 1] : tensor<8x4xf32> to tensor<8x4xf32>
func.func @slice_one_rank(%w: !R) -> !S0 {
  %s = coco.slice %w dim 0 : !R
  return %s : !S0
}
// CHECK-LABEL: func @slice_two_axes
// CHECK-NOT: coco.axis_rank @one_by_two[0]
// CHECK: %[[RANK:.*]] = coco.axis_rank @one_by_two[1]
// CHECK-NOT: coco.axis_rank
// CHECK: %[[OFFSET:.*]] = arith.muli %[[RANK]], %c4
// CHECK: tensor.extract_slice %{{.*}}[%[[OFFSET]], 0] [4, 4] [1, 1]
func.func @slice_two_axes(%w: !coco.dtensor<8x4xf32, replicated on @one_by_two>)
    -> !coco.dtensor<8x4xf32, [sliced<0>, sliced<0>] on @one_by_two> {
  %s = coco.slice %w dim 0 along [0, 1] : !coco.dtensor<8x4xf32, replicated on @one_by_two>
  return %s : !coco.dtensor<8x4xf32, [sliced<0>, sliced<0>] on @one_by_two>
}

// Each collective that disappears says so (a schedule asked of it has
// nothing to act on); one carrying a schedule's mark is a warning.
// SAID: remark: [Missed] not-applied | Category:coco-localize | Function=every_collective | Remark="coco.all_reduce is over a group of one rank: no data moves, it becomes its input, and no schedule of it (fused reduce-scatter, overlap) has anything to act on"
// SAID: warning: coco-fuse-reduce-scatter was requested but does not apply here: coco.reduce_scatter is over a group of one rank: no data moves, it becomes its input, and no schedule of it (fused reduce-scatter, overlap) has anything to act on
// CHECK-LABEL: func @marked
func.func @marked(%g: !L) -> !S1 {
  %rs = coco.reduce_scatter sum %g dim 1 {coco.fuse_reduce_scatter} : !L
  return %rs : !S1
}
