//===- UpdateInPlace.cpp - parameter updates written where they belong ----===//
//
// coco.update becomes, after bufferization, a copy of a temporary buffer into
// the parameter's argument at the end of the step:
//
//   linalg.generic ins(%g, %w) outs(%tmp) { w - lr * g }
//   memref.copy %tmp, %w
//
// i.e. one more read and write of every parameter, optimizer state and
// replicated weight per step (on the GPU path: three more passes over
// memory). This pass lets the op that produces the new value write it into
// the argument directly, when that cannot change what anything reads:
//
// - the copy is in the function's entry block, copies a memref.alloc of the
//   same type (no views of it, no other users outside the entry block) into
//   an entry-block argument;
// - some op S overwrites the whole temporary (a parallel linalg op whose
//   output map is a permutation and whose payload does not read the old
//   value, a collective's destination, a copy) and nothing from S onwards
//   reads or writes the argument (through any view), except S itself when
//   S is a parallel linalg op reading the argument elementwise: element i
//   is read before it is written and by no other iteration;
// - nothing before S writes the argument; nothing after the copy writes
//   either buffer.
//
// S's destination and every later use of the temporary then name the
// argument, and the copy goes away (so does the alloc when nothing before S
// used it). Function arguments are assumed not to alias each other, as
// coco.update's lowering (materialize_in_destination ... restrict) states.
//
//===----------------------------------------------------------------------===//

#include "coco/Dialect/Coco/IR/CocoOps.h"
#include "coco/Dialect/Coco/Transforms/Passes.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Interfaces/ControlFlowInterfaces.h"
#include "mlir/Interfaces/SideEffectInterfaces.h"
#include "mlir/Interfaces/ViewLikeInterface.h"

namespace mlir::coco {
#define GEN_PASS_DEF_COCOUPDATEINPLACEPASS
#include "coco/Dialect/Coco/Transforms/Passes.h.inc"
} // namespace mlir::coco

using namespace mlir;
using namespace mlir::coco;

