//===- Reorder.cpp - pointwise work before all_gather ---------------------===//
//
// CoCoNet's reorder: f(all_gather(s), r) == all_gather(f(s, slice(r))) for a
// pointwise f and replicated r, because a pointwise op computes each element
// from the same element of its operands. Reductions follow the same idea: a
// reduction over the sliced dim is a per-rank partial reduction completed by
// an all_reduce.
//
//===----------------------------------------------------------------------===//

#include "coco/Dialect/Coco/Transforms/Passes.h"
#include "coco/Dialect/Coco/Transforms/Schedules.h"

#include "llvm/ADT/STLExtras.h"
#include "llvm/ADT/ScopeExit.h"
#include "llvm/ADT/SetVector.h"

#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/IR/IRMapping.h"
#include "mlir/Interfaces/FunctionInterfaces.h"
#include "mlir/Interfaces/LoopLikeInterface.h"

#include <deque>
#include <functional>
#include <map>
#include <set>

namespace mlir::coco {
#define GEN_PASS_DEF_COCOREORDERPASS
#include "coco/Dialect/Coco/Transforms/Passes.h.inc"
} // namespace mlir::coco

using namespace mlir;
using namespace mlir::coco;

/// Pointwise ops carry the Elementwise trait (declared in ODS).
static bool isPointwise(Operation *op) {
  return op->hasTrait<CocoTrait::GlobalViewOp>() &&
         op->hasTrait<OpTrait::Elementwise>();
}

/// bf16 and f16: their sums across ranks go through f64 (normOfSlices).
static bool isSixteenBitFloat(Type type) {
  return type.isBF16() || type.isF16();
}

/// A sum of bf16/f16 data over the gathered dim that keeps other dims: its
/// partial sums could be exact only in f64, and a reduction that keeps dims
/// is a loop of its own, so its input would be written to memory widened
/// (four times its bytes) first. It stays after the all_gather.
/// Whether `reduce` reduces the dimension its input's all_gather gathers:
/// reordered, its partial results would be combined by an all_reduce.
static bool reducesGatheredDim(ReduceOp reduce) {
  auto gather = reduce.getInput().getDefiningOp<AllGatherOp>();
  if (!gather)
    return false;
  SmallVector<int64_t> axes = gather.getCommAxes();
  int64_t dim = gather.getInput().getType().getPlacement(axes.front()).getDim();
  return llvm::is_contained(reduce.getDims(), dim);
}

static bool wouldRoundPartialSums(Operation *op) {
  auto reduce = dyn_cast<ReduceOp>(op);
  if (!reduce || reduce.getKind() != ReductionKind::sum ||
      !isSixteenBitFloat(reduce.getType().getElementType()) ||
      reduce.getType().getRank() == 0)
    return false;
  return reducesGatheredDim(reduce);
}

/// Why the partial results of `op` could not be combined across ranks (i1:
/// no all_reduce takes it), or "": it stays after the all_gather.
static StringRef whyPartialsCannotCombine(Operation *op) {
  auto reduce = dyn_cast<ReduceOp>(op);
  if (!reduce || !reducesGatheredDim(reduce))
    return "";
  return whyNotReducibleAcrossRanks(reduce.getType().getElementType());
}

bool mlir::coco::isReorderable(Operation *op) {
  return isPointwise(op) || isa<ReduceOp, NormOp>(op);
}

static bool consumesAllGather(Operation *op, ArrayRef<int64_t> axes) {
  return llvm::any_of(op->getOperands(), [&](Value v) {
    auto gather = v.getDefiningOp<AllGatherOp>();
    return gather && runsAlong(gather, axes);
  });
}

/// Why the collective that reordering `op` would make (an all_gather of
/// its result, an all_reduce of its partial sums) must not be made at
/// `op`'s place, for the all_gather `gather` it reads; empty when it may.
/// In `gather`'s block it runs on the ranks that ran `gather`, as often.
/// Below that block:
/// - in a loop, it would run once per iteration where `gather` ran once;
/// - in a branch (an scf.if on the rank, a later block) it could wait for
///   ranks that do not take it, where `gather` ran on all of them, unless
///   every condition around `op` is provably the same on the ranks of the
///   group (a pipeline stage's branch, on the rank along another axis).
static std::string whyNotAt(Operation *op, AllGatherOp gather) {
  if (gather->getBlock() == op->getBlock())
    return "";
  if (Operation *inGathersBlock =
          gather->getBlock()->findAncestorOpInBlock(*op))
    for (Operation *parent = op->getParentOp(); parent;
         parent = parent->getParentOp()) {
      if (isa<LoopLikeOpInterface>(parent))
        return "it is in a loop that the all_gather runs outside of: the "
               "collective reordering makes there would run once per "
               "iteration";
      if (parent == inGathersBlock)
        break;
    }
  if (whereRanksAlongMayPart(op, gather.getInput().getType().getGrid(),
                             gather.getCommAxes(), gather))
    return "it is in a region (an scf.if, a loop) or a later block that "
           "not every rank running the all_gather may run as often, and the "
           "collective reordering makes there could wait for ranks that "
           "never arrive";
  return "";
}

