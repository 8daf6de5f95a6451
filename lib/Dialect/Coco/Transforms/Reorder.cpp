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

#include "mlir/IR/IRMapping.h"

namespace mlir::coco {
#define GEN_PASS_DEF_COCOREORDERPASS
#include "coco/Dialect/Coco/Transforms/Passes.h.inc"
} // namespace mlir::coco

using namespace mlir;
using namespace mlir::coco;

static bool isPointwise(Operation *op) {
  return isa<AddOp, SubOp, MulOp, DivOp, MaxOp, MinOp, PowOp, NegOp, AbsOp,
             SqrtOp, RsqrtOp, ExpOp, LogOp, CmpOp, SelectOp, CastOp,
             DropoutOp>(op);
}

bool mlir::coco::isReorderable(Operation *op) {
  return isPointwise(op) || isa<ReduceOp, NormOp>(op);
}

static bool consumesAllGather(Operation *op) {
  return llvm::any_of(op->getOperands(), [](Value v) {
    return v.getDefiningOp<AllGatherOp>();
  });
}

/// The slicing (dim) shared by the all_gathers feeding `op`, after checking
/// every other distributed operand can be sliced the same way.
static FailureOr<DTensorType> checkReorder(Operation *op) {
  if (!isReorderable(op))
    return op->emitOpError() << "cannot be reordered before an all_gather: "
                                "only pointwise ops and reductions can";
  DTensorType sliced;
  for (Value operand : op->getOperands()) {
    auto gather = operand.getDefiningOp<AllGatherOp>();
    if (!gather)
      continue;
    DTensorType type = gather.getInput().getType();
    if (sliced && type.getSlicedDim() != sliced.getSlicedDim())
      return op->emitOpError()
             << "cannot be reordered before its all_gathers: they gather "
                "along different dimensions ("
             << sliced.getSlicedDim() << " and " << type.getSlicedDim() << ")";
    sliced = type;
  }
  if (!sliced)
    return op->emitOpError() << "cannot be reordered: no operand comes from "
                                "a coco.all_gather";
  for (auto [i, operand] : llvm::enumerate(op->getOperands())) {
    auto type = dyn_cast<DTensorType>(operand.getType());
    if (!type || operand.getDefiningOp<AllGatherOp>() || type.isReplicated())
      continue;
    return op->emitOpError()
           << "cannot be reordered before the all_gather: operand #" << i
           << " is " << (type.isLocal() ? "local" : "sliced")
           << "; only replicated operands can be sliced";
  }
  return sliced;
}

/// The sliced form of `operand` along `sliced`'s dim.
static Value sliceOperand(RewriterBase &rewriter, Location loc, Value operand,
                          DTensorType sliced) {
  if (auto gather = operand.getDefiningOp<AllGatherOp>())
    return gather.getInput();
  if (isa<DTensorType>(operand.getType()))
    return SliceOp::create(rewriter, loc, operand, sliced.getSlicedDim());
  return operand; // scalars broadcast as before
}

