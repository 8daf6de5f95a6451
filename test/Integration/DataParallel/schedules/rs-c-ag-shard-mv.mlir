// CoCoNet's RS-C-AG with sharded optimizer state, as a transform script:
//   coco-opt prog.mlir --transform-preload-library=transform-library-paths=THIS --transform-interpreter
// (the same as --coco-split --coco-reorder --coco-shard-state=args=...).
module attributes {transform.with_named_sequence} {
  transform.named_sequence @__transform_main(%root: !transform.any_op {transform.readonly}) {
    %all_reduce = transform.structured.match ops{["coco.all_reduce"]} in %root : (!transform.any_op) -> !transform.any_op
    %gathers = transform.coco.split %all_reduce into rs_ag {dim = 0} : (!transform.any_op) -> !transform.any_op
    %funcs = transform.structured.match ops{["func.func"]} in %root : (!transform.any_op) -> !transform.any_op
    %reordered = transform.coco.reorder %funcs : (!transform.any_op) -> !transform.any_op
    %sharded = transform.coco.shard_state %reordered {args = ["m", "v"]} : (!transform.any_op) -> !transform.any_op
    transform.yield
  }
}
