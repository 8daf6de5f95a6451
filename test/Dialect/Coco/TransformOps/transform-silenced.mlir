// RUN: coco-opt %s --split-input-file --transform-interpreter --remarks-filter='coco-.*' -o /dev/null 2>&1 | FileCheck %s
// RUN: coco-opt %s --split-input-file --transform-interpreter 2>/dev/null | FileCheck %s --check-prefix=IR

// A schedule whose failure the script silences (failures(suppress)) still
// says why, with its not-applied remark, for every kind of failure: a
// target of the wrong kind and an unknown argument name left no word.

coco.grid @q(shape = [4])
// CHECK: remark: [Missed] not-applied | Category:coco-split | Remark="expects coco.all_reduce targets, got func.func"
// IR-LABEL: func.func @wrong_target
// IR-NEXT: coco.all_reduce sum
func.func @wrong_target(%g: !coco.dtensor<8xf32, local on @q>) -> !coco.dtensor<8xf32, replicated on @q> {
  %0 = coco.all_reduce sum %g : !coco.dtensor<8xf32, local on @q>
  return %0 : !coco.dtensor<8xf32, replicated on @q>
}
module attributes {transform.with_named_sequence} {
  transform.named_sequence @__transform_main(%root: !transform.any_op {transform.readonly}) {
    transform.sequence %root : !transform.any_op failures(suppress) {
    ^bb0(%r: !transform.any_op):
      %f = transform.structured.match ops{["func.func"]} in %r : (!transform.any_op) -> !transform.any_op
      %a = transform.coco.split %f : (!transform.any_op) -> !transform.any_op
    }
    transform.yield
  }
}

// -----

coco.grid @dp(shape = [4])
!R = !coco.dtensor<16xf32, replicated on @dp>
// CHECK: remark: [Missed] not-applied | Category:coco-shard-state | Remark="no targeted function has an argument with coco.name = "bb""
func.func @typo(%w: !R {coco.name = "w"}, %b: !R {coco.name = "b"}) {
  return
}
module attributes {transform.with_named_sequence} {
  transform.named_sequence @__transform_main(%root: !transform.any_op {transform.readonly}) {
    transform.sequence %root : !transform.any_op failures(suppress) {
    ^bb0(%r: !transform.any_op):
      %f = transform.structured.match ops{["func.func"]} in %r : (!transform.any_op) -> !transform.any_op
      %s = transform.coco.shard_state %f {args = ["bb"]} : (!transform.any_op) -> !transform.any_op
    }
    transform.yield
  }
}

// -----

// reorder on a loop: refused (its body reads %p from outside, which the
// reorder would have rewritten outside the loop, where a failure did not
// put it back), and the payload is as it was.
coco.grid @dp(shape = [2])
!R = !coco.dtensor<8xf32, replicated on @dp>
!S = !coco.dtensor<8xf32, sliced<0> on @dp>
!L = !coco.dtensor<8xf32, local on @dp>
// CHECK: remark: [Missed] not-applied | Category:coco-reorder | Remark="expects targets isolated from above with one region of one block (functions), got scf.for"
// IR-LABEL: func.func @loop
// IR: %[[P:.*]] = coco.mul %arg0, %arg0
// IR: scf.for
// IR-NEXT: coco.slice %[[P]] dim 0
// IR-NEXT: coco.all_gather %arg1
func.func @loop(%r: !R, %s: !S, %l: !L, %n: index) -> !S {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %p = coco.mul %r, %r : !R, !R
  %out = scf.for %i = %c0 to %n step %c1 iter_args(%acc = %s) -> !S {
    %q = coco.slice %p dim 0 : !R
    %g = coco.all_gather %s : !S
    %bad = coco.add %g, %l : !R, !L
    %z = coco.add %q, %acc : !S, !S
    scf.yield %z : !S
  }
  return %out : !S
}
module attributes {transform.with_named_sequence} {
  transform.named_sequence @__transform_main(%root: !transform.any_op {transform.readonly}) {
    transform.sequence %root : !transform.any_op failures(suppress) {
    ^bb0(%r: !transform.any_op):
      %loop = transform.structured.match ops{["scf.for"]} in %r : (!transform.any_op) -> !transform.any_op
      %l2 = transform.coco.reorder %loop : (!transform.any_op) -> !transform.any_op
    }
    transform.yield
  }
}

// -----

// reorder with an axes filter no all_gather of a target runs along: a
// warning there; a target without all_gathers (a helper the script matched
// too) is quiet.
coco.grid @dp(shape = [4])
!L = !coco.dtensor<16xf32, local on @dp>
!R = !coco.dtensor<16xf32, replicated on @dp>
// CHECK: transform-silenced.mlir:[[@LINE+1]]:1: warning: transform.coco.reorder: no all_gather of this target runs along exactly [1]; nothing changed
func.func @other_axes(%w: !R, %g: !L) -> !R {
  %gs = coco.all_reduce sum %g : !L
  %wn = coco.sub %w, %gs : !R, !R
  return %wn : !R
}
// CHECK-NOT: warning: transform.coco.reorder
func.func @helper(%w: !R) -> !R {
  return %w : !R
}
module attributes {transform.with_named_sequence} {
  transform.named_sequence @__transform_main(%root: !transform.any_op {transform.readonly}) {
    %ar = transform.structured.match ops{["coco.all_reduce"]} in %root : (!transform.any_op) -> !transform.any_op
    %ag = transform.coco.split %ar into rs_ag {dim = 0} : (!transform.any_op) -> !transform.any_op
    %f = transform.structured.match ops{["func.func"]} in %root : (!transform.any_op) -> !transform.any_op
    %f2 = transform.coco.reorder %f {axes = array<i64: 1>} : (!transform.any_op) -> !transform.any_op
    transform.yield
  }
}

// -----

// A reorder that fails part way puts the function back: the mul it had
// moved onto the slices is whole again, and its applied remark ("now runs
// on the slices") is dropped with the change (it was reported).
coco.grid @dp(shape = [4])
!S = !coco.dtensor<8xf32, sliced<0> on @dp>
!R = !coco.dtensor<8xf32, replicated on @dp>
!L = !coco.dtensor<8xf32, local on @dp>
// CHECK-NOT: Category:coco-reorder | Remark="{{.*}}now runs on the slices
// CHECK: remark: [Missed] not-applied | Category:coco-reorder | Remark="'coco.add' op cannot be reordered before the all_gather
// CHECK-NOT: Category:coco-reorder | Remark="{{.*}}now runs on the slices
// IR-LABEL: func.func @rolled_back(
// IR: coco.all_gather
// IR: coco.mul %{{.*}} : !coco.dtensor<8xf32, replicated on @dp>, f32
func.func @rolled_back(%s: !S, %l: !L, %c: f32) -> (!R, !L) {
  %g = coco.all_gather %s : !S
  %m = coco.mul %g, %c : !R, f32
  %a = coco.add %g, %l : !R, !L
  return %m, %a : !R, !L
}
module attributes {transform.with_named_sequence} {
  transform.named_sequence @__transform_main(%root: !transform.any_op {transform.readonly}) {
    transform.sequence %root : !transform.any_op failures(suppress) {
    ^bb0(%r: !transform.any_op):
      %f = transform.structured.match ops{["func.func"]} in %r : (!transform.any_op) -> !transform.any_op
      %f2 = transform.coco.reorder %f : (!transform.any_op) -> !transform.any_op
    }
    transform.yield
  }
}
