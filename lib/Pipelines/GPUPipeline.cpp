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
#include "coco/Dialect/Coco/Transforms/Passes.h"
#include "coco/Pipelines/Pipelines.h"
#include "coco/Transforms/Passes.h"

#include "mlir/Conversion/Passes.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/GPU/IR/GPUDialect.h"
#include "mlir/Dialect/GPU/Transforms/Passes.h"
#include "mlir/Dialect/LLVMIR/NVVMDialect.h"
#include "mlir/Dialect/Linalg/Passes.h"
#include "mlir/Dialect/MemRef/Transforms/Passes.h"
#include "mlir/Dialect/SCF/Transforms/Passes.h"
#include "mlir/Pass/PassManager.h"
#include "mlir/Transforms/Passes.h"

#include "llvm/Support/FileSystem.h"
#include "llvm/Support/Path.h"
#include "llvm/Support/Regex.h"

using namespace mlir;
using namespace mlir::coco;

namespace {
/// The PTX ISA version (x10) a chip needs at least, or 0 if unknown.
int minimumPtxVersion(int sm) {
  // Not monotonic: sm_110 (CUDA 13's name for Thor) and sm_88 came with
  // PTX 9.0, sm_103 and sm_121 with 8.8, sm_120 with 8.7.
  if (sm >= 121)
    return 88;
  if (sm >= 120)
    return 87;
  if (sm >= 110)
    return 90;
  if (sm >= 103)
    return 88;
  if (sm >= 100)
    return 86;
  if (sm >= 89)
    return 78;
  if (sm == 88)
    return 90;
  if (sm >= 87)
    return 74;
  if (sm >= 86)
    return 71;
  if (sm >= 80)
    return 70;
  if (sm >= 75)
    return 63;
  if (sm >= 70)
    return 60;
  return sm >= 50 ? 50 : 0;
}

/// Why `chip` with PTX `features` cannot be compiled for (an NVPTX target
/// LLVM would stop on with a fatal error), or none.
std::optional<std::string> checkTarget(StringRef chip, StringRef features) {
  SmallVector<StringRef> match;
  int sm = 0;
  if (!llvm::Regex("^sm_([0-9]+)([af]?)$").match(chip, &match) ||
      match[1].getAsInteger(10, sm))
    return ("chip must look like sm_90, got '" + chip + "'").str();
  // Architecture-specific variants (sm_90a) need PTX 8.0+, family-specific
  // ones (sm_100f) PTX 8.8+.
  int minimum = minimumPtxVersion(sm);
  if (match[2] == "a")
    minimum = std::max(minimum, 80);
  else if (match[2] == "f")
    minimum = std::max(minimum, 88);
  SmallVector<StringRef> ptx;
  int version = 0;
  if (llvm::Regex("\\+ptx([0-9]+)").match(features, &ptx)) {
    if (ptx[1].getAsInteger(10, version))
      return ("features: PTX version '" + ptx[1] + "' is not a number").str();
    if (version < minimum)
      return ("PTX " + Twine(version / 10) + "." + Twine(version % 10) +
              " (features=" + features + ") cannot target " + chip +
              ", which needs PTX " + Twine(minimum / 10) + "." +
              Twine(minimum % 10) + " or later")
          .str();
  }
  return std::nullopt;
}

/// First step of coco-lower-to-gpu (and again before the binary is made):
/// rejects options and NVVM targets that would otherwise end in an LLVM
/// fatal error (a PTX version too old for the chip), a silently broken
/// tiling (block-size <= 0) or an error that does not fail the run.
/// Registered (coco-check-gpu-options) with the pipeline's options as its
/// own, so that the pipeline --dump-pass-pipeline prints can be run again.
struct CheckGPUPipelineOptions
    : public PassWrapper<CheckGPUPipelineOptions, OperationPass<ModuleOp>> {
  MLIR_DEFINE_EXPLICIT_INTERNAL_INLINE_TYPE_ID(CheckGPUPipelineOptions)

  CheckGPUPipelineOptions() = default;
  CheckGPUPipelineOptions(const CheckGPUPipelineOptions &other)
      : PassWrapper(other) {}
  CheckGPUPipelineOptions(const GPUPipelineOptions &options) {
    chipOption = options.chip;
    featuresOption = options.features;
    formatOption = options.format;
    toolkitOption = options.toolkit;
    blockSizeOption = options.blockSize;
  }

  StringRef getArgument() const final { return "coco-check-gpu-options"; }
  StringRef getDescription() const final {
    return "coco-lower-to-gpu's checks (its first pass, and again before "
           "the binary is made): its chip, features, format, toolkit and "
           "block-size options, every kernel module's NVVM target, and that "
           "every function with kernels has a name PTX can hold";
  }

  // The defaults are coco-lower-to-gpu's.
  static const GPUPipelineOptions &pipelineDefaults() {
    static const GPUPipelineOptions defaults;
    return defaults;
  }
  Option<std::string> chipOption{
      *this, "chip", llvm::cl::desc("GPU architecture of the kernels"),
      llvm::cl::init(pipelineDefaults().chip)};
  Option<std::string> featuresOption{
      *this, "features", llvm::cl::desc("PTX features"),
      llvm::cl::init(pipelineDefaults().features)};
  Option<std::string> formatOption{
      *this, "format", llvm::cl::desc("gpu-module-to-binary format"),
      llvm::cl::init(pipelineDefaults().format)};
  Option<std::string> toolkitOption{*this, "toolkit",
                                    llvm::cl::desc("CUDA toolkit with ptxas"),
                                    llvm::cl::init(pipelineDefaults().toolkit)};
  Option<int64_t> blockSizeOption{
      *this, "block-size",
      llvm::cl::desc("threads per block of the generated kernels"),
      llvm::cl::init(pipelineDefaults().blockSize)};

  void runOnOperation() override {
    std::string chip = chipOption, features = featuresOption,
                format = formatOption, toolkit = toolkitOption;
    int64_t blockSize = blockSizeOption;
    auto fail = [&](const Twine &message) {
      mlir::emitError(getOperation().getLoc())
          << "coco-lower-to-gpu: " << message;
      signalPassFailure();
    };
    if (blockSize < 1 || blockSize > 1024)
      return fail("block-size must be 1..1024 (threads per block), got " +
                  Twine(blockSize));
    if (!llvm::is_contained({"fatbin", "bin", "isa", "llvm", "offloading"},
                            format))
      return fail("format must be fatbin, bin, isa, llvm or offloading, got '" +
                  format + "'");
    if (std::optional<std::string> error = checkTarget(chip, features))
      return fail(*error);
    // Targets a kernel module has already (the program's own, or those of
    // nvvm-attach-target in a pipeline run from --dump-pass-pipeline with
    // other options): upstream stops with an LLVM fatal error on the same
    // mistakes.
    WalkResult badTarget = getOperation()->walk([&](gpu::GPUModuleOp kernels) {
      for (Attribute attr : kernels.getTargetsAttr()
                                ? kernels.getTargetsAttr().getValue()
                                : ArrayRef<Attribute>())
        if (auto target = dyn_cast<NVVM::NVVMTargetAttr>(attr))
          if (std::optional<std::string> error =
                  checkTarget(target.getChip(), target.getFeatures())) {
            mlir::emitError(kernels.getLoc()) // without the module's ops
                << "coco-lower-to-gpu: gpu.module @" << kernels.getSymName()
                << "'s target " << target << ": " << *error;
            return WalkResult::interrupt();
          }
      return WalkResult::advance();
    });
    if (badTarget.wasInterrupted())
      return signalPassFailure();
    if (format == "bin" || format == "fatbin") {
      SmallString<256> ptxas(toolkit);
      llvm::sys::path::append(ptxas, "bin", "ptxas");
      if (!llvm::sys::fs::can_execute(ptxas))
        return fail("format=" + format + " needs ptxas, but the toolkit '" +
                    toolkit + "' has no " + ptxas.str() +
                    " (set toolkit=<CUDA dir>, or format=isa for PTX only)");
    }
    // Every format links the kernels with the toolkit's libdevice (exp,
    // log, pow, ...): without it, gpu-module-to-binary printed an error and
    // exited 0, with calls of __nv_expf left unresolved in the PTX.
    // (An empty toolkit lets upstream look in CUDA_ROOT, CUDA_HOME and
    // CUDA_PATH.)
    SmallString<256> libdevice(toolkit);
    llvm::sys::path::append(libdevice, "nvvm", "libdevice", "libdevice.10.bc");
    if (!toolkit.empty() && !llvm::sys::fs::exists(libdevice))
      return fail("the toolkit '" + toolkit + "' has no " + libdevice.str() +
                  ", whose math functions (libdevice) the kernels are linked "
                  "with (set toolkit=<CUDA dir>)");
    // A function's kernels are named after it (<function>_kernel), and the
    // NVPTX backend aborts on a name PTX cannot hold.
    llvm::Regex ptxName("^[A-Za-z_$][A-Za-z0-9_$]*$");
    for (auto function : getOperation().getOps<func::FuncOp>())
      if (!function.isExternal() && !ptxName.match(function.getSymName())) {
        mlir::emitError(function.getLoc())
            << "coco-lower-to-gpu: function @" << function.getSymName()
            << ": its kernels are named after it, and a PTX name has only "
               "letters, digits, '_' and '$' and does not start with a digit";
        return signalPassFailure();
      }
  }
};
} // namespace

