// Every schedule of the adam step (RS-C-AG, + shard-state as passes and as a
// transform script, fuse(RS-C-AG), + shard-state, and that with its exchange
// in chunks of 1000 bytes, coco-chunk-exchange) runs on 2 and 4 ranks, and
// on 3 at 3000 elements (equal blocks, so the chunked variant is chunked), and
// agrees with the unscheduled AR-C program (see check_schedules.py for the
// tolerance and why). Each fused variant matches its unfused one bitwise on
// every number of ranks.
//
// RUN: %coco_python %S/../lib/check_schedules.py adam %S/adam.mlir 2 %t.2 | FileCheck %s
// RUN: %coco_python %S/../lib/check_schedules.py adam %S/adam.mlir 4 %t.4 | FileCheck %s
// RUN: %coco_python %S/../lib/check_schedules.py adam %S/adam.mlir 3 %t.3 --size 3000 | FileCheck %s
// CHECK: adam RS-C-AG on [[N:[234]]] ranks: matches AR-C
// CHECK: adam RS-C-AG+shard-state on [[N]] ranks: matches AR-C
// CHECK: adam RS-C-AG+shard-state (transform script) on [[N]] ranks: matches AR-C
// CHECK: adam fuse(RS-C-AG) on [[N]] ranks: matches RS-C-AG bitwise
// CHECK: adam fuse(RS-C-AG) on [[N]] ranks: matches AR-C
// CHECK: adam fuse(RS-C-AG)+shard-state on [[N]] ranks: matches RS-C-AG+shard-state bitwise
// CHECK: adam fuse(RS-C-AG)+shard-state on [[N]] ranks: matches AR-C
// CHECK: adam fuse(RS-C-AG)+shard-state [exchange in 1000-byte chunks] on [[N]] ranks: exchanged in chunks of {{[0-9]+}} of {{[0-9]+}} rows
// CHECK: adam fuse(RS-C-AG)+shard-state [exchange in 1000-byte chunks] on [[N]] ranks: matches RS-C-AG+shard-state bitwise
// CHECK: adam fuse(RS-C-AG)+shard-state [exchange in 1000-byte chunks] on [[N]] ranks: matches AR-C
