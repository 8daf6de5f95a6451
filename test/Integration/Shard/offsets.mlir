// A sharding with explicit sharded_dims_offsets that are coco's blocks (7
// rows on 3 ranks: 3, 2, 2, as numpy.array_split): upstream's
// shard-partition types the blocks dynamically (tensor<?x2xf32>), and the
// host passes each rank its block of the global input and reads each
// rank's block of the result (checked by running). Upstream 22.1 crashes
// partitioning most ops on such tensors (partitionTriviallyShardableOperation),
// so the program passes its argument through.
//
// RUN: coco-compile %s -o %t.exe "--pre-pass=--pass-pipeline=builtin.module(coco-shard-placements,func.func(sharding-propagation,shard-partition),convert-shard-to-coco)"
// RUN: %coco_python %S/check_offsets.py %t.exe 3 | FileCheck %s
// CHECK: shard offsets [0, 3, 5, 7] on 3 ranks: blocks of 3, 2, 2 rows in and out

shard.grid @grid(shape = 3)

func.func @f(%b: tensor<7x2xf32> {coco.name = "b"}) -> (tensor<7x2xf32> {coco.name = "c"}) {
  %s = shard.sharding @grid split_axes = [[0]] sharded_dims_offsets = [0, 3, 5, 7] : !shard.sharding
  %b1 = shard.shard %b to %s : tensor<7x2xf32>
  %b2 = shard.shard %b1 to %s annotate_for_users : tensor<7x2xf32>
  return %b2 : tensor<7x2xf32>
}
