// RUN: coco-opt %s --coco-scf-to-cf > %t.coco
// RUN: FileCheck %s < %t.coco
// The same IR as upstream's convert-scf-to-cf, block for block: only the
// order in which the loops are lowered differs.
// RUN: coco-opt %s --convert-scf-to-cf | diff %t.coco -

// Two loops in one block around a branch holding a loop nest: the last
// loop, the branch and its nest, and the first loop all become blocks, in
// program order.
// CHECK-LABEL: func @loops
// CHECK-NOT: scf.
// CHECK: cf.br ^[[COND1:bb[0-9]+]]
// CHECK: ^[[COND1]](%{{.*}}: index, %[[ACC:.*]]: f32):
// CHECK: cf.cond_br %{{.*}}, ^[[BODY1:bb[0-9]+]], ^[[END1:bb[0-9]+]]
// CHECK: ^[[BODY1]]:
// CHECK: memref.load
// CHECK: arith.addf %[[ACC]]
// CHECK: ^[[END1]]:
// CHECK: arith.mulf
// CHECK: cf.cond_br %{{.*}}, ^[[THEN:bb[0-9]+]], ^[[ELSE:bb[0-9]+]]
// CHECK: ^[[THEN]]:
// CHECK: cf.cond_br
// CHECK: cf.cond_br
// CHECK: memref.store
// CHECK: ^[[ELSE]]:
// CHECK: cf.cond_br
// CHECK: memref.store
// CHECK: return
// CHECK-NOT: scf.
func.func @loops(%a: memref<?xf32>, %n: index, %c: i1) -> f32 {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %z = arith.constant 0.0 : f32
  %s = scf.for %i = %c0 to %n step %c1 iter_args(%acc = %z) -> f32 {
    %x = memref.load %a[%i] : memref<?xf32>
    %y = arith.addf %acc, %x : f32
    scf.yield %y : f32
  }
  %t = arith.mulf %s, %s : f32
  %u = scf.if %c -> f32 {
    scf.for %i = %c0 to %n step %c1 {
      scf.for %j = %c0 to %n step %c1 {
        memref.store %t, %a[%j] : memref<?xf32>
      }
    }
    scf.yield %t : f32
  } else {
    scf.yield %s : f32
  }
  scf.for %i = %c0 to %n step %c1 {
    memref.store %u, %a[%i] : memref<?xf32>
  }
  return %u : f32
}

// Structured ops in a nested module are reached too.
// CHECK-LABEL: func @in_nested_module
// CHECK-NOT: scf.
// CHECK: cf.cond_br
module @nested {
  func.func @in_nested_module(%a: memref<?xf32>, %n: index, %v: f32) {
    %c0 = arith.constant 0 : index
    %c1 = arith.constant 1 : index
    scf.for %i = %c0 to %n step %c1 {
      memref.store %v, %a[%i] : memref<?xf32>
    }
    return
  }
}
