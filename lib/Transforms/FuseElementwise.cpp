//===- FuseElementwise.cpp - one loop per elementwise chain ---------------===//
//
// Merges a producer linalg.generic into its elementwise consumer, keeping
// the producer's results as extra results of the merged op. Unlike
// upstream's linalg-fuse-elementwise-ops (which only fuses single-use
// producers, or duplicates multi-use ones), nothing is computed twice and an
// optimizer step writing w, m and v becomes one loop with three results.
// A reduction to a scalar of such a loop's result (LAMB's norm of its
// update) joins the loop as a 0-d accumulator, so the value it reduces is
// never stored and read back. Then loops over the same array that do not
// depend on each other (siblings) merge too, so the array is read once.
//
//===----------------------------------------------------------------------===//

#include "coco/Transforms/Passes.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Linalg/Transforms/Transforms.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/Dialect/Tensor/Transforms/Transforms.h"
#include "mlir/Dialect/Utils/StructuredOpsUtils.h"
#include "mlir/IR/BuiltinDialect.h"
#include "mlir/IR/Dominance.h"
#include "mlir/IR/IRMapping.h"
#include "mlir/Transforms/GreedyPatternRewriteDriver.h"
#include "mlir/Transforms/RegionUtils.h"

namespace mlir::coco {
#define GEN_PASS_DEF_COCOFUSEELEMENTWISEPASS
#include "coco/Transforms/Passes.h.inc"
} // namespace mlir::coco

using namespace mlir;
using namespace mlir::coco;

