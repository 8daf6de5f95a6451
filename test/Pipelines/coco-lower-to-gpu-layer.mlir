// REQUIRES: gpu-toolchain
// The pipeline-parallel layer on the GPU path (stage 0: matmul on cuBLAS,
// all_reduce, send; stage 1: recv, bias + dropout + residual): every loop
// left after the library calls is a kernel over one flat range of blocks
// (the fill of the matmul result, and bias + dropout + residual as ONE
// kernel: the bias broadcast fuses into it), and the buffer yielded out of the stage's
// branch is copied by a kernel, not by a host memcpy over managed memory.
//
// RUN: coco-opt %S/../Integration/PipelineParallel/layer.mlir --coco-lower-to-gpu | FileCheck %s

// CHECK-LABEL: llvm.func @coco.fn.layer(
// CHECK-NOT: llvm.intr.memcpy
// CHECK-NOT: memrefCopy
// CHECK: %[[ONE:.*]] = llvm.mlir.constant(1 : index) : i64
// CHECK-NOT: llvm.intr.memcpy
// CHECK: gpu.launch_func @{{.*}} blocks in (%{{.*}}, %[[ONE]], %[[ONE]]) threads in (%{{.*}}, %[[ONE]], %[[ONE]])
// CHECK: llvm.call @coco_gpu_matmul(
// CHECK: llvm.call @coco_gpu_all_reduce(
// CHECK: llvm.call @coco_gpu_send(
// CHECK: llvm.call @coco_gpu_recv(
// CHECK: gpu.launch_func @{{.*}} blocks in (%{{.*}}, %[[ONE]], %[[ONE]]) threads in (%{{.*}}, %[[ONE]], %[[ONE]])
// CHECK: gpu.launch_func @{{.*}} blocks in (%{{.*}}, %[[ONE]], %[[ONE]]) threads in (%{{.*}}, %[[ONE]], %[[ONE]])
// CHECK-NOT: gpu.launch_func
// CHECK-NOT: llvm.intr.memcpy
// CHECK-NOT: memrefCopy
// CHECK: llvm.return

// The tensor-parallel layer as ol(MM,RS)-C-AG on the GPU: row blocks of the
// cuBLAS matmul reduce-scattered on the communication stream while the next
// block computes, then ONE kernel for bias + dropout + residual on this
// rank's H-slice (the bias broadcast sliced and fused into it; the residual
// read in place through a strided view, no copies), and the all_gather.
// RUN: coco-opt %S/../Integration/TensorParallel/layer.mlir --coco-split=dim=2 --coco-reorder --coco-lower-to-gpu="overlap-chunks=2" | FileCheck %s --check-prefix=OLRS
// OLRS-LABEL: llvm.func @coco.fn.layer(
// OLRS: gpu.launch_func
// OLRS: llvm.call @coco_gpu_matmul(
// OLRS: llvm.call @coco_gpu_ireduce_scatter(
// OLRS: llvm.call @coco_gpu_matmul(
// OLRS: llvm.call @coco_gpu_ireduce_scatter(
// OLRS: llvm.call @coco_gpu_wait(
// OLRS: llvm.call @coco_gpu_wait(
// OLRS-NOT: llvm.intr.memcpy
// OLRS: gpu.launch_func
// OLRS-NOT: gpu.launch_func
// OLRS-NOT: llvm.intr.memcpy
// OLRS: llvm.call @coco_gpu_all_gather(
// OLRS: llvm.return
