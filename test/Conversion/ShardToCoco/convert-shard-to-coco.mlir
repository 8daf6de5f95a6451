// RUN: coco-opt %s --convert-shard-to-coco --split-input-file -verify-diagnostics | FileCheck %s

// Every collective upstream's shard-partition can emit, in coco's
// rank-local form.

// CHECK: coco.grid @grid(shape = [2, ?])
// CHECK-NOT: shard.
shard.grid @grid(shape = 2x?)

// CHECK-LABEL: func @collectives
func.func @collectives(%x: tensor<8x4xf32>, %h: tensor<4x4xf32>, %w: tensor<8x2xf32>) {
  // CHECK: %[[E0:.*]] = tensor.empty() : tensor<8x4xf32>
  // CHECK: coco.comm.all_reduce max %arg0 into %[[E0]] on @grid[1] : tensor<8x4xf32>, tensor<8x4xf32> -> tensor<8x4xf32>
  %0 = shard.all_reduce %x on @grid grid_axes = [1] reduction = max : tensor<8x4xf32> -> tensor<8x4xf32>
  // CHECK: coco.comm.all_gather %arg1 into %{{.*}} dim 0 on @grid[0] : tensor<4x4xf32>, tensor<8x4xf32>
  %1 = shard.all_gather %h on @grid grid_axes = [0] gather_axis = 0 : tensor<4x4xf32> -> tensor<8x4xf32>
  // CHECK: coco.comm.reduce_scatter sum %arg0 into %{{.*}} dim 0 on @grid[0] : tensor<8x4xf32>, tensor<4x4xf32>
  %2 = shard.reduce_scatter %x on @grid grid_axes = [0] scatter_axis = 0 : tensor<8x4xf32> -> tensor<4x4xf32>
  // CHECK: coco.comm.all_to_all %arg0 into %{{.*}} split 1 concat 0 on @grid[0] : tensor<8x4xf32>, tensor<16x2xf32>
  %3 = shard.all_to_all %x on @grid grid_axes = [0] split_axis = 1 concat_axis = 0 : tensor<8x4xf32> -> tensor<16x2xf32>
  // CHECK: coco.comm.broadcast %arg0 into %{{.*}} root 1 on @grid[0]
  %4 = shard.broadcast %x on @grid grid_axes = [0] root = [1] : (tensor<8x4xf32>) -> tensor<8x4xf32>
  // CHECK: coco.comm.reduce prod %arg0 into %{{.*}} root 0 on @grid[0]
  %5 = shard.reduce %x on @grid grid_axes = [0] reduction = product root = [0] : (tensor<8x4xf32>) -> tensor<8x4xf32>
  // all_slice: this rank's rows.
  // CHECK: %[[R:.*]] = coco.axis_rank @grid[0]
  // CHECK: %[[OFF:.*]] = arith.muli %[[R]], %c4
  // CHECK: tensor.extract_slice %arg0[%[[OFF]], 0] [4, 4] [1, 1] : tensor<8x4xf32> to tensor<4x4xf32>
  %6 = shard.all_slice %x on @grid grid_axes = [0] slice_axis = 0 : tensor<8x4xf32> -> tensor<4x4xf32>
  // CHECK: coco.comm.send %arg0 to %{{.*}} on @grid[0] : tensor<8x4xf32>
  %7 = shard.send %x on @grid grid_axes = [0] destination = [1] : (tensor<8x4xf32>) -> tensor<8x4xf32>
  // CHECK: coco.comm.recv from %{{.*}} into %{{.*}} on @grid[0] : tensor<8x4xf32> -> tensor<8x4xf32>
  %8 = shard.recv %x on @grid grid_axes = [0] source = [0] : (tensor<8x4xf32>) -> tensor<8x4xf32>
  // A rotation: send to (r + 1) mod n, receive from (r - 1) mod n, for any
  // n: k = 1 rem n, then (r + n + k) and (r + n - k) mod n.
  // CHECK: %[[N:.*]] = coco.axis_size @grid[1]
  // CHECK: %[[R:.*]] = coco.axis_rank @grid[1]
  // CHECK: %[[K:.*]] = arith.remsi %c1{{.*}}, %[[N]] : index
  // CHECK: %[[RN:.*]] = arith.addi %[[R]], %[[N]] : index
  // CHECK: %[[UP:.*]] = arith.addi %[[RN]], %[[K]] : index
  // CHECK: %[[TO:.*]] = arith.remui %[[UP]], %[[N]] : index
  // CHECK: %[[DOWN:.*]] = arith.subi %[[RN]], %[[K]] : index
  // CHECK: %[[FROM:.*]] = arith.remui %[[DOWN]], %[[N]] : index
  // CHECK: coco.comm.send %arg2 to %[[TO]] on @grid[1]
  // CHECK: coco.comm.recv from %[[FROM]] into %{{.*}} on @grid[1]
  %9 = shard.shift %w on @grid grid_axes = [1] shift_axis = 1 offset = 1 rotate : tensor<8x2xf32> -> tensor<8x2xf32>
  return
}

