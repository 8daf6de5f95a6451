// RUN: coco-opt %s --coco-localize --split-input-file | FileCheck %s

// Distributed tensors become the tensors each rank holds; compute becomes
// linalg; collectives become destination-style coco.comm ops.

coco.grid @dp(shape = [?])
coco.grid @q(shape = [4])

// CHECK-LABEL: func @all_reduce
// CHECK-SAME: (%[[G:.*]]: tensor<16xf32> {bufferization.writable = false}) -> tensor<16xf32> attributes {llvm.emit_c_interface}
// CHECK-NEXT: %[[E:.*]] = tensor.empty() : tensor<16xf32>
// CHECK-NEXT: %[[R:.*]] = coco.comm.all_reduce avg %[[G]] into %[[E]] on @dp[0] : tensor<16xf32>, tensor<16xf32> -> tensor<16xf32>
// CHECK-NEXT: return %[[R]]
// CHECK-NOT: coco.all_reduce
func.func @all_reduce(%g: !coco.dtensor<16xf32, local on @dp>) -> !coco.dtensor<16xf32, replicated on @dp> {
  %0 = coco.all_reduce avg %g : !coco.dtensor<16xf32, local on @dp>
  return %0 : !coco.dtensor<16xf32, replicated on @dp>
}

// A scalar hyper-parameter is converted to the element type and captured.
// CHECK-LABEL: func @scalar_broadcast
// CHECK-SAME: (%[[W:.*]]: tensor<16xf32> {{.*}}, %[[LR:.*]]: f64)
// CHECK: %[[S:.*]] = arith.truncf %[[LR]] : f64 to f32
// CHECK: linalg.generic {{.*}} ins(%[[W]] : tensor<16xf32>)
// CHECK-NEXT: ^bb0(%[[IN:.*]]: f32, %{{.*}}: f32):
// CHECK-NEXT: arith.mulf %[[IN]], %[[S]] : f32
func.func @scalar_broadcast(%w: !coco.dtensor<16xf32, replicated on @dp>, %lr: f64) -> !coco.dtensor<16xf32, replicated on @dp> {
  %0 = coco.mul %w, %lr : !coco.dtensor<16xf32, replicated on @dp>, f64
  return %0 : !coco.dtensor<16xf32, replicated on @dp>
}

// Replicated with sliced gives sliced: the replicated operand is sliced at
// this rank's offset (axis rank * 2 rows on a 4-rank axis).
// CHECK-LABEL: func @replicated_with_sliced
// CHECK-SAME: (%[[R:.*]]: tensor<8x3xf32> {{.*}}, %[[S:.*]]: tensor<2x3xf32> {{.*}}) -> tensor<2x3xf32>
// CHECK: %[[RANK:.*]] = coco.axis_rank @q[0]
// CHECK: %[[OFF:.*]] = arith.muli %[[RANK]], %c2
// CHECK: %[[SL:.*]] = tensor.extract_slice %[[R]][%[[OFF]], 0] [2, 3] [1, 1] : tensor<8x3xf32> to tensor<2x3xf32>
// CHECK: linalg.generic {{.*}} ins(%[[SL]], %[[S]] : tensor<2x3xf32>, tensor<2x3xf32>)
// CHECK: arith.addf
func.func @replicated_with_sliced(%r: !coco.dtensor<8x3xf32, replicated on @q>, %s: !coco.dtensor<8x3xf32, sliced<0> on @q>) -> !coco.dtensor<8x3xf32, sliced<0> on @q> {
  %0 = coco.add %r, %s : !coco.dtensor<8x3xf32, replicated on @q>, !coco.dtensor<8x3xf32, sliced<0> on @q>
  return %0 : !coco.dtensor<8x3xf32, sliced<0> on @q>
}

// On a grid of '?' ranks the block is computed at run time.
// CHECK-LABEL: func @dynamic_slices
// CHECK: %{{.*}}, %[[COLS:.*]] = coco.local_block %c12 on @dp[0]
// CHECK: %[[E:.*]] = tensor.empty(%[[COLS]]) : tensor<8x?xf32>
// CHECK: %[[RS:.*]] = coco.comm.reduce_scatter sum %arg0 into %[[E]] dim 1 on @dp[0] : tensor<8x12xf32>, tensor<8x?xf32> -> tensor<8x?xf32>
// CHECK: coco.comm.all_gather %[[RS]] into %{{.*}} dim 1 on @dp[0] : tensor<8x?xf32>, tensor<8x12xf32> -> tensor<8x12xf32>
func.func @dynamic_slices(%x: !coco.dtensor<8x12xf32, local on @dp>) -> !coco.dtensor<8x12xf32, replicated on @dp> {
  %0 = coco.reduce_scatter sum %x dim 1 : !coco.dtensor<8x12xf32, local on @dp>
  %1 = coco.all_gather %0 : !coco.dtensor<8x12xf32, sliced<1> on @dp>
  return %1 : !coco.dtensor<8x12xf32, replicated on @dp>
}