/// Why `op` stays after the all_gathers it reads (whyNotAt for the first),
/// or empty when one of them lets it move (checkReorder: they all run along
/// the same axes).
static std::string whyItStaysAfterItsGathers(Operation *op) {
  std::string first;
  for (Value operand : op->getOperands())
    if (auto gather = operand.getDefiningOp<AllGatherOp>()) {
      std::string why = whyNotAt(op, gather);
      if (why.empty())
        return why;
      if (first.empty())
        first = why;
    }
  return first;
}

static bool everyRankOfItsGroupRuns(Operation *op) {
  return whyItStaysAfterItsGathers(op).empty();
}

/// Whether reordering may move `op` before an all_gather (along `axes`) it
/// reads now; remarkWhatStaysGathered says why not for the others.
static bool canMoveBeforeItsGather(Operation *op, ArrayRef<int64_t> axes) {
  return isReorderable(op) && consumesAllGather(op, axes) &&
         everyRankOfItsGroupRuns(op) && !wouldRoundPartialSums(op) &&
         whyPartialsCannotCombine(op).empty();
}

namespace {
/// What the all_gathers feeding an op share: the sliced type they gather
/// and their axes (outer to inner).
struct Gathered {
  DTensorType sliced;
  SmallVector<int64_t> axes;
  int64_t dim;
};
} // namespace

/// The slicing shared by the all_gathers feeding `op`, after checking every
/// other distributed operand can be sliced the same way (it is replicated on
/// the gathers' axes).
static FailureOr<Gathered> checkReorder(Operation *op) {
  if (!isReorderable(op))
    return op->emitOpError() << "cannot be reordered before an all_gather: "
                                "only pointwise ops and reductions can";
  std::optional<Gathered> gathered;
  for (Value operand : op->getOperands()) {
    auto gather = operand.getDefiningOp<AllGatherOp>();
    if (!gather)
      continue;
    DTensorType type = gather.getInput().getType();
    SmallVector<int64_t> axes = gather.getCommAxes();
    int64_t dim = type.getPlacement(axes.front()).getDim();
    if (gathered && (dim != gathered->dim || axes != gathered->axes))
      return op->emitOpError()
             << "cannot be reordered before its all_gathers: they gather "
                "along different dimensions or axes (dimension "
             << gathered->dim << " along " << describeAxes(gathered->axes)
             << ", dimension " << dim << " along " << describeAxes(axes) << ")";
    gathered = Gathered{type, axes, dim};
  }
  if (!gathered)
    return op->emitOpError() << "cannot be reordered: no operand comes from "
                                "a coco.all_gather";
  SmallVector<int64_t> target = gathered->sliced.getSliceLevels(gathered->dim);
  for (auto [i, operand] : llvm::enumerate(op->getOperands())) {
    auto type = dyn_cast<DTensorType>(operand.getType());
    if (!type || operand.getDefiningOp<AllGatherOp>())
      continue;
    for (int64_t axis : gathered->axes) {
      Placement placement = type.getPlacement(axis);
      // Replicated: sliced here. Already sliced along the gathered dim (its
      // levels are checked below): it is its own slice.
      if (placement.isReplicated() ||
          (placement.isSliced() && placement.getDim() == gathered->dim))
        continue;
      return op->emitOpError()
             << "cannot be reordered before the all_gather: operand #" << i
             << " is " << placement.str() << " on "
             << describeAxis(type.getGrid(), axis)
             << "; only operands replicated on the gathered axes, or sliced "
                "along the gathered dimension, can be sliced";
    }
    SmallVector<int64_t> own = type.getSliceLevels(gathered->dim);
    if (!llvm::equal(own, ArrayRef(target).take_front(own.size())))
      return op->emitOpError()
             << "cannot be reordered before the all_gather: operand #" << i
             << " splits dimension " << gathered->dim << " over axes "
             << describeAxes(own) << ", not the outer levels of the gathered "
             << describeAxes(target);
  }
  return *gathered;
}

/// `type` sliced along `gathered`'s dim on its axes (outer to inner).
static DTensorType slicedLike(DTensorType type, const Gathered &gathered) {
  for (int64_t axis : gathered.axes)
    type = type.withPlacement(axis, Placement::sliced(gathered.dim));
  return type;
}

/// A collective of `kind` along `axes`, with `along` only where it is not
/// the default.
template <typename OpTy, typename... Args>
static OpTy createAlong(RewriterBase &rewriter, Location loc,
                        ArrayRef<int64_t> axes, Args &&...args) {
  auto op = OpTy::create(rewriter, loc, std::forward<Args>(args)...,
                         rewriter.getDenseI64ArrayAttr(axes));
  omitDefaultAxes(op);
  return op;
}

