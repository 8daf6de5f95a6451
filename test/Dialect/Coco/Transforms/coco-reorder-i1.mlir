// RUN: coco-opt %s --coco-reorder | FileCheck %s
// RUN: coco-opt %s --coco-reorder --remarks-filter=coco-reorder -o /dev/null 2>&1 | FileCheck %s --check-prefix=REMARK
// RUN: coco-opt %s --coco-autoschedule="profile=%S/Inputs/memory-bound.json ranks=2" | FileCheck %s --check-prefix=AUTO

// A reduction of i1 values over the gathered dimension stays after the
// all_gather: reordered, its partial results would need an all_reduce of
// i1, which no collective takes (coco-opt aborted building it, in
// coco-reorder and in coco-autoschedule's candidates). Over another
// dimension it moves (its partial results are gathered, not reduced).

coco.grid @g(shape = [2])

// CHECK-LABEL: func @over_gathered
// CHECK: %[[A:.*]] = coco.all_gather
// CHECK-NEXT: coco.reduce max %[[A]] dims [0] : !coco.dtensor<8xi1, replicated on @g>
// CHECK-NOT: coco.all_reduce {{.*}}i1,
// REMARK: coco-reorder-i1.mlir:[[#@LINE+5]]:8: remark: [Missed] not-applied | Category:coco-reorder | Function=over_gathered | Remark="this reduction over the gathered dimension stays after the all_gather: i1 values cannot be combined across ranks
// AUTO-LABEL: func @over_gathered
// AUTO: coco.all_gather
func.func @over_gathered(%x: !coco.dtensor<8xi1, sliced<0> on @g>, %g: !coco.dtensor<64xf32, local on @g>) -> (!coco.dtensor<i1, replicated on @g>, !coco.dtensor<64xf32, replicated on @g>) {
  %a = coco.all_gather %x : !coco.dtensor<8xi1, sliced<0> on @g>
  %r = coco.reduce max %a dims [0] : !coco.dtensor<8xi1, replicated on @g>
  %s = coco.all_reduce sum %g : !coco.dtensor<64xf32, local on @g>
  return %r, %s : !coco.dtensor<i1, replicated on @g>, !coco.dtensor<64xf32, replicated on @g>
}

// CHECK-LABEL: func @over_other
// CHECK: %[[P:.*]] = coco.reduce max %{{.*}} dims [1] : !coco.dtensor<8x4xi1, sliced<0> on @g>
// CHECK-NEXT: coco.all_gather %[[P]]
func.func @over_other(%x: !coco.dtensor<8x4xi1, sliced<0> on @g>) -> !coco.dtensor<8xi1, replicated on @g> {
  %a = coco.all_gather %x : !coco.dtensor<8x4xi1, sliced<0> on @g>
  %r = coco.reduce max %a dims [1] : !coco.dtensor<8x4xi1, replicated on @g>
  return %r : !coco.dtensor<8xi1, replicated on @g>
}
