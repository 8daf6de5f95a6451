//===- FuseReduceScatter.cpp - the reduction of a reduce_scatter, fused ---===//
//
// reduce_scatter(x)[i] = sum over ranks j of x_j[chunk r][i]. Split into
//   - all_to_all skip_self: rank r receives chunk r of every other rank's x
//     (pure traffic, the bytes a pairwise reduce-scatter moves; its own
//     chunk is read where it lies in x, not copied), one slot per rank as
//     large as the largest chunk (uneven chunks: `!coco.dtensor`'s rule), and
//   - an elementwise sum of the R - 1 received chunks and its own,
// the sum is an ordinary elementwise linalg.generic, which elementwise fusion
// merges into the consumers: the reduction becomes part of the consumer's
// loop (e.g. the Adam update) instead of a separate sweep over memory.
//
//===----------------------------------------------------------------------===//

#include "coco/Dialect/Coco/Transforms/BlockOffsets.h"
#include "coco/Dialect/Coco/Transforms/Passes.h"
#include "coco/Dialect/Coco/Transforms/Schedules.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/ControlFlow/IR/ControlFlowOps.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "llvm/Support/FormatVariadic.h"

#include <algorithm>

namespace mlir::coco {
#define GEN_PASS_DEF_COCOFUSEREDUCESCATTERPASS
#include "coco/Dialect/Coco/Transforms/Passes.h.inc"
} // namespace mlir::coco

using namespace mlir;
using namespace mlir::coco;

//===----------------------------------------------------------------------===//
// Global view: the schedule's request
//===----------------------------------------------------------------------===//

LogicalResult mlir::coco::markForFusion(RewriterBase &rewriter,
                                        ReduceScatterOp op,
                                        SymbolTableCollection &symbols) {
  if (std::optional<std::string> why = whyStaysUnfused(op, symbols))
    return op.emitOpError() << "cannot fold into its consumers: " << *why;
  rewriter.modifyOpInPlace(
      op, [&] { op->setAttr(kFuseReduceScatterAttr, rewriter.getUnitAttr()); });
  remarkApplied(op, "fuse-reduce-scatter",
                "reduce_scatter marked: the pipeline folds it into its "
                "consumers' loop");
  return success();
}

//===----------------------------------------------------------------------===//
// Rank-local view: the rewrite
//===----------------------------------------------------------------------===//

/// How a failed precondition is reported: an error when the fold was asked
/// for this op (transform op), a warning (the user asked for the fusion:
/// pass or pipeline option) when the pass leaves it alone.
enum class Report { Error, Remark };

/// The static number of ranks of the op's group, or failure with a
/// diagnostic.
static FailureOr<int64_t> checkFold(CommReduceScatterOp op,
                                    SymbolTableCollection &symbols,
                                    Report report) {
  auto fail = [&](const Twine &why) -> FailureOr<int64_t> {
    if (report == Report::Error)
      op.emitOpError() << "cannot fold into its consumers: " << why;
    else
      warnNotApplied(op, "fuse-reduce-scatter",
                     "this reduce_scatter stays unfused: " + why);
    return failure();
  };
  auto inputType = dyn_cast<RankedTensorType>(op.getInput().getType());
  if (!inputType)
    return fail("it is bufferized already (fold before bufferization)");
  if (op.getDim() != 0)
    return fail("only a reduce_scatter along dimension 0 is supported");
  if (!inputType.hasStaticShape())
    return fail("the input shape must be static");
  Type elementType = inputType.getElementType();
  if (!elementType.isIntOrFloat())
    return fail("its loop sums integers and floats, not " +
                llvm::formatv("{0}", elementType).str());
  auto grid = symbols.lookupNearestSymbolFrom<GridOp>(op, op.getGridAttr());
  if (!grid)
    return fail("unknown grid");
  if (llvm::any_of(op.getAxes(), [&](int64_t axis) {
        return axis < 0 || axis >= grid.getRank();
      }))
    return fail("unknown grid axis");
  int64_t ranks = groupSize(grid.getShape(), op.getAxes());
  if (ShapedType::isDynamic(ranks))
    return fail("its grid axes must have a static number of ranks");
  if (std::optional<std::string> why = whyFoldGroupTooLarge(ranks))
    return fail(*why);
  if (inputType.getDimSize(0) == 0)
    return fail("dimension 0 is empty");
  // Uneven blocks make this rank's block (the result's dim 0) dynamic.
  auto resultType = dyn_cast<RankedTensorType>(op.getInit().getType());
  if (!resultType || llvm::any_of(llvm::drop_begin(resultType.getShape()),
                                  ShapedType::isDynamic))
    return fail("the result's shape must be static but for dimension 0");
  // A static block size must be every rank's: the loop reads that many rows
  // of each slot (the unfused collective would fail at run time).
  int64_t extent = inputType.getDimSize(0), rows = resultType.getDimSize(0);
  if (!ShapedType::isDynamic(rows) &&
      (extent % ranks != 0 || rows != extent / ranks))
    return fail("its result has " + Twine(rows) + " rows, but the " +
                Twine(extent) + " rows split into " +
                (extent % ranks != 0
                     ? "uneven blocks over " + Twine(ranks) +
                           " ranks (a dynamic result takes each rank's)"
                     : "blocks of " + Twine(extent / ranks)));
  if (std::optional<std::string> why =
          whyAverageOverflows(op.getKind(), elementType, ranks))
    return fail(*why);
  return ranks;
}

