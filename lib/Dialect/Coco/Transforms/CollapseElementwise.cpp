//===- CollapseElementwise.cpp - pointwise loops over one dimension -------===//
//
// A pointwise linalg.generic over [B, S, H] becomes one over [B*S*H] (its
// operands reshaped, no copies; linalg.index uses, e.g. dropout's global
// index, are rebuilt by delinearizing). On the GPU path this is what makes
// the kernel's threads run along all the elements: tiled as is, only the
// outermost dimension would spread over the threads of a block.
//
//===----------------------------------------------------------------------===//

#include "coco/Dialect/Coco/Transforms/Passes.h"

#include "mlir/Dialect/Affine/IR/AffineOps.h"
#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Linalg/Transforms/Transforms.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/Transforms/GreedyPatternRewriteDriver.h"

namespace mlir::coco {
#define GEN_PASS_DEF_COCOCOLLAPSEELEMENTWISEPASS
#include "coco/Dialect/Coco/Transforms/Passes.h.inc"
} // namespace mlir::coco

using namespace mlir;

namespace {
/// All dims of a pointwise op of rank >= 2 on tensors, as one group.
SmallVector<ReassociationIndices> allDims(linalg::LinalgOp op) {
  auto generic = dyn_cast<linalg::GenericOp>(op.getOperation());
  if (!generic || !generic.hasPureTensorSemantics() ||
      generic.getNumLoops() < 2 ||
      generic.getNumLoops() != generic.getNumParallelLoops() ||
      !llvm::all_of(generic.getIndexingMapsArray(),
                    [](AffineMap map) { return map.isIdentity(); }))
    return {};
  ReassociationIndices group;
  for (int64_t d = 0, e = generic.getNumLoops(); d < e; ++d)
    group.push_back(d);
  return {group};
}

struct CocoCollapseElementwisePass
    : public coco::impl::CocoCollapseElementwisePassBase<
          CocoCollapseElementwisePass> {
  void runOnOperation() override {
    RewritePatternSet patterns(&getContext());
    linalg::populateCollapseDimensions(patterns, allDims);
    if (failed(applyPatternsGreedily(getOperation(), std::move(patterns))))
      return signalPassFailure();
  }
};
} // namespace
