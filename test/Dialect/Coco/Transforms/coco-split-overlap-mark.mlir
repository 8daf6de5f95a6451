// A schedule that replaces an all_reduce marked for overlap
// (coco.overlap_chunks, from transform.coco.overlap) keeps the mark where
// it still applies and otherwise says it is dropped: before, split and
// hierarchical-all-reduce dropped it silently and the program ran without
// the overlap the user asked for.
//
// RUN: coco-opt %s --coco-split=dim=1 --split-input-file -verify-diagnostics | FileCheck %s --check-prefix=COLUMNS
// RUN: coco-opt %s --coco-split=dim=0 --split-input-file -o /dev/null 2>&1 | FileCheck %s --check-prefix=ROWS
// RUN: coco-opt %s --coco-split="into=reduce-bcast root=0" --split-input-file -o /dev/null 2>&1 | FileCheck %s --check-prefix=BCAST
// RUN: coco-opt %s --coco-hierarchical-all-reduce="inner=1" --split-input-file -o /dev/null 2>&1 | FileCheck %s --check-prefix=HIER
// RUN: coco-opt %s --coco-hierarchical-all-reduce="inner=1 dim=1" --split-input-file 2>/dev/null | FileCheck %s --check-prefix=HIERCOLUMNS

coco.grid @tp(shape = [2])
!X = !coco.dtensor<8x4xf32, sliced<1> on @tp>
!W = !coco.dtensor<4x6xf32, sliced<0> on @tp>
!P = !coco.dtensor<8x6xf32, local on @tp>
!R = !coco.dtensor<8x6xf32, replicated on @tp>

// Split along the columns: the reduce_scatter along the last dimension
// reads the matmul, and coco-overlap chunks it (the CPU pipeline's
// coco_rt_ireduce_scatter per row block).
// COLUMNS-LABEL: func @layer
// COLUMNS: %[[P:.*]] = coco.matmul
// COLUMNS-NEXT: coco.reduce_scatter sum %[[P]] dim 1 {coco.overlap_chunks = 4 : i64}
// COLUMNS-NEXT: coco.all_gather
// Along the rows: no reduce_scatter overlap chunks; a warning says why.
// ROWS: warning: this all_reduce became reduce_scatter along dimension 0 + all_gather: its coco.overlap_chunks = 4 is dropped, it will not be overlapped: 'coco.reduce_scatter' op cannot be overlapped: it scatters dimension 0; only a reduce_scatter along the last dimension (the matmul's columns) leaves each row block on its own rows
// Into reduce + broadcast: neither is a collective overlap chunks.
// BCAST: warning: this all_reduce became reduce_to_root + broadcast: its coco.overlap_chunks = 4 is dropped, it will not be overlapped: 'coco.reduce_to_root' op cannot be overlapped: overlap chunks a coco.all_reduce or coco.reduce_scatter with the matmul producing its input
func.func @layer(%x: !X, %w: !W) -> !R {
  %p = coco.matmul %x, %w : !X, !W
  %y = coco.all_reduce sum %p {coco.overlap_chunks = 4 : i64} : !P
  return %y : !R
}

// -----

// Two levels (reduce_scatter within the node, all_reduce across, all_gather
// within): the reduce_scatter reads the matmul, so along the columns it
// keeps the mark, as a split's would; along the rows a warning says why not.
coco.grid @g(shape = [2, 2])
!X2 = !coco.dtensor<8x4xf32, [sliced<1>, sliced<1>] on @g>
!W2 = !coco.dtensor<4x6xf32, [sliced<0>, sliced<0>] on @g>
!P2 = !coco.dtensor<8x6xf32, [local, local] on @g>
!R2 = !coco.dtensor<8x6xf32, replicated on @g>

// HIER: warning: this all_reduce became a two-level all-reduce: its coco.overlap_chunks = 2 is dropped, it will not be overlapped: 'coco.reduce_scatter' op cannot be overlapped: it scatters dimension 0
// HIERCOLUMNS-LABEL: func @two_levels
// HIERCOLUMNS: coco.reduce_scatter sum %{{.*}} dim 1 along [1] {coco.overlap_chunks = 2 : i64}
// HIERCOLUMNS-NEXT: coco.all_reduce sum %{{.*}} along [0] :
// HIERCOLUMNS-NEXT: coco.all_gather
func.func @two_levels(%x: !X2, %w: !W2) -> !R2 {
  %p = coco.matmul %x, %w : !X2, !W2
  %y = coco.all_reduce sum %p {coco.overlap_chunks = 2 : i64} : !P2
  return %y : !R2
}
