//===- CocoTransformOps.cpp - the scheduling language ---------------------===//

#include "coco/Dialect/Coco/TransformOps/CocoTransformOps.h"
#include "coco/Dialect/Coco/IR/CocoOps.h"
#include "coco/Dialect/Coco/Transforms/Schedules.h"
#include "coco/Transforms/Passes.h"

#include "mlir/Dialect/ControlFlow/IR/ControlFlow.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/Dialect/Transform/IR/TransformDialect.h"

#include "llvm/ADT/SetVector.h"

#include <algorithm>
#include <cstring>

using namespace mlir;
using namespace mlir::coco;

#define GET_OP_CLASSES
#include "coco/Dialect/Coco/TransformOps/CocoTransformOps.cpp.inc"

// A transform.coco op that does not apply (a target of the wrong kind, a
// failed precondition) leaves the payload unchanged and returns a
// silenceable failure, so that a script can fall back to another schedule
// (`transform.alternatives`, `failures(suppress)`); left unhandled it is
// reported as an error at the payload op. Only a failure after the payload
// was changed is definite.

namespace {
/// The applied remarks of schedules that ran on transform.alternatives'
/// copies of the payload, held for the interpreter's run (an extension of
/// its state): upstream applies a branch to a detached copy of the scope,
/// erases the copy when a later transform of the branch fails and puts it
/// in the payload when the branch succeeds, so a remark reported at once
/// claimed a schedule that a failed branch took back. Each copy gets a mark
/// of its own (kBranchRemarksAttr, a list: a copy of a copy that was kept
/// carries the marks of its original too) when it gets its first remark;
/// when the run ends, the remarks of the marks found in the payload go out,
/// in the order they came, and the marks are removed.
class BranchRemarks : public transform::TransformState::Extension {
public:
  explicit BranchRemarks(transform::TransformState &state)
      : Extension(state), payload(state.getTopLevel()) {}
  ~BranchRemarks() override;

  void hold(Operation *copy, HeldScheduleRemarks::Held &remark);

  /// The interpreter's payload root: it outlives the state.
  Operation *const payload;

private:
  std::vector<std::pair<int64_t, HeldScheduleRemarks::Held>> held;
  /// The copy each mark was given to: a copy whose last mark is another's
  /// got it by cloning (a second alternatives on a scope the first one
  /// kept), and needs one of its own.
  llvm::DenseMap<int64_t, Operation *> markedCopy;
  int64_t nextMark = 0;
};

void BranchRemarks::hold(Operation *copy, HeldScheduleRemarks::Held &remark) {
  SmallVector<int64_t> marks;
  if (auto given = copy->getAttrOfType<DenseI64ArrayAttr>(kBranchRemarksAttr))
    llvm::append_range(marks, given.asArrayRef());
  if (marks.empty() || markedCopy.lookup(marks.back()) != copy) {
    marks.push_back(nextMark);
    markedCopy[nextMark++] = copy;
    copy->setAttr(kBranchRemarksAttr,
                  DenseI64ArrayAttr::get(copy->getContext(), marks));
  }
  remark.detachedScope = nullptr; // reported as it is, when the run ends
  held.emplace_back(marks.back(), std::move(remark));
}

BranchRemarks::~BranchRemarks() {
  // A copy that was kept is in the payload (a branch of a branch: in its
  // outer copy, kept in turn); one that was erased took its marks with it.
  llvm::DenseSet<int64_t> kept;
  payload->walk([&](Operation *op) {
    if (auto marks = op->getAttrOfType<DenseI64ArrayAttr>(kBranchRemarksAttr)) {
      kept.insert(marks.asArrayRef().begin(), marks.asArrayRef().end());
      op->removeAttr(kBranchRemarksAttr);
    }
  });
  for (auto &[mark, remark] : held)
    if (kept.contains(mark))
      HeldScheduleRemarks::report(remark);
}

/// While it lives (a transform.coco op applying), applied remarks about ops
/// outside the payload go to the state's BranchRemarks.
class RouteBranchRemarks {
public:
  explicit RouteBranchRemarks(transform::TransformState &state)
      : state(state),
        route(state.getTopLevel(),
              [this](Operation *copy, HeldScheduleRemarks::Held &remark) {
                branchRemarks().hold(copy, remark);
              }) {}

private:
  BranchRemarks &branchRemarks() {
    if (auto *existing = state.getExtension<BranchRemarks>())
      return *existing;
    return state.addExtension<BranchRemarks>();
  }

