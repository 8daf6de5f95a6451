// RUN: coco-opt %s --split-input-file --coco-canonicalize | FileCheck %s
// RUN: coco-opt %s --split-input-file --coco-canonicalize="region-simplify=false top-down=false" | FileCheck %s --check-prefix=NOREGION

// Upstream's patterns and folders: x + 0 folds to x.
// CHECK-LABEL: func @folds
// CHECK-NEXT: return %arg0 : i32
// NOREGION-LABEL: func @folds
// NOREGION-NEXT: return %arg0 : i32
func.func @folds(%a: i32) -> i32 {
  %c0 = arith.constant 0 : i32
  %0 = arith.addi %a, %c0 : i32
  return %0 : i32
}

// -----

// Region simplification (on by default) drops a block argument no one
// uses; region-simplify=false keeps it.
// CHECK-LABEL: func @dead_argument
// CHECK-NEXT: cf.cond_br %arg1, ^bb1, ^bb2
// CHECK-NEXT: ^bb1:
// NOREGION-LABEL: func @dead_argument
// NOREGION-NEXT: cf.cond_br %arg1, ^bb1(%arg0 : i32), ^bb2
// NOREGION-NEXT: ^bb1(%{{.*}}: i32):
func.func @dead_argument(%a: i32, %c: i1) -> i32 {
  cf.cond_br %c, ^bb1(%a : i32), ^bb2
^bb1(%x: i32):
  return %a : i32
^bb2:
  return %a : i32
}

// -----

// Already canonical: printed as it was.
// CHECK-LABEL: func @canonical
// CHECK-NEXT: %[[S:.*]] = arith.addi %arg0, %arg1 : i32
// CHECK-NEXT: return %[[S]] : i32
func.func @canonical(%a: i32, %b: i32) -> i32 {
  %0 = arith.addi %a, %b : i32
  return %0 : i32
}

// -----

// Only a constant hoisted out of a loop, which the greedy driver does not
// report as a change: the pass still counts it as one (next RUN).
// CHECK-LABEL: func @hoisted
// CHECK-NEXT: %[[ONE:.*]] = arith.constant 1.000000e+00 : f32
// CHECK: scf.for
// CHECK-NEXT: memref.store %[[ONE]]
func.func @hoisted(%n: index, %m: memref<?xf32>) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  scf.for %i = %c0 to %n step %c1 {
    %f = arith.constant 1.0 : f32
    memref.store %f, %m[%i] : memref<?xf32>
  }
  return
}
// RUN: awk '/^\/\/ -----/{n++} n==3' %s | coco-opt --pass-pipeline='builtin.module(cse,coco-canonicalize,cse)' --mlir-timing --mlir-timing-display=tree -o /dev/null 2>&1 | FileCheck %s --check-prefix=HOISTED
// HOISTED: {{  CocoCanonicalizePass$}}
// HOISTED-NEXT: {{  CSE$}}
// HOISTED-NEXT: (A) DominanceInfo

// The pass keeps every analysis exactly when it changed nothing (and the
// pass manager then does not verify again): the CSE after an unchanged
// run reuses the dominance the CSE before it computed; after a run that
// folded something, or after upstream's canonicalizer, it computes it
// again.
// RUN: coco-opt %s --split-input-file --pass-pipeline='builtin.module(cse,coco-canonicalize,cse,coco-canonicalize,cse,canonicalize,cse)' --mlir-timing --mlir-timing-display=tree -o /dev/null 2>&1 | FileCheck %s --check-prefix=KEPT
// KEPT: {{^ +[0-9.]+ +\( *[0-9.]+%\)  CSE$}}
// KEPT-NEXT: (A) DominanceInfo
// KEPT-NEXT: {{  CocoCanonicalizePass$}}
// KEPT-NEXT: {{  CSE$}}
// KEPT-NEXT: (A) DominanceInfo
// KEPT-NEXT: {{  CocoCanonicalizePass$}}
// KEPT-NEXT: {{  CSE$}}
// KEPT-NEXT: {{  Canonicalizer$}}
// KEPT-NEXT: {{  CSE$}}
// KEPT-NEXT: (A) DominanceInfo
