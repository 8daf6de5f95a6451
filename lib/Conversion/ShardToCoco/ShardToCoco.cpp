//===- ShardToCoco.cpp - upstream shard programs into coco ----------------===//
//
// Upstream lowers only shard.all_reduce to MPI (and makes a communicator per
// call); importing the partitioned program into coco's rank-local form gives
// it every collective, coco's fusion, and the runtime's cached
// communicators. A collective over several grid axes runs on coco's group of
// those axes (the first outermost, as shard orders a multi-index).
//
//===----------------------------------------------------------------------===//

#include "coco/Conversion/ShardToCoco/ShardToCoco.h"
#include "coco/Conversion/Passes.h"
#include "coco/Dialect/Coco/IR/CocoOps.h"
#include "coco/Dialect/Coco/IR/ElementCast.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Shard/IR/ShardDialect.h"
#include "mlir/Dialect/Shard/IR/ShardOps.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/Transforms/DialectConversion.h"

namespace mlir::coco {
#define GEN_PASS_DEF_CONVERTSHARDTOCOCOPASS
#include "coco/Conversion/Passes.h.inc"
} // namespace mlir::coco

using namespace mlir;
using namespace mlir::coco;

namespace {

/// The extents of a grid, whichever dialect declares it (patterns may run
/// after shard.grid became coco.grid).
FailureOr<SmallVector<int64_t>> gridShape(Operation *from,
                                          FlatSymbolRefAttr grid) {
  if (auto shardGrid =
          SymbolTable::lookupNearestSymbolFrom<shard::GridOp>(from, grid))
    return SmallVector<int64_t>(shardGrid.getShape());
  if (auto cocoGrid = SymbolTable::lookupNearestSymbolFrom<GridOp>(from, grid))
    return SmallVector<int64_t>(cocoGrid.getShape());
  return from->emitOpError() << "refers to unknown grid " << grid;
}

/// The axes a process_multi_index or grid_shape asks about: its `axes`, or
/// every axis of the grid when it names none (one result per axis).
FailureOr<SmallVector<int16_t>>
queriedAxes(Operation *op, FlatSymbolRefAttr grid, ArrayRef<int16_t> axes) {
  if (!axes.empty())
    return SmallVector<int16_t>(axes);
  FailureOr<SmallVector<int64_t>> shape = gridShape(op, grid);
  if (failed(shape))
    return failure();
  if (op->getNumResults() != shape->size())
    return op->emitOpError()
           << "has " << op->getNumResults() << " result(s) for the "
           << shape->size() << " axes of grid " << grid;
  SmallVector<int16_t> all;
  for (int16_t axis = 0; axis < (int16_t)shape->size(); ++axis)
    all.push_back(axis);
  return all;
}

DenseI64ArrayAttr axesAttr(Builder &b, ArrayRef<int16_t> axes) {
  SmallVector<int64_t> list(axes.begin(), axes.end());
  return b.getDenseI64ArrayAttr(list);
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
    return op->emitOpError()
           << "reduction '" << shard::stringifyReductionKind(kind)
           << "' has no coco equivalent";
  }
}

/// A static rank of the group over `axes` from a shard multi-index (one
/// index per axis): row-major over the axes' extents, the first outermost.
FailureOr<int64_t> staticGroupRank(Operation *op, FlatSymbolRefAttr grid,
                                   ArrayRef<int16_t> axes,
                                   ArrayRef<int64_t> index, ValueRange dynamic,
                                   StringRef what) {
  if (!dynamic.empty() || index.size() != axes.size() ||
      llvm::any_of(index, ShapedType::isDynamic))
    return op->emitOpError() << "needs a static " << what
                             << " (one index per grid axis of the group)";
  FailureOr<SmallVector<int64_t>> shape = gridShape(op, grid);
  if (failed(shape))
    return failure();
  int64_t rank = 0;
  for (auto [axis, i] : llvm::zip_equal(axes, index)) {
    int64_t extent = (*shape)[axis];
    if (ShapedType::isDynamic(extent) && axes.size() > 1)
      return op->emitOpError()
             << "needs static extents for a " << what
             << " over several grid axes (axis " << axis << " is '?')";
    rank = ShapedType::isDynamic(extent) ? i : rank * extent + i;
  }
  return rank;
}

