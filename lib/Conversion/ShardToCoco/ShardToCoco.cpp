//===- ShardToCoco.cpp - upstream shard programs into coco ----------------===//
//
// Upstream lowers only shard.all_reduce to MPI (and makes a communicator per
// call); importing the partitioned program into coco's rank-local form gives
// it every collective, coco's fusion, and the runtime's cached
// communicators.
//
//===----------------------------------------------------------------------===//

#include "coco/Conversion/Passes.h"
#include "coco/Dialect/Coco/IR/CocoOps.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Shard/IR/ShardDialect.h"
#include "mlir/Dialect/Shard/IR/ShardOps.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/IR/PatternMatch.h"

namespace mlir::coco {
#define GEN_PASS_DEF_CONVERTSHARDTOCOCOPASS
#include "coco/Conversion/Passes.h.inc"
} // namespace mlir::coco

using namespace mlir;
using namespace mlir::coco;

namespace {

/// The one grid axis a collective runs over, or a diagnostic.
FailureOr<int64_t> singleAxis(Operation *op, ArrayRef<int16_t> axes) {
  if (axes.size() != 1)
    return op->emitOpError()
           << "runs over " << axes.size()
           << " grid axes; coco collectives run over exactly one";
  return static_cast<int64_t>(axes.front());
}

FailureOr<ReductionKind> reductionOf(Operation *op, shard::ReductionKind kind) {
  switch (kind) {
  case shard::ReductionKind::Sum:
    return ReductionKind::sum;
  case shard::ReductionKind::Max:
    return ReductionKind::max;
  case shard::ReductionKind::Min:
    return ReductionKind::min;
  case shard::ReductionKind::Product:
    return ReductionKind::prod;
  case shard::ReductionKind::Average:
    return ReductionKind::avg;
  default:
    return op->emitOpError() << "reduction '"
                             << shard::stringifyReductionKind(kind)
                             << "' has no coco equivalent";
  }
}

/// A static rank along one axis from a shard multi-index attribute.
FailureOr<int64_t> staticRank(Operation *op, ArrayRef<int64_t> index,
                              ValueRange dynamic, StringRef what) {
  if (!dynamic.empty() || index.size() != 1 ||
      ShapedType::isDynamic(index.front()))
    return op->emitOpError() << "needs a static " << what
                             << " on its one grid axis";
  return index.front();
}

Value emptyLike(OpBuilder &b, Location loc, Value tensor) {
  auto type = cast<RankedTensorType>(tensor.getType());
  SmallVector<OpFoldResult> sizes = tensor::getMixedSizes(b, loc, tensor);
  return tensor::EmptyOp::create(b, loc, sizes, type.getElementType());
}

Value emptyOfType(OpBuilder &b, Location loc, Type type) {
  auto tensorType = cast<RankedTensorType>(type);
  return tensor::EmptyOp::create(b, loc, tensorType.getShape(),
                                 tensorType.getElementType());
}

/// This rank's slice of `input` along `dim` (what all_slice and scatter
/// leave on a rank).
Value localSlice(OpBuilder &b, Location loc, Value input, Type resultType,
                 int64_t dim, StringRef grid, int64_t axis) {
  auto result = cast<RankedTensorType>(resultType);
  int64_t rank = result.getRank();
  Value axisRank = AxisRankOp::create(b, loc, grid, axis);
  Value size = arith::ConstantIndexOp::create(b, loc, result.getDimSize(dim));
  SmallVector<OpFoldResult> offsets(rank, b.getIndexAttr(0));
  offsets[dim] = arith::MulIOp::create(b, loc, axisRank, size).getResult();
  SmallVector<OpFoldResult> sizes, strides(rank, b.getIndexAttr(1));
  for (int64_t s : result.getShape())
    sizes.push_back(b.getIndexAttr(s));
  return tensor::ExtractSliceOp::create(b, loc, result, input, offsets, sizes,
                                        strides);
}

LogicalResult convert(RewriterBase &rewriter, Operation *op) {
  Location loc = op->getLoc();
  rewriter.setInsertionPoint(op);
  auto first = [](Operation *created) { return created->getResult(0); };

  if (auto grid = dyn_cast<shard::GridOp>(op)) {
    rewriter.replaceOpWithNewOp<GridOp>(op, grid.getSymName(),
                                        grid.getShape());
    return success();
  }
  if (auto index = dyn_cast<shard::ProcessMultiIndexOp>(op)) {
    SmallVector<Value> ranks;
    for (int16_t axis : index.getAxes())
      ranks.push_back(AxisRankOp::create(rewriter, loc, index.getGrid(), axis));
    rewriter.replaceOp(op, ranks);
    return success();
  }
  if (auto shape = dyn_cast<shard::GridShapeOp>(op)) {
    SmallVector<Value> sizes;
    for (int16_t axis : shape.getAxes())
      sizes.push_back(AxisSizeOp::create(rewriter, loc, shape.getGrid(), axis));
    rewriter.replaceOp(op, sizes);
    return success();
  }
  if (auto linear = dyn_cast<shard::ProcessLinearIndexOp>(op)) {
    // Row-major over the grid's axes, as the runtime lays ranks out.
    auto grid = SymbolTable::lookupNearestSymbolFrom<shard::GridOp>(
        op, linear.getGridAttr());
    if (!grid)
      return op->emitOpError() << "unknown grid";
    Value result = arith::ConstantIndexOp::create(rewriter, loc, 0);
    for (int64_t axis = 0; axis < grid.getRank(); ++axis) {
      Value size = AxisSizeOp::create(rewriter, loc, linear.getGrid(), axis);
      Value rank = AxisRankOp::create(rewriter, loc, linear.getGrid(), axis);
      result = arith::AddIOp::create(
          rewriter, loc, arith::MulIOp::create(rewriter, loc, result, size),
          rank);
    }
    rewriter.replaceOp(op, result);
    return success();
  }

  if (auto allReduce = dyn_cast<shard::AllReduceOp>(op)) {
    FailureOr<int64_t> axis = singleAxis(op, allReduce.getGridAxes());
    FailureOr<ReductionKind> kind = reductionOf(op, allReduce.getReduction());
    if (failed(axis) || failed(kind))
      return failure();
    if (!isa<RankedTensorType>(allReduce.getInput().getType()))
      return op->emitOpError() << "on memrefs: import before bufferization";
    Value init = emptyOfType(rewriter, loc, allReduce.getType());
    rewriter.replaceOp(op, first(CommAllReduceOp::create(
                               rewriter, loc, init.getType(), *kind,
                               allReduce.getInput(), init,
                               allReduce.getGrid(), *axis)));
    return success();
  }
  if (auto gather = dyn_cast<shard::AllGatherOp>(op)) {
    FailureOr<int64_t> axis = singleAxis(op, gather.getGridAxes());
    if (failed(axis))
      return failure();
    Value init = emptyOfType(rewriter, loc, gather.getType());
    rewriter.replaceOp(op, first(CommAllGatherOp::create(
                               rewriter, loc, init.getType(), gather.getInput(),
                               init, gather.getGatherAxis().getSExtValue(),
                               gather.getGrid(), *axis)));
    return success();
  }
  if (auto scatter = dyn_cast<shard::ReduceScatterOp>(op)) {
    FailureOr<int64_t> axis = singleAxis(op, scatter.getGridAxes());
    FailureOr<ReductionKind> kind = reductionOf(op, scatter.getReduction());
    if (failed(axis) || failed(kind))
      return failure();
    Value init = emptyOfType(rewriter, loc, scatter.getType());
    rewriter.replaceOp(op, first(CommReduceScatterOp::create(
                               rewriter, loc, init.getType(), *kind,
                               scatter.getInput(), init,
                               scatter.getScatterAxis().getSExtValue(),
                               scatter.getGrid(), *axis)));
    return success();
  }
  if (auto allToAll = dyn_cast<shard::AllToAllOp>(op)) {
    FailureOr<int64_t> axis = singleAxis(op, allToAll.getGridAxes());
    if (failed(axis))
      return failure();
    Value init = emptyOfType(rewriter, loc, allToAll.getType());
    rewriter.replaceOp(
        op, first(CommAllToAllOp::create(
                rewriter, loc, init.getType(), allToAll.getInput(), init,
                allToAll.getSplitAxis().getSExtValue(),
                allToAll.getConcatAxis().getSExtValue(), allToAll.getGrid(),
                *axis)));
    return success();
  }
  if (auto slice = dyn_cast<shard::AllSliceOp>(op)) {
    FailureOr<int64_t> axis = singleAxis(op, slice.getGridAxes());
    if (failed(axis))
      return failure();
    rewriter.replaceOp(op, localSlice(rewriter, loc, slice.getInput(),
                                      slice.getType(),
                                      slice.getSliceAxis().getSExtValue(),
                                      slice.getGrid(), *axis));
    return success();
  }
  if (auto broadcast = dyn_cast<shard::BroadcastOp>(op)) {
    FailureOr<int64_t> axis = singleAxis(op, broadcast.getGridAxes());
    FailureOr<int64_t> root = staticRank(op, broadcast.getRoot(),
                                         broadcast.getRootDynamic(), "root");
    if (failed(axis) || failed(root))
      return failure();
    Value init = emptyOfType(rewriter, loc, broadcast.getType());
    rewriter.replaceOp(op, first(CommBroadcastOp::create(
                               rewriter, loc, init.getType(),
                               broadcast.getInput(), init, *root,
                               broadcast.getGrid(), *axis)));
    return success();
  }
  if (auto reduce = dyn_cast<shard::ReduceOp>(op)) {
    FailureOr<int64_t> axis = singleAxis(op, reduce.getGridAxes());
    FailureOr<ReductionKind> kind = reductionOf(op, reduce.getReduction());
    FailureOr<int64_t> root = staticRank(op, reduce.getRoot(),
                                         reduce.getRootDynamic(), "root");
    if (failed(axis) || failed(kind) || failed(root))
      return failure();
    Value init = emptyOfType(rewriter, loc, reduce.getType());
    rewriter.replaceOp(op, first(CommReduceOp::create(
                               rewriter, loc, init.getType(), *kind,
                               reduce.getInput(), init, *root,
                               reduce.getGrid(), *axis)));
    return success();
  }
  if (auto gather = dyn_cast<shard::GatherOp>(op)) {
    // The root's result is the gathered tensor; other ranks' results are
    // unspecified upstream, so every rank gathering is a valid lowering.
    FailureOr<int64_t> axis = singleAxis(op, gather.getGridAxes());
    if (failed(axis) || failed(staticRank(op, gather.getRoot(),
                                          gather.getRootDynamic(), "root")))
      return failure();
    Value init = emptyOfType(rewriter, loc, gather.getType());
    rewriter.replaceOp(op, first(CommAllGatherOp::create(
                               rewriter, loc, init.getType(), gather.getInput(),
                               init, gather.getGatherAxis().getSExtValue(),
                               gather.getGrid(), *axis)));
    return success();
  }
  if (auto scatter = dyn_cast<shard::ScatterOp>(op)) {
    // The root's tensor, broadcast, then each rank keeps its slice.
    FailureOr<int64_t> axis = singleAxis(op, scatter.getGridAxes());
    FailureOr<int64_t> root = staticRank(op, scatter.getRoot(),
                                         scatter.getRootDynamic(), "root");
    if (failed(axis) || failed(root))
      return failure();
    Value init = emptyLike(rewriter, loc, scatter.getInput());
    Value whole = first(CommBroadcastOp::create(
        rewriter, loc, init.getType(), scatter.getInput(), init, *root,
        scatter.getGrid(), *axis));
    rewriter.replaceOp(op, localSlice(rewriter, loc, whole, scatter.getType(),
                                      scatter.getScatterAxis().getSExtValue(),
                                      scatter.getGrid(), *axis));
    return success();
  }
  if (auto send = dyn_cast<shard::SendOp>(op)) {
    FailureOr<int64_t> axis = singleAxis(op, send.getGridAxes());
    FailureOr<int64_t> peer =
        staticRank(op, send.getDestination(), send.getDestinationDynamic(),
                   "destination");
    if (failed(axis) || failed(peer))
      return failure();
    Value peerValue = arith::ConstantIndexOp::create(rewriter, loc, *peer);
    CommSendOp::create(rewriter, loc, send.getInput(), peerValue,
                       send.getGrid(), *axis);
    rewriter.replaceOp(op, send.getInput());
    return success();
  }
  if (auto recv = dyn_cast<shard::RecvOp>(op)) {
    FailureOr<int64_t> axis = singleAxis(op, recv.getGridAxes());
    if (failed(axis))
      return failure();
    if (!recv.getSource())
      return op->emitOpError() << "needs a source rank";
    FailureOr<int64_t> peer = staticRank(op, *recv.getSource(),
                                         recv.getSourceDynamic(), "source");
    if (failed(peer))
      return failure();
    Value peerValue = arith::ConstantIndexOp::create(rewriter, loc, *peer);
    Value init = emptyOfType(rewriter, loc, recv.getType());
    rewriter.replaceOp(op, first(CommRecvOp::create(
                               rewriter, loc, init.getType(), peerValue, init,
                               recv.getGrid(), *axis)));
    return success();
  }
  if (auto shift = dyn_cast<shard::ShiftOp>(op)) {
    // A rotation: send to (r + offset) mod n, receive from (r - offset) mod n.
    FailureOr<int64_t> axis = singleAxis(op, shift.getGridAxes());
    if (failed(axis))
      return failure();
    if (!shift.getRotate())
      return op->emitOpError() << "without 'rotate' is not supported (the "
                                  "edge ranks' results are unspecified)";
    int64_t gridAxis = shift.getShiftAxis().getSExtValue();
    if (gridAxis != *axis)
      return op->emitOpError() << "shifts along grid axis " << gridAxis
                               << " but communicates over axis " << *axis;
    Value n = AxisSizeOp::create(rewriter, loc, shift.getGrid(), *axis);
    Value r = AxisRankOp::create(rewriter, loc, shift.getGrid(), *axis);
    int64_t offset = shift.getOffset();
    auto modulo = [&](Value v) {
      return arith::RemUIOp::create(rewriter, loc, v, n).getResult();
    };
    // (r + offset) and (r - offset) mod n, kept non-negative.
    Value k = arith::ConstantIndexOp::create(rewriter, loc,
                                             ((offset % 1024) + 1024) % 1024);
    Value kBack = arith::ConstantIndexOp::create(
        rewriter, loc, ((-offset % 1024) + 1024) % 1024);
    Value nTimes = arith::MulIOp::create(
        rewriter, loc, n, arith::ConstantIndexOp::create(rewriter, loc, 1024));
    Value to = modulo(arith::AddIOp::create(rewriter, loc, r, k));
    Value from = modulo(arith::AddIOp::create(
        rewriter, loc, arith::AddIOp::create(rewriter, loc, r, nTimes),
        kBack));
    CommSendOp::create(rewriter, loc, shift.getInput(), to, shift.getGrid(),
                       *axis);
    Value init = emptyOfType(rewriter, loc, shift.getType());
    rewriter.replaceOp(op, first(CommRecvOp::create(
                               rewriter, loc, init.getType(), from, init,
                               shift.getGrid(), *axis)));
    return success();
  }
  if (isa<shard::ShardingOp, shard::ShardOp, shard::GetShardingOp,
          shard::ShardShapeOp>(op))
    return op->emitOpError()
           << "is not partitioned yet: run sharding-propagation and "
              "shard-partition first";
  return op->emitOpError() << "has no coco equivalent";
}

struct ConvertShardToCocoPass
    : public coco::impl::ConvertShardToCocoPassBase<ConvertShardToCocoPass> {
  void runOnOperation() override {
    // Grids last: the other ops look their grid up while converting.
    SmallVector<Operation *> targets, grids;
    getOperation().walk([&](Operation *op) {
      if (isa<shard::GridOp>(op))
        grids.push_back(op);
      else if (isa<shard::ShardDialect>(op->getDialect()))
        targets.push_back(op);
    });
    targets.append(grids);
    IRRewriter rewriter(&getContext());
    for (Operation *op : targets)
      if (failed(convert(rewriter, op)))
        return signalPassFailure();
  }
};
} // namespace
