// RUN: coco-opt %s --transform-interpreter --split-input-file -verify-diagnostics | FileCheck %s

// The scheduling language: CoCoNet's RS-C-AG with sharded state, as a few
// lines of transform IR.

coco.grid @dp(shape = [?])
!L = !coco.dtensor<16xf32, local on @dp>
!R = !coco.dtensor<16xf32, replicated on @dp>

// CHECK-LABEL: func @sgd
// CHECK-SAME: %[[W:arg[0-9]+]]: !coco.dtensor<16xf32, replicated on @dp> {coco.name = "w"}
// CHECK-SAME: %[[B:arg[0-9]+]]: !coco.dtensor<16xf32, sliced<0> on @dp> {coco.name = "b"}
// CHECK: %[[G:.*]] = coco.reduce_scatter sum %{{.*}} dim 0
// CHECK: %[[BM:.*]] = coco.mul %[[B]], %{{.*}} : !coco.dtensor<16xf32, sliced<0> on @dp>, f32
// CHECK: %[[BN:.*]] = coco.add %[[BM]], %[[G]]
// CHECK: %[[WS:.*]] = coco.slice %[[W]] dim 0
// CHECK: %[[WN:.*]] = coco.sub %[[WS]], %{{.*}}
// CHECK: %[[WG:.*]] = coco.all_gather %[[WN]]
// CHECK: coco.update %[[W]], %[[WG]]
// CHECK: coco.update %[[B]], %[[BN]] : !coco.dtensor<16xf32, sliced<0> on @dp>
// CHECK-NOT: coco.all_reduce sum
func.func @sgd(%w: !R {coco.name = "w"}, %g: !L, %b: !R {coco.name = "b"}, %lr: f32, %mu: f32) {
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
    %ag = transform.coco.split %ar into rs_ag {dim = 0} : (!transform.any_op) -> !transform.any_op
    %f = transform.structured.match ops{["func.func"]} in %root : (!transform.any_op) -> !transform.any_op
    %f2 = transform.coco.reorder %f : (!transform.any_op) -> !transform.any_op
    %f3 = transform.coco.shard_state %f2 {args = ["b"]} : (!transform.any_op) -> !transform.any_op
    transform.yield
  }
}

// -----

// A name given twice shards its argument once, as --coco-shard-state=args=b,b
// does (it once reported an error from the second pass and went on).
coco.grid @dp(shape = [?])
!L = !coco.dtensor<16xf32, local on @dp>
!R = !coco.dtensor<16xf32, replicated on @dp>

// CHECK-LABEL: func @twice
// CHECK-SAME: !coco.dtensor<16xf32, sliced<0> on @dp> {coco.name = "b"}
// CHECK: coco.update %{{.*}}, %{{.*}} : !coco.dtensor<16xf32, sliced<0> on @dp>
func.func @twice(%w: !R {coco.name = "w"}, %g: !L, %b: !R {coco.name = "b"}, %lr: f32, %mu: f32) {
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
    %ag = transform.coco.split %ar into rs_ag {dim = 0} : (!transform.any_op) -> !transform.any_op
    %f = transform.structured.match ops{["func.func"]} in %root : (!transform.any_op) -> !transform.any_op
    %f2 = transform.coco.reorder %f : (!transform.any_op) -> !transform.any_op
    %f3 = transform.coco.shard_state %f2 {args = ["b", "b"]} : (!transform.any_op) -> !transform.any_op
    transform.yield
  }
}

// -----

coco.grid @q(shape = [4])

func.func @bad_split(%g: !coco.dtensor<6xf32, local on @q>) {
  // expected-error @+1 {{cannot be split along dimension 1 of a rank-1 tensor}}
  %0 = coco.all_reduce sum %g : !coco.dtensor<6xf32, local on @q>
  return
}

module attributes {transform.with_named_sequence} {
  transform.named_sequence @__transform_main(%root: !transform.any_op {transform.readonly}) {
    %ar = transform.structured.match ops{["coco.all_reduce"]} in %root : (!transform.any_op) -> !transform.any_op
    %ag = transform.coco.split %ar {dim = 1} : (!transform.any_op) -> !transform.any_op
    transform.yield
  }
}

// -----

coco.grid @dp(shape = [?])

func.func @wrong_target(%g: !coco.dtensor<8xf32, local on @dp>) {
  %0 = coco.all_reduce sum %g : !coco.dtensor<8xf32, local on @dp>
  return
}

module attributes {transform.with_named_sequence} {
  transform.named_sequence @__transform_main(%root: !transform.any_op {transform.readonly}) {
    %f = transform.structured.match ops{["func.func"]} in %root : (!transform.any_op) -> !transform.any_op
    // expected-error @+1 {{expects coco.all_reduce targets, got func.func}}
    %ag = transform.coco.split %f : (!transform.any_op) -> !transform.any_op
    transform.yield
  }
}

// -----

coco.grid @dp(shape = [?])

// A failed reorder leaves the function as it was.
func.func @bad_reorder(%s: !coco.dtensor<8xf32, sliced<0> on @dp>, %l: !coco.dtensor<8xf32, local on @dp>) {
  %g = coco.all_gather %s : !coco.dtensor<8xf32, sliced<0> on @dp>
  // expected-error @+1 {{operand #1 is local on axis 0 of @dp; only operands replicated on the gathered axes, or sliced along the gathered dimension, can be sliced}}
  %0 = coco.add %g, %l : !coco.dtensor<8xf32, replicated on @dp>, !coco.dtensor<8xf32, local on @dp>
  return
}

module attributes {transform.with_named_sequence} {
  transform.named_sequence @__transform_main(%root: !transform.any_op {transform.readonly}) {
    %f = transform.structured.match ops{["func.func"]} in %root : (!transform.any_op) -> !transform.any_op
    %f2 = transform.coco.reorder %f : (!transform.any_op) -> !transform.any_op
    transform.yield
  }
}

// -----

coco.grid @dp(shape = [?])

func.func @rank_local(%g: tensor<8xf32>, %e: tensor<?xf32>) -> tensor<?xf32> {
  // expected-error @+1 {{cannot fold into its consumers: its grid axes must have a static number of ranks}}
  %s = coco.comm.reduce_scatter sum %g into %e dim 0 on @dp[0] : tensor<8xf32>, tensor<?xf32> -> tensor<?xf32>
  return %s : tensor<?xf32>
}

