// RUN: coco-opt %s --coco-fuse-reduce-scatter=marked-only -verify-diagnostics | FileCheck %s
// RUN: coco-opt %s --coco-fuse-reduce-scatter -verify-diagnostics | FileCheck %s --check-prefix=ALL
// An axes filter that no unmarked reduce_scatter of a function runs along
// is a warning there (it was silent); the marked ones fold all the same.
// RUN: coco-opt %s --coco-fuse-reduce-scatter=axes=1 2>&1 | FileCheck %s --check-prefix=AXES --implicit-check-not="warning: coco-fuse-reduce-scatter: no reduce_scatter of @marked_"
// AXES: warning: coco-fuse-reduce-scatter: no reduce_scatter of @marked runs along exactly [1]; none is folded but those a schedule marked
// AXES-LABEL: func @marked(
// AXES: coco.comm.all_to_all %arg0
// AXES: coco.comm.reduce_scatter sum %arg1

// With marked-only (how the pipelines run it when their fuse-reduce-scatter
// option is off), only the reduce_scatters a schedule marked
// coco.fuse_reduce_scatter fold; a marked one the fold cannot take stays,
// with a warning: the user's schedule asked for it.

coco.grid @two(shape = [2])
coco.grid @dp(shape = [?])

// CHECK-LABEL: func @marked
// CHECK: coco.comm.all_to_all %arg0 into %{{.*}} split 0 concat 0 skip_self on @two[0]
// CHECK: linalg.generic
// CHECK-NOT: coco.comm.reduce_scatter
// CHECK: coco.comm.reduce_scatter sum %arg1
// CHECK-NOT: coco.fuse_reduce_scatter
// ALL-LABEL: func @marked
// ALL-COUNT-2: coco.comm.all_to_all
// ALL-NOT: coco.comm.reduce_scatter
func.func @marked(%x: tensor<8xf32>, %y: tensor<8xf32>) -> (tensor<4xf32>, tensor<4xf32>) {
  %e = tensor.empty() : tensor<4xf32>
  %a = coco.comm.reduce_scatter sum %x into %e dim 0 on @two[0] {coco.fuse_reduce_scatter} : tensor<8xf32>, tensor<4xf32> -> tensor<4xf32>
  %b = coco.comm.reduce_scatter sum %y into %e dim 0 on @two[0] : tensor<8xf32>, tensor<4xf32> -> tensor<4xf32>
  return %a, %b : tensor<4xf32>, tensor<4xf32>
}

// CHECK-LABEL: func @marked_dynamic
// ALL-LABEL: func @marked_dynamic
// CHECK: coco.comm.reduce_scatter sum %arg0 into %arg1 dim 0 on @dp[0] {coco.fuse_reduce_scatter}
func.func @marked_dynamic(%x: tensor<8xf32>, %e: tensor<?xf32>) -> tensor<?xf32> {
  // expected-warning @+1 {{this reduce_scatter stays unfused: its grid axes must have a static number of ranks}}
  %a = coco.comm.reduce_scatter sum %x into %e dim 0 on @dp[0] {coco.fuse_reduce_scatter} : tensor<8xf32>, tensor<?xf32> -> tensor<?xf32>
  return %a : tensor<?xf32>
}

// CHECK-LABEL: func @marked_dynamic_input
// ALL-LABEL: func @marked_dynamic_input
// CHECK: coco.comm.reduce_scatter sum %arg0 into %arg1 dim 0 on @two[0] {coco.fuse_reduce_scatter}
func.func @marked_dynamic_input(%x: tensor<?xf32>, %e: tensor<?xf32>) -> tensor<?xf32> {
  // expected-warning @+1 {{this reduce_scatter stays unfused: the input shape must be static}}
  %a = coco.comm.reduce_scatter sum %x into %e dim 0 on @two[0] {coco.fuse_reduce_scatter} : tensor<?xf32>, tensor<?xf32> -> tensor<?xf32>
  return %a : tensor<?xf32>
}

// coco-localize carries the mark from the global reduce_scatter to the
// rank-local one.
// RUN: coco-opt %s --split-input-file --coco-localize --coco-fuse-reduce-scatter=marked-only 2>&1 | FileCheck %s --check-prefix=LOCAL
// LOCAL-LABEL: func @global
// LOCAL: coco.comm.all_to_all %arg0 into %{{.*}} split 0 concat 0 skip_self on @two[0]
// LOCAL-NOT: coco.comm.reduce_scatter
func.func @global(%g: !coco.dtensor<8xf32, local on @two>) -> !coco.dtensor<8xf32, sliced<0> on @two> {
  %s = coco.reduce_scatter sum %g dim 0 {coco.fuse_reduce_scatter} : !coco.dtensor<8xf32, local on @two>
  return %s : !coco.dtensor<8xf32, sliced<0> on @two>
}
