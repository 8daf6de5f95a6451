// RUN: coco-opt %s --transform-interpreter --split-input-file -verify-diagnostics | FileCheck %s

// What a transform script's targets and handles may hold, found by a hunt
// (helper-72): each case crashed, changed the wrong thing, or did nothing
// without a word.

// fuse_elementwise on a loop (not a function): the fusion merged the target
// itself away while the handle held it (segfault).
#map = affine_map<(d0) -> (d0)>
func.func @loops(%a: tensor<8xf32>, %b: tensor<8xf32>) -> tensor<8xf32> {
  %e = tensor.empty() : tensor<8xf32>
  %0 = linalg.generic {indexing_maps = [#map, #map, #map], iterator_types = ["parallel"]} ins(%a, %b : tensor<8xf32>, tensor<8xf32>) outs(%e : tensor<8xf32>) {
  ^bb0(%x: f32, %y: f32, %o: f32):
    %s = arith.addf %x, %y : f32
    linalg.yield %s : f32
  } -> tensor<8xf32>
  %1 = linalg.generic {indexing_maps = [#map, #map], iterator_types = ["parallel"]} ins(%0 : tensor<8xf32>) outs(%e : tensor<8xf32>) {
  ^bb0(%x: f32, %o: f32):
    %s = arith.mulf %x, %x : f32
    linalg.yield %s : f32
  } -> tensor<8xf32>
  return %1 : tensor<8xf32>
}
module attributes {transform.with_named_sequence} {
  transform.named_sequence @__transform_main(%root: !transform.any_op {transform.readonly}) {
    %g = transform.structured.match ops{["linalg.generic"]} in %root : (!transform.any_op) -> !transform.any_op
    %g0, %g1 = transform.split_handle %g : (!transform.any_op) -> (!transform.any_op, !transform.any_op)
    // expected-error @+1 {{expects targets isolated from above whose loops it fuses (functions, modules), got linalg.generic}}
    %x = transform.coco.fuse_elementwise %g1 : (!transform.any_op) -> !transform.any_op
    transform.yield
  }
}

// -----

// reorder on a function and its module: the module's failure put its body
// back, freeing the function the results held (use after free).
module @payload attributes {transform.target_tag = "payload"} {
  coco.grid @dp(shape = [4])
  func.func @good(%s: !coco.dtensor<8xf32, sliced<0> on @dp>, %c: f32) -> !coco.dtensor<8xf32, replicated on @dp> {
    %g = coco.all_gather %s : !coco.dtensor<8xf32, sliced<0> on @dp>
    %m = coco.mul %g, %c : !coco.dtensor<8xf32, replicated on @dp>, f32
    return %m : !coco.dtensor<8xf32, replicated on @dp>
  }
}
module attributes {transform.with_named_sequence} {
  transform.named_sequence @__transform_main(%root: !transform.any_op {transform.readonly}) {
    %p = transform.structured.match attributes {transform.target_tag = "payload"} in %root : (!transform.any_op) -> !transform.any_op
    %f = transform.structured.match ops{["func.func"]} in %root : (!transform.any_op) -> !transform.any_op
    %both = transform.merge_handles %f, %p : !transform.any_op
    // expected-error @+1 {{expects targets that do not nest: the handle holds a builtin.module and a func.func inside it}}
    %x = transform.coco.reorder %both : (!transform.any_op) -> !transform.any_op
    transform.yield
  }
}

// -----

// reorder on a declaration beside the step: nothing to reorder (it was
// refused as "expects ... (functions), got func.func").
// CHECK-LABEL: func.func private @extern
// CHECK-LABEL: func.func @step
// CHECK: coco.mul %{{.*}} : !coco.dtensor<8xf32, sliced<0> on @dp>, f32
// CHECK: coco.all_gather
coco.grid @dp(shape = [4])
func.func private @extern(!coco.dtensor<8xf32, replicated on @dp>)
func.func @step(%s: !coco.dtensor<8xf32, sliced<0> on @dp>, %c: f32) -> !coco.dtensor<8xf32, replicated on @dp> {
  %g = coco.all_gather %s : !coco.dtensor<8xf32, sliced<0> on @dp>
  %m = coco.mul %g, %c : !coco.dtensor<8xf32, replicated on @dp>, f32
  return %m : !coco.dtensor<8xf32, replicated on @dp>
}
module attributes {transform.with_named_sequence} {
  transform.named_sequence @__transform_main(%root: !transform.any_op {transform.readonly}) {
    %f = transform.structured.match ops{["func.func"]} in %root : (!transform.any_op) -> !transform.any_op
    %x = transform.coco.reorder %f : (!transform.any_op) -> !transform.any_op
    transform.yield
  }
}

// -----

// shard_state on a declaration that names the state: segfault (its
// arguments were read from a body it has not). Declarations are passed
// over, as coco-shard-state passes them: here no target has the name.
coco.grid @dp(shape = [4])
func.func private @decl(!coco.dtensor<16xf32, replicated on @dp> {coco.name = "m"})
module attributes {transform.with_named_sequence} {
  transform.named_sequence @__transform_main(%root: !transform.any_op {transform.readonly}) {
    %f = transform.structured.match ops{["func.func"]} in %root : (!transform.any_op) -> !transform.any_op
    // expected-error @+1 {{no targeted function has an argument with coco.name = "m"}}
    %x = transform.coco.shard_state %f {args = ["m"]} : (!transform.any_op) -> !transform.any_op
    transform.yield
  }
}

// -----

// shard_state over a step and a helper without the state (as the shipped
// schedules match every func.func): the helper is left alone, as the pass
// leaves it (it failed: "@helper has no argument with coco.name"); two
// arguments of one name are both sharded, as the pass shards them (only
// the last was).
// CHECK-LABEL: func.func @helper(%{{.*}}: !coco.dtensor<16xf32, replicated on @dp>)
// CHECK-LABEL: func.func @twice(
// CHECK-SAME: !coco.dtensor<16xf32, sliced<0> on @dp> {coco.name = "m"}
// CHECK-SAME: !coco.dtensor<16xf32, local on @dp> {coco.name = "g"}
// CHECK-SAME: !coco.dtensor<16xf32, sliced<0> on @dp> {coco.name = "m"}
coco.grid @dp(shape = [4])
!L = !coco.dtensor<16xf32, local on @dp>
!R = !coco.dtensor<16xf32, replicated on @dp>
func.func @helper(%x: !R) -> !R {
  return %x : !R
}
func.func @twice(%w: !R {coco.name = "m"}, %g: !L {coco.name = "g"}, %b: !R {coco.name = "m"}, %lr: f32, %mu: f32) {
  %gs = coco.all_reduce sum %g : !L
  %bm = coco.mul %b, %mu : !R, f32
  %bn = coco.add %bm, %gs : !R, !R
  %d = coco.mul %bn, %lr : !R, f32
  %wn = coco.sub %w, %d : !R, !R
  coco.update %w, %wn : !R
  coco.update %b, %bn : !R
  return
}
module attributes {transform.with_named_sequence} {
  transform.named_sequence @__transform_main(%root: !transform.any_op {transform.readonly}) {
    %ar = transform.structured.match ops{["coco.all_reduce"]} in %root : (!transform.any_op) -> !transform.any_op
    %ag = transform.coco.split %ar : (!transform.any_op) -> !transform.any_op
    %f = transform.structured.match ops{["func.func"]} in %root : (!transform.any_op) -> !transform.any_op
    %f2 = transform.coco.reorder %f : (!transform.any_op) -> !transform.any_op
    %f3 = transform.coco.shard_state %f2 {args = ["m"]} : (!transform.any_op) -> !transform.any_op
    transform.yield
  }
}

// -----

// A name no target has is still an error, at the op naming it.
coco.grid @dp(shape = [4])
func.func @helper(%x: !coco.dtensor<16xf32, replicated on @dp> {coco.name = "w"}) {
  return
}
module attributes {transform.with_named_sequence} {
  transform.named_sequence @__transform_main(%root: !transform.any_op {transform.readonly}) {
    %f = transform.structured.match ops{["func.func"]} in %root : (!transform.any_op) -> !transform.any_op
    // expected-error @+1 {{no targeted function has an argument with coco.name = "m"}}
    %x = transform.coco.shard_state %f {args = ["m"]} : (!transform.any_op) -> !transform.any_op
    transform.yield
  }
}

// -----

// A handle to an all_reduce that pipeline_send replaced, used by a later
// schedule: the handle went empty and the overlap did nothing, silently.
coco.grid @pp(shape = [2, 2])
!P = !coco.dtensor<4x6xf32, local on @pp[1]>
!R = !coco.dtensor<4x6xf32, replicated on @pp[1]>
func.func @sender(%p: !P, %peer: index) {
  // expected-note @+2 {{replaced op}}
  // expected-note @+1 {{replacement value 0}}
  %y = coco.all_reduce sum %p : !P
  coco.send %y to %peer along 0 : !R
  return
}
func.func @receiver(%peer: index) -> !R {
  %x = coco.recv from %peer along 0 : !R
  return %x : !R
}
module attributes {transform.with_named_sequence} {
  transform.named_sequence @__transform_main(%root: !transform.any_op {transform.readonly}) {
    // expected-note @+1 {{replacement is required because this handle must be updated}}
    %ar = transform.structured.match ops{["coco.all_reduce"]} in %root : (!transform.any_op) -> !transform.any_op
    %s = transform.structured.match ops{["coco.send"]} in %root : (!transform.any_op) -> !transform.any_op
    // expected-error @+2 {{tracking listener failed to find replacement op during application of this transform op}}
    // expected-note @+1 {{ran out of suitable replacement values}}
    %x = transform.coco.pipeline_send %s {dim = 1} : (!transform.any_op) -> !transform.any_op
    %o = transform.coco.overlap %ar {chunks = 2} : (!transform.any_op) -> !transform.any_op
    transform.yield
  }
}

// -----

// pipeline_send on a send of a value that is already sliced (no collective
// to send in slices): it succeeded without a word.
coco.grid @pp(shape = [2, 2])
!S = !coco.dtensor<4x6xf32, sliced<0> on @pp[1]>
func.func @sender(%x: !S, %peer: index) {
  // expected-warning @+1 {{transform.coco.pipeline_send: it already sends slices (no all_reduce or all_gather result to send in slices); nothing changed}}
  coco.send %x to %peer along 0 : !S
  return
}
module attributes {transform.with_named_sequence} {
  transform.named_sequence @__transform_main(%root: !transform.any_op {transform.readonly}) {
    %s = transform.structured.match ops{["coco.send"]} in %root : (!transform.any_op) -> !transform.any_op
    %x = transform.coco.pipeline_send %s : (!transform.any_op) -> !transform.any_op
    transform.yield
  }
}