module attributes {transform.with_named_sequence} {
  transform.named_sequence @__transform_main(%root: !transform.any_op {transform.readonly}) {
    %rs = transform.structured.match ops{["coco.comm.reduce_scatter"]} in %root : (!transform.any_op) -> !transform.any_op
    %sum = transform.coco.fuse_reduce_scatter %rs : (!transform.any_op) -> !transform.any_op
    transform.yield
  }
}

// -----

coco.grid @two(shape = [2])

func.func @rank_local_dynamic(%g: tensor<?xf32>, %e: tensor<?xf32>) -> tensor<?xf32> {
  // expected-error @+1 {{cannot fold into its consumers: the input shape must be static}}
  %s = coco.comm.reduce_scatter sum %g into %e dim 0 on @two[0] : tensor<?xf32>, tensor<?xf32> -> tensor<?xf32>
  return %s : tensor<?xf32>
}

module attributes {transform.with_named_sequence} {
  transform.named_sequence @__transform_main(%root: !transform.any_op {transform.readonly}) {
    %rs = transform.structured.match ops{["coco.comm.reduce_scatter"]} in %root : (!transform.any_op) -> !transform.any_op
    %sum = transform.coco.fuse_reduce_scatter %rs : (!transform.any_op) -> !transform.any_op
    transform.yield
  }
}

// -----

// At the global view, fuse_reduce_scatter marks the reduce_scatter; the
// pipeline folds it once localized (whatever its fuse-reduce-scatter option
// says). The op returned is the target, so a script can go on with it.
coco.grid @two(shape = [2])

// CHECK-LABEL: func @mark_global
// CHECK: coco.reduce_scatter sum %arg0 dim 0 {coco.fuse_reduce_scatter, marked_again} : !coco.dtensor<8xf32, local on @two>
func.func @mark_global(%g: !coco.dtensor<8xf32, local on @two>) -> !coco.dtensor<8xf32, sliced<0> on @two> {
  %s = coco.reduce_scatter sum %g dim 0 : !coco.dtensor<8xf32, local on @two>
  return %s : !coco.dtensor<8xf32, sliced<0> on @two>
}

module attributes {transform.with_named_sequence} {
  transform.named_sequence @__transform_main(%root: !transform.any_op {transform.readonly}) {
    %rs = transform.structured.match ops{["coco.reduce_scatter"]} in %root : (!transform.any_op) -> !transform.any_op
    %same = transform.coco.fuse_reduce_scatter %rs : (!transform.any_op) -> !transform.any_op
    transform.annotate %same "marked_again" : !transform.any_op
    transform.yield
  }
}

// -----

// With exchange_whole, the mark that keeps the exchange whole too
// (coco-chunk-exchange leaves it), at the global view on the target ...
coco.grid @two(shape = [2])

// CHECK-LABEL: func @mark_global_whole
// CHECK: coco.reduce_scatter sum %arg0 dim 0 {coco.exchange_whole, coco.fuse_reduce_scatter} : !coco.dtensor<8xf32, local on @two>
func.func @mark_global_whole(%g: !coco.dtensor<8xf32, local on @two>) -> !coco.dtensor<8xf32, sliced<0> on @two> {
  %s = coco.reduce_scatter sum %g dim 0 : !coco.dtensor<8xf32, local on @two>
  return %s : !coco.dtensor<8xf32, sliced<0> on @two>
}

module attributes {transform.with_named_sequence} {
  transform.named_sequence @__transform_main(%root: !transform.any_op {transform.readonly}) {
    %rs = transform.structured.match ops{["coco.reduce_scatter"]} in %root : (!transform.any_op) -> !transform.any_op
    %same = transform.coco.fuse_reduce_scatter %rs {exchange_whole} : (!transform.any_op) -> !transform.any_op
    transform.yield
  }
}

// -----

// ... and on the rank-local view on the exchange the fold makes.
coco.grid @two(shape = [2])

// CHECK-LABEL: func @fold_local_whole
// CHECK-NOT: coco.comm.reduce_scatter
// CHECK: coco.comm.all_to_all %arg0 into %{{.*}} split 0 concat 0 skip_self on @two[0] {coco.exchange_whole}
func.func @fold_local_whole(%g: tensor<8xf32>) -> tensor<4xf32> {
  %e = tensor.empty() : tensor<4xf32>
  %s = coco.comm.reduce_scatter sum %g into %e dim 0 on @two[0] : tensor<8xf32>, tensor<4xf32> -> tensor<4xf32>
  return %s : tensor<4xf32>
}

module attributes {transform.with_named_sequence} {
  transform.named_sequence @__transform_main(%root: !transform.any_op {transform.readonly}) {
    %rs = transform.structured.match ops{["coco.comm.reduce_scatter"]} in %root : (!transform.any_op) -> !transform.any_op
    %sum = transform.coco.fuse_reduce_scatter %rs {exchange_whole} : (!transform.any_op) -> !transform.any_op
    transform.yield
  }
}

// -----

// A rank-local one the fold cannot take keeps no mark (the silenceable
// failure, suppressed here, leaves it as it was).
coco.grid @two(shape = [2])

// CHECK-LABEL: func @fold_local_refused
// CHECK: coco.comm.reduce_scatter sum %arg0 into %arg1 dim 0 on @two[0] : tensor<?xf32>
func.func @fold_local_refused(%g: tensor<?xf32>, %e: tensor<?xf32>) -> tensor<?xf32> {
  %s = coco.comm.reduce_scatter sum %g into %e dim 0 on @two[0] : tensor<?xf32>, tensor<?xf32> -> tensor<?xf32>
  return %s : tensor<?xf32>
}

module attributes {transform.with_named_sequence} {
  transform.named_sequence @__transform_main(%root: !transform.any_op {transform.readonly}) {
    transform.sequence %root : !transform.any_op failures(suppress) {
    ^bb0(%r: !transform.any_op):
      %rs = transform.structured.match ops{["coco.comm.reduce_scatter"]} in %r : (!transform.any_op) -> !transform.any_op
      %sum = transform.coco.fuse_reduce_scatter %rs {exchange_whole} : (!transform.any_op) -> !transform.any_op
    }
    transform.yield
  }
}

