// RUN: timeout 120 coco-opt %s --allow-unregistered-dialect --coco-pipeline-send --split-input-file -verify-diagnostics | FileCheck %s
// RUN: coco-opt %s --allow-unregistered-dialect --coco-pipeline-send --coco-reorder --split-input-file -verify-diagnostics | FileCheck %s --check-prefix=REORDER

// Pipeline stages on axis 0, tensor parallelism on axis 1 (CoCoNet's
// AR-P2P-C): stage 0 all_reduces its partial sums over axis 1 and sends the
// sum to stage 1, which adds the residual. After coco-pipeline-send the
// sender sends its reduce_scatter slice (1/4 of the bytes) and the receiver
// all_gathers; coco-reorder then adds the residual on slices (RS-P2P-C-AG).

coco.grid @pp(shape = [2, 4])
!P = !coco.dtensor<8x16xf32, local on @pp[1]>
!R = !coco.dtensor<8x16xf32, replicated on @pp[1]>

// CHECK-LABEL: func @stage
// CHECK-SAME: (%[[PART:.*]]: !coco.dtensor<8x16xf32, local on @pp[1]>, %[[RES:.*]]: !coco.dtensor<8x16xf32, replicated on @pp>)
// CHECK: %[[FIRST:.*]] = arith.cmpi eq
// CHECK-NEXT: scf.if %[[FIRST]]
// CHECK-NEXT: %[[RS:.*]] = coco.reduce_scatter sum %[[PART]] dim 0 : !coco.dtensor<8x16xf32, local on @pp[1]>
// CHECK-NEXT: coco.send %[[RS]] to %{{.*}} along 0 : !coco.dtensor<8x16xf32, sliced<0> on @pp[1]>
// CHECK-NEXT: scf.yield %[[RES]]
// CHECK-NEXT: } else {
// CHECK-NEXT: %[[IN:.*]] = coco.recv from %{{.*}} along 0 : !coco.dtensor<8x16xf32, sliced<0> on @pp[1]>
// CHECK-NEXT: %[[AG:.*]] = coco.all_gather %[[IN]] : !coco.dtensor<8x16xf32, sliced<0> on @pp[1]>
// CHECK-NEXT: %[[Z:.*]] = coco.add %[[AG]], %[[RES]]
// CHECK-NEXT: scf.yield %[[Z]]
// CHECK-NOT: coco.all_reduce

// REORDER-LABEL: func @stage
// REORDER: } else {
// REORDER-NEXT: %[[IN:.*]] = coco.recv from %{{.*}} along 0 : !coco.dtensor<8x16xf32, sliced<0> on @pp[1]>
// REORDER-NEXT: %[[RS:.*]] = coco.slice %{{.*}} dim 0
// REORDER-NEXT: %[[Z:.*]] = coco.add %[[IN]], %[[RS]] : !coco.dtensor<8x16xf32, sliced<0> on @pp[1]>
// REORDER-NEXT: %[[AG:.*]] = coco.all_gather %[[Z]]
// REORDER-NEXT: scf.yield %[[AG]]
func.func @stage(%partial: !P, %residual: !R) -> !R {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %stage = coco.axis_rank @pp[0]
  %first = arith.cmpi eq, %stage, %c0 : index
  %0 = scf.if %first -> !R {
    %y = coco.all_reduce sum %partial : !P
    coco.send %y to %c1 along 0 : !R
    scf.yield %residual : !R
  } else {
    %x = coco.recv from %c0 along 0 : !R
    %z = coco.add %x, %residual : !R, !R
    scf.yield %z : !R
  }
  return %0 : !R
}

// -----

// A sum the sender still needs whole keeps its all_gather; a value that is
// already an all_gather sends the gathered slices (its dim, not the option's).
coco.grid @pp(shape = [2, 2])
!P = !coco.dtensor<4x6xf32, local on @pp[1]>
!R = !coco.dtensor<4x6xf32, replicated on @pp[1]>
!S1 = !coco.dtensor<4x6xf32, sliced<1> on @pp[1]>

// CHECK-LABEL: func @sender_keeps_sum
// CHECK: %[[RS:.*]] = coco.reduce_scatter sum %{{.*}} dim 0
// CHECK-NEXT: %[[AG:.*]] = coco.all_gather %[[RS]]
// CHECK-NEXT: coco.send %[[RS]] to %{{.*}} along 0 : !coco.dtensor<4x6xf32, sliced<0> on @pp[1]>
// CHECK-NEXT: return %[[AG]]
func.func @sender_keeps_sum(%partial: !P, %peer: index) -> !R {
  %y = coco.all_reduce sum %partial : !P
  coco.send %y to %peer along 0 : !R
  return %y : !R
}

// CHECK-LABEL: func @receiver
// CHECK: %[[IN:.*]] = coco.recv from %{{.*}} along 0 : !coco.dtensor<4x6xf32, sliced<0> on @pp[1]>
// CHECK-NEXT: coco.all_gather %[[IN]]
func.func @receiver(%peer: index) -> !R {
  %x = coco.recv from %peer along 0 : !R
  return %x : !R
}

