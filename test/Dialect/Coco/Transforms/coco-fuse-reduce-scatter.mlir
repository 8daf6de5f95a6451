// RUN: coco-opt %s --coco-fuse-reduce-scatter | FileCheck %s
// RUN: coco-opt %s --coco-fuse-reduce-scatter -o /dev/null 2>&1 | FileCheck %s --check-prefix=WHY

// Rank-local: a dim-0 reduce_scatter on a static axis becomes an all_to_all
// that skips this rank's own block (each rank receives its chunk of every
// other rank's buffer) plus an elementwise combination of the received chunks
// and its own chunk, read in place from the input, which elementwise fusion
// can merge into the consumers. The chunks are combined in the order of the
// runtime's ring reduce-scatter for chunk r: ranks r+1, ..., r+R-1, then r.
// Others are left alone.

coco.grid @two(shape = [2])
coco.grid @three(shape = [3])
coco.grid @two_by_two(shape = [2, 2])
coco.grid @two_by_three(shape = [2, 3])
coco.grid @dp(shape = [?])
coco.grid @many(shape = [2048])

// CHECK-LABEL: func @fold
// CHECK: %[[INIT:.*]] = tensor.empty() : tensor<4x3xf32>
// CHECK: %[[EMPTY:.*]] = tensor.empty() : tensor<8x3xf32>
// CHECK: %[[RECV:.*]] = coco.comm.all_to_all %arg0 into %[[EMPTY]] split 0 concat 0 skip_self on @two[0] : tensor<8x3xf32>, tensor<8x3xf32> -> tensor<8x3xf32>
// CHECK: %[[C8:.*]] = arith.constant 8 : index
// CHECK: %[[OWN:.*]], %{{.*}} = coco.local_block %[[C8]] on @two[0]
// CHECK: %[[C4:.*]] = arith.constant 4 : index
// CHECK: %[[NEXT:.*]] = arith.addi %[[OWN]], %[[C4]] : index
// CHECK: %[[PEER:.*]] = arith.remui %[[NEXT]], %[[C8]] : index
// CHECK: %[[C1:.*]] = tensor.extract_slice %[[RECV]][%[[PEER]], 0] [4, 3] [1, 1] : tensor<8x3xf32> to tensor<4x3xf32>
// CHECK: %[[C0:.*]] = tensor.extract_slice %arg0[%[[OWN]], 0] [4, 3] [1, 1] : tensor<8x3xf32> to tensor<4x3xf32>
// CHECK: linalg.generic {{.*}} ins(%[[C1]], %[[C0]] : tensor<4x3xf32>, tensor<4x3xf32>) outs(%[[INIT]] : tensor<4x3xf32>)
// CHECK-NEXT: ^bb0(%[[A:.*]]: f32, %[[B:.*]]: f32, %{{.*}}: f32):
// CHECK-NEXT: %[[SUM:.*]] = arith.addf %[[A]], %[[B]] : f32
// CHECK-NEXT: %[[TWO:.*]] = arith.constant 2.000000e+00 : f32
// CHECK-NEXT: arith.divf %[[SUM]], %[[TWO]] : f32
// CHECK-NOT: coco.comm.reduce_scatter
func.func @fold(%g: tensor<8x3xf32>, %m: tensor<4x3xf32>) -> tensor<4x3xf32> {
  %e = tensor.empty() : tensor<4x3xf32>
  %s = coco.comm.reduce_scatter avg %g into %e dim 0 on @two[0] : tensor<8x3xf32>, tensor<4x3xf32> -> tensor<4x3xf32>
  return %s : tensor<4x3xf32>
}

