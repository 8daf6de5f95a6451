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
// - some op S overwrites the whole temporary (a linalg op whose output map
//   is a permutation of its loops, so each iteration writes an element of
//   its own, and whose payload does not read the old value; a collective's
//   destination; a copy) and nothing from S onwards reads or writes the
//   argument (through any view), except S itself when S is such a linalg
//   op reading the argument elementwise: element i is read before it is
//   written and by no other iteration. S's loops may be reductions (a
//   loop that also accumulates a norm, coco-fuse-elementwise): that orders
//   its iterations, and each still writes only its own element;
// - nothing before S writes the argument; nothing after the copy writes
//   either buffer.
//
// S's destination and every later use of the temporary then name the
// argument, and the copy goes away (so does the alloc when nothing before S
// used it). Function arguments are assumed not to alias each other, as
// coco.update's lowering (materialize_in_destination ... restrict) states.
//
// The same for an all_gather of updated slices (RS-C-AG with shard-state):
//
//   %own = memref.subview %w[rank * n] [n] [1]      (this rank's block)
//   linalg.generic ins(%own, ...) outs(%tmp) { ... }
//   coco.comm.all_gather %tmp into %w dim 0
//
// the loop writes its slice into %own, this rank's block of %w, and the
// all_gather gathers in place (MPI_IN_PLACE; NCCL's in-place all_gather):
// one slice fewer written and copied. It holds when the loop is the
// temporary's last writer and nothing but the gather uses the temporary after
// it (earlier uses keep the temporary), the loop reads %w only through %own
// and elementwise, nothing in between touches %w (an argument or an
// allocation, so its views are all its aliases), and %own is provably the
// block the gather puts this rank's input at (offset `axis_rank * n` of the
// gather's own axis, n the slice's size, unit strides, dim 0). A loop that
// does not read the gathered buffer at all (the bf16 copy of the updated
// weights, w_lp = bf16(w)) writes into a view of that block made for it: the
// old value of the block is then read by nothing after the loop. Neither
// form applies while a non-blocking collective on the gathered buffer,
// started before the loop, is waited for after it.
//
//===----------------------------------------------------------------------===//

#include "coco/Dialect/Coco/IR/CocoOps.h"
#include "coco/Dialect/Coco/Transforms/BlockOffsets.h"
#include "coco/Dialect/Coco/Transforms/Passes.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/Utils/StaticValueUtils.h"
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
            (!e.getValue() && !isa<CommunicationResource>(e.getResource())));
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
      // Any other op returning a buffer may return an alias of this one
      // (memref.transpose, arith.select on memrefs): not followed, so not
      // allowed.
      if (llvm::any_of(user->getResultTypes(), llvm::IsaPred<BaseMemRefType>))
        return failure();
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
    return copy.getSource() != buffer ? only(copy.getTargetMutable()) : nullptr;
  if (auto linalgOp = dyn_cast<linalg::LinalgOp>(op)) {
    if (!linalgOp.hasPureBufferSemantics())
      return nullptr;
    OpOperand *init = only(linalgOp.getDpsInitsMutable());
    if (!init || !linalgOp.getMatchingIndexingMap(init).isPermutation() ||
        linalgOp.payloadUsesValueFromOperand(init))
      return nullptr;
    return init;
  }
  // Collectives whose destination is written whole on every rank (reduce
  // writes only the root's; an all_to_all that skips its own block or
  // fills only the front of its slots leaves the rest as it was).
  if (auto allToAll = dyn_cast<CommAllToAllOp>(op);
      allToAll && allToAll.leavesPartOfInit())
    return nullptr;
  if (isa<CommAllReduceOp, CommReduceScatterOp, CommAllGatherOp,
          CommBroadcastOp, CommAllToAllOp, CommRecvOp>(op))
    return only(cast<DestinationStyleOpInterface>(op).getDpsInitsMutable());
  // Non-blocking ones only when they do not also read the buffer: their
  // wait names both buffers to keep them alive, and would then name the
  // new destination twice and the buffer still being read not at all.
  if (auto start = dyn_cast<CommIAllReduceOp>(op))
    return start.getInput() != buffer ? only(start.getInitMutable()) : nullptr;
  if (auto start = dyn_cast<CommIReduceScatterOp>(op))
    return start.getInput() != buffer ? only(start.getInitMutable()) : nullptr;
  return nullptr;
}