!R5 = !coco.dtensor<4x8xf32, replicated on @pp[1]>
// CHECK-LABEL: func @send_gathered
// CHECK-SAME: (%[[S:.*]]: !coco.dtensor<4x8xf32, sliced<1> on @pp[1]>
// CHECK-NEXT: coco.send %[[S]] to %{{.*}} along 0 : !coco.dtensor<4x8xf32, sliced<1> on @pp[1]>
// CHECK-NEXT: %[[IN:.*]] = coco.recv from %{{.*}} along 0 : !coco.dtensor<4x8xf32, sliced<1> on @pp[1]>
// CHECK-NEXT: %[[AG:.*]] = coco.all_gather %[[IN]] : !coco.dtensor<4x8xf32, sliced<1> on @pp[1]>
// CHECK-NEXT: return %[[AG]]
func.func @send_gathered(%s: !coco.dtensor<4x8xf32, sliced<1> on @pp[1]>, %peer: index) -> !R5 {
  %g = coco.all_gather %s : !coco.dtensor<4x8xf32, sliced<1> on @pp[1]>
  coco.send %g to %peer along 0 : !R5
  %x = coco.recv from %peer along 0 : !R5
  return %x : !R5
}

// Sends along the value's own axis, and of local values, are not pipeline
// sends: left alone.
// CHECK-LABEL: func @left_alone
// CHECK-NEXT: coco.send %{{.*}} to %{{.*}} : !coco.dtensor<4x6xf32, local on @pp[1]>
// CHECK-NEXT: coco.send %{{.*}} to %{{.*}} along 0 : !coco.dtensor<4x6xf32, local on @pp[1]>
func.func @left_alone(%partial: !P, %peer: index) {
  coco.send %partial to %peer : !P
  coco.send %partial to %peer along 0 : !P
  return
}

// -----

coco.grid @pp(shape = [2, 2])
!R = !coco.dtensor<4xf32, replicated on @pp[1]>
func.func @not_a_collective(%x: !R, %peer: index) {
  // expected-error @+1 {{cannot send slices: the sent value is not the result of a coco.all_reduce or coco.all_gather}}
  coco.send %x to %peer along 0 : !R
  %0 = coco.recv from %peer along 0 : !R
  return
}

// -----

coco.grid @pp(shape = [2, 2])
!P = !coco.dtensor<4xf32, local on @pp[1]>
!R = !coco.dtensor<4xf32, replicated on @pp[1]>
// The receiver may be another program: without a recv of the channel here,
// sending slices would break it.
func.func @no_receiver(%p: !P, %peer: index) {
  %y = coco.all_reduce sum %p : !P
  // expected-error @+1 {{cannot send slices: no coco.recv of '!coco.dtensor<4xf32, replicated on @pp>' along axis 0 in this module would receive them}}
  coco.send %y to %peer along 0 : !R
  return
}

// -----

coco.grid @pp(shape = [2, 4])
!P = !coco.dtensor<6xf32, local on @pp[1]>
!R = !coco.dtensor<6xf32, replicated on @pp[1]>
// Sizes the ranks do not divide: blocks of 2, 2, 1, 1 travel.
// CHECK-LABEL: func @uneven
// CHECK: %[[RS:.*]] = coco.reduce_scatter sum %{{.*}} dim 0 : !coco.dtensor<6xf32, local on @pp[1]>
// CHECK: coco.send %[[RS]] to %{{.*}} along 0 : !coco.dtensor<6xf32, sliced<0> on @pp[1]>
// CHECK: %[[IN:.*]] = coco.recv from %{{.*}} along 0 : !coco.dtensor<6xf32, sliced<0> on @pp[1]>
// CHECK: coco.all_gather %[[IN]] : !coco.dtensor<6xf32, sliced<0> on @pp[1]>
func.func @uneven(%p: !P, %peer: index) -> !R {
  %y = coco.all_reduce sum %p : !P
  coco.send %y to %peer along 0 : !R
  %x = coco.recv from %peer along 0 : !R
  return %x : !R
}

// -----

coco.grid @pp(shape = [2, 2])
!P = !coco.dtensor<4x4xf32, local on @pp[1]>
!R = !coco.dtensor<4x4xf32, replicated on @pp[1]>
func.func @dims_disagree(%p: !P, %s: !coco.dtensor<4x4xf32, sliced<1> on @pp[1]>, %peer: index) -> !R {
  %y = coco.all_reduce sum %p : !P
  coco.send %y to %peer along 0 : !R
  %g = coco.all_gather %s : !coco.dtensor<4x4xf32, sliced<1> on @pp[1]>
  // expected-error @+1 {{sends slices along dimension 1 over axes [1] but another send of the same channel sends them along 0 over [1]; the receivers could not gather both}}
  coco.send %g to %peer along 0 : !R
  %x = coco.recv from %peer along 0 : !R
  return %x : !R
}

// -----

