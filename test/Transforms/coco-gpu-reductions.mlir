// RUN: coco-opt %s --pass-pipeline="builtin.module(func.func(coco-gpu-reductions{block-size=128 max-blocks=64}))" | FileCheck %s
// RUN: not coco-opt %s --pass-pipeline="builtin.module(func.func(coco-gpu-reductions{block-size=100}))" 2>&1 | FileCheck %s --check-prefix=BLOCK
// RUN: not coco-opt %s --pass-pipeline="builtin.module(func.func(coco-gpu-reductions{max-blocks=0}))" 2>&1 | FileCheck %s --check-prefix=BLOCKS

// BLOCK: error: coco-gpu-reductions: block-size must be a multiple of 32 in 32..1024 (whole warps, for gpu.all_reduce), got 100
// BLOCKS: error: coco-gpu-reductions: max-blocks must be at least 1, got 0

// LAMB's ||w||^2: G = max(min(ceil(N / 128), 64), 1) blocks fold w * w
// grid-stride and store one partial each; one block folds the partials
// into the output's old value.
// CHECK-LABEL: func @sum_of_squares
// CHECK-SAME: (%[[W:.*]]: memref<?xf32>, %[[OUT:.*]]: memref<f32>)
// CHECK-DAG: %[[ZERO:.*]] = arith.constant {{-?}}0.000000e+00 : f32
// CHECK-DAG: %[[N:.*]] = memref.dim %[[W]], %c0
// CHECK-DAG: %[[B:.*]] = arith.constant 128 : index
// CHECK-DAG: %[[MAXG:.*]] = arith.constant 64 : index
// CHECK: %[[CEIL:.*]] = arith.ceildivsi %[[N]], %[[B]] : index
// CHECK: %[[MIN:.*]] = arith.minsi %[[CEIL]], %[[MAXG]] : index
// CHECK: %[[G:.*]] = arith.maxsi %[[MIN]], %c1{{.*}} : index
// CHECK: %[[PARTIALS:.*]] = memref.alloc(%[[G]]) : memref<?xf32>
// CHECK: gpu.launch blocks(%[[BX:.*]], %{{.*}}, %{{.*}}) in (%{{.*}} = %[[G]], %{{.*}} = %{{.*}}, %{{.*}} = %{{.*}}) threads(%[[TX:.*]], %{{.*}}, %{{.*}}) in (%{{.*}} = %[[B]],
// CHECK: %[[BOFF:.*]] = arith.muli %[[BX]], %[[B]] : index
// CHECK: %[[START:.*]] = arith.addi %[[BOFF]], %[[TX]] : index
// CHECK: %[[STRIDE:.*]] = arith.muli %[[G]], %[[B]] : index
// CHECK: %[[ACC:.*]] = scf.for %[[I:.*]] = %[[START]] to %[[N]] step %[[STRIDE]] iter_args(%[[A:.*]] = %[[ZERO]]) -> (f32) {
// CHECK:   %[[X:.*]] = memref.load %[[W]][%[[I]]] : memref<?xf32>
// CHECK:   %[[SQ:.*]] = arith.mulf %[[X]], %[[X]] : f32
// CHECK:   %[[NEXT:.*]] = arith.addf %[[A]], %[[SQ]] : f32
// CHECK:   scf.yield %[[NEXT]] : f32
// CHECK: %[[BLOCKSUM:.*]] = gpu.all_reduce add %[[ACC]] uniform
// CHECK: %[[T0:.*]] = arith.cmpi eq, %[[TX]], %{{.*}} : index
// CHECK: scf.if %[[T0]] {
// CHECK:   memref.store %[[BLOCKSUM]], %[[PARTIALS]][%[[BX]]] : memref<?xf32>
// CHECK: gpu.terminator
// CHECK: gpu.launch blocks(%{{.*}}, %{{.*}}, %{{.*}}) in (%{{.*}} = %c1{{.*}}, %{{.*}} = %{{.*}}, %{{.*}} = %{{.*}}) threads(%[[TX2:.*]], %{{.*}}, %{{.*}}) in (%{{.*}} = %[[B]],
// CHECK: %[[ACC2:.*]] = scf.for %[[J:.*]] = %[[TX2]] to %[[G]] step %[[B]] iter_args(%[[A2:.*]] = %[[ZERO]]) -> (f32) {
// CHECK:   %[[P:.*]] = memref.load %[[PARTIALS]][%[[J]]] : memref<?xf32>
// CHECK:   %[[NEXT2:.*]] = arith.addf %[[A2]], %[[P]] : f32
// CHECK: %[[TOTAL:.*]] = gpu.all_reduce add %[[ACC2]] uniform
// CHECK: scf.if
// CHECK:   %[[OLD:.*]] = memref.load %[[OUT]][] : memref<f32>
// CHECK:   %[[NEW:.*]] = arith.addf %[[OLD]], %[[TOTAL]] : f32
// CHECK:   memref.store %[[NEW]], %[[OUT]][] : memref<f32>
// CHECK: memref.dealloc %[[PARTIALS]] : memref<?xf32>
// CHECK-NOT: linalg.reduce
// CHECK: return
func.func @sum_of_squares(%w: memref<?xf32>, %out: memref<f32>) {
  linalg.reduce ins(%w : memref<?xf32>) outs(%out : memref<f32>) dimensions = [0]
    (%x: f32, %acc: f32) {
      %sq = arith.mulf %x, %x : f32
      %s = arith.addf %acc, %sq : f32
      linalg.yield %s : f32
    }
  return
}

