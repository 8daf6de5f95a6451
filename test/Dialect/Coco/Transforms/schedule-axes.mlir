// The schedules' `axes` option: only collectives along exactly those grid
// axes change, and axes that match nothing are reported, not ignored.
// RUN: coco-opt %s --coco-reorder="axes=0" | FileCheck %s --check-prefix=REORDER
// RUN: coco-opt %s --coco-reorder="axes=1" 2>&1 | FileCheck %s --check-prefix=REORDER-NONE
// RUN: coco-opt %s --coco-reorder="axes=0,1" 2>&1 | FileCheck %s --check-prefix=NOMATCH
// RUN: coco-opt %s --coco-split="axes=1" 2>&1 | FileCheck %s --check-prefix=SPLIT-NONE
// RUN: coco-opt %s --coco-pipeline-send="axes=1" 2>&1 | FileCheck %s --check-prefix=SEND-NONE

// An axes option that no program can match (an axis named twice, or
// negative) is an error of the option, in every pass that takes one (it
// used to be the warning that nothing runs along [0, 0]; a negative axis,
// nothing at all where the pass stayed quiet).
// RUN: not coco-opt %s --coco-reorder="axes=0,0" 2>&1 | FileCheck %s --check-prefix=TWICE -DPASS=coco-reorder
// RUN: not coco-opt %s --coco-split="axes=1,0,1" 2>&1 | FileCheck %s --check-prefix=TWICE1 -DPASS=coco-split
// RUN: not coco-opt %s --coco-pipeline-send="axes=0,0" 2>&1 | FileCheck %s --check-prefix=TWICE -DPASS=coco-pipeline-send
// RUN: not coco-opt %s --coco-shard-state="args=m axes=0,0" 2>&1 | FileCheck %s --check-prefix=TWICE -DPASS=coco-shard-state
// RUN: not coco-opt %s --coco-fuse-reduce-scatter="axes=0,0" 2>&1 | FileCheck %s --check-prefix=TWICE -DPASS=coco-fuse-reduce-scatter
// RUN: not coco-opt %s --coco-overlap="axes=-1" 2>&1 | FileCheck %s --check-prefix=NEGATIVE -DPASS=coco-overlap
// RUN: not coco-opt %s --coco-split="axes=-1" 2>&1 | FileCheck %s --check-prefix=NEGATIVE -DPASS=coco-split
// TWICE: error: [[PASS]]: axes=0,0: axis 0 is named twice
// TWICE-NOT: warning
// TWICE1: error: [[PASS]]: axes=1,0,1: axis 1 is named twice
// NEGATIVE: error: [[PASS]]: axes=-1: axis -1 is negative

coco.grid @g(shape = [2, 2])

// The all_gather runs along axis 0, the slice of the replicated product
// along axis 1. With axes=0 the add moves before the all_gather; the
// multiply stays before its slice along axis 1 (not hoisted onto slices).
// REORDER-LABEL: func @two_axes
// REORDER: %[[SUM:.*]] = coco.add %{{.*}}, %{{.*}} : !coco.dtensor<8xf32, sliced<0> on @g>
// REORDER: coco.all_gather %[[SUM]]
// REORDER: %[[PROD:.*]] = coco.mul %{{.*}}, %{{.*}} : !coco.dtensor<8xf32, replicated on @g>
// REORDER: coco.slice %[[PROD]] dim 0 along [1]
func.func @two_axes(%a: !coco.dtensor<8xf32, sliced<0> on @g[0]>,
                    %r: !coco.dtensor<8xf32, replicated on @g>)
    -> (!coco.dtensor<8xf32, replicated on @g>, !coco.dtensor<8xf32, sliced<0> on @g[1]>) {
  %g = coco.all_gather %a : !coco.dtensor<8xf32, sliced<0> on @g[0]>
  %s = coco.add %g, %g : !coco.dtensor<8xf32, replicated on @g>, !coco.dtensor<8xf32, replicated on @g>
  %p = coco.mul %r, %r : !coco.dtensor<8xf32, replicated on @g>, !coco.dtensor<8xf32, replicated on @g>
  %q = coco.slice %p dim 0 along [1] : !coco.dtensor<8xf32, replicated on @g>
  return %s, %q : !coco.dtensor<8xf32, replicated on @g>, !coco.dtensor<8xf32, sliced<0> on @g[1]>
}

// With axes=1 only the slice qualifies: the multiply runs on slices, the
// add stays after the all_gather along axis 0. The split and pipeline-send
// find nothing along axis 1 and say so.
// REORDER-NONE-NOT: warning
// REORDER-NONE: %[[G:.*]] = coco.all_gather
// REORDER-NONE-NEXT: coco.add %[[G]], %[[G]] : !coco.dtensor<8xf32, replicated on @g>
// REORDER-NONE: coco.mul %{{.*}}, %{{.*}} : !coco.dtensor<8xf32, sliced<0> on @g[1]>
// SPLIT-NONE: warning: coco-split: no all_reduce runs along exactly [1]; nothing changed
// SEND-NONE: warning: coco-pipeline-send: no coco.send sends the result of a collective along exactly [1]; nothing changed
// SPLIT-NONE-NOT: see current operation
// NOMATCH: warning: coco-reorder: no pointwise op or reduction that reads an all_gather along exactly [0, 1] can move before it; nothing changed (each op that reads one is reported with its reason)