namespace {
/// Whether `user` may write `value`, one of its operands. Ops that do not
/// describe their effects may.
bool mayWrite(Operation *user, Value value) {
  auto effects = dyn_cast<MemoryEffectOpInterface>(user);
  if (!effects)
    return true;
  SmallVector<MemoryEffects::EffectInstance> instances;
  effects.getEffects(instances);
  return llvm::any_of(instances, [&](const MemoryEffects::EffectInstance &e) {
    return isa<MemoryEffects::Write, MemoryEffects::Free>(e.getEffect()) &&
           (e.getValue() == value ||
            (!e.getValue() &&
             !isa<CommunicationResource>(e.getResource())));
  });
}

/// `root` and every view of it (transitively). Fails when a value escapes
/// the analysis: yielded out of a region or returned.
FailureOr<SmallVector<OpOperand *>> usesThroughViews(Value root) {
  SmallVector<OpOperand *> uses;
  SmallVector<Value> worklist{root};
  while (!worklist.empty()) {
    Value value = worklist.pop_back_val();
    for (OpOperand &use : value.getUses()) {
      Operation *user = use.getOwner();
      if (user->hasTrait<OpTrait::IsTerminator>())
        return failure();
      if (auto view = dyn_cast<ViewLikeOpInterface>(user);
          view && view.getViewSource() == value) {
        llvm::append_range(worklist, user->getResults());
        continue;
      }
      uses.push_back(&use);
    }
  }
  return uses;
}

/// The operand through which `op` overwrites every element of `buffer`
/// without reading what was there, or null.
OpOperand *wholeDestination(Operation *op, Value buffer) {
  auto only = [&](MutableOperandRange operands) -> OpOperand * {
    OpOperand *found = nullptr;
    for (OpOperand &operand : operands) {
      if (operand.get() != buffer)
        continue;
      if (found)
        return nullptr; // two results into one buffer
      found = &operand;
    }
    return found;
  };
  if (auto copy = dyn_cast<memref::CopyOp>(op))
    return copy.getSource() != buffer ? only(copy.getTargetMutable())
                                      : nullptr;
  if (auto linalgOp = dyn_cast<linalg::LinalgOp>(op)) {
    if (!linalgOp.hasPureBufferSemantics() ||
        linalgOp.getNumLoops() != linalgOp.getNumParallelLoops())
      return nullptr;
    OpOperand *init = only(linalgOp.getDpsInitsMutable());
    if (!init || !linalgOp.getMatchingIndexingMap(init).isPermutation() ||
        linalgOp.payloadUsesValueFromOperand(init))
      return nullptr;
    return init;
  }
  // Collectives whose destination is written whole on every rank (reduce
  // writes only the root's).
  if (isa<CommAllReduceOp, CommReduceScatterOp, CommAllGatherOp,
          CommBroadcastOp, CommAllToAllOp, CommRecvOp>(op))
    return only(cast<DestinationStyleOpInterface>(op).getDpsInitsMutable());
  if (auto start = dyn_cast<CommIAllReduceOp>(op))
    return only(start.getInitMutable());
  if (auto start = dyn_cast<CommIReduceScatterOp>(op))
    return only(start.getInitMutable());
  return nullptr;
}

/// Whether `op`, which writes `temporary` whole, may also read `argument`:
/// only a parallel linalg op reading it with the map it writes with, so
/// element i is read before it is written, and by no other iteration.
bool readsElementwise(Operation *op, Value argument, Value temporary,
                      ArrayRef<OpOperand *> argumentUses) {
  auto linalgOp = dyn_cast<linalg::LinalgOp>(op);
  OpOperand *init = wholeDestination(op, temporary);
  if (!linalgOp || !init)
    return false;
  AffineMap written = linalgOp.getMatchingIndexingMap(init);
  for (OpOperand *use : argumentUses) {
    if (!op->isAncestor(use->getOwner()))
      continue;
    if (use->getOwner() != op || use->get() != argument ||
        !linalgOp.isDpsInput(use) ||
        linalgOp.getMatchingIndexingMap(use) != written)
      return false;
  }
  return true;
}

/// Rewrites `copy` if the conditions in the file comment hold.
bool forwardCopy(memref::CopyOp copy, Block &entry) {
  auto argument = dyn_cast<BlockArgument>(copy.getTarget());
  auto alloc = copy.getSource().getDefiningOp<memref::AllocOp>();
  if (!argument || argument.getOwner() != &entry || !alloc ||
      alloc->getBlock() != &entry || copy->getBlock() != &entry ||
      alloc.getType() != argument.getType() ||
      !alloc.getType().getLayout().isIdentity())
    return false;
  Value temporary = alloc.getResult();

  // The temporary: used directly, by ops of the entry block.
  for (Operation *user : temporary.getUsers())
    if (user->getBlock() != &entry || isa<ViewLikeOpInterface>(user) ||
        user->hasTrait<OpTrait::IsTerminator>())
      return false;
  FailureOr<SmallVector<OpOperand *>> argumentUses =
      usesThroughViews(argument);
  if (failed(argumentUses))
    return false;

  // Where the argument is touched (as ops of the entry block).
  auto topLevel = [&](Operation *op) { return entry.findAncestorOpInBlock(*op); };
  Operation *lastTouch = nullptr;
  for (OpOperand *use : *argumentUses) {
    Operation *op = topLevel(use->getOwner());
    if (op == copy)
      continue;
    if (!op)
      return false;
    if (op->isBeforeInBlock(copy) &&
        (!lastTouch || lastTouch->isBeforeInBlock(op)))
      lastTouch = op;
  }

  // S: the first op writing the whole temporary from the last touch on.
  Operation *start = nullptr;
  for (Operation *user : temporary.getUsers()) {
    if (user == copy || !user->isBeforeInBlock(copy) ||
        (lastTouch && user->isBeforeInBlock(lastTouch)) ||
        !wholeDestination(user, temporary))
      continue;
    if (user == lastTouch &&
        !readsElementwise(user, argument, temporary, *argumentUses))
      continue;
    if (!start || user->isBeforeInBlock(start))
      start = user;
  }
  if (!start)
    return false;

  // Before S the argument is only read; after the copy neither is written.
  for (OpOperand *use : *argumentUses) {
    Operation *op = topLevel(use->getOwner());
    if (op == copy)
      continue;
    bool before = op->isBeforeInBlock(start);
    bool after = copy->isBeforeInBlock(op);
    if ((before || after) && mayWrite(use->getOwner(), use->get()))
      return false;
  }
  for (OpOperand &use : temporary.getUses())
    if (copy->isBeforeInBlock(use.getOwner()) &&
        mayWrite(use.getOwner(), temporary))
      return false;

  // S writes the argument; what used the temporary from then on reads it.
  for (OpOperand &use : llvm::make_early_inc_range(temporary.getUses())) {
    Operation *user = use.getOwner();
    if (user != copy && start->isBeforeInBlock(user))
      use.set(argument);
  }
  wholeDestination(start, temporary)->set(argument);
  copy->erase();
  if (alloc->use_empty())
    alloc->erase();
  return true;
}

struct CocoUpdateInPlacePass
    : public coco::impl::CocoUpdateInPlacePassBase<CocoUpdateInPlacePass> {
  void runOnOperation() override {
    func::FuncOp function = getOperation();
    if (function.isExternal())
      return;
    Block &entry = function.getBody().front();
    SmallVector<memref::CopyOp> copies;
    for (auto copy : entry.getOps<memref::CopyOp>())
      copies.push_back(copy);
    for (memref::CopyOp copy : copies)
      forwardCopy(copy, entry);
  }
};
} // namespace
