// The CPU pipeline calls the BLAS (coco_rt_matmul, OpenBLAS) for the
// layer's matmul under every schedule: once for MM-AR-C, once per row block
// when coco-overlap chunks it (the blocks are strided views of the rows).
// RUN: coco-opt %S/../Integration/TensorParallel/layer.mlir --coco-lower-to-cpu | FileCheck %s --check-prefix=ONE
// RUN: coco-opt %S/../Integration/TensorParallel/layer.mlir --pass-pipeline='builtin.module(coco-lower-to-cpu{overlap-chunks=4})' | FileCheck %s --check-prefix=CHUNKS
// RUN: coco-opt %S/../Integration/TensorParallel/layer.mlir --coco-split=dim=2 --coco-reorder | coco-opt --pass-pipeline='builtin.module(coco-lower-to-cpu{overlap-chunks=4})' | FileCheck %s --check-prefix=CHUNKS

// ONE-LABEL: llvm.func @layer
// ONE-COUNT-1: llvm.call @coco_rt_matmul
// ONE-NOT: llvm.call @coco_rt_matmul

// CHUNKS-LABEL: llvm.func @layer
// CHUNKS-COUNT-4: llvm.call @coco_rt_matmul
// CHUNKS-NOT: llvm.call @coco_rt_matmul