// The receiver's all_gather runs where its recv was, usually in a stage's
// branch: every rank of the gather's group (here, the ranks along axis 1)
// must get there. Conditions and loop bounds built from constants,
// coco.axis_size and coco.axis_rank on other axes, through arith ops and
// loop counters, are the same on all of them.
coco.grid @pp(shape = [4, 2])
!P = !coco.dtensor<4xf32, local on @pp[1]>
!R = !coco.dtensor<4xf32, replicated on @pp[1]>
// A relay: in step s, stage s sends its sum to stage s + 1.
// CHECK-LABEL: func @stage_in_loop
// CHECK: scf.for
// CHECK: scf.if
// CHECK: coco.reduce_scatter
// CHECK: } else {
// CHECK-NEXT: scf.if
// CHECK-NEXT: %[[IN:.*]] = coco.recv from %{{.*}} along 0 : !coco.dtensor<4xf32, sliced<0> on @pp[1]>
// CHECK-NEXT: coco.all_gather %[[IN]]
func.func @stage_in_loop(%p: !P, %r: !R) -> !R {
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
        scf.yield %x : !R
      } else {
        scf.yield %acc : !R
      }
      scf.yield %in : !R
    }
    scf.yield %res : !R
  }
  return %out : !R
}

// -----

coco.grid @pp(shape = [2, 2])
!P = !coco.dtensor<4xf32, local on @pp[1]>
!R = !coco.dtensor<4xf32, replicated on @pp[1]>
// A branch on the rank along the gather's own axis: the gather would wait
// for the rank that took the other branch.
func.func @branch_on_gather_axis(%p: !P, %r: !R) -> !R {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %tp = coco.axis_rank @pp[1]
  %first = arith.cmpi eq, %tp, %c0 : index
  // expected-note @+1 {{this scf.if's condition is not known to be the same on ranks that differ only along [1]; compute it from constants and coco.axis_rank on other axes}}
  %0 = scf.if %first -> !R {
    %y = coco.all_reduce sum %p : !P
    coco.send %y to %c1 along 0 : !R
    scf.yield %r : !R
  } else {
    // expected-error @+1 {{'coco.recv' op cannot receive slices here: the coco.all_gather along [1] that would reassemble them waits for every rank of its group, and those ranks may not all get here}}
    %x = coco.recv from %c0 along 0 : !R
    scf.yield %x : !R
  }
  return %0 : !R
}

// -----

coco.grid @pp(shape = [2, 2])
!P = !coco.dtensor<4xf32, local on @pp[1]>
!R = !coco.dtensor<4xf32, replicated on @pp[1]>
// A condition passed in: nothing says it is the same on the ranks along
// axis 1.
func.func @branch_on_argument(%p: !P, %r: !R, %first: i1) -> !R {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  // expected-note @+1 {{this scf.if's condition is not known}}
  %0 = scf.if %first -> !R {
    %y = coco.all_reduce sum %p : !P
    coco.send %y to %c1 along 0 : !R
    scf.yield %r : !R
  } else {
    // expected-error @+1 {{cannot receive slices here}}
    %x = coco.recv from %c0 along 0 : !R
    scf.yield %x : !R
  }
  return %0 : !R
}

// -----

coco.grid @pp(shape = [2, 2])
!P = !coco.dtensor<4xf32, local on @pp[1]>
!R = !coco.dtensor<4xf32, replicated on @pp[1]>
// A loop whose trip count is an argument.
func.func @loop_on_argument(%p: !P, %r: !R, %n: index) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %y = coco.all_reduce sum %p : !P
  coco.send %y to %c1 along 0 : !R
  // expected-note @+1 {{this scf.for's bounds are not known to be the same on ranks that differ only along [1]}}
  scf.for %i = %c0 to %n step %c1 {
    // expected-error @+1 {{cannot receive slices here}}
    %x = coco.recv from %c0 along 0 : !R
  }
  return
}

// -----

coco.grid @pp(shape = [2, 2])
coco.grid @other(shape = [2, 2])
!R = !coco.dtensor<4xf32, replicated on @pp[1]>
// The rank along axis 0 of another grid says nothing about this one's.
func.func @rank_of_other_grid(%s: !coco.dtensor<4xf32, sliced<0> on @pp[1]>, %r: !R) -> !R {
  %c1 = arith.constant 1 : index
  %g = coco.all_gather %s : !coco.dtensor<4xf32, sliced<0> on @pp[1]>
  coco.send %g to %c1 along 0 : !R
  %c0 = arith.constant 0 : index
  %stage = coco.axis_rank @other[0]
  %first = arith.cmpi eq, %stage, %c0 : index
  // expected-note @+1 {{this scf.if's condition is not known}}
  %0 = scf.if %first -> !R {
    scf.yield %r : !R
  } else {
    // expected-error @+1 {{cannot receive slices here}}
    %x = coco.recv from %c0 along 0 : !R
    scf.yield %x : !R
  }
  return %0 : !R
}

// -----

coco.grid @pp(shape = [2, 2])
!P = !coco.dtensor<4xf32, local on @pp[1]>
!R = !coco.dtensor<4xf32, replicated on @pp[1]>
// A later block.
// expected-note @+1 {{the recv is behind a branch: in a later block of this func.func's region}}
func.func @later_block(%p: !P, %first: i1) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %y = coco.all_reduce sum %p : !P
  coco.send %y to %c1 along 0 : !R
  cf.cond_br %first, ^recv, ^done
^recv:
  // expected-error @+1 {{cannot receive slices here}}
  %x = coco.recv from %c0 along 0 : !R
  cf.br ^done
^done:
  return
}

// -----

