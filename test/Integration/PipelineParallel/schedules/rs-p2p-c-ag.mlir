// RS-P2P-C-AG as a schedule (used by check_pipeline.py): stage-to-stage sends
// carry reduce_scatter slices, the receiver's pointwise work runs on them.
module attributes {transform.with_named_sequence} {
  transform.named_sequence @__transform_main(%root: !transform.any_op {transform.readonly}) {
    %sends = transform.structured.match ops{["coco.send"]} in %root : (!transform.any_op) -> !transform.any_op
    %s = transform.coco.pipeline_send %sends {dim = 0} : (!transform.any_op) -> !transform.any_op
    %f = transform.structured.match ops{["func.func"]} in %root : (!transform.any_op) -> !transform.any_op
    %f2 = transform.coco.reorder %f : (!transform.any_op) -> !transform.any_op
    transform.yield
  }
}
