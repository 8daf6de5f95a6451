// A relay pipeline in a loop: in step s, stage s all_reduces its partial
// sums over its tensor-parallel ranks (axis 1) and sends the sum to stage
// s + 1, which adds it to r. Stages and steps come from coco.axis_rank and
// coco.axis_size, so coco-pipeline-send may put the receiver's all_gather in
// the loop's nested branch: every rank of a gather's group (one stage) takes
// the same branch in the same step. 5 elements on 2 tensor-parallel ranks:
// slices of 3 and 2.
//
// Stage k's z is r + sum over its predecessor's ranks of p (stage 0: r).
// Integers in p and r make every sum exact, so each rank's block is checked
// for equality with numpy, plain and after pipeline-send + reorder, on 4
// ranks (2 stages) and 6 (3 stages).
//
// RUN: coco-opt %s --coco-pipeline-send --coco-reorder | FileCheck %s --check-prefix=IR
// IR: coco.reduce_scatter sum
// IR: coco.send %{{.*}} along 0 : !coco.dtensor<5xf32, sliced<0> on @pp[1]>
// IR: coco.recv from %{{.*}} along 0 : !coco.dtensor<5xf32, sliced<0> on @pp[1]>
// IR-NEXT: coco.slice
// IR-NEXT: coco.add
// IR-NEXT: coco.all_gather
//
// RUN: rm -rf %t && mkdir -p %t/in4 %t/in6
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
        %x = coco.recv from %step along 0 : !R
        %z = coco.add %x, %acc : !R, !R
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
