// coco-autoschedule on the tensor-parallel layer (layer.mlir): it ranks
// AR-C, RS-C-AG and ol(MM,AR)-C in 2, 4 and 8 chunks, applies its best,
// and the scheduled layer runs, calls that schedule's collectives (the
// runtime's count, COCO_PROFILE) and matches MM-AR-C. With a profile where
// every collective costs 1 s (latency-bound.json, 2 ranks only) the
// all_reduce is worth hiding under the matmul's chunks: it picks the
// overlap in 8 chunks (its ranking puts x8, x4 and x2 within microseconds
// of each other, ahead of AR-C and RS-C-AG), and the program runs 8
// non-blocking all_reduces and no blocking one. With one where collectives
// are cheap and memory slow (memory-bound.json, lines on 2, 3 and 4 ranks,
// 10 us per chunk) there is little to hide and the chunks cost: AR-C, on
// 2, 3 and 4 ranks (on 3, H = 16 splits unevenly: x's and W's blocks of
// 6, 5, 5).
//
// RUN: %coco_python %S/../lib/check_layer.py %S/layer.mlir 2 %t.latency --autoschedule %S/../../Dialect/Coco/Transforms/Inputs/latency-bound.json | FileCheck %s --check-prefixes=CHECK,OVERLAP
// RUN: %coco_python %S/../lib/check_layer.py %S/layer.mlir 2,3,4 %t.memory --autoschedule %S/../../Dialect/Coco/Transforms/Inputs/memory-bound.json | FileCheck %s --check-prefixes=CHECK,ARC
//
// CHECK: MM-AR-C on 2 ranks: matches numpy
// OVERLAP: coco-autoschedule on 2 ranks: chose ol(MM,AR)-C x8
// OVERLAP-NEXT: coco-autoschedule on 2 ranks: ran 8 coco.iall_reduce{{$}}
// OVERLAP-NEXT: coco-autoschedule on 2 ranks: matches MM-AR-C {{bitwise|within rtol 1e-5}}
// ARC: coco-autoschedule on 2 ranks: chose AR-C
// ARC-NEXT: coco-autoschedule on 2 ranks: ran 1 coco.all_reduce{{$}}
// ARC-NEXT: coco-autoschedule on 2 ranks: matches MM-AR-C bitwise
// ARC: MM-AR-C on 3 ranks: matches numpy
// ARC: coco-autoschedule on 3 ranks: chose AR-C
// ARC-NEXT: coco-autoschedule on 3 ranks: ran 1 coco.all_reduce{{$}}
// ARC-NEXT: coco-autoschedule on 3 ranks: matches MM-AR-C bitwise
// ARC: MM-AR-C on 4 ranks: matches numpy
// ARC: coco-autoschedule on 4 ranks: chose AR-C
// ARC-NEXT: coco-autoschedule on 4 ranks: ran 1 coco.all_reduce{{$}}
// ARC-NEXT: coco-autoschedule on 4 ranks: matches MM-AR-C bitwise