  transform::TransformState &state;
  RouteDetachedScheduleRemarks route;
};
} // namespace

/// transform.coco.shard_state -> shard-state, the category of coco-shard-state.
static std::string scheduleOf(Operation *transformOp) {
  std::string schedule = transformOp->getName()
                             .stripDialect() // "coco.shard_state"
                             .drop_front(strlen("coco."))
                             .str();
  std::replace(schedule.begin(), schedule.end(), '_', '-');
  return schedule;
}

/// A silenceable failure of `transformOp` saying `message`, which also goes
/// out as the schedule's not-applied remark at `where` (a script that
/// silences the failure still says why, as checkSilenceably's do).
static DiagnosedSilenceableFailure
notApplied(Operation *transformOp, Location where, const Twine &message) {
  std::string text = message.str();
  remarkNotApplied(where, scheduleOf(transformOp), text);
  return emitSilenceableFailure(transformOp) << text;
}

/// Runs a schedule's checks (which report a failed precondition as an error
/// at the payload op) with their errors held back: on failure they become
/// the silenceable failure's diagnostics, and each is also a not-applied
/// remark of the schedule (so that a suppressed failure, or an alternative
/// that was skipped, still says why, like the passes do). Remarks and
/// warnings pass through.
static DiagnosedSilenceableFailure
checkSilenceably(Operation *transformOp, function_ref<LogicalResult()> check) {
  SmallVector<Diagnostic> errors;
  LogicalResult result = success();
  {
    ScopedDiagnosticHandler holdErrors(
        transformOp->getContext(), [&](Diagnostic &diagnostic) {
          if (diagnostic.getSeverity() != DiagnosticSeverity::Error)
            return failure(); // not handled here: on to the user
          errors.push_back(std::move(diagnostic));
          return success();
        });
    result = check();
  }
  if (succeeded(result))
    return DiagnosedSilenceableFailure::success();
  if (errors.empty())
    return notApplied(transformOp, transformOp->getLoc(),
                      "the schedule does not apply");
  std::string schedule = scheduleOf(transformOp);
  for (Diagnostic &error : errors)
    remarkNotApplied(error.getLocation(), schedule, error.str());
  return DiagnosedSilenceableFailure::silenceableFailure(std::move(errors));
}

/// The targets as coco.all_reduce ops, each once (a handle may name an op
/// twice; it is rewritten once), or a silenceable failure naming the first
/// that is not one.
static DiagnosedSilenceableFailure
allReduceTargets(Operation *transformOp, ArrayRef<Operation *> targets,
                 SmallVectorImpl<AllReduceOp> &allReduces) {
  for (Operation *target :
       llvm::SetVector<Operation *>(targets.begin(), targets.end())) {
    auto allReduce = dyn_cast<AllReduceOp>(target);
    if (!allReduce)
      return notApplied(transformOp, target->getLoc(),
                        "expects coco.all_reduce targets, got " +
                            target->getName().getStringRef());
    allReduces.push_back(allReduce);
  }
  return DiagnosedSilenceableFailure::success();
}

