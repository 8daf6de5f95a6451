//===- Canonicalize.cpp - canonicalize that says when it changed nothing --===//
//
// The pass manager verifies the IR after every pass that does not keep all
// analyses. Upstream's canonicalizer never keeps them, even when its
// rewrite changed nothing, so each of its runs on an unchanged module cost
// a verification of the whole module. This pass applies the same patterns
// and keeps every analysis when nothing changed.
//
//===----------------------------------------------------------------------===//

#include "coco/Transforms/Passes.h"

#include "mlir/IR/Dialect.h"
#include "mlir/IR/PatternMatch.h"
#include "mlir/Rewrite/FrozenRewritePatternSet.h"
#include "mlir/Transforms/GreedyPatternRewriteDriver.h"

namespace mlir::coco {
#define GEN_PASS_DEF_COCOCANONICALIZEPASS
#include "coco/Transforms/Passes.h.inc"
} // namespace mlir::coco

using namespace mlir;

namespace {
struct CocoCanonicalizePass
    : public coco::impl::CocoCanonicalizePassBase<CocoCanonicalizePass> {
  using CocoCanonicalizePassBase::CocoCanonicalizePassBase;

  LogicalResult initialize(MLIRContext *context) override {
    // Upstream's set: every loaded dialect's and registered op's patterns.
    RewritePatternSet owned(context);
    for (Dialect *dialect : context->getLoadedDialects())
      dialect->getCanonicalizationPatterns(owned);
    for (RegisteredOperationName op : context->getRegisteredOperations())
      op.getCanonicalizationPatterns(owned, context);
    patterns = std::make_shared<FrozenRewritePatternSet>(std::move(owned));
    return success();
  }

  void runOnOperation() override {
    GreedyRewriteConfig config;
    config.setUseTopDownTraversal(topDown).setRegionSimplificationLevel(
        regionSimplify ? GreedySimplifyRegionLevel::Normal
                       : GreedySimplifyRegionLevel::Disabled);
    bool changed = false;
    // Canonicalization is best effort: not converging is no failure.
    (void)applyPatternsGreedily(getOperation(), *patterns, config, &changed);
    if (!changed)
      markAllAnalysesPreserved();
  }

  // Shared by the copies the pass manager makes for each thread.
  std::shared_ptr<const FrozenRewritePatternSet> patterns;
};
} // namespace
