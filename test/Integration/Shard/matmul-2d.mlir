// A program sharded with upstream MLIR's shard dialect on a 2 x 2 grid, the
// contracted dimension split over *both* axes (split_axes = [[], [0, 1]]):
// upstream's shard-partition emits an all_reduce over grid axes [0, 1],
// which coco runs on the group of both axes. coco-shard-placements, run
// before partitioning, records how each argument's blocks make up the global
// tensor (A: [sliced<1>, sliced<1>] on @grid, B: [sliced<0>, sliced<0>]), so
// the host program takes *global* inputs and cuts every rank's block.
//
// RUN: coco-opt %s --coco-shard-placements | FileCheck %s --check-prefix=PLACE
// PLACE: func.func @matmul(%{{.*}}: tensor<8x4xf32> {coco.distribution = !coco.dtensor<8x4xf32, [sliced<1>, sliced<1>] on @grid>, coco.name = "a"}, %{{.*}}: tensor<4x6xf32> {coco.distribution = !coco.dtensor<4x6xf32, [sliced<0>, sliced<0>] on @grid>, coco.name = "b"})
// PLACE-SAME: -> (tensor<8x6xf32> {coco.distribution = !coco.dtensor<8x6xf32, replicated on @grid>, coco.name = "c"})
//
// RUN: coco-opt %s "--pass-pipeline=builtin.module(coco-shard-placements,func.func(sharding-propagation,shard-partition),convert-shard-to-coco)" | FileCheck %s --check-prefix=IMPORT
// IMPORT: coco.comm.all_reduce sum %{{.*}} into %{{.*}} on @grid[0, 1] : tensor<8x6xf32>, tensor<8x6xf32>
//
// RUN: coco-compile %s -o %t.exe "--pre-pass=--pass-pipeline=builtin.module(coco-shard-placements,func.func(sharding-propagation,shard-partition),convert-shard-to-coco)"
// RUN: %coco_python %S/check_matmul.py %t.exe 2d | FileCheck %s
// CHECK: shard matmul on a 2 x 2 grid (K over both axes, global inputs): matches numpy

shard.grid @grid(shape = 2x2)

func.func @matmul(%a: tensor<8x4xf32> {coco.name = "a"}, %b: tensor<4x6xf32> {coco.name = "b"})
    -> (tensor<8x6xf32> {coco.name = "c"}) {
  %s0 = shard.sharding @grid split_axes = [[], [0, 1]] : !shard.sharding
  %a1 = shard.shard %a to %s0 : tensor<8x4xf32>
  %s1 = shard.sharding @grid split_axes = [[0, 1]] : !shard.sharding
  %b1 = shard.shard %b to %s1 : tensor<4x6xf32>
  %e = tensor.empty() : tensor<8x6xf32>
  %zero = arith.constant 0.0 : f32
  %init = linalg.fill ins(%zero : f32) outs(%e : tensor<8x6xf32>) -> tensor<8x6xf32>
  %m = linalg.matmul ins(%a1, %b1 : tensor<8x4xf32>, tensor<4x6xf32>) outs(%init : tensor<8x6xf32>) -> tensor<8x6xf32>
  %s2 = shard.sharding @grid split_axes = [[]] : !shard.sharding
  %m1 = shard.shard %m to %s2 : tensor<8x6xf32>
  return %m1 : tensor<8x6xf32>
}
