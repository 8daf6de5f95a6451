// RUN: coco-opt %s --coco-shard-placements --split-input-file -verify-diagnostics | FileCheck %s

// Upstream shardings as coco placements, recorded on the entry.
shard.grid @grid(shape = 2x3)

// Split axes in shard's order (major first): [[1, 0]] splits dim 0 by axis 1,
// then each block by axis 0. Offsets that are coco's blocks (7 over 3: 3, 2,
// 2) are accepted.
// CHECK-LABEL: func @f
// CHECK-SAME: coco.distribution = !coco.dtensor<12x4xf32, [sliced<0> within 1, sliced<0>] on @grid>
// CHECK-SAME: coco.distribution = !coco.dtensor<4x7xf32, sliced<1> on @grid[1]>
// CHECK-SAME: coco.distribution = !coco.dtensor<4x6xf32, [sliced<1>, sliced<0>] on @grid>
func.func @f(%a: tensor<12x4xf32>, %b: tensor<4x7xf32>, %c: tensor<4x6xf32>) {
  %s0 = shard.sharding @grid split_axes = [[1, 0]] : !shard.sharding
  %a1 = shard.shard %a to %s0 : tensor<12x4xf32>
  %s1 = shard.sharding @grid split_axes = [[], [1]] sharded_dims_offsets = [0, 3, 5, 7] : !shard.sharding
  %b1 = shard.shard %b to %s1 : tensor<4x7xf32>
  %s2 = shard.sharding @grid split_axes = [[1], [0]] : !shard.sharding
  %c1 = shard.shard %c to %s2 : tensor<4x6xf32>
  return
}

// -----

shard.grid @grid(shape = 3)
func.func @offsets(%b: tensor<7xf32>) {
  %s = shard.sharding @grid split_axes = [[0]] sharded_dims_offsets = [0, 2, 4, 7] : !shard.sharding
  // expected-error @+1 {{shards dimension 0 at explicit offsets other than coco's blocks (n / R each, one more for the first n % R)}}
  %b1 = shard.shard %b to %s : tensor<7xf32>
  return
}

// -----

shard.grid @grid(shape = 2)
func.func @halo(%b: tensor<8xf32>) {
  %s = shard.sharding @grid split_axes = [[0]] halo_sizes = [1, 1] : !shard.sharding
  // expected-error @+1 {{shards with halos, which no coco placement describes}}
  %b1 = shard.shard %b to %s : tensor<8xf32>
  return
}

// -----

// A sharding that no shard.sharding op makes (an argument, or
// shard.get_sharding) crashed the pass (shard::Sharding reads that op).
shard.grid @grid(shape = 2)
func.func @sharding_argument(%x: tensor<8xf32>, %s: !shard.sharding) -> tensor<8xf32> {
  // expected-error @+1 {{takes its sharding from a shard.sharding op here: a sharding that is an argument or comes from shard.get_sharding cannot become the entry's placement}}
  %x1 = shard.shard %x to %s : tensor<8xf32>
  return %x1 : tensor<8xf32>
}

// -----

shard.grid @grid(shape = 2)
func.func @got_sharding(%x: tensor<8xf32>, %y: tensor<8xf32>) -> tensor<8xf32> {
  %s0 = shard.sharding @grid split_axes = [[0]] : !shard.sharding
  %y1 = shard.shard %y to %s0 : tensor<8xf32>
  %s = shard.get_sharding %y1 : tensor<8xf32> -> !shard.sharding
  // expected-error @+1 {{takes its sharding from a shard.sharding op here}}
  %x1 = shard.shard %x to %s : tensor<8xf32>
  return %x1 : tensor<8xf32>
}

// -----

// An element type no coco tensor has: an error here (it was written as a
// coco.distribution that no parser takes back).
shard.grid @grid(shape = 2)
func.func @unsigned(%x: tensor<8xui8>) {
  %s = shard.sharding @grid split_axes = [[0]] : !shard.sharding
  // expected-error @+1 {{shards 'tensor<8xui8>', which no coco tensor can be: integer element types must be signless, got 'ui8'}}
  %x1 = shard.shard %x to %s : tensor<8xui8>
  return
}

// -----

// An argument annotated only for its users (as upstream's own tests write
// them): shard-partition types it by that sharding, so it is the
// argument's placement (it was left unrecorded: the host passed the whole
// tensor where the entry took a block).
shard.grid @grid(shape = 2)
// CHECK-LABEL: func @for_users
// CHECK-SAME: %{{.*}}: tensor<8x4xf32> {coco.distribution = !coco.dtensor<8x4xf32, sliced<0> on @grid>}
// CHECK-SAME: %{{.*}}: tensor<8x4xf32> {coco.distribution = !coco.dtensor<8x4xf32, sliced<1> on @grid>}
func.func @for_users(%a: tensor<8x4xf32>, %b: tensor<8x4xf32>) -> (tensor<8x4xf32>, tensor<8x4xf32>) {
  %s0 = shard.sharding @grid split_axes = [[0]] : !shard.sharding
  %a1 = shard.shard %a to %s0 annotate_for_users : tensor<8x4xf32>
  // Annotations of one sharding agree, made by one shard.sharding op or
  // by two equal ones.
  %s1 = shard.sharding @grid split_axes = [[], [0]] : !shard.sharding
  %s2 = shard.sharding @grid split_axes = [[], [0]] : !shard.sharding
  %b1 = shard.shard %b to %s1 annotate_for_users : tensor<8x4xf32>
  %b2 = shard.shard %b to %s1 annotate_for_users : tensor<8x4xf32>
  %b3 = shard.shard %b to %s2 annotate_for_users : tensor<8x4xf32>
  return %a1, %b1 : tensor<8x4xf32>, tensor<8x4xf32>
}

// -----

// Two annotations for users with other shardings: which one the argument
// arrives in is not said.
shard.grid @grid(shape = 2)
func.func @for_users_disagree(%a: tensor<8x4xf32>) -> (tensor<8x4xf32>, tensor<8x4xf32>) {
  %s0 = shard.sharding @grid split_axes = [[0]] : !shard.sharding
  %s1 = shard.sharding @grid split_axes = [[], [0]] : !shard.sharding
  // expected-note @+1 {{the other annotation}}
  %a0 = shard.shard %a to %s0 annotate_for_users : tensor<8x4xf32>
  // expected-error @+1 {{annotates an entry argument for its users with another sharding than a second annotation of it does (noted): which one it arrives in is unclear; annotate the argument itself (shard.shard without annotate_for_users)}}
  %a1 = shard.shard %a to %s1 annotate_for_users : tensor<8x4xf32>
  return %a0, %a1 : tensor<8x4xf32>, tensor<8x4xf32>
}