// -----

coco.grid @q(shape = [4])
coco.grid @dp(shape = [?])

// Every rank multiplies its own pieces: [2,4,8/4] x [8/4,6] partial sums,
// batch dims folded into the rows of one linalg.matmul.
// CHECK-LABEL: func @matmul
// CHECK-SAME: (%[[X:.*]]: tensor<2x4x2xf32> {{.*}}, %[[W:.*]]: tensor<2x6xf32> {{.*}}) -> tensor<2x4x6xf32>
// CHECK: %[[C:.*]] = tensor.collapse_shape %[[X]] {{\[}}[0, 1], [2]] : tensor<2x4x2xf32> into tensor<8x2xf32>
// CHECK: %[[Z:.*]] = linalg.fill {{.*}} -> tensor<8x6xf32>
// CHECK: %[[M:.*]] = linalg.matmul ins(%[[C]], %[[W]] : tensor<8x2xf32>, tensor<2x6xf32>) outs(%[[Z]] : tensor<8x6xf32>)
// CHECK: tensor.expand_shape %[[M]] {{\[}}[0, 1], [2]] output_shape [2, 4, 6]
func.func @matmul(%x: !coco.dtensor<2x4x8xf32, sliced<2> on @q>, %w: !coco.dtensor<8x6xf32, sliced<0> on @q>) -> !coco.dtensor<2x4x6xf32, local on @q> {
  %0 = coco.matmul %x, %w : !coco.dtensor<2x4x8xf32, sliced<2> on @q>, !coco.dtensor<8x6xf32, sliced<0> on @q>
  return %0 : !coco.dtensor<2x4x6xf32, local on @q>
}

// The update is written when the function returns, after every read of the
// old value; only updated arguments are writable.
// CHECK-LABEL: func @update
// CHECK-SAME: (%[[W:.*]]: tensor<16xf32> {bufferization.writable = true}, %{{.*}}: tensor<16xf32> {bufferization.writable = false})
// CHECK: %[[NEW:.*]] = linalg.generic
// CHECK: arith.subf
// CHECK: linalg.generic {{.*}} ins(%[[W]]
// CHECK: arith.negf
// CHECK: %[[BUF:.*]] = bufferization.to_buffer %[[W]] : tensor<16xf32> to memref<16xf32>
// CHECK-NEXT: bufferization.materialize_in_destination %[[NEW]] in restrict writable %[[BUF]]
// CHECK-NEXT: return
func.func @update(%w: !coco.dtensor<16xf32, replicated on @dp>, %d: !coco.dtensor<16xf32, replicated on @dp>) {
  %0 = coco.sub %w, %d : !coco.dtensor<16xf32, replicated on @dp>, !coco.dtensor<16xf32, replicated on @dp>
  coco.update %w, %0 : !coco.dtensor<16xf32, replicated on @dp>
  %1 = coco.neg %w : !coco.dtensor<16xf32, replicated on @dp>
  return
}

// The sum of squares accumulates in f64 and rounds once (a long f32 sum
// loses n * 2^-24 of accuracy).
// CHECK-LABEL: func @norm
// CHECK: linalg.reduce ins(%arg0 : tensor<4x4xf32>) outs(%{{.*}} : tensor<f64>) dimensions = [0, 1]
// CHECK: %[[SQ:.*]] = arith.mulf %[[IN:.*]], %[[IN]] : f32
// CHECK: %[[WIDE:.*]] = arith.extf %[[SQ]] : f32 to f64
// CHECK: arith.addf %{{.*}}, %[[WIDE]] fastmath<reassoc> : f64
// CHECK: arith.truncf %{{.*}} : f64 to f32
// CHECK: math.sqrt
// CHECK: tensor.extract %{{.*}}[] : tensor<f32>
func.func @norm(%w: !coco.dtensor<4x4xf32, replicated on @dp>) -> f32 {
  %0 = coco.norm %w : !coco.dtensor<4x4xf32, replicated on @dp>
  %1 = coco.extract %0 : !coco.dtensor<f32, replicated on @dp> -> f32
  return %1 : f32
}