/// `value` sliced along `dim` over the levels of `target` (outer to inner)
/// that it does not have yet (its own are the outer ones).
static Value sliceTo(RewriterBase &rewriter, Location loc, Value value,
                     int64_t dim, ArrayRef<int64_t> target) {
  auto type = cast<DTensorType>(value.getType());
  ArrayRef<int64_t> missing =
      target.drop_front(type.getSliceLevels(dim).size());
  if (missing.empty())
    return value;
  return createAlong<SliceOp>(rewriter, loc, missing, value, dim);
}

/// The sliced form of `operand`: what `gathered`'s all_gather gathered.
static Value sliceOperand(RewriterBase &rewriter, Location loc, Value operand,
                          const Gathered &gathered) {
  if (auto gather = operand.getDefiningOp<AllGatherOp>())
    return gather.getInput();
  if (isa<DTensorType>(operand.getType()))
    return sliceTo(rewriter, loc, operand, gathered.dim,
                   gathered.sliced.getSliceLevels(gathered.dim));
  return operand; // scalars broadcast as before
}

Value mlir::coco::normOfSlices(RewriterBase &rewriter, Location loc,
                               Value slice, ArrayRef<int64_t> axes) {
  // Squares sum over the slices, the partial sums over the ranks, then the
  // root.
  auto sliceType = cast<DTensorType>(slice.getType());
  Value squares = MulOp::create(rewriter, loc, slice, slice);
  // bf16 and f16 squares are summed and all_reduced in f64 and the total
  // rounded to the element type once: what coco.norm of the whole tensor
  // does (its sum accumulates in f64, rounded once). Rounded to the
  // element type, each rank's partial sum would lose up to half a unit in
  // the last place (2^-9 relative for bf16) and each add of the all_reduce
  // as much again; in f32 the total would still round twice (f64 to f32 to
  // bf16), off by one unit where the f32 value falls on a bf16 tie.
  Type element = sliceType.getElementType();
  bool widen = isSixteenBitFloat(element);
  if (widen)
    squares = CastOp::create(rewriter, loc,
                             sliceType.withElementType(rewriter.getF64Type()),
                             squares);
  SmallVector<int64_t> dims =
      llvm::to_vector(llvm::seq<int64_t>(0, sliceType.getRank()));
  Value partial =
      ReduceOp::create(rewriter, loc, ReductionKind::sum, squares, dims);
  Value total = createAlong<AllReduceOp>(rewriter, loc, axes,
                                         ReductionKind::sum, partial);
  if (widen)
    total = CastOp::create(
        rewriter, loc,
        cast<DTensorType>(total.getType()).withElementType(element), total);
  return SqrtOp::create(rewriter, loc, total);
}

FailureOr<Operation *>
mlir::coco::reorderBeforeAllGather(RewriterBase &rewriter, Operation *op) {
  FailureOr<Gathered> gathered = checkReorder(op);
  if (failed(gathered))
    return failure();
  Location loc = op->getLoc();
  rewriter.setInsertionPoint(op);
  auto resultType = cast<DTensorType>(op->getResult(0).getType());
  // A pointwise result is gathered back along the axes it is not sliced on
  // already (an operand sliced along the gathered dim makes it sliced on
  // its levels, the outer ones): none, where that operand is sliced as the
  // gathered input.
  SmallVector<int64_t> regather;
  for (int64_t axis : gathered->axes)
    if (!resultType.getPlacement(axis).isSliced())
      regather.push_back(axis);
  remarkApplied(
      op, "reorder",
      op->getName().getStringRef() +
          " now runs on the slices, before the all_gather along " +
          describeAxes(gathered->axes) +
          (isa<NormOp, ReduceOp>(op)
               ? " (partial results combined by a collective)"
           : regather.empty()
               ? " (its result is already sliced: no all_gather after it)"
               : " (its result gathered instead)"));

  if (auto norm = dyn_cast<NormOp>(op)) {
    Value root = normOfSlices(
        rewriter, loc, sliceOperand(rewriter, loc, norm.getInput(), *gathered),
        gathered->axes);
    rewriter.replaceOp(op, root);
    return root.getDefiningOp();
  }

  if (auto reduce = dyn_cast<ReduceOp>(op)) {
    Value slice = sliceOperand(rewriter, loc, reduce.getInput(), *gathered);
    if (!llvm::is_contained(reduce.getDims(), gathered->dim)) {
      // Over other dims: each rank's result is a block of the whole one.
      auto partial = ReduceOp::create(rewriter, loc, reduce.getKind(), slice,
                                      reduce.getDims());
      Operation *collective =
          createAlong<AllGatherOp>(rewriter, loc, gathered->axes, partial);
      rewriter.replaceOp(op, collective->getResults());
      return collective;
    }
    // Over the gathered dim: partial results, combined by an all_reduce. A
    // sum of bf16/f16 data (to a scalar: wouldRoundPartialSums keeps the
    // others out) goes through f64, as normOfSlices does.
    Type element = reduce.getType().getElementType();
    bool widen =
        reduce.getKind() == ReductionKind::sum && isSixteenBitFloat(element);
    Value input = slice;
    if (widen)
      input = CastOp::create(rewriter, loc,
                             cast<DTensorType>(slice.getType())
                                 .withElementType(rewriter.getF64Type()),
                             slice);
    Value partial = ReduceOp::create(rewriter, loc, reduce.getKind(), input,
                                     reduce.getDims());
    Operation *collective = createAlong<AllReduceOp>(
        rewriter, loc, gathered->axes, reduce.getKind(), partial);
    Value total = collective->getResult(0);
    if (!widen) {
      rewriter.replaceOp(op, total);
      return collective;
    }
    auto narrow = CastOp::create(
        rewriter, loc,
        cast<DTensorType>(total.getType()).withElementType(element), total);
    rewriter.replaceOp(op, narrow);
    return narrow.getOperation();
  }

  // Pointwise: the same op on slices, then one all_gather.
  SmallVector<Value> operands;
  for (Value operand : op->getOperands())
    operands.push_back(sliceOperand(rewriter, loc, operand, *gathered));
  OperationState state(loc, op->getName());
  state.addOperands(operands);
  state.addAttributes(op->getAttrDictionary().getValue());
  state.addTypes(slicedLike(resultType, *gathered));
  Operation *onSlices = rewriter.create(state);
  if (regather.empty()) {
    rewriter.replaceOp(op, onSlices);
    return onSlices;
  }
  auto gather =
      createAlong<AllGatherOp>(rewriter, loc, regather, onSlices->getResult(0));
  rewriter.replaceOp(op, gather);
  return gather.getOperation();
}

