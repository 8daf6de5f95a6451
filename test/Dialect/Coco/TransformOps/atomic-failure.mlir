// RUN: not coco-opt %s --transform-interpreter --mlir-print-ir-after-failure 2>&1 | FileCheck %s

// pipeline_send and overlap check every target before changing any: here the
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
