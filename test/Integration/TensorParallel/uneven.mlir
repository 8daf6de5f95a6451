// Uneven blocks: the row-parallel layer (layer.mlir) under every schedule
// with sizes the ranks do not divide, on 2, 3 and 4 ranks, each schedule
// compared with MM-AR-C and MM-AR-C with numpy (check_layer.py, which states
// the tolerances). B=5, S=2, H=11: x is sliced along H and W along its rows
// (11 = 6+5, 4+4+3, 3+3+3+2), MM-RS-C-AG scatters along B (5 = 3+2, 2+2+1,
// 2+1+1+1), ol(MM,RS)-C-AG along H per row block; the B*S = 10 matmul rows
// (divisible by neither 3 nor 4) are chunked in the overlap schedules' 2
// blocks (they need an even row count).
//
// The reduce_scatter folded into the loop (--fused-chunk-bytes): 5 rows split
// evenly on none of 2, 3, 4 ranks, so each rank receives into slots of the
// largest block; where chunks of 128 bytes were asked for, the exchange goes
// in windows of one row of every block (2 or 3 of them on every rank; a rank
// whose block has one row receives nothing in the second). The fold sums in
// the ring reduce-scatter's order: MM-RS-C-AG's bits on 2 ranks.
//
// RUN: %coco_python %S/../lib/check_layer.py %S/layer.mlir 2,3,4 %t.5x2x11 --shape 5,2,11 --fused-chunk-bytes 128 | FileCheck %s
// CHECK: MM-AR-C on 2 ranks: matches numpy
// CHECK-NEXT: MM-RS-C-AG on 2 ranks: matches MM-AR-C
// CHECK-NEXT: ol(MM,AR)-C on 2 ranks: matches MM-AR-C bitwise
// CHECK-NEXT: ol(MM,RS)-C-AG on 2 ranks: matches MM-AR-C
// CHECK-NEXT: ol(MM,RS)-C-AG (transform script) on 2 ranks: matches the passes bitwise
// CHECK-NEXT: fuse(MM-RS)-C-AG, exchange whole on 2 ranks: matches MM-RS-C-AG bitwise
// CHECK-NEXT: fuse(MM-RS)-C-AG, exchange in chunks of 128 bytes on 2 ranks: 3 windows of 1 of up to 3 rows; matches the whole exchange bitwise
// CHECK-NEXT: MM-AR-C on 3 ranks: matches numpy
// CHECK-NEXT: MM-RS-C-AG on 3 ranks: matches MM-AR-C
// CHECK-NEXT: ol(MM,AR)-C on 3 ranks: matches MM-AR-C bitwise
// CHECK-NEXT: ol(MM,RS)-C-AG on 3 ranks: matches MM-AR-C
// CHECK-NEXT: ol(MM,RS)-C-AG (transform script) on 3 ranks: matches the passes bitwise
// CHECK-NEXT: fuse(MM-RS)-C-AG, exchange whole on 3 ranks: matches MM-RS-C-AG within rtol 1e-5
// CHECK-NEXT: fuse(MM-RS)-C-AG, exchange in chunks of 128 bytes on 3 ranks: 2 windows of 1 of up to 2 rows; matches the whole exchange bitwise
// CHECK-NEXT: MM-AR-C on 4 ranks: matches numpy
// CHECK-NEXT: MM-RS-C-AG on 4 ranks: matches MM-AR-C
// CHECK-NEXT: ol(MM,AR)-C on 4 ranks: matches MM-AR-C bitwise
// CHECK-NEXT: ol(MM,RS)-C-AG on 4 ranks: matches MM-AR-C
// CHECK-NEXT: ol(MM,RS)-C-AG (transform script) on 4 ranks: matches the passes bitwise
// CHECK-NEXT: fuse(MM-RS)-C-AG, exchange whole on 4 ranks: matches MM-RS-C-AG within rtol 1e-5
// CHECK-NEXT: fuse(MM-RS)-C-AG, exchange in chunks of 128 bytes on 4 ranks: 2 windows of 1 of up to 2 rows; matches the whole exchange bitwise
//
// Fewer elements than ranks: B=3, H=3 on 4 ranks, so rank 3 holds no column
// of x, no row of W and (MM-RS-C-AG) no row of B: empty blocks.
// RUN: %coco_python %S/../lib/check_layer.py %S/layer.mlir 4 %t.3x2x3 --shape 3,2,3 | FileCheck %s --check-prefix=EMPTY
// EMPTY: MM-AR-C on 4 ranks: matches numpy
// EMPTY-NEXT: MM-RS-C-AG on 4 ranks: matches MM-AR-C
// EMPTY-NEXT: ol(MM,AR)-C on 4 ranks: matches MM-AR-C bitwise
// EMPTY-NEXT: ol(MM,RS)-C-AG on 4 ranks: matches MM-AR-C
// EMPTY-NEXT: ol(MM,RS)-C-AG (transform script) on 4 ranks: matches the passes bitwise
