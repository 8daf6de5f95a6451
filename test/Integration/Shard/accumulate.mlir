// Upstream's reductions accumulate in their result's element type ("each
// input element is converted to the result element type before the
// reduction"): bf16 gradients all_reduced into f32, i8 counts into i32, and
// i1 flags counted in i32 (true is 1: sign-extended it was -1). convert-
// shard-to-coco converts the operand first; the sums are exact where bf16
// or i8 sums would round or wrap (checked by running on 2 and 3 ranks).
//
// RUN: coco-compile %s -o %t.exe --pre-pass=--convert-shard-to-coco
// RUN: %coco_python %S/check_accumulate.py %t.exe 2 | FileCheck %s
// RUN: %coco_python %S/check_accumulate.py %t.exe 3 | FileCheck %s
// CHECK: shard accumulation on [[N:[23]]] ranks: bf16 summed in f32, i8 in i32 and i1 counted in i32, exactly

shard.grid @grid(shape = ?)

func.func @accumulate(%g: tensor<6xbf16> {coco.name = "g"},
                      %c: tensor<6xi8> {coco.name = "c"},
                      %t: tensor<6xi1> {coco.name = "t"})
    -> (tensor<6xf32> {coco.name = "gsum"}, tensor<6xi32> {coco.name = "csum"},
        tensor<6xi32> {coco.name = "count"}) {
  %gsum = shard.all_reduce %g on @grid grid_axes = [0] : tensor<6xbf16> -> tensor<6xf32>
  %csum = shard.all_reduce %c on @grid grid_axes = [0] : tensor<6xi8> -> tensor<6xi32>
  %count = shard.all_reduce %t on @grid grid_axes = [0] : tensor<6xi1> -> tensor<6xi32>
  return %gsum, %csum, %count : tensor<6xf32>, tensor<6xi32>, tensor<6xi32>
}
