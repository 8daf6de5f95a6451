//===- Canonicalize.cpp - canonicalize that says when it changed nothing --===//
//
// The pass manager verifies the IR after every pass that does not keep all
// analyses. Upstream's canonicalizer never keeps them, even when its
// rewrite changed nothing, so each of its runs on an unchanged module cost
// a verification of the whole module. This pass applies the same patterns
// and keeps every analysis when nothing changed. "Nothing" is checked, not
// taken from the driver alone: the greedy driver reports a change only
// from its second iteration on, and hoists and merges constants while it
// fills its worklist without counting that as one.
//
//===----------------------------------------------------------------------===//

#include "coco/Transforms/Passes.h"

#include "mlir/IR/Dialect.h"
#include "mlir/IR/PatternMatch.h"
#include "mlir/Rewrite/FrozenRewritePatternSet.h"
#include "mlir/Transforms/GreedyPatternRewriteDriver.h"

#include "llvm/ADT/Hashing.h"

namespace mlir::coco {
#define GEN_PASS_DEF_COCOCANONICALIZEPASS
#include "coco/Transforms/Passes.h.inc"
} // namespace mlir::coco

using namespace mlir;

namespace {
/// Which ops there are, and in which block and order. What the driver may
/// do without reporting it (hoist a constant, merge two) changes this; a
/// walk and a hash per op cost a small part of a verification.
llvm::hash_code opLayout(Operation *root) {
  llvm::hash_code hash = llvm::hash_value(root);
  root->walk([&](Operation *op) {
    hash = llvm::hash_combine(hash, op, op->getBlock());
  });
  return hash;
}

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
    llvm::hash_code before = opLayout(getOperation());
    bool changed = false;
    // Canonicalization is best effort: not converging is no failure.
    (void)applyPatternsGreedily(getOperation(), *patterns, config, &changed);
    if (!changed && opLayout(getOperation()) == before)
      markAllAnalysesPreserved();
  }

  // Shared by the copies the pass manager makes for each thread.
  std::shared_ptr<const FrozenRewritePatternSet> patterns;
};
} // namespace