// -----

// A global reduce_scatter the fold cannot take is refused at the global
// view, saying why (transform-alternatives.mlir: a silenceable failure).
coco.grid @any(shape = [?])

func.func @mark_dynamic_axis(%g: !coco.dtensor<8xf32, local on @any>) -> !coco.dtensor<8xf32, sliced<0> on @any> {
  // expected-error @+1 {{'coco.reduce_scatter' op cannot fold into its consumers: its grid axes must have a static number of ranks}}
  %s = coco.reduce_scatter sum %g dim 0 : !coco.dtensor<8xf32, local on @any>
  return %s : !coco.dtensor<8xf32, sliced<0> on @any>
}

module attributes {transform.with_named_sequence} {
  transform.named_sequence @__transform_main(%root: !transform.any_op {transform.readonly}) {
    %rs = transform.structured.match ops{["coco.reduce_scatter"]} in %root : (!transform.any_op) -> !transform.any_op
    %same = transform.coco.fuse_reduce_scatter %rs : (!transform.any_op) -> !transform.any_op
    transform.yield
  }
}

// -----

// Uneven blocks (8 rows over 3 ranks) are marked: the fold receives them
// into slots as large as the largest block.
coco.grid @three(shape = [3])

// CHECK-LABEL: func @mark_uneven
// CHECK: coco.reduce_scatter sum %arg0 dim 0 {coco.fuse_reduce_scatter} : !coco.dtensor<8xf32, local on @three>
func.func @mark_uneven(%g: !coco.dtensor<8xf32, local on @three>) -> !coco.dtensor<8xf32, sliced<0> on @three> {
  %s = coco.reduce_scatter sum %g dim 0 : !coco.dtensor<8xf32, local on @three>
  return %s : !coco.dtensor<8xf32, sliced<0> on @three>
}

module attributes {transform.with_named_sequence} {
  transform.named_sequence @__transform_main(%root: !transform.any_op {transform.readonly}) {
    %rs = transform.structured.match ops{["coco.reduce_scatter"]} in %root : (!transform.any_op) -> !transform.any_op
    %same = transform.coco.fuse_reduce_scatter %rs : (!transform.any_op) -> !transform.any_op
    transform.yield
  }
}

// -----

// A dim 0 split unevenly already (7 over axis 1): this rank's part would be
// the exchange's input, of a size that differs between ranks: refused.
coco.grid @g(shape = [2, 2])

func.func @mark_sliced_unevenly(%x: !coco.dtensor<7xf32, [local, sliced<0>] on @g>) {
  // expected-error @+1 {{'coco.reduce_scatter' op cannot fold into its consumers: dimension 0 (size 7) is sliced unevenly already: this rank's part, the exchange's input, would have a dynamic size}}
  %s = coco.reduce_scatter sum %x dim 0 along [0] : !coco.dtensor<7xf32, [local, sliced<0>] on @g>
  return
}

module attributes {transform.with_named_sequence} {
  transform.named_sequence @__transform_main(%root: !transform.any_op {transform.readonly}) {
    %rs = transform.structured.match ops{["coco.reduce_scatter"]} in %root : (!transform.any_op) -> !transform.any_op
    %same = transform.coco.fuse_reduce_scatter %rs : (!transform.any_op) -> !transform.any_op
    transform.yield
  }
}

// -----

// A rank-local one on uneven blocks (7 over 3 ranks) folds: into slots of
// 3 rows, the dynamic result's size checked (cf.assert: the transform
// dialect extension loads cf).
coco.grid @three(shape = [3])

// CHECK-LABEL: func @fold_local_uneven
// CHECK: coco.comm.all_to_all %arg0 into %{{.*}} split 0 concat 0 skip_self on @three[0] : tensor<7xf32>, tensor<9xf32> -> tensor<9xf32>
// CHECK: cf.assert
// CHECK: linalg.generic
// CHECK-NOT: coco.comm.reduce_scatter sum
func.func @fold_local_uneven(%g: tensor<7xf32>, %n: index) -> tensor<?xf32> {
  %e = tensor.empty(%n) : tensor<?xf32>
  %s = coco.comm.reduce_scatter sum %g into %e dim 0 on @three[0] : tensor<7xf32>, tensor<?xf32> -> tensor<?xf32>
  return %s : tensor<?xf32>
}

module attributes {transform.with_named_sequence} {
  transform.named_sequence @__transform_main(%root: !transform.any_op {transform.readonly}) {
    %rs = transform.structured.match ops{["coco.comm.reduce_scatter"]} in %root : (!transform.any_op) -> !transform.any_op
    %sum = transform.coco.fuse_reduce_scatter %rs : (!transform.any_op) -> !transform.any_op
    transform.yield
  }
}

// -----

// Along dimension 1: refused.
coco.grid @two(shape = [2])

func.func @mark_dim1(%g: !coco.dtensor<4x8xf32, local on @two>) -> !coco.dtensor<4x8xf32, sliced<1> on @two> {
  // expected-error @+1 {{'coco.reduce_scatter' op cannot fold into its consumers: only a reduce_scatter along dimension 0 is supported}}
  %s = coco.reduce_scatter sum %g dim 1 : !coco.dtensor<4x8xf32, local on @two>
  return %s : !coco.dtensor<4x8xf32, sliced<1> on @two>
}

module attributes {transform.with_named_sequence} {
  transform.named_sequence @__transform_main(%root: !transform.any_op {transform.readonly}) {
    %rs = transform.structured.match ops{["coco.reduce_scatter"]} in %root : (!transform.any_op) -> !transform.any_op
    %same = transform.coco.fuse_reduce_scatter %rs : (!transform.any_op) -> !transform.any_op
    transform.yield
  }
}

// -----

// Not a reduce_scatter: refused, naming what it got.
coco.grid @two(shape = [2])

func.func @mark_all_reduce(%g: !coco.dtensor<8xf32, local on @two>) -> !coco.dtensor<8xf32, replicated on @two> {
  %s = coco.all_reduce sum %g : !coco.dtensor<8xf32, local on @two>
  return %s : !coco.dtensor<8xf32, replicated on @two>
}

