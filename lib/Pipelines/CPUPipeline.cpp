//===- CPUPipeline.cpp - coco-lower-to-cpu --------------------------------===//

#include "coco/Conversion/Passes.h"
#include "coco/Dialect/Coco/Transforms/Passes.h"
#include "coco/Pipelines/Pipelines.h"
#include "coco/Transforms/Passes.h"

#include "mlir/Conversion/Passes.h"
#include "mlir/Dialect/Arith/Transforms/Passes.h"
#include "mlir/Dialect/Bufferization/Transforms/Passes.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/GPU/IR/GPUDialect.h"
#include "mlir/Dialect/Linalg/Passes.h"
#include "mlir/Dialect/MemRef/Transforms/Passes.h"
#include "mlir/Pass/PassManager.h"
#include "mlir/Pass/PassRegistry.h"
#include "mlir/Transforms/GreedyPatternRewriteDriver.h"
#include "mlir/Transforms/Passes.h"
#include "llvm/ADT/StringExtras.h"

using namespace mlir;
using namespace mlir::coco;

namespace {
/// coco-lower-to-cpu's first pass: refuses what the pipeline would
/// otherwise lower wrongly without a word. Registered
/// (coco-check-cpu-options), so that the pipeline --dump-pass-pipeline
/// prints parses again.
struct CheckCPUPipelineOptions
    : public PassWrapper<CheckCPUPipelineOptions, OperationPass<ModuleOp>> {
  MLIR_DEFINE_EXPLICIT_INTERNAL_INLINE_TYPE_ID(CheckCPUPipelineOptions)

  CheckCPUPipelineOptions() = default;
  CheckCPUPipelineOptions(const CheckCPUPipelineOptions &other)
      : PassWrapper(other) {}
  explicit CheckCPUPipelineOptions(ArrayRef<std::string> given) {
    autoOnlyOptions = given;
  }

  StringRef getArgument() const final { return "coco-check-cpu-options"; }
  StringRef getDescription() const final {
    return "coco-lower-to-cpu's first pass: refuses options only "
           "schedule=auto reads given without it, and GPU kernels and "
           "launches (coco-lower-to-gpu's)";
  }
  void getDependentDialects(DialectRegistry &registry) const override {
    registry.insert<gpu::GPUDialect>();
  }

  // The pipeline's options that only schedule=auto reads, given without
  // it: the program was lowered unscheduled without a word (even
  // profile=/nonexistent.json).
  ListOption<std::string> autoOnlyOptions{
      *this, "auto-only-options",
      llvm::cl::desc("options of coco-lower-to-cpu given that only "
                     "schedule=auto reads (each is an error)")};

  void runOnOperation() override {
    ModuleOp module = getOperation();
    if (!autoOnlyOptions.empty()) {
      mlir::emitError(module.getLoc())
          << "coco-lower-to-cpu: " << llvm::join(autoOnlyOptions, ", ")
          << " only tell schedule=auto how to choose the schedule: add "
             "schedule=auto, or leave them out to lower the program's own "
             "schedule";
      return signalPassFailure();
    }
    // The GPU dialect's ops (kernels, launches, thread ids, ...) have no
    // lowering here: a gpu.module's linalg ops failed in linalg's verifier
    // after their bodies became LLVM ops, an empty gpu.launch was dropped,
    // a coco.grid in a gpu.module was left in the output. Not refused: an
    // empty gpu.module (nothing to lower; LLVM translation drops it) and
    // the ops of a nested builtin.module, a program of its own that the
    // pipeline leaves as it is (it refuses one with coco ops, in
    // coco-localize).
    WalkResult gpuOp = module.walk<WalkOrder::PreOrder>([&](Operation *op) {
      if (auto nested = dyn_cast<ModuleOp>(op); nested && nested != module)
        return WalkResult::skip();
      if (!isa_and_nonnull<gpu::GPUDialect>(op->getDialect()))
        return WalkResult::advance();
      if (auto kernels = dyn_cast<gpu::GPUModuleOp>(op);
          kernels && kernels.getBody()->empty())
        return WalkResult::skip();
      // At the op's location, without the op: printed, a gpu.module would
      // be all its kernels.
      mlir::emitError(op->getLoc())
          << "coco-lower-to-cpu lowers coco programs for the CPU: '"
          << op->getName()
          << "', an op of the GPU dialect, has no lowering there (GPU "
             "kernels come from coco-lower-to-gpu, which makes them from "
             "the coco program itself)";
      return WalkResult::interrupt();
    });
    if (gpuOp.wasInterrupted())
      signalPassFailure();
  }
};
} // namespace