namespace {

/// A result the loop accumulates into: a 0-d init of a loop nest whose
/// loops are all reductions (a reduction to a scalar).
bool isAccumulator(linalg::LinalgOp op, OpOperand &init) {
  return op.getNumLoops() > 0 &&
         op.getNumLoops() == op.getNumReductionLoops() &&
         op.getMatchingIndexingMap(&init).getNumResults() == 0;
}

/// A loop fusion works on: every input read with a projected permutation
/// (the identity, or a broadcast such as a bias along the last dim, or a
/// transpose), and either all loops parallel with every result written with
/// the identity map (elementwise: iteration i writes element i of each
/// result), or all loops reductions with every result written with the
/// identity or accumulated into a 0-d tensor (a reduction to a scalar, alone
/// or merged with elementwise work). Two such ops over the same space merge
/// into one loop with each operand keeping its map.
bool isFusableLoop(linalg::LinalgOp op) {
  if (!isa<linalg::GenericOp, linalg::ReduceOp>(op))
    return false;
  bool allParallel = op.getNumLoops() == op.getNumParallelLoops();
  return (allParallel || op.getNumLoops() == op.getNumReductionLoops()) &&
         op.hasPureTensorSemantics() &&
         llvm::all_of(op.getDpsInitsMutable(),
                      [&](OpOperand &init) {
                        return op.getMatchingIndexingMap(&init).isIdentity() ||
                               isAccumulator(op, init);
                      }) &&
         llvm::any_of(op.getDpsInitsMutable(),
                      [&](OpOperand &init) {
                        return allParallel || isAccumulator(op, init);
                      }) &&
         llvm::all_of(op.getDpsInputOperands(), [&](OpOperand *input) {
           return op.getMatchingIndexingMap(input).isProjectedPermutation();
         });
}

/// Elementwise: all loops parallel (isFusableLoop's first kind).
bool isElementwise(linalg::GenericOp op) {
  return isFusableLoop(op) && op.getNumLoops() == op.getNumParallelLoops();
}

bool hasAccumulator(linalg::LinalgOp op) {
  return llvm::any_of(op.getDpsInitsMutable(),
                      [&](OpOperand &init) { return isAccumulator(op, init); });
}

/// A reduction to a scalar that computes nothing else: its one result is
/// a 0-d accumulator. Without `reductions` (coco-lower-to-gpu), such a
/// loop still takes in an elementwise producer that only it reads (the
/// squares of a norm): the merged loop is again a reduction on its own,
/// which coco-gpu-reductions makes a kernel, computing the producer's
/// payload per element (as it does a coco.norm's squares).
bool isLoneScalarReduction(linalg::LinalgOp op) {
  return isFusableLoop(op) && op.getNumDpsInits() == 1 && hasAccumulator(op);
}

/// Whether `consumer` reads every result of `producer` it uses with the
/// identity map (element i of the result at iteration i). Never a
/// producer's accumulator, which is complete only after the loop: a 0-d
/// value is read with the identity only by a 0-d loop, whose space is not
/// the producer's (sameIterationSpace).
bool readsResultsElementwise(linalg::LinalgOp consumer,
                             linalg::GenericOp producer) {
  return llvm::all_of(consumer.getDpsInputOperands(), [&](OpOperand *input) {
    return input->get().getDefiningOp() != producer.getOperation() ||
           consumer.getMatchingIndexingMap(input).isIdentity();
  });
}

/// A value with the shape of the loop nest: a result-sized init (identity
/// map), else an input read with the identity (what a reduction reduces).
Value loopShaped(linalg::LinalgOp op) {
  for (OpOperand &init : op.getDpsInitsMutable())
    if (op.getMatchingIndexingMap(&init).isIdentity())
      return init.get();
  for (OpOperand *input : op.getDpsInputOperands())
    if (op.getMatchingIndexingMap(input).isIdentity())
      return input->get();
  return {};
}

/// Whether two fusable loops provably iterate over the same space: equal
/// static shapes, or dynamic ones that are the same value, tensor.empty ops
/// with the same size values (CSE makes the per-rank slice sizes of a `?`
/// grid one value), or a result of `a` that `b` reads with the identity.
bool sameIterationSpace(linalg::LinalgOp a, linalg::LinalgOp b) {
  Value shapeA = loopShaped(a), shapeB = loopShaped(b);
  if (!shapeA || !shapeB)
    return false;
  auto typeA = cast<ShapedType>(shapeA.getType());
  auto typeB = cast<ShapedType>(shapeB.getType());
  if (typeA.getShape() != typeB.getShape())
    return false;
  if (typeA.hasStaticShape() || shapeA == shapeB ||
      shapeB.getDefiningOp() == a.getOperation())
    return true;
  auto emptyA = shapeA.getDefiningOp<tensor::EmptyOp>();
  auto emptyB = shapeB.getDefiningOp<tensor::EmptyOp>();
  return emptyA && emptyB &&
         llvm::equal(emptyA.getDynamicSizes(), emptyB.getDynamicSizes());
}

/// Whether every user of `producer` other than `consumer` comes after
/// `consumer` in the block (so the merged op can take the consumer's place).
bool otherUsersFollow(linalg::LinalgOp producer, linalg::LinalgOp consumer) {
  for (Operation *user : producer->getUsers()) {
    if (user == consumer)
      continue;
    Operation *inBlock = consumer->getBlock()->findAncestorOpInBlock(*user);
    if (!inBlock || inBlock == consumer.getOperation() ||
        inBlock->isBeforeInBlock(consumer))
      return false;
  }
  return true;
}

/// A slice of an elementwise op's only result (a bias broadcast over the
/// whole activation, sliced for this rank by coco-reorder) becomes the op on
/// slices of its operands: it computes only this rank's part, and then
/// fuses into the slice's consumer. Not for ops using linalg.index (their
/// indices would become relative to the slice).
struct SliceBeforeElementwise : OpRewritePattern<tensor::ExtractSliceOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(tensor::ExtractSliceOp slice,
                                PatternRewriter &rewriter) const override {
    auto op = slice.getSource().getDefiningOp<linalg::GenericOp>();
    if (!op || !op->hasOneUse() || op->getNumResults() != 1 ||
        !isElementwise(op) || op.hasIndexSemantics() ||
        !slice.hasUnitStride() ||
        slice.getType().getRank() != slice.getSourceType().getRank())
      return failure();
    // Loop d runs over result dim d (identity result map).
    SmallVector<OpFoldResult> offsets = slice.getMixedOffsets();
    SmallVector<OpFoldResult> sizes = slice.getMixedSizes();
    Location loc = op.getLoc();
    auto sliceOf = [&](OpOperand &operand) -> Value {
      AffineMap map = op.getMatchingIndexingMap(&operand);
      SmallVector<OpFoldResult> operandOffsets, operandSizes;
      for (AffineExpr result : map.getResults()) {
        unsigned loop = cast<AffineDimExpr>(result).getPosition();
        operandOffsets.push_back(offsets[loop]);
        operandSizes.push_back(sizes[loop]);
      }
      SmallVector<OpFoldResult> strides(map.getNumResults(),
                                        rewriter.getIndexAttr(1));
      return tensor::ExtractSliceOp::create(
          rewriter, loc, operand.get(), operandOffsets, operandSizes, strides);
    };
    SmallVector<Value> operands;
    for (OpOperand &operand : op->getOpOperands())
      operands.push_back(sliceOf(operand));
    Operation *sliced =
        clone(rewriter, op, TypeRange{slice.getType()}, operands);
    rewriter.replaceOp(slice, sliced->getResults());
    return success();
  }
};

