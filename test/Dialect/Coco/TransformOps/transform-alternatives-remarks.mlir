// RUN: coco-opt %s --transform-interpreter --split-input-file --remarks-filter='coco-.*' -o %t.mlir 2>&1 | FileCheck %s
// RUN: FileCheck %s --check-prefix=IR < %t.mlir
// RUN: not grep -q __coco_branch_remarks %t.mlir

// transform.alternatives applies a branch to a detached copy of its scope,
// erases the copy when a later transform of the branch fails, and puts it in
// the payload when the branch succeeds. A schedule's applied remark made in
// a branch that failed claimed a schedule the IR does not have: held until
// the interpreter is done, such a remark goes out only if its copy made it
// into the payload (then at the end of the run). Not-applied remarks go out
// as they come: they say why a branch lost. No mark is left in the IR.

// Branch 1 splits the gradient's all_reduce into rs_ag, then fails on the
// scalar loss (rank 0: nothing to scatter); branch 2 splits both into
// reduce + broadcast. The rs_ag split of branch 1 is not reported.
// CHECK-NOT: reduce_scatter along dimension 0
// CHECK: :[[@LINE+15]]:10: remark: [Missed] not-applied | Category:coco-split | Remark="'coco.all_reduce' op cannot be split along dimension 0 of a rank-0 tensor"
// CHECK-NOT: reduce_scatter along dimension 0
// CHECK: :[[@LINE+12]]:10: remark: [Passed] applied | Category:coco-split | Function=step | Remark="all_reduce sum became reduce_to_root 0 + broadcast"
// CHECK-NOT: reduce_scatter along dimension 0
// CHECK: :[[@LINE+11]]:10: remark: [Passed] applied | Category:coco-split | Function=step | Remark="all_reduce sum became reduce_to_root 0 + broadcast"
// CHECK-NOT: reduce_scatter along dimension 0
// IR-LABEL: func.func @step
// IR-NOT: coco.reduce_scatter
// IR-COUNT-2: coco.broadcast
!G = !coco.dtensor<8xf32, local on @dp>
!L = !coco.dtensor<f32, local on @dp>
module @payload attributes {transform.target_tag = "payload"} {
  coco.grid @dp(shape = [4])
  func.func @step(%g: !G, %loss: !L) -> (!coco.dtensor<8xf32, replicated on @dp>, !coco.dtensor<f32, replicated on @dp>) {
    %0 = coco.all_reduce sum %g : !G
    %1 = coco.all_reduce sum %loss : !L
    return %0, %1 : !coco.dtensor<8xf32, replicated on @dp>, !coco.dtensor<f32, replicated on @dp>
  }
}

module attributes {transform.with_named_sequence} {
  transform.named_sequence @__transform_main(%root: !transform.any_op {transform.readonly}) {
    %f = transform.structured.match attributes {transform.target_tag = "payload"} in %root : (!transform.any_op) -> !transform.any_op
    transform.alternatives %f : !transform.any_op {
    ^bb0(%scope: !transform.any_op):
      %ar = transform.structured.match ops{["coco.all_reduce"]} in %scope : (!transform.any_op) -> !transform.any_op
      %vec, %scalar = transform.split_handle %ar : (!transform.any_op) -> (!transform.any_op, !transform.any_op)
      %ag = transform.coco.split %vec into rs_ag : (!transform.any_op) -> !transform.any_op
      %ag2 = transform.coco.split %scalar into rs_ag : (!transform.any_op) -> !transform.any_op
    }, {
    ^bb0(%scope: !transform.any_op):
      %ar = transform.structured.match ops{["coco.all_reduce"]} in %scope : (!transform.any_op) -> !transform.any_op
      %bc = transform.coco.split %ar into reduce_bcast : (!transform.any_op) -> !transform.any_op
    }
    transform.yield
  }
}

// -----

