// RUN: split-file %s %t
// RUN: not coco-opt %t/step.mlir "--coco-predict=profile=%S/Inputs/memory-bound.json ranks=3" -o /dev/null 2>&1 | FileCheck %s --check-prefix=RANKS
// RUN: not coco-opt %t/step.mlir "--coco-autoschedule=profile=%S/Inputs/memory-bound.json ranks=3" -o /dev/null 2>&1 | FileCheck %s --check-prefix=RANKS

// The cost model refuses ranks the grid's static axes do not divide: 3
// ranks on [?, 2] once made the '?' 1 and predicted 0 ms. (Infinite times
// are refused too: CostModel.RefusesToPriceInfiniteTimes.)
// RANKS: error: {{.*}}cost model: 3 rank(s) cannot fill grid @g: its static axes need a multiple of 2

//--- step.mlir
coco.grid @g(shape = [?, 2])
func.func @step(%w: !coco.dtensor<4096xf32, replicated on @g> {coco.name = "w"},
                %x: !coco.dtensor<4096xf32, local on @g> {coco.name = "x"}) {
  %sum = coco.all_reduce sum %x : !coco.dtensor<4096xf32, local on @g>
  %wn = coco.sub %w, %sum : !coco.dtensor<4096xf32, replicated on @g>, !coco.dtensor<4096xf32, replicated on @g>
  coco.update %w, %wn : !coco.dtensor<4096xf32, replicated on @g>
  return
}