// CHECK-LABEL: func @indices
func.func @indices() -> (index, index, index) {
  // CHECK: %[[R1:.*]] = coco.axis_rank @grid[1]
  %0 = shard.process_multi_index on @grid axes = [1] : index
  // CHECK: %[[S0:.*]] = coco.axis_size @grid[0]
  %1 = shard.grid_shape @grid axes = [0] : index
  // Row-major linear index: r0 * n1 + r1.
  // CHECK: %[[L0:.*]] = coco.axis_rank @grid[0]
  // CHECK: %[[L1N:.*]] = coco.axis_size @grid[1]
  // CHECK: %[[L1:.*]] = coco.axis_rank @grid[1]
  // CHECK: %[[LM:.*]] = arith.muli %[[L0]], %[[L1N]]
  // CHECK: arith.addi %[[LM]], %[[L1]]
  %2 = shard.process_linear_index on @grid : index
  return %0, %1, %2 : index, index, index
}

// Without axes, the queries name every grid axis, one result each.
// CHECK-LABEL: func @all_axes
// CHECK: %[[A0:.*]] = coco.axis_rank @grid[0]
// CHECK: %[[A1:.*]] = coco.axis_rank @grid[1]
// CHECK: %[[N0:.*]] = coco.axis_size @grid[0]
// CHECK: %[[N1:.*]] = coco.axis_size @grid[1]
// CHECK: return %[[A0]], %[[A1]], %[[N0]], %[[N1]]
func.func @all_axes() -> (index, index, index, index) {
  %0:2 = shard.process_multi_index on @grid : index, index
  %1:2 = shard.grid_shape @grid : index, index
  return %0#0, %0#1, %1#0, %1#1 : index, index, index, index
}

// -----

shard.grid @grid(shape = 2x2)

// Collectives over several grid axes run on coco's group of those axes (the
// first outermost, as shard orders a multi-index); roots are ranks of the
// group.
// CHECK-LABEL: func @two_axes
// CHECK: coco.comm.all_reduce sum %arg0 into %{{.*}} on @grid[0, 1] : tensor<8xf32>, tensor<8xf32>
// CHECK: coco.comm.reduce_scatter sum %arg0 into %{{.*}} dim 0 on @grid[1, 0] : tensor<8xf32>, tensor<2xf32>
// CHECK: coco.comm.all_gather %{{.*}} into %{{.*}} dim 0 on @grid[1, 0] : tensor<2xf32>, tensor<8xf32>
// CHECK: coco.comm.broadcast %arg0 into %{{.*}} root 3 on @grid[0, 1]
// All-slice over both axes: block (r1 * 2 + r0) of 2 elements.
// CHECK: %[[R1:.*]] = coco.axis_rank @grid[1]
// CHECK: %[[N0:.*]] = coco.axis_size @grid[0]
// CHECK: %[[R0:.*]] = coco.axis_rank @grid[0]
// CHECK: %[[M:.*]] = arith.muli %[[R1]], %[[N0]]
// CHECK: %[[G:.*]] = arith.addi %[[M]], %[[R0]]
// CHECK: %[[OFF:.*]] = arith.muli %[[G]], %c2
// CHECK: tensor.extract_slice %arg0[%[[OFF]]] [2] [1]
func.func @two_axes(%x: tensor<8xf32>) -> tensor<8xf32> {
  %0 = shard.all_reduce %x on @grid grid_axes = [0, 1] : tensor<8xf32> -> tensor<8xf32>
  %1 = shard.reduce_scatter %x on @grid grid_axes = [1, 0] scatter_axis = 0 : tensor<8xf32> -> tensor<2xf32>
  %2 = shard.all_gather %1 on @grid grid_axes = [1, 0] gather_axis = 0 : tensor<2xf32> -> tensor<8xf32>
  %3 = shard.broadcast %x on @grid grid_axes = [0, 1] root = [1, 1] : (tensor<8xf32>) -> tensor<8xf32>
  %4 = shard.all_slice %x on @grid grid_axes = [1, 0] slice_axis = 0 : tensor<8xf32> -> tensor<2xf32>
  return %0 : tensor<8xf32>
}

