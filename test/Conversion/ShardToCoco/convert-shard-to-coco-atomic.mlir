// RUN: not coco-opt %s --convert-shard-to-coco --mlir-print-ir-after-failure 2>&1 | FileCheck %s

// convert-shard-to-coco checks every op before it changes any: after a
// failure the module is the one it was given.
// CHECK: error: 'shard.broadcast' op needs a static root (one index per grid axis of the group)
// CHECK: IR Dump After ConvertShardToCocoPass Failed
// CHECK: shard.grid @grid
// CHECK: shard.all_reduce
// CHECK-NOT: coco.
shard.grid @grid(shape = 4)
func.func @atomic(%x: tensor<8xf32>, %r: index) -> tensor<8xf32> {
  %0 = shard.all_reduce %x on @grid grid_axes = [0] : tensor<8xf32> -> tensor<8xf32>
  %1 = shard.broadcast %0 on @grid grid_axes = [0] root = [%r] : (tensor<8xf32>, index) -> tensor<8xf32>
  return %1 : tensor<8xf32>
}
