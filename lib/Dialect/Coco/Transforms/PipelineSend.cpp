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

#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Interfaces/CallInterfaces.h"

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
      if (other.getInput().getType() == type && other.getPeerAxis() == peerAxis)
        channel.sends.push_back(other);
    } else if (auto recv = dyn_cast<RecvOp>(op)) {
      if (recv.getType() == type && recv.getPeerAxis() == peerAxis)
        channel.recvs.push_back(recv);
    }
    return WalkResult::advance();
  });
  return channel;
}

/// The collective whose result `send` sends, if it gathers or reduces the
/// value along other axes than the send's (the value is then replicated
/// there and its slices can travel instead).
static Operation *sentCollective(SendOp send) {
  Operation *producer = send.getInput().getDefiningOp();
  if (!isa_and_nonnull<AllReduceOp, AllGatherOp>(producer))
    return nullptr;
  return producer;
}

namespace {
struct SliceSpec {
  int64_t dim;
  SmallVector<int64_t> axes; // outer to inner
};
} // namespace

/// Where the slices of `send`'s value come from, or failure (with a
/// diagnostic) when the value is not the result of a collective that has
/// slices to send.
static FailureOr<SliceSpec> sliceSpecOf(SendOp send, int64_t dim,
                                        SymbolTableCollection &symbols) {
  Operation *collective = sentCollective(send);
  if (!collective)
    return send.emitOpError()
           << "cannot send slices: the sent value is not the result of a "
              "coco.all_reduce or coco.all_gather";
  SmallVector<int64_t> axes =
      cast<CollectiveOpInterface>(collective).getCommAxes();
  if (llvm::is_contained(axes, send.getPeerAxis()))
    return send.emitOpError()
           << "cannot send slices: it sends along axis " << send.getPeerAxis()
           << ", an axis its value is "
           << (isa<AllGatherOp>(collective) ? "gathered" : "reduced")
           << " along; pipeline-send needs a send along another grid axis";
  if (auto gather = dyn_cast<AllGatherOp>(collective))
    return SliceSpec{gather.getInput().getType().getPlacement(axes[0]).getDim(),
                     axes};
  if (failed(checkSplitAllReduce(cast<AllReduceOp>(collective), dim, symbols)))
    return failure();
  return SliceSpec{dim, axes};
}

/// Whether the all_gather that reassembles the slices at `recv` would wait
/// only for ranks that get there: the recv usually sits in a stage's
/// branch, which is safe when the branch depends on other axes alone.
static LogicalResult checkGatherCanRunAt(RecvOp recv, FlatSymbolRefAttr grid,
                                         ArrayRef<int64_t> axes) {
  Parting parting = whereRanksAlongMayPart(recv, grid, axes);
  if (!parting)
    return success();
  InFlightDiagnostic diag =
      recv.emitOpError()
      << "cannot receive slices here: the coco.all_gather along "
      << describeAxes(axes)
      << " that would reassemble them waits for every rank of its group, "
         "and those ranks may not all get here";
  Diagnostic &note = diag.attachNote(parting.where->getLoc());
  std::string ranks = "ranks that differ only along " + describeAxes(axes);
  std::string function =
      parting.functionName(recv, "the recv's function", "the recv");
  switch (parting.why) {
  case Parting::Why::Call:
    note << function << " is called here, and not every rank that differs "
         << "only along " << describeAxes(axes)
         << " may get here as often (the call is in an scf.if, a loop or a "
            "later block they may not all run)";
    break;
  case Parting::Why::Recursion:
    note << function
         << " is called here, in a cycle of calls: how often the ranks get "
            "here is not followed";
    break;
  case Parting::Why::Reference:
    note << function
         << " is referenced here, not called: which ranks call it cannot be "
            "told";
    break;
  case Parting::Why::UnknownCallers:
    note << "cannot tell which ops call " << function
         << " (an op the module holds may hide references to it)";
    break;
  case Parting::Why::LaterBlock:
    note << "the recv is behind a branch: in a later block of this "
         << parting.where->getName() << "'s region";
    break;
  case Parting::Why::Region:
    if (isa<scf::IfOp>(parting.where))
      note << "this scf.if's condition is not known to be the same on " << ranks
           << "; compute it from constants and coco.axis_rank on other axes";
    else if (isa<scf::ForOp>(parting.where))
      note << "this scf.for's bounds are not known to be the same on " << ranks;
    else
      note << "how often ranks run the regions of this "
           << parting.where->getName() << " is not followed";
    break;
  }
  return diag;
}

LogicalResult mlir::coco::checkPipelineSend(SendOp send, int64_t dim,
                                            SymbolTableCollection &symbols) {
  DTensorType type = send.getInput().getType();
  FailureOr<SliceSpec> own = sliceSpecOf(send, dim, symbols);
  if (failed(own))
    return failure();
  Channel channel = collectChannel(send);
  if (channel.recvs.empty())
    return send.emitOpError()
           << "cannot send slices: no coco.recv of " << type << " along axis "
           << send.getPeerAxis() << " in this module would receive them";
  for (RecvOp recv : channel.recvs)
    if (failed(checkGatherCanRunAt(recv, type.getGrid(), own->axes)))
      return failure();
  for (SendOp other : channel.sends) {
    FailureOr<SliceSpec> spec = sliceSpecOf(other, dim, symbols);
    if (failed(spec))
      return failure();
    if (spec->dim != own->dim || spec->axes != own->axes)
      return other.emitOpError()
             << "sends slices along dimension " << spec->dim << " over axes "
             << describeAxes(spec->axes)
             << " but another send of the same channel sends them along "
             << own->dim << " over " << describeAxes(own->axes)
             << "; the receivers could not gather both";
  }
  return success();
}