DiagnosedSilenceableFailure
transform::CocoSplitOp::apply(transform::TransformRewriter &rewriter,
                              transform::TransformResults &results,
                              transform::TransformState &state) {
  RouteBranchRemarks branchRemarks(state);
  bool toGather = getInto() == SplitForm::ReduceScatterAllGather;
  SmallVector<AllReduceOp> targets;
  DiagnosedSilenceableFailure found = allReduceTargets(
      *this, llvm::to_vector(state.getPayloadOps(getTarget())), targets);
  if (!found.succeeded())
    return found;
  SymbolTableCollection symbols;
  DiagnosedSilenceableFailure checked = checkSilenceably(*this, [&] {
    for (AllReduceOp allReduce : targets)
      if (failed(toGather ? checkSplitAllReduce(allReduce, getDim(), symbols)
                          : checkSplitAllReduceToReduceBroadcast(
                                allReduce, getRoot(), symbols)))
        return failure();
    return success();
  });
  if (!checked.succeeded())
    return checked;
  SmallVector<Operation *> replacements;
  for (AllReduceOp allReduce : targets) {
    FailureOr<Operation *> replacement =
        toGather ? FailureOr<Operation *>(
                       splitAllReduce(rewriter, allReduce, getDim(), symbols))
                 : FailureOr<Operation *>(splitAllReduceToReduceBroadcast(
                       rewriter, allReduce, getRoot(), symbols));
    if (failed(replacement))
      return DiagnosedSilenceableFailure::definiteFailure();
    replacements.push_back(*replacement);
  }
  results.set(cast<OpResult>(getResult()), replacements);
  return DiagnosedSilenceableFailure::success();
}

DiagnosedSilenceableFailure transform::CocoHierarchicalAllReduceOp::apply(
    transform::TransformRewriter &rewriter,
    transform::TransformResults &results, transform::TransformState &state) {
  RouteBranchRemarks branchRemarks(state);
  SmallVector<AllReduceOp> targets;
  DiagnosedSilenceableFailure found = allReduceTargets(
      *this, llvm::to_vector(state.getPayloadOps(getTarget())), targets);
  if (!found.succeeded())
    return found;
  DiagnosedSilenceableFailure checked = checkSilenceably(*this, [&] {
    for (AllReduceOp allReduce : targets)
      if (failed(checkHierarchicalAllReduce(allReduce, getInner(), getOuter(),
                                            getDim())))
        return failure();
    return success();
  });
  if (!checked.succeeded())
    return checked;
  SmallVector<Operation *> gathers;
  for (AllReduceOp allReduce : targets) {
    FailureOr<AllGatherOp> gather = hierarchicalAllReduce(
        rewriter, allReduce, getInner(), getOuter(), getDim());
    if (failed(gather))
      return DiagnosedSilenceableFailure::definiteFailure();
    gathers.push_back(*gather);
  }
  results.set(cast<OpResult>(getResult()), gathers);
  return DiagnosedSilenceableFailure::success();
}

/// A transform op's `axes`: no axis negative or named twice (the passes'
/// checkAxesOption).
static LogicalResult verifyAxes(Operation *op, ArrayRef<int64_t> axes) {
  if (std::optional<std::string> problem = axesOptionProblem(axes))
    return op->emitOpError()
           << "axes " << describeAxes(axes) << ": " << *problem;
  return success();
}

LogicalResult transform::CocoReorderOp::verify() {
  return verifyAxes(*this, getAxes());
}

LogicalResult transform::CocoShardStateOp::verify() {
  return verifyAxes(*this, getAxes());
}

DiagnosedSilenceableFailure
transform::CocoReorderOp::apply(transform::TransformRewriter &rewriter,
                                transform::TransformResults &results,
                                transform::TransformState &state) {
  RouteBranchRemarks branchRemarks(state);
  // A target inside another of the handle's would be freed when the outer
  // one fails and its body is put back, while the results hold it. One
  // look up each target's parents (linear in the handle).
  llvm::SmallPtrSet<Operation *, 16> targets;
  for (Operation *target : state.getPayloadOps(getTarget()))
    targets.insert(target);
  for (Operation *target : targets)
    for (Operation *outer = target->getParentOp(); outer;
         outer = outer->getParentOp())
      if (targets.contains(outer))
        return notApplied(*this, outer->getLoc(),
                          "expects targets that do not nest: the handle "
                          "holds a " +
                              outer->getName().getStringRef() + " and a " +
                              target->getName().getStringRef() + " inside it");
  return TransformEachOpTrait<CocoReorderOp>::apply(rewriter, results, state);
}