coco.grid @pp(shape = [2, 2])
!P = !coco.dtensor<4xf32, local on @pp[1]>
!R = !coco.dtensor<4xf32, replicated on @pp[1]>
// A while loop: how often each rank runs its body is not followed.
func.func @while_loop(%p: !P) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %y = coco.all_reduce sum %p : !P
  coco.send %y to %c1 along 0 : !R
  // expected-note @+1 {{how often ranks run the regions of this scf.while is not followed}}
  %n = scf.while (%i = %c0) : (index) -> index {
    %more = arith.cmpi ult, %i, %c1 : index
    scf.condition(%more) %i : index
  } do {
  ^bb0(%j: index):
    // expected-error @+1 {{cannot receive slices here}}
    %x = coco.recv from %c0 along 0 : !R
    %k = arith.addi %j, %c1 : index
    scf.yield %k : index
  }
  return
}

// -----

coco.grid @pp(shape = [2, 2])
!R = !coco.dtensor<4xf32, replicated on @pp[1]>
// Pure ops of other dialects may still differ between ranks: upstream's
// shard.process_linear_index (here on a grid of its own) is refused, as is
// an unregistered op.
shard.grid @mesh(shape = 2x2)
func.func @rank_from_shard(%s: !coco.dtensor<4xf32, sliced<0> on @pp[1]>) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %g = coco.all_gather %s : !coco.dtensor<4xf32, sliced<0> on @pp[1]>
  coco.send %g to %c1 along 0 : !R
  %linear = shard.process_linear_index on @mesh : index
  %first = arith.cmpi eq, %linear, %c0 : index
  // expected-note @+1 {{this scf.if's condition is not known}}
  scf.if %first {
    // expected-error @+1 {{cannot receive slices here}}
    %x = coco.recv from %c0 along 0 : !R
  }
  return
}

// -----

coco.grid @pp(shape = [2, 2])
!R = !coco.dtensor<4xf32, replicated on @pp[1]>
func.func @rank_from_unregistered(%s: !coco.dtensor<4xf32, sliced<0> on @pp[1]>) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %g = coco.all_gather %s : !coco.dtensor<4xf32, sliced<0> on @pp[1]>
  coco.send %g to %c1 along 0 : !R
  %r = "test.rank"() : () -> index
  %first = arith.cmpi eq, %r, %c0 : index
  // expected-note @+1 {{this scf.if's condition is not known}}
  scf.if %first {
    // expected-error @+1 {{cannot receive slices here}}
    %x = coco.recv from %c0 along 0 : !R
  }
  return
}

// -----

// The recv in a function of its own: its calls are followed. Called from
// a stage's branch (on axis 0), the gather goes in the callee.
coco.grid @pp(shape = [2, 2])
!P = !coco.dtensor<4xf32, local on @pp[1]>
!R = !coco.dtensor<4xf32, replicated on @pp[1]>
// CHECK-LABEL: func private @receive
// CHECK: %[[IN:.*]] = coco.recv from %{{.*}} along 0 : !coco.dtensor<4xf32, sliced<0> on @pp[1]>
// CHECK-NEXT: coco.all_gather %[[IN]]
func.func private @receive() -> !R {
  %c0 = arith.constant 0 : index
  %x = coco.recv from %c0 along 0 : !R
  return %x : !R
}
// CHECK-LABEL: func @called_in_stage_branch
// CHECK: coco.reduce_scatter
// CHECK: call @receive
func.func @called_in_stage_branch(%p: !P, %r: !R) -> !R {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %stage = coco.axis_rank @pp[0]
  %first = arith.cmpi eq, %stage, %c0 : index
  %0 = scf.if %first -> !R {
    %y = coco.all_reduce sum %p : !P
    coco.send %y to %c1 along 0 : !R
    scf.yield %r : !R
  } else {
    %x = func.call @receive() : () -> !R
    scf.yield %x : !R
  }
  return %0 : !R
}

// -----

// Called from a branch on the gather's own axis: only some ranks of the
// group would reach the callee's gather.
coco.grid @pp(shape = [2, 2])
!P = !coco.dtensor<4xf32, local on @pp[1]>
!R = !coco.dtensor<4xf32, replicated on @pp[1]>
func.func private @receive() -> !R {
  %c0 = arith.constant 0 : index
  // expected-error @+1 {{'coco.recv' op cannot receive slices here}}
  %x = coco.recv from %c0 along 0 : !R
  return %x : !R
}
func.func @called_in_branch_on_gather_axis(%p: !P, %r: !R) -> !R {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %tp = coco.axis_rank @pp[1]
  %first = arith.cmpi eq, %tp, %c0 : index
  %0 = scf.if %first -> !R {
    %y = coco.all_reduce sum %p : !P
    coco.send %y to %c1 along 0 : !R
    scf.yield %r : !R
  } else {
    // expected-note @+1 {{the recv's function is called here, and not every rank that differs only along [1] may get here as often}}
    %x = func.call @receive() : () -> !R
    scf.yield %x : !R
  }
  return %0 : !R
}

// -----