/// Erases all_gathers and slices left without users.
static void eraseDeadDataMovement(RewriterBase &rewriter, Operation *root) {
  bool changed = true;
  while (changed) {
    changed = false;
    root->walk([&](Operation *op) {
      if (isa<AllGatherOp, SliceOp>(op) && op->use_empty()) {
        rewriter.eraseOp(op);
        changed = true;
      }
    });
  }
}

/// A pointwise op on replicated values whose result is only ever sliced
/// (along one dim and the same axes) is computed on the slices instead:
/// "replicated operands are scattered", so work on replicated state shrinks
/// to 1/R too. With `axes`, only slices along exactly those axes.
static Operation *sliceToHoist(Operation *op, ArrayRef<int64_t> axes) {
  auto slice = dyn_cast<SliceOp>(op);
  if (!slice || !runsAlong(slice, axes))
    return nullptr;
  Operation *producer = slice.getInput().getDefiningOp();
  if (!producer || !isPointwise(producer))
    return nullptr;
  for (Operation *user : producer->getUsers()) {
    auto other = dyn_cast<SliceOp>(user);
    if (!other || other.getDim() != slice.getDim() ||
        other.getCommAxes() != slice.getCommAxes())
      return nullptr;
  }
  return producer;
}

static void hoistSlice(RewriterBase &rewriter, Operation *producer,
                       SliceOp slice) {
  Gathered gathered{slice.getInput().getType(), slice.getCommAxes(),
                    static_cast<int64_t>(slice.getDim())};
  SmallVector<int64_t> target = slice.getType().getSliceLevels(gathered.dim);
  rewriter.setInsertionPoint(producer);
  SmallVector<Value> operands;
  for (Value operand : producer->getOperands())
    operands.push_back(isa<DTensorType>(operand.getType())
                           ? sliceTo(rewriter, producer->getLoc(), operand,
                                     gathered.dim, target)
                           : operand);
  auto type = cast<DTensorType>(producer->getResult(0).getType());
  OperationState state(producer->getLoc(), producer->getName());
  state.addOperands(operands);
  state.addAttributes(producer->getAttrDictionary().getValue());
  state.addTypes(slicedLike(type, gathered));
  Operation *onSlices = rewriter.create(state);
  for (Operation *user : llvm::make_early_inc_range(producer->getUsers()))
    rewriter.replaceOp(user, onSlices->getResults());
  rewriter.eraseOp(producer);
}