DiagnosedSilenceableFailure transform::CocoReorderOp::applyToOne(
    transform::TransformRewriter &rewriter, Operation *target,
    transform::ApplyToEachResultList &results, transform::TransformState &) {
  // Atomic: reorder the target in place, and on failure put back the body
  // of a copy kept outside the module. (A copy reordered beside the target
  // would be a second function of the same name: the calls of the name are
  // the target's, and who calls the function decides where a norm's
  // all_reduce may go.)
  // Isolated from above: the reorder changes producers of the values a
  // region reads, which for a loop's body lie outside it, beyond the copy.
  // A declaration (a function without a body) has nothing to reorder, as
  // coco-reorder finds.
  if (auto function = dyn_cast<FunctionOpInterface>(target);
      function && function.isExternal()) {
    results.push_back(target);
    return DiagnosedSilenceableFailure::success();
  }
  if (target->getNumRegions() != 1 || !target->getRegion(0).hasOneBlock() ||
      !target->hasTrait<OpTrait::IsIsolatedFromAbove>())
    return notApplied(*this, target->getLoc(),
                      "expects targets isolated from above with one region "
                      "of one block (functions), got " +
                          target->getName().getStringRef());
  if (target->isAncestor(getOperation()))
    return notApplied(*this, target->getLoc(),
                      "expects targets that do not hold this transform script "
                      "(its body would be rewritten, and put back on failure, "
                      "while it runs)");
  // An axes filter none of the target's all_gathers runs along is most
  // likely a mistake: say so, as coco-reorder does (a target without
  // all_gathers, say a helper a script matched with the step, is quiet).
  if (!getAxes().empty()) {
    bool anyGather = false, anyAlong = false;
    target->walk([&](AllGatherOp gather) {
      anyGather = true;
      anyAlong |= runsAlong(gather, getAxes());
    });
    if (anyGather && !anyAlong)
      mlir::emitWarning(target->getLoc())
          << "transform.coco.reorder: no all_gather of this target runs "
             "along exactly "
          << describeAxes(getAxes()) << "; nothing changed";
  }
  Operation *backup = target->clone();
  // What it applied is reported only if it stays (a failure part way puts
  // the body back: "now runs on the slices" would be untrue).
  HeldScheduleRemarks held;
  DiagnosedSilenceableFailure result = checkSilenceably(*this, [&] {
    return reorderToFixedPoint(rewriter, target, getAxes(),
                               getNormsFromSlices());
  });
  if (result.succeeded()) {
    held.commit();
  } else {
    // Through the rewriter, so that handles to the ops it erases go too.
    rewriter.eraseBlock(&target->getRegion(0).front());
    rewriter.modifyOpInPlace(
        target, [&] { target->getRegion(0).takeBody(backup->getRegion(0)); });
  }
  backup->erase();
  results.push_back(target);
  return result;
}

DiagnosedSilenceableFailure
transform::CocoShardStateOp::apply(transform::TransformRewriter &rewriter,
                                   transform::TransformResults &results,
                                   transform::TransformState &state) {
  RouteBranchRemarks branchRemarks(state);
  SmallVector<Operation *> targets =
      llvm::to_vector(state.getPayloadOps(getTarget()));
  // Every named argument of every target, each checked before any changes.
  SmallVector<std::pair<func::FuncOp, unsigned>> arguments;
  // (A handle may hold a function twice; a name given twice in args
  // shards its argument once.)
  llvm::DenseSet<std::pair<Operation *, unsigned>> seen;
  llvm::SmallDenseSet<Attribute> wanted(getArgs().begin(), getArgs().end());
  llvm::SmallDenseSet<Attribute> found;
  // Who calls each function, gathered once per module (not a walk of the
  // module per argument: an optimizer step has thousands of them).
  llvm::DenseMap<Operation *, std::unique_ptr<ModuleCalls>> callsIn;
  for (Operation *target : targets) {
    auto function = dyn_cast<func::FuncOp>(target);
    if (!function)
      return notApplied(*this, target->getLoc(),
                        "expects func.func targets, got " +
                            target->getName().getStringRef());
    // A declaration has no body to keep the state sliced in, as
    // coco-shard-state finds.
    if (function.isExternal())
      continue;
    auto module = function->getParentOfType<ModuleOp>();
    std::unique_ptr<ModuleCalls> &calls = callsIn[module];
    if (!calls && module)
      calls = std::make_unique<ModuleCalls>(module);
    for (unsigned i = 0; i < function.getNumArguments(); ++i) {
      Attribute name = function.getArgAttr(i, "coco.name");
      if (!name || !wanted.contains(name) ||
          !seen.insert({function.getOperation(), i}).second)
        continue;
      found.insert(name);
      DiagnosedSilenceableFailure checked = checkSilenceably(*this, [&] {
        return checkShardState(function, i, getAxes(), calls.get());
      });
      if (!checked.succeeded())
        return checked;
      arguments.push_back({function, i});
    }
  }
  for (Attribute name : getArgs())
    if (!found.contains(name))
      return notApplied(*this, getLoc(),
                        "no targeted function has an argument with coco.name "
                        "= \"" +
                            cast<StringAttr>(name).getValue() + "\"");
  // Checked above: a failure here is a bug, reported rather than dropped.
  for (auto [function, index] : arguments)
    if (failed(shardState(rewriter, function, index, getAxes())))
      return emitDefiniteFailure()
             << "shard_state failed on @" << function.getSymName()
             << " after its checks passed";
  results.set(cast<OpResult>(getResult()), targets);
  return DiagnosedSilenceableFailure::success();
}