// -----

shard.grid @grid(shape = 2x2)

func.func @p2p_two_axes(%x: tensor<8xf32>) -> tensor<8xf32> {
  // expected-error @+1 {{sends along 2 grid axes; coco's point to point runs along one}}
  %0 = shard.send %x on @grid grid_axes = [0, 1] destination = [1, 0] : (tensor<8xf32>) -> tensor<8xf32>
  return %0 : tensor<8xf32>
}

// -----

shard.grid @grid(shape = 2x?)

func.func @dynamic_group_root(%x: tensor<8xf32>) -> tensor<8xf32> {
  // expected-error @+1 {{needs static extents for a root over several grid axes (axis 1 is '?')}}
  %0 = shard.broadcast %x on @grid grid_axes = [0, 1] root = [1, 1] : (tensor<8xf32>) -> tensor<8xf32>
  return %0 : tensor<8xf32>
}

// -----

shard.grid @grid(shape = 4)

// Every op is checked before any changes (coco-shard-to-coco-atomic.mlir
// shows the module after such a failure).
func.func @dynamic_root(%x: tensor<8xf32>, %r: index) -> tensor<8xf32> {
  %0 = shard.all_reduce %x on @grid grid_axes = [0] : tensor<8xf32> -> tensor<8xf32>
  // expected-error @+1 {{needs a static root (one index per grid axis of the group)}}
  %1 = shard.broadcast %0 on @grid grid_axes = [0] root = [%r] : (tensor<8xf32>, index) -> tensor<8xf32>
  return %1 : tensor<8xf32>
}

// -----

shard.grid @grid(shape = 4)

func.func @edge_shift(%x: tensor<8xf32>) -> tensor<8xf32> {
  // expected-error @+1 {{without 'rotate' is not supported}}
  %0 = shard.shift %x on @grid grid_axes = [0] shift_axis = 0 offset = 1 : tensor<8xf32> -> tensor<8xf32>
  return %0 : tensor<8xf32>
}

// -----

shard.grid @grid(shape = 4)

func.func @unpartitioned(%x: tensor<8xf32>) -> tensor<8xf32> {
  // expected-error @+1 {{is not partitioned yet: run sharding-propagation and shard-partition first}}
  %s = shard.sharding @grid split_axes = [[0]] : !shard.sharding
  %0 = shard.shard %x to %s : tensor<8xf32>
  return %0 : tensor<8xf32>
}

// -----

shard.grid @grid(shape = 4)

// Results are built with their static type; a dynamic one is refused.
func.func @dynamic_shape(%x: tensor<?xf32>) -> tensor<?xf32> {
  // expected-error @+1 {{on a dynamically shaped 'tensor<?xf32>': coco imports static shapes (the partitioner's blocks)}}
  %0 = shard.all_reduce %x on @grid grid_axes = [0] : tensor<?xf32> -> tensor<?xf32>
  return %0 : tensor<?xf32>
}

// -----

shard.grid @grid(shape = 4)

