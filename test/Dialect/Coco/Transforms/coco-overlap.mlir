// RUN: coco-opt %s --pass-pipeline="builtin.module(func.func(coco-overlap{chunks=2}))" -verify-diagnostics | FileCheck %s
// RUN: not coco-opt %s --pass-pipeline="builtin.module(func.func(coco-overlap{chunks=-3}))" -o /dev/null 2>&1 | FileCheck %s --check-prefix=NEGATIVE

// ol(MM, AR): the matmul and the all_reduce of its result become two row
// blocks, each block's all_reduce started right after its matmul, the waits
// at the end.

coco.grid @tp(shape = [2])

// CHECK-LABEL: func @layer
// CHECK-SAME: (%[[A:.*]]: memref<8x4xf32>, %[[B:.*]]: memref<4x6xf32>, %[[C:.*]]: memref<8x6xf32>, %[[D:.*]]: memref<8x6xf32>)
// CHECK: linalg.fill
// CHECK: %[[C0:.*]] = memref.subview %[[C]][0, 0] [4, 6] [1, 1]
// CHECK: %[[A0:.*]] = memref.subview %[[A]][0, 0] [4, 4] [1, 1]
// CHECK: linalg.matmul ins(%[[A0]], %[[B]] : {{.*}}) outs(%[[C0]] : {{.*}})
// CHECK: %[[D0:.*]] = memref.subview %[[D]][0, 0] [4, 6] [1, 1]
// CHECK: %[[R0:.*]] = coco.comm.iall_reduce sum %[[C0]] into %[[D0]] on @tp[0]
// CHECK: %[[C1:.*]] = memref.subview %[[C]][4, 0] [4, 6] [1, 1]
// CHECK: %[[A1:.*]] = memref.subview %[[A]][4, 0] [4, 4] [1, 1]
// CHECK: linalg.matmul ins(%[[A1]], %[[B]] : {{.*}}) outs(%[[C1]] : {{.*}})
// CHECK: %[[D1:.*]] = memref.subview %[[D]][4, 0] [4, 6] [1, 1]
// CHECK: %[[R1:.*]] = coco.comm.iall_reduce sum %[[C1]] into %[[D1]] on @tp[0]
// CHECK: coco.comm.wait %[[R0]], %[[C0]], %[[D0]]
// CHECK: coco.comm.wait %[[R1]], %[[C1]], %[[D1]]
// CHECK-NOT: coco.comm.all_reduce
func.func @layer(%a: memref<8x4xf32>, %b: memref<4x6xf32>, %c: memref<8x6xf32>, %d: memref<8x6xf32>) {
  %zero = arith.constant 0.0 : f32
  linalg.fill ins(%zero : f32) outs(%c : memref<8x6xf32>)
  linalg.matmul ins(%a, %b : memref<8x4xf32>, memref<4x6xf32>) outs(%c : memref<8x6xf32>)
  coco.comm.all_reduce sum %c into %d on @tp[0] : memref<8x6xf32>, memref<8x6xf32>
  return
}

// Rows not divisible by the chunk count (an uneven block, or a small
// product): left alone, with a remark saying why.
// CHECK-LABEL: func @odd_rows
// CHECK: linalg.matmul
// CHECK: coco.comm.all_reduce sum
func.func @odd_rows(%a: memref<7x4xf32>, %b: memref<4x6xf32>, %c: memref<7x6xf32>, %d: memref<7x6xf32>) {
  linalg.matmul ins(%a, %b : memref<7x4xf32>, memref<4x6xf32>) outs(%c : memref<7x6xf32>)
  // expected-warning @+1 {{not overlapped in 2 chunks, stays blocking: this rank's 7 row(s) do not divide into 2 chunks}}
  coco.comm.all_reduce sum %c into %d on @tp[0] : memref<7x6xf32>, memref<7x6xf32>
  return
}

// No rows on this rank (rank-local IR can say so): 0 divides into any count
// but would make empty blocks; left alone.
// CHECK-LABEL: func @no_rows
// CHECK: linalg.matmul
// CHECK: coco.comm.all_reduce sum
// CHECK-NOT: memref.subview
func.func @no_rows(%a: memref<0x4xf32>, %b: memref<4x6xf32>, %c: memref<0x6xf32>, %d: memref<0x6xf32>) {
  linalg.matmul ins(%a, %b : memref<0x4xf32>, memref<4x6xf32>) outs(%c : memref<0x6xf32>)
  // expected-warning @+1 {{not overlapped in 2 chunks, stays blocking: this rank's 0 row(s) do not divide into 2 chunks}}
  coco.comm.all_reduce sum %c into %d on @tp[0] : memref<0x6xf32>, memref<0x6xf32>
  return
}