// Three ranks: the blocks of ranks r+1 and r+2 (offsets r*2 + 2 and r*2 + 4,
// modulo 6), then this rank's; max as the runtime's (acc < x ? x : acc).
// CHECK-LABEL: func @fold_three
// CHECK: %[[RECV:.*]] = coco.comm.all_to_all %arg0 into %{{.*}} split 0 concat 0 skip_self on @three[0]
// CHECK: %[[C6:.*]] = arith.constant 6 : index
// CHECK: %[[OWN:.*]], %{{.*}} = coco.local_block %[[C6]] on @three[0]
// CHECK: %[[C2:.*]] = arith.constant 2 : index
// CHECK: %[[N1:.*]] = arith.addi %[[OWN]], %[[C2]] : index
// CHECK: %[[P1:.*]] = arith.remui %[[N1]], %[[C6]] : index
// CHECK: %[[B1:.*]] = tensor.extract_slice %[[RECV]][%[[P1]]] [2] [1]
// CHECK: %[[C4:.*]] = arith.constant 4 : index
// CHECK: %[[N2:.*]] = arith.addi %[[OWN]], %[[C4]] : index
// CHECK: %[[P2:.*]] = arith.remui %[[N2]], %[[C6]] : index
// CHECK: %[[B2:.*]] = tensor.extract_slice %[[RECV]][%[[P2]]] [2] [1]
// CHECK: %[[B0:.*]] = tensor.extract_slice %arg0[%[[OWN]]] [2] [1]
// CHECK: linalg.generic {{.*}} ins(%[[B1]], %[[B2]], %[[B0]] : tensor<2xf32>, tensor<2xf32>, tensor<2xf32>)
// CHECK-NEXT: ^bb0(%[[X1:.*]]: f32, %[[X2:.*]]: f32, %[[X0:.*]]: f32, %{{.*}}: f32):
// CHECK-NEXT: %[[LT1:.*]] = arith.cmpf olt, %[[X1]], %[[X2]] : f32
// CHECK-NEXT: %[[M:.*]] = arith.select %[[LT1]], %[[X2]], %[[X1]] : f32
// CHECK-NEXT: %[[LT2:.*]] = arith.cmpf olt, %[[M]], %[[X0]] : f32
// CHECK-NEXT: %[[R:.*]] = arith.select %[[LT2]], %[[X0]], %[[M]] : f32
// CHECK-NEXT: linalg.yield %[[R]] : f32
func.func @fold_three(%g: tensor<6xf32>) -> tensor<2xf32> {
  %e = tensor.empty() : tensor<2xf32>
  %s = coco.comm.reduce_scatter max %g into %e dim 0 on @three[0] : tensor<6xf32>, tensor<2xf32> -> tensor<2xf32>
  return %s : tensor<2xf32>
}

// min as the runtime's combine: x < acc ? x : acc (acc is the block of rank
// r+1, x this rank's own).
// CHECK-LABEL: func @fold_min
// CHECK: ^bb0(%[[ACC:.*]]: f32, %[[OWN:.*]]: f32, %{{.*}}: f32):
// CHECK-NEXT: %[[LT:.*]] = arith.cmpf olt, %[[OWN]], %[[ACC]] : f32
// CHECK-NEXT: %[[R:.*]] = arith.select %[[LT]], %[[OWN]], %[[ACC]] : f32
// CHECK-NEXT: linalg.yield %[[R]] : f32
func.func @fold_min(%g: tensor<8xf32>) -> tensor<4xf32> {
  %e = tensor.empty() : tensor<4xf32>
  %s = coco.comm.reduce_scatter min %g into %e dim 0 on @two[0] : tensor<8xf32>, tensor<4xf32> -> tensor<4xf32>
  return %s : tensor<4xf32>
}

// A schedule's choice to keep the exchange whole (coco.exchange_whole) goes
// with the exchange, for coco-chunk-exchange.
// CHECK-LABEL: func @kept_whole
// CHECK: coco.comm.all_to_all %arg0 into %{{.*}} split 0 concat 0 skip_self on @two[0] {coco.exchange_whole}
func.func @kept_whole(%g: tensor<8x3xf32>) -> tensor<4x3xf32> {
  %e = tensor.empty() : tensor<4x3xf32>
  %s = coco.comm.reduce_scatter sum %g into %e dim 0 on @two[0] {coco.exchange_whole} : tensor<8x3xf32>, tensor<4x3xf32> -> tensor<4x3xf32>
  return %s : tensor<4x3xf32>
}