void mlir::coco::registerCheckCPUPipelineOptionsPass() {
  PassRegistration<CheckCPUPipelineOptions>();
}

void mlir::coco::buildCocoBufferizePipeline(
    OpPassManager &pm, bool fuseElementwise, bool fuseReductions,
    bool fuseReduceScatter, int64_t overlapChunks, bool freeAfterLastUse,
    int64_t exchangeChunkBytes, bool warnUnchunkedExchanges) {
  pm.addPass(createCocoLocalizePass());
  // Always: reduce_scatters a schedule marked are folded even when the
  // pipeline option does not ask for all of them.
  CocoFuseReduceScatterPassOptions fuse;
  fuse.markedOnly = !fuseReduceScatter;
  pm.addNestedPass<func::FuncOp>(createCocoFuseReduceScatterPass(fuse));
  pm.addPass(createCocoCanonicalizePass());
  // CSE first: one value per slice size, so dynamic shapes compare equal.
  pm.addPass(createCSEPass());
  if (fuseElementwise) {
    CocoFuseElementwisePassOptions fuse;
    fuse.reductions = fuseReductions;
    pm.addNestedPass<func::FuncOp>(createCocoFuseElementwisePass(fuse));
  }
  pm.addPass(createCSEPass());
  // After the last CSE: one destination per op keeps the bufferization
  // analysis linear in the program (CSE made them one value).
  pm.addNestedPass<func::FuncOp>(createCocoDistinctDestinationsPass());

  // Upstream's one-shot module bufferization, without its removal of the
  // arguments' attributes one at a time (quadratic in the arguments).
  pm.addPass(createCocoBufferizePass());
  // Always: collectives a schedule marked for overlap are chunked even when
  // the pipeline option does not ask for all of them.
  CocoOverlapPassOptions overlap;
  overlap.chunks = overlapChunks;
  pm.addNestedPass<func::FuncOp>(createCocoOverlapPass(overlap));
  pm.addNestedPass<func::FuncOp>(createCocoUpdateInPlacePass());
  // After update-in-place, which reads the loop's operands as they are.
  // (A negative size is the pass's error.)
  if (exchangeChunkBytes != 0) {
    CocoChunkExchangePassOptions chunk;
    chunk.chunkBytes = exchangeChunkBytes;
    chunk.warnNotApplied = warnUnchunkedExchanges;
    pm.addNestedPass<func::FuncOp>(createCocoChunkExchangePass(chunk));
  }
  // Upstream's buildBufferDeallocationPipeline, with coco-free-after-last-use
  // between the deallocation and its simplification: that simplification
  // compares every buffer freed at a block's end with every other.
  pm.addPass(createWhenApplicable("expand-realloc{emit-deallocs=false}"));
  pm.addPass(createCocoCanonicalizePass());
  pm.addPass(bufferization::createOwnershipBasedBufferDeallocationPass());
  CocoFreeAfterLastUsePassOptions free;
  free.atBlockEnd = !freeAfterLastUse;
  pm.addNestedPass<func::FuncOp>(createCocoFreeAfterLastUsePass(free));
  pm.addPass(createCocoCanonicalizePass());
  // The rest of upstream's pipeline (simplify and lower what is left), then
  // clones to alloc + copy (buffers yielded out of scf.if, a pipeline
  // stage's branch, are cloned by the ownership-based deallocation); only
  // when a bufferization op is left.
  pm.addPass(createCocoLowerDeallocationsPass());
  // Upstream's pipeline ends with CSE, whatever is left (when CSE finds
  // nothing it keeps all analyses, and is not verified again).
  pm.addPass(createCSEPass());
}

