// RUN: coco-opt %s --pass-pipeline="builtin.module(func.func(coco-collapse-elementwise))" | FileCheck %s

#id3 = affine_map<(b, s, h) -> (b, s, h)>
#bcast = affine_map<(b, s, h) -> (h)>

// A pointwise op over [2, 4, 8] runs over 64 elements; its index (dropout's
// global position) is rebuilt from the flat one.
// CHECK-LABEL: func @pointwise
// CHECK-SAME: (%[[X:.*]]: tensor<2x4x8xf32>, %[[Y:.*]]: tensor<2x4x8xf32>)
// CHECK-DAG: %[[XF:.*]] = tensor.collapse_shape %[[X]] {{\[\[}}0, 1, 2]] : tensor<2x4x8xf32> into tensor<64xf32>
// CHECK-DAG: %[[YF:.*]] = tensor.collapse_shape %[[Y]] {{\[\[}}0, 1, 2]] : tensor<2x4x8xf32> into tensor<64xf32>
// CHECK: %[[R:.*]] = linalg.generic {indexing_maps = [#{{.*}}, #{{.*}}, #{{.*}}], iterator_types = ["parallel"]} ins(%[[XF]], %[[YF]] : tensor<64xf32>, tensor<64xf32>)
// CHECK: %[[I:.*]] = linalg.index 0 : index
// CHECK: arith.remsi %[[I]], %c8 : index
// CHECK: tensor.expand_shape %[[R]] {{\[\[}}0, 1, 2]] output_shape [2, 4, 8] : tensor<64xf32> into tensor<2x4x8xf32>
func.func @pointwise(%x: tensor<2x4x8xf32>, %y: tensor<2x4x8xf32>) -> tensor<2x4x8xf32> {
  %e = tensor.empty() : tensor<2x4x8xf32>
  %r = linalg.generic {indexing_maps = [#id3, #id3, #id3], iterator_types = ["parallel", "parallel", "parallel"]}
      ins(%x, %y : tensor<2x4x8xf32>, tensor<2x4x8xf32>) outs(%e : tensor<2x4x8xf32>) {
  ^bb0(%a: f32, %b: f32, %o: f32):
    %i = linalg.index 2 : index
    %ii = arith.index_cast %i : index to i32
    %f = arith.sitofp %ii : i32 to f32
    %s = arith.addf %a, %b : f32
    %t = arith.addf %s, %f : f32
    linalg.yield %t : f32
  } -> tensor<2x4x8xf32>
  return %r : tensor<2x4x8xf32>
}

// A broadcast (non-identity map) is left as it is.
// CHECK-LABEL: func @broadcast
// CHECK: linalg.generic {{.*}}iterator_types = ["parallel", "parallel", "parallel"]
// CHECK-NOT: collapse_shape
func.func @broadcast(%b: tensor<8xf32>) -> tensor<2x4x8xf32> {
  %e = tensor.empty() : tensor<2x4x8xf32>
  %r = linalg.generic {indexing_maps = [#bcast, #id3], iterator_types = ["parallel", "parallel", "parallel"]}
      ins(%b : tensor<8xf32>) outs(%e : tensor<2x4x8xf32>) {
  ^bb0(%a: f32, %o: f32):
    linalg.yield %a : f32
  } -> tensor<2x4x8xf32>
  return %r : tensor<2x4x8xf32>
}