void mlir::coco::registerCheckGPUPipelineOptionsPass() {
  PassRegistration<CheckGPUPipelineOptions>();
}

void mlir::coco::buildCocoLowerToGPUPipeline(
    OpPassManager &pm, const GPUPipelineOptions &options) {
  pm.addPass(std::make_unique<CheckGPUPipelineOptions>(options));
  // Buffers are freed where the block ends, as upstream does: the GPU path
  // has not yet run on a GPU to show that every kernel, NCCL and cuBLAS call
  // is done with a buffer by the host's next op, which an earlier free
  // (coco-free-after-last-use) would need, as the caching allocator hands
  // the block out again at once. Each in a memref.dealloc of its own there
  // (coco-free-after-last-use{at-block-end}), so that the deallocation's
  // simplification stays linear.
  // Reductions stay linalg ops of their own: coco-gpu-reductions makes
  // them kernels (a loop that also writes elementwise results is not one
  // of the shapes it maps).
  buildCocoBufferizePipeline(pm, options.fuseElementwise,
                             /*fuseReductions=*/false,
                             options.fuseReduceScatter, options.overlapChunks,
                             /*freeAfterLastUse=*/false,
                             // NCCL's exchange and a kernel over the block:
                             // no CPU cache to keep the chunk in.
                             /*exchangeChunkBytes=*/0,
                             /*warnUnchunkedExchanges=*/false);

  // Library calls first, while matmuls are still linalg.matmul.
  ConvertCocoToLLVMPassOptions runtime;
  runtime.runtime = RuntimeTarget::GPU;
  pm.addPass(createConvertCocoToLLVMPass(runtime));

  // Reductions to a scalar: two kernels each, blocks of whole warps (the
  // option itself is checked by the first pass; this only has to be valid
  // for the pass's own initialization, which runs before it).
  CocoGPUReductionsPassOptions reductions;
  reductions.blockSize =
      (std::clamp<int64_t>(options.blockSize, 32, 1024) + 31) / 32 * 32;
  pm.addNestedPass<func::FuncOp>(createCocoGPUReductionsPass(reductions));
  // The rest of linalg (and copies) -> kernels, each over one flat range.
  pm.addNestedPass<func::FuncOp>(createCocoCopiesToLinalgPass());
  pm.addNestedPass<func::FuncOp>(createConvertLinalgToParallelLoopsPass());
  pm.addNestedPass<func::FuncOp>(createCocoFlattenParallelLoopsPass());
  // Blocks of `block-size` along each loop's first dim (1 along the others);
  // constant inner bounds with a guard, which the GPU mapping needs.
  pm.addNestedPass<func::FuncOp>(createParallelLoopTilingPass(
      {options.blockSize}, /*noMinMaxBounds=*/true));
  pm.addNestedPass<func::FuncOp>(createGpuMapParallelLoopsPass());
  pm.addNestedPass<func::FuncOp>(createConvertParallelLoopToGpuPass());
  pm.addPass(createWhenApplicable("lower-affine"));
  pm.addPass(createCocoCanonicalizePass());
  pm.addPass(createCSEPass());
  pm.addPass(createGpuKernelOutliningPass());
  // One binary per distinct kernel, not per launch.
  pm.addPass(createCocoDedupGPUModulesPass());
  // No compiled function keeps a C name, before gpu-to-llvm and the
  // finalization look up their runtime and libc functions by name (after
  // outlining, which names kernel modules after their functions).
  pm.addPass(createCocoIsolateSymbolsPass());
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
  kernels.addPass(createCocoCanonicalizePass());
  kernels.addPass(createCSEPass());

  // Host: LLVM, with launches of the embedded binary.
  // convert-scf-to-cf without rollback and last loop first: both linear in
  // a long block (see coco-scf-to-cf).
  pm.addPass(createCocoSCFToCFPass());
  pm.addPass(createWhenApplicable("expand-strided-metadata"));
  pm.addPass(createWhenApplicable("lower-affine"));
  FinalizeMemRefToLLVMConversionPassOptions memrefToLLVM;
  memrefToLLVM.useGenericFunctions = true; // managed memory, cached
  pm.addPass(createFinalizeMemRefToLLVMConversionPass(memrefToLLVM));
  pm.addPass(createConvertMathToLLVMPass());
  pm.addPass(createArithToLLVMConversionPass());
  pm.addPass(createConvertIndexToLLVMPass());
  pm.addPass(createGpuToLLVMConversionPass());
  // func and cf: convert-func-to-llvm on the host function's long entry
  // block is quadratic (see coco-finalize-to-llvm; 17 of 20 s at 16,000
  // ops). Its memref patterns find nothing left: finalize-memref-to-llvm
  // ran above.
  pm.addPass(createCocoFinalizeToLLVMPass());

  // Once more, now that every kernel module has its target: a pipeline
  // taken from --dump-pass-pipeline may attach others than the options say.
  // (Its options are its own: an edited gpu-module-to-binary{toolkit=...}
  // is not checked.)
  pm.addPass(std::make_unique<CheckGPUPipelineOptions>(options));
  GpuModuleToBinaryPassOptions binary;
  binary.compilationTarget = options.format;
  binary.toolkitPath = options.toolkit;
  pm.addPass(createGpuModuleToBinaryPass(binary));
  addLLVMCleanup(pm);
}
