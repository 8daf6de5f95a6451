// RUN: coco-opt %s --transform-interpreter --remarks-filter='coco-.*' -o /dev/null 2>&1 | FileCheck %s

// The transform ops report their decisions with the same remarks as the
// passes (they share the rewrites).

coco.grid @dp(shape = [?])
!L = !coco.dtensor<16xf32, local on @dp>
!R = !coco.dtensor<16xf32, replicated on @dp>

func.func @sgd(%w: !R {coco.name = "w"}, %g: !L, %b: !R {coco.name = "b"}, %lr: f32, %mu: f32) {
  // CHECK: transform-remarks.mlir:[[@LINE+1]]:9: remark: [Passed] applied | Category:coco-split | Function=sgd | Remark="all_reduce sum became reduce_scatter along dimension 0 + all_gather"
  %gs = coco.all_reduce sum %g : !L
  %bm = coco.mul %b, %mu : !R, f32
  // CHECK: transform-remarks.mlir:[[@LINE+1]]:9: remark: [Passed] applied | Category:coco-reorder | Function=sgd | Remark="coco.add now runs on the slices, before the all_gather along [0] (its result gathered instead)"
  %bn = coco.add %bm, %gs : !R, !R
  %d = coco.mul %bn, %lr : !R, f32
  %wn = coco.sub %w, %d : !R, !R
  coco.update %w, %wn : !R
  coco.update %b, %bn : !R
  return
}
// CHECK: transform-remarks.mlir:10:1: remark: [Passed] applied | Category:coco-shard-state | Function=sgd | Remark="argument 'b' becomes !coco.dtensor<16xf32, sliced<0> on @dp>: each rank keeps only its block across steps (no all_gather of it)"

module attributes {transform.with_named_sequence} {
  transform.named_sequence @__transform_main(%root: !transform.any_op {transform.readonly}) {
    %ar = transform.structured.match ops{["coco.all_reduce"]} in %root : (!transform.any_op) -> !transform.any_op
    %ag = transform.coco.split %ar into rs_ag {dim = 0} : (!transform.any_op) -> !transform.any_op
    %f = transform.structured.match ops{["func.func"]} in %root : (!transform.any_op) -> !transform.any_op
    %f2 = transform.coco.reorder %f : (!transform.any_op) -> !transform.any_op
    %f3 = transform.coco.shard_state %f2 {args = ["b"]} : (!transform.any_op) -> !transform.any_op
    transform.yield
  }
}
