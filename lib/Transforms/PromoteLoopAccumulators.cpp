//===- PromoteLoopAccumulators.cpp - a loop's sum in a register -----------===//
//
// convert-linalg-to-loops lowers a reduction to a scalar as a loop that
// loads the 0-d accumulator, adds to it and stores it back, every
// iteration. LLVM keeps it in a register (and in vector lanes) only where it
// proves no other store of the loop can reach it; in a loop that also
// writes elementwise results (a norm fused with the update that produces
// its operand, coco-fuse-elementwise) it cannot, and every element would
// wait for the previous one's store and load. Here the accumulator becomes
// a value the loop carries: loaded once before, stored once after.
//
//===----------------------------------------------------------------------===//

#include "coco/Transforms/Passes.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/IR/PatternMatch.h"

namespace mlir::coco {
#define GEN_PASS_DEF_COCOPROMOTELOOPACCUMULATORSPASS
#include "coco/Transforms/Passes.h.inc"
} // namespace mlir::coco

using namespace mlir;

namespace {

/// Whether nothing but loads, stores, copies and its deallocation uses the
/// 0-d buffer `buffer`, made by an allocation: then no other value (a view,
/// a cast to a pointer, an argument of a call) can refer to it.
bool hasNoAlias(Value buffer) {
  if (!buffer.getDefiningOp<memref::AllocOp>() &&
      !buffer.getDefiningOp<memref::AllocaOp>())
    return false;
  return llvm::all_of(buffer.getUses(), [&](OpOperand &use) {
    Operation *user = use.getOwner();
    if (auto store = dyn_cast<memref::StoreOp>(user))
      return store.getMemRef() == buffer;
    return isa<memref::LoadOp, memref::DeallocOp, memref::CopyOp>(user);
  });
}

/// The load and the store of `buffer` in the body of `loop`, if they are its
/// only accesses there: the load first, both directly in the body.
std::optional<std::pair<memref::LoadOp, memref::StoreOp>>
accessesIn(scf::ForOp loop, Value buffer) {
  memref::LoadOp load;
  memref::StoreOp store;
  for (Operation *user : buffer.getUsers()) {
    if (!loop->isAncestor(user))
      continue;
    if (user->getBlock() != loop.getBody())
      return std::nullopt;
    if (auto l = dyn_cast<memref::LoadOp>(user); l && !load)
      load = l;
    else if (auto s = dyn_cast<memref::StoreOp>(user); s && !store)
      store = s;
    else
      return std::nullopt; // a second access, or a copy
  }
  if (!load || !store || !load->isBeforeInBlock(store))
    return std::nullopt;
  return std::make_pair(load, store);
}

/// Carries each promotable accumulator of `loop` through it (the loop is
/// replaced by one with more iteration arguments when there is one); true if
/// it changed the IR.
bool promote(RewriterBase &rewriter, scf::ForOp loop) {
  // The buffers loaded in the body that are 0-d, made before the loop (the
  // first value is loaded there) and have no alias.
  SmallVector<Value> buffers;
  for (Operation &op : loop.getBody()->without_terminator())
    if (auto load = dyn_cast<memref::LoadOp>(op))
      if (load.getMemRefType().getRank() == 0 &&
          loop.isDefinedOutsideOfLoop(load.getMemRef()) &&
          !llvm::is_contained(buffers, load.getMemRef()) &&
          hasNoAlias(load.getMemRef()))
        buffers.push_back(load.getMemRef());
  SmallVector<std::pair<memref::LoadOp, memref::StoreOp>> accesses;
  SmallVector<Value> initial;
  rewriter.setInsertionPoint(loop);
  for (Value buffer : buffers)
    if (auto pair = accessesIn(loop, buffer)) {
      accesses.push_back(*pair);
      initial.push_back(
          memref::LoadOp::create(rewriter, loop.getLoc(), buffer));
    }
  if (accesses.empty())
    return false;
  auto carried =
      cast<LoopLikeOpInterface>(loop.getOperation())
          .replaceWithAdditionalYields(
              rewriter, initial, /*replaceInitOperandUsesInLoop=*/false,
              [&](OpBuilder &, Location, ArrayRef<BlockArgument>) {
                return llvm::map_to_vector(accesses, [](auto &pair) {
                  return pair.second.getValueToStore();
                });
              });
  if (failed(carried))
    return true; // the initial loads were made
  auto newLoop = cast<scf::ForOp>(carried->getOperation());
  unsigned first = newLoop.getNumRegionIterArgs() - accesses.size();
  rewriter.setInsertionPointAfter(newLoop);
  for (auto [i, pair] : llvm::enumerate(accesses)) {
    auto [load, store] = pair;
    rewriter.replaceAllUsesWith(load.getResult(),
                                newLoop.getRegionIterArgs()[first + i]);
    memref::StoreOp::create(rewriter, store.getLoc(),
                            newLoop.getResults()[first + i], store.getMemRef());
    rewriter.eraseOp(store);
    rewriter.eraseOp(load);
  }
  return true;
}

struct CocoPromoteLoopAccumulatorsPass
    : public coco::impl::CocoPromoteLoopAccumulatorsPassBase<
          CocoPromoteLoopAccumulatorsPass> {
  void runOnOperation() override {
    // Innermost loops first: a 2-D reduction's inner loop then carries the
    // sum, and the outer loop's body loads and stores it once, around it.
    SmallVector<scf::ForOp> loops;
    getOperation().walk<WalkOrder::PostOrder>(
        [&](scf::ForOp loop) { loops.push_back(loop); });
    IRRewriter rewriter(&getContext());
    bool changed = false;
    for (scf::ForOp loop : loops)
      changed |= promote(rewriter, loop);
    // Unchanged, so the pass manager need not verify the function again.
    if (!changed)
      markAllAnalysesPreserved();
  }
};
} // namespace