// Two callers, one of them in a loop with an argument trip count; and a
// recursive function: each refused at the call.
coco.grid @pp(shape = [2, 2])
!P = !coco.dtensor<4xf32, local on @pp[1]>
!R = !coco.dtensor<4xf32, replicated on @pp[1]>
func.func private @receive() -> !R {
  %c0 = arith.constant 0 : index
  // expected-error @+1 {{cannot receive slices here}}
  %x = coco.recv from %c0 along 0 : !R
  return %x : !R
}
func.func @fine(%p: !P) -> !R {
  %c1 = arith.constant 1 : index
  %y = coco.all_reduce sum %p : !P
  coco.send %y to %c1 along 0 : !R
  %x = func.call @receive() : () -> !R
  return %x : !R
}
func.func @in_a_loop(%n: index) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  scf.for %i = %c0 to %n step %c1 {
    // expected-note @+1 {{the recv's function is called here}}
    %x = func.call @receive() : () -> !R
  }
  return
}

// -----

coco.grid @pp(shape = [2, 2])
!P = !coco.dtensor<4xf32, local on @pp[1]>
!R = !coco.dtensor<4xf32, replicated on @pp[1]>
// The recursive call is under a condition the same on the group (the
// stage): only the guard against following a call cycle refuses it (and
// keeps the walk from running forever).
func.func @recursive(%p: !P) -> !R {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %y = coco.all_reduce sum %p : !P
  coco.send %y to %c1 along 0 : !R
  // expected-error @+1 {{cannot receive slices here}}
  %x = coco.recv from %c0 along 0 : !R
  %stage = coco.axis_rank @pp[0]
  %more = arith.cmpi eq, %stage, %c0 : index
  scf.if %more {
    // expected-note @+1 {{the recv's function is called here}}
    %r = func.call @recursive(%p) : (!P) -> !R
  }
  return %x : !R
}

// -----

// A reference that is not a call: calls could come from anywhere.
coco.grid @pp(shape = [2, 2])
!R = !coco.dtensor<4xf32, replicated on @pp[1]>
func.func private @receive() -> !R {
  %c0 = arith.constant 0 : index
  // expected-error @+1 {{cannot receive slices here}}
  %x = coco.recv from %c0 along 0 : !R
  return %x : !R
}
func.func @sender(%s: !coco.dtensor<4xf32, sliced<0> on @pp[1]>) -> (() -> !R) {
  %c1 = arith.constant 1 : index
  %g = coco.all_gather %s : !coco.dtensor<4xf32, sliced<0> on @pp[1]>
  coco.send %g to %c1 along 0 : !R
  // expected-note @+1 {{the recv's function is referenced here}}
  %f = func.constant @receive : () -> !R
  return %f : () -> !R
}

// -----

// A condition built by a chain that reuses each value (a + a, 60 times):
// every value is looked at once (following both operands of each add would
// take 2^60 steps). The first RUN line's timeout catches a regression.
coco.grid @pp(shape = [2, 2])
!P = !coco.dtensor<4xf32, local on @pp[1]>
!R = !coco.dtensor<4xf32, replicated on @pp[1]>
// CHECK-LABEL: func @long_chain
// CHECK: coco.recv
// CHECK-NEXT: coco.all_gather
func.func @long_chain(%p: !P, %r: !R) -> !R {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %a0 = coco.axis_rank @pp[0]
  %a1 = arith.addi %a0, %a0 : index
  %a2 = arith.addi %a1, %a1 : index
  %a3 = arith.addi %a2, %a2 : index
  %a4 = arith.addi %a3, %a3 : index
  %a5 = arith.addi %a4, %a4 : index
  %a6 = arith.addi %a5, %a5 : index
  %a7 = arith.addi %a6, %a6 : index
  %a8 = arith.addi %a7, %a7 : index
  %a9 = arith.addi %a8, %a8 : index
  %a10 = arith.addi %a9, %a9 : index
  %a11 = arith.addi %a10, %a10 : index
  %a12 = arith.addi %a11, %a11 : index
  %a13 = arith.addi %a12, %a12 : index
  %a14 = arith.addi %a13, %a13 : index
  %a15 = arith.addi %a14, %a14 : index
  %a16 = arith.addi %a15, %a15 : index
  %a17 = arith.addi %a16, %a16 : index
  %a18 = arith.addi %a17, %a17 : index
  %a19 = arith.addi %a18, %a18 : index
  %a20 = arith.addi %a19, %a19 : index
  %a21 = arith.addi %a20, %a20 : index
  %a22 = arith.addi %a21, %a21 : index
  %a23 = arith.addi %a22, %a22 : index
  %a24 = arith.addi %a23, %a23 : index
  %a25 = arith.addi %a24, %a24 : index
  %a26 = arith.addi %a25, %a25 : index
  %a27 = arith.addi %a26, %a26 : index
  %a28 = arith.addi %a27, %a27 : index
  %a29 = arith.addi %a28, %a28 : index
  %a30 = arith.addi %a29, %a29 : index
  %a31 = arith.addi %a30, %a30 : index
  %a32 = arith.addi %a31, %a31 : index
  %a33 = arith.addi %a32, %a32 : index
  %a34 = arith.addi %a33, %a33 : index
  %a35 = arith.addi %a34, %a34 : index
  %a36 = arith.addi %a35, %a35 : index
  %a37 = arith.addi %a36, %a36 : index
  %a38 = arith.addi %a37, %a37 : index
  %a39 = arith.addi %a38, %a38 : index
  %a40 = arith.addi %a39, %a39 : index
  %a41 = arith.addi %a40, %a40 : index
  %a42 = arith.addi %a41, %a41 : index
  %a43 = arith.addi %a42, %a42 : index
  %a44 = arith.addi %a43, %a43 : index
  %a45 = arith.addi %a44, %a44 : index
  %a46 = arith.addi %a45, %a45 : index
  %a47 = arith.addi %a46, %a46 : index
  %a48 = arith.addi %a47, %a47 : index
  %a49 = arith.addi %a48, %a48 : index
  %a50 = arith.addi %a49, %a49 : index
  %a51 = arith.addi %a50, %a50 : index
  %a52 = arith.addi %a51, %a51 : index
  %a53 = arith.addi %a52, %a52 : index
  %a54 = arith.addi %a53, %a53 : index
  %a55 = arith.addi %a54, %a54 : index
  %a56 = arith.addi %a55, %a55 : index
  %a57 = arith.addi %a56, %a56 : index
  %a58 = arith.addi %a57, %a57 : index
  %a59 = arith.addi %a58, %a58 : index
  %a60 = arith.addi %a59, %a59 : index
  %first = arith.cmpi eq, %a60, %c0 : index
  %0 = scf.if %first -> !R {
    %y = coco.all_reduce sum %p : !P
    coco.send %y to %c1 along 0 : !R
    scf.yield %r : !R
  } else {
    %x = coco.recv from %c0 along 0 : !R
    scf.yield %x : !R
  }
  return %0 : !R
}

