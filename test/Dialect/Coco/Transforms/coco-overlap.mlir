// RUN: coco-opt %s --pass-pipeline="builtin.module(func.func(coco-overlap{chunks=2}))" | FileCheck %s

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

// Rows not divisible by the chunk count: left alone.
// CHECK-LABEL: func @odd_rows
// CHECK: linalg.matmul
// CHECK: coco.comm.all_reduce sum
func.func @odd_rows(%a: memref<7x4xf32>, %b: memref<4x6xf32>, %c: memref<7x6xf32>, %d: memref<7x6xf32>) {
  linalg.matmul ins(%a, %b : memref<7x4xf32>, memref<4x6xf32>) outs(%c : memref<7x6xf32>)
  coco.comm.all_reduce sum %c into %d on @tp[0] : memref<7x6xf32>, memref<7x6xf32>
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
  coco.comm.all_reduce sum %c into %d on @tp[0] : memref<8x6xf32>, memref<8x6xf32>
  return
}