// Two loops (i, j) over one flat index: j = i mod 8, i = i div 8; the input
// is read transposed through its map and linalg.index becomes the index.
// The combiner is max (identity -inf), on both the threads and the blocks.
// CHECK-LABEL: func @max_2d
// CHECK-DAG: %[[NEGINF:.*]] = arith.constant 0xFF800000 : f32
// CHECK-DAG: %[[C8:.*]] = arith.constant 8 : index
// CHECK-DAG: %[[C4:.*]] = arith.constant 4 : index
// CHECK: %[[N:.*]] = arith.muli %[[C4]], %[[C8]] : index
// CHECK: gpu.launch
// CHECK: scf.for %[[I:.*]] = %{{.*}} to %[[N]] step %{{.*}} iter_args(%[[A:.*]] = %[[NEGINF]])
// CHECK:   %[[D1:.*]] = arith.remsi %[[I]], %[[C8]] : index
// CHECK:   %[[D0:.*]] = arith.divsi %[[I]], %[[C8]] : index
// CHECK:   %[[X:.*]] = memref.load %{{.*}}[%[[D1]], %[[D0]]] : memref<8x4xf32>
// CHECK:   %[[IDX:.*]] = arith.index_cast %[[D1]] : index to i32
// CHECK:   arith.maximumf %[[A]], %{{.*}} : f32
// CHECK: gpu.all_reduce maximumf
// CHECK: gpu.launch
// CHECK: gpu.all_reduce maximumf
// CHECK:   arith.maximumf
#t = affine_map<(i, j) -> (j, i)>
#scalar = affine_map<(i, j) -> ()>
func.func @max_2d(%x: memref<8x4xf32>, %out: memref<f32>) {
  linalg.generic {indexing_maps = [#t, #scalar], iterator_types = ["reduction", "reduction"]}
      ins(%x : memref<8x4xf32>) outs(%out : memref<f32>) {
  ^bb0(%v: f32, %acc: f32):
    %j = linalg.index 1 : index
    %ji = arith.index_cast %j : index to i32
    %jf = arith.sitofp %ji : i32 to f32
    %s = arith.addf %v, %jf : f32
    %m = arith.maximumf %acc, %s : f32
    linalg.yield %m : f32
  }
  return
}

// Integers: a sum of i64 (identity 0) with the i64 shuffles.
// CHECK-LABEL: func @sum_i64
// CHECK: gpu.all_reduce add %{{.*}} uniform
// CHECK-NEXT: } : (i64) -> i64
// CHECK-NOT: linalg.reduce
func.func @sum_i64(%x: memref<16xi64>, %out: memref<i64>) {
  linalg.reduce ins(%x : memref<16xi64>) outs(%out : memref<i64>) dimensions = [0]
    (%v: i64, %acc: i64) {
      %s = arith.addi %v, %acc : i64
      linalg.yield %s : i64
    }
  return
}

// Left as they are: a row reduction (its rows are a parallel loop, which
// the parallel-loop mapping gives to threads), a combiner gpu.all_reduce
// does not know (subf), the accumulator used twice, an f16 accumulator.
// CHECK-LABEL: func @left_alone
// CHECK-NOT: gpu.launch
// CHECK-COUNT-4: linalg.
// CHECK-NOT: gpu.launch
// CHECK: return
func.func @left_alone(%x: memref<4x8xf32>, %rows: memref<4xf32>, %out: memref<f32>,
                      %h: memref<8xf16>, %outh: memref<f16>) {
  linalg.reduce ins(%x : memref<4x8xf32>) outs(%rows : memref<4xf32>) dimensions = [1]
    (%v: f32, %acc: f32) {
      %s = arith.addf %v, %acc : f32
      linalg.yield %s : f32
    }
  linalg.reduce ins(%rows : memref<4xf32>) outs(%out : memref<f32>) dimensions = [0]
    (%v: f32, %acc: f32) {
      %s = arith.subf %acc, %v : f32
      linalg.yield %s : f32
    }
  linalg.reduce ins(%rows : memref<4xf32>) outs(%out : memref<f32>) dimensions = [0]
    (%v: f32, %acc: f32) {
      %p = arith.mulf %acc, %v : f32
      %s = arith.addf %acc, %p : f32
      linalg.yield %s : f32
    }
  linalg.reduce ins(%h : memref<8xf16>) outs(%outh : memref<f16>) dimensions = [0]
    (%v: f16, %acc: f16) {
      %s = arith.addf %v, %acc : f16
      linalg.yield %s : f16
    }
  return
}
