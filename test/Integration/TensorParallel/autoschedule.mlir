// coco-autoschedule on the tensor-parallel layer (layer.mlir): it ranks
// AR-C, RS-C-AG and ol(MM,AR)-C in 2, 4 and 8 chunks, applies its best,
// and the scheduled layer runs and matches MM-AR-C. With a profile where
// every collective costs 1 s (latency-bound.json, 2 ranks only) the
// all_reduce is worth hiding under the matmul's chunks: it picks the
// overlap in 8 chunks (its ranking puts x8, x4 and x2 within microseconds
// of each other, ahead of AR-C and RS-C-AG), and the lowered program starts
// 8 non-blocking all_reduces. With one where collectives are cheap and
// memory slow (memory-bound.json, lines on 2, 3 and 4 ranks, 10 us per
// chunk) there is little to hide and the chunks cost: AR-C, on 2 and 4
// ranks.
//
// RUN: %coco_python %S/../lib/check_layer.py %S/layer.mlir 2 %t.latency --autoschedule %S/../../Dialect/Coco/Transforms/Inputs/latency-bound.json | FileCheck %s --check-prefix=OVERLAP
// RUN: %coco_python %S/../lib/check_layer.py %S/layer.mlir 2,4 %t.memory --autoschedule %S/../../Dialect/Coco/Transforms/Inputs/memory-bound.json | FileCheck %s --check-prefix=ARC
//
// OVERLAP: MM-AR-C on 2 ranks: matches numpy
// OVERLAP: coco-autoschedule on 2 ranks: chose ol(MM,AR)-C x8
// OVERLAP-NEXT: coco-autoschedule on 2 ranks: matches MM-AR-C {{bitwise|within rtol 1e-5}}
//
// ARC: MM-AR-C on 2 ranks: matches numpy
// ARC: coco-autoschedule on 2 ranks: chose AR-C
// ARC-NEXT: coco-autoschedule on 2 ranks: matches MM-AR-C bitwise
// ARC: MM-AR-C on 4 ranks: matches numpy
// ARC: coco-autoschedule on 4 ranks: chose AR-C
// ARC-NEXT: coco-autoschedule on 4 ranks: matches MM-AR-C bitwise
