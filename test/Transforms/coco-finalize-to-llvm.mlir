// RUN: coco-opt %s --coco-finalize-to-llvm > %t.coco
// RUN: FileCheck %s < %t.coco
// After canonicalization, the same IR as upstream's five passes, line for
// line, but for the order in which the external functions are declared
// (those lines are left out of the diff; the CHECK-DAGs below find them).
// RUN: coco-opt %t.coco --canonicalize | grep -v -E '^  llvm\.func [^{]*$' > %t.coco.canonical
// RUN: coco-opt %s --finalize-memref-to-llvm=use-generic-functions --convert-math-to-llvm --convert-arith-to-llvm --convert-func-to-llvm --convert-cf-to-llvm --reconcile-unrealized-casts --canonicalize | grep -v -E '^  llvm\.func [^{]*$' | diff %t.coco.canonical -

// Allocations through the generic functions (the runtime's caching
// allocator); math, arith, cf (cf.assert included) and the C interface.
// The entry block split off for the conversion is merged back: the body
// follows the argument descriptors with no branch in between.
// CHECK-DAG: llvm.func @_mlir_memref_to_llvm_alloc(i64) -> !llvm.ptr
// CHECK-DAG: llvm.func @_mlir_memref_to_llvm_free(!llvm.ptr)
// CHECK-DAG: llvm.func @abort()
// CHECK-DAG: llvm.func @puts(!llvm.ptr)
// CHECK-LABEL: llvm.func @step(
// CHECK-NOT: llvm.br
// CHECK: llvm.call @_mlir_memref_to_llvm_alloc
// CHECK: llvm.intr.sqrt
// CHECK: llvm.cond_br
// CHECK: llvm.call @_mlir_memref_to_llvm_free
// CHECK: llvm.return
// CHECK: llvm.call @abort
// CHECK-LABEL: llvm.func @_mlir_ciface_step(
// CHECK: llvm.call @step(
// CHECK-NOT: builtin.unrealized_conversion_cast
// CHECK-NOT: memref.
// CHECK-NOT: func.
func.func @step(%a: memref<?xf32>, %i: index, %ok: i1) -> f32 attributes {llvm.emit_c_interface} {
  %n = memref.dim %a, %i : memref<?xf32>
  %t = memref.alloc(%n) : memref<?xf32>
  %x = memref.load %a[%i] : memref<?xf32>
  %y = math.sqrt %x : f32
  memref.store %y, %t[%i] : memref<?xf32>
  cf.assert %ok, "not ok"
  %z = memref.load %t[%i] : memref<?xf32>
  %s = arith.addf %z, %x : f32
  memref.dealloc %t : memref<?xf32>
  return %s : f32
}

// A declaration: nothing to split.
// CHECK-LABEL: llvm.func @external(!llvm.ptr, !llvm.ptr, i64, i64, i64)
func.func private @external(memref<?xf32>)
