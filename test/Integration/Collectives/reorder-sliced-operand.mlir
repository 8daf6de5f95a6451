// coco-reorder with an operand sliced along the gathered dim: add(all_gather
// x, w) runs as add(x, w) on the blocks and its result, sliced already,
// needs no all_gather; mul(all_gather x, all_gather x) is gathered after.
// Checked by running on 2 and 3 ranks (7 elements: uneven blocks) against
// numpy.
//
// RUN: coco-compile %s -o %t.exe --pre-pass=--coco-reorder
// RUN: %coco_python %S/check_reorder_sliced_operand.py %t.exe 2 | FileCheck %s
// RUN: %coco_python %S/check_reorder_sliced_operand.py %t.exe 3 | FileCheck %s
// RUN: coco-opt %s --coco-reorder | FileCheck %s --check-prefix=IR
// CHECK: reorder with a sliced operand on [[N:[23]]] ranks: y and z as numpy's
// IR: %[[Y:.*]] = coco.add %arg0, %arg1 : !coco.dtensor<7xf32, sliced<0> on @g>, !coco.dtensor<7xf32, sliced<0> on @g>
// IR: %[[Z:.*]] = coco.mul %arg0, %arg0
// IR: %[[G:.*]] = coco.all_gather %[[Z]]
// IR-NOT: coco.all_gather
// IR: return %[[Y]], %[[G]]

coco.grid @g(shape = [?])
!S = !coco.dtensor<7xf32, sliced<0> on @g>
!R = !coco.dtensor<7xf32, replicated on @g>
func.func @f(%x: !S {coco.name = "x"}, %w: !S {coco.name = "w"})
    -> (!S {coco.name = "y"}, !R {coco.name = "z"}) {
  %g = coco.all_gather %x : !S
  %y = coco.add %g, %w : !R, !S
  %z = coco.mul %g, %g : !R, !R
  return %y, %z : !S, !R
}