module attributes {transform.with_named_sequence} {
  transform.named_sequence @__transform_main(%root: !transform.any_op {transform.readonly}) {
    %ar = transform.structured.match ops{["coco.all_reduce"]} in %root : (!transform.any_op) -> !transform.any_op
    // expected-error @+1 {{expects coco.reduce_scatter or coco.comm.reduce_scatter targets, got coco.all_reduce}}
    %same = transform.coco.fuse_reduce_scatter %ar : (!transform.any_op) -> !transform.any_op
    transform.yield
  }
}

// -----

// RS-P2P-C-AG as a schedule: pipeline_send on the stage-to-stage sends, then
// reorder the receiver's pointwise work onto the slices.
coco.grid @pp(shape = [2, 2])
!P = !coco.dtensor<4x8xf32, local on @pp[1]>
!R = !coco.dtensor<4x8xf32, replicated on @pp[1]>

// CHECK-LABEL: func @pipeline
// CHECK: %[[RS:.*]] = coco.reduce_scatter sum %{{.*}} dim 1
// CHECK-NEXT: %[[SUM:.*]] = coco.all_gather %[[RS]]
// CHECK-NEXT: coco.send %[[RS]] to %{{.*}} along 0 : !coco.dtensor<4x8xf32, sliced<1> on @pp[1]>
// CHECK: %[[IN:.*]] = coco.recv from %{{.*}} along 0 : !coco.dtensor<4x8xf32, sliced<1> on @pp[1]>
// CHECK-NEXT: %[[E:.*]] = coco.exp %[[IN]] : !coco.dtensor<4x8xf32, sliced<1> on @pp[1]>
// CHECK-NEXT: coco.all_gather %[[E]]
// CHECK-NOT: coco.all_reduce
func.func @pipeline(%p: !P) -> !R {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %stage = coco.axis_rank @pp[0]
  %first = arith.cmpi eq, %stage, %c0 : index
  %0 = scf.if %first -> !R {
    %y = coco.all_reduce sum %p : !P
    coco.send %y to %c1 along 0 : !R
    scf.yield %y : !R
  } else {
    %x = coco.recv from %c0 along 0 : !R
    %e = coco.exp %x : !R
    scf.yield %e : !R
  }
  return %0 : !R
}

module attributes {transform.with_named_sequence} {
  transform.named_sequence @__transform_main(%root: !transform.any_op {transform.readonly}) {
    %s = transform.structured.match ops{["coco.send"]} in %root : (!transform.any_op) -> !transform.any_op
    %s2 = transform.coco.pipeline_send %s {dim = 1} : (!transform.any_op) -> !transform.any_op
    %f = transform.structured.match ops{["func.func"]} in %root : (!transform.any_op) -> !transform.any_op
    %f2 = transform.coco.reorder %f : (!transform.any_op) -> !transform.any_op
    transform.yield
  }
}

// -----

coco.grid @pp(shape = [2, 2])
!L = !coco.dtensor<4xf32, local on @pp[1]>
!R = !coco.dtensor<4xf32, replicated on @pp[1]>
func.func @own_axis(%x: !L, %peer: index) {
  %y = coco.all_reduce sum %x : !L
  // expected-error @+1 {{cannot send slices: it sends along axis 1, an axis its value is reduced along; pipeline-send needs a send along another grid axis}}
  coco.send %y to %peer along 1 : !R
  return
}

module attributes {transform.with_named_sequence} {
  transform.named_sequence @__transform_main(%root: !transform.any_op {transform.readonly}) {
    %s = transform.structured.match ops{["coco.send"]} in %root : (!transform.any_op) -> !transform.any_op
    %s2 = transform.coco.pipeline_send %s : (!transform.any_op) -> !transform.any_op
    transform.yield
  }
}

// -----

coco.grid @pp(shape = [2, 2])
!L = !coco.dtensor<4xf32, local on @pp[1]>
func.func @local_value(%x: !L, %peer: index) {
  // expected-error @+1 {{cannot send slices: the sent value is not the result of a coco.all_reduce or coco.all_gather}}
  coco.send %x to %peer along 0 : !L
  return
}

module attributes {transform.with_named_sequence} {
  transform.named_sequence @__transform_main(%root: !transform.any_op {transform.readonly}) {
    %s = transform.structured.match ops{["coco.send"]} in %root : (!transform.any_op) -> !transform.any_op
    %s2 = transform.coco.pipeline_send %s : (!transform.any_op) -> !transform.any_op
    transform.yield
  }
}

// -----

// The receiver's all_gather would sit in a branch on the rank along its own
// axis: refused before any change (atomic-failure.mlir shows the IR after
// such a failure).
coco.grid @pp(shape = [2, 2])
!L = !coco.dtensor<4xf32, local on @pp[1]>
!R = !coco.dtensor<4xf32, replicated on @pp[1]>
func.func @branch_on_gather_axis(%x: !L) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %y = coco.all_reduce sum %x : !L
  coco.send %y to %c1 along 0 : !R
  %tp = coco.axis_rank @pp[1]
  %first = arith.cmpi eq, %tp, %c0 : index
  // expected-note @+1 {{this scf.if's condition is not known to be the same on ranks that differ only along [1]}}
  scf.if %first {
    // expected-error @+1 {{cannot receive slices here: the coco.all_gather along [1] that would reassemble them waits for every rank of its group}}
    %r = coco.recv from %c0 along 0 : !R
  }
  return
}

module attributes {transform.with_named_sequence} {
  transform.named_sequence @__transform_main(%root: !transform.any_op {transform.readonly}) {
    %s = transform.structured.match ops{["coco.send"]} in %root : (!transform.any_op) -> !transform.any_op
    %s2 = transform.coco.pipeline_send %s : (!transform.any_op) -> !transform.any_op
    transform.yield
  }
}

// -----

