// RUN: coco-opt %s "--transform-interpreter=debug-payload-root-tag=payload" --remarks-filter='coco-.*' -o %t.mlir 2>&1 | FileCheck %s
// RUN: not grep -q coco.branch_remarks %t.mlir

// With a payload root inside the file's module (debug-payload-root-tag),
// a schedule's applied remark is about an op inside the payload: reported
// (it was taken for one about a transform.alternatives copy, held and
// dropped, and its mark left on the outer module).
// CHECK: :[[@LINE+6]]:12: remark: [Passed] applied | Category:coco-split | Function=step | Remark="all_reduce sum became reduce_scatter along dimension 0 + all_gather"
!G = !coco.dtensor<8xf32, local on @dp>
module {
  module @payload attributes {transform.target_tag = "payload"} {
    coco.grid @dp(shape = [4])
    func.func @step(%g: !G) -> !coco.dtensor<8xf32, replicated on @dp> {
      %0 = coco.all_reduce sum %g : !G
      return %0 : !coco.dtensor<8xf32, replicated on @dp>
    }
  }
  module attributes {transform.with_named_sequence} {
    transform.named_sequence @__transform_main(%root: !transform.any_op {transform.readonly}) {
      %ar = transform.structured.match ops{["coco.all_reduce"]} in %root : (!transform.any_op) -> !transform.any_op
      %ag = transform.coco.split %ar into rs_ag : (!transform.any_op) -> !transform.any_op
      transform.yield
    }
  }
}
