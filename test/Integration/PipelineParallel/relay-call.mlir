// The relay pipeline (relay.mlir) with the receiving stage's recv and add
// in a private function called from the receiver's branch: coco-pipeline-
// send follows the call (whereRanksAlongMayPart checks that every rank of
// the gather's group, one stage's tensor-parallel ranks, makes it as
// often), so the recv takes a slice and the all_gather goes into the
// callee, after the add that coco-reorder moves onto the slices. Run on MPI
// ranks: 4 (2 stages) and 6 (3 stages), 5 elements on 2 tensor-parallel
// ranks (slices of 3 and 2), integer inputs, every rank's z equal to numpy,
// plain and scheduled.
//
// RUN: coco-opt %s --coco-pipeline-send --coco-reorder | FileCheck %s --check-prefix=IR
// IR-LABEL: func @relay
// IR: coco.reduce_scatter sum
// IR: coco.send %{{.*}} along 0 : !coco.dtensor<5xf32, sliced<0> on @pp[1]>
// IR: call @receive_and_add
// IR-LABEL: func private @receive_and_add
// IR-NEXT: %[[IN:.*]] = coco.recv from %{{.*}} along 0 : !coco.dtensor<5xf32, sliced<0> on @pp[1]>
// IR-NEXT: %[[ACC:.*]] = coco.slice %{{.*}} dim 0 along [1]
// IR-NEXT: %[[SUM:.*]] = coco.add %[[IN]], %[[ACC]]
// IR-NEXT: %[[Z:.*]] = coco.all_gather %[[SUM]]
// IR-NEXT: return %[[Z]]
//
// RUN: rm -rf %t && mkdir -p %t
// RUN: coco-compile %s -o %t/plain.exe
// RUN: coco-compile %s --pre-pass=--coco-pipeline-send --pre-pass=--coco-reorder -o %t/sliced.exe
// RUN: %coco_python %S/../lib/check_relay.py %t 4 | FileCheck %s
// RUN: %coco_python %S/../lib/check_relay.py %t 6 | FileCheck %s
// CHECK: plain on {{[46]}} ranks: every rank's z matches numpy
// CHECK: pipeline-send + reorder on {{[46]}} ranks: every rank's z matches numpy

coco.grid @pp(shape = [?, 2])
!P = !coco.dtensor<5xf32, local on @pp[1]>
!R = !coco.dtensor<5xf32, replicated on @pp[1]>

func.func @relay(%p: !P {coco.name = "p"}, %r: !R {coco.name = "r"})
    -> (!R {coco.name = "z"}) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %stages = coco.axis_size @pp[0]
  %last = arith.subi %stages, %c1 : index
  %stage = coco.axis_rank @pp[0]
  %out = scf.for %step = %c0 to %last step %c1 iter_args(%acc = %r) -> !R {
    %next = arith.addi %step, %c1 : index
    %sender = arith.cmpi eq, %stage, %step : index
    %receiver = arith.cmpi eq, %stage, %next : index
    %res = scf.if %sender -> !R {
      %y = coco.all_reduce sum %p : !P
      coco.send %y to %next along 0 : !R
      scf.yield %acc : !R
    } else {
      %in = scf.if %receiver -> !R {
        %z = func.call @receive_and_add(%step, %acc) : (index, !R) -> !R
        scf.yield %z : !R
      } else {
        scf.yield %acc : !R
      }
      scf.yield %in : !R
    }
    scf.yield %res : !R
  }
  return %out : !R
}

// The receiving stage's work in a function of its own (as a stage body
// outlined by a front end): pipeline-send follows its one call, made in the
// receiver's branch (on axis 0, the stage), where every rank of a gather's
// group (axis 1, one stage) arrives as often.
func.func private @receive_and_add(%from: index, %acc: !R) -> !R {
  %x = coco.recv from %from along 0 : !R
  %z = coco.add %x, %acc : !R, !R
  return %z : !R
}
