//===- DistinctDestinations.cpp - one tensor.empty per use ----------------===//
//
// CSE merges equal tensor.empty ops, so after it one value is the
// destination of every loop and collective of a shape. One-shot
// bufferization checks each in-place write against all uses of the written
// value's aliases; with one shared destination those are all the ops of
// the program, and compile time grows with its cube. Cloning the empty
// tensor for each use (its dynamic sizes dominate the original, hence every
// use) restores one alias set per op. tensor.empty has no contents, so no
// use can observe the difference.
//
//===----------------------------------------------------------------------===//

#include "coco/Transforms/Passes.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/IR/PatternMatch.h"

namespace mlir::coco {
#define GEN_PASS_DEF_COCODISTINCTDESTINATIONSPASS
#include "coco/Transforms/Passes.h.inc"
} // namespace mlir::coco

using namespace mlir;

namespace {
struct CocoDistinctDestinationsPass
    : public coco::impl::CocoDistinctDestinationsPassBase<
          CocoDistinctDestinationsPass> {
  void runOnOperation() override {
    SmallVector<tensor::EmptyOp> shared;
    getOperation().walk([&](tensor::EmptyOp empty) {
      if (!empty->hasOneUse() && !empty->use_empty())
        shared.push_back(empty);
    });
    IRRewriter rewriter(&getContext());
    for (tensor::EmptyOp empty : shared) {
      // Every use gets a copy of its own, and the original goes.
      SmallVector<OpOperand *> uses = llvm::map_to_vector(
          empty->getUses(), [](OpOperand &use) { return &use; });
      for (OpOperand *use : uses) {
        // In the original's block (before the op holding the user): not
        // inside a loop, where it would be allocated every iteration, nor
        // in a region that admits only some ops.
        Operation *user = use->getOwner();
        Operation *atBlock = empty->getBlock()->findAncestorOpInBlock(*user);
        rewriter.setInsertionPoint(atBlock ? atBlock : user);
        Operation *fresh = rewriter.clone(*empty);
        rewriter.modifyOpInPlace(use->getOwner(),
                                 [&] { use->set(fresh->getResult(0)); });
      }
      rewriter.eraseOp(empty);
    }
  }
};
} // namespace
