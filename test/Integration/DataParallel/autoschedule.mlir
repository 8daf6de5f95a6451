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
// FUSED-NEXT: adam coco-autoschedule on 2 ranks: exchanged whole (a block (8192 bytes per rank) fits in one chunk of 1048576 bytes), 1 runtime call(s)
// In chunks of 512 bytes (from its one peer; 8 calls where 1 would do), the same
// profile makes the whole exchange cheaper: it picks +whole-exchange, whose
// mark keeps coco-chunk-exchange off that exchange; still AR-C's bits.
// RUN: %coco_python %S/../lib/check_schedules.py adam %S/adam.mlir 2 %t.adam-whole --profile %S/../../Dialect/Coco/Transforms/Inputs/memory-bound.json --exchange-chunk-bytes 512 --only coco-autoschedule | FileCheck %s --check-prefix=WHOLE
// WHOLE: adam coco-autoschedule on 2 ranks: chose fuse(RS-C-AG)+shard-state(m,v)+whole-exchange
// WHOLE-NEXT: adam coco-autoschedule on 2 ranks: matches AR-C bitwise
// WHOLE-NEXT: adam coco-autoschedule on 2 ranks: exchanged whole, kept by its mark, 1 runtime call(s)
// On 3 and 4 ranks (the made-up profile has those counts too) at 6144
// elements, which split evenly: in chunks of 512 bytes (received from all
// peers together) it keeps the exchange whole, in chunks of 4096 it chunks
// it, and the runtime counts the exchange calls of that choice (1, or one
// per chunk); the fold matches the same schedule unfused bitwise.
// RUN: %coco_python %S/../lib/check_schedules.py adam %S/adam.mlir 3,4 %t.adam-whole34 --size 6144 --profile %S/../../Dialect/Coco/Transforms/Inputs/memory-bound.json --exchange-chunk-bytes 512 --only RS-C-AG+shard-state,coco-autoschedule | FileCheck %s --check-prefix=WHOLE34
// WHOLE34: adam coco-autoschedule on 3 ranks: chose fuse(RS-C-AG)+shard-state(m,v)+whole-exchange
// WHOLE34-NEXT: adam coco-autoschedule on 3 ranks: matches RS-C-AG+shard-state bitwise
// WHOLE34-NEXT: adam coco-autoschedule on 3 ranks: matches AR-C within rtol 1e-5
// WHOLE34-NEXT: adam coco-autoschedule on 3 ranks: exchanged whole, kept by its mark, 1 runtime call(s)
// WHOLE34: adam coco-autoschedule on 4 ranks: chose fuse(RS-C-AG)+shard-state(m,v)+whole-exchange
// WHOLE34-NEXT: adam coco-autoschedule on 4 ranks: matches RS-C-AG+shard-state bitwise
// WHOLE34-NEXT: adam coco-autoschedule on 4 ranks: matches AR-C within rtol 1e-5
// WHOLE34-NEXT: adam coco-autoschedule on 4 ranks: exchanged whole, kept by its mark, 1 runtime call(s)
// RUN: %coco_python %S/../lib/check_schedules.py adam %S/adam.mlir 3,4 %t.adam-chunked34 --size 6144 --profile %S/../../Dialect/Coco/Transforms/Inputs/memory-bound.json --exchange-chunk-bytes 4096 --only RS-C-AG+shard-state,coco-autoschedule | FileCheck %s --check-prefix=CHUNKED34
// CHUNKED34: adam coco-autoschedule on 3 ranks: chose fuse(RS-C-AG)+shard-state(m,v)
// CHUNKED34-NEXT: adam coco-autoschedule on 3 ranks: matches RS-C-AG+shard-state bitwise
// CHUNKED34-NEXT: adam coco-autoschedule on 3 ranks: matches AR-C within rtol 1e-5
// CHUNKED34-NEXT: adam coco-autoschedule on 3 ranks: exchanged in 4 chunks, 4 runtime call(s)
// CHUNKED34: adam coco-autoschedule on 4 ranks: chose fuse(RS-C-AG)+shard-state(m,v)
// CHUNKED34-NEXT: adam coco-autoschedule on 4 ranks: matches RS-C-AG+shard-state bitwise
// CHUNKED34-NEXT: adam coco-autoschedule on 4 ranks: matches AR-C within rtol 1e-5
// CHUNKED34-NEXT: adam coco-autoschedule on 4 ranks: exchanged in 5 chunks, 5 runtime call(s)
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
