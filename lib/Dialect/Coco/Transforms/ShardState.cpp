//===- ShardState.cpp - optimizer state stays sliced (asSlice) ------------===//
//
// After split + reorder, a replicated optimizer state m is read only as
// coco.slice(m) and written back as all_gather(m_slice). Keeping m sliced
// across steps drops both: each rank stores 1/R of the state and the
// all_gather disappears (ZeRO stage-1 style). On a grid of several axes the
// state becomes sliced on the axes its slices take (e.g. along data
// parallelism within each tensor-parallel block: Megatron's distributed
// optimizer). A coco.norm of the state (LAMB's ||w||) is then computed from
// the slices: partial sums of squares, an all_reduce, the root.
//
//===----------------------------------------------------------------------===//

#include "coco/Dialect/Coco/Transforms/NestedModules.h"
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

/// checkShardState without the module's calls: what the argument's uses
/// allow, and the sliced type they agree on.
static FailureOr<DTensorType> checkArgumentUses(func::FuncOp function,
                                                unsigned argIndex,
                                                ArrayRef<int64_t> axes) {
  // A declaration has no arguments to read (its body, elsewhere, would
  // still take the whole tensor); the pass and the transform op pass
  // declarations over.
  if (function.isExternal())
    return function.emitOpError()
           << "cannot shard argument " << argName(function, argIndex) << ": @"
           << function.getSymName()
           << " is a declaration, whose body elsewhere takes the whole "
              "tensor";
  BlockArgument arg = function.getArgument(argIndex);
  auto type = dyn_cast<DTensorType>(arg.getType());
  if (!type)
    return function.emitOpError()
           << "cannot shard argument " << argName(function, argIndex)
           << ": it is not a distributed tensor";
  // Only axes it is replicated on can become sliced.
  if (auto grid = SymbolTable::lookupNearestSymbolFrom<GridOp>(function,
                                                               type.getGrid());
      grid && llvm::none_of(type.getPlacementList(grid.getRank()),
                            [](Placement p) { return p.isReplicated(); }))
    return function.emitOpError()
           << "cannot shard argument " << argName(function, argIndex)
           << ": it is replicated on no grid axis ("
           << type.describePlacements() << ")";
  // The sliced type every use agrees on.
  std::optional<DTensorType> sliced;
  auto agree = [&](Operation *user, DTensorType use) -> LogicalResult {
    if (sliced && *sliced != use)
      return user->emitOpError()
             << "uses argument " << argName(function, argIndex) << " as "
             << use.describePlacements() << ", elsewhere as "
             << sliced->describePlacements() << ": it cannot be kept sliced";
    sliced = use;
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
      if (failed(agree(user, slice.getType())))
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
      if (failed(agree(user, gather.getInput().getType())))
        return failure();
      continue;
    }
    if (isa<NormOp>(user)) // from the slices (shardState), however sliced
      continue;
    InFlightDiagnostic diag = user->emitOpError()
                              << "uses argument " << argName(function, argIndex)
                              << " whole, so it cannot be kept sliced";
    diag.attachNote(function.getLoc()) << "sharding was requested here";
    return failure();
  }
  if (!sliced)
    return function.emitOpError()
           << "cannot shard argument " << argName(function, argIndex)
           << ": the function never uses it sliced";
  if (!axes.empty()) {
    // The axes it becomes sliced on must be the requested ones.
    SmallVector<int64_t> gained;
    for (int64_t axis : sliced->getSlicedAxes())
      if (!type.getPlacement(axis).isSliced())
        gained.push_back(axis);
    SmallVector<int64_t> wanted(axes);
    llvm::sort(wanted);
    if (gained != wanted)
      return function.emitOpError()
             << "cannot shard argument " << argName(function, argIndex)
             << " along " << describeAxes(axes)
             << ": the function uses it sliced along " << describeAxes(gained);
  }
  return *sliced;
}

FailureOr<DTensorType> mlir::coco::checkShardState(func::FuncOp function,
                                                   unsigned argIndex,
                                                   ArrayRef<int64_t> axes,
                                                   const ModuleCalls *calls) {
  FailureOr<DTensorType> sliced = checkArgumentUses(function, argIndex, axes);
  if (failed(sliced))
    return failure();
  // The argument's type changes: a call in the module would pass the whole
  // state. (The host program, which calls the entry points, follows the
  // new signature.) Norms it hoists to the entry block then also run on
  // every rank (whereEveryRankRuns).
  Operation *notACall = nullptr;
  std::optional<SmallVector<CallOpInterface>> callsOfFunction =
      calls ? calls->of(function, notACall)
            : ModuleCalls(function).of(function, notACall);
  if (!callsOfFunction && !notACall)
    return function.emitOpError()
           << "cannot shard argument " << argName(function, argIndex)
           << ": cannot tell whether the module calls this function (an "
              "unknown op may hold symbols)";
  Operation *user = notACall;
  if (callsOfFunction && !callsOfFunction->empty())
    user = callsOfFunction->front();
  if (notACall) {
    // The note shows the first use, call or not (an error: one more walk).
    std::optional<SymbolTable::UseRange> uses =
        SymbolTable::getSymbolUses(function, outermostOp(function));
    if (uses && !uses->empty())
      user = uses->begin()->getUser();
  }
  if (user) {
    InFlightDiagnostic diag =
        function.emitOpError()
        << "cannot shard argument " << argName(function, argIndex)
        << ": the module calls this function, and sharding changes its "
           "signature; shard the state where it enters the program (the "
           "caller's argument)";
    diag.attachNote(user->getLoc()) << "the function is used here";
    return diag;
  }
  return sliced;
}

