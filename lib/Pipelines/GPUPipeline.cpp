//===- GPUPipeline.cpp - coco-lower-to-gpu --------------------------------===//
//
// The same front half as the CPU pipeline (localize, fusion, bufferization,
// overlap, deallocation); then every matmul becomes a cuBLAS call and every
// collective an NCCL call through the GPU runtime, and what is left of
// linalg (each fused pointwise group, fills, reductions) becomes parallel
// loops, tiled into blocks of `block-size` threads and outlined as one GPU
// kernel each. Kernels go through NVVM to a binary for `chip` (LLVM's NVPTX
// backend, then ptxas/fatbinary from `toolkit`); the host side through
// gpu-to-llvm to launches of the embedded binary. Buffers are CUDA managed
// memory (the GPU runtime's allocator), so host code, kernels and libraries
// share them; kernel launches synchronize their stream, runtime calls return
// when their GPU work is done.
//
//===----------------------------------------------------------------------===//

#include "coco/Conversion/Passes.h"
#include "coco/Pipelines/Pipelines.h"

#include "mlir/Conversion/Passes.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/GPU/IR/GPUDialect.h"
#include "mlir/Dialect/GPU/Transforms/Passes.h"
#include "mlir/Dialect/Linalg/Passes.h"
#include "mlir/Dialect/MemRef/Transforms/Passes.h"
#include "mlir/Dialect/SCF/Transforms/Passes.h"
#include "mlir/Pass/PassManager.h"
#include "mlir/Transforms/Passes.h"

using namespace mlir;
using namespace mlir::coco;

void mlir::coco::buildCocoLowerToGPUPipeline(
    OpPassManager &pm, const GPUPipelineOptions &options) {
  // Pointwise loops over one dimension, so kernels spread every element
  // over their threads.
  buildCocoBufferizePipeline(pm, options.fuseElementwise,
                             options.fuseReduceScatter, options.overlapChunks,
                             /*collapseElementwise=*/true);

  // Library calls first, while matmuls are still linalg.matmul.
  ConvertCocoToLLVMPassOptions runtime;
  runtime.runtime = "gpu";
  pm.addPass(createConvertCocoToLLVMPass(runtime));

  // The rest of linalg -> kernels.
  pm.addNestedPass<func::FuncOp>(createConvertLinalgToParallelLoopsPass());
  // Blocks of `block-size` along each loop's first dim (1 along the others);
  // constant inner bounds with a guard, which the GPU mapping needs.
  pm.addNestedPass<func::FuncOp>(createParallelLoopTilingPass(
      {options.blockSize}, /*noMinMaxBounds=*/true));
  pm.addNestedPass<func::FuncOp>(createGpuMapParallelLoopsPass());
  pm.addNestedPass<func::FuncOp>(createConvertParallelLoopToGpuPass());
  pm.addPass(createLowerAffinePass());
  pm.addPass(createCanonicalizerPass());
  pm.addPass(createCSEPass());
  pm.addPass(createGpuKernelOutliningPass());
  GpuNVVMAttachTargetOptions target;
  target.chip = options.chip;
  target.features = options.features;
  target.optLevel = 3;
  pm.addPass(createGpuNVVMAttachTarget(target));

  // Kernels: NVVM.
  ConvertGpuOpsToNVVMOpsOptions nvvm;
  nvvm.indexBitwidth = 64;
  OpPassManager &kernels = pm.nest<gpu::GPUModuleOp>();
  kernels.addPass(createConvertGpuOpsToNVVMOps(nvvm));
  kernels.addPass(createCanonicalizerPass());
  kernels.addPass(createCSEPass());

  // Host: LLVM, with launches of the embedded binary.
  pm.addPass(createSCFToControlFlowPass());
  pm.addPass(memref::createExpandStridedMetadataPass());
  pm.addPass(createLowerAffinePass());
  FinalizeMemRefToLLVMConversionPassOptions memrefToLLVM;
  memrefToLLVM.useGenericFunctions = true; // managed memory, cached
  pm.addPass(createFinalizeMemRefToLLVMConversionPass(memrefToLLVM));
  pm.addPass(createConvertMathToLLVMPass());
  pm.addPass(createArithToLLVMConversionPass());
  pm.addPass(createConvertIndexToLLVMPass());
  pm.addPass(createGpuToLLVMConversionPass());
  pm.addPass(createConvertFuncToLLVMPass());
  pm.addPass(createConvertControlFlowToLLVMPass());
  pm.addPass(createReconcileUnrealizedCastsPass());

  GpuModuleToBinaryPassOptions binary;
  binary.compilationTarget = options.format;
  binary.toolkitPath = options.toolkit;
  pm.addPass(createGpuModuleToBinaryPass(binary));
  pm.addPass(createCanonicalizerPass());
}
