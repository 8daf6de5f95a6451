// Upstream's reductions accumulate in their result's element type ("each
// input element is converted to the result element type before the
// reduction"): bf16 gradients all_reduced into f32, i8 counts into i32, and
// a reduce_scatter of bf16 into f32. convert-shard-to-coco converts the
// operand first; the sums are exact where bf16 or i8 sums would round or
// wrap (checked by running on 2 and 3 ranks).
//
// RUN: coco-compile %s -o %t.exe --pre-pass=--convert-shard-to-coco
// RUN: %coco_python %S/check_accumulate.py %t.exe 2 | FileCheck %s
// RUN: %coco_python %S/check_accumulate.py %t.exe 3 | FileCheck %s
// CHECK: shard accumulation on [[N:[23]]] ranks: bf16 summed in f32 and i8 in i32, exactly

shard.grid @grid(shape = ?)

func.func @accumulate(%g: tensor<6xbf16> {coco.name = "g"},
                      %c: tensor<6xi8> {coco.name = "c"})
    -> (tensor<6xf32> {coco.name = "gsum"}, tensor<6xi32> {coco.name = "csum"}) {
  %gsum = shard.all_reduce %g on @grid grid_axes = [0] : tensor<6xbf16> -> tensor<6xf32>
  %csum = shard.all_reduce %c on @grid grid_axes = [0] : tensor<6xi8> -> tensor<6xi32>
  return %gsum, %csum : tensor<6xf32>, tensor<6xi32>
}