Value emptyOfType(OpBuilder &b, Location loc, Type type) {
  auto tensorType = cast<RankedTensorType>(type);
  return tensor::EmptyOp::create(b, loc, tensorType.getShape(),
                                 tensorType.getElementType());
}

/// `input` with its elements converted to `elementType`. Upstream's
/// reductions accumulate in their result's element type ("each input
/// element is converted to the result element type before the reduction"):
/// an f16 gradient all_reduced into f32. By coco.cast's rule
/// (buildElementCast): signless integers convert as signed, as coco reduces
/// them; i1 as unsigned (true counts 1, not -1).
Value convertElements(OpBuilder &b, Location loc, Value input,
                      Type elementType) {
  auto type = cast<RankedTensorType>(input.getType());
  if (type.getElementType() == elementType)
    return input;
  Value init = tensor::EmptyOp::create(
      b, loc, tensor::getMixedSizes(b, loc, input), elementType);
  AffineMap identity = b.getMultiDimIdentityMap(type.getRank());
  SmallVector<utils::IteratorType> iterators(type.getRank(),
                                             utils::IteratorType::parallel);
  return linalg::GenericOp::create(
             b, loc, init.getType(), input, init,
             ArrayRef<AffineMap>{identity, identity}, iterators,
             [&](OpBuilder &nested, Location nestedLoc, ValueRange args) {
               linalg::YieldOp::create(
                   nested, nestedLoc,
                   buildElementCast(nested, nestedLoc, args[0], elementType));
             })
      .getResult(0);
}

/// The operand of a reduction, converted to the element type it reduces in.
template <typename ReductionOp>
Value reducedOperand(OpBuilder &b, ReductionOp op, Value input) {
  return convertElements(b, op.getLoc(), input,
                         getElementTypeOrSelf(op.getResult().getType()));
}

/// This rank's index in the group over `axes`, row-major (the first axis
/// outermost), from coco.axis_rank / coco.axis_size.
Value groupRank(OpBuilder &b, Location loc, StringRef grid,
                ArrayRef<int16_t> axes) {
  Value rank = AxisRankOp::create(b, loc, grid, axes.front());
  for (int16_t axis : axes.drop_front()) {
    Value size = AxisSizeOp::create(b, loc, grid, axis);
    Value own = AxisRankOp::create(b, loc, grid, axis);
    rank = arith::AddIOp::create(
        b, loc, arith::MulIOp::create(b, loc, rank, size), own);
  }
  return rank;
}

/// This rank's slice of `input` along `dim` (what all_slice and scatter
/// leave on a rank): block `group rank` of the partitioner's size.
Value localSlice(OpBuilder &b, Location loc, Value input, Type resultType,
                 int64_t dim, StringRef grid, ArrayRef<int16_t> axes) {
  auto result = cast<RankedTensorType>(resultType);
  int64_t rank = result.getRank();
  Value size = arith::ConstantIndexOp::create(b, loc, result.getDimSize(dim));
  SmallVector<OpFoldResult> offsets(rank, b.getIndexAttr(0));
  offsets[dim] =
      arith::MulIOp::create(b, loc, groupRank(b, loc, grid, axes), size)
          .getResult();
  SmallVector<OpFoldResult> sizes, strides(rank, b.getIndexAttr(1));
  for (int64_t s : result.getShape())
    sizes.push_back(b.getIndexAttr(s));
  return tensor::ExtractSliceOp::create(b, loc, result, input, offsets, sizes,
                                        strides);
}

/// Base of the patterns. They run after checkImportable accepted every op,
/// so the helpers they share with it do not fail here.
template <typename SourceOp> using ShardPattern = OpConversionPattern<SourceOp>;

//===----------------------------------------------------------------------===//
// Grid and grid queries
//===----------------------------------------------------------------------===//

struct GridLowering : ShardPattern<shard::GridOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult
  matchAndRewrite(shard::GridOp op, OpAdaptor,
                  ConversionPatternRewriter &rewriter) const override {
    rewriter.replaceOpWithNewOp<GridOp>(op, op.getSymName(), op.getShape());
    return success();
  }
};

