// RUN: coco-opt %s --coco-hierarchical-all-reduce="inner=1 outer=0 dim=1" --split-input-file -verify-diagnostics
// RUN: not coco-opt %s --coco-hierarchical-all-reduce="inner=1,1" --split-input-file 2>&1 | FileCheck %s --check-prefix=TWICE
// RUN: not coco-opt %s --coco-hierarchical-all-reduce="inner=-1" --split-input-file 2>&1 | FileCheck %s --check-prefix=NEGATIVE
// RUN: not coco-opt %s --coco-hierarchical-all-reduce="inner=0 outer=1,1" --split-input-file 2>&1 | FileCheck %s --check-prefix=OUTER
// RUN: not coco-opt %s --coco-hierarchical-all-reduce="inner=1 outer=0 dim=1" --split-input-file --mlir-print-ir-after-failure 2>&1 | FileCheck %s --check-prefix=UNCHANGED

// TWICE: error: coco-hierarchical-all-reduce: inner=1,1: axis 1 is named twice
// An axis no grid has is the option's error too (inner=-1 was the warning
// that nothing changed; outer=1,1 an error on each all_reduce that did not
// name the cause).
// NEGATIVE: error: coco-hierarchical-all-reduce: inner=-1: axis -1 is negative
// OUTER: error: coco-hierarchical-all-reduce: outer=1,1: axis 1 is named twice

// Every precondition is checked before any all_reduce changes: after the
// failure on %1, %0 (which alone would be rewritten) is still one all_reduce.
// UNCHANGED: IR Dump After CocoHierarchicalAllReducePass Failed
// UNCHANGED: func.func @f
// UNCHANGED-NEXT: coco.all_reduce sum %{{.*}} : !coco.dtensor<8x4xf32, [local, local] on @g3>
// UNCHANGED-NEXT: coco.all_reduce sum %{{.*}} : !coco.dtensor<8x4xf32, [local, local, local] on @g3>
// UNCHANGED-NEXT: return
coco.grid @g3(shape = [2, 2, 2])
func.func @f(%a: !coco.dtensor<8x4xf32, [local, local] on @g3>,
             %b: !coco.dtensor<8x4xf32, [local, local, local] on @g3>) {
  %0 = coco.all_reduce sum %a : !coco.dtensor<8x4xf32, [local, local] on @g3>
  // expected-error @+1 {{cannot be made hierarchical with inner axes [1] and outer axes [0]: it runs along [0, 1, 2]}}
  %1 = coco.all_reduce sum %b : !coco.dtensor<8x4xf32, [local, local, local] on @g3>
  return
}

// -----

coco.grid @g(shape = [2, 2])
func.func @f(%a: !coco.dtensor<8xf32, [local, local] on @g>) {
  // expected-error @+1 {{cannot be made hierarchical: dimension 1 is out of range for a rank-1 tensor}}
  %0 = coco.all_reduce sum %a : !coco.dtensor<8xf32, [local, local] on @g>
  return
}

// -----

// expected-warning @+1 {{coco-hierarchical-all-reduce: no all_reduce runs along the inner axes [1] and an outer axis; nothing changed}}
module {
  coco.grid @g(shape = [2, 2])
  func.func @f(%a: !coco.dtensor<8xf32, local on @g[1]>) {
    %0 = coco.all_reduce sum %a : !coco.dtensor<8xf32, local on @g[1]>
    return
  }
}