// -----

// A stage's body in a private function whose condition the caller passes:
// the argument is what the calls pass, computed from the rank along the
// stage axis (accepted) or along the gather's axis (refused).
coco.grid @pp(shape = [2, 2])
!P = !coco.dtensor<4xf32, local on @pp[1]>
!R = !coco.dtensor<4xf32, replicated on @pp[1]>
// CHECK-LABEL: func private @stage_body
// CHECK: coco.recv
// CHECK-NEXT: coco.all_gather
func.func private @stage_body(%p: !P, %r: !R, %first: i1) -> !R {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %0 = scf.if %first -> !R {
    %y = coco.all_reduce sum %p : !P
    coco.send %y to %c1 along 0 : !R
    scf.yield %r : !R
  } else {
    %x = coco.recv from %c0 along 0 : !R
    scf.yield %x : !R
  }
  return %0 : !R
}
func.func @caller(%p: !P, %r: !R) -> !R {
  %c0 = arith.constant 0 : index
  %stage = coco.axis_rank @pp[0]
  %first = arith.cmpi eq, %stage, %c0 : index
  %0 = func.call @stage_body(%p, %r, %first) : (!P, !R, i1) -> !R
  return %0 : !R
}

// -----

coco.grid @pp(shape = [2, 2])
!P = !coco.dtensor<4xf32, local on @pp[1]>
!R = !coco.dtensor<4xf32, replicated on @pp[1]>
func.func private @stage_body(%p: !P, %r: !R, %first: i1) -> !R {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  // expected-note @+1 {{this scf.if's condition is not known}}
  %0 = scf.if %first -> !R {
    %y = coco.all_reduce sum %p : !P
    coco.send %y to %c1 along 0 : !R
    scf.yield %r : !R
  } else {
    // expected-error @+1 {{cannot receive slices here}}
    %x = coco.recv from %c0 along 0 : !R
    scf.yield %x : !R
  }
  return %0 : !R
}
func.func @fine(%p: !P, %r: !R) -> !R {
  %c0 = arith.constant 0 : index
  %stage = coco.axis_rank @pp[0]
  %first = arith.cmpi eq, %stage, %c0 : index
  %0 = func.call @stage_body(%p, %r, %first) : (!P, !R, i1) -> !R
  return %0 : !R
}
func.func @on_gather_axis(%p: !P, %r: !R) -> !R {
  %c0 = arith.constant 0 : index
  %tp = coco.axis_rank @pp[1]
  %first = arith.cmpi eq, %tp, %c0 : index
  %0 = func.call @stage_body(%p, %r, %first) : (!P, !R, i1) -> !R
  return %0 : !R
}

// -----