/// process_multi_index -> coco.axis_rank, grid_shape -> coco.axis_size: one
/// per queried axis.
template <typename QueryOp, typename AxisOp>
struct GridQueryLowering : ShardPattern<QueryOp> {
  using ShardPattern<QueryOp>::ShardPattern;
  LogicalResult
  matchAndRewrite(QueryOp op, typename QueryOp::Adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    FailureOr<SmallVector<int16_t>> axes =
        queriedAxes(op, op.getGridAttr(), op.getAxes());
    if (failed(axes))
      return failure();
    SmallVector<Value> values;
    for (int16_t axis : *axes)
      values.push_back(
          AxisOp::create(rewriter, op.getLoc(), op.getGrid(), axis));
    rewriter.replaceOp(op, values);
    return success();
  }
};
using MultiIndexLowering =
    GridQueryLowering<shard::ProcessMultiIndexOp, AxisRankOp>;
using GridShapeLowering = GridQueryLowering<shard::GridShapeOp, AxisSizeOp>;

struct LinearIndexLowering : ShardPattern<shard::ProcessLinearIndexOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult
  matchAndRewrite(shard::ProcessLinearIndexOp op, OpAdaptor,
                  ConversionPatternRewriter &rewriter) const override {
    // Row-major over the grid's axes, as the runtime lays ranks out.
    FailureOr<SmallVector<int64_t>> shape = gridShape(op, op.getGridAttr());
    if (failed(shape))
      return failure();
    SmallVector<int16_t> axes;
    for (int16_t axis = 0; axis < (int16_t)shape->size(); ++axis)
      axes.push_back(axis);
    rewriter.replaceOp(op,
                       groupRank(rewriter, op.getLoc(), op.getGrid(), axes));
    return success();
  }
};

//===----------------------------------------------------------------------===//
// Collectives
//===----------------------------------------------------------------------===//

/// A collective over no grid axes (grid_axes is optional in upstream's
/// syntax) runs on a group of one process: its result is its operand, as
/// upstream's canonicalization folds it. checkImportable made sure the types
/// agree. Tried before the op's own lowering, which needs a group rank.
template <typename CollectiveOp>
struct EmptyGroupLowering : ShardPattern<CollectiveOp> {
  EmptyGroupLowering(MLIRContext *context)
      : ShardPattern<CollectiveOp>(context, /*benefit=*/2) {}
  LogicalResult
  matchAndRewrite(CollectiveOp op, typename CollectiveOp::Adaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    if (!op.getGridAxes().empty())
      return failure();
    // A reduction over one process still accumulates in its result's type.
    rewriter.replaceOp(op, convertElements(rewriter, op.getLoc(),
                                           adaptor.getInput(),
                                           getElementTypeOrSelf(op.getType())));
    return success();
  }
};

/// The collectives that run over a group (grid_axes) and take an input of
/// the result's type where the group is one process.
template <typename... Ops> struct GroupCollectives {
  static bool contain(Operation *op) { return isa<Ops...>(op); }
  static void addEmptyGroupLowerings(RewritePatternSet &patterns) {
    patterns.add<EmptyGroupLowering<Ops>...>(patterns.getContext());
  }
};
using ShardGroupCollectives =
    GroupCollectives<shard::AllReduceOp, shard::AllGatherOp,
                     shard::ReduceScatterOp, shard::AllToAllOp,
                     shard::AllSliceOp, shard::BroadcastOp, shard::ReduceOp,
                     shard::GatherOp, shard::ScatterOp>;

struct AllReduceLowering : ShardPattern<shard::AllReduceOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult
  matchAndRewrite(shard::AllReduceOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    FailureOr<ReductionKind> kind = reductionOf(op, op.getReduction());
    if (failed(kind))
      return failure();
    Value init = emptyOfType(rewriter, op.getLoc(), op.getType());
    rewriter.replaceOpWithNewOp<CommAllReduceOp>(
        op, init.getType(), *kind,
        reducedOperand(rewriter, op, adaptor.getInput()), init, op.getGrid(),
        axesAttr(rewriter, op.getGridAxes()));
    return success();
  }
};

struct AllGatherLowering : ShardPattern<shard::AllGatherOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult
  matchAndRewrite(shard::AllGatherOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    Value init = emptyOfType(rewriter, op.getLoc(), op.getType());
    rewriter.replaceOpWithNewOp<CommAllGatherOp>(
        op, init.getType(), adaptor.getInput(), init,
        op.getGatherAxis().getSExtValue(), op.getGrid(),
        axesAttr(rewriter, op.getGridAxes()));
    return success();
  }
};

