// coco.update of one parameter with another's (old) value: a swap. The new
// values are taken before any parameter's buffer is written.
//
// RUN: coco-compile %s -o %t.exe
// RUN: %coco_python %S/check_swap.py %t.exe | FileCheck %s
// CHECK: swap on 2 ranks: a and b exchanged

coco.grid @dp(shape = [?])
!R = !coco.dtensor<8x4xf32, replicated on @dp>

func.func @swap(%a: !R {coco.name = "a"}, %b: !R {coco.name = "b"}) {
  coco.update %a, %b : !R
  coco.update %b, %a : !R
  return
}