// A call graph shaped like a chain of diamonds (40 levels, each function
// calling the one below twice): each function's calls are looked at once
// (following every path would take 2^40 walks). Under the first RUN line's
// timeout.
coco.grid @pp(shape = [2, 2])
!P = !coco.dtensor<4xf32, local on @pp[1]>
!R = !coco.dtensor<4xf32, replicated on @pp[1]>
// CHECK-LABEL: func private @f0
// CHECK: coco.recv
// CHECK-NEXT: coco.all_gather
func.func private @f0() -> !R {
  %c0 = arith.constant 0 : index
  %x = coco.recv from %c0 along 0 : !R
  return %x : !R
}
func.func private @f1() -> !R {
  %a = func.call @f0() : () -> !R
  %b = func.call @f0() : () -> !R
  return %a : !R
}
func.func private @f2() -> !R {
  %a = func.call @f1() : () -> !R
  %b = func.call @f1() : () -> !R
  return %a : !R
}
func.func private @f3() -> !R {
  %a = func.call @f2() : () -> !R
  %b = func.call @f2() : () -> !R
  return %a : !R
}
func.func private @f4() -> !R {
  %a = func.call @f3() : () -> !R
  %b = func.call @f3() : () -> !R
  return %a : !R
}
func.func private @f5() -> !R {
  %a = func.call @f4() : () -> !R
  %b = func.call @f4() : () -> !R
  return %a : !R
}
func.func private @f6() -> !R {
  %a = func.call @f5() : () -> !R
  %b = func.call @f5() : () -> !R
  return %a : !R
}
func.func private @f7() -> !R {
  %a = func.call @f6() : () -> !R
  %b = func.call @f6() : () -> !R
  return %a : !R
}
func.func private @f8() -> !R {
  %a = func.call @f7() : () -> !R
  %b = func.call @f7() : () -> !R
  return %a : !R
}
func.func private @f9() -> !R {
  %a = func.call @f8() : () -> !R
  %b = func.call @f8() : () -> !R
  return %a : !R
}
func.func private @f10() -> !R {
  %a = func.call @f9() : () -> !R
  %b = func.call @f9() : () -> !R
  return %a : !R
}
func.func private @f11() -> !R {
  %a = func.call @f10() : () -> !R
  %b = func.call @f10() : () -> !R
  return %a : !R
}
func.func private @f12() -> !R {
  %a = func.call @f11() : () -> !R
  %b = func.call @f11() : () -> !R
  return %a : !R
}
func.func private @f13() -> !R {
  %a = func.call @f12() : () -> !R
  %b = func.call @f12() : () -> !R
  return %a : !R
}
func.func private @f14() -> !R {
  %a = func.call @f13() : () -> !R
  %b = func.call @f13() : () -> !R
  return %a : !R
}
func.func private @f15() -> !R {
  %a = func.call @f14() : () -> !R
  %b = func.call @f14() : () -> !R
  return %a : !R
}
func.func private @f16() -> !R {
  %a = func.call @f15() : () -> !R
  %b = func.call @f15() : () -> !R
  return %a : !R
}
func.func private @f17() -> !R {
  %a = func.call @f16() : () -> !R
  %b = func.call @f16() : () -> !R
  return %a : !R
}
func.func private @f18() -> !R {
  %a = func.call @f17() : () -> !R
  %b = func.call @f17() : () -> !R
  return %a : !R
}
func.func private @f19() -> !R {
  %a = func.call @f18() : () -> !R
  %b = func.call @f18() : () -> !R
  return %a : !R
}
func.func private @f20() -> !R {
  %a = func.call @f19() : () -> !R
  %b = func.call @f19() : () -> !R
  return %a : !R
}
func.func private @f21() -> !R {
  %a = func.call @f20() : () -> !R
  %b = func.call @f20() : () -> !R
  return %a : !R
}
func.func private @f22() -> !R {
  %a = func.call @f21() : () -> !R
  %b = func.call @f21() : () -> !R
  return %a : !R
}
func.func private @f23() -> !R {
  %a = func.call @f22() : () -> !R
  %b = func.call @f22() : () -> !R
  return %a : !R
}
func.func private @f24() -> !R {
  %a = func.call @f23() : () -> !R
  %b = func.call @f23() : () -> !R
  return %a : !R
}
func.func private @f25() -> !R {
  %a = func.call @f24() : () -> !R
  %b = func.call @f24() : () -> !R
  return %a : !R
}
func.func private @f26() -> !R {
  %a = func.call @f25() : () -> !R
  %b = func.call @f25() : () -> !R
  return %a : !R
}
func.func private @f27() -> !R {
  %a = func.call @f26() : () -> !R
  %b = func.call @f26() : () -> !R
  return %a : !R
}
func.func private @f28() -> !R {
  %a = func.call @f27() : () -> !R
  %b = func.call @f27() : () -> !R
  return %a : !R
}
func.func private @f29() -> !R {
  %a = func.call @f28() : () -> !R
  %b = func.call @f28() : () -> !R
  return %a : !R
}
func.func private @f30() -> !R {
  %a = func.call @f29() : () -> !R
  %b = func.call @f29() : () -> !R
  return %a : !R
}
func.func private @f31() -> !R {
  %a = func.call @f30() : () -> !R
  %b = func.call @f30() : () -> !R
  return %a : !R
}
func.func private @f32() -> !R {
  %a = func.call @f31() : () -> !R
  %b = func.call @f31() : () -> !R
  return %a : !R
}
func.func private @f33() -> !R {
  %a = func.call @f32() : () -> !R
  %b = func.call @f32() : () -> !R
  return %a : !R
}
func.func private @f34() -> !R {
  %a = func.call @f33() : () -> !R
  %b = func.call @f33() : () -> !R
  return %a : !R
}
func.func private @f35() -> !R {
  %a = func.call @f34() : () -> !R
  %b = func.call @f34() : () -> !R
  return %a : !R
}
func.func private @f36() -> !R {
  %a = func.call @f35() : () -> !R
  %b = func.call @f35() : () -> !R
  return %a : !R
}
func.func private @f37() -> !R {
  %a = func.call @f36() : () -> !R
  %b = func.call @f36() : () -> !R
  return %a : !R
}
func.func private @f38() -> !R {
  %a = func.call @f37() : () -> !R
  %b = func.call @f37() : () -> !R
  return %a : !R
}
func.func private @f39() -> !R {
  %a = func.call @f38() : () -> !R
  %b = func.call @f38() : () -> !R
  return %a : !R
}
func.func private @f40() -> !R {
  %a = func.call @f39() : () -> !R
  %b = func.call @f39() : () -> !R
  return %a : !R
}
func.func @diamonds(%p: !P) -> !R {
  %c1 = arith.constant 1 : index
  %y = coco.all_reduce sum %p : !P
  coco.send %y to %c1 along 0 : !R
  %x = func.call @f40() : () -> !R
  return %x : !R
}

