// RUN: coco-opt %s --pass-pipeline="builtin.module(func.func(coco-distinct-destinations))" | FileCheck %s

// Three ops writing "into" the one tensor.empty CSE left: each gets a copy
// with the same dynamic size, in the original's block right before the op
// that holds the use (the loop, not its body: no allocation per
// iteration); the original goes.
// CHECK-LABEL: func @shared
// CHECK-SAME: (%[[A:.*]]: tensor<?xf32>, %[[N:.*]]: index, %[[UB:.*]]: index)
// CHECK-NEXT: %[[C0:.*]] = arith.constant 0 : index
// CHECK-NEXT: %[[C1:.*]] = arith.constant 1 : index
// CHECK-NEXT: %[[E0:.*]] = tensor.empty(%[[N]]) : tensor<?xf32>
// CHECK-NEXT: %[[X:.*]] = linalg.copy ins(%[[A]] : tensor<?xf32>) outs(%[[E0]] : tensor<?xf32>)
// CHECK-NEXT: %[[E1:.*]] = tensor.empty(%[[N]]) : tensor<?xf32>
// CHECK-NEXT: %[[Y:.*]] = linalg.copy ins(%[[X]] : tensor<?xf32>) outs(%[[E1]] : tensor<?xf32>)
// CHECK-NEXT: %[[E2:.*]] = tensor.empty(%[[N]]) : tensor<?xf32>
// CHECK-NEXT: %[[L:.*]] = scf.for %{{.*}} = %[[C0]] to %[[UB]] step %[[C1]] iter_args(%[[ACC:.*]] = %[[Y]])
// CHECK-NEXT: linalg.copy ins(%[[ACC]] : tensor<?xf32>) outs(%[[E2]] : tensor<?xf32>)
// CHECK-NOT: tensor.empty
func.func @shared(%a: tensor<?xf32>, %n: index, %ub: index) -> tensor<?xf32> {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %e = tensor.empty(%n) : tensor<?xf32>
  %x = linalg.copy ins(%a : tensor<?xf32>) outs(%e : tensor<?xf32>) -> tensor<?xf32>
  %y = linalg.copy ins(%x : tensor<?xf32>) outs(%e : tensor<?xf32>) -> tensor<?xf32>
  %r = scf.for %i = %c0 to %ub step %c1 iter_args(%acc = %y) -> tensor<?xf32> {
    %z = linalg.copy ins(%acc : tensor<?xf32>) outs(%e : tensor<?xf32>) -> tensor<?xf32>
    scf.yield %z : tensor<?xf32>
  }
  return %r : tensor<?xf32>
}

// One op using it twice: two copies (one buffer each for its two results).
// CHECK-LABEL: func @twice
// CHECK-NEXT: %[[E0:.*]] = tensor.empty() : tensor<4xf32>
// CHECK-NEXT: %[[E1:.*]] = tensor.empty() : tensor<4xf32>
// CHECK-NEXT: linalg.generic {{.*}} outs(%[[E1]], %[[E0]] : tensor<4xf32>, tensor<4xf32>)
func.func @twice(%a: tensor<4xf32>) -> (tensor<4xf32>, tensor<4xf32>) {
  %e = tensor.empty() : tensor<4xf32>
  %r:2 = linalg.generic {indexing_maps = [affine_map<(d0) -> (d0)>, affine_map<(d0) -> (d0)>, affine_map<(d0) -> (d0)>], iterator_types = ["parallel"]} ins(%a : tensor<4xf32>) outs(%e, %e : tensor<4xf32>, tensor<4xf32>) {
  ^bb0(%in: f32, %o0: f32, %o1: f32):
    linalg.yield %in, %in : f32, f32
  } -> (tensor<4xf32>, tensor<4xf32>)
  return %r#0, %r#1 : tensor<4xf32>, tensor<4xf32>
}

// An empty tensor used once stays as it is.
// CHECK-LABEL: func @one_use
// CHECK-NEXT: %[[E:.*]] = tensor.empty() : tensor<4xf32>
// CHECK-NEXT: return %[[E]]
func.func @one_use() -> tensor<4xf32> {
  %e = tensor.empty() : tensor<4xf32>
  return %e : tensor<4xf32>
}
