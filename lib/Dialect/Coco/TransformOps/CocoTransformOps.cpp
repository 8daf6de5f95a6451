//===- CocoTransformOps.cpp - the scheduling language ---------------------===//

#include "coco/Dialect/Coco/TransformOps/CocoTransformOps.h"
#include "coco/Dialect/Coco/IR/CocoOps.h"
#include "coco/Dialect/Coco/Transforms/Schedules.h"
#include "coco/Transforms/Passes.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/Dialect/Transform/IR/TransformDialect.h"

#include "llvm/ADT/SetVector.h"

using namespace mlir;
using namespace mlir::coco;

#define GET_OP_CLASSES
#include "coco/Dialect/Coco/TransformOps/CocoTransformOps.cpp.inc"

/// The schedule functions emit their own diagnostic on a failed
/// precondition; the transform then fails definitely.
static DiagnosedSilenceableFailure fromResult(LogicalResult result) {
  return succeeded(result) ? DiagnosedSilenceableFailure::success()
                           : DiagnosedSilenceableFailure::definiteFailure();
}

/// The targets as coco.all_reduce ops, each once (a handle may name an op
/// twice; it is rewritten once), or an error naming the first that is not
/// one.
static FailureOr<SmallVector<AllReduceOp>>
allReduceTargets(Operation *transformOp, ArrayRef<Operation *> targets) {
  SmallVector<AllReduceOp> allReduces;
  for (Operation *target : llvm::SetVector<Operation *>(targets.begin(),
                                                        targets.end())) {
    auto allReduce = dyn_cast<AllReduceOp>(target);
    if (!allReduce)
      return transformOp->emitOpError()
             << "expects coco.all_reduce targets, got " << target->getName();
    allReduces.push_back(allReduce);
  }
  return allReduces;
}