/// The slice along `axes` (any when empty) of what `norm` reads that the
/// norm can be computed from, preferring one before the norm; or null, with
/// the reason in `whyNot` (empty when the function reads no such slice).
/// Conditions: every rank of the slice's group runs the norm as often (in a
/// branch that only some of them take, the all_reduce would wait for ranks
/// that never come). 16-bit data is fine: normOfSlices sums and
/// all_reduces its squares in f64 and rounds once, as the whole norm does.
static SliceOp sliceToComputeNormFrom(NormOp norm, ArrayRef<int64_t> axes,
                                      std::string &whyNot,
                                      const ModuleCalls *calls = nullptr) {
  SliceOp slice;
  for (Operation *user : norm.getInput().getUsers())
    if (auto candidate = dyn_cast<SliceOp>(user);
        candidate && runsAlong(candidate, axes) &&
        (!slice || (candidate->getBlock() == norm->getBlock() &&
                    candidate->isBeforeInBlock(norm))))
      slice = candidate;
  // (The norm verifier refuses sliced inputs: this one is replicated.)
  if (!slice) {
    whyNot = "coco.norm reads the whole replicated tensor: the function "
             "reads no slice of it" +
             (axes.empty() ? std::string() : " along " + describeAxes(axes));
    return {};
  }
  // Where every rank of the slice's group runs it as often: the function's
  // entry block, or a region whose conditions and bounds are the same on
  // those ranks (a pipeline stage's branch on the rank along another axis).
  if (Parting parting = whereRanksAlongMayPart(
          norm, slice.getInput().getType().getGrid(), slice.getCommAxes(),
          /*runsOnTheGroup=*/nullptr, calls)) {
    std::string group =
        "its slice's group " + describeAxes(slice.getCommAxes());
    std::string function =
        parting.functionName(norm, "its function", "its function");
    std::string wait = "the all_reduce of its slices could wait for ranks "
                       "that never arrive";
    switch (parting.why) {
    case Parting::Why::Reference:
      whyNot = "coco.norm stays whole: " + function + " is referred to by '" +
               parting.where->getName().getStringRef().str() +
               "', not only called, so which ranks of " + group +
               " run it, and as often, cannot be told (" + wait + ")";
      break;
    case Parting::Why::UnknownCallers:
      whyNot = "coco.norm stays whole: which ops call " + function +
               " cannot be told (an op the module holds may hide references "
               "to it), so neither can which ranks of " +
               group + " run it (" + wait + ")";
      break;
    case Parting::Why::Recursion:
      whyNot = "coco.norm stays whole: " + function +
               " is in a cycle of calls, so how often the ranks of " + group +
               " run it is not followed (" + wait + ")";
      break;
    case Parting::Why::Region:
    case Parting::Why::LaterBlock:
    case Parting::Why::Call:
      whyNot = "coco.norm stays whole: it (or a call of its function) is in "
               "a region (an scf.if, a loop) or a later block that not every "
               "rank of " +
               group + " may run as often, so " + wait;
      break;
    }
    return {};
  }
  whyNot.clear();
  return slice;
}

/// Computes `norm` from `slice` (sliceToComputeNormFrom's): each rank reads
/// 1/R of the tensor, in the loop that reads the slice anyway
/// (coco-fuse-elementwise merges the two), and one scalar all_reduce
/// completes the sum (LAMB's ||w||, whose update reads this rank's slice of
/// w).
static void computeNormFromSlice(RewriterBase &rewriter, NormOp norm,
                                 SliceOp slice) {
  rewriter.setInsertionPoint(norm);
  Value sliced = slice.getResult();
  if (norm->getBlock() != slice->getBlock() || !slice->isBeforeInBlock(norm))
    sliced = rewriter.clone(*slice)->getResult(0);
  Value fromSlices =
      normOfSlices(rewriter, norm.getLoc(), sliced, slice.getCommAxes());
  remarkApplied(norm, "reorder",
                "coco.norm of the replicated tensor now sums the squares of "
                "this rank's slice along " +
                    describeAxes(slice.getCommAxes()) +
                    " (which the function reads already) and completes them "
                    "with an all_reduce");
  rewriter.replaceOp(norm, fromSlices);
}

/// What stays gathered (along `axes`), and why: the ops that need the whole
/// tensor, or that run where not every rank may.
static void remarkWhatStaysGathered(Operation *root, ArrayRef<int64_t> axes) {
  llvm::SmallPtrSet<Operation *, 8> remarked; // one remark per op
  root->walk([&](AllGatherOp gather) {
    if (!runsAlong(gather, axes))
      return;
    llvm::SetVector<Operation *> users(gather->getUsers().begin(),
                                       gather->getUsers().end());
    for (Operation *user : users)
      if (wouldRoundPartialSums(user) && everyRankOfItsGroupRuns(user) &&
          remarked.insert(user).second)
        remarkNotApplied(user, "reorder",
                         "this sum of 16-bit floats over the gathered "
                         "dimension stays after the all_gather: its partial "
                         "sums are exact across ranks only in f64, and "
                         "widening its input (a loop of its own, keeping "
                         "other dimensions) would write four times its "
                         "bytes");
    for (Operation *user : users)
      if (StringRef why = whyPartialsCannotCombine(user);
          !why.empty() && everyRankOfItsGroupRuns(user) &&
          remarked.insert(user).second)
        remarkNotApplied(user, "reorder",
                         "this reduction over the gathered dimension stays "
                         "after the all_gather: " +
                             why);
    for (Operation *user : users)
      if (std::string why = whyItStaysAfterItsGathers(user);
          isReorderable(user) && !why.empty() && remarked.insert(user).second)
        remarkNotApplied(user, "reorder",
                         "'" + user->getName().getStringRef() +
                             "' stays after the all_gather: " + why);
    for (Operation *user : users)
      if (!isReorderable(user)) {
        remarkNotApplied(gather, "reorder",
                         "this all_gather stays: '" +
                             user->getName().getStringRef() +
                             "' uses the whole tensor");
        return;
      }
  });
}

