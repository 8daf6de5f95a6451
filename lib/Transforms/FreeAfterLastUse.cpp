//===- FreeAfterLastUse.cpp - free temporaries at their last use ----------===//
//
// ownership-based-buffer-deallocation frees every buffer at the end of the
// block that allocated it, in one bufferization.dealloc listing all of
// them. buffer-deallocation-simplification then compares each entry with
// every other, which is quadratic in the block (an optimizer step over
// hundreds of parameters has thousands), and every temporary lives until
// the block ends. A fresh allocation whose ownership is certain and whose
// buffer provably cannot escape needs neither: it is freed right after the
// last op of its block that touches it or an alias, and leaves the list.
//
//===----------------------------------------------------------------------===//

#include "coco/Transforms/Passes.h"

#include "mlir/Dialect/Bufferization/IR/Bufferization.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/IR/Matchers.h"
#include "mlir/Interfaces/SideEffectInterfaces.h"
#include "mlir/Interfaces/ViewLikeInterface.h"

namespace mlir::coco {
#define GEN_PASS_DEF_COCOFREEAFTERLASTUSEPASS
#include "coco/Transforms/Passes.h.inc"
} // namespace mlir::coco

using namespace mlir;

namespace {
/// The memref.alloc an entry of a bufferization.dealloc was taken from
/// (through the base-buffer extraction and views the deallocation pass puts
/// in between), with the ops on the way; null if it is not one.
memref::AllocOp allocationOf(Value entry,
                             SmallPtrSetImpl<Operation *> &onTheWay) {
  Value value = entry;
  while (Operation *def = value.getDefiningOp()) {
    if (auto alloc = dyn_cast<memref::AllocOp>(def))
      return alloc;
    onTheWay.insert(def);
    if (auto metadata = dyn_cast<memref::ExtractStridedMetadataOp>(def))
      value = metadata.getSource();
    else if (auto view = dyn_cast<ViewLikeOpInterface>(def))
      value = view.getViewSource();
    else
      return {};
  }
  return {};
}

/// Order of the ops of one block, numbered once (the pass adds ops, but only
/// right after ones already numbered, so the order of these stays valid).
class BlockOrder {
public:
  unsigned position(Operation *op) {
    Block *block = op->getBlock();
    auto [it, inserted] = numbered.try_emplace(block);
    if (inserted) {
      unsigned next = 0;
      for (Operation &each : *block)
        it->second[&each] = next++;
    }
    return it->second.lookup(op);
  }

private:
  DenseMap<Block *, DenseMap<Operation *, unsigned>> numbered;
};

/// Whether `user` does no more with `alias` than read or write it through
/// its own operands (and, for an op with regions, its nested ops, which use
/// the value themselves): it declares its memory effects, and none frees
/// anything. An op that declares nothing (a call, say) might keep the
/// pointer.
bool onlyAccesses(Operation *user) {
  if (user->hasTrait<OpTrait::HasRecursiveMemoryEffects>())
    return true;
  auto declared = dyn_cast<MemoryEffectOpInterface>(user);
  if (!declared)
    return false;
  SmallVector<MemoryEffects::EffectInstance> effects;
  declared.getEffects(effects);
  return llvm::none_of(effects, [](const MemoryEffects::EffectInstance &e) {
    return isa<MemoryEffects::Free>(e.getEffect());
  });
}

/// The last op of `alloc`'s block that uses the buffer or one of its
/// aliases (ops nested in a region count as their ancestor in that block),
/// other than the ops on the way to `entry` of `dealloc`, which frees it;
/// `alloc` itself if there is none. An alias is any result of a user that
/// may hold the buffer: every result of an op with side effects (the
/// request of a non-blocking collective, whose wait then counts as a use),
/// the non-scalar results of a pure one (views). Null if the buffer may
/// escape: an alias reaches a terminator (a yield, a return, a branch), a
/// pointer extraction, an op that frees or does not declare its effects, or
/// any other operand of any bufferization.dealloc (it may be the same
/// allocation).
Operation *lastUse(memref::AllocOp alloc, bufferization::DeallocOp dealloc,
                   unsigned entry, const SmallPtrSetImpl<Operation *> &onTheWay,
                   BlockOrder &order) {
  Block *block = alloc->getBlock();
  Operation *last = alloc;
  unsigned lastPosition = order.position(alloc);
  unsigned entryOperand = dealloc.getMemrefs().getBeginOperandIndex() + entry;
  SmallVector<Value> aliases = {alloc.getResult()};
  DenseSet<Value> seen = {alloc.getResult()};
  while (!aliases.empty()) {
    Value alias = aliases.pop_back_val();
    for (OpOperand &use : alias.getUses()) {
      Operation *user = use.getOwner();
      if (user == dealloc.getOperation() &&
          use.getOperandNumber() == entryOperand)
        continue;
      // Frees (memref.dealloc; bufferization.dealloc declares no effects)
      // fail onlyAccesses; the pointer extraction is pure and must be named.
      if (isa<memref::ExtractAlignedPointerAsIndexOp>(user) ||
          user->hasTrait<OpTrait::IsTerminator>() || !onlyAccesses(user))
        return nullptr;
      bool pure = isPure(user);
      for (Value result : user->getResults())
        if ((!pure || !result.getType().isIntOrIndexOrFloat()) &&
            seen.insert(result).second)
          aliases.push_back(result);
      if (onTheWay.contains(user))
        continue;
      Operation *inBlock = block->findAncestorOpInBlock(*user);
      if (!inBlock)
        return nullptr;
      unsigned position = order.position(inBlock);
      if (position > lastPosition) {
        last = inBlock;
        lastPosition = position;
      }
    }
  }
  return last;
}

struct CocoFreeAfterLastUsePass
    : public coco::impl::CocoFreeAfterLastUsePassBase<
          CocoFreeAfterLastUsePass> {
  using CocoFreeAfterLastUsePassBase::CocoFreeAfterLastUsePassBase;

  void runOnOperation() override {
    SmallVector<bufferization::DeallocOp> deallocs;
    getOperation().walk(
        [&](bufferization::DeallocOp dealloc) { deallocs.push_back(dealloc); });
    BlockOrder order;
    OpBuilder builder(&getContext());
    for (bufferization::DeallocOp dealloc : deallocs) {
      // Entries taken from one allocation twice stay: only one of them may
      // free it, which is the dealloc op's business.
      SmallVector<memref::AllocOp> allocs;
      SmallVector<SmallPtrSet<Operation *, 4>> onTheWay(
          dealloc.getMemrefs().size());
      DenseMap<Operation *, unsigned> entriesPerAlloc;
      for (auto [i, entry] : llvm::enumerate(dealloc.getMemrefs())) {
        memref::AllocOp alloc = allocationOf(entry, onTheWay[i]);
        allocs.push_back(alloc);
        if (alloc)
          ++entriesPerAlloc[alloc];
      }
      SmallVector<Value> keptMemrefs, keptConditions;
      for (auto [i, alloc] : llvm::enumerate(allocs)) {
        Value condition = dealloc.getConditions()[i];
        Operation *last = nullptr;
        if (alloc && entriesPerAlloc[alloc] == 1 &&
            alloc->getBlock() == dealloc->getBlock() &&
            matchPattern(condition, m_One()))
          last = lastUse(alloc, dealloc, i, onTheWay[i], order);
        if (!last) {
          keptMemrefs.push_back(dealloc.getMemrefs()[i]);
          keptConditions.push_back(condition);
          continue;
        }
        if (atBlockEnd)
          builder.setInsertionPoint(dealloc);
        else
          builder.setInsertionPointAfter(last);
        memref::DeallocOp::create(builder, alloc.getLoc(), alloc);
      }
      if (keptMemrefs.empty() && dealloc.getRetained().empty()) {
        dealloc.erase();
        continue;
      }
      // At once: erasing entries one by one would shift the operand list
      // every time.
      dealloc.getMemrefsMutable().assign(keptMemrefs);
      dealloc.getConditionsMutable().assign(keptConditions);
    }
  }
};
} // namespace