/// Collects into `moveUp` (operands first) the ops made after `producer`
/// that `value` needs, when they can be made before it instead: pure ops
/// without regions in the producer's block and fills of tensors (the
/// destination's tensor.empty, a reduction's initial value,
/// the slice of a parameter coco-reorder placed after the other user, Adam's
/// bias corrections from scalar arguments), from values there before the
/// producer, a few ops deep. False when `value` cannot be there before the
/// producer.
bool collectMoveUp(Value value, Operation *producer, DominanceInfo &dominance,
                   llvm::SetVector<Operation *> &moveUp, unsigned depth = 0) {
  constexpr unsigned kMaxDepth = 8;
  if (dominance.properlyDominates(value, producer))
    return true;
  Operation *op = value.getDefiningOp();
  // A linalg.fill of a tensor (a reduction's initial value) is pure too;
  // its region only yields the value.
  auto fill = dyn_cast_or_null<linalg::FillOp>(op);
  bool pureFill = fill && fill.hasPureTensorSemantics();
  if (!op || op == producer || op->getBlock() != producer->getBlock() ||
      (!pureFill && (op->getNumRegions() != 0 || !isPure(op))) ||
      depth >= kMaxDepth)
    return false;
  if (moveUp.contains(op))
    return true;
  for (Value operand : op->getOperands())
    if (!collectMoveUp(operand, producer, dominance, moveUp, depth + 1))
      return false;
  moveUp.insert(op);
  return true;
}

/// Where a producer merges with its consumer: at the consumer, or at the
/// producer with the ops in `moveUp` moved before it.
struct MergeSite {
  /// A generic, or a linalg.reduce as the earlier of two siblings.
  linalg::LinalgOp producer;
  Operation *at = nullptr;
  llvm::SetVector<Operation *> moveUp;
};

/// Whether the op's payload reads or writes memory (a memref.load it
/// captures): merged into the other loop's place, it would move across the
/// ops between the two, above a write it must follow or below one it must
/// precede.
bool payloadTouchesMemory(linalg::LinalgOp op) {
  bool touches = false;
  op->getRegion(0).walk(
      [&](Operation *nested) { touches |= !isMemoryEffectFree(nested); });
  return touches;
}

/// Whether the merged op can take the producer's place instead: when
/// another user of the producer comes before the consumer (the all_gather of
/// an updated slice, followed by the cast of that slice to bf16), the
/// consumer moves up to the producer if everything else it reads (operands
/// and values its payload captures) is there already or can be made there
/// (collectMoveUp) and its payload touches no memory. On tensors the ops in
/// between cannot change what such a consumer reads.
bool canMoveToProducer(linalg::LinalgOp producer, linalg::LinalgOp consumer,
                       DominanceInfo &dominance,
                       llvm::SetVector<Operation *> &moveUp) {
  if (payloadTouchesMemory(consumer))
    return false;
  llvm::SetVector<Value> read;
  getUsedValuesDefinedAbove(consumer->getRegions(), read);
  for (Value operand : consumer->getOperands())
    if (operand.getDefiningOp() != producer.getOperation())
      read.insert(operand);
  return llvm::all_of(read, [&](Value value) {
    return collectMoveUp(value, producer, dominance, moveUp);
  });
}