FailureOr<Operation *> mlir::coco::reorderBeforeAllGather(RewriterBase &rewriter,
                                                          Operation *op) {
  FailureOr<DTensorType> sliced = checkReorder(op);
  if (failed(sliced))
    return failure();
  Location loc = op->getLoc();
  rewriter.setInsertionPoint(op);
  int64_t dim = sliced->getSlicedDim();

  if (auto norm = dyn_cast<NormOp>(op)) {
    // sqrt(all_reduce(sum(s * s))): squares sum over slices, then the root.
    Value slice = sliceOperand(rewriter, loc, norm.getInput(), *sliced);
    Value squares = MulOp::create(rewriter, loc, slice, slice);
    SmallVector<int64_t> dims =
        llvm::to_vector(llvm::seq<int64_t>(0, sliced->getRank()));
    Value partial =
        ReduceOp::create(rewriter, loc, ReductionKind::sum, squares, dims);
    Value total = AllReduceOp::create(rewriter, loc, ReductionKind::sum, partial);
    auto root = SqrtOp::create(rewriter, loc, total);
    rewriter.replaceOp(op, root);
    return root.getOperation();
  }

  if (auto reduce = dyn_cast<ReduceOp>(op)) {
    Value slice = sliceOperand(rewriter, loc, reduce.getInput(), *sliced);
    auto partial = ReduceOp::create(rewriter, loc, reduce.getKind(), slice,
                                    reduce.getDims());
    Operation *collective;
    if (partial.getType().isLocal())
      collective = AllReduceOp::create(rewriter, loc, reduce.getKind(), partial);
    else
      collective = AllGatherOp::create(rewriter, loc, partial);
    rewriter.replaceOp(op, collective->getResults());
    return collective;
  }

  // Pointwise: the same op on slices, then one all_gather.
  SmallVector<Value> operands;
  for (Value operand : op->getOperands())
    operands.push_back(sliceOperand(rewriter, loc, operand, *sliced));
  auto resultType = cast<DTensorType>(op->getResult(0).getType());
  OperationState state(loc, op->getName());
  state.addOperands(operands);
  state.addAttributes(op->getAttrDictionary().getValue());
  state.addTypes(resultType.withLayout(LayoutKind::sliced, dim));
  Operation *onSlices = rewriter.create(state);
  auto gather = AllGatherOp::create(rewriter, loc, onSlices->getResult(0));
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
/// (along one dim) is computed on the slices instead: "replicated operands
/// are scattered", so work on replicated state shrinks to 1/R too.
static Operation *sliceToHoist(Operation *op) {
  auto slice = dyn_cast<SliceOp>(op);
  if (!slice)
    return nullptr;
  Operation *producer = slice.getInput().getDefiningOp();
  if (!producer || !isPointwise(producer))
    return nullptr;
  for (Operation *user : producer->getUsers()) {
    auto other = dyn_cast<SliceOp>(user);
    if (!other || other.getDim() != slice.getDim())
      return nullptr;
  }
  return producer;
}

static void hoistSlice(RewriterBase &rewriter, Operation *producer,
                       int64_t dim) {
  rewriter.setInsertionPoint(producer);
  SmallVector<Value> operands;
  for (Value operand : producer->getOperands())
    operands.push_back(isa<DTensorType>(operand.getType())
                           ? SliceOp::create(rewriter, producer->getLoc(),
                                             operand, dim)
                           : operand);
  auto type = cast<DTensorType>(producer->getResult(0).getType());
  OperationState state(producer->getLoc(), producer->getName());
  state.addOperands(operands);
  state.addAttributes(producer->getAttrDictionary().getValue());
  state.addTypes(type.withLayout(LayoutKind::sliced, dim));
  Operation *onSlices = rewriter.create(state);
  for (Operation *user : llvm::make_early_inc_range(producer->getUsers()))
    rewriter.replaceOp(user, onSlices->getResults());
  rewriter.eraseOp(producer);
}

LogicalResult mlir::coco::reorderToFixedPoint(RewriterBase &rewriter,
                                              Operation *root) {
  while (true) {
    Operation *candidate = nullptr;
    Operation *hoistable = nullptr;
    int64_t hoistDim = 0;
    root->walk([&](Operation *op) {
      if (candidate || hoistable)
        return;
      if (isReorderable(op) && consumesAllGather(op))
        candidate = op;
      else if ((hoistable = sliceToHoist(op)))
        hoistDim = cast<SliceOp>(op).getDim();
    });
    if (hoistable) {
      hoistSlice(rewriter, hoistable, hoistDim);
      continue;
    }
    if (!candidate)
      break;
    if (failed(reorderBeforeAllGather(rewriter, candidate)))
      return failure();
  }
  eraseDeadDataMovement(rewriter, root);
  return success();
}

namespace {
struct CocoReorderPass
    : public coco::impl::CocoReorderPassBase<CocoReorderPass> {
  void runOnOperation() override {
    ModuleOp module = getOperation();
    // Work on a copy: if some op cannot be reordered, the module stays as
    // it was.
    OwningOpRef<ModuleOp> copy = module.clone();
    IRRewriter rewriter(&getContext());
    if (failed(reorderToFixedPoint(rewriter, *copy)))
      return signalPassFailure();
    module.getBodyRegion().takeBody(copy->getBodyRegion());
  }
};
} // namespace