// Both sends of one channel as targets: the channel is rewritten once (the
// second target used to apply a second level on the inner all_gather, and
// behind the recv's scf.if fail after the payload had changed).
coco.grid @g3(shape = [2, 2, 2])
!S3 = !coco.dtensor<8xf32, [replicated, sliced<0>, sliced<0>] on @g3>
!R3 = !coco.dtensor<8xf32, replicated on @g3>
// CHECK-LABEL: func @two_sends
// CHECK: %[[A:.*]] = coco.all_gather %arg0 along [2]
// CHECK-NEXT: coco.send %[[A]] to %arg1 along 0 : !coco.dtensor<8xf32, sliced<0> on @g3[1]>
// CHECK-NEXT: coco.send %[[A]] to %arg1 along 0 : !coco.dtensor<8xf32, sliced<0> on @g3[1]>
func.func @two_sends(%x: !S3, %peer: index) {
  %a = coco.all_gather %x along [2] : !S3
  %b = coco.all_gather %a along [1] : !coco.dtensor<8xf32, sliced<0> on @g3[1]>
  coco.send %b to %peer along 0 : !R3
  coco.send %b to %peer along 0 : !R3
  return
}
// CHECK-LABEL: func @recv_in_branch
// CHECK: coco.recv from %arg0 along 0 : !coco.dtensor<8xf32, sliced<0> on @g3[1]>
// CHECK-NEXT: coco.all_gather
// CHECK-NOT: coco.all_gather
// CHECK: return
func.func @recv_in_branch(%peer: index, %d: !R3) -> !R3 {
  %c0 = arith.constant 0 : index
  %r = coco.axis_rank @g3[2]
  %c = arith.cmpi eq, %r, %c0 : index
  %y = scf.if %c -> !R3 {
    %x = coco.recv from %peer along 0 : !R3
    scf.yield %x : !R3
  } else {
    scf.yield %d : !R3
  }
  return %y : !R3
}

module attributes {transform.with_named_sequence} {
  transform.named_sequence @__transform_main(%root: !transform.any_op {transform.readonly}) {
    %s = transform.structured.match ops{["coco.send"]} in %root : (!transform.any_op) -> !transform.any_op
    %s2 = transform.coco.pipeline_send %s : (!transform.any_op) -> !transform.any_op
    transform.yield
  }
}

// -----

// overlap at the global view: the schedule marks the collective; the CPU
// pipeline's coco-overlap chunks it (test/Dialect/Coco/Transforms/coco-overlap-marked.mlir).
coco.grid @tp(shape = [2])
!X = !coco.dtensor<8x4xf32, sliced<1> on @tp>
!W = !coco.dtensor<4x6xf32, sliced<0> on @tp>
!P = !coco.dtensor<8x6xf32, local on @tp>

// CHECK-LABEL: func @overlap
// CHECK: %[[P:.*]] = coco.matmul
// CHECK-NEXT: coco.all_reduce sum %[[P]] {coco.overlap_chunks = 4 : i64}
// CHECK: %[[Q:.*]] = coco.matmul
// CHECK-NEXT: coco.reduce_scatter sum %[[Q]] dim 1 {coco.overlap_chunks = 4 : i64}
func.func @overlap(%x: !X, %w: !W) -> (!coco.dtensor<8x6xf32, replicated on @tp>, !coco.dtensor<8x6xf32, sliced<1> on @tp>) {
  %p = coco.matmul %x, %w : !X, !W
  %y = coco.all_reduce sum %p : !P
  %q = coco.matmul %x, %w : !X, !W
  %z = coco.reduce_scatter sum %q dim 1 : !P
  return %y, %z : !coco.dtensor<8x6xf32, replicated on @tp>, !coco.dtensor<8x6xf32, sliced<1> on @tp>
}

module attributes {transform.with_named_sequence} {
  transform.named_sequence @__transform_main(%root: !transform.any_op {transform.readonly}) {
    %c = transform.structured.match ops{["coco.all_reduce", "coco.reduce_scatter"]} in %root : (!transform.any_op) -> !transform.any_op
    %c2 = transform.coco.overlap %c {chunks = 4} : (!transform.any_op) -> !transform.any_op
    transform.yield
  }
}

// -----

coco.grid @tp(shape = [2])
!L = !coco.dtensor<8x6xf32, local on @tp>
func.func @no_matmul(%p: !L) -> !coco.dtensor<8x6xf32, replicated on @tp> {
  // expected-error @+1 {{cannot be overlapped: its input is not the result of a coco.matmul}}
  %y = coco.all_reduce sum %p : !L
  return %y : !coco.dtensor<8x6xf32, replicated on @tp>
}

module attributes {transform.with_named_sequence} {
  transform.named_sequence @__transform_main(%root: !transform.any_op {transform.readonly}) {
    %c = transform.structured.match ops{["coco.all_reduce"]} in %root : (!transform.any_op) -> !transform.any_op
    %c2 = transform.coco.overlap %c : (!transform.any_op) -> !transform.any_op
    transform.yield
  }
}

// -----

coco.grid @tp(shape = [2])
!X = !coco.dtensor<8x4xf32, sliced<1> on @tp>
!W = !coco.dtensor<4x6xf32, sliced<0> on @tp>
!P = !coco.dtensor<8x6xf32, local on @tp>
func.func @rows(%x: !X, %w: !W) -> !coco.dtensor<8x6xf32, sliced<0> on @tp> {
  %p = coco.matmul %x, %w : !X, !W
  // expected-error @+1 {{cannot be overlapped: it scatters dimension 0; only a reduce_scatter along the last dimension (the matmul's columns) leaves each row block on its own rows}}
  %z = coco.reduce_scatter sum %p dim 0 : !P
  return %z : !coco.dtensor<8x6xf32, sliced<0> on @tp>
}

module attributes {transform.with_named_sequence} {
  transform.named_sequence @__transform_main(%root: !transform.any_op {transform.readonly}) {
    %c = transform.structured.match ops{["coco.reduce_scatter"]} in %root : (!transform.any_op) -> !transform.any_op
    %c2 = transform.coco.overlap %c : (!transform.any_op) -> !transform.any_op
    transform.yield
  }
}

// -----

coco.grid @tp(shape = [2])
!X = !coco.dtensor<6x4xf32, sliced<1> on @tp>
!W = !coco.dtensor<4x6xf32, sliced<0> on @tp>
!P = !coco.dtensor<6x6xf32, local on @tp>
func.func @not_divisible(%x: !X, %w: !W) -> !coco.dtensor<6x6xf32, replicated on @tp> {
  %p = coco.matmul %x, %w : !X, !W
  // expected-error @+1 {{cannot be overlapped in 4 chunks: the matmul's 6 row(s) do not divide into them}}
  %y = coco.all_reduce sum %p : !P
  return %y : !coco.dtensor<6x6xf32, replicated on @tp>
}

