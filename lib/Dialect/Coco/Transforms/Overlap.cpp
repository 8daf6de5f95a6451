//===- Overlap.cpp - matmul + collective as a chunked pipeline ------------===//
//
// C = A x B followed by all_reduce(C) becomes, for k = 0..N-1,
//   C[k] = A[k] x B; start all_reduce(C[k]) into D[k]
// then the N waits. Each row block of C depends only on the same rows of A,
// and each all_reduce element only on the same element of every rank's C,
// so the result is the same; the communication of block k now overlaps the
// computation of block k+1.
//
// A reduce_scatter along the columns (the last dim) chunks the same way:
// reduce-scattering row block k of C along its columns gives exactly row
// block k of this rank's column slice D.
//
//===----------------------------------------------------------------------===//

#include "coco/Dialect/Coco/IR/CocoOps.h"
#include "coco/Dialect/Coco/Transforms/Passes.h"
#include "coco/Dialect/Coco/Transforms/Schedules.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Interfaces/SideEffectInterfaces.h"

namespace mlir::coco {
#define GEN_PASS_DEF_COCOOVERLAPPASS
#include "coco/Dialect/Coco/Transforms/Passes.h.inc"
} // namespace mlir::coco

using namespace mlir;
using namespace mlir::coco;

//===----------------------------------------------------------------------===//
// Global view: the schedule's request
//===----------------------------------------------------------------------===//

LogicalResult mlir::coco::checkOverlap(Operation *collective, int64_t chunks) {
  Value input;
  if (auto allReduce = dyn_cast<AllReduceOp>(collective)) {
    input = allReduce.getInput();
  } else if (auto scatter = dyn_cast<ReduceScatterOp>(collective)) {
    input = scatter.getInput();
    int64_t last = scatter.getInput().getType().getRank() - 1;
    if (static_cast<int64_t>(scatter.getDim()) != last)
      return collective->emitOpError()
             << "cannot be overlapped: it scatters dimension "
             << scatter.getDim()
             << "; only a reduce_scatter along the last dimension (the "
                "matmul's columns) leaves each row block on its own rows";
  } else {
    return collective->emitOpError()
           << "cannot be overlapped: overlap chunks a coco.all_reduce or "
              "coco.reduce_scatter with the matmul producing its input";
  }
  auto matmul = input.getDefiningOp<MatmulOp>();
  if (!matmul)
    return collective->emitOpError()
           << "cannot be overlapped: its input is not the result of a "
              "coco.matmul";
  if (!input.hasOneUse())
    return collective->emitOpError()
           << "cannot be overlapped: the matmul's result has other users, "
              "which would read it before all chunks are computed";
  if (chunks < 2)
    return collective->emitOpError()
           << "cannot be overlapped in " << chunks << " chunk(s): needs >= 2";
  ArrayRef<int64_t> shape = cast<DTensorType>(input.getType()).getShape();
  int64_t rows = 1;
  for (int64_t size : shape.drop_back())
    rows *= size;
  if (shape.size() < 2 || rows % chunks != 0)
    return collective->emitOpError()
           << "cannot be overlapped in " << chunks << " chunks: the matmul's "
           << rows << " row(s) do not divide into them";
  return success();
}

LogicalResult mlir::coco::markForOverlap(RewriterBase &rewriter,
                                         Operation *collective,
                                         int64_t chunks) {
  if (failed(checkOverlap(collective, chunks)))
    return failure();
  rewriter.modifyOpInPlace(collective, [&] {
    collective->setAttr(kOverlapChunksAttr, rewriter.getI64IntegerAttr(chunks));
  });
  return success();
}

void mlir::coco::carryOverlapMark(RewriterBase &rewriter, IntegerAttr chunks,
                                  Operation *consumer, Location replaced,
                                  StringRef became) {
  std::string why;
  {
    // checkOverlap's error, as the reason.
    ScopedDiagnosticHandler capture(consumer->getContext(), [&](Diagnostic &d) {
      why = d.str();
      return success();
    });
    if (succeeded(checkOverlap(consumer, chunks.getInt()))) {
      rewriter.modifyOpInPlace(
          consumer, [&] { consumer->setAttr(kOverlapChunksAttr, chunks); });
      return;
    }
  }
  emitWarning(replaced) << "this all_reduce became " << became << ": its "
                        << kOverlapChunksAttr << " = " << chunks.getInt()
                        << " is dropped, it will not be overlapped: " << why;
}

