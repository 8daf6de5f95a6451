// A transform script asks for the cost model's choice with upstream's
// transform.apply_registered_pass "coco-autoschedule" (the pass with its
// options; no op of coco's own is needed): the same choice and the same
// ranking remark as the pass, and the script goes on from there. The Python
// front end writes this script for schedule("auto")
// (Program.transform_script).
// (The profile's path is filled in here: lit substitutes only RUN lines.)
// RUN: sed 's|@PROFILE@|%S/../Transforms/Inputs/memory-bound.json|' %s > %t.mlir
// RUN: coco-opt %t.mlir --transform-interpreter --remarks-filter=coco-autoschedule 2>&1 | FileCheck %s

// CHECK: remark: [Passed] applied | Category:coco-autoschedule | Function=step | Remark="chose fuse(RS-C-AG)+shard-state(m): predicted {{[0-9.]+}} ms per step with memory-bound (test)
// The script's next step ran on the scheduled module: the marker it set.
// CHECK-LABEL: func.func @step(%arg0
// CHECK-SAME: !coco.dtensor<4096xf32, sliced<0> on @dp> {coco.name = "m"}
// CHECK-SAME: attributes {after_autoschedule}
// CHECK: coco.reduce_scatter sum %{{.*}} {coco.fuse_reduce_scatter}
// CHECK-NOT: coco.all_reduce

!Rep = !coco.dtensor<4096xf32, replicated on @dp>
!Loc = !coco.dtensor<4096xf32, local on @dp>
module @payload attributes {transform.target_tag = "payload"} {
coco.grid @dp(shape = [2])

func.func @step(%w: !Rep {coco.name = "w"}, %g: !Loc {coco.name = "g"},
                %m: !Rep {coco.name = "m"}, %lr: f32 {coco.name = "lr"}) {
  %gs = coco.all_reduce sum %g : !Loc
  %mn = coco.add %m, %gs : !Rep, !Rep
  %d = coco.mul %mn, %lr : !Rep, f32
  %wn = coco.sub %w, %d : !Rep, !Rep
  coco.update %w, %wn : !Rep
  coco.update %m, %mn : !Rep
  return
}
}

module attributes {transform.with_named_sequence} {
  transform.named_sequence @__transform_main(%root: !transform.any_op {transform.readonly}) {
    %payload = transform.structured.match attributes {transform.target_tag = "payload"} in %root : (!transform.any_op) -> !transform.any_op
    %scheduled = transform.apply_registered_pass "coco-autoschedule"
        with options = { "profile" = "@PROFILE@", "state" = "m" }
        to %payload : (!transform.any_op) -> !transform.any_op
    %f = transform.structured.match ops{["func.func"]} in %scheduled : (!transform.any_op) -> !transform.any_op
    transform.annotate %f "after_autoschedule" : !transform.any_op
    transform.yield
  }
}
