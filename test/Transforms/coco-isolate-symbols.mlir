// RUN: coco-opt %s --coco-isolate-symbols --split-input-file -verify-diagnostics | FileCheck %s

// Every defined function is renamed coco.fn.<name> and every reference
// follows (calls, addresses); the C interface of a public function keeps
// its name, as do declarations (the runtime's, the C library's) and the
// kernels of a GPU module (another symbol table).

// CHECK-LABEL: llvm.func @coco.fn.exp(%{{.*}}: f64) -> f64 attributes {llvm.emit_c_interface} {
// CHECK-NEXT:    %[[H:.*]] = llvm.call @coco.fn.helper(%{{.*}}) : (f64) -> f64
// CHECK-NEXT:    %[[E:.*]] = llvm.call @coco.fn.exp(%[[H]]) : (f64) -> f64
// CHECK-NEXT:    llvm.return %[[E]] : f64
llvm.func @exp(%x: f64) -> f64 attributes {llvm.emit_c_interface} {
  %h = llvm.call @helper(%x) : (f64) -> f64
  %e = llvm.call @exp(%h) : (f64) -> f64
  llvm.return %e : f64
}
// CHECK-LABEL: llvm.func @_mlir_ciface_exp(
// CHECK-NEXT:    llvm.call @coco.fn.exp(
llvm.func @_mlir_ciface_exp(%x: f64) -> f64 attributes {llvm.emit_c_interface} {
  %r = llvm.call @exp(%x) : (f64) -> f64
  llvm.return %r : f64
}
// CHECK-LABEL: llvm.func @coco.fn.helper(
// CHECK-NEXT:    llvm.mlir.addressof @coco.fn.helper : !llvm.ptr
// CHECK-NEXT:    llvm.mlir.constant
// CHECK-NEXT:    llvm.call @coco_rt_comm(
llvm.func @helper(%x: f64) -> f64 {
  %self = llvm.mlir.addressof @helper : !llvm.ptr
  %c = llvm.mlir.constant(0 : i64) : i64
  %comm = llvm.call @coco_rt_comm(%c) : (i64) -> i64
  llvm.return %x : f64
}
// A definition named like a C interface whose function has none is the
// program's own.
// CHECK-LABEL: llvm.func @coco.fn._mlir_ciface_orphan()
llvm.func @_mlir_ciface_orphan() {
  llvm.return
}
// CHECK: llvm.func @coco_rt_comm(i64) -> i64
llvm.func @coco_rt_comm(i64) -> i64
// CHECK-LABEL: gpu.module @kernels
// CHECK-NEXT:    llvm.func @helper()
// CHECK-NEXT:      llvm.call @helper()
gpu.module @kernels {
  llvm.func @helper() {
    llvm.call @helper() : () -> ()
    llvm.return
  }
}

// -----

// Only a declaration can hold a new name already: an error, not a merge.
llvm.func @"coco.fn.step"()
// expected-error @+1 {{cannot be renamed @coco.fn.step (its symbol in the compiled code, apart from library symbols): the module declares that name already}}
llvm.func @step() {
  llvm.return
}

// -----

// Names that are prefixes of one another move together.
// CHECK-LABEL: llvm.func @coco.fn.f()
// CHECK-NEXT:    llvm.call @coco.fn.coco.fn.f()
// CHECK-LABEL: llvm.func @coco.fn.coco.fn.f()
// CHECK-NEXT:    llvm.call @coco.fn.f()
llvm.func @f() {
  llvm.call @"coco.fn.f"() : () -> ()
  llvm.return
}
llvm.func @"coco.fn.f"() {
  llvm.call @f() : () -> ()
  llvm.return
}
