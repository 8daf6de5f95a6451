//===- Predict.cpp - the cost model's prediction, as a remark -------------===//

#include "coco/CostModel/ProgramCost.h"
#include "coco/Dialect/Coco/Transforms/NestedModules.h"
#include "coco/Dialect/Coco/Transforms/Passes.h"
#include "coco/Dialect/Coco/Transforms/Schedules.h"

#include "mlir/IR/Remarks.h"
#include "llvm/Support/FormatVariadic.h"

namespace mlir::coco {
#define GEN_PASS_DEF_COCOPREDICTPASS
#include "coco/Dialect/Coco/Transforms/Passes.h.inc"
} // namespace mlir::coco

using namespace mlir;
using namespace mlir::coco;

namespace {
constexpr double kMiB = 1 << 20;

/// How warm the collectives were priced, where the profile has warm lines:
/// " (62% warm, 16.000 MiB of cache per rank)".
std::string warmthNote(const cost::Estimate &estimate,
                       const cost::Profile &profile) {
  if (!profile.hasWarmLines() || !(profile.cacheBytes > 0))
    return "";
  return llvm::formatv(" ({0:f0}% warm, {1:f3} MiB of cache per rank)",
                       estimate.warmth * 100, profile.cacheBytes / kMiB)
      .str();
}

/// The working set the prediction assumed: "; arrays 5.250 MiB per rank
/// and 19.500 MiB of the caller's".
std::string workingSetNote(const cost::Estimate &estimate,
                           int64_t callerBytes) {
  std::string note =
      llvm::formatv("; arrays {0:f3} MiB per rank", estimate.workingSet / kMiB)
          .str();
  if (callerBytes > 0)
    note += llvm::formatv(" and {0:f3} MiB of the caller's",
                          double(callerBytes) / kMiB)
                .str();
  return note;
}

struct CocoPredictPass
    : public coco::impl::CocoPredictPassBase<CocoPredictPass> {
  using CocoPredictPassBase::CocoPredictPassBase;

  /// How the pipeline will lower the program, as the options say.
  cost::Lowering lowering() const {
    return {fuseElementwise, overlapChunks, fuseReduceScatter, fuseReductions,
            exchangeChunkBytes};
  }

  void runOnOperation() override {
    ModuleOp module = getOperation();
    if (failed(checkNoNestedCocoModule(module, "coco-predict")))
      return signalPassFailure();
    FailureOr<cost::Model> loaded = cost::loadModelFor(
        module, "coco-predict", profile, ranks, lowering(), callerBytes);
    if (failed(loaded))
      return signalPassFailure();
    const cost::Model &model = *loaded;
    // ranks=0: the grids are static (loadModelFor checked); the program
    // runs on the ranks of its largest one.
    int64_t worldRanks = ranks;
    if (worldRanks < 1) {
      worldRanks = 1;
      module.walk([&](GridOp grid) {
        int64_t product = 1;
        for (int64_t extent : grid.getShape())
          product *= extent;
        worldRanks = std::max(worldRanks, product);
      });
    }
    for (auto function : module.getOps<func::FuncOp>()) {
      if (function.isExternal() || !function.isPublic())
        continue;
      if (cost::isRankLocal(function)) {
        function.emitWarning()
            << "coco-predict prices coco's global view; @" << function.getName()
            << " is rank-local (coco.comm collectives, after coco-localize "
               "or convert-shard-to-coco): not priced";
        continue;
      }
      FailureOr<cost::Estimate> estimate =
          cost::estimate(function, model, worldRanks, lowering(), callerBytes);
      if (failed(estimate))
        return signalPassFailure();
      remark::analysis(function.getLoc(), remark::RemarkOpts::name("predicted")
                                              .category("coco-predict")
                                              .function(function.getName()))
          << llvm::formatv("{0:f4} ms per call on {1} rank(s) with {2}: "
                           "collectives {3:f4} ms{8}, loops {4:f4} ms{5}, "
                           "matmuls {6:f4} ms, overlapped {7:f4} ms{9}",
                           estimate->total() * 1e3, worldRanks,
                           model.getProfile().name, estimate->collectives * 1e3,
                           estimate->loops * 1e3,
                           estimate->dividerWait > 0
                               ? llvm::formatv(" ({0:f4} ms of it waiting for "
                                               "divides and square roots)",
                                               estimate->dividerWait * 1e3)
                                     .str()
                               : std::string(),
                           estimate->matmuls * 1e3, estimate->overlapped * 1e3,
                           warmthNote(*estimate, model.getProfile()),
                           workingSetNote(*estimate, callerBytes))
                 .str();
    }
  }
};
} // namespace