// A branch inside a branch: the inner alternatives applies rs_ag to the
// gradient (on a copy of the outer copy, put into it), then the outer
// branch fails on the loss and is erased with it: not reported. The outer
// fallback splits the gradient along dimension 0 with dim = 0 given, the
// loss untouched.
// CHECK-NOT: reduce_scatter along dimension 0
// CHECK: :[[@LINE+10]]:10: remark: [Missed] not-applied | Category:coco-split | Remark="'coco.all_reduce' op cannot be split along dimension 0 of a rank-0 tensor"
// CHECK-NOT: reduce_scatter along dimension 0
// CHECK: :[[@LINE+7]]:10: remark: [Passed] applied | Category:coco-split | Function=nested | Remark="all_reduce sum became reduce_to_root 0 + broadcast"
// CHECK-NOT: reduce_scatter along dimension 0
!G = !coco.dtensor<8xf32, local on @dp>
!L = !coco.dtensor<f32, local on @dp>
module @payload attributes {transform.target_tag = "payload"} {
  coco.grid @dp(shape = [4])
  func.func @nested(%g: !G, %loss: !L) -> (!coco.dtensor<8xf32, replicated on @dp>, !coco.dtensor<f32, replicated on @dp>) {
    %0 = coco.all_reduce sum %g : !G
    %1 = coco.all_reduce sum %loss : !L
    return %0, %1 : !coco.dtensor<8xf32, replicated on @dp>, !coco.dtensor<f32, replicated on @dp>
  }
}

module attributes {transform.with_named_sequence} {
  transform.named_sequence @__transform_main(%root: !transform.any_op {transform.readonly}) {
    %f = transform.structured.match attributes {transform.target_tag = "payload"} in %root : (!transform.any_op) -> !transform.any_op
    transform.alternatives %f : !transform.any_op {
    ^bb0(%scope: !transform.any_op):
      %fn = transform.structured.match ops{["func.func"]} in %scope : (!transform.any_op) -> !transform.any_op
      transform.alternatives %fn : !transform.any_op {
      ^bb0(%inner: !transform.any_op):
        %ar = transform.structured.match ops{["coco.all_reduce"]} in %inner : (!transform.any_op) -> !transform.any_op
        %vec, %scalar = transform.split_handle %ar : (!transform.any_op) -> (!transform.any_op, !transform.any_op)
        %ag = transform.coco.split %vec into rs_ag : (!transform.any_op) -> !transform.any_op
      }
      %ar = transform.structured.match ops{["coco.all_reduce"]} in %scope : (!transform.any_op) -> !transform.any_op
      %ag2 = transform.coco.split %ar into rs_ag : (!transform.any_op) -> !transform.any_op
    }, {
    ^bb0(%scope: !transform.any_op):
      %ar = transform.structured.match ops{["coco.all_reduce"]} in %scope : (!transform.any_op) -> !transform.any_op
      %vec, %scalar = transform.split_handle %ar : (!transform.any_op) -> (!transform.any_op, !transform.any_op)
      %bc = transform.coco.split %vec into reduce_bcast : (!transform.any_op) -> !transform.any_op
    }
    transform.yield
  }
}

// -----

// A branch that succeeds keeps its remarks, the inner one's too, reorder's
// (held by reorder until it stays) among them: they go out when the run
// ends, after the not-applied remark of the failed first branch.
// CHECK: :[[@LINE+10]]:10: remark: [Missed] not-applied | Category:coco-hierarchical-all-reduce
// CHECK: :[[@LINE+9]]:10: remark: [Passed] applied | Category:coco-split | Function=kept | Remark="all_reduce sum became reduce_scatter along dimension 0 + all_gather"
// CHECK: remark: [Passed] applied | Category:coco-reorder | Function=kept
// IR-LABEL: func.func @kept
// IR: coco.reduce_scatter
// IR: coco.all_gather
!G = !coco.dtensor<8xf32, local on @dp>
module @payload attributes {transform.target_tag = "payload"} {
  coco.grid @dp(shape = [4])
  func.func @kept(%w: !coco.dtensor<8xf32, replicated on @dp>, %g: !G) -> !coco.dtensor<8xf32, replicated on @dp> {
    %s = coco.all_reduce sum %g : !G
    %n = coco.sub %w, %s : !coco.dtensor<8xf32, replicated on @dp>, !coco.dtensor<8xf32, replicated on @dp>
    return %n : !coco.dtensor<8xf32, replicated on @dp>
  }
}