namespace {
/// Which rewrite of the fixed point applies to an op.
struct Applicable {
  enum Kind { None, Move, HoistSlice, NormFromSlice } kind = None;
  Operation *producer = nullptr; // HoistSlice: the pointwise op to slice
  SliceOp slice;                 // NormFromSlice: the slice to compute from
};

/// The ops whose rewrite a change to `value`'s users may decide: its
/// producer, and the slices and norms of it (sliceToHoist wants every user
/// of a producer to be a slice; a norm is computed from a slice among its
/// input's users). Not every user: a scalar such as a learning rate is
/// read by thousands of ops, none of which that change concerns.
static void touchWhoSees(Value value, llvm::SetVector<Operation *> &ops) {
  if (!isa<DTensorType>(value.getType()))
    return;
  if (Operation *producer = value.getDefiningOp())
    ops.insert(producer);
  for (Operation *user : value.getUsers())
    if (isa<SliceOp, NormOp>(user))
      ops.insert(user);
}

/// The ops a rewrite made, changed or erased, and the ops whose operands
/// lost a user (a slice whose producer's last other user went away may now
/// be hoisted), for the fixed point to look again only there. Forwards
/// every notification to the rewriter's own listener (a transform's
/// handles).
struct TouchedOps : public RewriterBase::ForwardingListener {
  TouchedOps(OpBuilder::Listener *next,
             std::function<void(Operation *)> onErase)
      : ForwardingListener(next), onErase(std::move(onErase)) {}
  void notifyOperationInserted(Operation *op,
                               OpBuilder::InsertPoint previous) override {
    erased.erase(op); // a new op where an erased one was
    touched.insert(op);
    ForwardingListener::notifyOperationInserted(op, previous);
  }
  void notifyOperationModified(Operation *op) override {
    touched.insert(op);
    ForwardingListener::notifyOperationModified(op);
  }
  void notifyOperationErased(Operation *op) override {
    for (Value operand : op->getOperands())
      touchWhoSees(operand, touched);
    erased.insert(op);
    onErase(op);
    ForwardingListener::notifyOperationErased(op);
  }
  llvm::SetVector<Operation *> touched;
  DenseSet<Operation *> erased;
  std::function<void(Operation *)> onErase;
};

} // namespace

static Applicable whatApplies(Operation *op, ArrayRef<int64_t> axes,
                              bool normsFromSlices, const ModuleCalls &calls) {
  if (canMoveBeforeItsGather(op, axes))
    return {Applicable::Move, nullptr, {}};
  if (Operation *producer = sliceToHoist(op, axes))
    return {Applicable::HoistSlice, producer, {}};
  if (auto norm = dyn_cast<NormOp>(op); norm && normsFromSlices) {
    std::string whyNot;
    if (SliceOp slice = sliceToComputeNormFrom(norm, axes, whyNot, &calls))
      return {Applicable::NormFromSlice, nullptr, slice};
  }
  return {};
}

/// Values proven the same on the ranks of a group, by grid and axis (one
/// memo per group for isSameOnRanksAlong).
using ProvenSame = std::map<std::pair<StringRef, int64_t>, DenseSet<Value>>;