struct ReduceScatterLowering : ShardPattern<shard::ReduceScatterOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult
  matchAndRewrite(shard::ReduceScatterOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    FailureOr<ReductionKind> kind = reductionOf(op, op.getReduction());
    if (failed(kind))
      return failure();
    Value init = emptyOfType(rewriter, op.getLoc(), op.getType());
    rewriter.replaceOpWithNewOp<CommReduceScatterOp>(
        op, init.getType(), *kind,
        reducedOperand(rewriter, op, adaptor.getInput()), init,
        op.getScatterAxis().getSExtValue(), op.getGrid(),
        axesAttr(rewriter, op.getGridAxes()));
    return success();
  }
};

struct AllToAllLowering : ShardPattern<shard::AllToAllOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult
  matchAndRewrite(shard::AllToAllOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    Value init = emptyOfType(rewriter, op.getLoc(), op.getType());
    rewriter.replaceOpWithNewOp<CommAllToAllOp>(
        op, init.getType(), adaptor.getInput(), init, /*window_start=*/Value(),
        op.getSplitAxis().getSExtValue(), op.getConcatAxis().getSExtValue(),
        op.getGrid(), axesAttr(rewriter, op.getGridAxes()));
    return success();
  }
};

struct AllSliceLowering : ShardPattern<shard::AllSliceOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult
  matchAndRewrite(shard::AllSliceOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    rewriter.replaceOp(op, localSlice(rewriter, op.getLoc(), adaptor.getInput(),
                                      op.getType(),
                                      op.getSliceAxis().getSExtValue(),
                                      op.getGrid(), op.getGridAxes()));
    return success();
  }
};

struct BroadcastLowering : ShardPattern<shard::BroadcastOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult
  matchAndRewrite(shard::BroadcastOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    FailureOr<int64_t> root =
        staticGroupRank(op, op.getGridAttr(), op.getGridAxes(), op.getRoot(),
                        op.getRootDynamic(), "root");
    if (failed(root))
      return failure();
    Value init = emptyOfType(rewriter, op.getLoc(), op.getType());
    rewriter.replaceOpWithNewOp<CommBroadcastOp>(
        op, init.getType(), adaptor.getInput(), init, *root, op.getGrid(),
        axesAttr(rewriter, op.getGridAxes()));
    return success();
  }
};

struct ReduceLowering : ShardPattern<shard::ReduceOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult
  matchAndRewrite(shard::ReduceOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    FailureOr<ReductionKind> kind = reductionOf(op, op.getReduction());
    FailureOr<int64_t> root =
        staticGroupRank(op, op.getGridAttr(), op.getGridAxes(), op.getRoot(),
                        op.getRootDynamic(), "root");
    if (failed(kind) || failed(root))
      return failure();
    Value init = emptyOfType(rewriter, op.getLoc(), op.getType());
    rewriter.replaceOpWithNewOp<CommReduceOp>(
        op, init.getType(), *kind,
        reducedOperand(rewriter, op, adaptor.getInput()), init, *root,
        op.getGrid(), axesAttr(rewriter, op.getGridAxes()));
    return success();
  }
};

struct GatherLowering : ShardPattern<shard::GatherOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult
  matchAndRewrite(shard::GatherOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    // The root's result is the gathered tensor; other ranks' results are
    // unspecified upstream, so every rank gathering is a valid lowering.
    if (failed(staticGroupRank(op, op.getGridAttr(), op.getGridAxes(),
                               op.getRoot(), op.getRootDynamic(), "root")))
      return failure();
    Value init = emptyOfType(rewriter, op.getLoc(), op.getType());
    rewriter.replaceOpWithNewOp<CommAllGatherOp>(
        op, init.getType(), adaptor.getInput(), init,
        op.getGatherAxis().getSExtValue(), op.getGrid(),
        axesAttr(rewriter, op.getGridAxes()));
    return success();
  }
};

struct ScatterLowering : ShardPattern<shard::ScatterOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult
  matchAndRewrite(shard::ScatterOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    // The root's tensor, broadcast, then each rank keeps its slice.
    FailureOr<int64_t> root =
        staticGroupRank(op, op.getGridAttr(), op.getGridAxes(), op.getRoot(),
                        op.getRootDynamic(), "root");
    if (failed(root))
      return failure();
    Location loc = op.getLoc();
    Value init = emptyOfType(rewriter, loc, op.getInput().getType());
    Value whole = CommBroadcastOp::create(
                      rewriter, loc, init.getType(), adaptor.getInput(), init,
                      *root, op.getGrid(), axesAttr(rewriter, op.getGridAxes()))
                      .getResult()
                      .front();
    rewriter.replaceOp(op, localSlice(rewriter, loc, whole, op.getType(),
                                      op.getScatterAxis().getSExtValue(),
                                      op.getGrid(), op.getGridAxes()));
    return success();
  }
};