// -----

// The call that parts the ranks is one level up: the note names the
// function it calls (@mid, which calls the recv's function).
coco.grid @pp(shape = [2, 2])
!P = !coco.dtensor<4xf32, local on @pp[1]>
!R = !coco.dtensor<4xf32, replicated on @pp[1]>
func.func private @receive_below() -> !R {
  %c0 = arith.constant 0 : index
  // expected-error @+1 {{cannot receive slices here}}
  %x = coco.recv from %c0 along 0 : !R
  return %x : !R
}
func.func private @mid() -> !R {
  %x = func.call @receive_below() : () -> !R
  return %x : !R
}
func.func @two_levels(%p: !P, %r: !R) -> !R {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %tp = coco.axis_rank @pp[1]
  %first = arith.cmpi eq, %tp, %c0 : index
  %0 = scf.if %first -> !R {
    %y = coco.all_reduce sum %p : !P
    coco.send %y to %c1 along 0 : !R
    scf.yield %r : !R
  } else {
    // expected-note @+1 {{@mid (which leads to the recv) is called here, and not every rank that differs only along [1] may get here as often}}
    %x = func.call @mid() : () -> !R
    scf.yield %x : !R
  }
  return %0 : !R
}

// -----

// A cycle through two functions: how often the ranks reach the recv is not
// followed, and the note says so.
coco.grid @pp(shape = [2, 2])
!P = !coco.dtensor<4xf32, local on @pp[1]>
!R = !coco.dtensor<4xf32, replicated on @pp[1]>
func.func @cycle_a(%p: !P) -> !R {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %y = coco.all_reduce sum %p : !P
  coco.send %y to %c1 along 0 : !R
  // expected-error @+1 {{cannot receive slices here}}
  %x = coco.recv from %c0 along 0 : !R
  %stage = coco.axis_rank @pp[0]
  %more = arith.cmpi eq, %stage, %c0 : index
  scf.if %more {
    // expected-note @+1 {{@cycle_b (which leads to the recv) is called here, in a cycle of calls: how often the ranks get here is not followed}}
    %r = func.call @cycle_b(%p) : (!P) -> !R
  }
  return %x : !R
}
func.func private @cycle_b(%p: !P) -> !R {
  %r = func.call @cycle_a(%p) : (!P) -> !R
  return %r : !R
}

// -----

// A channel is rewritten once, however many sends it has: its sends then
// send the inner all_gather's result (gathered along [2]), which must not
// make the channel a target again (with two sends, the second one applied
// a second level; behind the recv's scf.if, that second level's check
// failed and its error was printed while the pass still succeeded).
coco.grid @g3(shape = [2, 2, 2])
!S3 = !coco.dtensor<8xf32, [replicated, sliced<0>, sliced<0>] on @g3>
!R3 = !coco.dtensor<8xf32, replicated on @g3>

// CHECK-LABEL: func @two_sends
// CHECK: %[[A:.*]] = coco.all_gather %arg0 along [2]
// CHECK-NEXT: coco.send %[[A]] to %arg1 along 0 : !coco.dtensor<8xf32, sliced<0> on @g3[1]>
// CHECK-NEXT: coco.send %[[A]] to %arg1 along 0 : !coco.dtensor<8xf32, sliced<0> on @g3[1]>
// CHECK-NEXT: return
func.func @two_sends(%x: !S3, %peer: index) {
  %a = coco.all_gather %x along [2] : !S3
  %b = coco.all_gather %a along [1] : !coco.dtensor<8xf32, sliced<0> on @g3[1]>
  coco.send %b to %peer along 0 : !R3
  coco.send %b to %peer along 0 : !R3
  return
}

// CHECK-LABEL: func @recv_in_branch
// CHECK: scf.if
// CHECK-NEXT: %[[S:.*]] = coco.recv from %arg0 along 0 : !coco.dtensor<8xf32, sliced<0> on @g3[1]>
// CHECK-NEXT: %[[G:.*]] = coco.all_gather %[[S]] : !coco.dtensor<8xf32, sliced<0> on @g3[1]>
// CHECK-NEXT: scf.yield %[[G]]
func.func @recv_in_branch(%peer: index, %d: !R3) -> !R3 {
  %c0 = arith.constant 0 : index
  %r = coco.axis_rank @g3[2]
  %c = arith.cmpi eq, %r, %c0 : index
  %y = scf.if %c -> !R3 {
    %x = coco.recv from %peer along 0 : !R3
    scf.yield %x : !R3
  } else {
    scf.yield %d : !R3
  }
  return %y : !R3
}
