//===- Pipelines.h - coco's named pass pipelines ----------------*- C++ -*-===//

#ifndef COCO_PIPELINES_PIPELINES_H
#define COCO_PIPELINES_PIPELINES_H

#include "mlir/Pass/PassOptions.h"

// Where CMake found the CUDA toolkit (overridable per run).
#ifndef COCO_DEFAULT_CUDA_TOOLKIT
#define COCO_DEFAULT_CUDA_TOOLKIT "/usr/local/cuda"
#endif

namespace mlir {
class OpPassManager;
namespace coco {

/// How coco-lower-to-cpu schedules: as the program says, or by the cost
/// model (coco-autoschedule); Chosen: the cost model already chose it
/// (coco-compile runs coco-autoschedule first, and passes the rest of the
/// options on).
enum class ScheduleMode { Given, Auto, Chosen };

struct CPUPipelineOptions : public PassPipelineOptions<CPUPipelineOptions> {
  PassOptions::Option<bool> fuseElementwise{
      *this, "fuse-elementwise",
      llvm::cl::desc("Fuse producer/consumer elementwise linalg ops before "
                     "bufferization (one loop per pointwise chain)"),
      llvm::cl::init(true)};
  PassOptions::Option<bool> fuseReduceScatter{
      *this, "fuse-reduce-scatter",
      llvm::cl::desc("Fold dim-0 reduce_scatters on static grid axes into "
                     "their pointwise consumers' loop "
                     "(coco-fuse-reduce-scatter; false: only those a "
                     "schedule marked coco.fuse_reduce_scatter)"),
      llvm::cl::init(false)};
  PassOptions::Option<int64_t> exchangeChunkBytes{
      *this, "exchange-chunk-bytes",
      llvm::cl::desc("A fused reduce-scatter's exchange runs in chunks of "
                     "this many bytes (from all peers together), each "
                     "summed by the loop "
                     "right after it arrives (coco-chunk-exchange; 0: the "
                     "whole block before the loop)"),
      llvm::cl::init(1 << 20)};
  PassOptions::Option<int64_t> overlapChunks{
      *this, "overlap-chunks",
      llvm::cl::desc("Overlap each matmul with the all_reduce (or column "
                     "reduce_scatter) of its result in this many row blocks "
                     "(coco-overlap; 0 = only collectives a schedule marked "
                     "with transform.coco.overlap)"),
      llvm::cl::init(0)};
  PassOptions::Option<ScheduleMode> schedule{
      *this, "schedule",
      llvm::cl::desc("auto: coco-autoschedule chooses the schedule first "
                     "(needs profile=); given (default): the program as it is"),
      llvm::cl::init(ScheduleMode::Given),
      llvm::cl::values(
          clEnumValN(ScheduleMode::Given, "given", "the program's schedule"),
          clEnumValN(ScheduleMode::Auto, "auto",
                     "chosen by the cost model (coco-autoschedule)"),
          clEnumValN(ScheduleMode::Chosen, "chosen",
                     "chosen already by coco-autoschedule (coco-compile's "
                     "pre-pass): the options of auto are accepted, unused"))};
  PassOptions::Option<std::string> profile{
      *this, "profile",
      llvm::cl::desc("machine profile for schedule=auto (JSON)"),
      llvm::cl::init("")};
  PassOptions::Option<int64_t> ranks{
      *this, "ranks",
      llvm::cl::desc("number of ranks for schedule=auto ('?' grid extents)"),
      llvm::cl::init(0)};
  PassOptions::ListOption<std::string> state{
      *this, "state",
      llvm::cl::desc("for schedule=auto: arguments a schedule may shard")};
  PassOptions::Option<int64_t> callerBytes{
      *this, "caller-bytes",
      llvm::cl::desc("for schedule=auto: bytes per rank the caller touches "
                     "between two calls (0: called in a loop of its own)"),
      llvm::cl::init(0)};
};

struct GPUPipelineOptions : public PassPipelineOptions<GPUPipelineOptions> {
  PassOptions::Option<bool> fuseElementwise{
      *this, "fuse-elementwise",
      llvm::cl::desc("Fuse elementwise linalg ops (one kernel per pointwise "
                     "chain)"),
      llvm::cl::init(true)};
  PassOptions::Option<bool> fuseReduceScatter{
      *this, "fuse-reduce-scatter",
      llvm::cl::desc("Fold dim-0 reduce_scatters into their consumers' kernel "
                     "(coco-fuse-reduce-scatter: all_to_all + sum; false: "
                     "only those a schedule marked)"),
      llvm::cl::init(false)};
  PassOptions::Option<int64_t> overlapChunks{
      *this, "overlap-chunks",
      llvm::cl::desc("As in coco-lower-to-cpu: chunked matmul (cuBLAS) with "
                     "non-blocking NCCL collectives on a second stream"),
      llvm::cl::init(0)};
  PassOptions::Option<std::string> chip{
      *this, "chip", llvm::cl::desc("GPU architecture of the kernels"),
      llvm::cl::init("sm_90")};
  PassOptions::Option<std::string> features{
      *this, "features",
      llvm::cl::desc("PTX features (sm_90 needs PTX 7.8 or later)"),
      llvm::cl::init("+ptx80")};
  PassOptions::Option<std::string> format{
      *this, "format",
      llvm::cl::desc("gpu-module-to-binary format: fatbin (cubin + PTX), "
                     "bin (cubin), isa (PTX), llvm, offloading"),
      llvm::cl::init("fatbin")};
  PassOptions::Option<std::string> toolkit{
      *this, "toolkit",
      llvm::cl::desc("CUDA toolkit whose ptxas/fatbinary build the binary"),
      llvm::cl::init(COCO_DEFAULT_CUDA_TOOLKIT)};
  PassOptions::Option<int64_t> blockSize{
      *this, "block-size",
      llvm::cl::desc("threads per block of the generated kernels"),
      llvm::cl::init(256)};
};

/// coco (global view) -> LLVM dialect calling the coco runtime:
/// coco-localize, [coco-fuse-reduce-scatter], elementwise fusion, one-shot
/// bufferization, buffer deallocation (coco-free-after-last-use),
/// convert-coco-to-llvm, linalg -> loops, coco-scf-to-cf, and
/// coco-finalize-to-llvm.
void buildCocoLowerToCPUPipeline(OpPassManager &pm,
                                 const CPUPipelineOptions &options);

/// The front half both pipelines share: coco-localize,
/// coco-fuse-reduce-scatter (of the marked reduce_scatters only, unless
/// `fuseReduceScatter`), [coco-fuse-elementwise, folding reductions into
/// loops with `fuseReductions`], one-shot bufferization, coco-overlap,
/// coco-update-in-place, buffer deallocation (temporaries that cannot
/// escape get a memref.dealloc each, by coco-free-after-last-use: right
/// after their last use with `freeAfterLastUse`, else at the end of their
/// block); with `exchangeChunkBytes` > 0, coco-chunk-exchange after
/// coco-update-in-place (an exchange it leaves whole is a warning with
/// `warnUnchunkedExchanges`, else a remark).
void buildCocoBufferizePipeline(OpPassManager &pm, bool fuseElementwise,
                                bool fuseReductions, bool fuseReduceScatter,
                                int64_t overlapChunks, bool freeAfterLastUse,
                                int64_t exchangeChunkBytes,
                                bool warnUnchunkedExchanges);

/// coco (global view) -> host LLVM dialect + gpu.binary with the kernels:
/// the shared front half, matmuls to cuBLAS and collectives to NCCL
/// (convert-coco-to-llvm{runtime=gpu}), linalg -> parallel loops -> GPU
/// kernels (one per fused pointwise group), NVVM, gpu-to-llvm, and
/// gpu-module-to-binary for `chip`.
void buildCocoLowerToGPUPipeline(OpPassManager &pm,
                                 const GPUPipelineOptions &options);

/// The last pass of both pipelines: canonicalize the LLVM dialect (it
/// folds the memref descriptors the conversion built and never reads,
/// about a third of the ops), without region simplification (the liveness
/// of every block argument of every block, more than the folding costs,
/// and nothing for it to find) and bottom-up (dead descriptor chains go
/// from their last op back: half the time of top-down, same IR).
void addLLVMCleanup(OpPassManager &pm);

/// Registers `coco-lower-to-cpu` and `coco-lower-to-gpu`.
void registerCocoPipelines();

/// Registers coco-check-gpu-options, coco-lower-to-gpu's first pass, so that
/// the pipeline --dump-pass-pipeline prints parses again (registerCocoPipelines
/// calls it).
void registerCheckGPUPipelineOptionsPass();

/// Registers coco-check-cpu-options, coco-lower-to-cpu's first pass, likewise.
void registerCheckCPUPipelineOptionsPass();

} // namespace coco
} // namespace mlir

#endif // COCO_PIPELINES_PIPELINES_H