/// Whether `op`, which writes `temporary` whole, may also read `argument`:
/// only a linalg op writing it whole (wholeDestination) and reading it with
/// the map it writes with, so element i is read before it is written, and
/// by no other iteration.
bool readsElementwise(Operation *op, Value argument, Value temporary,
                      ArrayRef<OpOperand *> argumentUses) {
  // `argumentUses` are the uses of the argument and of its views; within
  // `op` each must be `argument` itself (or the view standing for it).
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

  // The temporary: used directly, by ops of the entry block that return no
  // alias of it (no views, no other op returning a buffer).
  for (Operation *user : temporary.getUsers())
    if (user->getBlock() != &entry || isa<ViewLikeOpInterface>(user) ||
        user->hasTrait<OpTrait::IsTerminator>() ||
        llvm::any_of(user->getResultTypes(), llvm::IsaPred<BaseMemRefType>))
      return false;
  FailureOr<SmallVector<OpOperand *>> argumentUses = usesThroughViews(argument);
  if (failed(argumentUses))
    return false;

  // Where the argument is touched (as ops of the entry block).
  auto topLevel = [&](Operation *op) {
    return entry.findAncestorOpInBlock(*op);
  };
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

bool isEqualBlockOffset(Value offset, CommAllGatherOp gather,
                        OpFoldResult sliceSize);

/// Whether `view` is the block of `gathered` that `gather` fills with this
/// rank's input: offsets (this rank's block offset, 0, ...), sizes (n, rest
/// of `gathered`), unit strides, where n is `sliceSize`.
bool isOwnBlock(memref::SubViewOp view, CommAllGatherOp gather,
                OpFoldResult sliceSize) {
  auto gatheredType = cast<MemRefType>(gather.getInit().getType());
  if (view.getSource() != gather.getInit() || gather.getDim() != 0 ||
      view.getSourceType().getRank() != gatheredType.getRank() ||
      !view.hasUnitStride() ||
      view.getType().getRank() != gatheredType.getRank())
    return false;
  SmallVector<OpFoldResult> offsets = view.getMixedOffsets();
  SmallVector<OpFoldResult> sizes = view.getMixedSizes();
  for (int64_t d = 1, e = gatheredType.getRank(); d < e; ++d)
    if (!isZeroInteger(offsets[d]) || gatheredType.isDynamicDim(d) ||
        !isConstantIntValue(sizes[d], gatheredType.getDimSize(d)))
      return false;
  if (!isEqualConstantIntOrValue(sizes[0], sliceSize))
    return false;
  // offset 0 = this rank's block of the gathered dim over the gather's
  // axes: localize's sum of axis_rank * level size (equal blocks), or
  // coco.local_block of the whole extent (any blocks).
  auto offset = dyn_cast<Value>(offsets[0]);
  if (!offset)
    return false;
  if (auto block = offset.getDefiningOp<LocalBlockOp>()) {
    std::optional<int64_t> extent = getConstantIntValue(block.getExtent());
    return offset == block.getOffset() &&
           block.getGridAttr() == gather.getGridAttr() &&
           block.getAxes() == gather.getAxes() &&
           isEqualConstantIntOrValue(sliceSize, block.getSize()) && extent &&
           !gatheredType.isDynamicDim(0) &&
           *extent == gatheredType.getDimSize(0);
  }
  return isEqualBlockOffset(offset, gather, sliceSize);
}

/// The terms of localize's offset of this rank's equal block over the
/// gather's axes (coco/Dialect/Coco/Transforms/BlockOffsets.h), whose
/// innermost level is `sliceSize`: one axis, axis_rank * the slice size,
/// whatever the size is; several, static extents and slice size. None when
/// the blocks are not equal and static.
std::optional<SmallVector<BlockOffsetTerm>>
equalBlockTerms(CommAllGatherOp gather, OpFoldResult sliceSize) {
  auto grid = SymbolTable::lookupNearestSymbolFrom<GridOp>(
      gather, gather.getGridAttr());
  ArrayRef<int64_t> axes = gather.getAxes();
  if (!grid)
    return axes.size() == 1 ? std::optional(SmallVector<BlockOffsetTerm>{
                                  {axes[0], sliceSize}})
                            : std::nullopt;
  ArrayRef<int64_t> extents = grid.getShape();
  // Axes of one rank have no term; with one axis left, its level is the
  // slice.
  auto ranked = llvm::filter_to_vector(
      axes, [&](int64_t axis) { return extents[axis] != 1; });
  if (ranked.size() == 1)
    return SmallVector<BlockOffsetTerm>{{ranked[0], sliceSize}};
  std::optional<int64_t> innermost = getConstantIntValue(sliceSize);
  int64_t group = coco::groupSize(extents, axes);
  if (!innermost || ShapedType::isDynamic(group))
    return std::nullopt;
  OpBuilder b(gather.getContext());
  std::optional<EqualBlock> block =
      coco::equalBlock(b, extents, axes, *innermost * group);
  if (!block)
    return std::nullopt;
  return block->terms;
}

/// Whether `offset` is localize's offset of this rank's equal block over the
/// gather's axes, whose innermost level is `sliceSize`.
bool isEqualBlockOffset(Value offset, CommAllGatherOp gather,
                        OpFoldResult sliceSize) {
  std::optional<SmallVector<BlockOffsetTerm>> terms =
      equalBlockTerms(gather, sliceSize);
  return terms && isBlockOffset(offset, gather.getGrid(), *terms);
}

/// This rank's block of what `gather` fills, as a view made before
/// `producer`, or null: the offset of the coco.local_block the slice's size
/// comes from, or (equal blocks over axes of static extent) localize's sum
/// of axis_rank * level size. Checked with isOwnBlock like a view the
/// producer already reads.
memref::SubViewOp makeOwnBlock(CommAllGatherOp gather, OpFoldResult sliceSize,
                               Operation *producer) {
  Value gathered = gather.getInit();
  auto gatheredType = cast<MemRefType>(gathered.getType());
  // The view goes before the producer: so must the buffer (an allocation
  // made after the loop is not there yet), with an identity layout (the
  // runtime's in-place test compares the block's address with the
  // buffer's).
  Operation *madeAt = gathered.getDefiningOp();
  if (gather.getDim() != 0 || !gatheredType.getLayout().isIdentity() ||
      (madeAt && (madeAt->getBlock() != producer->getBlock() ||
                  !madeAt->isBeforeInBlock(producer))) ||
      llvm::any_of(gatheredType.getShape().drop_front(), ShapedType::isDynamic))
    return nullptr;
  OpBuilder b(producer);
  Location loc = gather.getLoc();
  // Ops made here, erased again if the view is not the block.
  SmallVector<Operation *> madeOps;
  Value offset;
  if (auto size = dyn_cast<Value>(sliceSize)) {
    auto block = size.getDefiningOp<LocalBlockOp>();
    if (!block || block.getSize() != size ||
        block->getBlock() != producer->getBlock() ||
        !block->isBeforeInBlock(producer))
      return nullptr;
    offset = block.getOffset();
  } else {
    std::optional<SmallVector<BlockOffsetTerm>> terms =
        equalBlockTerms(gather, sliceSize);
    // No term: every axis of one rank, and localize folded such a gather.
    // An axis of unknown extent: localize gave it a coco.local_block.
    auto grid = SymbolTable::lookupNearestSymbolFrom<GridOp>(
        gather, gather.getGridAttr());
    if (!grid || !terms || terms->empty() ||
        llvm::any_of(*terms, [&](const BlockOffsetTerm &term) {
          return ShapedType::isDynamic(grid.getShape()[term.axis]);
        }))
      return nullptr;
    offset = buildBlockOffset(b, loc, gather.getGrid(), *terms, &madeOps);
  }
  SmallVector<OpFoldResult> offsets(gatheredType.getRank(), b.getIndexAttr(0));
  offsets[0] = offset;
  SmallVector<OpFoldResult> sizes = {sliceSize};
  for (int64_t size : gatheredType.getShape().drop_front())
    sizes.push_back(b.getIndexAttr(size));
  SmallVector<OpFoldResult> strides(gatheredType.getRank(), b.getIndexAttr(1));
  auto view =
      memref::SubViewOp::create(b, loc, gathered, offsets, sizes, strides);
  madeOps.push_back(view);
  if (isOwnBlock(view, gather, sliceSize))
    return view;
  for (Operation *op : llvm::reverse(madeOps))
    op->erase();
  return nullptr;
}

/// Erases a view makeOwnBlock made, and what it made for its offset.
void eraseOwnBlock(memref::SubViewOp view) {
  SmallVector<Operation *> dead = {view};
  for (size_t i = 0; i < dead.size(); ++i) {
    Operation *op = dead[i];
    SmallVector<Value> operands(op->getOperands());
    op->erase();
    for (Value operand : operands)
      if (Operation *def = operand.getDefiningOp();
          def && def->use_empty() && isPure(def) && !isa<LocalBlockOp>(def))
        dead.push_back(def);
  }
}

/// Lets the loop producing an all_gather's input write this rank's block of
/// the gathered buffer, and the gather run in place (file comment).
bool gatherInPlace(CommAllGatherOp gather, Block &entry) {
  // The gathered buffer is a root (an argument, like coco.update's, or an
  // allocation), so its uses through views are all its aliases; a view of
  // another buffer would have aliases this does not see.
  Value gathered = gather.getInit();
  auto gatheredArgument = dyn_cast<BlockArgument>(gathered);
  if (!(gatheredArgument && gatheredArgument.getOwner() == &entry) &&
      !gathered.getDefiningOp<memref::AllocOp>())
    return false;
  auto alloc = gather.getInput().getDefiningOp<memref::AllocOp>();
  if (gather->getBlock() != &entry || !alloc || alloc->getBlock() != &entry ||
      !alloc.getType().getLayout().isIdentity())
    return false;
  Value temporary = alloc.getResult();
  // The temporary's last writer before the gather (a linalg op writing all
  // of it) is the producer; earlier uses (LAMB's norm of the update) keep
  // the temporary, nothing after the producer but the gather uses it.
  Operation *producer = nullptr;
  for (Operation *user : temporary.getUsers()) {
    if (user->getBlock() != &entry || isa<ViewLikeOpInterface>(user) ||
        llvm::any_of(user->getResultTypes(), llvm::IsaPred<BaseMemRefType>) ||
        gather->isBeforeInBlock(user))
      return false;
    if (user != gather && (!producer || producer->isBeforeInBlock(user)))
      producer = user;
  }
  if (!producer || !isa<linalg::LinalgOp>(producer) ||
      !wholeDestination(producer, temporary) ||
      llvm::count(gather->getOperands(), temporary) != 1)
    return false;

  // This rank's block of the gathered buffer, as a view the producer
  // already reads (the slice of the parameter it updates).
  MemRefType sliceType = alloc.getType();
  if (sliceType.getRank() == 0)
    return false;
  OpFoldResult sliceSize =
      sliceType.isDynamicDim(0)
          ? OpFoldResult(alloc.getDynamicSizes().front())
          : OpFoldResult(Builder(gather.getContext())
                             .getIndexAttr(sliceType.getDimSize(0)));
  memref::SubViewOp own;
  for (Value operand : producer->getOperands())
    if (auto view = operand.getDefiningOp<memref::SubViewOp>();
        view && view->getBlock() == &entry &&
        isOwnBlock(view, gather, sliceSize))
      own = view;
  // A loop that does not read the gathered buffer (the bf16 copy of
  // updated weights) gets the view made for it.
  bool made = false;
  if (!own && !llvm::is_contained(producer->getOperands(), gathered)) {
    own = makeOwnBlock(gather, sliceSize, producer);
    made = bool(own);
  }
  auto dropMade = [&] {
    if (made)
      eraseOwnBlock(own);
    return false;
  };
  if (!own || own.getType().getShape() != alloc.getType().getShape())
    return dropMade();

  // The producer reads the gathered buffer only through that view,
  // elementwise; nothing between it and the gather touches the buffer.
  FailureOr<SmallVector<OpOperand *>> gatheredUses = usesThroughViews(gathered);
  if (failed(gatheredUses) ||
      !readsElementwise(producer, own, temporary, *gatheredUses))
    return dropMade();
  for (OpOperand *use : *gatheredUses) {
    Operation *op = entry.findAncestorOpInBlock(*use->getOwner());
    if (!op)
      return dropMade();
    if (producer->isBeforeInBlock(op) && op->isBeforeInBlock(gather))
      return dropMade();
    // A non-blocking collective on the buffer started before the loop and
    // waited for after it is in flight while the loop would write.
    if (auto wait = dyn_cast<CommWaitOp>(op);
        wait && producer->isBeforeInBlock(wait))
      if (Operation *start = wait.getRequest().getDefiningOp();
          !start || start->getBlock() != &entry ||
          start->isBeforeInBlock(producer))
        return dropMade();
  }

  wholeDestination(producer, temporary)->set(own);
  gather.getInputMutable().set(own);
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
    // After the copies: an all_gather into a parameter is the gather of its
    // update only once the copy into the parameter is gone.
    SmallVector<CommAllGatherOp> gathers(entry.getOps<CommAllGatherOp>());
    for (CommAllGatherOp gather : gathers)
      gatherInPlace(gather, entry);
  }
};
} // namespace
