//===- FlattenParallelLoops.cpp - one dimension per scf.parallel ----------===//
//
// The GPU path tiles a parallel loop's first dimension into blocks of
// threads and gives the others one thread each: a bias broadcast over
// [B, S, H] or a fill of a [32, 16] buffer would run with a handful of
// active threads per block. Collapsed into one dimension over all their
// iterations (indices rebuilt by div/rem), every loop spreads over whole
// blocks. Only outermost parallel loops: an inner one runs inside a thread.
//
//===----------------------------------------------------------------------===//

#include "coco/Transforms/Passes.h"

#include "mlir/Dialect/Affine/IR/AffineOps.h"
#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/SCF/Utils/Utils.h"

#include <numeric>

namespace mlir::coco {
#define GEN_PASS_DEF_COCOFLATTENPARALLELLOOPSPASS
#include "coco/Transforms/Passes.h.inc"
} // namespace mlir::coco

using namespace mlir;

namespace {
struct CocoFlattenParallelLoopsPass
    : public coco::impl::CocoFlattenParallelLoopsPassBase<
          CocoFlattenParallelLoopsPass> {
  void runOnOperation() override {
    SmallVector<scf::ParallelOp> loops;
    getOperation().walk([&](scf::ParallelOp loop) {
      // Not loops with reductions: upstream's collapsing drops them.
      if (loop.getNumLoops() > 1 && loop.getNumReductions() == 0 &&
          !loop->getParentOfType<scf::ParallelOp>())
        loops.push_back(loop);
    });
    IRRewriter rewriter(&getContext());
    for (scf::ParallelOp loop : loops) {
      std::vector<unsigned> all(loop.getNumLoops());
      std::iota(all.begin(), all.end(), 0);
      rewriter.setInsertionPoint(loop);
      collapseParallelLoops(rewriter, loop, {all});
    }
  }
};
} // namespace
