// RUN: coco-opt %s --pass-pipeline="builtin.module(func.func(coco-copies-to-linalg))" | FileCheck %s

// Host copies (a pipeline stage's yielded buffer, a strided view) become
// linalg.copy; a copy inside a kernel stays.
// CHECK-LABEL: func @copies
// CHECK-SAME: (%[[A:.*]]: memref<4x8xf32>, %[[B:.*]]: memref<4x8xf32>, %[[S:.*]]: memref<4xf32, strided<[8]>>, %[[T:.*]]: memref<4xf32>
// CHECK: linalg.copy ins(%[[A]] : memref<4x8xf32>) outs(%[[B]] : memref<4x8xf32>)
// CHECK: scf.if
// CHECK:   linalg.copy ins(%[[S]] : memref<4xf32, strided<[8]>>) outs(%[[T]] : memref<4xf32>)
// CHECK: gpu.launch
// CHECK:   memref.copy
// CHECK-NOT: memref.copy
func.func @copies(%a: memref<4x8xf32>, %b: memref<4x8xf32>, %s: memref<4xf32, strided<[8]>>,
                  %t: memref<4xf32>, %p: i1) {
  memref.copy %a, %b : memref<4x8xf32> to memref<4x8xf32>
  scf.if %p {
    memref.copy %s, %t : memref<4xf32, strided<[8]>> to memref<4xf32>
  }
  %c1 = arith.constant 1 : index
  gpu.launch blocks(%bx, %by, %bz) in (%x = %c1, %y = %c1, %z = %c1)
             threads(%tx, %ty, %tz) in (%u = %c1, %v = %c1, %w = %c1) {
    memref.copy %a, %b : memref<4x8xf32> to memref<4x8xf32>
    gpu.terminator
  }
  return
}