/// The ops inside branches and loops downstream of `changed` (a norm's
/// rewrite) whose condition or bounds are now the same on some axis of
/// `slice`'s group (the norm's: the ops under an all_gather along that axis
/// may now move; the same along each axis is the same along all of them).
/// Follows values, not regions: iter_args and yields decide nothing about
/// where ranks part. Each op is visited once, each region walked once, and
/// each value proven the same once per fixed point (`provenSame`), so that
/// a sum of many norms feeding many branches stays cheap.
static void touchBranchesOn(const llvm::SetVector<Operation *> &changed,
                            const DenseSet<Operation *> &erased, SliceOp slice,
                            ProvenSame &provenSame, ReorderWork &work,
                            llvm::SetVector<Operation *> &again) {
  FlatSymbolRefAttr grid = slice.getInput().getType().getGrid();
  // Nothing changes during this walk: a value found not the same stays so
  // (many branches on one condition ask once).
  DenseSet<std::pair<Value, int64_t>> notSame;
  auto sameOnAnAxis = [&](ArrayRef<Value> values) {
    return llvm::any_of(slice.getCommAxes(), [&](int64_t axis) {
      DenseSet<Value> &memo = provenSame[{grid.getValue(), axis}];
      return llvm::all_of(values, [&](Value value) {
        if (notSame.contains({value, axis}))
          return false;
        ++work.sameQuestions;
        if (isSameOnRanksAlong(value, grid, {axis}, &memo))
          return true;
        notSame.insert({value, axis});
        return false;
      });
    });
  };
  SmallVector<Operation *> downstream(changed.begin(), changed.end());
  DenseSet<Operation *> seen, walked;
  while (!downstream.empty()) {
    Operation *op = downstream.pop_back_val();
    if (erased.contains(op) || !seen.insert(op).second)
      continue;
    for (Value result : op->getResults())
      for (OpOperand &use : result.getUses()) {
        Operation *user = use.getOwner();
        downstream.push_back(user);
        if (walked.contains(user))
          continue;
        bool decides = false;
        if (auto branch = dyn_cast<scf::IfOp>(user))
          decides = &use == &branch.getConditionMutable() &&
                    sameOnAnAxis({branch.getCondition()});
        else if (auto loop = dyn_cast<scf::ForOp>(user))
          decides = use.getOperandNumber() < 3 &&
                    sameOnAnAxis({loop.getLowerBound(), loop.getUpperBound(),
                                  loop.getStep()});
        if (decides && walked.insert(user).second)
          user->walk([&](Operation *inside) { again.insert(inside); });
      }
  }
}

