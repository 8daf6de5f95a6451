// Pipeline-parallel layer (WORKLOADS.md), CoCoNet's AR-P2P-C on a grid of
// 2 pipeline stages (axis 0) x T tensor-parallel ranks (axis 1): stage 0
// computes the row-parallel matmul, all_reduces the partial sums over its T
// ranks and sends the sum to stage 1, which applies bias, dropout and the
// residual: z = dropout(x @ W + b) + r. Stage 0 returns r unchanged.
//
// RS-P2P-C-AG is this program under coco-pipeline-send + coco-reorder:
// stage 0 reduce_scatters and sends its 1/T slice, stage 1 applies bias,
// dropout and residual on the slice and all_gathers. ol(MM,AR)-P2P-C is the
// program with the pipeline option overlap-chunks=2; ol(MM,RS)-P2P-C-AG sends
// slices along H (coco-pipeline-send{dim=2}) with overlap-chunks=2, so each
// row block of the matmul is reduce-scattered while the next one computes.
// check_pipeline.py
// compares them on 2 ranks (2 x 1) and 4 ranks (2 x 2).
//
// RUN: %coco_python %S/../lib/check_pipeline.py %s 2 %t.2 | FileCheck %s
// RUN: %coco_python %S/../lib/check_pipeline.py %s 4 %t.4 | FileCheck %s
// CHECK: AR-P2P-C on [[N:[24]]] ranks (2 stages x [[T:[12]]]): stage 1 matches numpy, stage 0 returns r
// CHECK: RS-P2P-C-AG on [[N]] ranks (2 stages x [[T]]): matches AR-P2P-C bitwise
// CHECK: RS-P2P-C-AG (transform script) on [[N]] ranks (2 stages x [[T]]): matches AR-P2P-C bitwise
// CHECK: ol(MM,AR)-P2P-C on [[N]] ranks (2 stages x [[T]]): matches AR-P2P-C {{bitwise|within rtol 1e-5}}
// CHECK: ol(MM,RS)-P2P-C-AG on [[N]] ranks (2 stages x [[T]]): matches AR-P2P-C {{bitwise|within rtol 1e-5}}

coco.grid @pp(shape = [2, ?])

!X = !coco.dtensor<4x8x16xf32, sliced<2> on @pp[1]>
!W = !coco.dtensor<16x16xf32, sliced<0> on @pp[1]>
!Act = !coco.dtensor<4x8x16xf32, replicated on @pp[1]>

func.func @layer(%x: !X {coco.name = "x"}, %w: !W {coco.name = "w"},
                 %b: !coco.dtensor<16xf32, replicated on @pp[1]> {coco.name = "b"},
                 %r: !Act {coco.name = "r"},
                 %p: f32 {coco.name = "p", coco.value = 0.1 : f32},
                 %seed: i64 {coco.name = "seed", coco.value = 1234 : i64})
    -> (!Act {coco.name = "z"}) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %stage = coco.axis_rank @pp[0]
  %first = arith.cmpi eq, %stage, %c0 : index
  %z = scf.if %first -> !Act {
    %partial = coco.matmul %x, %w : !X, !W
    %y = coco.all_reduce sum %partial : !coco.dtensor<4x8x16xf32, local on @pp[1]>
    coco.send %y to %c1 along 0 : !Act
    scf.yield %r : !Act
  } else {
    %y = coco.recv from %c0 along 0 : !Act
    %bias = coco.expand %b dims [2] : !coco.dtensor<16xf32, replicated on @pp[1]> to !Act
    %yb = coco.add %y, %bias : !Act, !Act
    %d = coco.dropout %yb, %p, %seed : !Act
    %out = coco.add %d, %r : !Act, !Act
    scf.yield %out : !Act
  }
  return %z : !Act
}