LogicalResult mlir::coco::shardState(RewriterBase &rewriter,
                                     func::FuncOp function, unsigned argIndex,
                                     ArrayRef<int64_t> axes) {
  // checkShardState passed (the module's calls are not looked at again).
  FailureOr<DTensorType> sliced = checkArgumentUses(function, argIndex, axes);
  if (failed(sliced))
    return failure();
  BlockArgument arg = function.getArgument(argIndex);
  bool hasNorm = llvm::any_of(
      arg.getUsers(), [](Operation *user) { return isa<NormOp>(user); });
  remarkApplied(function, "shard-state",
                "argument " + argName(function, argIndex) + " becomes " +
                    printed(*sliced) +
                    ": each rank keeps only its block across steps (no "
                    "all_gather of it)" +
                    (hasNorm ? "; its norm is computed from the blocks" : ""));
  // The axes it gains blocks on, outer to inner (a norm's input is sliced
  // on none: the norm verifier refuses sliced operands).
  SmallVector<int64_t> gained;
  for (int64_t d = 0; d < sliced->getRank(); ++d)
    llvm::append_range(gained, sliced->getSliceLevels(d));
  rewriter.modifyOpInPlace(function, [&] {
    arg.setType(*sliced);
    SmallVector<Type> inputs(function.front().getArgumentTypes());
    function.setType(FunctionType::get(function.getContext(), inputs,
                                       function.getResultTypes()));
  });
  // The users first: the norm's rewrite adds uses of the argument.
  SmallVector<Operation *> users(arg.getUsers());
  for (Operation *user : users) {
    if (auto slice = dyn_cast<SliceOp>(user)) {
      rewriter.replaceOp(slice, arg);
      continue;
    }
    if (auto norm = dyn_cast<NormOp>(user)) {
      // Its all_reduce where every rank runs: a norm in a branch (a
      // pipeline stage's, one on the rank) is computed before the branch,
      // from the argument every rank holds, rather than have the ranks
      // that take the branch wait there for those that do not.
      Operation *at = whereEveryRankRuns(norm);
      if (at && at != norm.getOperation())
        remarkApplied(norm, "shard-state",
                      "the norm of argument " + argName(function, argIndex) +
                          " is computed from the blocks where every rank "
                          "runs, before the region (a branch, a loop) or "
                          "block that holds it: an all_reduce there could "
                          "wait for ranks that do not run it as often");
      rewriter.setInsertionPoint(at ? at : norm.getOperation());
      rewriter.replaceOp(norm,
                         normOfSlices(rewriter, norm.getLoc(), arg, gained));
      continue;
    }
    auto update = cast<UpdateOp>(user);
    auto gather = update.getValue().getDefiningOp<AllGatherOp>();
    rewriter.modifyOpInPlace(
        update, [&] { update.getValueMutable().assign(gather.getInput()); });
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
    if (failed(checkAxesOption(getOperation()->getLoc(), "coco-shard-state",
                               axes)))
      return signalPassFailure();
    ModuleOp module = getOperation();
    if (failed(checkNoNestedCocoModule(module, "coco-shard-state")))
      return signalPassFailure();
    if (args.empty()) {
      mlir::emitError(module.getLoc())
          << "coco-shard-state: name the state to shard with "
             "args=NAME[,NAME...] (the arguments' coco.name)";
      return signalPassFailure();
    }
    SmallVector<std::pair<func::FuncOp, unsigned>> targets;
    llvm::StringSet<> found;
    // Who refers to each function, gathered once (not a walk of the module
    // per argument: an optimizer step has thousands of them).
    ModuleCalls calls(module);
    for (auto function : module.getOps<func::FuncOp>()) {
      // A declaration has no body to keep the state sliced in (its calls
      // pass the whole tensor, which checkShardState refuses for the
      // caller's argument).
      if (function.isExternal())
        continue;
      for (unsigned i = 0; i < function.getNumArguments(); ++i) {
        auto name = function.getArgAttrOfType<StringAttr>(i, "coco.name");
        if (!name || !llvm::is_contained(args, name.getValue().str()))
          continue;
        found.insert(name.getValue());
        // Every precondition first, so a failure changes nothing.
        if (failed(checkShardState(function, i, axes, &calls)))
          return signalPassFailure();
        targets.push_back({function, i});
      }
    }
    for (const std::string &name : args)
      if (!found.contains(name)) {
        mlir::emitError(module.getLoc())
            << "coco-shard-state: no function argument has "
               "coco.name = \""
            << name << "\"";
        return signalPassFailure();
      }
    IRRewriter rewriter(&getContext());
    for (auto [function, index] : targets)
      (void)shardState(rewriter, function, index, axes);
  }
};
} // namespace
