// Megatron-style row-parallel linear layer (WORKLOADS.md), CoCoNet's MM-AR-C:
// y_r = x_r @ W_r (partial sums), y = all_reduce(y_r), z = dropout(y + b) + r.
// MM-RS-C-AG is this program under coco-split + coco-reorder: bias, dropout
// and residual run on slices of [B*S*H] between the reduce_scatter and the
// all_gather. ol(MM,AR)-C is this program with the pipeline option
// overlap-chunks=2 (coco-overlap). ol(MM,RS)-C-AG is MM-RS-C-AG split along
// H (coco-split{dim=2}) with overlap-chunks=2: row blocks of the matmul are
// reduce-scattered without blocking while the next block computes; also as
// the transform script schedules/ol-mm-rs-c-ag.mlir (transform.coco.overlap).
// check_layer.py compares them on 2 and 4 ranks.
//
// RUN: %coco_python %S/../lib/check_layer.py %s 2 %t.2 | FileCheck %s
// RUN: %coco_python %S/../lib/check_layer.py %s 4 %t.4 | FileCheck %s
// CHECK: MM-AR-C on [[N:[24]]] ranks: matches numpy
// CHECK: MM-RS-C-AG on [[N]] ranks: matches MM-AR-C
// CHECK: ol(MM,AR)-C on [[N]] ranks: matches MM-AR-C {{bitwise|within rtol 1e-5}}
// CHECK: ol(MM,RS)-C-AG on [[N]] ranks: matches MM-AR-C
// CHECK: ol(MM,RS)-C-AG (transform script) on [[N]] ranks: matches the passes bitwise

coco.grid @tp(shape = [?])

!X = !coco.dtensor<4x8x16xf32, sliced<2> on @tp>
!W = !coco.dtensor<16x16xf32, sliced<0> on @tp>
!Act = !coco.dtensor<4x8x16xf32, replicated on @tp>

func.func @layer(%x: !X {coco.name = "x"}, %w: !W {coco.name = "w"},
                 %b: !coco.dtensor<16xf32, replicated on @tp> {coco.name = "b"},
                 %r: !Act {coco.name = "r"},
                 %p: f32 {coco.name = "p", coco.value = 0.1 : f32},
                 %seed: i64 {coco.name = "seed", coco.value = 1234 : i64})
    -> (!Act {coco.name = "z"}) {
  %partial = coco.matmul %x, %w : !X, !W
  %y = coco.all_reduce sum %partial : !coco.dtensor<4x8x16xf32, local on @tp>
  %bias = coco.expand %b dims [2] : !coco.dtensor<16xf32, replicated on @tp> to !Act
  %yb = coco.add %y, %bias : !Act, !Act
  %d = coco.dropout %yb, %p, %seed : !Act
  %z = coco.add %d, %r : !Act, !Act
  return %z : !Act
}