module attributes {transform.with_named_sequence} {
  transform.named_sequence @__transform_main(%root: !transform.any_op {transform.readonly}) {
    %c = transform.structured.match ops{["coco.all_reduce"]} in %root : (!transform.any_op) -> !transform.any_op
    %c2 = transform.coco.overlap %c {chunks = 4} : (!transform.any_op) -> !transform.any_op
    transform.yield
  }
}

// -----

coco.grid @tp(shape = [2])
!X = !coco.dtensor<8x4xf32, sliced<1> on @tp>
!W = !coco.dtensor<4x6xf32, sliced<0> on @tp>
!P = !coco.dtensor<8x6xf32, local on @tp>
func.func @other_user(%x: !X, %w: !W) -> (!coco.dtensor<8x6xf32, replicated on @tp>, !P) {
  %p = coco.matmul %x, %w : !X, !W
  // expected-error @+1 {{cannot be overlapped: the matmul's result has other users, which would read it before all chunks are computed}}
  %y = coco.all_reduce sum %p : !P
  return %y, %p : !coco.dtensor<8x6xf32, replicated on @tp>, !P
}

module attributes {transform.with_named_sequence} {
  transform.named_sequence @__transform_main(%root: !transform.any_op {transform.readonly}) {
    %c = transform.structured.match ops{["coco.all_reduce"]} in %root : (!transform.any_op) -> !transform.any_op
    %c2 = transform.coco.overlap %c : (!transform.any_op) -> !transform.any_op
    transform.yield
  }
}

// -----

coco.grid @tp(shape = [2])
!L = !coco.dtensor<8xf32, local on @tp>
func.func @not_a_collective(%p: !L) -> !L {
  // expected-error @+1 {{cannot be overlapped: overlap chunks a coco.all_reduce or coco.reduce_scatter with the matmul producing its input}}
  %y = coco.neg %p : !L
  return %y : !L
}

module attributes {transform.with_named_sequence} {
  transform.named_sequence @__transform_main(%root: !transform.any_op {transform.readonly}) {
    %c = transform.structured.match ops{["coco.neg"]} in %root : (!transform.any_op) -> !transform.any_op
    %c2 = transform.coco.overlap %c : (!transform.any_op) -> !transform.any_op
    transform.yield
  }
}

// -----

