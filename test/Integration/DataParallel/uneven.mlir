// Uneven blocks: SGD, Adam and LAMB at N = 3000017 elements (odd, 2 mod 3,
// 1 mod 4: no rank count here divides it) under every schedule on 2, 3 and 4
// ranks. Rank r holds numpy.array_split's block (N // R, one more for the
// first N % R ranks). check_schedules.py compares every schedule with the
// unscheduled AR-C program, and AR-C with the numpy reference (reference.py):
//   - on 2 ranks SGD and Adam bitwise (two-term sums), LAMB within rtol 1e-5
//     (its norms are summed per block once sliced);
//   - on 3 and 4 ranks within rtol 1e-5: MPI's all_reduce and coco's ring
//     reduce-scatter add the three or four gradients in different orders,
//     and float addition is not associative (last-bit differences);
//   - LAMB's norms sum the squares in float64 (coco.norm, and the partial
//     sums of the sliced schedules), so they agree to float32 precision
//     whatever the blocks (a float32 sum of 3M squares would be off by about
//     1%).
// The fused variants fold the reduce_scatter with uneven blocks too: each
// rank receives the other ranks' blocks of its index into slots as large as
// the largest block, and sums them in its update loop in the ring's order,
// so every fused variant matches its unfused one bitwise. Their exchange goes
// in windows of every block (coco-chunk-exchange's remark is checked): the
// same number of windows on every rank, the last one a row shorter on the
// ranks whose block is.
// Every variant but the fused ones is compiled once and run on 2, 3 and 4
// ranks (grid [?]); the fused ones are compiled per number of ranks.
//
// RUN: %coco_python %S/../lib/check_schedules.py sgd %S/sgd.mlir 2,3,4 %t.sgd --size 3000017 | FileCheck %s
// RUN: %coco_python %S/../lib/check_schedules.py adam %S/adam.mlir 2,3,4 %t.adam --size 3000017 | FileCheck %s
// RUN: %coco_python %S/../lib/check_schedules.py lamb %S/lamb.mlir 2,3,4 %t.lamb --size 3000017 | FileCheck %s
// CHECK: [[K:sgd|adam|lamb]] AR-C on 2 ranks: matches the numpy reference
// CHECK-NEXT: [[K]] RS-C-AG on 2 ranks: matches AR-C
// CHECK-NEXT: [[K]] RS-C-AG+shard-state on 2 ranks: matches AR-C
// CHECK-NEXT: [[K]] RS-C-AG+shard-state (transform script) on 2 ranks: matches AR-C
// CHECK-NEXT: [[K]] fuse(RS-C-AG) on 2 ranks: fused, exchanged in windows of 262144 of up to 1500009 rows
// CHECK-NEXT: [[K]] fuse(RS-C-AG) on 2 ranks: matches RS-C-AG bitwise
// CHECK-NEXT: [[K]] fuse(RS-C-AG) on 2 ranks: matches AR-C
// CHECK-NEXT: [[K]] fuse(RS-C-AG)+shard-state on 2 ranks: fused, exchanged in windows of 262144 of up to 1500009 rows
// CHECK-NEXT: [[K]] fuse(RS-C-AG)+shard-state on 2 ranks: matches RS-C-AG+shard-state bitwise
// CHECK-NEXT: [[K]] fuse(RS-C-AG)+shard-state on 2 ranks: matches AR-C
// CHECK-NEXT: [[K]] fuse(RS-C-AG)+shard-state [exchange in 1000-byte chunks] on 2 ranks: fused, exchanged in windows of 250 of up to 1500009 rows
// CHECK-NEXT: [[K]] fuse(RS-C-AG)+shard-state [exchange in 1000-byte chunks] on 2 ranks: matches RS-C-AG+shard-state bitwise
// CHECK-NEXT: [[K]] fuse(RS-C-AG)+shard-state [exchange in 1000-byte chunks] on 2 ranks: matches AR-C
// CHECK: [[K]] AR-C on 3 ranks: matches the numpy reference
// CHECK-NEXT: [[K]] RS-C-AG on 3 ranks: matches AR-C
// CHECK-NEXT: [[K]] RS-C-AG+shard-state on 3 ranks: matches AR-C
// CHECK-NEXT: [[K]] RS-C-AG+shard-state (transform script) on 3 ranks: matches AR-C
// CHECK-NEXT: [[K]] fuse(RS-C-AG) on 3 ranks: fused, exchanged in windows of 131072 of up to 1000006 rows
// CHECK-NEXT: [[K]] fuse(RS-C-AG) on 3 ranks: matches RS-C-AG bitwise
// CHECK-NEXT: [[K]] fuse(RS-C-AG) on 3 ranks: matches AR-C
// CHECK-NEXT: [[K]] fuse(RS-C-AG)+shard-state on 3 ranks: fused, exchanged in windows of 131072 of up to 1000006 rows
// CHECK-NEXT: [[K]] fuse(RS-C-AG)+shard-state on 3 ranks: matches RS-C-AG+shard-state bitwise
// CHECK-NEXT: [[K]] fuse(RS-C-AG)+shard-state on 3 ranks: matches AR-C
// CHECK-NEXT: [[K]] fuse(RS-C-AG)+shard-state [exchange in 1000-byte chunks] on 3 ranks: fused, exchanged in windows of 125 of up to 1000006 rows
// CHECK-NEXT: [[K]] fuse(RS-C-AG)+shard-state [exchange in 1000-byte chunks] on 3 ranks: matches RS-C-AG+shard-state bitwise
// CHECK-NEXT: [[K]] fuse(RS-C-AG)+shard-state [exchange in 1000-byte chunks] on 3 ranks: matches AR-C
// CHECK: [[K]] AR-C on 4 ranks: matches the numpy reference
// CHECK-NEXT: [[K]] RS-C-AG on 4 ranks: matches AR-C
// CHECK-NEXT: [[K]] RS-C-AG+shard-state on 4 ranks: matches AR-C
// CHECK-NEXT: [[K]] RS-C-AG+shard-state (transform script) on 4 ranks: matches AR-C
// CHECK-NEXT: [[K]] fuse(RS-C-AG) on 4 ranks: fused, exchanged in windows of 87381 of up to 750005 rows
// CHECK-NEXT: [[K]] fuse(RS-C-AG) on 4 ranks: matches RS-C-AG bitwise
// CHECK-NEXT: [[K]] fuse(RS-C-AG) on 4 ranks: matches AR-C
// CHECK-NEXT: [[K]] fuse(RS-C-AG)+shard-state on 4 ranks: fused, exchanged in windows of 87381 of up to 750005 rows
// CHECK-NEXT: [[K]] fuse(RS-C-AG)+shard-state on 4 ranks: matches RS-C-AG+shard-state bitwise
// CHECK-NEXT: [[K]] fuse(RS-C-AG)+shard-state on 4 ranks: matches AR-C
// CHECK-NEXT: [[K]] fuse(RS-C-AG)+shard-state [exchange in 1000-byte chunks] on 4 ranks: fused, exchanged in windows of 83 of up to 750005 rows
// CHECK-NEXT: [[K]] fuse(RS-C-AG)+shard-state [exchange in 1000-byte chunks] on 4 ranks: matches RS-C-AG+shard-state bitwise
// CHECK-NEXT: [[K]] fuse(RS-C-AG)+shard-state [exchange in 1000-byte chunks] on 4 ranks: matches AR-C