// The product is read before the all_reduce: left alone.
// CHECK-LABEL: func @read_in_between
// CHECK: linalg.matmul
// CHECK: memref.copy
// CHECK: coco.comm.all_reduce sum
func.func @read_in_between(%a: memref<8x4xf32>, %b: memref<4x6xf32>, %c: memref<8x6xf32>, %d: memref<8x6xf32>, %e: memref<8x6xf32>) {
  linalg.matmul ins(%a, %b : memref<8x4xf32>, memref<4x6xf32>) outs(%c : memref<8x6xf32>)
  memref.copy %c, %e : memref<8x6xf32> to memref<8x6xf32>
  // expected-warning @+1 {{not overlapped in 2 chunks, stays blocking: 'memref.copy' between the matmul and the collective may read or write its buffers}}
  coco.comm.all_reduce sum %c into %d on @tp[0] : memref<8x6xf32>, memref<8x6xf32>
  return
}

// ol(MM, RS): a reduce_scatter along the columns chunks the same way; row
// block k of the product is scattered into row block k of this rank's column
// slice (seen through the layer's expand_shape to [B, S, H]).
// CHECK-LABEL: func @layer_rs
// CHECK-SAME: (%[[A:.*]]: memref<8x4xf32>, %[[B:.*]]: memref<4x6xf32>, %[[C:.*]]: memref<8x6xf32>, %[[D:.*]]: memref<2x4x3xf32>)
// CHECK: %[[DR:.*]] = memref.collapse_shape %[[D]] {{\[\[}}0, 1], [2]] : memref<2x4x3xf32> into memref<8x3xf32>
// CHECK: %[[C0:.*]] = memref.subview %[[C]][0, 0] [4, 6] [1, 1]
// CHECK: %[[A0:.*]] = memref.subview %[[A]][0, 0] [4, 4] [1, 1]
// CHECK: linalg.matmul ins(%[[A0]], %[[B]] : {{.*}}) outs(%[[C0]] : {{.*}})
// CHECK: %[[D0:.*]] = memref.subview %[[DR]][0, 0] [4, 3] [1, 1]
// CHECK: %[[R0:.*]] = coco.comm.ireduce_scatter sum %[[C0]] into %[[D0]] dim 1 on @tp[0]
// CHECK: %[[C1:.*]] = memref.subview %[[C]][4, 0] [4, 6] [1, 1]
// CHECK: linalg.matmul
// CHECK: %[[D1:.*]] = memref.subview %[[DR]][4, 0] [4, 3] [1, 1]
// CHECK: %[[R1:.*]] = coco.comm.ireduce_scatter sum %[[C1]] into %[[D1]] dim 1 on @tp[0]
// CHECK: coco.comm.wait %[[R0]], %[[C0]], %[[D0]]
// CHECK: coco.comm.wait %[[R1]], %[[C1]], %[[D1]]
// CHECK-NOT: coco.comm.reduce_scatter
func.func @layer_rs(%a: memref<8x4xf32>, %b: memref<4x6xf32>, %c: memref<8x6xf32>, %d: memref<2x4x3xf32>) {
  linalg.matmul ins(%a, %b : memref<8x4xf32>, memref<4x6xf32>) outs(%c : memref<8x6xf32>)
  %e = memref.expand_shape %c [[0, 1], [2]] output_shape [2, 4, 6] : memref<8x6xf32> into memref<2x4x6xf32>
  coco.comm.reduce_scatter sum %e into %d dim 2 on @tp[0] : memref<2x4x6xf32>, memref<2x4x3xf32>
  return
}

// A reduce_scatter along the rows would scatter every row block across all
// ranks, not into this rank's rows: left alone, with a remark.
// CHECK-LABEL: func @rs_along_rows
// CHECK: linalg.matmul
// CHECK: coco.comm.reduce_scatter sum
// CHECK-NOT: ireduce_scatter
func.func @rs_along_rows(%a: memref<8x4xf32>, %b: memref<4x6xf32>, %c: memref<8x6xf32>, %d: memref<2x2x6xf32>) {
  linalg.matmul ins(%a, %b : memref<8x4xf32>, memref<4x6xf32>) outs(%c : memref<8x6xf32>)
  %e = memref.expand_shape %c [[0, 1], [2]] output_shape [2, 4, 6] : memref<8x6xf32> into memref<2x4x6xf32>
  // expected-warning @+1 {{not overlapped in 2 chunks, stays blocking: it scatters dimension 1, not the product's columns, so each row block would be spread over all ranks}}
  coco.comm.reduce_scatter sum %e into %d dim 1 on @tp[0] : memref<2x4x6xf32>, memref<2x2x6xf32>
  return
}