//===----------------------------------------------------------------------===//
// Point to point
//===----------------------------------------------------------------------===//

/// Point to point runs along one grid axis.
FailureOr<int64_t> singleAxis(Operation *op, ArrayRef<int16_t> axes) {
  if (axes.size() != 1)
    return op->emitOpError()
           << "sends along " << axes.size()
           << " grid axes; coco's point to point runs along one";
  return static_cast<int64_t>(axes.front());
}

struct SendLowering : ShardPattern<shard::SendOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult
  matchAndRewrite(shard::SendOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    FailureOr<int64_t> axis = singleAxis(op, op.getGridAxes());
    if (failed(axis))
      return failure();
    FailureOr<int64_t> peer = staticGroupRank(
        op, op.getGridAttr(), op.getGridAxes(), op.getDestination(),
        op.getDestinationDynamic(), "destination");
    if (failed(peer))
      return failure();
    Location loc = op.getLoc();
    CommSendOp::create(rewriter, loc, adaptor.getInput(),
                       arith::ConstantIndexOp::create(rewriter, loc, *peer),
                       op.getGrid(), rewriter.getDenseI64ArrayAttr({*axis}));
    rewriter.replaceOp(op, adaptor.getInput());
    return success();
  }
};

struct RecvLowering : ShardPattern<shard::RecvOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult
  matchAndRewrite(shard::RecvOp op, OpAdaptor,
                  ConversionPatternRewriter &rewriter) const override {
    FailureOr<int64_t> axis = singleAxis(op, op.getGridAxes());
    if (failed(axis))
      return failure();
    if (!op.getSource())
      return op->emitOpError() << "needs a source rank";
    FailureOr<int64_t> peer =
        staticGroupRank(op, op.getGridAttr(), op.getGridAxes(), *op.getSource(),
                        op.getSourceDynamic(), "source");
    if (failed(peer))
      return failure();
    Location loc = op.getLoc();
    Value init = emptyOfType(rewriter, loc, op.getType());
    rewriter.replaceOpWithNewOp<CommRecvOp>(
        op, init.getType(),
        arith::ConstantIndexOp::create(rewriter, loc, *peer), init,
        op.getGrid(), rewriter.getDenseI64ArrayAttr({*axis}));
    return success();
  }
};

/// The one grid axis a shift rotates along, or the diagnostic why coco
/// cannot import it.
FailureOr<int64_t> shiftedAxis(shard::ShiftOp op) {
  FailureOr<int64_t> axis = singleAxis(op, op.getGridAxes());
  if (failed(axis))
    return failure();
  if (!op.getRotate())
    return op->emitOpError() << "without 'rotate' is not supported (the "
                                "edge ranks' results are unspecified)";
  int64_t shiftAxis = op.getShiftAxis().getSExtValue();
  if (shiftAxis != *axis)
    return op->emitOpError() << "shifts along grid axis " << shiftAxis
                             << " but communicates over axis " << *axis;
  return axis;
}

struct ShiftLowering : ShardPattern<shard::ShiftOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult
  matchAndRewrite(shard::ShiftOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    // A rotation: send to (r + offset) mod n, receive from (r - offset) mod
    // n, for any offset and any number of ranks n.
    FailureOr<int64_t> axis = shiftedAxis(op);
    if (failed(axis))
      return failure();
    Location loc = op.getLoc();
    Value n = AxisSizeOp::create(rewriter, loc, op.getGrid(), *axis);
    Value r = AxisRankOp::create(rewriter, loc, op.getGrid(), *axis);
    // k = offset mod n in (-n, n); r + k + n and r - k + n are in [0, 3n).
    Value k = arith::RemSIOp::create(
        rewriter, loc,
        arith::ConstantIndexOp::create(rewriter, loc, op.getOffset()), n);
    Value rPlusN = arith::AddIOp::create(rewriter, loc, r, n);
    Value to = arith::RemUIOp::create(
        rewriter, loc, arith::AddIOp::create(rewriter, loc, rPlusN, k), n);
    Value from = arith::RemUIOp::create(
        rewriter, loc, arith::SubIOp::create(rewriter, loc, rPlusN, k), n);
    DenseI64ArrayAttr axes = rewriter.getDenseI64ArrayAttr({*axis});
    CommSendOp::create(rewriter, loc, adaptor.getInput(), to, op.getGrid(),
                       axes);
    Value init = emptyOfType(rewriter, loc, op.getType());
    rewriter.replaceOpWithNewOp<CommRecvOp>(op, init.getType(), from, init,
                                            op.getGrid(), axes);
    return success();
  }
};