// fuse_elementwise on the rank-local view: a pointwise chain becomes one loop.
#id = affine_map<(i) -> (i)>
// CHECK-LABEL: func @chain
// CHECK: linalg.generic
// CHECK: arith.addf
// CHECK: arith.mulf
// CHECK-NOT: linalg.generic
func.func @chain(%x: tensor<8xf32>, %y: tensor<8xf32>) -> tensor<8xf32> {
  %e = tensor.empty() : tensor<8xf32>
  %s = linalg.generic {indexing_maps = [#id, #id, #id], iterator_types = ["parallel"]}
      ins(%x, %y : tensor<8xf32>, tensor<8xf32>) outs(%e : tensor<8xf32>) {
  ^bb0(%a: f32, %b: f32, %o: f32):
    %r = arith.addf %a, %b : f32
    linalg.yield %r : f32
  } -> tensor<8xf32>
  %m = linalg.generic {indexing_maps = [#id, #id], iterator_types = ["parallel"]}
      ins(%s : tensor<8xf32>) outs(%e : tensor<8xf32>) {
  ^bb0(%a: f32, %o: f32):
    %r = arith.mulf %a, %a : f32
    linalg.yield %r : f32
  } -> tensor<8xf32>
  return %m : tensor<8xf32>
}

module attributes {transform.with_named_sequence} {
  transform.named_sequence @__transform_main(%root: !transform.any_op {transform.readonly}) {
    %f = transform.structured.match ops{["func.func"]} in %root : (!transform.any_op) -> !transform.any_op
    %f2 = transform.coco.fuse_elementwise %f : (!transform.any_op) -> !transform.any_op
    transform.yield
  }
}

// -----

coco.grid @dp(shape = [?])
!R = !coco.dtensor<8xf32, replicated on @dp>
func.func @global_view(%x: !R) -> !R {
  // expected-error @+1 {{is in the global view: elementwise fusion works on the rank-local view (after coco-localize)}}
  %a = coco.neg %x : !R
  %b = coco.exp %a : !R
  return %b : !R
}

module attributes {transform.with_named_sequence} {
  transform.named_sequence @__transform_main(%root: !transform.any_op {transform.readonly}) {
    %f = transform.structured.match ops{["func.func"]} in %root : (!transform.any_op) -> !transform.any_op
    %f2 = transform.coco.fuse_elementwise %f : (!transform.any_op) -> !transform.any_op
    transform.yield
  }
}

// -----

// The hierarchical all-reduce as a transform op.
coco.grid @g(shape = [2, 2])
// CHECK-LABEL: func @hierarchical
// CHECK-NEXT: %[[RS:.*]] = coco.reduce_scatter sum %{{.*}} dim 0 along [1]
// CHECK-NEXT: %[[AR:.*]] = coco.all_reduce sum %[[RS]] along [0]
// CHECK-NEXT: coco.all_gather %[[AR]] along [1]
func.func @hierarchical(%g: !coco.dtensor<8xf32, [local, local] on @g>) {
  %0 = coco.all_reduce sum %g : !coco.dtensor<8xf32, [local, local] on @g>
  return
}

module attributes {transform.with_named_sequence} {
  transform.named_sequence @__transform_main(%root: !transform.any_op {transform.readonly}) {
    %ar = transform.structured.match ops{["coco.all_reduce"]} in %root : (!transform.any_op) -> !transform.any_op
    %ag = transform.coco.hierarchical_all_reduce %ar {inner = array<i64: 1>} : (!transform.any_op) -> !transform.any_op
    transform.yield
  }
}

// -----

coco.grid @g(shape = [2, 2])
func.func @hierarchical_inner_only(%g: !coco.dtensor<8xf32, [local, local] on @g>) {
  // expected-error @+1 {{cannot be made hierarchical: it runs along [1], the inner axes only; there is no outer level}}
  %0 = coco.all_reduce sum %g along [1] : !coco.dtensor<8xf32, [local, local] on @g>
  return
}

module attributes {transform.with_named_sequence} {
  transform.named_sequence @__transform_main(%root: !transform.any_op {transform.readonly}) {
    %ar = transform.structured.match ops{["coco.all_reduce"]} in %root : (!transform.any_op) -> !transform.any_op
    %ag = transform.coco.hierarchical_all_reduce %ar {inner = array<i64: 1>} : (!transform.any_op) -> !transform.any_op
    transform.yield
  }
}

// -----

coco.grid @g(shape = [2, 2, 2])
func.func @hierarchical_inner_twice(%g: !coco.dtensor<8xf32, [local, local, local] on @g>) {
  // expected-error @+1 {{cannot be made hierarchical with inner axes [1, 1]: axis 1 is named twice}}
  %0 = coco.all_reduce sum %g : !coco.dtensor<8xf32, [local, local, local] on @g>
  return
}

module attributes {transform.with_named_sequence} {
  transform.named_sequence @__transform_main(%root: !transform.any_op {transform.readonly}) {
    %ar = transform.structured.match ops{["coco.all_reduce"]} in %root : (!transform.any_op) -> !transform.any_op
    %ag = transform.coco.hierarchical_all_reduce %ar {inner = array<i64: 1, 1>} : (!transform.any_op) -> !transform.any_op
    transform.yield
  }
}

// -----

// reorder and shard_state take the axes they act on.
coco.grid @g(shape = [2, 2])
!L = !coco.dtensor<8xf32, [local, local] on @g>
!R = !coco.dtensor<8xf32, replicated on @g>
// CHECK-LABEL: func @reorder_axes
// CHECK-SAME: %{{.*}}: !coco.dtensor<8xf32, sliced<0> on @g[1]> {coco.name = "m"}
// CHECK: coco.add %{{.*}}, %{{.*}} : !coco.dtensor<8xf32, sliced<0> on @g[1]>, !coco.dtensor<8xf32, sliced<0> on @g[1]>
func.func @reorder_axes(%g: !L, %m: !R {coco.name = "m"}) {
  %0 = coco.reduce_scatter sum %g dim 0 along [1] : !L
  %1 = coco.all_reduce sum %0 along [0] : !coco.dtensor<8xf32, [local, sliced<0>] on @g>
  %2 = coco.all_gather %1 along [1] : !coco.dtensor<8xf32, sliced<0> on @g[1]>
  %3 = coco.add %m, %2 : !R, !R
  coco.update %m, %3 : !R
  return
}

module attributes {transform.with_named_sequence} {
  transform.named_sequence @__transform_main(%root: !transform.any_op {transform.readonly}) {
    %f = transform.structured.match ops{["func.func"]} in %root : (!transform.any_op) -> !transform.any_op
    %f2 = transform.coco.reorder %f {axes = array<i64: 1>} : (!transform.any_op) -> !transform.any_op
    %f3 = transform.coco.shard_state %f2 {args = ["m"], axes = array<i64: 1>} : (!transform.any_op) -> !transform.any_op
    transform.yield
  }
}

// -----

coco.grid @g(shape = [2, 2])
!R = !coco.dtensor<8xf32, replicated on @g>
// expected-error @+1 {{cannot shard argument 'm' along [0]: the function uses it sliced along [1]}}
func.func @shard_wrong_axes(%m: !R {coco.name = "m"}, %s: !coco.dtensor<8xf32, sliced<0> on @g[1]>) {
  %0 = coco.slice %m dim 0 along [1] : !R
  %1 = coco.add %0, %s : !coco.dtensor<8xf32, sliced<0> on @g[1]>, !coco.dtensor<8xf32, sliced<0> on @g[1]>
  %2 = coco.all_gather %1 : !coco.dtensor<8xf32, sliced<0> on @g[1]>
  coco.update %m, %2 : !R
  return
}

module attributes {transform.with_named_sequence} {
  transform.named_sequence @__transform_main(%root: !transform.any_op {transform.readonly}) {
    %f = transform.structured.match ops{["func.func"]} in %root : (!transform.any_op) -> !transform.any_op
    %f3 = transform.coco.shard_state %f {args = ["m"], axes = array<i64: 0>} : (!transform.any_op) -> !transform.any_op
    transform.yield
  }
}

// -----

// The form is an enum: a misspelt one is a parse error naming the choices.
module attributes {transform.with_named_sequence} {
  transform.named_sequence @__transform_main(%root: !transform.any_op {transform.readonly}) {
    %ar = transform.structured.match ops{["coco.all_reduce"]} in %root : (!transform.any_op) -> !transform.any_op
    // expected-error @+1 {{expected string or keyword containing one of the following enum values for attribute 'into' [rs_ag, reduce_bcast]}}
    %ag = transform.coco.split %ar into rs-ag : (!transform.any_op) -> !transform.any_op
    transform.yield
  }
}

// -----

// reorder computes the norm of a replicated value from the slice of it the
// function reads (coco-reorder's norms-from-slices); norms_from_slices =
// false keeps it whole, in @whole only (the two functions are targeted
// separately).
coco.grid @dp(shape = [?])
!R = !coco.dtensor<16xf32, replicated on @dp>
!S = !coco.dtensor<16xf32, sliced<0> on @dp>
!N = !coco.dtensor<f32, replicated on @dp>
// CHECK-LABEL: func @from_slice
// CHECK-SAME: (%[[W:.*]]: !coco.dtensor<16xf32, replicated on @dp>, %[[G:.*]]: !coco.dtensor<16xf32, sliced<0> on @dp>)
// CHECK-NEXT: %[[S:.*]] = coco.slice %[[W]] dim 0
// CHECK-NEXT: %[[U:.*]] = coco.mul %[[S]], %[[G]]
// CHECK-NEXT: %[[SQ:.*]] = coco.mul %[[S]], %[[S]]
// CHECK-NEXT: %[[P:.*]] = coco.reduce sum %[[SQ]] dims [0]
// CHECK-NEXT: %[[T:.*]] = coco.all_reduce sum %[[P]]
// CHECK-NEXT: %[[N:.*]] = coco.sqrt %[[T]]
// CHECK-NEXT: return %[[U]], %[[N]]
func.func @from_slice(%w: !R, %g: !S) -> (!S, !N) {
  %s = coco.slice %w dim 0 : !R
  %u = coco.mul %s, %g : !S, !S
  %n = coco.norm %w : !R
  return %u, %n : !S, !N
}
// CHECK-LABEL: func @whole
// CHECK: coco.norm %arg0
// CHECK-NOT: coco.all_reduce
func.func @whole(%w: !R, %g: !S) -> (!S, !N) {
  %s = coco.slice %w dim 0 : !R
  %u = coco.mul %s, %g : !S, !S
  %n = coco.norm %w : !R
  return %u, %n : !S, !N
}

module attributes {transform.with_named_sequence} {
  transform.named_sequence @__transform_main(%root: !transform.any_op {transform.readonly}) {
    %f = transform.structured.match ops{["func.func"]} attributes {sym_name = "from_slice"} in %root : (!transform.any_op) -> !transform.any_op
    %f2 = transform.coco.reorder %f : (!transform.any_op) -> !transform.any_op
    %g = transform.structured.match ops{["func.func"]} attributes {sym_name = "whole"} in %root : (!transform.any_op) -> !transform.any_op
    %g2 = transform.coco.reorder %g {norms_from_slices = false} : (!transform.any_op) -> !transform.any_op
    transform.yield
  }
}

// -----

// transform.coco.reorder on a private function called only in a branch on
// the rank along the slice's axis: its norm stays whole (an all_reduce
// there would wait for the ranks that do not call it). The function is
// reordered in place: a copy beside it, of the same name, had no calls of
// its own and let the norm become an all_reduce.
coco.grid @pp(shape = [2, 2])
!R = !coco.dtensor<16xf32, replicated on @pp>
!S = !coco.dtensor<16xf32, sliced<0> on @pp[1]>
!T = !coco.dtensor<f32, replicated on @pp>

func.func @calls_in_a_branch(%x: !R) {
  %c0 = arith.constant 0 : index
  %r = coco.axis_rank @pp[1]
  %c = arith.cmpi eq, %r, %c0 : index
  scf.if %c {
    %a, %b = func.call @norm_and_slice(%x) : (!R) -> (!T, !S)
  }
  return
}

// CHECK-LABEL: func private @norm_and_slice
// CHECK-NEXT: coco.norm %arg0
// CHECK-NOT: coco.all_reduce
// CHECK: return
func.func private @norm_and_slice(%x: !R) -> (!T, !S) {
  %n = coco.norm %x : !R
  %s = coco.slice %x dim 0 along [1] : !R
  return %n, %s : !T, !S
}

module attributes {transform.with_named_sequence} {
  transform.named_sequence @__transform_main(%root: !transform.any_op {transform.readonly}) {
    %f = transform.structured.match ops{["func.func"]} attributes {sym_name = "norm_and_slice"} in %root : (!transform.any_op) -> !transform.any_op
    %f2 = transform.coco.reorder %f : (!transform.any_op) -> !transform.any_op
    transform.yield
  }
}

// -----

// A target that holds the running transform script is refused: its body
// would be rewritten (and put back on failure) under the interpreter.
module @holds_the_script attributes {transform.with_named_sequence} {
  coco.grid @dp(shape = [?])
  func.func @f(%s: !coco.dtensor<8xf32, sliced<0> on @dp>, %c: f32) -> !coco.dtensor<8xf32, replicated on @dp> {
    %g = coco.all_gather %s : !coco.dtensor<8xf32, sliced<0> on @dp>
    %m = coco.mul %g, %c : !coco.dtensor<8xf32, replicated on @dp>, f32
    return %m : !coco.dtensor<8xf32, replicated on @dp>
  }
  transform.named_sequence @__transform_main(%root: !transform.any_op {transform.readonly}) {
    %m = transform.structured.match ops{["builtin.module"]} attributes {sym_name = "holds_the_script"} in %root : (!transform.any_op) -> !transform.any_op
    // expected-error @+1 {{expects targets that do not hold this transform script}}
    %m2 = transform.coco.reorder %m : (!transform.any_op) -> !transform.any_op
    transform.yield
  }
}

// -----

// shard_state with no names is refused by its verifier (it did nothing and
// succeeded; --coco-shard-state=args= is an error too).
coco.grid @dp(shape = [4])
func.func @none() {
  return
}
module attributes {transform.with_named_sequence} {
  transform.named_sequence @__transform_main(%root: !transform.any_op {transform.readonly}) {
    %f = transform.structured.match ops{["func.func"]} in %root : (!transform.any_op) -> !transform.any_op
    // expected-error @+1 {{attribute 'args' failed to satisfy constraint: string array attribute with at least 1 elements}}
    %s = transform.coco.shard_state %f {args = []} : (!transform.any_op) -> !transform.any_op
    transform.yield
  }
}

// -----

// axes that no program can match are refused by the verifiers, as the
// passes refuse the option (schedule-axes.mlir).
coco.grid @dp(shape = [4])
func.func @none() {
  return
}
module attributes {transform.with_named_sequence} {
  transform.named_sequence @__transform_main(%root: !transform.any_op {transform.readonly}) {
    %f = transform.structured.match ops{["func.func"]} in %root : (!transform.any_op) -> !transform.any_op
    // expected-error @+1 {{'transform.coco.shard_state' op axes [0, 0]: axis 0 is named twice}}
    %s = transform.coco.shard_state %f {args = ["m"], axes = array<i64: 0, 0>} : (!transform.any_op) -> !transform.any_op
    transform.yield
  }
}

// -----

coco.grid @dp(shape = [4])
func.func @none() {
  return
}
module attributes {transform.with_named_sequence} {
  transform.named_sequence @__transform_main(%root: !transform.any_op {transform.readonly}) {
    %f = transform.structured.match ops{["func.func"]} in %root : (!transform.any_op) -> !transform.any_op
    // expected-error @+1 {{'transform.coco.reorder' op axes [-2]: axis -2 is negative}}
    %r = transform.coco.reorder %f {axes = array<i64: -2>} : (!transform.any_op) -> !transform.any_op
    transform.yield
  }
}
