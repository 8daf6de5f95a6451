//===- Pipelines.h - coco's named pass pipelines -----------------*- C++ -*-===//

#ifndef COCO_PIPELINES_PIPELINES_H
#define COCO_PIPELINES_PIPELINES_H

#include "mlir/Pass/PassOptions.h"

namespace mlir {
class OpPassManager;
namespace coco {

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
                     "(coco-fuse-reduce-scatter)"),
      llvm::cl::init(false)};
  PassOptions::Option<int64_t> overlapChunks{
      *this, "overlap-chunks",
      llvm::cl::desc("Overlap each matmul with the all_reduce (or column "
                     "reduce_scatter) of its result in this many row blocks "
                     "(coco-overlap; 0 = only collectives a schedule marked "
                     "with transform.coco.overlap)"),
      llvm::cl::init(0)};
};

/// coco (global view) -> LLVM dialect calling the coco runtime:
/// coco-localize, [coco-fuse-reduce-scatter], elementwise fusion, one-shot bufferization, buffer
/// deallocation, linalg -> loops, convert-coco-to-llvm, and the upstream
/// conversions to LLVM.
void buildCocoLowerToCPUPipeline(OpPassManager &pm,
                                 const CPUPipelineOptions &options);

/// Registers `coco-lower-to-cpu`.
void registerCocoPipelines();

} // namespace coco
} // namespace mlir

#endif // COCO_PIPELINES_PIPELINES_H