LogicalResult mlir::coco::reorderToFixedPoint(RewriterBase &rewriter,
                                              Operation *root,
                                              ArrayRef<int64_t> axes,
                                              bool normsFromSlices,
                                              ReorderWork *work) {
  ReorderWork counted;
  if (!work)
    work = &counted;
  // A worklist: first every op in walk order, then after each rewrite the
  // ops it touched and their neighbours (the users of what they compute;
  // the producers, slices and norms of their distributed operands:
  // touchWhoSees), which is where the conditions of the rewrites can
  // change (a rewrite can make others apply: the users of a moved op, the
  // producers of a hoisted one). So the fixed point costs time in
  // proportion to the program, not to its square, as a walk from the top
  // after each rewrite did (400 LAMB tensors: 6.6 s). When the worklist
  // runs dry, one walk over everything confirms that nothing applies (a
  // condition that depends on ops further away, such as a branch's, is
  // caught there) or queues what does.
  //
  // A norm computed from a slice takes one of the slices there are when
  // it is rewritten; moves and hoists make more (a hoisted slice of the
  // norm's input). So norms wait until no move or hoist applies, and go
  // in program order: the result does not depend on the order in which
  // the worklist met them, and a norm reuses the slice the function reads
  // rather than adding one.
  // Reordering adds and removes no call: who calls what is gathered once.
  ModuleCalls calls(root);
  std::deque<Operation *> worklist;
  DenseSet<Operation *> queued;
  auto lookAt = [&](Operation *op) {
    if (queued.insert(op).second)
      worklist.push_back(op);
  };
  // The norms that wait, by their place in the first walk (rewrites make
  // no norm).
  DenseMap<Operation *, unsigned> placeOf;
  unsigned nextPlace = 0;
  std::set<std::pair<unsigned, Operation *>> waitingNorms;
  ProvenSame provenSame;
  auto forget = [&](Operation *op) {
    queued.erase(op);
    for (auto &[group, values] : provenSame)
      for (Value result : op->getResults())
        values.erase(result);
    auto place = placeOf.find(op);
    if (place == placeOf.end())
      return;
    waitingNorms.erase({place->second, op});
    placeOf.erase(place);
  };
  TouchedOps touched(rewriter.getListener(), forget);
  OpBuilder::Listener *previousListener = rewriter.getListener();
  rewriter.setListener(&touched);
  llvm::scope_exit restoreListener(
      [&] { rewriter.setListener(previousListener); });
  root->walk([&](Operation *op) {
    if (isa<NormOp>(op))
      placeOf.try_emplace(op, nextPlace++);
    lookAt(op);
  });
  while (true) {
    Operation *op;
    bool normsTurn = false;
    if (!worklist.empty()) {
      op = worklist.front();
      worklist.pop_front();
      if (!queued.erase(op))
        continue; // erased meanwhile
    } else if (!waitingNorms.empty()) {
      op = waitingNorms.begin()->second;
      waitingNorms.erase(waitingNorms.begin());
      normsTurn = true;
    } else {
      bool found = false;
      root->walk([&](Operation *op) {
        ++work->looks;
        if (whatApplies(op, axes, normsFromSlices, calls).kind !=
            Applicable::None) {
          lookAt(op);
          found = true;
        }
      });
      if (!found)
        break;
      continue;
    }
    ++work->looks;
    Applicable applicable = whatApplies(op, axes, normsFromSlices, calls);
    if (applicable.kind == Applicable::None)
      continue;
    if (applicable.kind == Applicable::NormFromSlice && !normsTurn) {
      auto place = placeOf.try_emplace(op, nextPlace++).first;
      waitingNorms.insert({place->second, op});
      continue;
    }
    ++work->rewrites;
    touched.touched.clear();
    touched.erased.clear();
    switch (applicable.kind) {
    case Applicable::HoistSlice:
      hoistSlice(rewriter, applicable.producer, cast<SliceOp>(op));
      break;
    case Applicable::NormFromSlice:
      // The norm's new slice may let a producer of its input move onto
      // slices too (sliceToHoist).
      computeNormFromSlice(rewriter, cast<NormOp>(op), applicable.slice);
      break;
    case Applicable::Move:
      if (failed(reorderBeforeAllGather(rewriter, op)))
        return failure();
      break;
    case Applicable::None:
      llvm_unreachable("nothing to apply was skipped above");
    }
    // The touched ops and their neighbours, where a rewrite may now apply:
    // the users of what they compute (which may now read an all_gather),
    // and who sees their operands' users change.
    llvm::SetVector<Operation *> again;
    for (Operation *changed : touched.touched) {
      if (touched.erased.contains(changed))
        continue;
      again.insert(changed);
      for (Value operand : changed->getOperands())
        touchWhoSees(operand, again);
      for (Value result : changed->getResults())
        if (isa<DTensorType>(result.getType()))
          again.insert(result.getUsers().begin(), result.getUsers().end());
    }
    // A norm computed from slices ends in an all_reduce: what is computed
    // from it may now be the same on the slice's group, and so may the
    // condition of a branch (or the bounds of a loop) on it, which lets the
    // ops inside move (dynamic loss scaling's update, in a branch on the
    // norm being finite). Those are looked at before the next norm takes a
    // slice, so it may take the one such a move makes, as a walk from the
    // top would. Each op downstream is visited once, and a region is
    // walked only where its condition or bounds are now provably the same
    // (a sum of many norms is, after the last of them). (A condition
    // reached through a call is left to the confirming walk.)
    if (applicable.kind == Applicable::NormFromSlice)
      touchBranchesOn(touched.touched, touched.erased, applicable.slice,
                      provenSame, *work, again);
    for (Operation *neighbour : again)
      if (!touched.erased.contains(neighbour) && root->isAncestor(neighbour))
        lookAt(neighbour);
  }
  eraseDeadDataMovement(rewriter, root);
  // The norms left whole, and why (the first reason that applies): those
  // of replicated tensors (a norm of a local value, such as a gradient's
  // for clipping, has no slice to come from).
  if (normsFromSlices)
    root->walk([&](NormOp norm) {
      DTensorType type = norm.getInput().getType();
      for (int64_t axis = 0; axis < type.getNumPlacedAxes(); ++axis)
        if (type.getPlacement(axis).isLocal())
          return;
      std::string whyNot;
      (void)sliceToComputeNormFrom(norm, axes, whyNot, &calls);
      remarkNotApplied(norm, "reorder", whyNot);
    });
  remarkWhatStaysGathered(root, axes);
  return success();
}

namespace {
struct CocoReorderPass
    : public coco::impl::CocoReorderPassBase<CocoReorderPass> {
  using CocoReorderPassBase::CocoReorderPassBase;

  void runOnOperation() override {
    if (failed(checkAxesOption(getOperation()->getLoc(), "coco-reorder", axes)))
      return signalPassFailure();
    ModuleOp module = getOperation();
    // Axes the user named but nothing runs along: say so rather than
    // return the module unchanged without a word.
    if (!axes.empty()) {
      ModuleCalls calls(module);
      if (!module
               .walk([&](Operation *op) {
                 return whatApplies(op, axes, normsFromSlices, calls).kind !=
                                Applicable::None
                            ? WalkResult::interrupt()
                            : WalkResult::advance();
               })
               .wasInterrupted()) {
        emitWarning(module.getLoc())
            << "coco-reorder: no pointwise op or reduction that reads an "
               "all_gather along exactly "
            << describeAxes(axes)
            << " can move before it; nothing changed (each op that reads "
               "one is reported with its reason)";
        remarkWhatStaysGathered(module, axes);
        return;
      }
    }
    // Work on a copy: if some op cannot be reordered, the module stays as
    // it was.
    OwningOpRef<ModuleOp> copy = module.clone();
    IRRewriter rewriter(&getContext());
    if (failed(reorderToFixedPoint(rewriter, *copy, axes, normsFromSlices)))
      return signalPassFailure();
    module.getBodyRegion().takeBody(copy->getBodyRegion());
  }
};
} // namespace
