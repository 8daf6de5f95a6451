// A '?' grid: the cost depends on the number of ranks, which must be given.
// RUN: not coco-opt %s "--coco-autoschedule=profile=%S/Inputs/memory-bound.json" 2>&1 | FileCheck %s
// CHECK: error: coco-autoschedule: a grid has a '?' extent: give the number of ranks with ranks=N
// The fused reduce_scatter needs a static group; left out, saying why.
// RUN: coco-opt %s "--coco-autoschedule=profile=%S/Inputs/memory-bound.json ranks=2" --remarks-filter=coco-autoschedule 2>&1 | FileCheck %s --check-prefix=OK
// OK: Remark="chose RS-C-AG: predicted {{[0-9.]+}} ms per step with memory-bound (test) (ranking: RS-C-AG {{[0-9.]+}} ms, AR-C {{[0-9.]+}} ms); left out: fuse(RS-C-AG) ('coco.reduce_scatter' op cannot fold into its consumers: its grid axes must have a static number of ranks)"
// OK: coco.reduce_scatter sum %arg1 dim 0 :
coco.grid @dp(shape = [?])
func.func @step(%w: !coco.dtensor<4096xf32, replicated on @dp> {coco.name = "w"},
                %g: !coco.dtensor<4096xf32, local on @dp> {coco.name = "g"}) {
  %sum = coco.all_reduce sum %g : !coco.dtensor<4096xf32, local on @dp>
  %wn = coco.sub %w, %sum : !coco.dtensor<4096xf32, replicated on @dp>, !coco.dtensor<4096xf32, replicated on @dp>
  coco.update %w, %wn : !coco.dtensor<4096xf32, replicated on @dp>
  return
}
