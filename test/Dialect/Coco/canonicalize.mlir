// RUN: coco-opt %s --canonicalize | FileCheck %s

// coco.local_block folds what does not depend on the rank.
coco.grid @g(shape = [2, 3])
coco.grid @one(shape = [1, 4])
coco.grid @dyn(shape = [?])

// Equal blocks: the size is a constant, the offset still depends on the rank.
// CHECK-LABEL: func @even
// CHECK: %[[OFF:.*]], %{{.*}} = coco.local_block %{{.*}} on @g[1, 0]
// CHECK: return %[[OFF]], %c2
func.func @even() -> (index, index) {
  %n = arith.constant 12 : index
  %offset, %size = coco.local_block %n on @g[1, 0]
  return %offset, %size : index, index
}

// A group of one rank holds the whole dimension.
// CHECK-LABEL: func @one_rank
// CHECK-SAME: (%[[N:.*]]: index)
// CHECK-NOT: coco.local_block
// CHECK: return %c0, %[[N]]
func.func @one_rank(%n: index) -> (index, index) {
  %offset, %size = coco.local_block %n on @one[0]
  return %offset, %size : index, index
}

// Unequal blocks (7 over 3), an unknown extent, a '?' axis: nothing folds.
// CHECK-LABEL: func @left_alone
// CHECK: %[[A:.*]], %[[B:.*]] = coco.local_block %c7 on @g[1]
// CHECK: %[[C:.*]], %[[D:.*]] = coco.local_block %{{.*}} on @g[0]
// CHECK: %[[E:.*]], %[[F:.*]] = coco.local_block %c8 on @dyn[0]
// CHECK: return %[[B]], %[[D]], %[[F]]
func.func @left_alone(%n: index) -> (index, index, index) {
  %c7 = arith.constant 7 : index
  %c8 = arith.constant 8 : index
  %a, %b = coco.local_block %c7 on @g[1]
  %c, %d = coco.local_block %n on @g[0]
  %e, %f = coco.local_block %c8 on @dyn[0]
  return %b, %d, %f : index, index, index
}
