// Every schedule of the sgd step (RS-C-AG, + shard-state as passes and as a
// transform script, fuse(RS-C-AG), + shard-state) runs on 2 and 4 ranks and
// agrees with the unscheduled AR-C program (see check_schedules.py for the
// tolerance and why).
//
// RUN: %coco_python %S/../lib/check_schedules.py sgd %S/sgd.mlir 2 %t.2 | FileCheck %s
// RUN: %coco_python %S/../lib/check_schedules.py sgd %S/sgd.mlir 4 %t.4 | FileCheck %s
// CHECK: sgd RS-C-AG on [[N:[24]]] ranks: matches AR-C
// CHECK: sgd RS-C-AG+shard-state on [[N]] ranks: matches AR-C
// CHECK: sgd RS-C-AG+shard-state (transform script) on [[N]] ranks: matches AR-C
// CHECK: sgd fuse(RS-C-AG) on [[N]] ranks: matches AR-C
// CHECK: sgd fuse(RS-C-AG)+shard-state on [[N]] ranks: matches AR-C