// Over no grid axes (grid_axes is optional upstream) a collective runs on a
// group of one process: it is its operand, as upstream's canonicalization
// folds it. all_slice and scatter crashed here (a group rank over no axes).
// CHECK-LABEL: func @no_axes
// CHECK-SAME: (%[[X:.*]]: tensor<8xf32>)
// CHECK-NOT: coco.
// CHECK-NOT: shard.
// CHECK: return %[[X]], %[[X]], %[[X]], %[[X]], %[[X]], %[[X]], %[[X]], %[[X]], %[[X]] :
func.func @no_axes(%x: tensor<8xf32>) -> (tensor<8xf32>, tensor<8xf32>, tensor<8xf32>, tensor<8xf32>, tensor<8xf32>, tensor<8xf32>, tensor<8xf32>, tensor<8xf32>, tensor<8xf32>) {
  %0 = shard.all_slice %x on @grid slice_axis = 0 : tensor<8xf32> -> tensor<8xf32>
  %1 = shard.scatter %x on @grid scatter_axis = 0 root = [] : (tensor<8xf32>) -> tensor<8xf32>
  %2 = shard.all_reduce %x on @grid reduction = max : tensor<8xf32> -> tensor<8xf32>
  %3 = shard.all_gather %x on @grid gather_axis = 0 : tensor<8xf32> -> tensor<8xf32>
  %4 = shard.reduce_scatter %x on @grid scatter_axis = 0 : tensor<8xf32> -> tensor<8xf32>
  %5 = shard.all_to_all %x on @grid split_axis = 0 concat_axis = 0 : tensor<8xf32> -> tensor<8xf32>
  %6 = shard.broadcast %x on @grid root = [] : (tensor<8xf32>) -> tensor<8xf32>
  %7 = shard.reduce %x on @grid root = [] : (tensor<8xf32>) -> tensor<8xf32>
  %8 = shard.gather %x on @grid gather_axis = 0 root = [] : (tensor<8xf32>) -> tensor<8xf32>
  return %0, %1, %2, %3, %4, %5, %6, %7, %8 : tensor<8xf32>, tensor<8xf32>, tensor<8xf32>, tensor<8xf32>, tensor<8xf32>, tensor<8xf32>, tensor<8xf32>, tensor<8xf32>, tensor<8xf32>
}

// -----

shard.grid @grid(shape = 4)

// A reduction over one process still accumulates in its result's element
// type: the operand, converted.
// CHECK-LABEL: func @no_axes_other_type
// CHECK: %[[E:.*]] = tensor.empty() : tensor<8xf64>
// CHECK: %[[C:.*]] = linalg.generic {{.*}} ins(%arg0 : tensor<8xf32>) outs(%[[E]] : tensor<8xf64>)
// CHECK:   arith.extf %{{.*}} : f32 to f64
// CHECK-NOT: coco.comm
// CHECK: return %[[C]]
func.func @no_axes_other_type(%x: tensor<8xf32>) -> tensor<8xf64> {
  %0 = shard.all_reduce %x on @grid : tensor<8xf32> -> tensor<8xf64>
  return %0 : tensor<8xf64>
}

// -----

shard.grid @grid(shape = 2)

// Upstream's reductions accumulate in the result's element type, each input
// element converted first (an f16 gradient summed in f32, i8 counts in i32,
// a bf16 reduce_scatter and reduce in f32): the conversion, then the
// collective in that type.
// CHECK-LABEL: func @accumulate
// CHECK: %[[HE:.*]] = tensor.empty() : tensor<4xf32>
// CHECK: %[[H:.*]] = linalg.generic {{.*}} ins(%arg0 : tensor<4xf16>) outs(%{{.*}} : tensor<4xf32>)
// CHECK:   arith.extf %{{.*}} : f16 to f32
// CHECK: coco.comm.all_reduce sum %[[H]] into %[[HE]] on @grid[0] : tensor<4xf32>, tensor<4xf32> -> tensor<4xf32>
// CHECK: %[[I:.*]] = linalg.generic {{.*}} ins(%arg1 : tensor<4xi8>) outs(%{{.*}} : tensor<4xi32>)
// CHECK:   arith.extsi %{{.*}} : i8 to i32
// CHECK: coco.comm.all_reduce max %[[I]] into %{{.*}} on @grid[0] : tensor<4xi32>, tensor<4xi32> -> tensor<4xi32>
// CHECK: %[[B:.*]] = linalg.generic {{.*}} ins(%arg2 : tensor<4xbf16>) outs(%{{.*}} : tensor<4xf32>)
// CHECK: coco.comm.reduce_scatter sum %[[B]] into %{{.*}} dim 0 on @grid[0] : tensor<4xf32>, tensor<2xf32> -> tensor<2xf32>
// CHECK: %[[B2:.*]] = linalg.generic {{.*}} ins(%arg2 : tensor<4xbf16>) outs(%{{.*}} : tensor<4xf32>)
// CHECK: coco.comm.reduce sum %[[B2]] into %{{.*}} root 1 on @grid[0] : tensor<4xf32>, tensor<4xf32> -> tensor<4xf32>
func.func @accumulate(%h: tensor<4xf16>, %c: tensor<4xi8>, %b: tensor<4xbf16>)
    -> (tensor<4xf32>, tensor<4xi32>, tensor<2xf32>, tensor<4xf32>) {
  %0 = shard.all_reduce %h on @grid grid_axes = [0] : tensor<4xf16> -> tensor<4xf32>
  %1 = shard.all_reduce %c on @grid grid_axes = [0] reduction = max : tensor<4xi8> -> tensor<4xi32>
  %2 = shard.reduce_scatter %b on @grid grid_axes = [0] scatter_axis = 0 : tensor<4xbf16> -> tensor<2xf32>
  %3 = shard.reduce %b on @grid grid_axes = [0] root = [1] : (tensor<4xbf16>) -> tensor<4xf32>
  return %0, %1, %2, %3 : tensor<4xf32>, tensor<4xi32>, tensor<2xf32>, tensor<4xf32>
}

