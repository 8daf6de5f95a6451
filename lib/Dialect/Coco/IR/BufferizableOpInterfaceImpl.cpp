//===- BufferizableOpInterfaceImpl.cpp - bufferizing coco.comm ops --------===//

#include "coco/Dialect/Coco/IR/BufferizableOpInterfaceImpl.h"
#include "coco/Dialect/Coco/IR/CocoOps.h"

#include "mlir/Dialect/Bufferization/IR/BufferizableOpInterface.h"
#include "mlir/Dialect/Bufferization/IR/DstBufferizableOpInterfaceImpl.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/IR/DialectRegistry.h"

using namespace mlir;
using namespace mlir::bufferization;
using namespace mlir::coco;

/// A contiguous row-major copy of `buffer` if it is strided (e.g. a column
/// slice): the runtime hands buffers to MPI as contiguous ranges.
static Value contiguous(RewriterBase &rewriter, Location loc, Value buffer) {
  auto type = cast<MemRefType>(buffer.getType());
  if (type.getLayout().isIdentity())
    return buffer;
  SmallVector<Value> dynamicSizes;
  for (int64_t d = 0; d < type.getRank(); ++d)
    if (type.isDynamicDim(d))
      dynamicSizes.push_back(memref::DimOp::create(rewriter, loc, buffer, d));
  Value copy = memref::AllocOp::create(
      rewriter, loc, MemRefType::get(type.getShape(), type.getElementType()),
      dynamicSizes);
  memref::CopyOp::create(rewriter, loc, buffer, copy);
  return copy;
}

/// Recreates `op` with every tensor operand replaced by its (contiguous)
/// buffer and no results. A strided init is written through a contiguous
/// temporary copied back afterwards.
static LogicalResult rebuildOnBuffers(Operation *op, RewriterBase &rewriter,
                                      const BufferizationOptions &options,
                                      BufferizationState &state) {
  auto dps = dyn_cast<DestinationStyleOpInterface>(op);
  rewriter.setInsertionPoint(op);
  SmallVector<Value> operands;
  SmallVector<std::pair<Value, Value>> copyBack; // (temporary, destination)
  for (OpOperand &operand : op->getOpOperands()) {
    if (!isa<TensorType>(operand.get().getType())) {
      operands.push_back(operand.get());
      continue;
    }
    FailureOr<Value> buffer =
        getBuffer(rewriter, operand.get(), options, state);
    if (failed(buffer))
      return failure();
    Value usable = contiguous(rewriter, op->getLoc(), *buffer);
    if (usable != *buffer && dps && dps.isDpsInit(&operand))
      copyBack.push_back({usable, *buffer});
    operands.push_back(usable);
  }
  OperationState newState(op->getLoc(), op->getName());
  newState.addOperands(operands);
  newState.addAttributes(op->getAttrDictionary().getValue());
  rewriter.create(newState);
  // (Temporaries are freed by the buffer deallocation pipeline.)
  for (auto [temporary, destination] : copyBack)
    memref::CopyOp::create(rewriter, op->getLoc(), temporary, destination);
  return success();
}

namespace {
/// Destination-style collectives: the init buffer is written (and only read
/// through the input operand, which may be the same buffer: in place).
template <typename OpTy>
struct CommOpInterface
    : public DstBufferizableOpInterfaceExternalModel<CommOpInterface<OpTy>,
                                                     OpTy> {
  bool bufferizesToMemoryRead(Operation *op, OpOperand &operand,
                              const AnalysisState &) const {
    // The collective overwrites all of init, except an all_to_all that
    // skips its own block or fills only the front of its slots: the rest
    // keeps init's contents.
    if (auto allToAll = dyn_cast<CommAllToAllOp>(op);
        allToAll && allToAll.leavesPartOfInit())
      return true;
    return !cast<DestinationStyleOpInterface>(op).isDpsInit(&operand);
  }

  LogicalResult bufferize(Operation *op, RewriterBase &rewriter,
                          const BufferizationOptions &options,
                          BufferizationState &state) const {
    auto dps = cast<DestinationStyleOpInterface>(op);
    OpOperand *init = dps.getDpsInitOperand(0);
    FailureOr<Value> initBuffer =
        getBuffer(rewriter, init->get(), options, state);
    if (failed(initBuffer))
      return failure();
    if (failed(rebuildOnBuffers(op, rewriter, options, state)))
      return failure();
    replaceOpWithBufferizedValues(rewriter, op, *initBuffer);
    return success();
  }
};

/// `coco.comm.send` only reads its buffer.
struct SendOpInterface
    : public BufferizableOpInterface::ExternalModel<SendOpInterface,
                                                    CommSendOp> {
  bool bufferizesToMemoryRead(Operation *, OpOperand &,
                              const AnalysisState &) const {
    return true;
  }
  bool bufferizesToMemoryWrite(Operation *, OpOperand &,
                               const AnalysisState &) const {
    return false;
  }
  AliasingValueList getAliasingValues(Operation *, OpOperand &,
                                      const AnalysisState &) const {
    return {};
  }
  LogicalResult bufferize(Operation *op, RewriterBase &rewriter,
                          const BufferizationOptions &options,
                          BufferizationState &state) const {
    if (failed(rebuildOnBuffers(op, rewriter, options, state)))
      return failure();
    rewriter.eraseOp(op);
    return success();
  }
};
} // namespace

void mlir::coco::registerBufferizableOpInterfaceExternalModels(
    DialectRegistry &registry) {
  registry.addExtension(+[](MLIRContext *context, CocoDialect *) {
    CommAllReduceOp::attachInterface<CommOpInterface<CommAllReduceOp>>(
        *context);
    CommReduceScatterOp::attachInterface<CommOpInterface<CommReduceScatterOp>>(
        *context);
    CommAllGatherOp::attachInterface<CommOpInterface<CommAllGatherOp>>(
        *context);
    CommBroadcastOp::attachInterface<CommOpInterface<CommBroadcastOp>>(
        *context);
    CommReduceOp::attachInterface<CommOpInterface<CommReduceOp>>(*context);
    CommAllToAllOp::attachInterface<CommOpInterface<CommAllToAllOp>>(*context);
    CommRecvOp::attachInterface<CommOpInterface<CommRecvOp>>(*context);
    CommSendOp::attachInterface<SendOpInterface>(*context);
  });
}
