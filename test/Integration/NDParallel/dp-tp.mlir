// DP x TP on a 2 x 2 grid (axis 0: data parallel, axis 1: tensor parallel):
// the tensor-parallel layer (WORKLOADS.md) on each data-parallel replica,
// with inputs that differ between replicas, then the Adam step of its
// TP-sliced weight with the weight gradient *averaged* over the replicas
// (as DDP does). One coco program: the types say which values differ along
// which axis.
//
// Schedules (check_nd.py compares them):
//   AR-C over DP      this program;
//   RS-C-AG+ss (DP)   --coco-split=axes=0 --coco-reorder=axes=0
//                     --coco-shard-state=args=m,v: the gradient is
//                     reduce-scattered over DP *within* each TP block (axis 0
//                     slices dim 0 within axis 1: Megatron's distributed
//                     optimizer), Adam runs on that block, m and v stay
//                     sliced over both axes;
//   + MM-RS-C-AG (TP) the same with the layer's all_reduce over TP split and
//                     its bias, dropout and residual run on TP slices too;
//   fuse(...)         the reduce-scatters folded into their loops
//                     (fuse-reduce-scatter): the DP exchange among the 2
//                     ranks of each TP column, whole or in chunks of one row
//                     (coco-chunk-exchange; the runtime's COCO_PROFILE counts
//                     4 calls per step), the TP one into the dropout's loop
//                     in 2 chunks (the dropout's element index must count
//                     from each chunk's start: its mask is checked bitwise).
//
// RUN: %coco_python %S/../lib/check_nd.py dp-tp %s %t | FileCheck %s
// CHECK: dp-tp AR-C on 4 ranks (2 DP x 2 TP): z and w, m, v match numpy
// CHECK: dp-tp RS-C-AG+shard-state over DP on 4 ranks: matches AR-C bitwise
// CHECK: dp-tp RS-C-AG+shard-state over DP, MM-RS-C-AG over TP on 4 ranks: matches AR-C bitwise
// CHECK: dp-tp fuse(RS-C-AG)+shard-state over DP, exchange whole on 4 ranks: matches AR-C bitwise
// CHECK: dp-tp fuse(RS-C-AG)+shard-state over DP, exchange in chunks on 4 ranks: matches AR-C bitwise
// CHECK: dp-tp fuse(RS-C-AG)+shard-state over DP and TP, exchanges in chunks on 4 ranks: matches AR-C bitwise

coco.grid @g(shape = [2, 2])

!X = !coco.dtensor<4x8x16xf32, [local, sliced<2>] on @g>
!W = !coco.dtensor<16x16xf32, sliced<0> on @g[1]>
!G = !coco.dtensor<16x16xf32, [local, sliced<0>] on @g>
!Act = !coco.dtensor<4x8x16xf32, local on @g>
!Rep = !coco.dtensor<4x8x16xf32, replicated on @g>

func.func @dp_tp_step(%x: !X {coco.name = "x"}, %w: !W {coco.name = "w"},
                      %b: !coco.dtensor<16xf32, replicated on @g> {coco.name = "b"},
                      %r: !Act {coco.name = "r"},
                      %g: !G {coco.name = "g"},
                      %m: !W {coco.name = "m"},
                      %v: !W {coco.name = "v"},
                      %p: f32 {coco.name = "p", coco.value = 0.1 : f32},
                      %seed: i64 {coco.name = "seed", coco.value = 1234 : i64},
                      %step: f32 {coco.name = "step", coco.value = 1.0 : f32},
                      %lr: f32 {coco.name = "lr", coco.value = 1.0e-3 : f32},
                      %b1: f32 {coco.name = "beta1", coco.value = 0.9 : f32},
                      %b2: f32 {coco.name = "beta2", coco.value = 0.999 : f32},
                      %eps: f32 {coco.name = "eps", coco.value = 1.0e-8 : f32})
    -> (!Act {coco.name = "z"}) {
  // Forward: partial sums over TP, different on every rank.
  %partial = coco.matmul %x, %w : !X, !W
  %y = coco.all_reduce sum %partial along [1] : !coco.dtensor<4x8x16xf32, [local, local] on @g>
  %bias = coco.expand %b dims [2] : !coco.dtensor<16xf32, replicated on @g> to !Rep
  %yb = coco.add %y, %bias : !Act, !Rep
  %d = coco.dropout %yb, %p, %seed : !Act
  %z = coco.add %d, %r : !Act, !Act

  // Adam on this rank's TP block of W; the gradient averaged over DP.
  %one = arith.constant 1.0 : f32
  %gavg = coco.all_reduce avg %g along [0] : !G
  %omb1 = arith.subf %one, %b1 : f32
  %omb2 = arith.subf %one, %b2 : f32
  %m1 = coco.mul %m, %b1 : !W, f32
  %m2 = coco.mul %gavg, %omb1 : !W, f32
  %mn = coco.add %m1, %m2 : !W, !W
  %v1 = coco.mul %v, %b2 : !W, f32
  %gg = coco.mul %gavg, %gavg : !W, !W
  %v2 = coco.mul %gg, %omb2 : !W, f32
  %vn = coco.add %v1, %v2 : !W, !W
  %b1t = math.powf %b1, %step : f32
  %b2t = math.powf %b2, %step : f32
  %c1 = arith.subf %one, %b1t : f32
  %c2 = arith.subf %one, %b2t : f32
  %mhat = coco.div %mn, %c1 : !W, f32
  %vhat = coco.div %vn, %c2 : !W, f32
  %root = coco.sqrt %vhat : !W
  %den = coco.add %root, %eps : !W, f32
  %ratio = coco.div %mhat, %den : !W, !W
  %delta = coco.mul %ratio, %lr : !W, f32
  %wn = coco.sub %w, %delta : !W, !W
  coco.update %w, %wn : !W
  coco.update %m, %mn : !W
  coco.update %v, %vn : !W
  return %z : !Act
}
