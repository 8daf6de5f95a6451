//===- MatmulLoopOrder.cpp - i, k, j loops for linalg.matmul --------------===//

#include "coco/Transforms/Passes.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Linalg/Transforms/Transforms.h"

namespace mlir::coco {
#define GEN_PASS_DEF_COCOMATMULLOOPORDERPASS
#include "coco/Transforms/Passes.h.inc"
} // namespace mlir::coco

using namespace mlir;

namespace {
struct CocoMatmulLoopOrderPass
    : public coco::impl::CocoMatmulLoopOrderPassBase<CocoMatmulLoopOrderPass> {
  void runOnOperation() override {
    SmallVector<linalg::MatmulOp> matmuls;
    getOperation().walk([&](linalg::MatmulOp op) { matmuls.push_back(op); });
    // Nothing to change: coco-opt need not verify the function again.
    if (matmuls.empty())
      return markAllAnalysesPreserved();
    IRRewriter rewriter(&getContext());
    for (linalg::MatmulOp matmul : matmuls) {
      rewriter.setInsertionPoint(matmul);
      FailureOr<linalg::GenericOp> generic =
          linalg::generalizeNamedOp(rewriter, matmul);
      if (failed(generic))
        continue;
      // (i, j, k) -> (i, k, j): the new loop d1 is k, d2 is j.
      (void)linalg::interchangeGenericOp(rewriter, *generic, {0, 2, 1});
    }
  }
};
} // namespace
