// A program sharded with upstream MLIR's shard dialect (A split on its
// columns, B on its rows, the product replicated), partitioned by upstream's
// sharding-propagation + shard-partition, imported with
// convert-shard-to-coco, compiled by coco and run on 2 MPI ranks. The
// partitioner's all_reduce of the partial products becomes coco's runtime
// collective (upstream's own MPI lowering makes a communicator per call).
//
// RUN: coco-compile %s -o %t.exe "--pre-pass=--pass-pipeline=builtin.module(func.func(sharding-propagation,shard-partition),convert-shard-to-coco)"
// RUN: %coco_python %S/check_matmul.py %t.exe | FileCheck %s
// CHECK: shard matmul on 2 ranks: matches numpy

shard.grid @grid(shape = 2)

func.func @matmul(%a: tensor<8x4xf32>, %b: tensor<4x6xf32>) -> tensor<8x6xf32> {
  %s0 = shard.sharding @grid split_axes = [[], [0]] : !shard.sharding
  %a1 = shard.shard %a to %s0 : tensor<8x4xf32>
  %s1 = shard.sharding @grid split_axes = [[0]] : !shard.sharding
  %b1 = shard.shard %b to %s1 : tensor<4x6xf32>
  %e = tensor.empty() : tensor<8x6xf32>
  %zero = arith.constant 0.0 : f32
  %init = linalg.fill ins(%zero : f32) outs(%e : tensor<8x6xf32>) -> tensor<8x6xf32>
  %m = linalg.matmul ins(%a1, %b1 : tensor<8x4xf32>, tensor<4x6xf32>) outs(%init : tensor<8x6xf32>) -> tensor<8x6xf32>
  %s2 = shard.sharding @grid split_axes = [[]] : !shard.sharding
  %m1 = shard.shard %m to %s2 : tensor<8x6xf32>
  return %m1 : tensor<8x6xf32>
}