// -----

shard.grid @grid(shape = 2)

// i1 flags counted: true is 1 (zero-extended; sign-extended it was -1 and
// the counts came out negative).
// CHECK-LABEL: func @count_flags
// CHECK: arith.extui %{{.*}} : i1 to i32
// CHECK: arith.uitofp %{{.*}} : i1 to f32
func.func @count_flags(%t: tensor<4xi1>) -> (tensor<4xi32>, tensor<4xf32>) {
  %0 = shard.all_reduce %t on @grid grid_axes = [0] : tensor<4xi1> -> tensor<4xi32>
  %1 = shard.all_reduce %t on @grid grid_axes = [0] : tensor<4xi1> -> tensor<4xf32>
  return %0, %1 : tensor<4xi32>, tensor<4xf32>
}

// -----

shard.grid @grid(shape = 2)

// An accumulation type that no arith conversion reaches is refused before
// anything is converted.
func.func @accumulate_complex(%x: tensor<8xf32>) -> tensor<8xcomplex<f32>> {
  // expected-error @+1 {{accumulates 'f32' in 'complex<f32>': coco converts between integer and float element types only}}
  %0 = shard.all_reduce %x on @grid grid_axes = [0] : tensor<8xf32> -> tensor<8xcomplex<f32>>
  return %0 : tensor<8xcomplex<f32>>
}

// -----

shard.grid @grid(shape = 2)

// ui8's max came out as i8's: the runtime numbers integers by width and
// reduces them as signed (200 max 100 gave 100).
func.func @unsigned(%x: tensor<4xui8>) -> tensor<4xui8> {
  // expected-error @+1 {{on 'tensor<4xui8>': coco carries signless integers (it reduces them as signed); bitcast to a signless type first}}
  %0 = shard.all_reduce %x on @grid grid_axes = [0] reduction = max : tensor<4xui8> -> tensor<4xui8>
  return %0 : tensor<4xui8>
}

// -----

shard.grid @grid(shape = 2)

// An i1 sum left the byte 2 (the host read true, the program's own select
// false).
func.func @bool_sum(%x: tensor<2xi1>) -> tensor<2xi1> {
  // expected-error @+1 {{i1 values cannot be combined across ranks: they travel as bytes, whose sum, max and min are not arith's i1 ones (two 1s sum to 2, not 0); extend them to i8 first}}
  %0 = shard.all_reduce %x on @grid grid_axes = [0] : tensor<2xi1> -> tensor<2xi1>
  return %0 : tensor<2xi1>
}

// -----

shard.grid @grid(shape = 2)

// An i1 all_gather moves bytes and stays as it is.
// CHECK-LABEL: func @bool_gather
// CHECK: coco.comm.all_gather %{{.*}} into %{{.*}} dim 0 on @grid[0] : tensor<2xi1>, tensor<4xi1>
func.func @bool_gather(%x: tensor<2xi1>) -> tensor<4xi1> {
  %0 = shard.all_gather %x on @grid grid_axes = [0] gather_axis = 0 : tensor<2xi1> -> tensor<4xi1>
  return %0 : tensor<4xi1>
}

// -----

shard.grid @grid(shape = 2)

// bf16 into f16, two formats of one width: through f32 (a linalg.yield of
// the wrong type failed the verifier).
// CHECK-LABEL: func @bf16_to_f16
// CHECK: arith.extf %{{.*}} : bf16 to f32
// CHECK-NEXT: arith.truncf %{{.*}} : f32 to f16
// CHECK: coco.comm.all_reduce sum %{{.*}} : tensor<4xf16>, tensor<4xf16> -> tensor<4xf16>
func.func @bf16_to_f16(%x: tensor<4xbf16>) -> tensor<4xf16> {
  %0 = shard.all_reduce %x on @grid grid_axes = [0] : tensor<4xbf16> -> tensor<4xf16>
  return %0 : tensor<4xf16>
}
