// shard.shift rotates modulo the number of ranks for any number, here 3
// (not a power of two): by +1 each rank receives the tensor of rank r - 1,
// by -1 that of rank r + 1 (mod 3), checked by running.
//
// RUN: coco-compile %s -o %t.exe --pre-pass=--convert-shard-to-coco
// RUN: %coco_python %S/check_shift.py %t.exe 3 | FileCheck %s
// RUN: %coco_python %S/check_shift.py %t.exe 4 | FileCheck %s
// CHECK: shard shift by +1 and -1 on [[N:[34]]] ranks: every rank holds its neighbours' tensors

shard.grid @grid(shape = ?)

func.func @shift(%x: tensor<5xf32> {coco.name = "x"})
    -> (tensor<5xf32> {coco.name = "up"}, tensor<5xf32> {coco.name = "down"}) {
  %up = shard.shift %x on @grid grid_axes = [0] shift_axis = 0 offset = 1 rotate : tensor<5xf32> -> tensor<5xf32>
  %down = shard.shift %x on @grid grid_axes = [0] shift_axis = 0 offset = -1 rotate : tensor<5xf32> -> tensor<5xf32>
  return %up, %down : tensor<5xf32>, tensor<5xf32>
}
