// RUN: not coco-opt %s --convert-shard-to-coco --mlir-print-ir-after-failure --split-input-file 2>&1 | FileCheck %s

// A shard.grid that cannot become a coco.grid is refused by the rule
// coco.grid's verifier applies, before the import changes anything (the
// verifier alone would report it only after the rewrite).
// CHECK: error: 'shard.grid' op cannot become a coco.grid: it has more than 2147483647 ranks (MPI and NCCL number ranks with an int)
// CHECK: IR Dump After ConvertShardToCocoPass Failed
// CHECK: shard.grid @huge(shape = 65536x65536)
// CHECK: shard.all_reduce
// CHECK-NOT: coco.
shard.grid @huge(shape = 65536x65536)
func.func @f(%x: tensor<8xf32>) -> tensor<8xf32> {
  %y = shard.all_reduce %x on @huge grid_axes = [0] : tensor<8xf32> -> tensor<8xf32>
  return %y : tensor<8xf32>
}

// -----

// CHECK: error: 'shard.grid' op cannot become a coco.grid: it must have 1 to 4 dimensions, got 5
// CHECK: IR Dump After ConvertShardToCocoPass Failed
// CHECK: shard.grid @deep(shape = 1x1x1x1x2)
// CHECK-NOT: coco.
shard.grid @deep(shape = 1x1x1x1x2)
func.func @g(%x: tensor<8xf32>) -> tensor<8xf32> {
  %y = shard.all_reduce %x on @deep grid_axes = [4] : tensor<8xf32> -> tensor<8xf32>
  return %y : tensor<8xf32>
}