// The dropout mask hashes the *global* index: this rank's slice offset is
// added to the loop index.
// CHECK-LABEL: func @dropout
// CHECK: %[[RANK:.*]] = coco.axis_rank @q[0]
// CHECK: %[[OFF:.*]] = arith.muli %[[RANK]], %c2
// CHECK: %[[SCALE:.*]] = arith.divf %cst, %{{.*}} : f32
// CHECK: linalg.generic
// CHECK: %[[I:.*]] = linalg.index 0 : index
// CHECK: arith.addi %[[I]], %[[OFF]] : index
// CHECK-COUNT-3: arith.shrui
// CHECK: %[[TOP:.*]] = arith.shrui %{{.*}}, %c40_i64
// CHECK: %[[KEEP:.*]] = arith.cmpf oge
// CHECK: %[[SCALED:.*]] = arith.mulf %{{.*}}, %[[SCALE]]
// CHECK: arith.select %[[KEEP]], %[[SCALED]], %{{.*}}
func.func @dropout(%x: !coco.dtensor<8xf32, sliced<0> on @q>, %p: f32, %seed: i64) -> !coco.dtensor<8xf32, sliced<0> on @q> {
  %0 = coco.dropout %x, %p, %seed : !coco.dtensor<8xf32, sliced<0> on @q>
  return %0 : !coco.dtensor<8xf32, sliced<0> on @q>
}

// Control flow carrying distributed values is converted too.
// CHECK-LABEL: func @p2p
// CHECK: scf.if %{{.*}} -> (tensor<4xf32>)
// CHECK: coco.comm.send %arg0 to %arg1 on @dp[0] : tensor<4xf32>
// CHECK: coco.comm.recv from %arg1 into %{{.*}} on @dp[0] : tensor<4xf32> -> tensor<4xf32>
func.func @p2p(%x: !coco.dtensor<4xf32, local on @dp>, %peer: index, %c: i1) -> !coco.dtensor<4xf32, local on @dp> {
  %0 = scf.if %c -> !coco.dtensor<4xf32, local on @dp> {
    coco.send %x to %peer : !coco.dtensor<4xf32, local on @dp>
    scf.yield %x : !coco.dtensor<4xf32, local on @dp>
  } else {
    %1 = coco.recv from %peer : !coco.dtensor<4xf32, local on @dp>
    scf.yield %1 : !coco.dtensor<4xf32, local on @dp>
  }
  return %0 : !coco.dtensor<4xf32, local on @dp>
}

// The peer index runs along `along`; the value keeps its layout's local shape.
coco.grid @pp(shape = [2, 2])
// CHECK-LABEL: func @p2p_along
// CHECK: coco.comm.send %arg0 to %arg1 on @pp[0] : tensor<2xf32>
// CHECK: coco.comm.recv from %arg1 into %{{.*}} on @pp[0] : tensor<2xf32> -> tensor<2xf32>
func.func @p2p_along(%x: !coco.dtensor<4xf32, sliced<0> on @pp[1]>, %peer: index)
    -> !coco.dtensor<4xf32, sliced<0> on @pp[1]> {
  coco.send %x to %peer along 0 : !coco.dtensor<4xf32, sliced<0> on @pp[1]>
  %0 = coco.recv from %peer along 0 : !coco.dtensor<4xf32, sliced<0> on @pp[1]>
  return %0 : !coco.dtensor<4xf32, sliced<0> on @pp[1]>
}

// CHECK-LABEL: func @slice_and_collectives
// CHECK: %[[RANK:.*]] = coco.axis_rank @q[0]
// CHECK: %[[OFF:.*]] = arith.muli %[[RANK]], %c3
// CHECK: tensor.extract_slice %arg0[0, %[[OFF]]] [8, 3] [1, 1] : tensor<8x12xf32> to tensor<8x3xf32>
// CHECK: coco.comm.all_to_all %{{.*}} into %{{.*}} split 0 concat 1 on @q[0] : tensor<8x3xf32>, tensor<2x12xf32>
// CHECK: coco.comm.broadcast %arg1 into %{{.*}} root 2 on @q[0]
// CHECK: coco.comm.reduce max %arg1 into %{{.*}} root 3 on @q[0]
func.func @slice_and_collectives(%r: !coco.dtensor<8x12xf32, replicated on @q>, %l: !coco.dtensor<8x12xf32, local on @q>) {
  %0 = coco.slice %r dim 1 : !coco.dtensor<8x12xf32, replicated on @q>
  %1 = coco.all_to_all %0 dim 0 : !coco.dtensor<8x12xf32, sliced<1> on @q>
  %2 = coco.broadcast %l root 2 : !coco.dtensor<8x12xf32, local on @q>
  %3 = coco.reduce_to_root max %l root 3 : !coco.dtensor<8x12xf32, local on @q>
  return
}

// -----

