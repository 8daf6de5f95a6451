// LAMB (RS-C-AG + shard-state) through coco-lower-to-cpu: the norm of the
// update is summed in the loop that makes the update (coco-fuse-elementwise
// folds the reduction in as an accumulator) and the sum is carried in a
// register (coco-promote-loop-accumulators), while m and v are written in
// place (coco-update-in-place from a reduction loop). The squares are not
// stored: the loop stores m, v and the update only. The weights' norm (a
// parameter: no loop makes it) is a loop of its own, also carried.
//
// RUN: coco-opt %S/../Integration/DataParallel/lamb.mlir --coco-split --coco-reorder --coco-shard-state=args=m,v --coco-lower-to-cpu --mlir-print-ir-after=coco-promote-loop-accumulators -o /dev/null 2>&1 | FileCheck %s

// CHECK-LABEL: func.func @lamb_step(
// CHECK-SAME: %[[W:[^:]*]]: memref<4096xf32>
// CHECK-SAME: %[[M:[^:]*]]: memref<?xf32> {coco.init = "Zeros", coco.name = "m"}
// CHECK-SAME: %[[V:[^:]*]]: memref<?xf32> {coco.init = "Zeros", coco.name = "v"}
// The weights' norm.
// CHECK: scf.for %{{.*}} = %{{.*}} to %{{.*}} step %{{.*}} iter_args(%{{.*}} = %{{.*}}) -> (f64) {
// CHECK: arith.addf %{{.*}}, %{{.*}} fastmath<reassoc> : f64
// CHECK: scf.yield
// The update's loop with its norm.
// CHECK: scf.for %{{.*}} = %{{.*}} to %{{.*}} step %{{.*}} iter_args(%[[SUM:.*]] = %{{.*}}) -> (f64) {
// CHECK-NOT: memref.load %{{.*}}[] : memref<f64>
// CHECK: %[[NEXT:.*]] = arith.addf %[[SUM]], %{{.*}} fastmath<reassoc> : f64
// CHECK-NEXT: memref.store %{{.*}}, %[[V]][%{{.*}}] : memref<?xf32>
// CHECK-NEXT: memref.store %{{.*}}, %[[M]][%{{.*}}] : memref<?xf32>
// CHECK-NEXT: memref.store %{{.*}}, %{{.*}}[%{{.*}}] : memref<?xf32>
// CHECK-NEXT: scf.yield %[[NEXT]] : f64
// No loop left reads a stored square: the remaining loop is the update of w.
// CHECK: scf.for
// CHECK-NOT: arith.addf %{{.*}} fastmath<reassoc> : f64
// CHECK: memref.store %{{.*}}, %{{.*}}[%{{.*}}] : memref<?xf32, strided<[1], offset: ?>>
