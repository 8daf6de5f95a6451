//===- FuseReduceScatter.cpp - the reduction of a reduce_scatter, fused ---===//
//
// reduce_scatter(x)[i] = sum over ranks j of x_j[chunk r][i]. Split into
//   - all_to_all: rank r receives chunk r of every rank's x (pure traffic,
//     the same bytes a pairwise reduce-scatter moves), and
//   - an elementwise sum of the R received chunks,
// the sum is an ordinary elementwise linalg.generic, which elementwise fusion
// merges into the consumers: the reduction becomes part of the consumer's
// loop (e.g. the Adam update) instead of a separate sweep over memory.
//
//===----------------------------------------------------------------------===//

#include "coco/Dialect/Coco/Transforms/Passes.h"
#include "coco/Dialect/Coco/Transforms/Schedules.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"

namespace mlir::coco {
#define GEN_PASS_DEF_COCOFUSEREDUCESCATTERPASS
#include "coco/Dialect/Coco/Transforms/Passes.h.inc"
} // namespace mlir::coco

using namespace mlir;
using namespace mlir::coco;

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
  auto grid = symbols.lookupNearestSymbolFrom<GridOp>(op, op.getGridAttr());
  if (!grid)
    return fail("unknown grid");
  int64_t ranks = 1;
  for (int64_t axis : op.getAxes()) {
    if (axis < 0 || axis >= grid.getRank())
      return fail("unknown grid axis");
    if (ShapedType::isDynamic(grid.getShape()[axis]))
      return fail("its grid axes must have a static number of ranks");
    ranks *= grid.getShape()[axis];
  }
  if (inputType.getDimSize(0) % ranks != 0)
    return fail("dimension 0 (size " + Twine(inputType.getDimSize(0)) +
                ") does not split into " + Twine(ranks) +
                " equal blocks; the all_to_all exchange needs them equal");
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
  Type elementType = inputType.getElementType();
  int64_t rank = inputType.getRank();
  rewriter.setInsertionPoint(op);

  // x: [N, ...] -> [R, N/R, ...]: row j is the chunk destined for rank j.
  SmallVector<int64_t> chunked = {*ranks, inputType.getDimSize(0) / *ranks};
  llvm::append_range(chunked, inputType.getShape().drop_front());
  SmallVector<ReassociationIndices> reassociation = {{0, 1}};
  for (int64_t d = 2; d <= rank; ++d)
    reassociation.push_back({d});
  auto chunkedType = RankedTensorType::get(chunked, elementType);
  Value rows = tensor::ExpandShapeOp::create(rewriter, loc, chunkedType,
                                             op.getInput(), reassociation);
  Value received = tensor::EmptyOp::create(rewriter, loc, chunked, elementType);
  received = CommAllToAllOp::create(rewriter, loc, chunkedType, rows, received,
                                    /*split_dim=*/0, /*concat_dim=*/0,
                                    op.getGrid(), op.getAxesAttr())
                 .getResult()
                 .front();

  // The R chunks this rank received, as views.
  SmallVector<Value> chunks;
  auto chunkType = cast<RankedTensorType>(op.getInit().getType());
  for (int64_t j = 0; j < *ranks; ++j) {
    SmallVector<OpFoldResult> offsets(rank + 1, rewriter.getIndexAttr(0));
    offsets[0] = rewriter.getIndexAttr(j);
    SmallVector<OpFoldResult> sizes = {rewriter.getIndexAttr(1)};
    for (int64_t size : chunkType.getShape())
      sizes.push_back(rewriter.getIndexAttr(size));
    SmallVector<OpFoldResult> strides(rank + 1, rewriter.getIndexAttr(1));
    chunks.push_back(tensor::ExtractSliceOp::create(
        rewriter, loc, chunkType, received, offsets, sizes, strides));
  }

  // Their elementwise combination, in rank order.
  ReductionKind kind = op.getKind();
  bool isFloat = isa<FloatType>(elementType);
  SmallVector<AffineMap> maps(*ranks + 1,
                              rewriter.getMultiDimIdentityMap(rank));
  SmallVector<utils::IteratorType> iterators(rank,
                                             utils::IteratorType::parallel);
  auto combined = linalg::GenericOp::create(
      rewriter, loc, chunkType, chunks, op.getInit(), maps, iterators,
      [&](OpBuilder &b, Location l, ValueRange args) {
        Value acc = args[0];
        for (int64_t j = 1; j < *ranks; ++j) {
          Value x = args[j];
          switch (kind) {
          case ReductionKind::prod:
            acc = isFloat ? arith::MulFOp::create(b, l, acc, x).getResult()
                          : arith::MulIOp::create(b, l, acc, x).getResult();
            break;
          case ReductionKind::min:
            acc = isFloat ? arith::MinimumFOp::create(b, l, acc, x).getResult()
                          : arith::MinSIOp::create(b, l, acc, x).getResult();
            break;
          case ReductionKind::max:
            acc = isFloat ? arith::MaximumFOp::create(b, l, acc, x).getResult()
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
                "of the blocks, summed where they are used");
  rewriter.replaceOp(op, combined.getResult(0));
  return combined.getResult(0);
}

namespace {
struct CocoFuseReduceScatterPass
    : public coco::impl::CocoFuseReduceScatterPassBase<
          CocoFuseReduceScatterPass> {
  using CocoFuseReduceScatterPassBase::CocoFuseReduceScatterPassBase;

  void runOnOperation() override {
    SymbolTableCollection symbols;
    SmallVector<CommReduceScatterOp> targets;
    getOperation().walk([&](CommReduceScatterOp op) {
      if (runsAlong(op, axes) &&
          succeeded(checkFold(op, symbols, Report::Remark)))
        targets.push_back(op);
    });
    IRRewriter rewriter(&getContext());
    for (CommReduceScatterOp op : targets)
      (void)foldReduceScatterIntoElementwise(rewriter, op, symbols);
  }
};
} // namespace