/// Rewrites one channel (its sends and recvs as collected before any
/// rewrite): every send sends the slices, every recv all_gathers them.
static LogicalResult rewriteChannel(RewriterBase &rewriter,
                                    const Channel &channel, int64_t dim,
                                    SymbolTableCollection &symbols) {
  std::optional<DTensorType> sliceType;
  SmallVector<int64_t> axes;
  for (SendOp other : channel.sends) {
    Value value = other.getInput();
    if (auto allReduce = value.getDefiningOp<AllReduceOp>()) {
      // Split it; the all_gather stays only for other users of the sum.
      FailureOr<AllGatherOp> gather =
          splitAllReduce(rewriter, allReduce, dim, symbols);
      if (failed(gather))
        return failure(); // Checked before; cannot happen.
      value = *gather;
    }
    auto gather = value.getDefiningOp<AllGatherOp>();
    sliceType = gather.getInput().getType();
    axes = gather.getCommAxes();
    rewriter.modifyOpInPlace(
        other, [&] { other.getInputMutable().assign(gather.getInput()); });
    if (gather->use_empty())
      rewriter.eraseOp(gather);
  }
  remarkApplied(channel.sends.front(), "pipeline-send",
                "sends " + printed(*sliceType) + " slices (" +
                    Twine(channel.sends.size()) +
                    " send(s)); the receiver all_gathers along " +
                    describeAxes(axes));
  for (RecvOp recv : channel.recvs) {
    rewriter.setInsertionPoint(recv);
    auto slices =
        RecvOp::create(rewriter, recv.getLoc(), *sliceType, recv.getPeer(),
                       rewriter.getI64IntegerAttr(recv.getPeerAxis()));
    slices->setDiscardableAttrs(recv->getDiscardableAttrDictionary());
    auto gather = AllGatherOp::create(rewriter, recv.getLoc(), slices,
                                      rewriter.getDenseI64ArrayAttr(axes));
    omitDefaultAxes(gather);
    rewriter.replaceOp(recv, gather);
  }
  return success();
}

LogicalResult mlir::coco::pipelineSend(RewriterBase &rewriter,
                                       ArrayRef<SendOp> sends, int64_t dim,
                                       SymbolTableCollection &symbols) {
  // Every channel once, as it is now: a rewritten send sends the gather's
  // input, which may itself be a collective's result (an all_gather of an
  // all_gather), and must not make its channel a target again.
  SmallVector<Channel> channels;
  DenseSet<Operation *> covered;
  for (SendOp send : sends) {
    if (covered.contains(send))
      continue;
    if (failed(checkPipelineSend(send, dim, symbols)))
      return failure();
    Channel channel = collectChannel(send);
    for (SendOp other : channel.sends)
      covered.insert(other);
    channels.push_back(std::move(channel));
  }
  for (const Channel &channel : channels)
    if (failed(rewriteChannel(rewriter, channel, dim, symbols)))
      return failure();
  return success();
}

namespace {
struct CocoPipelineSendPass
    : public coco::impl::CocoPipelineSendPassBase<CocoPipelineSendPass> {
  using CocoPipelineSendPassBase::CocoPipelineSendPassBase;

  void runOnOperation() override {
    if (failed(checkAxesOption(getOperation()->getLoc(), "coco-pipeline-send",
                               axes)))
      return signalPassFailure();
    // Candidates: values reduced or gathered along other axes than the one
    // they are sent along, and (to report why they cannot send slices)
    // replicated values sent along one axis of a grid of several.
    SymbolTableCollection grids;
    auto isCandidate = [&](SendOp send) {
      if (Operation *collective = sentCollective(send))
        return runsAlong(collective, axes) &&
               !llvm::is_contained(
                   cast<CollectiveOpInterface>(collective).getCommAxes(),
                   send.getPeerAxis());
      DTensorType type = send.getInput().getType();
      FailureOr<SmallVector<int64_t>> shape =
          lookupGridShape(send, type.getGrid(), grids);
      return axes.empty() && type.isReplicated() && succeeded(shape) &&
             shape->size() > 1;
    };
    SmallVector<SendOp> targets;
    getOperation().walk([&](SendOp send) {
      if (isCandidate(send))
        targets.push_back(send);
      else
        remarkNotApplied(send, "pipeline-send",
                         "it sends no result of a collective along other "
                         "axes than its peer axis" +
                             Twine(axes.empty() ? ""
                                                : " (within the axes "
                                                  "filter)"));
    });
    if (targets.empty() && !axes.empty()) {
      emitWarning(getOperation()->getLoc())
          << "coco-pipeline-send: no coco.send sends the result of a "
             "collective along exactly "
          << describeAxes(axes) << "; nothing changed";
      return;
    }
    SymbolTableCollection symbols;
    // (Every precondition is checked before anything changes.)
    IRRewriter rewriter(&getContext());
    if (failed(pipelineSend(rewriter, targets, dim, symbols)))
      return signalPassFailure();
  }
};
} // namespace
