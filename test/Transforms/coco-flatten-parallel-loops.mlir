// RUN: coco-opt %s --pass-pipeline="builtin.module(func.func(coco-flatten-parallel-loops))" | FileCheck %s

// A bias broadcast over [4, 8, 16] (what linalg's broadcast becomes): one
// loop over all 512 iterations; (i, j, k) rebuilt from the flat index.
// CHECK-LABEL: func @broadcast
// CHECK-SAME: (%[[B:.*]]: memref<16xf32>, %[[OUT:.*]]: memref<4x8x16xf32>)
// CHECK: scf.parallel (%[[I:.*]]) = (%{{.*}}) to (%[[N:.*]]) step (%{{.*}}) {
// CHECK-NOT: scf.parallel
// CHECK-DAG: %[[K:.*]] = arith.remsi %[[I]], %c16{{.*}}
// CHECK-DAG: %[[IJ:.*]] = arith.divsi %[[I]], %c16{{.*}}
// CHECK-DAG: %[[J:.*]] = arith.remsi %[[IJ]], %c8{{.*}}
// CHECK-DAG: %[[II:.*]] = arith.divsi %[[IJ]], %c8{{.*}}
// CHECK: %[[V:.*]] = memref.load %[[B]][%[[K]]] : memref<16xf32>
// CHECK: memref.store %[[V]], %[[OUT]][%[[II]], %[[J]], %[[K]]] : memref<4x8x16xf32>
func.func @broadcast(%b: memref<16xf32>, %out: memref<4x8x16xf32>) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c4 = arith.constant 4 : index
  %c8 = arith.constant 8 : index
  %c16 = arith.constant 16 : index
  scf.parallel (%i, %j, %k) = (%c0, %c0, %c0) to (%c4, %c8, %c16) step (%c1, %c1, %c1) {
    %v = memref.load %b[%k] : memref<16xf32>
    memref.store %v, %out[%i, %j, %k] : memref<4x8x16xf32>
    scf.reduce
  }
  return
}

// Only the outermost loop: the inner one runs inside a thread. A loop of
// one dimension stays as it is.
// CHECK-LABEL: func @nested
// CHECK: scf.parallel (%{{[^,]*}}) =
// CHECK: scf.parallel (%{{.*}}, %{{.*}}) =
// CHECK-LABEL: func @one_dim
// CHECK: scf.parallel (%[[I:.*]]) = (%c0) to (%c4) step (%c1)
func.func @nested(%out: memref<4x4x2x2xf32>) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c2 = arith.constant 2 : index
  %c4 = arith.constant 4 : index
  %z = arith.constant 0.0 : f32
  scf.parallel (%i, %j) = (%c0, %c0) to (%c4, %c4) step (%c1, %c1) {
    scf.parallel (%k, %l) = (%c0, %c0) to (%c2, %c2) step (%c1, %c1) {
      memref.store %z, %out[%i, %j, %k, %l] : memref<4x4x2x2xf32>
      scf.reduce
    }
    scf.reduce
  }
  return
}
func.func @one_dim(%out: memref<4xf32>) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c4 = arith.constant 4 : index
  %z = arith.constant 0.0 : f32
  scf.parallel (%i) = (%c0) to (%c4) step (%c1) {
    memref.store %z, %out[%i] : memref<4xf32>
    scf.reduce
  }
  return
}

// A loop with a reduction stays as it is (collapsing would drop it).
// CHECK-LABEL: func @with_reduction
// CHECK: scf.parallel (%{{.*}}, %{{.*}}) = {{.*}} init (%{{.*}}) -> f32
func.func @with_reduction(%m: memref<4x8xf32>) -> f32 {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c4 = arith.constant 4 : index
  %c8 = arith.constant 8 : index
  %z = arith.constant 0.0 : f32
  %r = scf.parallel (%i, %j) = (%c0, %c0) to (%c4, %c8) step (%c1, %c1) init (%z) -> f32 {
    %v = memref.load %m[%i, %j] : memref<4x8xf32>
    scf.reduce(%v : f32) {
    ^bb0(%a: f32, %b: f32):
      %s = arith.addf %a, %b : f32
      scf.reduce.return %s : f32
    }
  }
  return %r : f32
}