/// Whether the patterns can import `op`, with the diagnostic when not. Run
/// on every op before any changes, so that a failure leaves the module as
/// it was and names its cause (a failed pattern would only say "failed to
/// legalize").
LogicalResult checkImportable(Operation *op) {
  if (isa<shard::ShardingOp, shard::ShardOp, shard::GetShardingOp,
          shard::ShardShapeOp>(op))
    return op->emitOpError()
           << "is not partitioned yet: run sharding-propagation and "
              "shard-partition first";
  // The grid it becomes must verify: checked here, before any change.
  if (auto grid = dyn_cast<shard::GridOp>(op))
    return verifyGridShape(grid.getShape(), [&] {
      return op->emitOpError() << "cannot become a coco.grid: it ";
    });
  if (auto index = dyn_cast<shard::ProcessMultiIndexOp>(op))
    return queriedAxes(op, index.getGridAttr(), index.getAxes());
  if (auto shape = dyn_cast<shard::GridShapeOp>(op))
    return queriedAxes(op, shape.getGridAttr(), shape.getAxes());
  if (auto linear = dyn_cast<shard::ProcessLinearIndexOp>(op))
    return gridShape(op, linear.getGridAttr());
  if (llvm::any_of(op->getOperandTypes(), llvm::IsaPred<BaseMemRefType>))
    return op->emitOpError() << "on memrefs: import before bufferization";
  // Results are built as tensor.empty / extract_slice of their static type.
  for (Type type :
       llvm::concat<Type>(op->getOperandTypes(), op->getResultTypes()))
    if (auto shaped = dyn_cast<ShapedType>(type);
        shaped && !shaped.hasStaticShape())
      return op->emitOpError()
             << "on a dynamically shaped " << type
             << ": coco imports static shapes (the partitioner's blocks)";
  // The runtime numbers integer types by width and reduces them as signed:
  // ui8's max, min and average would come out as i8's.
  for (Type type :
       llvm::concat<Type>(op->getOperandTypes(), op->getResultTypes()))
    if (auto integer = dyn_cast<IntegerType>(getElementTypeOrSelf(type));
        integer && !integer.isSignless())
      return op->emitOpError()
             << "on " << type
             << ": coco carries signless integers (it reduces them as "
                "signed); bitcast to a signless type first";
  // A reduction accumulates in its result's element type, the operand
  // converted first (convertElements): between integer and float types.
  bool isReduction =
      isa<shard::AllReduceOp, shard::ReduceScatterOp, shard::ReduceOp>(op);
  if (isReduction) {
    Type from = getElementTypeOrSelf(op->getOperand(0).getType());
    Type to = getElementTypeOrSelf(op->getResult(0).getType());
    if (from != to && (!isa<IntegerType, FloatType>(from) ||
                       !isa<IntegerType, FloatType>(to)))
      return op->emitOpError()
             << "accumulates " << from << " in " << to
             << ": coco converts between integer and float element types "
                "only";
  }
  // Over no grid axes: a group of one process, the operand as it is
  // (EmptyGroupLowering), converted to a reduction's accumulation type.
  if (ShardGroupCollectives::contain(op)) {
    auto axes = op->getAttrOfType<DenseI16ArrayAttr>("grid_axes");
    if (!axes || axes.empty()) {
      auto operand = op->getNumOperands() < 1
                         ? ShapedType()
                         : dyn_cast<ShapedType>(op->getOperand(0).getType());
      auto result = op->getNumResults() != 1
                        ? ShapedType()
                        : dyn_cast<ShapedType>(op->getResult(0).getType());
      bool fits = operand && result &&
                  (isReduction ? operand.getShape() == result.getShape()
                               : operand == result);
      if (!fits)
        return op->emitOpError()
               << "over no grid axes (a group of one process) must return "
                  "its operand's "
               << (isReduction ? "shape" : "type") << ", got "
               << op->getOperand(0).getType() << " -> "
               << op->getResult(0).getType();
      return success();
    }
  }
  auto reduction = [&](shard::ReductionKind kind) -> LogicalResult {
    if (StringRef why = whyNotReducibleAcrossRanks(
            getElementTypeOrSelf(op->getResult(0).getType()));
        !why.empty())
      return op->emitOpError() << why;
    return reductionOf(op, kind);
  };
  auto root = [&](auto collective, ArrayRef<int64_t> index, ValueRange dynamic,
                  StringRef what) -> LogicalResult {
    return staticGroupRank(op, collective.getGridAttr(),
                           collective.getGridAxes(), index, dynamic, what);
  };
  if (auto allReduce = dyn_cast<shard::AllReduceOp>(op))
    return reduction(allReduce.getReduction());
  if (auto scatter = dyn_cast<shard::ReduceScatterOp>(op))
    return reduction(scatter.getReduction());
  if (isa<shard::AllGatherOp, shard::AllToAllOp, shard::AllSliceOp>(op))
    return success();
  if (auto broadcast = dyn_cast<shard::BroadcastOp>(op))
    return root(broadcast, broadcast.getRoot(), broadcast.getRootDynamic(),
                "root");
  if (auto reduce = dyn_cast<shard::ReduceOp>(op))
    return failure(failed(reduction(reduce.getReduction())) ||
                   failed(root(reduce, reduce.getRoot(),
                               reduce.getRootDynamic(), "root")));
  if (auto gather = dyn_cast<shard::GatherOp>(op))
    return root(gather, gather.getRoot(), gather.getRootDynamic(), "root");
  if (auto scatter = dyn_cast<shard::ScatterOp>(op))
    return root(scatter, scatter.getRoot(), scatter.getRootDynamic(), "root");
  if (auto send = dyn_cast<shard::SendOp>(op))
    return failure(failed(singleAxis(op, send.getGridAxes())) ||
                   failed(root(send, send.getDestination(),
                               send.getDestinationDynamic(), "destination")));
  if (auto recv = dyn_cast<shard::RecvOp>(op)) {
    if (failed(singleAxis(op, recv.getGridAxes())))
      return failure();
    if (!recv.getSource())
      return op->emitOpError() << "needs a source rank";
    return root(recv, *recv.getSource(), recv.getSourceDynamic(), "source");
  }
  if (auto shift = dyn_cast<shard::ShiftOp>(op))
    return shiftedAxis(shift);
  return op->emitOpError() << "has no coco equivalent";
}

} // namespace