FailureOr<Value>
mlir::coco::foldReduceScatterIntoElementwise(RewriterBase &rewriter,
                                             CommReduceScatterOp op,
                                             SymbolTableCollection &symbols) {
  FailureOr<int64_t> ranks = checkFold(op, symbols, Report::Error);
  if (failed(ranks))
    return failure();
  Location loc = op.getLoc();
  auto inputType = cast<RankedTensorType>(op.getInput().getType());
  auto chunkType = cast<RankedTensorType>(op.getInit().getType());
  Type elementType = inputType.getElementType();
  int64_t rank = inputType.getRank();
  // Rank j's block of x goes to rank j, which receives the other ranks'
  // blocks of its own index into one slot each, as large as the largest
  // block: x's blocks where they are equal.
  int64_t extent = inputType.getDimSize(0);
  int64_t slot = llvm::divideCeil(extent, *ranks);
  bool equalBlocks = extent % *ranks == 0;
  rewriter.setInsertionPoint(op);

  // This rank's own block stays where it is in x (skip_self: no copy to
  // itself).
  SmallVector<int64_t> receivedShape(inputType.getShape());
  receivedShape[0] = slot * *ranks;
  Value received =
      tensor::EmptyOp::create(rewriter, loc, receivedShape, elementType);
  auto exchange = CommAllToAllOp::create(
      rewriter, loc, received.getType(), op.getInput(), received,
      /*window_start=*/Value(), /*split_dim=*/0,
      /*concat_dim=*/0, op.getGrid(), op.getAxesAttr(), /*skip_self=*/true);
  // A schedule's choice to keep the exchange whole goes with it.
  if (op->hasAttr(kExchangeWholeAttr))
    rewriter.modifyOpInPlace(exchange, [&] {
      exchange->setAttr(kExchangeWholeAttr, rewriter.getUnitAttr());
    });
  received = exchange.getResult().front();

  // Views of the blocks to combine, in the order the CPU runtime's ring
  // reduce-scatter adds them for this rank's block r: the blocks received
  // from ranks r+1, ..., r+R-1, then its own. The fused and the unfused
  // schedules so give the same bits on the CPU (not with COCO_RS_ALGO=mpi,
  // nor against NCCL's reduce-scatter on GPUs).
  Value extentValue = arith::ConstantIndexOp::create(rewriter, loc, extent);
  auto ownBlock = LocalBlockOp::create(rewriter, loc, extentValue, op.getGrid(),
                                       op.getAxesAttr());
  Value ownOffset = ownBlock.getOffset();
  auto blockAt = [&](Value source, Value offset) -> Value {
    SmallVector<OpFoldResult> offsets(rank, rewriter.getIndexAttr(0));
    offsets[0] = offset;
    SmallVector<OpFoldResult> sizes;
    for (int64_t size : chunkType.getShape())
      sizes.push_back(rewriter.getIndexAttr(size));
    if (chunkType.isDynamicDim(0))
      sizes[0] = ownBlock.getSize();
    SmallVector<OpFoldResult> strides(rank, rewriter.getIndexAttr(1));
    return tensor::ExtractSliceOp::create(rewriter, loc, chunkType, source,
                                          offsets, sizes, strides);
  };
  Value slotsValue =
      equalBlocks ? extentValue
                  : arith::ConstantIndexOp::create(rewriter, loc, slot * *ranks)
                        .getResult();
  // The unfused collective checks the result's size at run time; the loop
  // that replaces it would read past this rank's block instead.
  if (chunkType.isDynamicDim(0)) {
    Value resultRows = tensor::DimOp::create(rewriter, loc, op.getInit(), 0);
    Value fits = arith::CmpIOp::create(rewriter, loc, arith::CmpIPredicate::eq,
                                       resultRows, ownBlock.getSize());
    cf::AssertOp::create(
        rewriter, loc, fits,
        "coco-fuse-reduce-scatter: the result's dimension 0 is not this "
        "rank's block of the input");
  }
  // Rank r+step's slot starts at ((r + step) mod R) * slot, r this rank's
  // index in the group (the first axis outermost). With equal blocks r * slot
  // is this rank's offset; otherwise it is sum(axis_rank * slot * the ranks
  // of the later axes), the block offset's rule with slots for blocks.
  Value start = ownOffset;
  if (!equalBlocks) {
    auto grid = symbols.lookupNearestSymbolFrom<GridOp>(op, op.getGridAttr());
    SmallVector<BlockOffsetTerm> terms;
    int64_t levelSize = slot;
    for (int64_t axis : llvm::reverse(op.getAxes())) {
      terms.insert(terms.begin(), {axis, rewriter.getIndexAttr(levelSize)});
      levelSize *= grid.getShape()[axis];
    }
    start = buildBlockOffset(rewriter, loc, op.getGrid(), terms);
  }
  SmallVector<Value> chunks;
  for (int64_t step = 1; step < *ranks; ++step) {
    Value shifted = arith::AddIOp::create(
        rewriter, loc, start,
        arith::ConstantIndexOp::create(rewriter, loc, step * slot));
    chunks.push_back(blockAt(
        received, arith::RemUIOp::create(rewriter, loc, shifted, slotsValue)));
  }
  chunks.push_back(blockAt(op.getInput(), ownOffset));

  // Their elementwise combination, left to right.
  ReductionKind kind = op.getKind();
  bool isFloat = isa<FloatType>(elementType);
  SmallVector<AffineMap> maps(*ranks + 1,
                              rewriter.getMultiDimIdentityMap(rank));
  SmallVector<utils::IteratorType> iterators(rank,
                                             utils::IteratorType::parallel);
  auto combined = linalg::GenericOp::create(
      rewriter, loc, chunkType, chunks, op.getInit(), maps, iterators,
      [&](OpBuilder &b, Location l, ValueRange args) {
        // `lhs < rhs ? x : acc`: floats' min and max as the runtime's
        // combine computes them (x < acc ? x : acc, acc < x ? x : acc), so
        // NaNs and signed zeros come out as in the unfused ring.
        auto ifLess = [&](Value lhs, Value rhs, Value x, Value acc) -> Value {
          Value less =
              arith::CmpFOp::create(b, l, arith::CmpFPredicate::OLT, lhs, rhs);
          return arith::SelectOp::create(b, l, less, x, acc);
        };
        Value acc = args[0];
        for (int64_t j = 1; j < *ranks; ++j) {
          Value x = args[j];
          switch (kind) {
          case ReductionKind::prod:
            acc = isFloat ? arith::MulFOp::create(b, l, acc, x).getResult()
                          : arith::MulIOp::create(b, l, acc, x).getResult();
            break;
          case ReductionKind::min:
            acc = isFloat ? ifLess(x, acc, x, acc)
                          : arith::MinSIOp::create(b, l, acc, x).getResult();
            break;
          case ReductionKind::max:
            acc = isFloat ? ifLess(acc, x, x, acc)
                          : arith::MaxSIOp::create(b, l, acc, x).getResult();
            break;
          default: // sum, avg
            acc = isFloat ? arith::AddFOp::create(b, l, acc, x).getResult()
                          : arith::AddIOp::create(b, l, acc, x).getResult();
          }
        }
        if (kind == ReductionKind::avg) {
          Value count = arith::ConstantOp::create(
              b, l,
              isFloat ? TypedAttr(b.getFloatAttr(elementType, *ranks))
                      : TypedAttr(b.getIntegerAttr(elementType, *ranks)));
          acc = isFloat ? arith::DivFOp::create(b, l, acc, count).getResult()
                        : arith::DivSIOp::create(b, l, acc, count).getResult();
        }
        linalg::YieldOp::create(b, l, acc);
      });
  remarkApplied(op, "fuse-reduce-scatter",
                "reduce_scatter folded into its consumers' loop: an all_to_all "
                "of the other ranks' blocks, summed with this rank's own "
                "where they are used");
  rewriter.replaceOp(op, combined.getResult(0));
  return combined.getResult(0);
}