// A group of two axes: this rank's block comes from local_block over both.
// CHECK-LABEL: func @fold_group
// CHECK: coco.comm.all_to_all %arg0 into %{{.*}} split 0 concat 0 skip_self on @two_by_two[1, 0]
// CHECK: coco.local_block %{{.*}} on @two_by_two[1, 0]
// CHECK: linalg.generic {{.*}} ins(%{{.*}}, %{{.*}}, %{{.*}}, %{{.*}} : tensor<2xi32>, tensor<2xi32>, tensor<2xi32>, tensor<2xi32>)
// CHECK-COUNT-3: arith.addi %{{.*}}, %{{.*}} : i32
// CHECK-NEXT: linalg.yield
func.func @fold_group(%g: tensor<8xi32>) -> tensor<2xi32> {
  %e = tensor.empty() : tensor<2xi32>
  %s = coco.comm.reduce_scatter sum %g into %e dim 0 on @two_by_two[1, 0] : tensor<8xi32>, tensor<2xi32> -> tensor<2xi32>
  return %s : tensor<2xi32>
}

// CHECK-LABEL: func @dynamic
// CHECK: coco.comm.reduce_scatter sum
func.func @dynamic(%g: tensor<8xf32>, %e: tensor<?xf32>) -> tensor<?xf32> {
  %s = coco.comm.reduce_scatter sum %g into %e dim 0 on @dp[0] : tensor<8xf32>, tensor<?xf32> -> tensor<?xf32>
  return %s : tensor<?xf32>
}

// Uneven blocks (7 rows over 3 ranks: 3, 2, 2): each rank receives the
// other ranks' blocks of its index into slots of the largest block (3 rows,
// 9 in all); the slot of rank r+step starts at ((r + step) mod 3) * 3, r
// this rank's index on the axis. The blocks are this rank's (dynamic) size.
// CHECK-LABEL: func @fold_uneven
// CHECK-SAME: (%[[G:.*]]: tensor<7x2xf32>, %[[N:.*]]: index)
// CHECK: %[[INIT:.*]] = tensor.empty(%[[N]]) : tensor<?x2xf32>
// CHECK: %[[EMPTY:.*]] = tensor.empty() : tensor<9x2xf32>
// CHECK: %[[RECV:.*]] = coco.comm.all_to_all %[[G]] into %[[EMPTY]] split 0 concat 0 skip_self on @three[0] : tensor<7x2xf32>, tensor<9x2xf32> -> tensor<9x2xf32>
// CHECK: %[[C7:.*]] = arith.constant 7 : index
// CHECK: %[[OWN:.*]], %[[ROWS:.*]] = coco.local_block %[[C7]] on @three[0]
// CHECK: %[[C9:.*]] = arith.constant 9 : index
// CHECK: %[[DIM:.*]] = tensor.dim %[[INIT]], %{{.*}} : tensor<?x2xf32>
// CHECK: %[[FITS:.*]] = arith.cmpi eq, %[[DIM]], %[[ROWS]] : index
// CHECK: cf.assert %[[FITS]], "coco-fuse-reduce-scatter: the result's dimension 0 is not this rank's block of the input"
// CHECK: %[[R:.*]] = coco.axis_rank @three[0]
// CHECK: %[[THREE:.*]] = arith.constant 3 : index
// CHECK: %[[START:.*]] = arith.muli %[[R]], %[[THREE]] : index
// CHECK: %[[N1:.*]] = arith.addi %[[START]], %{{.*}} : index
// CHECK: %[[P1:.*]] = arith.remui %[[N1]], %[[C9]] : index
// CHECK: %[[B1:.*]] = tensor.extract_slice %[[RECV]][%[[P1]], 0] [%[[ROWS]], 2] [1, 1] : tensor<9x2xf32> to tensor<?x2xf32>
// CHECK: %[[SIX:.*]] = arith.constant 6 : index
// CHECK: %[[N2:.*]] = arith.addi %[[START]], %[[SIX]] : index
// CHECK: %[[P2:.*]] = arith.remui %[[N2]], %[[C9]] : index
// CHECK: %[[B2:.*]] = tensor.extract_slice %[[RECV]][%[[P2]], 0] [%[[ROWS]], 2] [1, 1]
// CHECK: %[[B0:.*]] = tensor.extract_slice %[[G]][%[[OWN]], 0] [%[[ROWS]], 2] [1, 1]
// CHECK: linalg.generic {{.*}} ins(%[[B1]], %[[B2]], %[[B0]] : tensor<?x2xf32>, tensor<?x2xf32>, tensor<?x2xf32>) outs(%[[INIT]] : tensor<?x2xf32>)
// CHECK-NOT: coco.comm.reduce_scatter
func.func @fold_uneven(%g: tensor<7x2xf32>, %n: index) -> tensor<?x2xf32> {
  %e = tensor.empty(%n) : tensor<?x2xf32>
  %s = coco.comm.reduce_scatter sum %g into %e dim 0 on @three[0] : tensor<7x2xf32>, tensor<?x2xf32> -> tensor<?x2xf32>
  return %s : tensor<?x2xf32>
}

