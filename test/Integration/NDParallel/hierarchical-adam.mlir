// The hierarchical all-reduce on a 2 x 2 grid (axis 0: nodes, axis 1: ranks
// within a node; every rank's gradient differs, so it is local on both):
// coco-hierarchical-all-reduce{inner=1} turns the all_reduce over both axes
// into reduce_scatter within the node, all_reduce of each block across
// nodes, all_gather within the node.
//
// - @grad_sum returns the all-reduced gradient: hierarchical equals flat
//   bitwise (integer-valued gradients: every order of the sum is exact);
// - @adam_step: flat (AR-C) matches numpy; hierarchical, and hierarchical +
//   coco-reorder + coco-shard-state (Adam on the node's block, m and v
//   sliced within the node, replicated across nodes) match it.
//
// RUN: %coco_python %S/../lib/check_nd.py hierarchical %s %t | FileCheck %s
// CHECK: hierarchical all_reduce on 4 ranks (2 nodes x 2): equals the flat one bitwise
// CHECK: hierarchical adam flat (AR-C) on 4 ranks: w, m, v match numpy
// CHECK: hierarchical adam hierarchical on 4 ranks: matches flat
// CHECK: hierarchical adam hierarchical+reorder+shard-state on 4 ranks: matches flat
//
// The same step on grids with an axis of one rank (4 x 1, 1 x 4, and 3 x 1
// with uneven blocks): w is
// gathered in place over both axes (test/Pipelines/one-rank-in-place.test).
// RUN: %coco_python %S/../lib/check_nd.py one-rank-axis %s %t.one | FileCheck %s --check-prefix=ONE
// ONE: adam AR-C on grid 4 x 1, 4 ranks, 4096 elements: w, m, v match numpy
// ONE: adam RS-C-AG+shard-state on grid 4 x 1, 4 ranks, 4096 elements: w, m, v match numpy
// ONE: adam AR-C on grid 1 x 4, 4 ranks, 4096 elements: w, m, v match numpy
// ONE: adam RS-C-AG+shard-state on grid 1 x 4, 4 ranks, 4096 elements: w, m, v match numpy
// ONE: adam AR-C on grid 3 x 1, 3 ranks, 4097 elements: w, m, v match numpy
// ONE: adam RS-C-AG+shard-state on grid 3 x 1, 3 ranks, 4097 elements: w, m, v match numpy

coco.grid @g(shape = [2, 2])

!Rep = !coco.dtensor<4096xf32, replicated on @g>
!Loc = !coco.dtensor<4096xf32, [local, local] on @g>

func.func @grad_sum(%g: !Loc {coco.name = "g"}) -> (!Rep {coco.name = "sum"}) {
  %0 = coco.all_reduce sum %g : !Loc
  return %0 : !Rep
}

func.func @adam_step(%w: !Rep {coco.name = "w"},
                     %g: !Loc {coco.name = "g"},
                     %m: !Rep {coco.name = "m", coco.init = "Zeros"},
                     %v: !Rep {coco.name = "v", coco.init = "Zeros"},
                     %step: f32 {coco.name = "step", coco.value = 1.0 : f32},
                     %lr: f32 {coco.name = "lr", coco.value = 1.0e-3 : f32},
                     %b1: f32 {coco.name = "beta1", coco.value = 0.9 : f32},
                     %b2: f32 {coco.name = "beta2", coco.value = 0.999 : f32},
                     %eps: f32 {coco.name = "eps", coco.value = 1.0e-8 : f32}) {
  %one = arith.constant 1.0 : f32
  %gsum = coco.all_reduce sum %g : !Loc
  // m = b1*m + (1-b1)*g ; v = b2*v + (1-b2)*g*g
  %omb1 = arith.subf %one, %b1 : f32
  %omb2 = arith.subf %one, %b2 : f32
  %m1 = coco.mul %m, %b1 : !Rep, f32
  %m2 = coco.mul %gsum, %omb1 : !Rep, f32
  %mn = coco.add %m1, %m2 : !Rep, !Rep
  %v1 = coco.mul %v, %b2 : !Rep, f32
  %gg = coco.mul %gsum, %gsum : !Rep, !Rep
  %v2 = coco.mul %gg, %omb2 : !Rep, f32
  %vn = coco.add %v1, %v2 : !Rep, !Rep
  // Bias correction: 1 - b^t.
  %b1t = math.powf %b1, %step : f32
  %b2t = math.powf %b2, %step : f32
  %c1 = arith.subf %one, %b1t : f32
  %c2 = arith.subf %one, %b2t : f32
  %mhat = coco.div %mn, %c1 : !Rep, f32
  %vhat = coco.div %vn, %c2 : !Rep, f32
  // w = w - lr * mhat / (sqrt(vhat) + eps)
  %root = coco.sqrt %vhat : !Rep
  %den = coco.add %root, %eps : !Rep, f32
  %ratio = coco.div %mhat, %den : !Rep, !Rep
  %delta = coco.mul %ratio, %lr : !Rep, f32
  %wn = coco.sub %w, %delta : !Rep, !Rep
  coco.update %w, %wn : !Rep
  coco.update %m, %mn : !Rep
  coco.update %v, %vn : !Rep
  return
}
