// LAMB on 2-D grids (data parallel over both axes, or nodes x ranks per
// node), every rank's gradient its own: the trust ratio's norms are sums
// over the whole tensor, so wherever a schedule computes them from blocks,
// the all_reduce of the partial sums must run over exactly the axes the
// blocks are cut along. check_nd.py lamb-2d compiles each schedule for a
// 2 x 2 grid (4096 elements) and a 2 x 3 grid (4097: uneven, nested
// blocks), runs it on 4 and 6 ranks and compares w, m, v with numpy:
//
// - AR-C: the norms of the replicated w and u, whole;
// - RS-C-AG + shard-state(m, v): the split over both axes; ||w|| from w's
//   slice along [0, 1] (coco-reorder's norms-from-slices), ||u|| from u's
//   slices;
// - RS-C-AG + shard-state(w, m, v): w kept sliced, ||w|| from its blocks
//   (coco-shard-state);
// - hierarchical(inner=1) + reorder + shard-state(m, v): the update on the
//   node's block, ||w|| from w's slice along [1] only (w is replicated
//   across nodes: a sum over axis 0 too would count it twice);
// - fuse(RS-C-AG) + shard-state(m, v): the reduce_scatter over both axes
//   folded into the update loop, its exchange in chunks of 256 bytes from
//   all peers together (21 rows of 3 peers, 12 of 5; equal blocks on 2 x 2; on 2 x 3 the nested uneven blocks go in
//   windows of every block, the largest 683 rows); m and v also match the
//   unfused step (ring reduce-scatter) bitwise.
//
// RUN: %coco_python %S/../lib/check_nd.py lamb-2d %s %t | FileCheck %s
// CHECK: lamb AR-C on grid 2 x 2, 4 ranks, 4096 elements: w, m, v match numpy
// CHECK: lamb RS-C-AG+shard-state(m,v) on grid 2 x 2, 4 ranks, 4096 elements: w, m, v match numpy
// CHECK: lamb RS-C-AG+shard-state(w,m,v) on grid 2 x 2, 4 ranks, 4096 elements: w, m, v match numpy
// CHECK: lamb hierarchical+reorder+shard-state(m,v) on grid 2 x 2, 4 ranks, 4096 elements: w, m, v match numpy
// CHECK: lamb fuse(RS-C-AG)+shard-state(m,v) on grid 2 x 2: exchanged in chunks of 21 of 1024 rows
// CHECK: lamb fuse(RS-C-AG)+shard-state(m,v) on grid 2 x 2, 4 ranks, 4096 elements: w, m, v match numpy
// CHECK: lamb fuse(RS-C-AG)+shard-state(m,v) on grid 2 x 2: m, v match RS-C-AG+shard-state(m,v) bitwise
// CHECK: lamb AR-C on grid 2 x 3, 6 ranks, 4097 elements: w, m, v match numpy
// CHECK: lamb RS-C-AG+shard-state(m,v) on grid 2 x 3, 6 ranks, 4097 elements: w, m, v match numpy
// CHECK: lamb RS-C-AG+shard-state(w,m,v) on grid 2 x 3, 6 ranks, 4097 elements: w, m, v match numpy
// CHECK: lamb hierarchical+reorder+shard-state(m,v) on grid 2 x 3, 6 ranks, 4097 elements: w, m, v match numpy
// CHECK: lamb fuse(RS-C-AG)+shard-state(m,v) on grid 2 x 3: exchanged in windows of 12 of up to 683 rows
// CHECK: lamb fuse(RS-C-AG)+shard-state(m,v) on grid 2 x 3, 6 ranks, 4097 elements: w, m, v match numpy
// CHECK: lamb fuse(RS-C-AG)+shard-state(m,v) on grid 2 x 3: m, v match RS-C-AG+shard-state(m,v) bitwise

coco.grid @g(shape = [2, 2])

!Rep = !coco.dtensor<4096xf32, replicated on @g>
!Loc = !coco.dtensor<4096xf32, [local, local] on @g>
!Norm = !coco.dtensor<f32, replicated on @g>

func.func @lamb_step(%w: !Rep {coco.name = "w"},
                     %g: !Loc {coco.name = "g"},
                     %m: !Rep {coco.name = "m", coco.init = "Zeros"},
                     %v: !Rep {coco.name = "v", coco.init = "Zeros"},
                     %step: f32 {coco.name = "step", coco.value = 1.0 : f32},
                     %lr: f32 {coco.name = "lr", coco.value = 1.0e-3 : f32},
                     %b1: f32 {coco.name = "beta1", coco.value = 0.9 : f32},
                     %b2: f32 {coco.name = "beta2", coco.value = 0.999 : f32},
                     %eps: f32 {coco.name = "eps", coco.value = 1.0e-6 : f32},
                     %wd: f32 {coco.name = "weight_decay", coco.value = 0.01 : f32}) {
  %one = arith.constant 1.0 : f32
  %zero = arith.constant 0.0 : f32
  %gsum = coco.all_reduce sum %g : !Loc
  %omb1 = arith.subf %one, %b1 : f32
  %omb2 = arith.subf %one, %b2 : f32
  %m1 = coco.mul %m, %b1 : !Rep, f32
  %m2 = coco.mul %gsum, %omb1 : !Rep, f32
  %mn = coco.add %m1, %m2 : !Rep, !Rep
  %v1 = coco.mul %v, %b2 : !Rep, f32
  %gg = coco.mul %gsum, %gsum : !Rep, !Rep
  %v2 = coco.mul %gg, %omb2 : !Rep, f32
  %vn = coco.add %v1, %v2 : !Rep, !Rep
  %b1t = math.powf %b1, %step : f32
  %b2t = math.powf %b2, %step : f32
  %c1 = arith.subf %one, %b1t : f32
  %c2 = arith.subf %one, %b2t : f32
  %mhat = coco.div %mn, %c1 : !Rep, f32
  %vhat = coco.div %vn, %c2 : !Rep, f32
  %root = coco.sqrt %vhat : !Rep
  %den = coco.add %root, %eps : !Rep, f32
  %adam = coco.div %mhat, %den : !Rep, !Rep
  %decay = coco.mul %w, %wd : !Rep, f32
  %u = coco.add %adam, %decay : !Rep, !Rep
  // Trust ratio from the whole-tensor norms.
  %wnorm_t = coco.norm %w : !Rep
  %unorm_t = coco.norm %u : !Rep
  %wnorm = coco.extract %wnorm_t : !Norm -> f32
  %unorm = coco.extract %unorm_t : !Norm -> f32
  %wpos = arith.cmpf ogt, %wnorm, %zero : f32
  %upos = arith.cmpf ogt, %unorm, %zero : f32
  %both = arith.andi %wpos, %upos : i1
  %ratio = arith.divf %wnorm, %unorm : f32
  %trust = arith.select %both, %ratio, %one : f32
  %scale = arith.mulf %lr, %trust : f32
  %delta = coco.mul %u, %scale : !Rep, f32
  %wn = coco.sub %w, %delta : !Rep, !Rep
  coco.update %w, %wn : !Rep
  coco.update %m, %mn : !Rep
  coco.update %v, %vn : !Rep
  return
}