// N-D placements: the per-rank shape comes from every slicing axis.
coco.grid @g(shape = [2, 3])

// Blocks of 7 rows over 3 ranks (3, 2, 2) depend on the rank: the size and
// offset come from coco.local_block; 4 columns over 2 ranks are 2 each.
// CHECK-LABEL: func @uneven_2d
// CHECK-SAME: (%[[X:.*]]: tensor<?x2xf32> {{.*}}, %[[R:.*]]: tensor<7x4xf32> {{.*}}) -> tensor<?x2xf32>
// CHECK-DAG: %[[RANK0:.*]] = coco.axis_rank @g[0]
// CHECK-DAG: %[[COL:.*]] = arith.muli %[[RANK0]], %c2
// CHECK-DAG: %[[ROW:.*]], %[[ROWS:.*]] = coco.local_block %c7 on @g[1]
// CHECK: %[[SL:.*]] = tensor.extract_slice %[[R]][%[[ROW]], %[[COL]]] [%[[ROWS]], 2] [1, 1] : tensor<7x4xf32> to tensor<?x2xf32>
// CHECK: linalg.generic {{.*}} ins(%[[X]], %[[SL]] : tensor<?x2xf32>, tensor<?x2xf32>)
func.func @uneven_2d(%x: !coco.dtensor<7x4xf32, [sliced<1>, sliced<0>] on @g>,
                     %r: !coco.dtensor<7x4xf32, replicated on @g>)
    -> !coco.dtensor<7x4xf32, [sliced<1>, sliced<0>] on @g> {
  %0 = coco.add %x, %r : !coco.dtensor<7x4xf32, [sliced<1>, sliced<0>] on @g>, !coco.dtensor<7x4xf32, replicated on @g>
  return %0 : !coco.dtensor<7x4xf32, [sliced<1>, sliced<0>] on @g>
}

// Two axes slicing one dim: axis 0 splits the blocks of axis 1 (12 = 3 x 4,
// then 2 x 2). A collective over a group of axes names them all; the
// all_gather of the inner level gathers within the outer block.
// CHECK-LABEL: func @nested
// CHECK-SAME: (%[[X:.*]]: tensor<2xf32> {{.*}}) -> tensor<4xf32>
// CHECK: %[[E:.*]] = tensor.empty() : tensor<4xf32>
// CHECK: coco.comm.all_gather %[[X]] into %[[E]] dim 0 on @g[0] : tensor<2xf32>, tensor<4xf32>
func.func @nested(%x: !coco.dtensor<12xf32, [sliced<0> within 1, sliced<0>] on @g>)
    -> !coco.dtensor<12xf32, sliced<0> on @g[1]> {
  %0 = coco.all_gather %x along [0] : !coco.dtensor<12xf32, [sliced<0> within 1, sliced<0>] on @g>
  return %0 : !coco.dtensor<12xf32, sliced<0> on @g[1]>
}

// A collective along both axes runs on their flattened group (6 ranks).
// CHECK-LABEL: func @group
// CHECK: coco.comm.all_reduce sum %arg0 into %{{.*}} on @g[0, 1] : tensor<6xf32>, tensor<6xf32>
// CHECK: coco.comm.reduce_scatter sum %arg0 into %{{.*}} dim 0 on @g[1, 0] : tensor<6xf32>, tensor<1xf32>
func.func @group(%x: !coco.dtensor<6xf32, [local, local] on @g>) {
  %0 = coco.all_reduce sum %x : !coco.dtensor<6xf32, [local, local] on @g>
  %1 = coco.reduce_scatter sum %x dim 0 along [1, 0] : !coco.dtensor<6xf32, [local, local] on @g>
  return
}

// The dropout mask hashes the global index: every sliced dim adds its
// block's offset.
// CHECK-LABEL: func @dropout_2d
// CHECK-DAG: %[[R0:.*]] = coco.axis_rank @g[0]
// CHECK-DAG: %[[OFF1:.*]] = arith.muli %[[R0]], %c2
// CHECK-DAG: %[[OFF0:.*]], %{{.*}} = coco.local_block %c7 on @g[1]
// CHECK: linalg.generic
// CHECK: %[[I0:.*]] = linalg.index 0 : index
// CHECK: arith.addi %[[I0]], %[[OFF0]] : index
// CHECK: %[[I1:.*]] = linalg.index 1 : index
// CHECK: arith.addi %[[I1]], %[[OFF1]] : index
func.func @dropout_2d(%x: !coco.dtensor<7x4xf32, [sliced<1>, sliced<0>] on @g>, %p: f32, %seed: i64)
    -> !coco.dtensor<7x4xf32, [sliced<1>, sliced<0>] on @g> {
  %0 = coco.dropout %x, %p, %seed : !coco.dtensor<7x4xf32, [sliced<1>, sliced<0>] on @g>
  return %0 : !coco.dtensor<7x4xf32, [sliced<1>, sliced<0>] on @g>
}

