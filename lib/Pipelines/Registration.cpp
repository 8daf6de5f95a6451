//===- Registration.cpp - coco's named pipelines --------------------------===//

#include "coco/Pipelines/Pipelines.h"

#include "mlir/Pass/PassRegistry.h"

using namespace mlir;
using namespace mlir::coco;

void mlir::coco::registerCocoPipelines() {
  PassPipelineRegistration<CPUPipelineOptions>(
      "coco-lower-to-cpu",
      "Lowers a coco program (global view) to the LLVM dialect with calls "
      "into the coco runtime (MPI backend)",
      buildCocoLowerToCPUPipeline);
  PassPipelineRegistration<GPUPipelineOptions>(
      "coco-lower-to-gpu",
      "Lowers a coco program (global view) to host LLVM dialect code with "
      "NVVM kernels in a gpu.binary, calling NCCL and cuBLAS through the "
      "coco GPU runtime",
      buildCocoLowerToGPUPipeline);
  registerCheckCPUPipelineOptionsPass();
  registerCheckGPUPipelineOptionsPass();
}