// Uneven over a group of two axes of a 2 x 3 grid (axis 1 outermost): this
// rank's slot starts at (axis_rank(1) * 2 + axis_rank(0)) * 2, slots of 2
// rows (11 over 6), built as axis_rank(1) * 4 + axis_rank(0) * 2 (the block
// offset's rule: axis 1's term scaled by axis 0's size, not its own).
// CHECK-LABEL: func @fold_uneven_group
// CHECK: coco.comm.all_to_all %arg0 into %{{.*}} split 0 concat 0 skip_self on @two_by_three[1, 0] : tensor<11xf32>, tensor<12xf32> -> tensor<12xf32>
// CHECK: %[[C12:.*]] = arith.constant 12 : index
// CHECK: %[[OUTER:.*]] = coco.axis_rank @two_by_three[1]
// CHECK: %[[FOUR:.*]] = arith.constant 4 : index
// CHECK: %[[T1:.*]] = arith.muli %[[OUTER]], %[[FOUR]] : index
// CHECK: %[[INNER:.*]] = coco.axis_rank @two_by_three[0]
// CHECK: %[[TWO:.*]] = arith.constant 2 : index
// CHECK: %[[T0:.*]] = arith.muli %[[INNER]], %[[TWO]] : index
// CHECK: %[[START:.*]] = arith.addi %[[T1]], %[[T0]] : index
// CHECK-NOT: arith.muli
// CHECK: arith.remui %{{.*}}, %[[C12]]
// CHECK-NOT: arith.muli
// CHECK: linalg.generic {{.*}} ins(%{{.*}}, %{{.*}}, %{{.*}}, %{{.*}}, %{{.*}}, %{{.*}} : tensor<?xf32>, tensor<?xf32>, tensor<?xf32>, tensor<?xf32>, tensor<?xf32>, tensor<?xf32>)
func.func @fold_uneven_group(%g: tensor<11xf32>, %n: index) -> tensor<?xf32> {
  %e = tensor.empty(%n) : tensor<?xf32>
  %s = coco.comm.reduce_scatter sum %g into %e dim 0 on @two_by_three[1, 0] : tensor<11xf32>, tensor<?xf32> -> tensor<?xf32>
  return %s : tensor<?xf32>
}

// A result of unknown size on equal blocks: blocks of this rank's size, the
// result's size checked at run time (it once became an extract_slice of a
// static size '?': the fuzzer).
// CHECK-LABEL: func @dynamic_result
// CHECK: %[[OWN:.*]], %[[ROWS:.*]] = coco.local_block
// CHECK: %[[DIM:.*]] = tensor.dim %arg1
// CHECK: %[[FITS:.*]] = arith.cmpi eq, %[[DIM]], %[[ROWS]] : index
// CHECK: cf.assert %[[FITS]]
// CHECK: tensor.extract_slice %{{.*}}[%{{.*}}] [%[[ROWS]]] [1] : tensor<8xf32> to tensor<?xf32>
// CHECK-NOT: coco.comm.reduce_scatter
func.func @dynamic_result(%g: tensor<8xf32>, %e: tensor<?xf32>) -> tensor<?xf32> {
  %s = coco.comm.reduce_scatter sum %g into %e dim 0 on @two[0] : tensor<8xf32>, tensor<?xf32> -> tensor<?xf32>
  return %s : tensor<?xf32>
}