module attributes {transform.with_named_sequence} {
  transform.named_sequence @__transform_main(%root: !transform.any_op {transform.readonly}) {
    %f = transform.structured.match attributes {transform.target_tag = "payload"} in %root : (!transform.any_op) -> !transform.any_op
    transform.alternatives %f : !transform.any_op {
    ^bb0(%scope: !transform.any_op):
      %ar = transform.structured.match ops{["coco.all_reduce"]} in %scope : (!transform.any_op) -> !transform.any_op
      %h = transform.coco.hierarchical_all_reduce %ar {inner = array<i64: 0>} : (!transform.any_op) -> !transform.any_op
    }, {
    ^bb0(%scope: !transform.any_op):
      %fn = transform.structured.match ops{["func.func"]} in %scope : (!transform.any_op) -> !transform.any_op
      transform.alternatives %fn : !transform.any_op {
      ^bb0(%inner: !transform.any_op):
        %ar = transform.structured.match ops{["coco.all_reduce"]} in %inner : (!transform.any_op) -> !transform.any_op
        %ag = transform.coco.split %ar into rs_ag : (!transform.any_op) -> !transform.any_op
      }
      %fn2 = transform.structured.match ops{["func.func"]} in %scope : (!transform.any_op) -> !transform.any_op
      %r = transform.coco.reorder %fn2 : (!transform.any_op) -> !transform.any_op
    }
    transform.yield
  }
}

// -----

// Two alternatives on one scope: A keeps its reduce_bcast split of the loss
// (its copy, marked, is now the payload); B copies that scope, marks and
// all, splits the gradient into rs_ag and fails. Its copy gets a mark of
// its own, so its remark goes with it (it was reported under A's mark,
// which the payload still carried). A transform after them (canonicalize
// on the module) runs: the mark is an attribute coco's verifier knows
// (an unprefixed name failed the module's verifier).
// CHECK: :[[@LINE+10]]:10: remark: [Passed] applied | Category:coco-split | Function=twice | Remark="all_reduce sum became reduce_to_root 0 + broadcast"
// CHECK-NOT: Function=twice | Remark="all_reduce sum became reduce_scatter
// IR-LABEL: func.func @twice
// IR-NOT: coco.reduce_scatter
!G = !coco.dtensor<8xf32, local on @dp>
!L = !coco.dtensor<f32, local on @dp>
module @payload attributes {transform.target_tag = "payload"} {
  coco.grid @dp(shape = [4])
  func.func @twice(%g: !G, %loss: !L) -> (!coco.dtensor<8xf32, replicated on @dp>, !coco.dtensor<f32, replicated on @dp>) {
    %0 = coco.all_reduce sum %g : !G
    %1 = coco.all_reduce sum %loss : !L
    return %0, %1 : !coco.dtensor<8xf32, replicated on @dp>, !coco.dtensor<f32, replicated on @dp>
  }
}

module attributes {transform.with_named_sequence} {
  transform.named_sequence @__transform_main(%root: !transform.any_op {transform.readonly}) {
    %f = transform.structured.match attributes {transform.target_tag = "payload"} in %root : (!transform.any_op) -> !transform.any_op
    transform.alternatives %f : !transform.any_op {
    ^bb0(%scope: !transform.any_op):
      %ar = transform.structured.match ops{["coco.all_reduce"]} in %scope : (!transform.any_op) -> !transform.any_op
      %vec, %scalar = transform.split_handle %ar : (!transform.any_op) -> (!transform.any_op, !transform.any_op)
      %bc = transform.coco.split %scalar into reduce_bcast : (!transform.any_op) -> !transform.any_op
    }
    %f2 = transform.structured.match attributes {transform.target_tag = "payload"} in %root : (!transform.any_op) -> !transform.any_op
    transform.alternatives %f2 : !transform.any_op {
    ^bb0(%scope: !transform.any_op):
      %ar = transform.structured.match ops{["coco.all_reduce"]} in %scope : (!transform.any_op) -> !transform.any_op
      %ag = transform.coco.split %ar into rs_ag : (!transform.any_op) -> !transform.any_op
      transform.match.operation_name %scope ["func.func"] : !transform.any_op
    }, {
    ^bb0(%scope: !transform.any_op):
    }
    %f3 = transform.structured.match attributes {transform.target_tag = "payload"} in %root : (!transform.any_op) -> !transform.any_op
    %c = transform.apply_registered_pass "canonicalize" to %f3 : (!transform.any_op) -> !transform.any_op
    transform.yield
  }
}
