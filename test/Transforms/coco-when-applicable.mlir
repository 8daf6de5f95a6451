// RUN: coco-opt %s --split-input-file --coco-when-applicable=pass=lower-affine | FileCheck %s --check-prefix=AFFINE
// RUN: coco-opt %s --split-input-file --coco-when-applicable="pass=arith-expand{include-bf16=true}" | FileCheck %s --check-prefix=EXPAND
// RUN: coco-opt %s --split-input-file --coco-when-applicable="pass=expand-strided-metadata" | FileCheck %s --check-prefix=STRIDED
// RUN: coco-opt %s --split-input-file --coco-when-applicable="pass=expand-realloc{emit-deallocs=false}" | FileCheck %s --check-prefix=REALLOC

// Each pass runs where one of its patterns' root ops is, and does what it
// does upstream; elsewhere the function is printed as it was.
// AFFINE-LABEL: func @affine
// AFFINE-NOT: affine.
// AFFINE: arith.muli
// AFFINE-NOT: affine.
// EXPAND-LABEL: func @affine
// EXPAND-NEXT: affine.apply
// STRIDED-LABEL: func @affine
// STRIDED-NEXT: affine.apply
// REALLOC-LABEL: func @affine
// REALLOC-NEXT: affine.apply
func.func @affine(%i: index) -> index {
  %0 = affine.apply affine_map<(d0) -> (d0 * 4)>(%i)
  return %0 : index
}

// -----

// lower-affine's index expansion (affine.delinearize_index has a pattern
// of its own, not among the affine-to-standard ones).
// AFFINE-LABEL: func @delinearize
// AFFINE-NOT: affine.
// AFFINE: arith.floordivsi
// AFFINE-NOT: affine.
// EXPAND-LABEL: func @delinearize
// EXPAND-NEXT: affine.delinearize_index
func.func @delinearize(%i: index) -> (index, index) {
  %0:2 = affine.delinearize_index %i into (4, 8) : index, index
  return %0#0, %0#1 : index, index
}

// -----

// bf16 -> f32 becomes integer ops with include-bf16; maxnumf is expanded
// whatever the options.
// AFFINE-LABEL: func @arith
// AFFINE-NEXT: arith.extf
// EXPAND-LABEL: func @arith
// EXPAND-NOT: arith.extf
// EXPAND-NOT: arith.maxnumf
// EXPAND: return
func.func @arith(%a: bf16, %b: f32) -> f32 {
  %0 = arith.extf %a : bf16 to f32
  %1 = arith.maxnumf %0, %b : f32
  return %1 : f32
}

// -----

// STRIDED-LABEL: func @subview
// STRIDED-NOT: memref.subview
// STRIDED: memref.reinterpret_cast
// AFFINE-LABEL: func @subview
// AFFINE-NEXT: memref.subview
func.func @subview(%m: memref<8xf32>) -> memref<4xf32, strided<[1], offset: 2>> {
  %0 = memref.subview %m[2] [4] [1] : memref<8xf32> to memref<4xf32, strided<[1], offset: 2>>
  return %0 : memref<4xf32, strided<[1], offset: 2>>
}

// -----

// REALLOC-LABEL: func @realloc
// REALLOC-NOT: memref.realloc
// REALLOC: scf.if
// REALLOC-NOT: memref.dealloc
// AFFINE-LABEL: func @realloc
// AFFINE-NEXT: memref.realloc
func.func @realloc(%m: memref<4xf32>) -> memref<8xf32> {
  %0 = memref.realloc %m : memref<4xf32> to memref<8xf32>
  return %0 : memref<8xf32>
}

// Where nothing applies, every analysis is kept (the pass manager then does
// not verify again): the CSE after it reuses the dominance the CSE before
// it computed. Where the pass ran, the CSE after computes it again. (The
// first function alone: it has an affine op and no realloc.)
// RUN: sed -n '1,/^\/\/ -----/p' %s | coco-opt --pass-pipeline='builtin.module(cse,coco-when-applicable{pass=expand-realloc},cse)' --mlir-timing --mlir-timing-display=tree -o /dev/null 2>&1 | FileCheck %s --check-prefix=KEPT
// RUN: sed -n '1,/^\/\/ -----/p' %s | coco-opt --pass-pipeline='builtin.module(cse,coco-when-applicable{pass=lower-affine},cse)' --mlir-timing --mlir-timing-display=tree -o /dev/null 2>&1 | FileCheck %s --check-prefix=RAN
// KEPT: {{  CSE$}}
// KEPT-NEXT: (A) DominanceInfo
// KEPT-NEXT: {{  CocoWhenApplicablePass$}}
// KEPT-NEXT: {{  CSE$}}
// KEPT-NEXT: {{  Output$}}
// RAN: {{  CSE$}}
// RAN-NEXT: (A) DominanceInfo
// RAN-NEXT: {{  CocoWhenApplicablePass$}}
// RAN-NEXT: {{  'builtin.module' Pipeline$}}
// RAN-NEXT: {{  LowerAffinePass$}}
// RAN-NEXT: {{  CSE$}}
// RAN-NEXT: (A) DominanceInfo

// Errors: a pass it does not know, options the pass rejects, no '}'.
// RUN: not coco-opt %s --split-input-file --coco-when-applicable=pass=canonicalize 2>&1 | FileCheck %s --check-prefix=UNKNOWN
// UNKNOWN: error: coco-when-applicable knows the patterns of lower-affine, arith-expand, expand-realloc, expand-strided-metadata; not of 'canonicalize'
// RUN: not coco-opt %s --split-input-file --coco-when-applicable="pass=arith-expand{include-bf17=true}" 2>&1 | FileCheck %s --check-prefix=OPTION
// OPTION: error: coco-when-applicable: the options of 'arith-expand': <Pass-Options-Parser>: no such option include-bf17
// RUN: not coco-opt %s --split-input-file --coco-when-applicable="pass=arith-expand{include-bf16=true" 2>&1 | FileCheck %s --check-prefix=BRACE
// BRACE: error: coco-when-applicable: 'arith-expand{include-bf16=true' has no closing '}' after its options
