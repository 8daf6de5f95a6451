// PP x TP x DP on a 2 x 2 x 2 grid (8 ranks; axis 0: pipeline stages, axis 1:
// tensor parallelism, axis 2: data parallelism): the pipeline layer of
// test/Integration/PipelineParallel/layer.mlir on every data-parallel
// replica, with inputs that differ between replicas (local on axis 2).
// Stage 0 computes the row-parallel matmul, all_reduces the partial sums
// over its TP ranks and sends the sum to stage 1 (same TP and DP
// coordinates), which applies bias, dropout and the residual; stage 0
// returns r. RS-P2P-C-AG is the program under coco-pipeline-send +
// coco-reorder: the send carries the reduce_scatter slice over TP and the
// receivers all_gather it over TP after their pointwise work.
//
// RUN: %coco_python %S/../lib/check_nd.py pp-tp-dp %s %t | FileCheck %s
// CHECK: pp-tp-dp AR-P2P-C on 8 ranks (2 PP x 2 TP x 2 DP): stage 1 matches numpy for both replicas, stage 0 returns r
// CHECK: pp-tp-dp RS-P2P-C-AG on 8 ranks: matches AR-P2P-C bitwise

coco.grid @g(shape = [2, 2, 2])

!X = !coco.dtensor<2x4x8xf32, [replicated, sliced<2>, local] on @g>
!W = !coco.dtensor<8x8xf32, sliced<0> on @g[1]>
!Act = !coco.dtensor<2x4x8xf32, local on @g[2]>

func.func @layer(%x: !X {coco.name = "x"}, %w: !W {coco.name = "w"},
                 %b: !coco.dtensor<8xf32, replicated on @g> {coco.name = "b"},
                 %r: !Act {coco.name = "r"},
                 %p: f32 {coco.name = "p", coco.value = 0.1 : f32},
                 %seed: i64 {coco.name = "seed", coco.value = 1234 : i64})
    -> (!Act {coco.name = "z"}) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %stage = coco.axis_rank @g[0]
  %first = arith.cmpi eq, %stage, %c0 : index
  %z = scf.if %first -> !Act {
    %partial = coco.matmul %x, %w : !X, !W
    %y = coco.all_reduce sum %partial along [1] : !coco.dtensor<2x4x8xf32, [replicated, local, local] on @g>
    coco.send %y to %c1 along 0 : !Act
    scf.yield %r : !Act
  } else {
    %y = coco.recv from %c0 along 0 : !Act
    %bias = coco.expand %b dims [2] : !coco.dtensor<8xf32, replicated on @g> to !coco.dtensor<2x4x8xf32, replicated on @g>
    %yb = coco.add %y, %bias : !Act, !coco.dtensor<2x4x8xf32, replicated on @g>
    %d = coco.dropout %yb, %p, %seed : !Act
    %out = coco.add %d, %r : !Act, !Act
    scf.yield %out : !Act
  }
  return %z : !Act
}
