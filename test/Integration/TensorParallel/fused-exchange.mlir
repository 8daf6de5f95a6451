// The layer's reduce_scatter folded into the loop of bias, dropout and
// residual (coco-lower-to-cpu{fuse-reduce-scatter=true}): MM-RS-C-AG's
// partial sums exchanged by an all_to_all and summed where the loop reads
// them, the exchange whole and in chunks of 128 bytes (coco-chunk-exchange:
// each chunk summed by the loop over its rows right after it arrives). The
// dropout's mask hashes the global element index, so a chunked loop must
// shift its linalg.index by the chunk's start row; a wrong shift drops other
// elements and fails the bitwise comparison with the whole exchange.
// B=12, S=2, H=8: 12 rows of 2x8 floats (64 bytes) split evenly on 2, 3 and
// 4 ranks (6, 4, 3 rows a block); 128 bytes per chunk hold 2 rows on 2
// ranks and 1 row on 3 and 4 (the chunk's bytes go to every peer). The
// runtime counts one exchange call per chunk (COCO_PROFILE).
// check_layer.py states the tolerances: on 2 ranks the fold's two-term sums
// are MM-RS-C-AG's bit for bit; on 3 and 4 it adds in rank order, MPI's
// reduce_scatter in its own.
//
// RUN: %coco_python %S/../lib/check_layer.py %S/layer.mlir 2,3,4 %t --shape 12,2,8 --fused-chunk-bytes 128 | FileCheck %s
// CHECK: MM-RS-C-AG on 2 ranks: matches MM-AR-C
// CHECK: fuse(MM-RS)-C-AG, exchange whole on 2 ranks: matches MM-RS-C-AG bitwise
// CHECK-NEXT: fuse(MM-RS)-C-AG, exchange in chunks of 128 bytes on 2 ranks: 3 chunks of 2 of 6 rows; matches the whole exchange bitwise
// CHECK: MM-RS-C-AG on 3 ranks: matches MM-AR-C
// CHECK: fuse(MM-RS)-C-AG, exchange whole on 3 ranks: matches MM-RS-C-AG within rtol 1e-5
// CHECK-NEXT: fuse(MM-RS)-C-AG, exchange in chunks of 128 bytes on 3 ranks: 4 chunks of 1 of 4 rows; matches the whole exchange bitwise
// CHECK: MM-RS-C-AG on 4 ranks: matches MM-AR-C
// CHECK: fuse(MM-RS)-C-AG, exchange whole on 4 ranks: matches MM-RS-C-AG within rtol 1e-5
// CHECK-NEXT: fuse(MM-RS)-C-AG, exchange in chunks of 128 bytes on 4 ranks: 3 chunks of 1 of 3 rows; matches the whole exchange bitwise