//===----------------------------------------------------------------------===//
// Rank-local view: the rewrite
//===----------------------------------------------------------------------===//

namespace {

/// Rows [k*rows, (k+1)*rows) of a 2-D buffer.
Value rowBlock(OpBuilder &b, Location loc, Value buffer, int64_t k,
               int64_t rows) {
  auto type = cast<MemRefType>(buffer.getType());
  SmallVector<OpFoldResult> offsets = {b.getIndexAttr(k * rows),
                                       b.getIndexAttr(0)};
  OpFoldResult columns =
      type.isDynamicDim(1)
          ? OpFoldResult(memref::DimOp::create(b, loc, buffer, 1).getResult())
          : OpFoldResult(b.getIndexAttr(type.getDimSize(1)));
  SmallVector<OpFoldResult> sizes = {b.getIndexAttr(rows), columns};
  SmallVector<OpFoldResult> strides = {b.getIndexAttr(1), b.getIndexAttr(1)};
  return memref::SubViewOp::create(b, loc, buffer, offsets, sizes, strides);
}

/// Whether `op`, between the matmul and the collective, cannot observe or
/// change what the rewrite moves (the matmul, now computed in blocks after
/// it): a view of the product, a fresh allocation, or an op without memory
/// effects and regions. Anything else (a copy, a write to an operand, a
/// region that might do either) keeps the pair as it is.
bool harmlessInBetween(Operation *op, Value rows2d) {
  if (auto expand = dyn_cast<memref::ExpandShapeOp>(op))
    return expand.getSrc() == rows2d;
  if (isa<memref::AllocOp>(op))
    return true;
  return op->getNumRegions() == 0 && isMemoryEffectFree(op);
}

/// The matmul writing `input` (directly or through an expand_shape) before
/// `collective` reads it, or null when nothing in the block computes it with
/// a linalg.matmul (then the collective is not a candidate at all).
linalg::MatmulOp findProducerMatmul(Value input, Operation *collective) {
  Value rows2d = input;
  if (auto expand = input.getDefiningOp<memref::ExpandShapeOp>())
    rows2d = expand.getSrc();
  linalg::MatmulOp matmul;
  for (Operation *user : rows2d.getUsers()) {
    auto candidate = dyn_cast<linalg::MatmulOp>(user);
    if (candidate && candidate.getDpsInits()[0] == rows2d &&
        candidate->getBlock() == collective->getBlock() &&
        candidate->isBeforeInBlock(collective))
      matmul = candidate;
  }
  return matmul;
}

/// Why `matmul` (found by findProducerMatmul) cannot be computed in `chunks`
/// row blocks with each block's collective started after it, or an empty
/// string when it can.
std::string whyNotChunkable(linalg::MatmulOp matmul, Value input, Value init,
                            Operation *collective, int64_t chunks) {
  Value rows2d = input;
  if (auto expand = input.getDefiningOp<memref::ExpandShapeOp>())
    rows2d = expand.getSrc();
  auto type = dyn_cast<MemRefType>(rows2d.getType());
  auto initType = dyn_cast<MemRefType>(init.getType());
  // Row blocks of the destination must be views: identity layouts only.
  if (!type || type.getRank() != 2 || !type.hasStaticShape())
    return "the product is not a static 2-D buffer";
  if (!type.getLayout().isIdentity() || !initType ||
      !initType.getLayout().isIdentity())
    return "the product or the result buffer is strided, so its row blocks "
           "are not contiguous";
  // Every chunk at least one row (0 rows divide into any count, and would
  // make that many empty blocks).
  if (type.getDimSize(0) < chunks || type.getDimSize(0) % chunks != 0)
    return "this rank's " + std::to_string(type.getDimSize(0)) +
           " row(s) do not divide into " + std::to_string(chunks) + " chunks";
  // Blocks are rebuilt as plain matmuls: transposed maps or casts stay.
  if (matmul.hasUserDefinedMaps() ||
      matmul.getCast() != linalg::TypeFn::cast_signed)
    return "the matmul has transposed operands or an unsigned cast";
  for (Operation *op = matmul->getNextNode(); op != collective;
       op = op->getNextNode())
    if (!harmlessInBetween(op, rows2d))
      return "'" + op->getName().getStringRef().str() +
             "' between the matmul and the collective may read or write its "
             "buffers";
  return "";
}

/// Whether a reduce_scatter of `input` along `dim` scatters the columns of
/// its 2-D rows view (the last dim, not merged with others).
bool scattersColumns(Value input, int64_t dim) {
  auto type = cast<MemRefType>(input.getType());
  if (dim != type.getRank() - 1)
    return false;
  auto expand = input.getDefiningOp<memref::ExpandShapeOp>();
  return !expand || expand.getReassociationIndices().back().size() == 1;
}

/// `buffer` (shaped like the all_reduce's input) as 2-D rows.
Value asRows(OpBuilder &b, Location loc, Value buffer, Value input) {
  auto expand = input.getDefiningOp<memref::ExpandShapeOp>();
  if (!expand)
    return buffer;
  return memref::CollapseShapeOp::create(b, loc, buffer,
                                         expand.getReassociationIndices());
}

struct CocoOverlapPass
    : public coco::impl::CocoOverlapPassBase<CocoOverlapPass> {
  using CocoOverlapPassBase::CocoOverlapPassBase;

  void runOnOperation() override {
    if (failed(checkAxesOption(getOperation()->getLoc(), "coco-overlap", axes)))
      return signalPassFailure();
    if (chunks == 1 || chunks < 0) {
      mlir::emitError(getOperation().getLoc())
          << "coco-overlap: chunks must be 0 (only "
             "collectives a schedule marked) or >= 2, "
             "got "
          << static_cast<int64_t>(chunks);
      return signalPassFailure();
    }
    // The global view's collectives are not the bufferized ones this pass
    // chunks: it did nothing to them, without a word.
    if (chunks >= 2) {
      Operation *global = nullptr;
      getOperation().walk([&](Operation *op) {
        if (!isa<AllReduceOp, ReduceScatterOp>(op))
          return WalkResult::advance();
        global = op;
        return WalkResult::interrupt();
      });
      if (global)
        global->emitWarning()
            << "is in the global view: coco-overlap chunks the bufferized "
               "rank-local view's collectives (coco-lower-to-cpu{overlap-"
               "chunks=N} runs it there; transform.coco.overlap marks one "
               "here)";
    }
    SmallVector<std::tuple<linalg::MatmulOp, Operation *, int64_t>> targets;
    // Whether the axes filter leaves out every collective it is about.
    bool anyUnmarked = false, anyUnmarkedAlong = false;
    getOperation().walk([&](Operation *op) {
      if (!isa<CommAllReduceOp, CommReduceScatterOp>(op))
        return;
      // A marked op is overlapped whatever the axes filter says: a schedule
      // asked for this one.
      auto marked = op->getAttrOfType<IntegerAttr>(kOverlapChunksAttr);
      if (!marked) {
        anyUnmarked = true;
        if (!runsAlong(op, axes))
          return;
        anyUnmarkedAlong = true;
      }
      int64_t blocks = marked ? marked.getInt() : chunks;
      if (blocks < 2)
        return;
      Value input = isa<CommAllReduceOp>(op)
                        ? cast<CommAllReduceOp>(op).getInput()
                        : cast<CommReduceScatterOp>(op).getInput();
      Value init = isa<CommAllReduceOp>(op)
                       ? cast<CommAllReduceOp>(op).getInit()
                       : cast<CommReduceScatterOp>(op).getInit();
      linalg::MatmulOp matmul;
      if (isa<MemRefType>(input.getType()))
        matmul = findProducerMatmul(input, op);
      std::string why;
      if (!isa<MemRefType>(input.getType()))
        why = "it is not bufferized (coco-overlap works on buffers: "
              "coco-lower-to-cpu{overlap-chunks=N} runs it there)";
      else if (!matmul)
        why = "its input is not the product of a matmul (in row-block form)";
      else if (auto scatter = dyn_cast<CommReduceScatterOp>(op);
               scatter && !scattersColumns(input, scatter.getDim()))
        why = "it scatters dimension " + std::to_string(scatter.getDim()) +
              ", not the product's columns, so each row block would be "
              "spread over all ranks";
      else
        why = whyNotChunkable(matmul, input, init, op, blocks);
      if (why.empty()) {
        targets.push_back({matmul, op, blocks});
      } else if (marked) {
        // Checked at the global view; the buffers came out differently.
        op->emitWarning() << "was scheduled for overlap in " << blocks
                          << " chunks, but it stays blocking: " << why;
        remarkNotApplied(op, "overlap", why);
      } else if (matmul) {
        // Overlap was asked for every matmul + collective pair (chunks=N):
        // say why this pair is left as it is rather than drop it silently.
        warnNotApplied(op, "overlap",
                       "not overlapped in " + Twine(blocks) +
                           " chunks, stays blocking: " + why);
      } else {
        remarkNotApplied(op, "overlap", why);
      }
    });
    if (chunks >= 2 && !axes.empty() && anyUnmarked && !anyUnmarkedAlong)
      emitWarning(getOperation().getLoc())
          << "coco-overlap: no all_reduce or reduce_scatter of @"
          << getOperation().getSymName() << " runs along exactly "
          << describeAxes(axes)
          << "; none is overlapped but those a schedule marked";
    // Nothing changed: coco-opt need not verify the function again.
    if (targets.empty())
      return markAllAnalysesPreserved();
    for (auto [matmul, collective, blocks] : targets) {
      OpBuilder b(collective);
      Location loc = collective->getLoc();
      auto allReduce = dyn_cast<CommAllReduceOp>(collective);
      auto scatter = dyn_cast<CommReduceScatterOp>(collective);
      Value input = allReduce ? allReduce.getInput() : scatter.getInput();
      Value init = allReduce ? allReduce.getInit() : scatter.getInit();
      Value lhs = matmul.getDpsInputs()[0], rhs = matmul.getDpsInputs()[1];
      Value out = matmul.getDpsInits()[0];
      Value dest = asRows(b, loc, init, input);
      int64_t rows = cast<MemRefType>(out.getType()).getDimSize(0) / blocks;
      SmallVector<std::tuple<Value, Value, Value>> started;
      for (int64_t k = 0; k < blocks; ++k) {
        Value outBlock = rowBlock(b, loc, out, k, rows);
        linalg::MatmulOp::create(
            b, loc, ValueRange{rowBlock(b, loc, lhs, k, rows), rhs},
            ValueRange{outBlock});
        Value destBlock = rowBlock(b, loc, dest, k, rows);
        Value request =
            allReduce ? CommIAllReduceOp::create(
                            b, loc, allReduce.getKind(), outBlock, destBlock,
                            allReduce.getGrid(), allReduce.getAxesAttr())
                            .getResult()
                      : CommIReduceScatterOp::create(
                            b, loc, scatter.getKind(), outBlock, destBlock,
                            /*dim=*/1, scatter.getGrid(), scatter.getAxesAttr())
                            .getResult();
        started.push_back({request, outBlock, destBlock});
      }
      for (auto [request, outBlock, destBlock] : started)
        CommWaitOp::create(b, loc, request, outBlock, destBlock);
      remarkApplied(collective, "overlap",
                    "overlapped with its producer matmul in " + Twine(blocks) +
                        " row chunks: each chunk's non-blocking " +
                        (allReduce ? "all_reduce" : "reduce_scatter") +
                        " runs while the next chunk multiplies");
      collective->erase();
      matmul.erase();
    }
  }
};
} // namespace
