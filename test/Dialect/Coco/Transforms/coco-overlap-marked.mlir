// RUN: coco-opt %s --pass-pipeline="builtin.module(func.func(coco-overlap{chunks=0}))" -verify-diagnostics | FileCheck %s
// RUN: coco-opt %s --pass-pipeline="builtin.module(func.func(coco-overlap{chunks=2}))" -verify-diagnostics | FileCheck %s --check-prefix=ALL
// An axes filter no collective runs along: a warning per function that has
// collectives, and the marked ones are still overlapped (a schedule asked
// for them; they were dropped silently).
// RUN: coco-opt %s --pass-pipeline="builtin.module(func.func(coco-overlap{chunks=2 axes=1}))" 2>&1 | FileCheck %s --check-prefix=AXES --implicit-check-not="warning: coco-overlap: no all_reduce or reduce_scatter of @marked"
// AXES: warning: coco-overlap: no all_reduce or reduce_scatter of @unmarked runs along exactly [1]; none is overlapped but those a schedule marked
// AXES-LABEL: func @unmarked(
// AXES-NOT: iall_reduce
// AXES-LABEL: func @marked(
// AXES-COUNT-4: coco.comm.iall_reduce

// With chunks=0 (what coco-compile runs after a schedule) only collectives a
// schedule marked (transform.coco.overlap) are chunked, in the number of
// blocks they were marked with; unmarked pairs pass without a word.

coco.grid @tp(shape = [2])

// CHECK-LABEL: func @unmarked(
// CHECK-NOT: iall_reduce
// CHECK: coco.comm.all_reduce sum
// ALL-LABEL: func @unmarked(
// ALL-COUNT-2: coco.comm.iall_reduce
func.func @unmarked(%a: memref<8x4xf32>, %b: memref<4x6xf32>, %c: memref<8x6xf32>, %d: memref<8x6xf32>) {
  linalg.matmul ins(%a, %b : memref<8x4xf32>, memref<4x6xf32>) outs(%c : memref<8x6xf32>)
  coco.comm.all_reduce sum %c into %d on @tp[0] : memref<8x6xf32>, memref<8x6xf32>
  return
}

// The mark wins over the pass option.
// CHECK-LABEL: func @marked
// CHECK-COUNT-4: coco.comm.iall_reduce
// CHECK-COUNT-4: coco.comm.wait
// ALL-LABEL: func @marked
// ALL-COUNT-4: coco.comm.iall_reduce
func.func @marked(%a: memref<8x4xf32>, %b: memref<4x6xf32>, %c: memref<8x6xf32>, %d: memref<8x6xf32>) {
  linalg.matmul ins(%a, %b : memref<8x4xf32>, memref<4x6xf32>) outs(%c : memref<8x6xf32>)
  coco.comm.all_reduce sum %c into %d on @tp[0] {coco.overlap_chunks = 4 : i64} : memref<8x6xf32>, memref<8x6xf32>
  return
}

// A marked collective that cannot be chunked stays blocking, with a warning
// (the schedule checked it at the global view; the buffers came out
// differently).
// CHECK-LABEL: func @marked_without_matmul
// CHECK: coco.comm.all_reduce sum
func.func @marked_without_matmul(%c: memref<8x6xf32>, %d: memref<8x6xf32>) {
  // expected-warning @+1 {{was scheduled for overlap in 4 chunks, but it stays blocking: its input is not the product of a matmul (in row-block form)}}
  coco.comm.all_reduce sum %c into %d on @tp[0] {coco.overlap_chunks = 4 : i64} : memref<8x6xf32>, memref<8x6xf32>
  return
}
