// REQUIRES: gpu-toolchain
// The GPU pipeline folds a reduce_scatter a schedule marked
// coco.fuse_reduce_scatter (coco-autoschedule, transform.coco.
// fuse_reduce_scatter) although its fuse-reduce-scatter option is off: the
// gradient is exchanged (NCCL send/recv of the other ranks' blocks), never
// reduce-scattered, and the unmarked one next to it stays a reduce_scatter.
// RUN: coco-opt %s --coco-lower-to-gpu | FileCheck %s
// CHECK-LABEL: llvm.func @coco.fn.step(
// CHECK-NOT: llvm.call @coco_gpu_reduce_scatter
// CHECK: llvm.call @coco_gpu_all_to_all
// CHECK-NOT: llvm.call @coco_gpu_all_to_all
// CHECK: llvm.call @coco_gpu_reduce_scatter
// CHECK-NOT: llvm.call @coco_gpu_all_to_all

coco.grid @dp(shape = [2])
!L = !coco.dtensor<4096xf32, local on @dp>
!S = !coco.dtensor<4096xf32, sliced<0> on @dp>

func.func @step(%m: !S {coco.name = "m"}, %g: !L {coco.name = "g"},
                %n: !S {coco.name = "n"}, %h: !L {coco.name = "h"}) {
  %a = coco.reduce_scatter sum %g dim 0 {coco.fuse_reduce_scatter} : !L
  %mn = coco.add %m, %a : !S, !S
  coco.update %m, %mn : !S
  %b = coco.reduce_scatter sum %h dim 0 : !L
  %nn = coco.add %n, %b : !S, !S
  coco.update %n, %nn : !S
  return
}

// Uneven blocks (4097 over 2 ranks: 2049 and 2048) fold too: the exchange
// receives into slots of 2049 rows, and the kernel sums this rank's block
// (its size from coco.local_block, a kernel argument).
// CHECK-LABEL: llvm.func @coco.fn.uneven_step(
// CHECK-NOT: llvm.call @coco_gpu_reduce_scatter
// CHECK: llvm.call @coco_gpu_all_to_all
// CHECK-NOT: llvm.call @coco_gpu_reduce_scatter
// CHECK: llvm.return
!L7 = !coco.dtensor<4097xf32, local on @dp>
!S7 = !coco.dtensor<4097xf32, sliced<0> on @dp>
func.func @uneven_step(%m: !S7 {coco.name = "m7"}, %g: !L7 {coco.name = "g7"}) {
  %a = coco.reduce_scatter sum %g dim 0 {coco.fuse_reduce_scatter} : !L7
  %mn = coco.add %m, %a : !S7, !S7
  coco.update %m, %mn : !S7
  return
}