/// Merges `site.producer` into `consumer`: one generic computing both,
/// placed at `site.at`, returning the producer's results then the
/// consumer's.
linalg::GenericOp merge(RewriterBase &rewriter, const MergeSite &site,
                        linalg::LinalgOp consumer) {
  linalg::LinalgOp producer = site.producer;
  for (Operation *op : site.moveUp)
    rewriter.moveOpBefore(op, producer);
  // Inputs keep their maps (both ops iterate over the same space); results
  // are written with the identity.
  SmallVector<Value> inputs(producer.getDpsInputs());
  SmallVector<AffineMap> maps;
  for (OpOperand *input : producer.getDpsInputOperands())
    maps.push_back(producer.getMatchingIndexingMap(input));
  SmallVector<unsigned> consumerInputPositions;
  for (OpOperand *input : consumer.getDpsInputOperands())
    if (input->get().getDefiningOp() != producer.getOperation()) {
      consumerInputPositions.push_back(input->getOperandNumber());
      inputs.push_back(input->get());
      maps.push_back(consumer.getMatchingIndexingMap(input));
    }
  SmallVector<Value> inits(producer.getDpsInits());
  llvm::append_range(inits, consumer.getDpsInits());
  SmallVector<Type> resultTypes(producer->getResultTypes());
  llvm::append_range(resultTypes, consumer->getResultTypes());
  // Results keep their maps too: the identity, or none for an accumulator.
  for (linalg::LinalgOp op : {producer, consumer})
    for (OpOperand &init : op.getDpsInitsMutable())
      maps.push_back(op.getMatchingIndexingMap(&init));
  // With an accumulator every loop is a reduction (its iterations depend
  // on each other through it); each other result is still written once,
  // element i at iteration i.
  unsigned rank = consumer.getNumLoops();
  SmallVector<utils::IteratorType> iterators(
      rank, hasAccumulator(producer) || hasAccumulator(consumer)
                ? utils::IteratorType::reduction
                : utils::IteratorType::parallel);

  rewriter.setInsertionPoint(site.at);
  auto merged = linalg::GenericOp::create(
      rewriter, consumer.getLoc(), resultTypes, inputs, inits, maps, iterators,
      [&](OpBuilder &b, Location, ValueRange args) {
        unsigned numProducerInputs = producer.getNumDpsInputs();
        unsigned numConsumerInputs = consumerInputPositions.size();
        IRMapping mapping;
        Block &producerBody = producer->getRegion(0).front();
        for (unsigned i = 0; i < numProducerInputs; ++i)
          mapping.map(producerBody.getArgument(i), args[i]);
        unsigned producerInitsAt = numProducerInputs + numConsumerInputs;
        for (unsigned i = 0; i < producer.getNumDpsInits(); ++i)
          mapping.map(producerBody.getArgument(numProducerInputs + i),
                      args[producerInitsAt + i]);
        for (Operation &op : producerBody.without_terminator())
          b.clone(op, mapping);
        auto producerYield =
            cast<linalg::YieldOp>(producerBody.getTerminator());
        SmallVector<Value> yields;
        for (Value v : producerYield.getValues())
          yields.push_back(mapping.lookupOrDefault(v));

        Block &consumerBody = consumer->getRegion(0).front();
        unsigned next = 0;
        for (auto [i, input] : llvm::enumerate(consumer.getDpsInputs())) {
          BlockArgument arg = consumerBody.getArgument(i);
          if (auto result = dyn_cast<OpResult>(input);
              result && result.getOwner() == producer.getOperation())
            mapping.map(arg, yields[result.getResultNumber()]);
          else
            mapping.map(arg, args[numProducerInputs + next++]);
        }
        unsigned consumerInitsAt = producerInitsAt + producer.getNumDpsInits();
        for (unsigned i = 0; i < consumer.getNumDpsInits(); ++i)
          mapping.map(consumerBody.getArgument(consumer.getNumDpsInputs() + i),
                      args[consumerInitsAt + i]);
        for (Operation &op : consumerBody.without_terminator())
          b.clone(op, mapping);
        for (Value v :
             cast<linalg::YieldOp>(consumerBody.getTerminator()).getValues())
          yields.push_back(mapping.lookupOrDefault(v));
        linalg::YieldOp::create(b, consumer.getLoc(), yields);
      });
  unsigned numProducerResults = producer->getNumResults();
  rewriter.replaceOp(consumer,
                     merged->getResults().drop_front(numProducerResults));
  rewriter.replaceOp(producer,
                     merged->getResults().take_front(numProducerResults));
  return merged;
}

