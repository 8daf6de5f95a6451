// RUN: coco-opt %s --transform-interpreter --split-input-file -verify-diagnostics | FileCheck %s
// RUN: not coco-opt %s --transform-interpreter --split-input-file --remarks-filter='coco-.*' -o /dev/null 2>&1 | FileCheck %s --check-prefix=REMARK

// A schedule that did not apply still says why, as a not-applied remark of
// its schedule, also when its failure was silenced (an alternative that
// lost, failures(suppress)).
// REMARK: transform-alternatives.mlir:32:10: remark: [Missed] not-applied | Category:coco-split | Remark="'coco.all_reduce' op cannot be split along dimension 0 of a rank-0 tensor"
// REMARK: transform-alternatives.mlir:32:10: remark: [Passed] applied | Category:coco-split | Function=scalar_loss | Remark="all_reduce sum became reduce_to_root 0 + broadcast"
// REMARK: transform-alternatives.mlir:66:10: remark: [Passed] applied | Category:coco-split | Function=vector_grad
// REMARK: transform-alternatives.mlir:103:8: remark: [Missed] not-applied | Category:coco-overlap | Remark="'coco.all_reduce' op cannot be overlapped in 4 chunks: the matmul's 6 row(s) do not divide into them"
// REMARK: transform-alternatives.mlir:103:8: remark: [Passed] applied | Category:coco-split | Function=suppressed_overlap
// REMARK: transform-alternatives.mlir:129:10: remark: [Missed] not-applied | Category:coco-split | Remark="'coco.all_reduce' op cannot be split along dimension 0 of a rank-0 tensor"
// REMARK: transform-alternatives.mlir:129:10: remark: [Missed] not-applied | Category:coco-hierarchical-all-reduce | Remark="'coco.all_reduce' op cannot be made hierarchical: it runs along [0], the inner axes only; there is no outer level"

// A transform.coco op that does not apply fails silenceably and leaves the
// payload as it was, so a script can fall back to another schedule.
// transform.alternatives runs each alternative on a detached clone of its
// scope, so the scope is a module holding the grid with the functions.

// The loss is a scalar: rs-ag has no dimension to scatter, so the first
// alternative fails and the second (reduce + broadcast) applies.
!L = !coco.dtensor<f32, local on @dp>
module @payload attributes {transform.target_tag = "payload"} {
  coco.grid @dp(shape = [4])

  // CHECK-LABEL: func @scalar_loss
  // CHECK-NOT: coco.reduce_scatter
  // CHECK: %[[ROOT:.*]] = coco.reduce_to_root sum %{{.*}} root 0
  // CHECK: coco.broadcast %[[ROOT]] root 0
  // CHECK-NOT: coco.all_reduce sum
  func.func @scalar_loss(%loss: !L) -> !coco.dtensor<f32, replicated on @dp> {
    %0 = coco.all_reduce sum %loss : !L
    return %0 : !coco.dtensor<f32, replicated on @dp>
  }
}

module attributes {transform.with_named_sequence} {
  transform.named_sequence @__transform_main(%root: !transform.any_op {transform.readonly}) {
    %f = transform.structured.match attributes {transform.target_tag = "payload"} in %root : (!transform.any_op) -> !transform.any_op
    transform.alternatives %f : !transform.any_op {
    ^bb0(%scope: !transform.any_op):
      %ar = transform.structured.match ops{["coco.all_reduce"]} in %scope : (!transform.any_op) -> !transform.any_op
      %ag = transform.coco.split %ar into rs_ag : (!transform.any_op) -> !transform.any_op
    }, {
    ^bb0(%scope: !transform.any_op):
      %ar = transform.structured.match ops{["coco.all_reduce"]} in %scope : (!transform.any_op) -> !transform.any_op
      %bc = transform.coco.split %ar into reduce_bcast : (!transform.any_op) -> !transform.any_op
    }
    transform.yield
  }
}

// -----

// The first schedule that applies wins: 8 rows split into 4 blocks, so
// rs-ag applies and the fallback is never tried.
!G = !coco.dtensor<8xf32, local on @dp>
module @payload attributes {transform.target_tag = "payload"} {
  coco.grid @dp(shape = [4])

  // CHECK-LABEL: func @vector_grad
  // CHECK: coco.reduce_scatter sum %{{.*}} dim 0
  // CHECK: coco.all_gather
  // CHECK-NOT: coco.reduce_to_root
  func.func @vector_grad(%g: !G) -> !coco.dtensor<8xf32, replicated on @dp> {
    %0 = coco.all_reduce sum %g : !G
    return %0 : !coco.dtensor<8xf32, replicated on @dp>
  }
}

