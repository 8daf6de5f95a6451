//===- Autoschedule.cpp - the schedule the cost model predicts fastest ----===//
//
// Each candidate runs on a copy of the module (its remarks and diagnostics
// held back), the cost model prices the copy, and the cheapest candidate
// is applied to the module itself, with its own remarks, after a remark
// that ranks them all.
//
//===----------------------------------------------------------------------===//

#include "coco/CostModel/ProgramCost.h"
#include "coco/Dialect/Coco/Transforms/Passes.h"
#include "coco/Dialect/Coco/Transforms/Schedules.h"

#include "mlir/IR/Diagnostics.h"
#include "mlir/Pass/PassManager.h"
#include "mlir/Pass/PassRegistry.h"
#include "llvm/Support/FormatVariadic.h"

#include <functional>

namespace mlir::coco {
#define GEN_PASS_DEF_COCOAUTOSCHEDULEPASS
#include "coco/Dialect/Coco/Transforms/Passes.h.inc"
} // namespace mlir::coco

using namespace mlir;
using namespace mlir::coco;

namespace {

struct Candidate {
  std::string name;
  /// coco-opt passes (a pipeline on the module), then `extra` if any.
  std::string pipeline;
  std::function<LogicalResult(ModuleOp)> extra;
};

std::string milliseconds(double seconds) {
  return llvm::formatv("{0:f3} ms", seconds * 1e3).str();
}

struct CocoAutoschedulePass
    : public coco::impl::CocoAutoschedulePassBase<CocoAutoschedulePass> {
  using CocoAutoschedulePassBase::CocoAutoschedulePassBase;

  /// Applies `candidate` to a copy of the module (`trial`: every
  /// diagnostic held back) or to the module itself (errors held back, the
  /// schedules' warnings and remarks reported); the first error in `why`.
  LogicalResult apply(const Candidate &candidate, ModuleOp module, bool trial,
                      std::string &why) {
    ScopedDiagnosticHandler capture(&getContext(), [&](Diagnostic &diag) {
      bool error = diag.getSeverity() == DiagnosticSeverity::Error;
      if (error && why.empty())
        why = diag.str();
      return success(trial || error);
    });
    if (!candidate.pipeline.empty()) {
      if (trial) {
        PassManager pm(&getContext(), ModuleOp::getOperationName());
        if (failed(parsePassPipeline(candidate.pipeline, pm)) ||
            failed(pm.run(module)))
          return failure();
      } else {
        OpPassManager pm(ModuleOp::getOperationName());
        if (failed(parsePassPipeline(candidate.pipeline, pm)) ||
            failed(runPipeline(pm, module)))
          return failure();
      }
    }
    return candidate.extra ? candidate.extra(module) : success();
  }

  /// The predicted time of one call of every defined function (private
  /// ones count as called once).
  FailureOr<double> predict(ModuleOp module, const cost::Model &model,
                            std::string &why) {
    ScopedDiagnosticHandler capture(&getContext(), [&](Diagnostic &diag) {
      if (why.empty())
        why = diag.str();
      return success();
    });
    double total = 0;
    cost::Lowering lowering{fuseElementwise, overlapChunks, fuseReduceScatter};
    for (auto function : module.getOps<func::FuncOp>()) {
      if (function.isExternal())
        continue;
      FailureOr<cost::Estimate> estimate =
          cost::estimate(function, model, ranks, lowering);
      if (failed(estimate))
        return failure();
      total += estimate->total();
    }
    return total;
  }

  SmallVector<Candidate> candidates(ModuleOp module) {
    SmallVector<Candidate> list = {{"AR-C", "", nullptr}};
    bool splittable = false;
    SmallVector<int64_t> multiAxisInner;
    SmallVector<Operation *> overlappable;
    module.walk([&](AllReduceOp op) {
      splittable |= op.getInput().getType().getRank() > 0;
      SmallVector<int64_t> axes = op.getCommAxes();
      if (axes.size() > 1 && op.getInput().getType().getRank() > 0 &&
          !llvm::is_contained(multiAxisInner, axes.back()))
        multiAxisInner.push_back(axes.back());
      if (op.getInput().getDefiningOp<MatmulOp>())
        overlappable.push_back(op);
    });
    if (splittable) {
      list.push_back({"RS-C-AG", "coco-split,coco-reorder", nullptr});
      if (!state.empty()) {
        std::string names = llvm::join(state, ",");
        list.push_back(
            {"RS-C-AG+shard-state(" + names + ")",
             "coco-split,coco-reorder,coco-shard-state{args=" + names + "}",
             nullptr});
      }
    }
    for (int64_t inner : multiAxisInner)
      list.push_back({llvm::formatv("hierarchical(inner={0})+reorder", inner),
                      llvm::formatv("coco-hierarchical-all-reduce{{inner={0}},"
                                    "coco-reorder",
                                    inner),
                      nullptr});
    if (!overlappable.empty())
      for (int64_t chunks : {2, 4, 8})
        list.push_back({llvm::formatv("ol(MM,AR)-C x{0}", chunks), "",
                        [chunks](ModuleOp copy) -> LogicalResult {
                          IRRewriter rewriter(copy.getContext());
                          SmallVector<AllReduceOp> pairs;
                          copy.walk([&](AllReduceOp op) {
                            if (op.getInput().getDefiningOp<MatmulOp>())
                              pairs.push_back(op);
                          });
                          for (AllReduceOp op : pairs)
                            if (failed(markForOverlap(rewriter, op, chunks)))
                              return failure();
                          return success();
                        }});
    return list;
  }

  void runOnOperation() override {
    ModuleOp module = getOperation();
    FailureOr<cost::Model> loaded =
        cost::loadModelFor(module, "coco-autoschedule", profile, ranks);
    if (failed(loaded))
      return signalPassFailure();
    const cost::Model &model = *loaded;

    struct Priced {
      Candidate candidate;
      double seconds;
    };
    SmallVector<Priced> priced;
    SmallVector<std::string> skipped;
    {
      QuietScheduleRemarks quiet;
      for (const Candidate &candidate : candidates(module)) {
        OwningOpRef<ModuleOp> copy = module.clone();
        std::string why;
        if (failed(apply(candidate, *copy, /*trial=*/true, why))) {
          skipped.push_back(candidate.name + " (" +
                            (why.empty() ? "does not apply" : why) + ")");
          continue;
        }
        FailureOr<double> seconds = predict(*copy, model, why);
        if (failed(seconds)) {
          skipped.push_back(candidate.name + " (cannot be priced: " + why +
                            ")");
          continue;
        }
        priced.push_back({candidate, *seconds});
      }
    }
    if (priced.empty()) {
      module.emitError() << "coco-autoschedule: no candidate could be "
                            "priced: "
                         << llvm::join(skipped, "; ");
      return signalPassFailure();
    }
    // The fastest; on a tie the earlier (simpler) candidate.
    std::stable_sort(
        priced.begin(), priced.end(),
        [](const Priced &a, const Priced &b) { return a.seconds < b.seconds; });
    const Priced &best = priced.front();
    std::string ranking;
    for (const Priced &entry : priced)
      ranking += (ranking.empty() ? "" : ", ") + entry.candidate.name + " " +
                 milliseconds(entry.seconds);
    std::string message = "chose " + best.candidate.name + ": predicted " +
                          milliseconds(best.seconds) + " per step with " +
                          model.getProfile().name + " (ranking: " + ranking +
                          ")";
    if (!skipped.empty())
      message += "; left out: " + llvm::join(skipped, "; ");
    // At the functions that communicate (the module's first function if
    // none does).
    bool reported = false;
    for (auto function : module.getOps<func::FuncOp>())
      if (!function.isExternal() && function
                                        .walk([](CollectiveOpInterface) {
                                          return WalkResult::interrupt();
                                        })
                                        .wasInterrupted()) {
        remarkApplied(function, "autoschedule", message);
        reported = true;
      }
    if (!reported)
      for (auto function : module.getOps<func::FuncOp>()) {
        remarkApplied(function, "autoschedule", message);
        break;
      }

    std::string why;
    if (failed(apply(best.candidate, module, /*trial=*/false, why))) {
      module.emitError() << "coco-autoschedule: applying "
                         << best.candidate.name << " failed: " << why;
      return signalPassFailure();
    }
  }
};
} // namespace
