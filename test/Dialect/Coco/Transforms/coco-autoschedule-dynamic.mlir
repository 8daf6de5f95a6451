// A '?' grid: the cost depends on the number of ranks, which must be given.
// RUN: not coco-opt %s "--coco-autoschedule=profile=%S/Inputs/memory-bound.json" 2>&1 | FileCheck %s
// CHECK: error: coco-autoschedule: a grid has a '?' extent: give the number of ranks with ranks=N
// RUN: coco-opt %s "--coco-autoschedule=profile=%S/Inputs/memory-bound.json ranks=2" | FileCheck %s --check-prefix=OK
// OK: coco.reduce_scatter
coco.grid @dp(shape = [?])
func.func @step(%w: !coco.dtensor<4096xf32, replicated on @dp> {coco.name = "w"},
                %g: !coco.dtensor<4096xf32, local on @dp> {coco.name = "g"}) {
  %sum = coco.all_reduce sum %g : !coco.dtensor<4096xf32, local on @dp>
  %wn = coco.sub %w, %sum : !coco.dtensor<4096xf32, replicated on @dp>, !coco.dtensor<4096xf32, replicated on @dp>
  coco.update %w, %wn : !coco.dtensor<4096xf32, replicated on @dp>
  return
}