// Left unfused, with the reason, where the fold would build wrong or
// unbounded IR: an element type the loop cannot sum, an integer average
// whose divisor (the group size) overflows the type, a group whose loop
// would read 2048 blocks. (These once crashed coco-opt or produced invalid
// IR: the fuzzer.)
// A static result that is not every rank's block: uneven blocks (7 over 3
// ranks: 3, 2, 2) or a size other than the equal blocks' (the unfused
// collective fails at run time; the loop would read past a block).
// CHECK-LABEL: func @static_uneven
// CHECK: coco.comm.reduce_scatter sum
// WHY: warning: coco-fuse-reduce-scatter was requested but does not apply here: this reduce_scatter stays unfused: its result has 3 rows, but the 7 rows split into uneven blocks over 3 ranks (a dynamic result takes each rank's)
func.func @static_uneven(%g: tensor<7x2xf32>) -> tensor<3x2xf32> {
  %e = tensor.empty() : tensor<3x2xf32>
  %s = coco.comm.reduce_scatter sum %g into %e dim 0 on @three[0] : tensor<7x2xf32>, tensor<3x2xf32> -> tensor<3x2xf32>
  return %s : tensor<3x2xf32>
}
// CHECK-LABEL: func @dynamic_inner_dim
// CHECK: coco.comm.reduce_scatter sum
// WHY: warning: coco-fuse-reduce-scatter was requested but does not apply here: this reduce_scatter stays unfused: the result's shape must be static but for dimension 0
func.func @dynamic_inner_dim(%g: tensor<8x3xf32>, %n: index) -> tensor<4x?xf32> {
  %e = tensor.empty(%n) : tensor<4x?xf32>
  %s = coco.comm.reduce_scatter sum %g into %e dim 0 on @two[0] : tensor<8x3xf32>, tensor<4x?xf32> -> tensor<4x?xf32>
  return %s : tensor<4x?xf32>
}
// CHECK-LABEL: func @static_wrong_block
// CHECK: coco.comm.reduce_scatter sum
// WHY: warning: coco-fuse-reduce-scatter was requested but does not apply here: this reduce_scatter stays unfused: its result has 3 rows, but the 8 rows split into blocks of 4
func.func @static_wrong_block(%g: tensor<8xf32>) -> tensor<3xf32> {
  %e = tensor.empty() : tensor<3xf32>
  %s = coco.comm.reduce_scatter sum %g into %e dim 0 on @two[0] : tensor<8xf32>, tensor<3xf32> -> tensor<3xf32>
  return %s : tensor<3xf32>
}
// CHECK-LABEL: func @complex_sum
// CHECK: coco.comm.reduce_scatter sum
// WHY: warning: coco-fuse-reduce-scatter was requested but does not apply here: this reduce_scatter stays unfused: its loop sums integers and floats, not complex<f32>
func.func @complex_sum(%g: tensor<8xcomplex<f32>>) -> tensor<4xcomplex<f32>> {
  %e = tensor.empty() : tensor<4xcomplex<f32>>
  %s = coco.comm.reduce_scatter sum %g into %e dim 0 on @two[0] : tensor<8xcomplex<f32>>, tensor<4xcomplex<f32>> -> tensor<4xcomplex<f32>>
  return %s : tensor<4xcomplex<f32>>
}
// CHECK-LABEL: func @huge_group
// CHECK: coco.comm.reduce_scatter sum
// WHY: warning: coco-fuse-reduce-scatter was requested but does not apply here: this reduce_scatter stays unfused: its loop would sum the blocks of 2048 ranks; the fold takes groups of at most 1024
func.func @huge_group(%g: tensor<4096xf32>) -> tensor<2xf32> {
  %e = tensor.empty() : tensor<2xf32>
  %s = coco.comm.reduce_scatter sum %g into %e dim 0 on @many[0] : tensor<4096xf32>, tensor<2xf32> -> tensor<2xf32>
  return %s : tensor<2xf32>
}
// CHECK-LABEL: func @empty_dim
// CHECK: coco.comm.reduce_scatter sum
// WHY: warning: coco-fuse-reduce-scatter was requested but does not apply here: this reduce_scatter stays unfused: dimension 0 is empty
func.func @empty_dim(%g: tensor<0xf32>) -> tensor<0xf32> {
  %e = tensor.empty() : tensor<0xf32>
  %s = coco.comm.reduce_scatter sum %g into %e dim 0 on @two[0] : tensor<0xf32>, tensor<0xf32> -> tensor<0xf32>
  return %s : tensor<0xf32>
}
