// overlap(MM, RS-C-AG) as a schedule (used by check_layer.py): split the
// all_reduce along H, move bias/dropout/residual onto the slices, and overlap
// the matmul with its reduce_scatter in 2 row blocks.
module attributes {transform.with_named_sequence} {
  transform.named_sequence @__transform_main(%root: !transform.any_op {transform.readonly}) {
    %ar = transform.structured.match ops{["coco.all_reduce"]} in %root : (!transform.any_op) -> !transform.any_op
    %ag = transform.coco.split %ar {dim = 2} : (!transform.any_op) -> !transform.any_op
    %f = transform.structured.match ops{["func.func"]} in %root : (!transform.any_op) -> !transform.any_op
    %f2 = transform.coco.reorder %f : (!transform.any_op) -> !transform.any_op
    %rs = transform.structured.match ops{["coco.reduce_scatter"]} in %root : (!transform.any_op) -> !transform.any_op
    %rs2 = transform.coco.overlap %rs {chunks = 2} : (!transform.any_op) -> !transform.any_op
    transform.yield
  }
}