// -----

// A function whose type is not func's (an llvm.func declaration beside the
// program, e.g. a runtime function) is legal as it is: its types are read
// through the function interface (this crashed).
coco.grid @dp(shape = [2])

// CHECK-LABEL: llvm.func @coco_rt_all_reduce(i32)
// CHECK-LABEL: func @beside_llvm_func
// CHECK: coco.comm.all_reduce sum %{{.*}} into %{{.*}} on @dp[0] : tensor<4xf32>
llvm.func @coco_rt_all_reduce(i32)

func.func @beside_llvm_func(%a: !coco.dtensor<4xf32, local on @dp>) -> !coco.dtensor<4xf32, replicated on @dp> {
  %r = coco.all_reduce sum %a : !coco.dtensor<4xf32, local on @dp>
  return %r : !coco.dtensor<4xf32, replicated on @dp>
}

// -----

// Between f16 and bf16 (one width, two formats: neither extf nor truncf
// takes the pair) a cast goes through f32, which holds both exactly.
coco.grid @dp(shape = [2])

// CHECK-LABEL: func @half_formats
// CHECK: linalg.generic
// CHECK: ^bb0(%[[H:.*]]: f16, %{{.*}}: bf16):
// CHECK-NEXT: %[[W:.*]] = arith.extf %[[H]] : f16 to f32
// CHECK-NEXT: %[[B:.*]] = arith.truncf %[[W]] : f32 to bf16
// CHECK-NEXT: linalg.yield %[[B]] : bf16
// CHECK: linalg.generic
// CHECK: ^bb0(%[[B2:.*]]: bf16, %{{.*}}: f16):
// CHECK-NEXT: %[[W2:.*]] = arith.extf %[[B2]] : bf16 to f32
// CHECK-NEXT: %[[H2:.*]] = arith.truncf %[[W2]] : f32 to f16
// CHECK-NEXT: linalg.yield %[[H2]] : f16
func.func @half_formats(%h: !coco.dtensor<4xf16, replicated on @dp>)
    -> (!coco.dtensor<4xbf16, replicated on @dp>, !coco.dtensor<4xf16, replicated on @dp>) {
  %b = coco.cast %h : !coco.dtensor<4xf16, replicated on @dp> to !coco.dtensor<4xbf16, replicated on @dp>
  %back = coco.cast %b : !coco.dtensor<4xbf16, replicated on @dp> to !coco.dtensor<4xf16, replicated on @dp>
  return %b, %back : !coco.dtensor<4xbf16, replicated on @dp>, !coco.dtensor<4xf16, replicated on @dp>
}

// -----

// Distributed tensors carried through scf.while (its before and after
// regions, its condition) become the rank's tensors like any loop's.
coco.grid @dp(shape = [2])
// CHECK-LABEL: func @doubling
// CHECK: scf.while ({{.*}}) : (index, tensor<8xf32>) -> (index, tensor<8xf32>)
// CHECK: scf.condition(%{{.*}}) %{{.*}}, %{{.*}} : index, tensor<8xf32>
// CHECK: ^bb0(%{{.*}}: index, %{{.*}}: tensor<8xf32>):
// CHECK: linalg.generic
// CHECK: scf.yield %{{.*}}, %{{.*}} : index, tensor<8xf32>
// CHECK-NOT: !coco.dtensor
func.func @doubling(%w: !coco.dtensor<8xf32, replicated on @dp>, %n: index) -> !coco.dtensor<8xf32, replicated on @dp> {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %r:2 = scf.while (%i = %c0, %x = %w) : (index, !coco.dtensor<8xf32, replicated on @dp>) -> (index, !coco.dtensor<8xf32, replicated on @dp>) {
    %go = arith.cmpi slt, %i, %n : index
    scf.condition(%go) %i, %x : index, !coco.dtensor<8xf32, replicated on @dp>
  } do {
  ^bb0(%j: index, %y: !coco.dtensor<8xf32, replicated on @dp>):
    %z = coco.add %y, %y : !coco.dtensor<8xf32, replicated on @dp>, !coco.dtensor<8xf32, replicated on @dp>
    %k = arith.addi %j, %c1 : index
    scf.yield %k, %z : index, !coco.dtensor<8xf32, replicated on @dp>
  }
  return %r#1 : !coco.dtensor<8xf32, replicated on @dp>
}
