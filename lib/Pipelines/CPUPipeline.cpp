//===- CPUPipeline.cpp - coco-lower-to-cpu --------------------------------===//

#include "coco/Conversion/Passes.h"
#include "coco/Dialect/Coco/Transforms/Passes.h"
#include "coco/Pipelines/Pipelines.h"
#include "coco/Transforms/Passes.h"

#include "mlir/Conversion/Passes.h"
#include "mlir/Dialect/Arith/Transforms/Passes.h"
#include "mlir/Dialect/Bufferization/Pipelines/Passes.h"
#include "mlir/Dialect/Bufferization/Transforms/Passes.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/Linalg/Passes.h"
#include "mlir/Dialect/MemRef/Transforms/Passes.h"
#include "mlir/Pass/PassManager.h"
#include "mlir/Pass/PassRegistry.h"
#include "mlir/Transforms/Passes.h"

using namespace mlir;
using namespace mlir::coco;

void mlir::coco::buildCocoBufferizePipeline(OpPassManager &pm,
                                            bool fuseElementwise,
                                            bool fuseReduceScatter,
                                            int64_t overlapChunks) {
  pm.addPass(createCocoLocalizePass());
  if (fuseReduceScatter)
    pm.addNestedPass<func::FuncOp>(createCocoFuseReduceScatterPass());
  pm.addPass(createCanonicalizerPass());
  // CSE first: one value per slice size, so dynamic shapes compare equal.
  pm.addPass(createCSEPass());
  if (fuseElementwise)
    pm.addNestedPass<func::FuncOp>(createCocoFuseElementwisePass());
  pm.addPass(createCSEPass());
  // After the last CSE: one destination per op keeps the bufferization
  // analysis linear in the program (CSE made them one value).
  pm.addNestedPass<func::FuncOp>(createCocoDistinctDestinationsPass());

  bufferization::OneShotBufferizePassOptions bufferize;
  bufferize.bufferizeFunctionBoundaries = true;
  bufferize.functionBoundaryTypeConversion =
      bufferization::LayoutMapOption::IdentityLayoutMap;
  pm.addPass(bufferization::createOneShotBufferizePass(bufferize));
  // Always: collectives a schedule marked for overlap are chunked even when
  // the pipeline option does not ask for all of them.
  CocoOverlapPassOptions overlap;
  overlap.chunks = overlapChunks;
  pm.addNestedPass<func::FuncOp>(createCocoOverlapPass(overlap));
  pm.addNestedPass<func::FuncOp>(createCocoUpdateInPlacePass());
  bufferization::BufferDeallocationPipelineOptions deallocation;
  bufferization::buildBufferDeallocationPipeline(pm, deallocation);
  // Buffers yielded out of scf.if (a pipeline stage's branch) are cloned by
  // the ownership-based deallocation: clones become alloc + copy.
  pm.addPass(createConvertBufferizationToMemRefPass());
}

void mlir::coco::buildCocoLowerToCPUPipeline(
    OpPassManager &pm, const CPUPipelineOptions &options) {
  // schedule=auto: the cost model picks the schedule on the global view,
  // before anything is lowered.
  if (options.schedule == ScheduleMode::Auto) {
    CocoAutoschedulePassOptions autoschedule;
    autoschedule.profile = options.profile;
    autoschedule.ranks = options.ranks;
    autoschedule.state = llvm::to_vector(options.state);
    // Priced as this pipeline lowers.
    autoschedule.fuseElementwise = options.fuseElementwise;
    autoschedule.overlapChunks = options.overlapChunks;
    autoschedule.fuseReduceScatter = options.fuseReduceScatter;
    pm.addPass(createCocoAutoschedulePass(autoschedule));
  }
  buildCocoBufferizePipeline(pm, options.fuseElementwise,
                             options.fuseReduceScatter, options.overlapChunks);

  // The runtime calls first, while matmuls are still linalg.matmul (those
  // BLAS computes become coco_rt_matmul); they take the memref descriptors
  // as they are.
  pm.addPass(createConvertCocoToLLVMPass());
  pm.addNestedPass<func::FuncOp>(createCocoMatmulLoopOrderPass());
  pm.addNestedPass<func::FuncOp>(createConvertLinalgToLoopsPass());
  pm.addPass(createLowerAffinePass());
  // Without rollback: the rollback log records every op a split block
  // moves, quadratic in time and memory in a long function (an optimizer
  // step over 16,000 ops: 2.1 s and 800 MB here, 0.3 s and 94 MB without).
  SCFToControlFlowPassOptions scfToCF;
  scfToCF.allowPatternRollback = false;
  pm.addPass(createSCFToControlFlowPass(scfToCF));
  pm.addPass(memref::createExpandStridedMetadataPass());
  pm.addPass(createLowerAffinePass());
  // Allocations go through the runtime's caching allocator
  // (lib/Runtime/Allocator.cpp): no page faults on every call.
  FinalizeMemRefToLLVMConversionPassOptions memrefToLLVM;
  memrefToLLVM.useGenericFunctions = true;
  pm.addPass(createFinalizeMemRefToLLVMConversionPass(memrefToLLVM));
  // bf16 conversions become integer ops: no compiler-rt helper is needed.
  arith::ArithExpandOpsPassOptions expand;
  expand.includeBf16 = true;
  pm.addPass(arith::createArithExpandOpsPass(expand));
  pm.addPass(createConvertMathToLLVMPass());
  pm.addPass(createArithToLLVMConversionPass());
  pm.addPass(createConvertFuncToLLVMPass());
  pm.addPass(createConvertControlFlowToLLVMPass());
  pm.addPass(createReconcileUnrealizedCastsPass());
  pm.addPass(createCanonicalizerPass());
}