// Left alone: anything between the matmul and the collective that could
// observe or change what moves (the matmul now runs after it): a write to an
// operand, a region; and matmuls
// with their own indexing maps (blocks are rebuilt as plain matmuls).
// CHECK-LABEL: func @lhs_written
// CHECK-NOT: iall_reduce
// CHECK-LABEL: func @nested_read
// CHECK-NOT: iall_reduce
// The first of two collectives of one product is chunked (the matmul
// blocks move before it); the second then reads the finished product.
// CHECK-LABEL: func @two_collectives
// CHECK-COUNT-2: coco.comm.iall_reduce
// CHECK: coco.comm.all_reduce sum
// CHECK-LABEL: func @transposed_lhs
// CHECK-NOT: iall_reduce
func.func @lhs_written(%a: memref<8x4xf32>, %b: memref<4x6xf32>, %c: memref<8x6xf32>, %d: memref<8x6xf32>) {
  %one = arith.constant 1.0 : f32
  linalg.matmul ins(%a, %b : memref<8x4xf32>, memref<4x6xf32>) outs(%c : memref<8x6xf32>)
  linalg.fill ins(%one : f32) outs(%a : memref<8x4xf32>)
  // expected-warning @+1 {{not overlapped in 2 chunks, stays blocking: 'linalg.fill' between the matmul and the collective may read or write its buffers}}
  coco.comm.all_reduce sum %c into %d on @tp[0] : memref<8x6xf32>, memref<8x6xf32>
  return
}
func.func @nested_read(%a: memref<8x4xf32>, %b: memref<4x6xf32>, %c: memref<8x6xf32>, %d: memref<8x6xf32>, %e: memref<8x6xf32>, %p: i1) {
  linalg.matmul ins(%a, %b : memref<8x4xf32>, memref<4x6xf32>) outs(%c : memref<8x6xf32>)
  scf.if %p {
    memref.copy %c, %e : memref<8x6xf32> to memref<8x6xf32>
  }
  // expected-warning @+1 {{not overlapped in 2 chunks, stays blocking: 'scf.if' between the matmul and the collective may read or write its buffers}}
  coco.comm.all_reduce sum %c into %d on @tp[0] : memref<8x6xf32>, memref<8x6xf32>
  return
}
func.func @two_collectives(%a: memref<8x4xf32>, %b: memref<4x6xf32>, %c: memref<8x6xf32>, %d: memref<2x4x6xf32>, %e: memref<2x4x6xf32>) {
  linalg.matmul ins(%a, %b : memref<8x4xf32>, memref<4x6xf32>) outs(%c : memref<8x6xf32>)
  %e1 = memref.expand_shape %c [[0, 1], [2]] output_shape [2, 4, 6] : memref<8x6xf32> into memref<2x4x6xf32>
  coco.comm.all_reduce sum %e1 into %d on @tp[0] : memref<2x4x6xf32>, memref<2x4x6xf32>
  // expected-warning @+2 {{not overlapped in 2 chunks, stays blocking: 'coco.comm.all_reduce' between the matmul and the collective may read or write its buffers}}
  %e2 = memref.expand_shape %c [[0, 1], [2]] output_shape [2, 4, 6] : memref<8x6xf32> into memref<2x4x6xf32>
  coco.comm.all_reduce sum %e2 into %e on @tp[0] : memref<2x4x6xf32>, memref<2x4x6xf32>
  return
}
func.func @transposed_lhs(%a: memref<4x8xf32>, %b: memref<4x6xf32>, %c: memref<8x6xf32>, %d: memref<8x6xf32>) {
  linalg.matmul indexing_maps = [affine_map<(m, n, k) -> (k, m)>, affine_map<(m, n, k) -> (k, n)>, affine_map<(m, n, k) -> (m, n)>]
      ins(%a, %b : memref<4x8xf32>, memref<4x6xf32>) outs(%c : memref<8x6xf32>)
  // expected-warning @+1 {{not overlapped in 2 chunks, stays blocking: the matmul has transposed operands or an unsigned cast}}
  coco.comm.all_reduce sum %c into %d on @tp[0] : memref<8x6xf32>, memref<8x6xf32>
  return
}

// A collective that no matmul feeds (a gradient, say) is not a candidate
// and passes without a word.
// CHECK-LABEL: func @no_matmul
// CHECK: coco.comm.all_reduce sum
// CHECK-NOT: iall_reduce
func.func @no_matmul(%g: memref<16xf32>, %h: memref<16xf32>) {
  coco.comm.all_reduce sum %g into %h on @tp[0] : memref<16xf32>, memref<16xf32>
  return
}

// The option as given (it printed a stray byte instead of the number).
// NEGATIVE: coco-overlap: chunks must be 0 (only collectives a schedule marked) or >= 2, got -3
