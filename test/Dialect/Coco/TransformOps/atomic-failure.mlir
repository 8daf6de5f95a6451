// RUN: not coco-opt %s --split-input-file --transform-interpreter --mlir-print-ir-after-failure 2>&1 | FileCheck %s

// split, hierarchical_all_reduce, pipeline_send and overlap check every
// target before changing any. pipeline_send: here the
// second send fails, and the IR after the failure still has the first
// channel as written (no reduce_scatter, the replicated sum is sent).
// CHECK: error: 'coco.send' op cannot send slices: the sent value is not the result of a coco.all_reduce or coco.all_gather
// CHECK: IR Dump After InterpreterPass Failed
// CHECK: %[[SUM:.*]] = coco.all_reduce sum
// CHECK-NEXT: coco.send %[[SUM]] to %{{.*}} along 0 : !coco.dtensor<4xf32, replicated on @pp>
// CHECK-NEXT: coco.recv from %{{.*}} along 0 : !coco.dtensor<4xf32, replicated on @pp>
// CHECK-NOT: coco.reduce_scatter
// CHECK: transform.coco.pipeline_send
coco.grid @pp(shape = [2, 2])
!P = !coco.dtensor<4xf32, local on @pp[1]>
!R = !coco.dtensor<4xf32, replicated on @pp[1]>
!R8 = !coco.dtensor<8xf32, replicated on @pp[1]>
func.func @atomic(%p: !P, %x: !R8, %peer: index) -> !R {
  %y = coco.all_reduce sum %p : !P
  coco.send %y to %peer along 0 : !R
  %r = coco.recv from %peer along 0 : !R
  coco.send %x to %peer along 0 : !R8
  %r8 = coco.recv from %peer along 0 : !R8
  return %r : !R
}

module attributes {transform.with_named_sequence} {
  transform.named_sequence @__transform_main(%root: !transform.any_op {transform.readonly}) {
    %s = transform.structured.match ops{["coco.send"]} in %root : (!transform.any_op) -> !transform.any_op
    %s2 = transform.coco.pipeline_send %s : (!transform.any_op) -> !transform.any_op
    transform.yield
  }
}

// -----

// split: the scalar cannot be scattered; the first all_reduce stays whole.
// CHECK: error: 'coco.all_reduce' op cannot be split
// CHECK: IR Dump After InterpreterPass Failed
// CHECK-LABEL: func.func @split_atomic
// CHECK-NEXT: coco.all_reduce sum %{{.*}} : !coco.dtensor<8xf32, local on @dp>
// CHECK-NEXT: coco.all_reduce sum %{{.*}} : !coco.dtensor<f32, local on @dp>
// CHECK-NOT: coco.reduce_scatter
// CHECK: transform.coco.split
coco.grid @dp(shape = [2])
func.func @split_atomic(%g: !coco.dtensor<8xf32, local on @dp>, %loss: !coco.dtensor<f32, local on @dp>) {
  %0 = coco.all_reduce sum %g : !coco.dtensor<8xf32, local on @dp>
  %1 = coco.all_reduce sum %loss : !coco.dtensor<f32, local on @dp>
  return
}

module attributes {transform.with_named_sequence} {
  transform.named_sequence @__transform_main(%root: !transform.any_op {transform.readonly}) {
    %ar = transform.structured.match ops{["coco.all_reduce"]} in %root : (!transform.any_op) -> !transform.any_op
    %ag = transform.coco.split %ar : (!transform.any_op) -> !transform.any_op
    transform.yield
  }
}

// -----

// hierarchical_all_reduce: the second all_reduce has no outer level; the
// first stays flat.
// CHECK: error: 'coco.all_reduce' op cannot be made hierarchical: it runs along [1], the inner axes only; there is no outer level
// CHECK: IR Dump After InterpreterPass Failed
// CHECK-LABEL: func.func @hierarchical_atomic
// CHECK-NEXT: coco.all_reduce sum %{{.*}} : !coco.dtensor<8xf32, [local, local] on @g>
// CHECK-NEXT: coco.all_reduce sum %{{.*}} along [1] : !coco.dtensor<8xf32, [local, local] on @g>
// CHECK-NOT: coco.reduce_scatter
// CHECK: transform.coco.hierarchical_all_reduce
coco.grid @g(shape = [2, 2])
func.func @hierarchical_atomic(%a: !coco.dtensor<8xf32, [local, local] on @g>, %b: !coco.dtensor<8xf32, [local, local] on @g>) {
  %0 = coco.all_reduce sum %a : !coco.dtensor<8xf32, [local, local] on @g>
  %1 = coco.all_reduce sum %b along [1] : !coco.dtensor<8xf32, [local, local] on @g>
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

// reorder works on the function in place and puts its body back when an op
// cannot move: the mul that moved before the failure is whole again.
// CHECK: error: 'coco.add' op cannot be reordered before the all_gather: operand #1 is local on axis 0 of @dp; only operands replicated on the gathered axes, or sliced along the gathered dimension, can be sliced
// CHECK: IR Dump After InterpreterPass Failed
// CHECK-LABEL: func.func @reorder_restored
// CHECK-NEXT: %[[G:.*]] = coco.all_gather
// CHECK-NEXT: coco.mul %[[G]], %{{.*}} : !coco.dtensor<8xf32, replicated on @dp>, f32
// CHECK-NEXT: coco.add %[[G]], %{{.*}} : !coco.dtensor<8xf32, replicated on @dp>, !coco.dtensor<8xf32, local on @dp>
// CHECK-NOT: coco.slice
// CHECK: transform.coco.reorder
coco.grid @dp(shape = [?])
func.func @reorder_restored(%s: !coco.dtensor<8xf32, sliced<0> on @dp>, %l: !coco.dtensor<8xf32, local on @dp>, %c: f32) -> (!coco.dtensor<8xf32, replicated on @dp>, !coco.dtensor<8xf32, local on @dp>) {
  %g = coco.all_gather %s : !coco.dtensor<8xf32, sliced<0> on @dp>
  %m = coco.mul %g, %c : !coco.dtensor<8xf32, replicated on @dp>, f32
  %a = coco.add %g, %l : !coco.dtensor<8xf32, replicated on @dp>, !coco.dtensor<8xf32, local on @dp>
  return %m, %a : !coco.dtensor<8xf32, replicated on @dp>, !coco.dtensor<8xf32, local on @dp>
}

module attributes {transform.with_named_sequence} {
  transform.named_sequence @__transform_main(%root: !transform.any_op {transform.readonly}) {
    %f = transform.structured.match ops{["func.func"]} in %root : (!transform.any_op) -> !transform.any_op
    %f2 = transform.coco.reorder %f : (!transform.any_op) -> !transform.any_op
    transform.yield
  }
}
