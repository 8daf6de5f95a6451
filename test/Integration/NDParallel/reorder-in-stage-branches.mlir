// coco-reorder moves ops that read an all_gather from before a pipeline
// stage's branch into it: the branch is on the rank along axis 0, the
// all_gather runs along axis 1, so every rank of a gather's group takes the
// same branch and the new all_gather there finds all of them. Stage 0 takes
// exp of the gathered s times ||w||, the norm computed from the slice of w
// the function reads (its all_reduce in the branch, along axis 1); stage 1
// adds s three times in a loop with constant bounds. 7 elements on 2 and 3
// ranks per stage (uneven blocks). The loop's add stays after the
// all_gather (it would gather once per iteration).
//
// Every rank's z is checked: stage 1's (integers, exact) equal to 4 s,
// stage 0's close to numpy's exp(s) ||w||; u = 2 w exactly; the reordered
// program's z equal to the plain one's bitwise on stage 1 and within a few
// units on stage 0 (the norm sums its squares in another order).
//
// RUN: coco-opt %s --coco-reorder | FileCheck %s --check-prefix=IR
// IR: scf.if
// IR-NEXT: coco.exp %arg0 : !coco.dtensor<7xf32, sliced<0> on @pp[1]>
// IR-NOT: coco.norm
// IR: coco.all_reduce sum {{.*}} : !coco.dtensor<f32, local on @pp[1]>
// IR: %[[EN:.*]] = coco.mul {{.*}} : !coco.dtensor<7xf32, sliced<0> on @pp[1]>, f32
// IR-NEXT: coco.all_gather %[[EN]]
// IR: scf.for
// IR-NEXT: coco.add {{.*}} : !coco.dtensor<7xf32, replicated on @pp>, !coco.dtensor<7xf32, replicated on @pp>
//
// RUN: rm -rf %t && mkdir -p %t
// RUN: coco-compile %s -o %t/plain.exe
// RUN: coco-compile %s --pre-pass=--coco-reorder -o %t/reordered.exe
// RUN: %coco_python %S/../lib/check_stage_branches.py %t 4 | FileCheck %s
// RUN: %coco_python %S/../lib/check_stage_branches.py %t 6 | FileCheck %s
// CHECK: on {{[46]}} ranks (2 stages x {{[23]}}): every rank's z and u match numpy; reordered matches plain

coco.grid @pp(shape = [2, ?])
!R = !coco.dtensor<7xf32, replicated on @pp[1]>
!S = !coco.dtensor<7xf32, sliced<0> on @pp[1]>

func.func @stages(%s: !S {coco.name = "s"}, %w: !R {coco.name = "w"})
    -> (!R {coco.name = "z"}, !R {coco.name = "u"}) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c3 = arith.constant 3 : index
  %g = coco.all_gather %s : !S
  %ws = coco.slice %w dim 0 along [1] : !R
  %w2 = coco.add %ws, %ws : !S, !S
  %u = coco.all_gather %w2 : !S
  %stage = coco.axis_rank @pp[0]
  %first = arith.cmpi eq, %stage, %c0 : index
  %z = scf.if %first -> !R {
    %e = coco.exp %g : !R
    %n = coco.norm %w : !R
    %x = coco.extract %n : !coco.dtensor<f32, replicated on @pp> -> f32
    %en = coco.mul %e, %x : !R, f32
    scf.yield %en : !R
  } else {
    %l = scf.for %i = %c0 to %c3 step %c1 iter_args(%acc = %g) -> !R {
      %a = coco.add %acc, %g : !R, !R
      scf.yield %a : !R
    }
    scf.yield %l : !R
  }
  return %z, %u : !R, !R
}
