// RUN: coco-opt %s --coco-isolate-symbols | FileCheck %s
// A second run changes nothing:
// RUN: coco-opt %s --coco-isolate-symbols | coco-opt --coco-isolate-symbols | FileCheck %s
// The C interface takes the entry's name again:
// RUN: coco-opt %s --coco-isolate-symbols --coco-finalize-to-llvm | FileCheck %s --check-prefix=LLVM

// Every defined function whose name is a C identifier is renamed
// coco.fn.<name> and every reference follows (calls, function constants);
// declarations keep their names, and so do nested symbol tables (GPU
// kernels, nested modules).

// CHECK-LABEL: func.func @coco.fn.exp(%{{.*}}: f64) -> f64 attributes {llvm.emit_c_interface} {
// CHECK-NEXT:    %[[H:.*]] = call @coco.fn.helper(%{{.*}}) : (f64) -> f64
// CHECK-NEXT:    %[[E:.*]] = call @coco.fn.exp(%[[H]]) : (f64) -> f64
// CHECK-NEXT:    %[[L:.*]] = call @log(%[[E]]) : (f64) -> f64
// CHECK-NEXT:    return %[[L]] : f64
// LLVM-LABEL: llvm.func @coco.fn.exp(
// LLVM: llvm.call @log(
// LLVM-LABEL: llvm.func @_mlir_ciface_exp(
// LLVM-NEXT:    llvm.call @coco.fn.exp(
func.func @exp(%x: f64) -> f64 attributes {llvm.emit_c_interface} {
  %h = call @helper(%x) : (f64) -> f64
  %e = call @exp(%h) : (f64) -> f64
  %l = call @log(%e) : (f64) -> f64
  return %l : f64
}
// A private function is the module's own: internal linkage, no symbol of
// the object.
// CHECK-LABEL: func.func private @coco.fn.helper(
// CHECK-SAME:    attributes {llvm.linkage = #llvm.linkage<internal>}
// CHECK-NEXT:    constant @coco.fn.helper : (f64) -> f64
// LLVM-LABEL: llvm.func internal @coco.fn.helper(
func.func private @helper(%x: f64) -> f64 {
  %self = func.constant @helper : (f64) -> f64
  return %x : f64
}
// CHECK: func.func private @log(f64) -> f64{{$}}
// LLVM: llvm.func @log(f64) -> f64 attributes {sym_visibility = "private"}{{$}}
func.func private @log(f64) -> f64
// CHECK-LABEL: func.func @already.dotted()
func.func @already.dotted() {
  return
}
// CHECK-LABEL: gpu.module @kernels
// CHECK-NEXT:    func.func @helper()
// CHECK-NEXT:      call @helper()
gpu.module @kernels {
  func.func @helper() {
    call @helper() : () -> ()
    return
  }
}