DiagnosedSilenceableFailure
transform::CocoSplitOp::apply(transform::TransformRewriter &rewriter,
                              transform::TransformResults &results,
                              transform::TransformState &state) {
  bool toGather = getInto() == "rs-ag";
  if (!toGather && getInto() != "reduce-bcast")
    return emitDefiniteFailure()
           << "'into' must be \"rs-ag\" or \"reduce-bcast\", got \""
           << getInto() << "\"";
  FailureOr<SmallVector<AllReduceOp>> targets = allReduceTargets(
      *this, llvm::to_vector(state.getPayloadOps(getTarget())));
  if (failed(targets))
    return DiagnosedSilenceableFailure::definiteFailure();
  SymbolTableCollection symbols;
  for (AllReduceOp allReduce : *targets)
    if (failed(toGather ? checkSplitAllReduce(allReduce, getDim(), symbols)
                        : checkSplitAllReduceToReduceBroadcast(
                              allReduce, getRoot(), symbols)))
      return DiagnosedSilenceableFailure::definiteFailure();
  SmallVector<Operation *> replacements;
  for (AllReduceOp allReduce : *targets) {
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
  FailureOr<SmallVector<AllReduceOp>> targets = allReduceTargets(
      *this, llvm::to_vector(state.getPayloadOps(getTarget())));
  if (failed(targets))
    return DiagnosedSilenceableFailure::definiteFailure();
  for (AllReduceOp allReduce : *targets)
    if (failed(checkHierarchicalAllReduce(allReduce, getInner(), getOuter(),
                                          getDim())))
      return DiagnosedSilenceableFailure::definiteFailure();
  SmallVector<Operation *> gathers;
  for (AllReduceOp allReduce : *targets) {
    FailureOr<AllGatherOp> gather = hierarchicalAllReduce(
        rewriter, allReduce, getInner(), getOuter(), getDim());
    if (failed(gather))
      return DiagnosedSilenceableFailure::definiteFailure();
    gathers.push_back(*gather);
  }
  results.set(cast<OpResult>(getResult()), gathers);
  return DiagnosedSilenceableFailure::success();
}

DiagnosedSilenceableFailure
transform::CocoReorderOp::applyToOne(transform::TransformRewriter &rewriter,
                                 Operation *target,
                                 transform::ApplyToEachResultList &results,
                                 transform::TransformState &) {
  // Atomic: reorder a copy, then move its body in. The copy sits next to
  // the target meanwhile, so that it sees the module's grids.
  if (target->getNumRegions() != 1 || !target->getRegion(0).hasOneBlock())
    return emitDefiniteFailure()
           << "expects targets with one region of one block (e.g. functions)";
  Operation *copy = target->clone();
  target->getBlock()->getOperations().insertAfter(target->getIterator(), copy);
  DiagnosedSilenceableFailure result =
      fromResult(reorderToFixedPoint(rewriter, copy, getAxes()));
  if (result.succeeded()) {
    rewriter.modifyOpInPlace(target, [&] {
      target->getRegion(0).takeBody(copy->getRegion(0));
    });
  }
  copy->erase();
  results.push_back(target);
  return result;
}

DiagnosedSilenceableFailure
transform::CocoShardStateOp::applyToOne(transform::TransformRewriter &rewriter,
                                    Operation *target,
                                    transform::ApplyToEachResultList &results,
                                    transform::TransformState &) {
  auto function = dyn_cast<func::FuncOp>(target);
  if (!function)
    return emitDefiniteFailure() << "expects func.func targets";
  SmallVector<unsigned> indices;
  for (Attribute name : getArgs()) {
    std::optional<unsigned> found;
    for (unsigned i = 0; i < function.getNumArguments(); ++i)
      if (function.getArgAttr(i, "coco.name") == name)
        found = i;
    if (!found)
      return emitDefiniteFailure() << "@" << function.getSymName()
                                   << " has no argument with coco.name = "
                                   << name;
    if (failed(checkShardState(function, *found, getAxes())))
      return DiagnosedSilenceableFailure::definiteFailure();
    indices.push_back(*found);
  }
  for (unsigned index : indices)
    (void)shardState(rewriter, function, index, getAxes());
  results.push_back(target);
  return DiagnosedSilenceableFailure::success();
}

DiagnosedSilenceableFailure transform::CocoFuseReduceScatterOp::applyToOne(
    transform::TransformRewriter &rewriter, Operation *target,
    transform::ApplyToEachResultList &results, transform::TransformState &) {
  auto scatter = dyn_cast<CommReduceScatterOp>(target);
  if (!scatter)
    return emitDefiniteFailure()
           << "expects coco.comm.reduce_scatter targets, got "
           << target->getName();
  SymbolTableCollection symbols;
  FailureOr<Value> sum =
      foldReduceScatterIntoElementwise(rewriter, scatter, symbols);
  if (failed(sum))
    return DiagnosedSilenceableFailure::definiteFailure();
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
  SmallVector<Operation *> targets =
      llvm::to_vector(state.getPayloadOps(getTarget()));
  SymbolTableCollection symbols;
  for (Operation *target : targets) {
    auto send = dyn_cast<SendOp>(target);
    if (!send)
      return emitDefiniteFailure()
             << "expects coco.send targets, got " << target->getName();
    if (!sendsSlicesAlready(send) &&
        failed(checkPipelineSend(send, getDim(), symbols)))
      return DiagnosedSilenceableFailure::definiteFailure();
  }
  for (Operation *target : targets) {
    auto send = cast<SendOp>(target);
    if (!sendsSlicesAlready(send) &&
        failed(pipelineSend(rewriter, send, getDim(), symbols)))
      return DiagnosedSilenceableFailure::definiteFailure();
  }
  results.set(cast<OpResult>(getResult()), targets);
  return DiagnosedSilenceableFailure::success();
}

DiagnosedSilenceableFailure
transform::CocoOverlapOp::apply(transform::TransformRewriter &rewriter,
                                transform::TransformResults &results,
                                transform::TransformState &state) {
  SmallVector<Operation *> targets =
      llvm::to_vector(state.getPayloadOps(getTarget()));
  for (Operation *target : targets)
    if (failed(checkOverlap(target, getChunks())))
      return DiagnosedSilenceableFailure::definiteFailure();
  for (Operation *target : targets)
    (void)markForOverlap(rewriter, target, getChunks());
  results.set(cast<OpResult>(getResult()), targets);
  return DiagnosedSilenceableFailure::success();
}

DiagnosedSilenceableFailure transform::CocoFuseElementwiseOp::applyToOne(
    transform::TransformRewriter &rewriter, Operation *target,
    transform::ApplyToEachResultList &results, transform::TransformState &) {
  results.push_back(target);
  return fromResult(fuseElementwise(rewriter, target));
}