DiagnosedSilenceableFailure transform::CocoFuseReduceScatterOp::applyToOne(
    transform::TransformRewriter &rewriter, Operation *target,
    transform::ApplyToEachResultList &results,
    transform::TransformState &state) {
  RouteBranchRemarks branchRemarks(state);
  SymbolTableCollection symbols;
  // Global view: marked, the pipeline folds it once localized.
  // With exchange_whole: the mark that keeps the fold's exchange whole,
  // once the fold is sure to take the op.
  auto markWhole = [&](Operation *op) {
    if (getExchangeWhole())
      rewriter.modifyOpInPlace(
          op, [&] { op->setAttr(kExchangeWholeAttr, rewriter.getUnitAttr()); });
  };
  if (auto global = dyn_cast<ReduceScatterOp>(target)) {
    DiagnosedSilenceableFailure marked = checkSilenceably(
        *this, [&] { return markForFusion(rewriter, global, symbols); });
    if (!marked.succeeded())
      return marked;
    markWhole(global);
    results.push_back(target);
    return DiagnosedSilenceableFailure::success();
  }
  auto scatter = dyn_cast<CommReduceScatterOp>(target);
  if (!scatter)
    return notApplied(*this, target->getLoc(),
                      "expects coco.reduce_scatter or "
                      "coco.comm.reduce_scatter targets, got " +
                          target->getName().getStringRef());
  // The fold checks before it changes anything (Schedules.h) and carries
  // the mark to its exchange; refused, the op is left as it was.
  FailureOr<Value> sum;
  DiagnosedSilenceableFailure folded = checkSilenceably(*this, [&] {
    bool wasMarked = scatter->hasAttr(kExchangeWholeAttr);
    markWhole(scatter);
    sum = foldReduceScatterIntoElementwise(rewriter, scatter, symbols);
    if (failed(sum) && !wasMarked && getExchangeWhole())
      rewriter.modifyOpInPlace(
          scatter, [&] { scatter->removeAttr(kExchangeWholeAttr); });
    return success(succeeded(sum));
  });
  if (!folded.succeeded())
    return folded;
  results.push_back(sum->getDefiningOp());
  return DiagnosedSilenceableFailure::success();
}

namespace {
class CocoTransformDialectExtension
    : public transform::TransformDialectExtension<
          CocoTransformDialectExtension> {
public:
  MLIR_DEFINE_EXPLICIT_INTERNAL_INLINE_TYPE_ID(CocoTransformDialectExtension)
  using Base::Base;

  void init() {
    declareGeneratedDialect<CocoDialect>();
    // The fold checks a dynamic result's size with cf.assert.
    declareGeneratedDialect<cf::ControlFlowDialect>();
    declareGeneratedDialect<linalg::LinalgDialect>();
    declareGeneratedDialect<tensor::TensorDialect>();
    registerTransformOps<
#define GET_OP_LIST
#include "coco/Dialect/Coco/TransformOps/CocoTransformOps.cpp.inc"
        >();
  }
};
} // namespace

void mlir::coco::registerTransformDialectExtension(DialectRegistry &registry) {
  registry.addExtensions<CocoTransformDialectExtension>();
}

