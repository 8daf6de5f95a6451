//===- ShardState.cpp - optimizer state stays sliced (asSlice) ------------===//
//
// After split + reorder, a replicated optimizer state m is read only as
// coco.slice(m) and written back as all_gather(m_slice). Keeping m sliced
// across steps drops both: each rank stores 1/R of the state and the
// all_gather disappears (ZeRO stage-1 style).
//
//===----------------------------------------------------------------------===//

#include "coco/Dialect/Coco/Transforms/Passes.h"
#include "coco/Dialect/Coco/Transforms/Schedules.h"

#include "llvm/ADT/StringSet.h"

namespace mlir::coco {
#define GEN_PASS_DEF_COCOSHARDSTATEPASS
#include "coco/Dialect/Coco/Transforms/Passes.h.inc"
} // namespace mlir::coco

using namespace mlir;
using namespace mlir::coco;

static std::string argName(func::FuncOp function, unsigned index) {
  if (auto name = function.getArgAttrOfType<StringAttr>(index, "coco.name"))
    return "'" + name.getValue().str() + "'";
  return "#" + std::to_string(index);
}

FailureOr<int64_t> mlir::coco::checkShardState(func::FuncOp function,
                                               unsigned argIndex,
                                               SymbolTableCollection &symbols) {
  BlockArgument arg = function.getArgument(argIndex);
  auto type = dyn_cast<DTensorType>(arg.getType());
  if (!type || !type.isReplicated())
    return function.emitOpError()
           << "cannot shard argument " << argName(function, argIndex)
           << ": it is not a replicated distributed tensor";
  std::optional<int64_t> dim;
  auto agree = [&](Operation *user, int64_t d) -> LogicalResult {
    if (dim && *dim != d)
      return user->emitOpError()
             << "uses argument " << argName(function, argIndex)
             << " sliced along dimension " << d << ", elsewhere along " << *dim
             << ": it cannot be kept sliced";
    dim = d;
    return success();
  };
  // In program order, so diagnostics name the later of two conflicting uses.
  SmallVector<Operation *> users;
  function.walk([&](Operation *op) {
    if (llvm::is_contained(op->getOperands(), Value(arg)))
      users.push_back(op);
  });
  for (Operation *user : users) {
    if (auto slice = dyn_cast<SliceOp>(user)) {
      if (failed(agree(user, slice.getDim())))
        return failure();
      continue;
    }
    if (auto update = dyn_cast<UpdateOp>(user);
        update && update.getParam() == arg) {
      auto gather = update.getValue().getDefiningOp<AllGatherOp>();
      if (!gather)
        return user->emitOpError()
               << "writes argument " << argName(function, argIndex)
               << " with a value that is not gathered from slices; run "
                  "coco-split and coco-reorder first";
      if (failed(agree(user, gather.getInput().getType().getSlicedDim())))
        return failure();
      continue;
    }
    InFlightDiagnostic diag = user->emitOpError()
                              << "uses argument " << argName(function, argIndex)
                              << " whole, so it cannot be kept sliced";
    diag.attachNote(function.getLoc()) << "sharding was requested here";
    return failure();
  }
  if (!dim)
    return function.emitOpError()
           << "cannot shard argument " << argName(function, argIndex)
           << ": the function never uses it sliced";
  FailureOr<int64_t> extent = lookupAxisExtent(function, type, symbols);
  if (succeeded(extent) && !ShapedType::isDynamic(*extent) &&
      type.getShape()[*dim] % *extent != 0)
    return function.emitOpError()
           << "cannot shard argument " << argName(function, argIndex)
           << ": dimension " << *dim << " is not divisible by " << *extent
           << " ranks";
  return *dim;
}

LogicalResult mlir::coco::shardState(RewriterBase &rewriter,
                                     func::FuncOp function, unsigned argIndex,
                                     SymbolTableCollection &symbols) {
  FailureOr<int64_t> dim = checkShardState(function, argIndex, symbols);
  if (failed(dim))
    return failure();
  BlockArgument arg = function.getArgument(argIndex);
  auto sliced = cast<DTensorType>(arg.getType())
                    .withLayout(LayoutKind::sliced, *dim);
  rewriter.modifyOpInPlace(function, [&] {
    arg.setType(sliced);
    SmallVector<Type> inputs(function.front().getArgumentTypes());
    function.setType(FunctionType::get(function.getContext(), inputs,
                                       function.getResultTypes()));
  });
  for (Operation *user : llvm::make_early_inc_range(arg.getUsers())) {
    if (auto slice = dyn_cast<SliceOp>(user)) {
      rewriter.replaceOp(slice, arg);
      continue;
    }
    auto update = cast<UpdateOp>(user);
    auto gather = update.getValue().getDefiningOp<AllGatherOp>();
    rewriter.modifyOpInPlace(update, [&] {
      update.getValueMutable().assign(gather.getInput());
    });
    if (gather->use_empty())
      rewriter.eraseOp(gather);
  }
  return success();
}

namespace {
struct CocoShardStatePass
    : public coco::impl::CocoShardStatePassBase<CocoShardStatePass> {
  using CocoShardStatePassBase::CocoShardStatePassBase;

  void runOnOperation() override {
    ModuleOp module = getOperation();
    if (args.empty()) {
      module.emitError() << "coco-shard-state: name the state to shard with "
                            "args=NAME[,NAME...] (the arguments' coco.name)";
      return signalPassFailure();
    }
    SymbolTableCollection symbols;
    SmallVector<std::pair<func::FuncOp, unsigned>> targets;
    llvm::StringSet<> found;
    for (auto function : module.getOps<func::FuncOp>()) {
      for (unsigned i = 0; i < function.getNumArguments(); ++i) {
        auto name = function.getArgAttrOfType<StringAttr>(i, "coco.name");
        if (!name || !llvm::is_contained(args, name.getValue().str()))
          continue;
        found.insert(name.getValue());
        // Every precondition first, so a failure changes nothing.
        if (failed(checkShardState(function, i, symbols)))
          return signalPassFailure();
        targets.push_back({function, i});
      }
    }
    for (const std::string &name : args)
      if (!found.contains(name)) {
        module.emitError() << "coco-shard-state: no function argument has "
                              "coco.name = \""
                           << name << "\"";
        return signalPassFailure();
      }
    IRRewriter rewriter(&getContext());
    for (auto [function, index] : targets)
      (void)shardState(rewriter, function, index, symbols);
  }
};
} // namespace
