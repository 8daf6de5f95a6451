//===- Split.cpp - all_reduce -> reduce_scatter + all_gather --------------===//

#include "coco/Dialect/Coco/Transforms/Passes.h"
#include "coco/Dialect/Coco/Transforms/Schedules.h"

namespace mlir::coco {
#define GEN_PASS_DEF_COCOSPLITPASS
#include "coco/Dialect/Coco/Transforms/Passes.h.inc"
} // namespace mlir::coco

using namespace mlir;
using namespace mlir::coco;

static std::string describeExtent(int64_t extent) {
  return ShapedType::isDynamic(extent) ? "'?'" : std::to_string(extent);
}

LogicalResult mlir::coco::checkSplitAllReduce(AllReduceOp op, int64_t dim,
                                              SymbolTableCollection &symbols) {
  DTensorType type = op.getInput().getType();
  if (dim < 0 || dim >= type.getRank())
    return op.emitOpError() << "cannot be split along dimension " << dim
                            << " of a rank-" << type.getRank() << " tensor";
  FailureOr<int64_t> extent = lookupAxisExtent(op, type, symbols);
  if (failed(extent))
    return op.emitOpError() << "cannot be split: unknown grid "
                            << type.getGrid();
  if (!ShapedType::isDynamic(*extent) && type.getShape()[dim] % *extent != 0)
    return op.emitOpError() << "cannot be split along dimension " << dim
                            << ": its size " << type.getShape()[dim]
                            << " is not divisible by the " << *extent
                            << " ranks of the grid axis";
  return success();
}

LogicalResult mlir::coco::checkSplitAllReduceToReduceBroadcast(
    AllReduceOp op, int64_t root, SymbolTableCollection &symbols) {
  DTensorType type = op.getInput().getType();
  FailureOr<int64_t> extent = lookupAxisExtent(op, type, symbols);
  if (failed(extent))
    return op.emitOpError() << "cannot be split: unknown grid "
                            << type.getGrid();
  if (root < 0 || (!ShapedType::isDynamic(*extent) && root >= *extent))
    return op.emitOpError() << "cannot be split with root " << root
                            << " on an axis of " << describeExtent(*extent)
                            << " ranks";
  return success();
}

FailureOr<AllGatherOp>
mlir::coco::splitAllReduce(RewriterBase &rewriter, AllReduceOp op, int64_t dim,
                           SymbolTableCollection &symbols) {
  if (failed(checkSplitAllReduce(op, dim, symbols)))
    return failure();
  rewriter.setInsertionPoint(op);
  auto scatter = ReduceScatterOp::create(rewriter, op.getLoc(), op.getKind(),
                                         op.getInput(), dim);
  auto gather = AllGatherOp::create(rewriter, op.getLoc(), scatter);
  rewriter.replaceOp(op, gather);
  return gather;
}

FailureOr<BroadcastOp> mlir::coco::splitAllReduceToReduceBroadcast(
    RewriterBase &rewriter, AllReduceOp op, int64_t root,
    SymbolTableCollection &symbols) {
  if (failed(checkSplitAllReduceToReduceBroadcast(op, root, symbols)))
    return failure();
  rewriter.setInsertionPoint(op);
  auto reduce = ReduceToRootOp::create(rewriter, op.getLoc(), op.getKind(),
                                       op.getInput(), root);
  auto broadcast = BroadcastOp::create(rewriter, op.getLoc(), reduce, root);
  rewriter.replaceOp(op, broadcast);
  return broadcast;
}

namespace {
struct CocoSplitPass : public coco::impl::CocoSplitPassBase<CocoSplitPass> {
  using CocoSplitPassBase::CocoSplitPassBase;

  void runOnOperation() override {
    bool toScatter = into == "rs-ag";
    if (!toScatter && into != "reduce-bcast") {
      getOperation().emitError()
          << "coco-split: 'into' must be 'rs-ag' or 'reduce-bcast', got '"
          << into << "'";
      return signalPassFailure();
    }
    // A rank-0 all_reduce (a loss, a norm) has nothing to slice: the rs-ag
    // split leaves it alone.
    SmallVector<AllReduceOp> targets;
    getOperation().walk([&](AllReduceOp op) {
      if (!toScatter || op.getInput().getType().getRank() > 0)
        targets.push_back(op);
    });
    SymbolTableCollection symbols;
    // Every precondition first, so a failure changes nothing.
    for (AllReduceOp op : targets)
      if (failed(toScatter
                     ? checkSplitAllReduce(op, dim, symbols)
                     : checkSplitAllReduceToReduceBroadcast(op, root, symbols)))
        return signalPassFailure();
    IRRewriter rewriter(&getContext());
    for (AllReduceOp op : targets) {
      if (toScatter)
        (void)splitAllReduce(rewriter, op, dim, symbols);
      else
        (void)splitAllReduceToReduceBroadcast(rewriter, op, root, symbols);
    }
  }
};
} // namespace
