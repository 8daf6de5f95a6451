// The tensor-parallel layer (../Integration/TensorParallel/layer.mlir) with
// overlap asked for in the CPU pipeline (overlap-chunks=2): MM-AR-C's
// all_reduce is overlapped with its matmul (a remark says so); after split
// + reorder (MM-RS-C-AG) the reduce_scatter scatters rows, which cannot be
// overlapped row block by row block. The user asked for overlap, so that
// is a warning, not silence.
//
// RUN: coco-opt %S/../Integration/TensorParallel/layer.mlir '--coco-lower-to-cpu=overlap-chunks=2' --remarks-filter=coco-overlap -o /dev/null 2>&1 | FileCheck %s --check-prefix=AR
// AR: layer.mlir:33:8: remark: [Passed] applied | Category:coco-overlap | Function=layer | Remark="overlapped with its producer matmul in 2 row chunks: each chunk's non-blocking all_reduce runs while the next chunk multiplies"
// AR-NOT: warning
//
// RUN: coco-opt %S/../Integration/TensorParallel/layer.mlir --coco-split --coco-reorder '--coco-lower-to-cpu=overlap-chunks=2' -o /dev/null 2>&1 | FileCheck %s --check-prefix=RS
// RS: layer.mlir:33:8: warning: coco-overlap was requested but does not apply here: not overlapped in 2 chunks, stays blocking: it scatters dimension 0, not the product's columns, so each row block would be spread over all ranks
// RS-NOT: remark:
//
// RUN: coco-opt %S/../Integration/TensorParallel/layer.mlir --coco-split --coco-reorder '--coco-lower-to-cpu=overlap-chunks=2' --remarks-filter-missed=coco-overlap -o /dev/null 2>&1 | FileCheck %s --check-prefix=MISSED
// MISSED: layer.mlir:33:8: remark: [Missed] not-applied | Category:coco-overlap | Function=layer | Remark="not overlapped in 2 chunks, stays blocking: it scatters dimension 0
