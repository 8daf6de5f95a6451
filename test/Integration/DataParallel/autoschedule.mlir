// coco-autoschedule on the three workloads with this machine's profile,
// measured first by coco-calibrate on 2 ranks: it picks a schedule for each
// number of ranks (the choice is printed), and the program it schedules
// still computes what AR-C does (bitwise on 2 ranks for SGD and Adam;
// LAMB's sliced norms and 4 ranks' summation order within float32
// tolerance), AR-C itself matching numpy.
//
// RUN: %mpirun 2 %coco_obj_root/bin/coco-calibrate --sizes 4096,65536,1048576 --reps 3 -o %t.profile.json
// RUN: %coco_python %S/../lib/check_schedules.py sgd %S/sgd.mlir 2,4 %t.sgd --profile %t.profile.json --only coco-autoschedule | FileCheck %s
// RUN: %coco_python %S/../lib/check_schedules.py adam %S/adam.mlir 2,4 %t.adam --profile %t.profile.json --only coco-autoschedule | FileCheck %s
// RUN: %coco_python %S/../lib/check_schedules.py lamb %S/lamb.mlir 2,4 %t.lamb --profile %t.profile.json --only coco-autoschedule | FileCheck %s
// On a memory-bound machine (a made-up 2-rank profile) it picks the fused
// reduce-scatter: its mark makes the pipeline fold the reduce_scatter into
// the update (without the pipeline's fuse-reduce-scatter option), and the
// step still gives AR-C's bits.
// RUN: %coco_python %S/../lib/check_schedules.py adam %S/adam.mlir 2 %t.adam-mem --profile %S/../../Dialect/Coco/Transforms/Inputs/memory-bound.json --only coco-autoschedule | FileCheck %s --check-prefix=FUSED
// FUSED: adam coco-autoschedule on 2 ranks: chose fuse(RS-C-AG)+shard-state(m,v)
// FUSED-NEXT: adam coco-autoschedule on 2 ranks: matches AR-C bitwise
// In chunks of 512 bytes per peer (8 calls where 1 would do), the same
// profile makes the whole exchange cheaper: it picks +whole-exchange, whose
// mark keeps coco-chunk-exchange off that exchange; still AR-C's bits.
// RUN: %coco_python %S/../lib/check_schedules.py adam %S/adam.mlir 2 %t.adam-whole --profile %S/../../Dialect/Coco/Transforms/Inputs/memory-bound.json --exchange-chunk-bytes 512 --only coco-autoschedule | FileCheck %s --check-prefix=WHOLE
// WHOLE: adam coco-autoschedule on 2 ranks: chose fuse(RS-C-AG)+shard-state(m,v)+whole-exchange
// WHOLE-NEXT: adam coco-autoschedule on 2 ranks: matches AR-C bitwise
// Three ranks: 4096 does not split evenly (1366, 1365, 1365).
// RUN: %coco_python %S/../lib/check_schedules.py adam %S/adam.mlir 3 %t.adam3 --profile %t.profile.json --only coco-autoschedule | FileCheck %s --check-prefix=THREE
// THREE: adam AR-C on 3 ranks: matches the numpy reference
// THREE-NEXT: adam coco-autoschedule on 3 ranks: chose
// THREE-NEXT: adam coco-autoschedule on 3 ranks: matches AR-C
// CHECK: [[K:sgd|adam|lamb]] AR-C on 2 ranks: matches the numpy reference
// CHECK-NEXT: [[K]] coco-autoschedule on 2 ranks: chose {{AR-C|(fuse\(RS-C-AG\)|RS-C-AG)(\+shard-state\(.*\))?|hierarchical.*}}
// CHECK-NEXT: [[K]] coco-autoschedule on 2 ranks: matches AR-C
// CHECK: [[K]] AR-C on 4 ranks: matches the numpy reference
// CHECK-NEXT: [[K]] coco-autoschedule on 4 ranks: chose
// CHECK-NEXT: [[K]] coco-autoschedule on 4 ranks: matches AR-C
