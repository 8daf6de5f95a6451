// RUN: coco-opt %s --coco-lower-deallocations --split-input-file | FileCheck %s --implicit-check-not=bufferization.
// RUN: coco-opt %s --coco-lower-deallocations --split-input-file --mlir-print-ir-after-change --mlir-print-ir-after-all -o /dev/null 2>&1 | FileCheck %s --check-prefix=CHANGED

// A bufferization.dealloc left (its condition is not known): simplified
// and lowered to an scf.if around a memref.dealloc; a clone becomes an
// alloc and a copy.
// CHECK-LABEL: func @lowered
// CHECK: %[[T:.*]] = memref.alloc() : memref<8xf32>
// CHECK: %[[COPY:.*]] = memref.alloc() : memref<8xf32>
// CHECK-NEXT: memref.copy %[[T]], %[[COPY]]
// CHECK-NEXT: scf.if %{{.*}} {
// CHECK-NEXT: memref.dealloc %[[T]]
// CHECK: return %[[COPY]]
func.func @lowered(%a: memref<8xf32>, %c: i1) -> memref<8xf32> {
  %t = memref.alloc() : memref<8xf32>
  memref.copy %a, %t : memref<8xf32> to memref<8xf32>
  %r = bufferization.clone %t : memref<8xf32> to memref<8xf32>
  bufferization.dealloc (%t : memref<8xf32>) if (%c)
  return %r : memref<8xf32>
}

// -----

// No bufferization op: nothing runs (the equal constants stay two: CSE and
// canonicalize would have merged them) and nothing changes.
// CHECK-LABEL: func @nothing_left
// CHECK-NEXT: %[[T:.*]] = memref.alloc()
// CHECK-NEXT: %[[ONE:.*]] = arith.constant 1 : index
// CHECK-NEXT: %[[TWO:.*]] = arith.constant 1 : index
// CHECK-NEXT: memref.copy %{{.*}}, %[[T]]
// CHECK-NEXT: memref.dealloc %[[T]]
// CHECK-NEXT: return %[[ONE]], %[[TWO]]
func.func @nothing_left(%a: memref<8xf32>) -> (index, index) {
  %t = memref.alloc() : memref<8xf32>
  %one = arith.constant 1 : index
  %two = arith.constant 1 : index
  memref.copy %a, %t : memref<8xf32> to memref<8xf32>
  memref.dealloc %t : memref<8xf32>
  return %one, %two : index, index
}

// The first module changed (its dealloc was lowered), the second did not
// (--mlir-print-ir-after-change compares the IR before and after).
// CHANGED: IR Dump After CocoLowerDeallocationsPass
// CHANGED-NEXT: module {
// CHANGED-NEXT: func.func @lowered
// CHANGED-NOT: IR Dump After CocoLowerDeallocationsPass