module attributes {transform.with_named_sequence} {
  transform.named_sequence @__transform_main(%root: !transform.any_op {transform.readonly}) {
    %f = transform.structured.match attributes {transform.target_tag = "payload"} in %root : (!transform.any_op) -> !transform.any_op
    transform.alternatives %f : !transform.any_op {
    ^bb0(%scope: !transform.any_op):
      %ar = transform.structured.match ops{["coco.all_reduce"]} in %scope : (!transform.any_op) -> !transform.any_op
      %ag = transform.coco.split %ar into rs_ag : (!transform.any_op) -> !transform.any_op
    }, {
    ^bb0(%scope: !transform.any_op):
      %ar = transform.structured.match ops{["coco.all_reduce"]} in %scope : (!transform.any_op) -> !transform.any_op
      %bc = transform.coco.split %ar into reduce_bcast : (!transform.any_op) -> !transform.any_op
    }
    transform.yield
  }
}

// -----

// failures(suppress): an overlap that does not apply (6 rows do not divide
// into 4 chunks) is skipped, the payload unchanged, and the rest of the
// script runs: the split after it applies.
coco.grid @tp(shape = [2])
!X = !coco.dtensor<6x4xf32, sliced<1> on @tp>
!W = !coco.dtensor<4x8xf32, sliced<0> on @tp>
!P = !coco.dtensor<6x8xf32, local on @tp>

// CHECK-LABEL: func @suppressed_overlap
// CHECK-NOT: coco.overlap_chunks
// CHECK: coco.reduce_scatter sum %{{.*}} dim 1
// CHECK: coco.all_gather
func.func @suppressed_overlap(%x: !X, %w: !W) -> !coco.dtensor<6x8xf32, replicated on @tp> {
  %p = coco.matmul %x, %w : !X, !W
  %0 = coco.all_reduce sum %p : !P
  return %0 : !coco.dtensor<6x8xf32, replicated on @tp>
}

module attributes {transform.with_named_sequence} {
  transform.named_sequence @__transform_main(%root: !transform.any_op {transform.readonly}) {
    transform.sequence %root : !transform.any_op failures(suppress) {
    ^bb0(%r: !transform.any_op):
      %ar = transform.structured.match ops{["coco.all_reduce"]} in %r : (!transform.any_op) -> !transform.any_op
      %o = transform.coco.overlap %ar {chunks = 4} : (!transform.any_op) -> !transform.any_op
    }
    %ar = transform.structured.match ops{["coco.all_reduce"]} in %root : (!transform.any_op) -> !transform.any_op
    %ag = transform.coco.split %ar into rs_ag {dim = 1} : (!transform.any_op) -> !transform.any_op
    transform.yield
  }
}

// -----

// When no alternative applies, the script fails: alternatives reports it,
// and the payload is unchanged.
!L = !coco.dtensor<f32, local on @dp>
module @payload attributes {transform.target_tag = "payload"} {
  coco.grid @dp(shape = [?])

  func.func @nothing_applies(%loss: !L) -> !coco.dtensor<f32, replicated on @dp> {
    %0 = coco.all_reduce sum %loss : !L
    return %0 : !coco.dtensor<f32, replicated on @dp>
  }
}

module attributes {transform.with_named_sequence} {
  transform.named_sequence @__transform_main(%root: !transform.any_op {transform.readonly}) {
    %f = transform.structured.match attributes {transform.target_tag = "payload"} in %root : (!transform.any_op) -> !transform.any_op
    // expected-error @+1 {{all alternatives failed}}
    transform.alternatives %f : !transform.any_op {
    ^bb0(%scope: !transform.any_op):
      %ar = transform.structured.match ops{["coco.all_reduce"]} in %scope : (!transform.any_op) -> !transform.any_op
      %ag = transform.coco.split %ar into rs_ag : (!transform.any_op) -> !transform.any_op
    }, {
    ^bb0(%scope: !transform.any_op):
      %ar = transform.structured.match ops{["coco.all_reduce"]} in %scope : (!transform.any_op) -> !transform.any_op
      %ag = transform.coco.hierarchical_all_reduce %ar {inner = array<i64: 0>} : (!transform.any_op) -> !transform.any_op
    }
    transform.yield
  }
}
