// coco-reorder moves ops that read an all_gather from before a pipeline
// stage's branch into it: the branch is on the rank along axis 0, the
// all_gather runs along axis 1, so every rank of a gather's group takes the
// same branch and the new all_gather there finds all of them. Stage 0 takes
// exp of the gathered s, stage 1 adds it three times in a loop with
// constant bounds. 7 elements on 2 and 3 ranks per stage (uneven blocks).
//
// Every rank's z is checked: stage 1's (integers, exact) equal to 4 s,
// stage 0's within two units of numpy's exp, and the reordered program's
// equal to the plain one's bitwise.
//
// RUN: coco-opt %s --coco-reorder | FileCheck %s --check-prefix=IR
// IR: scf.if
// IR-NEXT: %[[E:.*]] = coco.exp %arg0 : !coco.dtensor<7xf32, sliced<0> on @pp[1]>
// IR-NEXT: coco.all_gather %[[E]]
// IR: scf.for
// IR: coco.add {{.*}} : !coco.dtensor<7xf32, sliced<0> on @pp[1]>
// IR-NEXT: coco.all_gather
//
// RUN: rm -rf %t && mkdir -p %t
// RUN: coco-compile %s -o %t/plain.exe
// RUN: coco-compile %s --pre-pass=--coco-reorder -o %t/reordered.exe
// RUN: %coco_python %S/../lib/check_stage_branches.py %t 4 | FileCheck %s
// RUN: %coco_python %S/../lib/check_stage_branches.py %t 6 | FileCheck %s
// CHECK: on {{[46]}} ranks (2 stages x {{[23]}}): every rank's z matches numpy; reordered equals plain bitwise

coco.grid @pp(shape = [2, ?])
!R = !coco.dtensor<7xf32, replicated on @pp[1]>
!S = !coco.dtensor<7xf32, sliced<0> on @pp[1]>

func.func @stages(%s: !S {coco.name = "s"}) -> (!R {coco.name = "z"}) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c3 = arith.constant 3 : index
  %g = coco.all_gather %s : !S
  %stage = coco.axis_rank @pp[0]
  %first = arith.cmpi eq, %stage, %c0 : index
  %z = scf.if %first -> !R {
    %e = coco.exp %g : !R
    scf.yield %e : !R
  } else {
    %l = scf.for %i = %c0 to %c3 step %c1 iter_args(%acc = %g) -> !R {
      %a = coco.add %acc, %g : !R, !R
      scf.yield %a : !R
    }
    scf.yield %l : !R
  }
  return %z : !R
}