namespace {
struct CocoFuseReduceScatterPass
    : public coco::impl::CocoFuseReduceScatterPassBase<
          CocoFuseReduceScatterPass> {
  using CocoFuseReduceScatterPassBase::CocoFuseReduceScatterPassBase;

  void runOnOperation() override {
    if (failed(checkAxesOption(getOperation()->getLoc(),
                               "coco-fuse-reduce-scatter", axes)))
      return signalPassFailure();
    // The global view's reduce_scatters are not the rank-local ones this
    // pass folds: it did nothing to them, without a word. (A marked one
    // keeps its mark through coco-localize, to be folded there.)
    if (!markedOnly) {
      ReduceScatterOp global;
      getOperation().walk([&](ReduceScatterOp op) {
        if (op->hasAttr(kFuseReduceScatterAttr))
          return WalkResult::advance();
        global = op;
        return WalkResult::interrupt();
      });
      if (global)
        global.emitWarning()
            << "is in the global view: coco-fuse-reduce-scatter folds the "
               "rank-local view's reduce_scatters (after coco-localize; "
               "coco-lower-to-cpu{fuse-reduce-scatter=true} runs it there)";
    }
    SymbolTableCollection symbols;
    SmallVector<CommReduceScatterOp> targets;
    // Whether the axes filter leaves out every reduce_scatter it is about.
    bool anyUnmarked = false, anyUnmarkedAlong = false;
    getOperation().walk([&](CommReduceScatterOp op) {
      // A marked op is folded whatever the axes filter says: a schedule
      // asked for this one.
      if (!op->hasAttr(kFuseReduceScatterAttr)) {
        anyUnmarked = true;
        anyUnmarkedAlong |= runsAlong(op, axes);
      }
      bool asked = markedOnly ? op->hasAttr(kFuseReduceScatterAttr)
                              : (op->hasAttr(kFuseReduceScatterAttr) ||
                                 runsAlong(op, axes));
      if (asked && succeeded(checkFold(op, symbols, Report::Remark)))
        targets.push_back(op);
    });
    if (!markedOnly && !axes.empty() && anyUnmarked && !anyUnmarkedAlong)
      emitWarning(getOperation().getLoc())
          << "coco-fuse-reduce-scatter: no reduce_scatter of @"
          << getOperation().getSymName() << " runs along exactly "
          << describeAxes(axes)
          << "; none is folded but those a schedule marked";
    // Nothing to fold: the IR is not verified again.
    if (targets.empty())
      return markAllAnalysesPreserved();
    IRRewriter rewriter(&getContext());
    for (CommReduceScatterOp op : targets)
      (void)foldReduceScatterIntoElementwise(rewriter, op, symbols);
  }
};
} // namespace