/// A send that already sends slices to another stage (e.g. of a channel an
/// earlier target rewrote) is what pipeline_send makes.
static bool sendsSlicesAlready(SendOp send) {
  DTensorType type = send.getInput().getType();
  return !isa_and_nonnull<AllReduceOp, AllGatherOp>(
             send.getInput().getDefiningOp()) &&
         type.hasSlicedAxis() &&
         !type.getPlacement(send.getPeerAxis()).isSliced();
}

DiagnosedSilenceableFailure
transform::CocoPipelineSendOp::apply(transform::TransformRewriter &rewriter,
                                     transform::TransformResults &results,
                                     transform::TransformState &state) {
  RouteBranchRemarks branchRemarks(state);
  SmallVector<Operation *> targets =
      llvm::to_vector(state.getPayloadOps(getTarget()));
  SymbolTableCollection symbols;
  for (Operation *target : targets) {
    auto send = dyn_cast<SendOp>(target);
    if (!send)
      return notApplied(*this, target->getLoc(),
                        "expects coco.send targets, got " +
                            target->getName().getStringRef());
    DiagnosedSilenceableFailure checked = checkSilenceably(*this, [&] {
      return success(sendsSlicesAlready(send) ||
                     succeeded(checkPipelineSend(send, getDim(), symbols)));
    });
    if (!checked.succeeded())
      return checked;
  }
  SmallVector<SendOp> sends;
  for (Operation *target : targets) {
    auto send = cast<SendOp>(target);
    if (!sendsSlicesAlready(send)) {
      sends.push_back(send);
      continue;
    }
    // Asked for by name, so said aloud (the pass, which looks at every
    // send, only remarks it).
    std::string why = "it already sends slices (no all_reduce or "
                      "all_gather result to send in slices); nothing changed";
    remarkNotApplied(send.getOperation(), scheduleOf(*this), why);
    mlir::emitWarning(send.getLoc()) << "transform.coco.pipeline_send: " << why;
  }
  if (failed(pipelineSend(rewriter, sends, getDim(), symbols)))
    return DiagnosedSilenceableFailure::definiteFailure();
  results.set(cast<OpResult>(getResult()), targets);
  return DiagnosedSilenceableFailure::success();
}

DiagnosedSilenceableFailure
transform::CocoOverlapOp::apply(transform::TransformRewriter &rewriter,
                                transform::TransformResults &results,
                                transform::TransformState &state) {
  RouteBranchRemarks branchRemarks(state);
  SmallVector<Operation *> targets =
      llvm::to_vector(state.getPayloadOps(getTarget()));
  DiagnosedSilenceableFailure checked = checkSilenceably(*this, [&] {
    for (Operation *target : targets)
      if (failed(checkOverlap(target, getChunks())))
        return failure();
    return success();
  });
  if (!checked.succeeded())
    return checked;
  for (Operation *target : targets)
    (void)markForOverlap(rewriter, target, getChunks());
  results.set(cast<OpResult>(getResult()), targets);
  return DiagnosedSilenceableFailure::success();
}

DiagnosedSilenceableFailure transform::CocoFuseElementwiseOp::applyToOne(
    transform::TransformRewriter &rewriter, Operation *target,
    transform::ApplyToEachResultList &results,
    transform::TransformState &state) {
  RouteBranchRemarks branchRemarks(state);
  results.push_back(target);
  // The fusion merges and erases loops inside the target: a target that is
  // itself a loop (or any op not isolated from above) could be merged away
  // while the handle holds it.
  if (!target->hasTrait<OpTrait::IsIsolatedFromAbove>())
    return notApplied(*this, target->getLoc(),
                      "expects targets isolated from above whose loops it "
                      "fuses (functions, modules), got " +
                          target->getName().getStringRef());
  DiagnosedSilenceableFailure checked =
      checkSilenceably(*this, [&] { return checkFuseElementwise(target); });
  if (!checked.succeeded())
    return checked;
  if (failed(fuseElementwise(rewriter, target)))
    return DiagnosedSilenceableFailure::definiteFailure();
  return DiagnosedSilenceableFailure::success();
}