void mlir::coco::populateShardToCocoConversionPatterns(
    RewritePatternSet &patterns) {
  ShardGroupCollectives::addEmptyGroupLowerings(patterns);
  patterns.add<GridLowering, MultiIndexLowering, GridShapeLowering,
               LinearIndexLowering, AllReduceLowering, AllGatherLowering,
               ReduceScatterLowering, AllToAllLowering, AllSliceLowering,
               BroadcastLowering, ReduceLowering, GatherLowering,
               ScatterLowering, SendLowering, RecvLowering, ShiftLowering>(
      patterns.getContext());
}

namespace {
struct ConvertShardToCocoPass
    : public coco::impl::ConvertShardToCocoPassBase<ConvertShardToCocoPass> {
  void runOnOperation() override {
    // Every op first: a failure changes nothing and says why.
    WalkResult unsupported = getOperation().walk([](Operation *op) {
      if (isa_and_nonnull<shard::ShardDialect>(op->getDialect()) &&
          failed(checkImportable(op)))
        return WalkResult::interrupt();
      return WalkResult::advance();
    });
    if (unsupported.wasInterrupted())
      return signalPassFailure();
    ConversionTarget target(getContext());
    target.addIllegalDialect<shard::ShardDialect>();
    target.markUnknownOpDynamicallyLegal([](Operation *) { return true; });
    RewritePatternSet patterns(&getContext());
    populateShardToCocoConversionPatterns(patterns);
    if (failed(applyPartialConversion(getOperation(), target,
                                      std::move(patterns))))
      return signalPassFailure();
  }
};
} // namespace
