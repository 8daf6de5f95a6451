//===- PipelineSend.cpp - send slices to the next pipeline stage ----------===//
//
// CoCoNet's RS-P2P-C-AG: a value that is all_reduced over the tensor-parallel
// axis and then sent to the next pipeline stage is sent as reduce_scatter
// slices instead (1/R of the bytes per rank); the receiver all_gathers them.
// coco-reorder then moves the receiver's pointwise work before that gather.
//
//===----------------------------------------------------------------------===//

#include "coco/Dialect/Coco/Transforms/Passes.h"
#include "coco/Dialect/Coco/Transforms/Schedules.h"

namespace mlir::coco {
#define GEN_PASS_DEF_COCOPIPELINESENDPASS
#include "coco/Dialect/Coco/Transforms/Passes.h.inc"
} // namespace mlir::coco

using namespace mlir;
using namespace mlir::coco;

namespace {
/// Every send and recv of one channel: same grid, peer axis and value type,
/// anywhere under the nearest symbol table (the sender and the receiver are
/// the two branches of one SPMD program, so both sides must change).
struct Channel {
  SmallVector<SendOp> sends;
  SmallVector<RecvOp> recvs;
};
} // namespace

static Channel collectChannel(SendOp send) {
  Channel channel;
  DTensorType type = send.getInput().getType();
  int64_t peerAxis = send.getPeerAxis();
  Operation *scope = send->getParentWithTrait<OpTrait::SymbolTable>();
  if (!scope)
    scope = send->getParentOp();
  scope->walk([&](Operation *op) {
    // A nested module has grids of its own: another channel.
    if (op != scope && op->hasTrait<OpTrait::SymbolTable>())
      return WalkResult::skip();
    if (auto other = dyn_cast<SendOp>(op)) {
      if (other.getInput().getType() == type &&
          other.getPeerAxis() == peerAxis)
        channel.sends.push_back(other);
    } else if (auto recv = dyn_cast<RecvOp>(op)) {
      if (recv.getType() == type && recv.getPeerAxis() == peerAxis)
        channel.recvs.push_back(recv);
    }
    return WalkResult::advance();
  });
  return channel;
}

/// The dimension the slices of `send`'s value are taken along, or failure
/// (with a diagnostic) when the value is not the result of a collective that
/// has slices to send.
static FailureOr<int64_t> sliceDimOf(SendOp send, int64_t dim,
                                     SymbolTableCollection &symbols) {
  Value value = send.getInput();
  if (auto gather = value.getDefiningOp<AllGatherOp>())
    return gather.getInput().getType().getSlicedDim();
  if (auto allReduce = value.getDefiningOp<AllReduceOp>()) {
    if (failed(checkSplitAllReduce(allReduce, dim, symbols)))
      return failure();
    return dim;
  }
  return send.emitOpError()
         << "cannot send slices: the sent value is not the result of a "
            "coco.all_reduce or coco.all_gather over "
         << describeAxis(cast<DTensorType>(value.getType()));
}

LogicalResult mlir::coco::checkPipelineSend(SendOp send, int64_t dim,
                                            SymbolTableCollection &symbols) {
  DTensorType type = send.getInput().getType();
  if (send.getPeerAxis() == type.getAxis())
    return send.emitOpError()
           << "cannot send slices: it sends along " << describeAxis(type)
           << ", the axis the value is laid out over; pipeline-send needs "
              "a send along another grid axis";
  if (!type.isReplicated())
    return send.emitOpError() << "cannot send slices of a "
                              << describeLayout(type)
                              << " value: it must be replicated";
  Channel channel = collectChannel(send);
  if (channel.recvs.empty())
    return send.emitOpError()
           << "cannot send slices: no coco.recv of " << type
           << " along axis " << send.getPeerAxis()
           << " in this module would receive them";
  std::optional<int64_t> common;
  for (SendOp other : channel.sends) {
    FailureOr<int64_t> sliceDim = sliceDimOf(other, dim, symbols);
    if (failed(sliceDim))
      return failure();
    if (common && *common != *sliceDim)
      return other.emitOpError()
             << "sends slices along dimension " << *sliceDim
             << " but another send of the same channel sends them along "
             << *common << "; the receivers could not gather both";
    common = *sliceDim;
  }
  return success();
}

LogicalResult mlir::coco::pipelineSend(RewriterBase &rewriter, SendOp send,
                                       int64_t dim,
                                       SymbolTableCollection &symbols) {
  if (failed(checkPipelineSend(send, dim, symbols)))
    return failure();
  Channel channel = collectChannel(send);
  std::optional<DTensorType> sliceType;
  for (SendOp other : channel.sends) {
    Value value = other.getInput();
    if (auto allReduce = value.getDefiningOp<AllReduceOp>()) {
      // Split it; the all_gather stays only for other users of the sum.
      FailureOr<AllGatherOp> gather =
          splitAllReduce(rewriter, allReduce, dim, symbols);
      if (failed(gather))
        return failure(); // Checked above; cannot happen.
      value = *gather;
    }
    auto gather = value.getDefiningOp<AllGatherOp>();
    sliceType = gather.getInput().getType();
    rewriter.modifyOpInPlace(other, [&] {
      other.getInputMutable().assign(gather.getInput());
    });
    if (gather->use_empty())
      rewriter.eraseOp(gather);
  }
  for (RecvOp recv : channel.recvs) {
    rewriter.setInsertionPoint(recv);
    auto slices = RecvOp::create(rewriter, recv.getLoc(), *sliceType,
                                 recv.getPeer(),
                                 rewriter.getI64IntegerAttr(recv.getPeerAxis()));
    slices->setDiscardableAttrs(recv->getDiscardableAttrDictionary());
    rewriter.replaceOpWithNewOp<AllGatherOp>(recv, slices);
  }
  return success();
}

namespace {
struct CocoPipelineSendPass
    : public coco::impl::CocoPipelineSendPassBase<CocoPipelineSendPass> {
  using CocoPipelineSendPassBase::CocoPipelineSendPassBase;

  void runOnOperation() override {
    // Candidates: replicated values sent along another axis than their own.
    SmallVector<SendOp> targets;
    getOperation().walk([&](SendOp send) {
      DTensorType type = send.getInput().getType();
      if (send.getPeerAxis() != type.getAxis() && type.isReplicated())
        targets.push_back(send);
    });
    SymbolTableCollection symbols;
    // Every precondition first, so a failure changes nothing.
    for (SendOp send : targets)
      if (failed(checkPipelineSend(send, dim, symbols)))
        return signalPassFailure();
    IRRewriter rewriter(&getContext());
    // One rewrite per channel; later sends of a done channel send slices.
    for (SendOp send : targets)
      if (send.getInput().getType().isReplicated())
        (void)pipelineSend(rewriter, send, dim, symbols);
  }
};
} // namespace
