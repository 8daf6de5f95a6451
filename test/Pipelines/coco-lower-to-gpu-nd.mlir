// REQUIRES: gpu-toolchain
// RUN: coco-opt %s --coco-lower-to-gpu --split-input-file | FileCheck %s

// Placements per grid axis and uneven blocks on the GPU path: collectives
// over groups of axes are NCCL calls on the group's communicator
// (coco_rt_comm_group), and blocks that depend on the rank are computed on
// the host from coco_rt_axis_rank / coco_rt_axis_size.

coco.grid @g(shape = [2, 2])

// The hierarchical all-reduce: reduce_scatter over axis 1, all_reduce over
// axis 0, all_gather over axis 1; the flat one over the group of both.
// CHECK-LABEL: llvm.func @coco.fn.hierarchical
// CHECK: llvm.call @coco_rt_comm({{.*}}) : (i64, i64, i64, i64, i64, i64) -> i64
// CHECK: llvm.call @coco_gpu_reduce_scatter(
// CHECK: llvm.call @coco_gpu_all_reduce(
// CHECK: llvm.call @coco_gpu_all_gather(
// CHECK-LABEL: llvm.func @coco.fn.flat
// CHECK: %[[COMM:.*]] = llvm.call @coco_rt_comm_group(
// CHECK: llvm.call @coco_gpu_all_reduce(%{{.*}}, %[[COMM]],
func.func @hierarchical(%x: !coco.dtensor<64xf32, [local, local] on @g>)
    -> !coco.dtensor<64xf32, replicated on @g> {
  %0 = coco.reduce_scatter sum %x dim 0 along [1] : !coco.dtensor<64xf32, [local, local] on @g>
  %1 = coco.all_reduce sum %0 along [0] : !coco.dtensor<64xf32, [local, sliced<0>] on @g>
  %2 = coco.all_gather %1 along [1] : !coco.dtensor<64xf32, sliced<0> on @g[1]>
  return %2 : !coco.dtensor<64xf32, replicated on @g>
}
func.func @flat(%x: !coco.dtensor<64xf32, [local, local] on @g>)
    -> !coco.dtensor<64xf32, replicated on @g> {
  %0 = coco.all_reduce sum %x : !coco.dtensor<64xf32, [local, local] on @g>
  return %0 : !coco.dtensor<64xf32, replicated on @g>
}

// -----

coco.grid @dp(shape = [?])

// 1001 elements over a '?' axis: this rank's block is computed on the host
// (n / R, one more for the first n % R ranks), the update kernel runs over
// it, and the NCCL collectives take the blocks.
// CHECK-LABEL: llvm.func @coco.fn.uneven
// CHECK: llvm.call @coco_rt_axis_size(
// CHECK: llvm.call @coco_rt_axis_rank(
// CHECK: llvm.udiv
// CHECK: llvm.urem
// CHECK: llvm.call @coco_gpu_reduce_scatter(
// CHECK: gpu.launch_func
// CHECK: llvm.call @coco_gpu_all_gather(
func.func @uneven(%w: !coco.dtensor<1001xf32, replicated on @dp>,
                  %g: !coco.dtensor<1001xf32, local on @dp>, %lr: f32) {
  %0 = coco.reduce_scatter sum %g dim 0 : !coco.dtensor<1001xf32, local on @dp>
  %1 = coco.slice %w dim 0 : !coco.dtensor<1001xf32, replicated on @dp>
  %2 = coco.mul %0, %lr : !coco.dtensor<1001xf32, sliced<0> on @dp>, f32
  %3 = coco.sub %1, %2 : !coco.dtensor<1001xf32, sliced<0> on @dp>, !coco.dtensor<1001xf32, sliced<0> on @dp>
  %4 = coco.all_gather %3 : !coco.dtensor<1001xf32, sliced<0> on @dp>
  coco.update %w, %4 : !coco.dtensor<1001xf32, replicated on @dp>
  return
}
