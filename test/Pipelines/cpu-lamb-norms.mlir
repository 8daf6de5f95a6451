// LAMB (RS-C-AG + shard-state) through coco-lower-to-cpu: one loop reads
// this rank's slice of w, g's reduced slice, m and v, writes m, v and the
// update in place or once (coco-update-in-place from a reduction loop), and
// sums both norms as it goes: the update's (coco-fuse-elementwise folds the
// reduction in as an accumulator) and the weights' (coco-reorder computes it
// from the slice, and the fusion merges that loop with its sibling, which
// reads the same slice). Both sums are carried in registers
// (coco-promote-loop-accumulators). The squares are not stored, and no loop
// reads the whole of w.
//
// RUN: coco-opt %S/../Integration/DataParallel/lamb.mlir --coco-split --coco-reorder --coco-shard-state=args=m,v --coco-lower-to-cpu --mlir-print-ir-after=coco-promote-loop-accumulators -o /dev/null 2>&1 | FileCheck %s

// CHECK-LABEL: func.func @coco.fn.lamb_step(
// CHECK-SAME: %[[W:[^:]*]]: memref<4096xf32>
// CHECK-SAME: %[[M:[^:]*]]: memref<?xf32> {coco.init = "Zeros", coco.name = "m"}
// CHECK-SAME: %[[V:[^:]*]]: memref<?xf32> {coco.init = "Zeros", coco.name = "v"}
// CHECK: %[[WS:.*]] = memref.subview %[[W]]
// The one loop over the slice, with both norms.
// CHECK: scf.for %[[I:.*]] = %{{.*}} to %{{.*}} step %{{.*}} iter_args(%[[WSUM:.*]] = %{{.*}}, %[[USUM:.*]] = %{{.*}}) -> (f64, f64) {
// CHECK-NOT: memref.load %{{.*}}[] : memref<f64>
// CHECK: memref.load %[[WS]][%[[I]]]
// CHECK-NOT: scf.for
// CHECK: %[[WNEXT:.*]] = arith.addf %[[WSUM]], %{{.*}} fastmath<reassoc> : f64
// CHECK-NOT: scf.for
// CHECK: %[[UNEXT:.*]] = arith.addf %[[USUM]], %{{.*}} fastmath<reassoc> : f64
// CHECK-NEXT: memref.store %{{.*}}, %[[V]][%[[I]]] : memref<?xf32>
// CHECK-NEXT: memref.store %{{.*}}, %[[M]][%[[I]]] : memref<?xf32>
// CHECK-NEXT: memref.store %{{.*}}, %{{.*}}[%[[I]]] : memref<?xf32>
// CHECK-NEXT: scf.yield %[[WNEXT]], %[[UNEXT]] : f64, f64
// No loop left reads a stored square or w whole: the remaining loop is the
// update of w.
// CHECK: scf.for
// CHECK-NOT: arith.addf %{{.*}} fastmath<reassoc> : f64
// CHECK: memref.store %{{.*}}, %{{.*}}[%{{.*}}] : memref<?xf32, strided<[1], offset: ?>>