/// The first producer `consumer` can merge with, if any, and where. Without
/// `reductions`, only elementwise loops merge.
MergeSite findProducer(linalg::LinalgOp consumer, DominanceInfo &dominance,
                       bool reductions) {
  MergeSite site;
  if (!isFusableLoop(consumer))
    return site;
  for (Value input : consumer.getDpsInputs()) {
    auto producer = input.getDefiningOp<linalg::GenericOp>();
    bool producesInit = llvm::any_of(consumer.getDpsInits(), [&](Value v) {
      return v.getDefiningOp() == producer.getOperation();
    });
    if (!producer || producesInit ||
        producer->getBlock() != consumer->getBlock() ||
        !isFusableLoop(producer) || (!reductions && !isElementwise(producer)) ||
        !sameIterationSpace(producer, consumer) ||
        !readsResultsElementwise(consumer, producer))
      continue;
    // Without `reductions`, a reduction takes in only what nothing else
    // reads (isLoneScalarReduction), so that it stays a reduction on its
    // own.
    if (!reductions && hasAccumulator(consumer) &&
        llvm::any_of(producer->getUsers(), [&](Operation *user) {
          return user != consumer.getOperation();
        }))
      continue;
    // At the consumer's place the producer's payload moves down to it.
    if (otherUsersFollow(producer, consumer) &&
        !payloadTouchesMemory(producer)) {
      site.producer = producer;
      site.at = consumer;
      return site;
    }
    if (canMoveToProducer(producer, consumer, dominance, site.moveUp)) {
      site.producer = producer;
      site.at = producer;
      return site;
    }
    // What a failed attempt collected is not to be moved for another
    // producer.
    site.moveUp.clear();
  }
  site.moveUp.clear();
  return site;
}

/// The first earlier loop `op` can merge with as its sibling, and where:
/// one that reads an array `op` reads, both element by element (the
/// identity map: so both iterate over that array's space), when `op` reads
/// nothing the sibling computes, directly or through the ops in between
/// (it moves up to the sibling's place, canMoveToProducer). Merged, the
/// shared array is read once: LAMB's norm of its weight slice joins the
/// loop that updates that slice. Without `reductions`, only elementwise
/// loops merge.
MergeSite findSibling(linalg::LinalgOp op, DominanceInfo &dominance,
                      bool reductions) {
  MergeSite site;
  // A generic, or a linalg.reduce to a scalar (a norm of a parameter).
  auto mergeable = [&](linalg::LinalgOp loop) {
    auto generic = dyn_cast<linalg::GenericOp>(loop.getOperation());
    return isFusableLoop(loop) &&
           (reductions || (generic && isElementwise(generic)));
  };
  if (!mergeable(op))
    return site;
  for (OpOperand *input : op.getDpsInputOperands()) {
    if (!op.getMatchingIndexingMap(input).isIdentity())
      continue;
    for (OpOperand &use : input->get().getUses()) {
      auto sibling = dyn_cast<linalg::LinalgOp>(use.getOwner());
      if (!sibling || sibling == op || sibling->getBlock() != op->getBlock() ||
          !sibling->isBeforeInBlock(op) || !mergeable(sibling) ||
          !sibling.isDpsInput(&use) ||
          !sibling.getMatchingIndexingMap(&use).isIdentity() ||
          llvm::any_of(op->getOperands(), [&](Value operand) {
            return operand.getDefiningOp() == sibling.getOperation();
          }))
        continue;
      if (canMoveToProducer(sibling, op, dominance, site.moveUp)) {
        site.producer = sibling;
        site.at = sibling;
        return site;
      }
      site.moveUp.clear();
    }
  }
  return site;
}

} // namespace

LogicalResult mlir::coco::checkFuseElementwise(Operation *root) {
  // Elementwise ops on another dialect's types (coco's global view, whose
  // pointwise ops are not linalg) cannot fuse: say so rather than leave
  // them. Other foreign types (pointers, tokens, handles) are no concern.
  Operation *foreignOp = nullptr;
  root->walk([&](Operation *op) {
    if (!foreignOp && op->hasTrait<OpTrait::Elementwise>() &&
        llvm::any_of(op->getResultTypes(), [](Type type) {
          return !isa<BuiltinDialect>(type.getDialect());
        }))
      foreignOp = op;
  });
  if (foreignOp)
    return foreignOp->emitOpError()
           << "is in the global view: elementwise fusion works on the "
              "rank-local view (after coco-localize)";
  return success();
}

