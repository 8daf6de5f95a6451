// The CPU pipeline calls the BLAS (coco_rt_matmul, OpenBLAS) for the
// layer's matmul under every schedule: once for MM-AR-C, once per row block
// when coco-overlap chunks it (the blocks are strided views of the rows).
// The counts are exact: a matmul left to loops, or chunks that lost their
// matmul call, fail them (the unchunked output has 1 call, not 4).
// RUN: coco-opt %S/../Integration/TensorParallel/layer.mlir --coco-lower-to-cpu | FileCheck %s
// RUN: coco-opt %S/../Integration/TensorParallel/layer.mlir --pass-pipeline='builtin.module(coco-lower-to-cpu{overlap-chunks=4})' | FileCheck %s --check-prefix=CHUNKCHECK
// RUN: coco-opt %S/../Integration/TensorParallel/layer.mlir --coco-split=dim=2 --coco-reorder | coco-opt --pass-pipeline='builtin.module(coco-lower-to-cpu{overlap-chunks=4})' | FileCheck %s --check-prefix=CHUNKCHECK

// CHECK-LABEL: llvm.func @coco.fn.layer
// CHECK-COUNT-1: llvm.call @coco_rt_matmul
// CHECK-NOT: llvm.call @coco_rt_matmul

// CHUNKCHECK-LABEL: llvm.func @coco.fn.layer
// CHUNKCHECK-COUNT-4: llvm.call @coco_rt_matmul
// CHUNKCHECK-NOT: llvm.call @coco_rt_matmul