void mlir::coco::buildCocoLowerToCPUPipeline(
    OpPassManager &pm, const CPUPipelineOptions &options) {
  SmallVector<std::string> autoOnly;
  if (options.schedule == ScheduleMode::Given) {
    if (options.profile.hasValue())
      autoOnly.push_back("profile=");
    if (options.ranks.hasValue())
      autoOnly.push_back("ranks=");
    if (!options.state.empty())
      autoOnly.push_back("state=");
    if (options.callerBytes.hasValue())
      autoOnly.push_back("caller-bytes=");
  }
  pm.addPass(std::make_unique<CheckCPUPipelineOptions>(autoOnly));
  if (!autoOnly.empty())
    return;
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
    autoschedule.exchangeChunkBytes = options.exchangeChunkBytes;
    autoschedule.callerBytes = options.callerBytes;
    pm.addPass(createCocoAutoschedulePass(autoschedule));
  }
  buildCocoBufferizePipeline(
      pm, options.fuseElementwise,
      /*fuseReductions=*/true, options.fuseReduceScatter, options.overlapChunks,
      /*freeAfterLastUse=*/true, options.exchangeChunkBytes,
      // The user gave the size: an exchange left whole is a warning.
      /*warnUnchunkedExchanges=*/options.exchangeChunkBytes.hasValue());

  // No compiled function keeps a C name, before the lowering looks up
  // its runtime, libc and libm functions by name.
  pm.addPass(createCocoIsolateSymbolsPass());
  // The runtime calls first, while matmuls are still linalg.matmul (those
  // BLAS computes become coco_rt_matmul); they take the memref descriptors
  // as they are.
  pm.addPass(createConvertCocoToLLVMPass());
  pm.addNestedPass<func::FuncOp>(createCocoMatmulLoopOrderPass());
  pm.addNestedPass<func::FuncOp>(createConvertLinalgToLoopsPass());
  pm.addNestedPass<func::FuncOp>(createCocoPromoteLoopAccumulatorsPass());
  pm.addPass(createWhenApplicable("expand-strided-metadata"));
  // The affine.apply of linalg's loops and of the expanded metadata (and
  // any affine loop of the input), before the loops become branches.
  pm.addPass(createWhenApplicable("lower-affine"));
  // convert-scf-to-cf without rollback and last loop first: both linear in
  // a long block (see coco-scf-to-cf).
  pm.addPass(createCocoSCFToCFPass());
  // bf16 arithmetic (the fused reduce-scatter's sum of received blocks) in
  // f32, each result rounded to bf16; then bf16 conversions become integer
  // ops: no compiler-rt helper is needed, and the loops vectorize (f32 to
  // bf16 by coco's expansion, whose NaN test LLVM vectorizes; the rest by
  // upstream's).
  pm.addPass(createCocoPromoteBF16ArithPass());
  pm.addPass(createCocoExpandBF16TruncFPass());
  pm.addPass(createWhenApplicable("arith-expand{include-bf16=true}"));
  // memref (allocations through the runtime's caching allocator,
  // lib/Runtime/Allocator.cpp: no page faults on every call), math, arith,
  // func and cf to LLVM in one conversion, casts reconciled.
  pm.addPass(createCocoFinalizeToLLVMPass());
  addLLVMCleanup(pm);
}

void mlir::coco::addLLVMCleanup(OpPassManager &pm) {
  CocoCanonicalizePassOptions options;
  options.regionSimplify = false;
  options.topDown = false;
  pm.addPass(createCocoCanonicalizePass(options));
}