LogicalResult mlir::coco::fuseElementwise(RewriterBase &rewriter,
                                          Operation *root, bool reductions) {
  if (failed(checkFuseElementwise(root)))
    return failure();
  // No region simplification: these patterns leave no block or block
  // argument dead, and its liveness analysis of the whole function cost
  // more than the patterns.
  GreedyRewriteConfig config;
  config.setRegionSimplificationLevel(GreedySimplifyRegionLevel::Disabled);
  {
    RewritePatternSet slices(root->getContext());
    slices.add<SliceBeforeElementwise>(root->getContext());
    // A slice of a tensor.empty init is an empty tensor of the slice's
    // sizes: then the sliced op's space compares equal to its consumer's.
    tensor::populateFoldTensorEmptyPatterns(slices);
    if (failed(applyPatternsGreedily(root, std::move(slices), config)))
      return root->emitError() << "elementwise fusion: moving slices before "
                                  "elementwise ops did not converge";
  }
  // In program order: a producer precedes its consumer in their block, so
  // when a consumer is reached every op before it is final, and the merged
  // op (at the consumer's or the producer's place) is the only new
  // candidate. One pass over the ops: linear in the program, however many
  // chains it holds (a merge at the producer's place also reads the
  // consumer's payload, for the values it captures).
  // Consumers: elementwise generics and reductions to a scalar
  // (linalg.reduce, which becomes a generic where it merges).
  SmallVector<linalg::LinalgOp> consumers;
  root->walk([&](linalg::LinalgOp op) {
    auto generic = dyn_cast<linalg::GenericOp>(op.getOperation());
    if (generic
            ? reductions || isElementwise(generic) || isLoneScalarReduction(op)
            : isa<linalg::ReduceOp>(op) &&
                  (reductions || isLoneScalarReduction(op)))
      consumers.push_back(op);
  });
  DominanceInfo dominance(root);
  // Each loop merges with what `find` finds for it, and the merged loop is
  // the next candidate. Each merge removes a loop, so this ends.
  auto mergeAll = [&](ArrayRef<linalg::LinalgOp> loops, auto find) {
    for (linalg::LinalgOp loop : loops)
      for (MergeSite site = find(loop); site.producer; site = find(loop))
        loop = merge(rewriter, site, loop);
  };
  mergeAll(consumers, [&](linalg::LinalgOp consumer) {
    return findProducer(consumer, dominance, reductions);
  });
  // Then siblings, in program order too: a loop merges into an earlier one
  // that reads the same array.
  SmallVector<linalg::LinalgOp> loops;
  root->walk([&](linalg::LinalgOp op) {
    if (isa<linalg::GenericOp, linalg::ReduceOp>(op))
      loops.push_back(op);
  });
  mergeAll(loops, [&](linalg::LinalgOp loop) {
    return findSibling(loop, dominance, reductions);
  });
  // (Collected again: a merged producer is gone.)
  SmallVector<Operation *> fused;
  root->walk([&](linalg::GenericOp op) { fused.push_back(op); });
  // Drop results nobody uses any more (e.g. an intermediate fully consumed
  // inside the merged loop) and duplicated operands: of the generics only
  // (what the patterns rewrite), not of every op of the function (folding
  // and region simplification of the whole function cost more than the
  // fusion).
  RewritePatternSet patterns(root->getContext());
  linalg::populateEraseUnusedOperandsAndResultsPatterns(patterns);
  if (failed(applyOpPatternsGreedily(fused, std::move(patterns), config)))
    return root->emitError() << "elementwise fusion: the clean-up of unused "
                                "results did not converge";
  // Ops the merges left without a use (a producer's destination, say),
  // last first so that chains go too; parents are reached after their
  // nested ops, which are then never visited again.
  SmallVector<Operation *> ops;
  root->walk<WalkOrder::PreOrder>([&](Operation *op) {
    if (op != root)
      ops.push_back(op);
  });
  for (Operation *op : llvm::reverse(ops))
    if (isOpTriviallyDead(op))
      rewriter.eraseOp(op);
  return success();
}

namespace {
struct CocoFuseElementwisePass
    : public coco::impl::CocoFuseElementwisePassBase<CocoFuseElementwisePass> {
  using CocoFuseElementwisePassBase::CocoFuseElementwisePassBase;
  void runOnOperation() override {
    IRRewriter rewriter(&getContext());
    if (failed(fuseElementwise(rewriter, getOperation(), reductions)))
      return signalPassFailure();
  }
};
} // namespace
