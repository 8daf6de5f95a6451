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

bool mlir::coco::runsAlong(Operation *collective, ArrayRef<int64_t> axes) {
  if (axes.empty())
    return true;
  SmallVector<int64_t> own =
      cast<CollectiveOpInterface>(collective).getCommAxes();
  SmallVector<int64_t> wanted(axes);
  llvm::sort(own);
  llvm::sort(wanted);
  return own == wanted;
}

std::optional<std::string>
mlir::coco::axesOptionProblem(ArrayRef<int64_t> axes) {
  for (auto [index, axis] : llvm::enumerate(axes)) {
    if (axis < 0)
      return "axis " + std::to_string(axis) + " is negative";
    if (llvm::is_contained(axes.take_front(index), axis))
      return "axis " + std::to_string(axis) + " is named twice";
  }
  return std::nullopt;
}

LogicalResult mlir::coco::checkAxesOption(Location loc, StringRef pass,
                                          ArrayRef<int64_t> axes,
                                          StringRef option) {
  std::optional<std::string> problem = axesOptionProblem(axes);
  if (!problem)
    return success();
  SmallVector<std::string> names;
  for (int64_t axis : axes)
    names.push_back(std::to_string(axis));
  return mlir::emitError(loc) << pass << ": " << option << "="
                              << llvm::join(names, ",") << ": " << *problem;
}

LogicalResult mlir::coco::checkSplitAllReduce(AllReduceOp op, int64_t dim,
                                              SymbolTableCollection &) {
  DTensorType type = op.getInput().getType();
  if (dim < 0 || dim >= type.getRank())
    return op.emitOpError() << "cannot be split along dimension " << dim
                            << " of a rank-" << type.getRank() << " tensor";
  return success();
}

LogicalResult mlir::coco::checkSplitAllReduceToReduceBroadcast(
    AllReduceOp op, int64_t root, SymbolTableCollection &symbols) {
  DTensorType type = op.getInput().getType();
  FailureOr<SmallVector<int64_t>> shape =
      lookupGridShape(op, type.getGrid(), symbols);
  if (failed(shape))
    return op.emitOpError()
           << "cannot be split: unknown grid " << type.getGrid();
  int64_t ranks = 1;
  for (int64_t axis : op.getCommAxes())
    ranks =
        ShapedType::isDynamic((*shape)[axis]) || ShapedType::isDynamic(ranks)
            ? ShapedType::kDynamic
            : ranks * (*shape)[axis];
  if (root < 0 || (!ShapedType::isDynamic(ranks) && root >= ranks))
    return op.emitOpError()
           << "cannot be split with root " << root << " on a group of "
           << describeExtent(ranks) << " ranks";
  return success();
}

FailureOr<AllGatherOp>
mlir::coco::splitAllReduce(RewriterBase &rewriter, AllReduceOp op, int64_t dim,
                           SymbolTableCollection &symbols) {
  if (failed(checkSplitAllReduce(op, dim, symbols)))
    return failure();
  rewriter.setInsertionPoint(op);
  DenseI64ArrayAttr axes = rewriter.getDenseI64ArrayAttr(op.getCommAxes());
  auto scatter = ReduceScatterOp::create(rewriter, op.getLoc(), op.getKind(),
                                         op.getInput(), dim, axes);
  auto gather = AllGatherOp::create(rewriter, op.getLoc(), scatter, axes);
  omitDefaultAxes(scatter);
  omitDefaultAxes(gather);
  remarkApplied(op, "split",
                "all_reduce " + stringifyReductionKind(op.getKind()) +
                    " became reduce_scatter along dimension " + Twine(dim) +
                    " + all_gather");
  auto mark = op->getAttrOfType<IntegerAttr>(kOverlapChunksAttr);
  Location loc = op.getLoc();
  rewriter.replaceOp(op, gather);
  if (mark)
    carryOverlapMark(rewriter, mark, scatter, loc,
                     "reduce_scatter along dimension " + std::to_string(dim) +
                         " + all_gather");
  return gather;
}

FailureOr<BroadcastOp>
mlir::coco::splitAllReduceToReduceBroadcast(RewriterBase &rewriter,
                                            AllReduceOp op, int64_t root,
                                            SymbolTableCollection &symbols) {
  if (failed(checkSplitAllReduceToReduceBroadcast(op, root, symbols)))
    return failure();
  rewriter.setInsertionPoint(op);
  DenseI64ArrayAttr axes = rewriter.getDenseI64ArrayAttr(op.getCommAxes());
  auto reduce = ReduceToRootOp::create(rewriter, op.getLoc(), op.getKind(),
                                       op.getInput(), root, axes);
  auto broadcast =
      BroadcastOp::create(rewriter, op.getLoc(), reduce, root, axes);
  omitDefaultAxes(reduce);
  omitDefaultAxes(broadcast);
  remarkApplied(op, "split",
                "all_reduce " + stringifyReductionKind(op.getKind()) +
                    " became reduce_to_root " + Twine(root) + " + broadcast");
  auto mark = op->getAttrOfType<IntegerAttr>(kOverlapChunksAttr);
  Location loc = op.getLoc();
  rewriter.replaceOp(op, broadcast);
  if (mark)
    carryOverlapMark(rewriter, mark, reduce, loc, "reduce_to_root + broadcast");
  return broadcast;
}

namespace {
struct CocoSplitPass : public coco::impl::CocoSplitPassBase<CocoSplitPass> {
  using CocoSplitPassBase::CocoSplitPassBase;

  void runOnOperation() override {
    if (failed(checkAxesOption(getOperation()->getLoc(), "coco-split", axes)))
      return signalPassFailure();
    bool toScatter = into == SplitForm::ReduceScatterAllGather;
    // An option of the other form was ignored, without a word.
    if (toScatter && root.hasValue()) {
      mlir::emitError(getOperation()->getLoc())
          << "coco-split: root=" << static_cast<int64_t>(root)
          << " is an option of into=reduce-bcast (into=rs-ag, the default, "
             "leaves the sum on every rank)";
      return signalPassFailure();
    }
    if (!toScatter && dim.hasValue()) {
      mlir::emitError(getOperation()->getLoc())
          << "coco-split: dim=" << static_cast<int64_t>(dim)
          << " is an option of into=rs-ag (into=reduce-bcast reduces and "
             "broadcasts whole tensors)";
      return signalPassFailure();
    }
    // A rank-0 all_reduce (a loss, a norm) has nothing to slice: the rs-ag
    // split leaves it alone.
    SmallVector<AllReduceOp> targets;
    getOperation().walk([&](AllReduceOp op) {
      if (toScatter && op.getInput().getType().getRank() == 0)
        remarkNotApplied(op, "split",
                         "a rank-0 value has no dimension to reduce_scatter");
      else if (!runsAlong(op, axes))
        remarkNotApplied(
            op, "split",
            "it runs along " +
                describeAxes(cast<CollectiveOpInterface>(op.getOperation())
                                 .getCommAxes()) +
                ", not " + describeAxes(axes));
      else
        targets.push_back(op);
    });
    if (targets.empty() && !axes.empty()) {
      emitWarning(getOperation()->getLoc())
          << "coco-split: no all_reduce runs along exactly "
          << describeAxes(axes) << "; nothing changed";
      return;
    }
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
