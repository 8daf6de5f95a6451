//===- HierarchicalAllReduce.cpp - two-level all_reduce -------------------===//
//
// all_reduce(x) along inner + outer
//   == all_gather(all_reduce(reduce_scatter(x, dim) along inner) along outer)
//      along inner
// Each rank's block, reduce-scattered over the ranks of its group (a node),
// holds the group's sum of that block; all-reducing it across groups adds
// every rank's values; gathering the blocks within the group makes it whole
// again. Only 1/R_inner of the data crosses the outer (slow) links.
//
//===----------------------------------------------------------------------===//

#include "coco/Dialect/Coco/Transforms/Passes.h"
#include "coco/Dialect/Coco/Transforms/Schedules.h"

namespace mlir::coco {
#define GEN_PASS_DEF_COCOHIERARCHICALALLREDUCEPASS
#include "coco/Dialect/Coco/Transforms/Passes.h.inc"
} // namespace mlir::coco

using namespace mlir;
using namespace mlir::coco;

FailureOr<SmallVector<int64_t>>
mlir::coco::checkHierarchicalAllReduce(AllReduceOp op, ArrayRef<int64_t> inner,
                                       ArrayRef<int64_t> outer, int64_t dim) {
  SmallVector<int64_t> axes = op.getCommAxes();
  if (inner.empty())
    return op.emitOpError() << "cannot be made hierarchical: name the inner "
                               "axes";
  for (auto [index, axis] : llvm::enumerate(inner))
    if (llvm::is_contained(inner.take_front(index), axis))
      return op.emitOpError()
             << "cannot be made hierarchical with inner axes "
             << describeAxes(inner) << ": axis " << axis << " is named twice";
  for (int64_t axis : inner)
    if (!llvm::is_contained(axes, axis))
      return op.emitOpError()
             << "cannot be made hierarchical with inner axes "
             << describeAxes(inner) << ": it runs along " << describeAxes(axes)
             << ", not along axis " << axis;
  SmallVector<int64_t> rest;
  for (int64_t axis : axes)
    if (!llvm::is_contained(inner, axis))
      rest.push_back(axis);
  if (rest.empty())
    return op.emitOpError() << "cannot be made hierarchical: it runs along "
                            << describeAxes(axes)
                            << ", the inner axes only; there is no outer level";
  if (!outer.empty()) {
    SmallVector<int64_t> sortedOuter(outer), sortedRest(rest);
    llvm::sort(sortedOuter);
    llvm::sort(sortedRest);
    if (sortedOuter != sortedRest)
      return op.emitOpError()
             << "cannot be made hierarchical with inner axes "
             << describeAxes(inner) << " and outer axes " << describeAxes(outer)
             << ": it runs along " << describeAxes(axes);
    rest.assign(outer.begin(), outer.end());
  }
  DTensorType type = op.getInput().getType();
  if (dim < 0 || dim >= type.getRank())
    return op.emitOpError()
           << "cannot be made hierarchical: dimension " << dim
           << " is out of range for a rank-" << type.getRank() << " tensor";
  return rest;
}

FailureOr<AllGatherOp>
mlir::coco::hierarchicalAllReduce(RewriterBase &rewriter, AllReduceOp op,
                                  ArrayRef<int64_t> inner,
                                  ArrayRef<int64_t> outer, int64_t dim) {
  FailureOr<SmallVector<int64_t>> outerAxes =
      checkHierarchicalAllReduce(op, inner, outer, dim);
  if (failed(outerAxes))
    return failure();
  rewriter.setInsertionPoint(op);
  Location loc = op.getLoc();
  DenseI64ArrayAttr innerAttr = rewriter.getDenseI64ArrayAttr(inner);
  auto scatter = ReduceScatterOp::create(rewriter, loc, op.getKind(),
                                         op.getInput(), dim, innerAttr);
  auto across = AllReduceOp::create(rewriter, loc, op.getKind(), scatter,
                                    rewriter.getDenseI64ArrayAttr(*outerAxes));
  auto gather = AllGatherOp::create(rewriter, loc, across, innerAttr);
  remarkApplied(op, "hierarchical-all-reduce",
                "all_reduce " + stringifyReductionKind(op.getKind()) +
                    " became reduce_scatter along " + describeAxes(inner) +
                    " (dimension " + Twine(dim) + ") + all_reduce along " +
                    describeAxes(*outerAxes) + " + all_gather along " +
                    describeAxes(inner));
  // The reduce_scatter within the node reads the matmul: along its last
  // dimension, its row blocks overlap as a split's would.
  auto mark = op->getAttrOfType<IntegerAttr>(kOverlapChunksAttr);
  Location replaced = op.getLoc();
  rewriter.replaceOp(op, gather);
  if (mark)
    carryOverlapMark(rewriter, mark, scatter, replaced,
                     "a two-level all-reduce");
  return gather;
}

namespace {
struct CocoHierarchicalAllReducePass
    : public coco::impl::CocoHierarchicalAllReducePassBase<
          CocoHierarchicalAllReducePass> {
  using CocoHierarchicalAllReducePassBase::CocoHierarchicalAllReducePassBase;

  void runOnOperation() override {
    if (inner.empty()) {
      mlir::emitError(getOperation().getLoc())
          << "coco-hierarchical-all-reduce: name the inner axes with "
             "inner=A[,B...]";
      return signalPassFailure();
    }
    if (failed(checkAxesOption(getOperation().getLoc(),
                               "coco-hierarchical-all-reduce", inner,
                               "inner")) ||
        failed(checkAxesOption(getOperation().getLoc(),
                               "coco-hierarchical-all-reduce", outer, "outer")))
      return signalPassFailure();
    // The all_reduces this applies to: those along the inner axes and more.
    // A rank-0 value (a loss) has nothing to scatter.
    SmallVector<AllReduceOp> targets;
    getOperation().walk([&](AllReduceOp op) {
      SmallVector<int64_t> axes = op.getCommAxes();
      bool alongInner = llvm::all_of(
          inner, [&](int64_t axis) { return llvm::is_contained(axes, axis); });
      if (op.getInput().getType().getRank() == 0)
        remarkNotApplied(op, "hierarchical-all-reduce",
                         "a rank-0 value has no dimension to reduce_scatter");
      else if (!alongInner || axes.size() <= inner.size())
        remarkNotApplied(op, "hierarchical-all-reduce",
                         "it runs along " + describeAxes(axes) +
                             ", not along the inner axes " +
                             describeAxes(inner) + " and an outer axis");
      else
        targets.push_back(op);
    });
    if (targets.empty()) {
      emitWarning(getOperation()->getLoc())
          << "coco-hierarchical-all-reduce: no all_reduce runs along the "
             "inner axes "
          << describeAxes(inner) << " and an outer axis; nothing changed";
      return;
    }
    // Every precondition first, so a failure changes nothing.
    for (AllReduceOp op : targets)
      if (failed(checkHierarchicalAllReduce(op, inner, outer, dim)))
        return signalPassFailure();
    IRRewriter rewriter(&getContext());
    for (AllReduceOp op : targets) {
      (void)hierarchicalAllReduce(rewriter, op, inner, outer, dim);
    }
  }
};
} // namespace
