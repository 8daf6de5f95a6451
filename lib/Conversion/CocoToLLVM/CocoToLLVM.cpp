//===- CocoToLLVM.cpp - coco.comm -> calls into the coco runtime ----------===//
//
// Each rank-local communication op becomes one call into the runtime's C ABI
// (include/coco/Runtime/CocoRuntime.h). Buffers travel the way MLIR passes
// unranked memrefs, (rank, pointer to the ranked descriptor), so a single
// runtime entry point serves every element type and rank.
//
//===----------------------------------------------------------------------===//

#include "coco/Conversion/CocoToLLVM/CocoToLLVM.h"
#include "coco/Conversion/Passes.h"
#include "coco/Dialect/Coco/IR/CocoOps.h"
#include "coco/Runtime/CocoRuntime.h"

#include "mlir/Conversion/LLVMCommon/ConversionTarget.h"
#include "mlir/Conversion/LLVMCommon/Pattern.h"
#include "mlir/Conversion/LLVMCommon/TypeConverter.h"
#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/LLVMIR/FunctionCallUtils.h"
#include "mlir/Dialect/LLVMIR/LLVMDialect.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Interfaces/FunctionInterfaces.h"
#include "mlir/Transforms/DialectConversion.h"

namespace mlir::coco {
#define GEN_PASS_DEF_CONVERTCOCOTOLLVMPASS
#include "coco/Conversion/Passes.h.inc"
} // namespace mlir::coco

using namespace mlir;
using namespace mlir::coco;

namespace {

/// The runtime's code for an element type (CocoDType), or -1.
int32_t dtypeCode(Type type) {
  if (type.isF32())
    return COCO_DTYPE_F32;
  if (type.isF64())
    return COCO_DTYPE_F64;
  if (type.isF16())
    return COCO_DTYPE_F16;
  if (type.isBF16())
    return COCO_DTYPE_BF16;
  if (type.isInteger(32))
    return COCO_DTYPE_I32;
  if (type.isInteger(64))
    return COCO_DTYPE_I64;
  if (type.isInteger(8) || type.isInteger(1))
    return COCO_DTYPE_I8;
  return -1;
}

/// "coco.all_reduce at file.mlir:12:5": the user-facing op and where it was.
std::string describeSite(Operation *op) {
  std::string text;
  llvm::raw_string_ostream os(text);
  StringRef name = op->getName().getStringRef();
  os << (name.consume_front("coco.comm.") ? ("coco." + name).str() : name.str());
  if (auto fileLoc = dyn_cast<FileLineColLoc>(op->getLoc()))
    os << " at " << fileLoc.getFilename().getValue() << ":"
       << fileLoc.getLine() << ":" << fileLoc.getColumn();
  else if (!isa<UnknownLoc>(op->getLoc()))
    os << " at " << op->getLoc();
  return text;
}

/// Shared machinery of the patterns.
template <typename SourceOp>
class RuntimeCallPattern : public ConvertOpToLLVMPattern<SourceOp> {
public:
  RuntimeCallPattern(const LLVMTypeConverter &converter,
                     SymbolTableCollection &symbols)
      : ConvertOpToLLVMPattern<SourceOp>(converter), symbols(symbols) {}

protected:
  Type i32() const { return IntegerType::get(this->getContext(), 32); }
  Type i64() const { return IntegerType::get(this->getContext(), 64); }
  Type ptr() const { return LLVM::LLVMPointerType::get(this->getContext()); }

  Value constant(OpBuilder &b, Location loc, Type type, int64_t value) const {
    return LLVM::ConstantOp::create(b, loc, type,
                                    b.getIntegerAttr(type, value));
  }

  /// Calls `name(args)` and returns the result (null for void).
  Value call(ConversionPatternRewriter &rewriter, Operation *op,
             StringRef name, ValueRange args, Type result = {}) const {
    SmallVector<Type> argTypes(args.getTypes());
    auto module = op->getParentOfType<ModuleOp>();
    OpBuilder::InsertionGuard guard(rewriter);
    FailureOr<LLVM::LLVMFuncOp> function = LLVM::lookupOrCreateFn(
        rewriter, module, name, argTypes,
        result ? result : LLVM::LLVMVoidType::get(this->getContext()));
    if (failed(function))
      return {};
    auto callOp = LLVM::CallOp::create(rewriter, op->getLoc(), *function, args);
    return result ? callOp.getResult() : Value();
  }

  /// The runtime's communicator handle for the group of (grid, axes).
  FailureOr<Value> communicator(ConversionPatternRewriter &rewriter,
                                Operation *op, FlatSymbolRefAttr gridName,
                                ArrayRef<int64_t> axes) const {
    auto grid = symbols.lookupNearestSymbolFrom<GridOp>(op, gridName);
    if (!grid)
      return rewriter.notifyMatchFailure(op, "unknown grid");
    if (axes.empty() || axes.size() > 4)
      return rewriter.notifyMatchFailure(op, "needs 1 to 4 axes");
    Location loc = op->getLoc();
    SmallVector<Value> args = {constant(rewriter, loc, i64(), grid.getRank())};
    for (int64_t d = 0; d < 4; ++d) {
      int64_t extent = d < grid.getRank() ? grid.getShape()[d] : 1;
      args.push_back(constant(rewriter, loc, i64(),
                              ShapedType::isDynamic(extent) ? -1 : extent));
    }
    if (axes.size() == 1) {
      args.push_back(constant(rewriter, loc, i64(), axes.front()));
      return call(rewriter, op, "coco_rt_comm", args, i64());
    }
    // A group of axes: the flattened communicator, outer axis first.
    args.push_back(constant(rewriter, loc, i64(), axes.size()));
    for (int64_t i = 0; i < 4; ++i)
      args.push_back(constant(rewriter, loc, i64(),
                              i < (int64_t)axes.size() ? axes[i] : -1));
    return call(rewriter, op, "coco_rt_comm_group", args, i64());
  }

  /// A pointer to a NUL-terminated global string naming the op and its
  /// location.
  Value site(ConversionPatternRewriter &rewriter, Operation *op) const {
    auto module = op->getParentOfType<ModuleOp>();
    std::string text = describeSite(op);
    std::string name;
    for (unsigned i = 0;; ++i) {
      name = "__coco_site_" + std::to_string(i);
      auto existing = module.lookupSymbol<LLVM::GlobalOp>(name);
      if (!existing)
        break;
      auto value = dyn_cast_or_null<StringAttr>(existing.getValueOrNull());
      if (value && value.getValue() == StringRef(text.c_str(), text.size() + 1))
        return LLVM::AddressOfOp::create(rewriter, op->getLoc(), existing);
    }
    return LLVM::createGlobalString(op->getLoc(), rewriter, name,
                                    StringRef(text.c_str(), text.size() + 1),
                                    LLVM::Linkage::Internal);
  }

  /// Appends (rank, pointer to descriptor) for the memref `original`, whose
  /// converted descriptor is `descriptor`. The descriptor is stored in a
  /// stack slot made once at the function's entry.
  void appendBuffer(ConversionPatternRewriter &rewriter, Operation *op,
                    Value original, Value descriptor,
                    SmallVectorImpl<Value> &args) const {
    Location loc = op->getLoc();
    Value slot;
    {
      OpBuilder::InsertionGuard guard(rewriter);
      auto function = op->getParentOfType<FunctionOpInterface>();
      rewriter.setInsertionPointToStart(&function.getFunctionBody().front());
      slot = LLVM::AllocaOp::create(rewriter, loc, ptr(),
                                    descriptor.getType(),
                                    constant(rewriter, loc, i64(), 1));
    }
    LLVM::StoreOp::create(rewriter, loc, descriptor, slot);
    args.push_back(constant(rewriter, loc, i64(),
                            cast<MemRefType>(original.getType()).getRank()));
    args.push_back(slot);
  }

  /// site, communicator, dtype: the arguments every collective starts with.
  FailureOr<SmallVector<Value>> commonArgs(ConversionPatternRewriter &rewriter,
                                           Operation *op, Type elementType,
                                           FlatSymbolRefAttr grid,
                                           ArrayRef<int64_t> axes) const {
    int32_t dtype = dtypeCode(elementType);
    if (dtype < 0)
      return rewriter.notifyMatchFailure(op, "element type not supported");
    FailureOr<Value> comm = communicator(rewriter, op, grid, axes);
    if (failed(comm))
      return failure();
    return SmallVector<Value>{site(rewriter, op), *comm,
                              constant(rewriter, op->getLoc(), i32(), dtype)};
  }

  SymbolTableCollection &symbols;
};

/// Destination-style collectives: (site, comm, dtype, <op params>, in, out).
template <typename SourceOp>
class CollectiveCallLowering : public RuntimeCallPattern<SourceOp> {
public:
  using RuntimeCallPattern<SourceOp>::RuntimeCallPattern;
  using OpAdaptor = typename SourceOp::Adaptor;

  LogicalResult
  matchAndRewrite(SourceOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    auto initType = dyn_cast<MemRefType>(op.getInit().getType());
    if (!initType)
      return rewriter.notifyMatchFailure(op, "not bufferized");
    FailureOr<SmallVector<Value>> args =
        this->commonArgs(rewriter, op, initType.getElementType(),
                         op.getGridAttr(), op.getAxes());
    if (failed(args))
      return failure();
    appendParams(op, rewriter, *args);
    this->appendBuffer(rewriter, op, op.getInput(), adaptor.getInput(), *args);
    this->appendBuffer(rewriter, op, op.getInit(), adaptor.getInit(), *args);
    this->call(rewriter, op, runtimeName(), *args);
    rewriter.eraseOp(op);
    return success();
  }

private:
  static StringRef runtimeName();
  void appendParams(SourceOp op, ConversionPatternRewriter &rewriter,
                    SmallVectorImpl<Value> &args) const;

  Value i32Of(ConversionPatternRewriter &b, SourceOp op, int64_t v) const {
    return this->constant(b, op.getLoc(), this->i32(), v);
  }
  Value i64Of(ConversionPatternRewriter &b, SourceOp op, int64_t v) const {
    return this->constant(b, op.getLoc(), this->i64(), v);
  }
};

#define COCO_RUNTIME_NAME(OP, NAME)                                            \
  template <>                                                                  \
  StringRef CollectiveCallLowering<OP>::runtimeName() {                        \
    return NAME;                                                               \
  }
COCO_RUNTIME_NAME(CommAllReduceOp, "coco_rt_all_reduce")
COCO_RUNTIME_NAME(CommReduceScatterOp, "coco_rt_reduce_scatter")
COCO_RUNTIME_NAME(CommAllGatherOp, "coco_rt_all_gather")
COCO_RUNTIME_NAME(CommBroadcastOp, "coco_rt_broadcast")
COCO_RUNTIME_NAME(CommReduceOp, "coco_rt_reduce")
COCO_RUNTIME_NAME(CommAllToAllOp, "coco_rt_all_to_all")
#undef COCO_RUNTIME_NAME

template <>
void CollectiveCallLowering<CommAllReduceOp>::appendParams(
    CommAllReduceOp op, ConversionPatternRewriter &b,
    SmallVectorImpl<Value> &args) const {
  args.push_back(i32Of(b, op, static_cast<int32_t>(op.getKind())));
}
template <>
void CollectiveCallLowering<CommReduceScatterOp>::appendParams(
    CommReduceScatterOp op, ConversionPatternRewriter &b,
    SmallVectorImpl<Value> &args) const {
  args.push_back(i32Of(b, op, static_cast<int32_t>(op.getKind())));
  args.push_back(i64Of(b, op, op.getDim()));
}
template <>
void CollectiveCallLowering<CommAllGatherOp>::appendParams(
    CommAllGatherOp op, ConversionPatternRewriter &b,
    SmallVectorImpl<Value> &args) const {
  args.push_back(i64Of(b, op, op.getDim()));
}
template <>
void CollectiveCallLowering<CommBroadcastOp>::appendParams(
    CommBroadcastOp op, ConversionPatternRewriter &b,
    SmallVectorImpl<Value> &args) const {
  args.push_back(i64Of(b, op, op.getRoot()));
}
template <>
void CollectiveCallLowering<CommReduceOp>::appendParams(
    CommReduceOp op, ConversionPatternRewriter &b,
    SmallVectorImpl<Value> &args) const {
  args.push_back(i32Of(b, op, static_cast<int32_t>(op.getKind())));
  args.push_back(i64Of(b, op, op.getRoot()));
}
template <>
void CollectiveCallLowering<CommAllToAllOp>::appendParams(
    CommAllToAllOp op, ConversionPatternRewriter &b,
    SmallVectorImpl<Value> &args) const {
  args.push_back(i64Of(b, op, op.getSplitDim()));
  args.push_back(i64Of(b, op, op.getConcatDim()));
}
/// coco.comm.recv: (site, comm, dtype, peer, out).
class RecvLowering : public RuntimeCallPattern<CommRecvOp> {
public:
  using RuntimeCallPattern::RuntimeCallPattern;
  LogicalResult
  matchAndRewrite(CommRecvOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    auto initType = dyn_cast<MemRefType>(op.getInit().getType());
    if (!initType)
      return rewriter.notifyMatchFailure(op, "not bufferized");
    FailureOr<SmallVector<Value>> args = commonArgs(
        rewriter, op, initType.getElementType(), op.getGridAttr(), op.getAxes());
    if (failed(args))
      return failure();
    args->push_back(adaptor.getPeer());
    appendBuffer(rewriter, op, op.getInit(), adaptor.getInit(), *args);
    call(rewriter, op, "coco_rt_recv", *args);
    rewriter.eraseOp(op);
    return success();
  }
};

/// coco.comm.send: (site, comm, dtype, peer, in).
class SendLowering : public RuntimeCallPattern<CommSendOp> {
public:
  using RuntimeCallPattern::RuntimeCallPattern;
  LogicalResult
  matchAndRewrite(CommSendOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    auto inputType = dyn_cast<MemRefType>(op.getInput().getType());
    if (!inputType)
      return rewriter.notifyMatchFailure(op, "not bufferized");
    FailureOr<SmallVector<Value>> args =
        commonArgs(rewriter, op, inputType.getElementType(), op.getGridAttr(),
                   op.getAxes());
    if (failed(args))
      return failure();
    args->push_back(adaptor.getPeer());
    appendBuffer(rewriter, op, op.getInput(), adaptor.getInput(), *args);
    call(rewriter, op, "coco_rt_send", *args);
    rewriter.eraseOp(op);
    return success();
  }
};

/// coco.comm.iall_reduce: (site, comm, dtype, kind, in, out) -> request;
/// coco.comm.ireduce_scatter: (site, comm, dtype, kind, dim, in, out) ->
/// request.
template <typename SourceOp>
class NonBlockingCallLowering : public RuntimeCallPattern<SourceOp> {
public:
  NonBlockingCallLowering(const LLVMTypeConverter &converter,
                          SymbolTableCollection &symbols, StringRef runtimeName)
      : RuntimeCallPattern<SourceOp>(converter, symbols),
        runtimeName(runtimeName) {}
  using OpAdaptor = typename SourceOp::Adaptor;

  LogicalResult
  matchAndRewrite(SourceOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    auto initType = cast<MemRefType>(op.getInit().getType());
    FailureOr<SmallVector<Value>> args =
        this->commonArgs(rewriter, op, initType.getElementType(),
                         op.getGridAttr(), op.getAxes());
    if (failed(args))
      return failure();
    Location loc = op.getLoc();
    args->push_back(this->constant(rewriter, loc, this->i32(),
                                   static_cast<int32_t>(op.getKind())));
    if constexpr (std::is_same_v<SourceOp, CommIReduceScatterOp>)
      args->push_back(this->constant(rewriter, loc, this->i64(), op.getDim()));
    this->appendBuffer(rewriter, op, op.getInput(), adaptor.getInput(), *args);
    this->appendBuffer(rewriter, op, op.getInit(), adaptor.getInit(), *args);
    rewriter.replaceOp(op, this->call(rewriter, op, runtimeName, *args,
                                      this->i64()));
    return success();
  }

private:
  StringRef runtimeName;
};

/// coco.comm.wait: (site, request).
class WaitLowering : public RuntimeCallPattern<CommWaitOp> {
public:
  using RuntimeCallPattern::RuntimeCallPattern;
  LogicalResult
  matchAndRewrite(CommWaitOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    call(rewriter, op, "coco_rt_wait", {site(rewriter, op), adaptor.getRequest()});
    rewriter.eraseOp(op);
    return success();
  }
};

/// Whether the GPU runtime's cuBLAS call computes `op`: a plain matmul on
/// buffers of one element type cuBLAS has. Others stay linalg (lowered to
/// loops or kernels like any other linalg op).
bool isCublasMatmul(linalg::MatmulOp op) {
  if (!op.hasPureBufferSemantics() || op.hasUserDefinedMaps())
    return false;
  Type element = cast<MemRefType>(op.getDpsInits()[0].getType())
                     .getElementType();
  // cuBLAS needs contiguous columns (rows may be strided): a layout whose
  // innermost stride is not statically 1 stays linalg.
  auto contiguousColumns = [](Value v) {
    auto type = cast<MemRefType>(v.getType());
    SmallVector<int64_t> strides;
    int64_t offset;
    return type.getRank() == 2 &&
           succeeded(type.getStridesAndOffset(strides, offset)) &&
           (strides[1] == 1 || type.getDimSize(1) == 1);
  };
  if (!llvm::all_of(op->getOperands(), contiguousColumns))
    return false;
  return llvm::all_of(op.getDpsInputs(),
                      [&](Value v) {
                        return cast<MemRefType>(v.getType())
                                   .getElementType() == element;
                      }) &&
         (element.isF32() || element.isF16() || element.isBF16() ||
          element.isF64());
}

/// linalg.matmul on memrefs (GPU runtime): (site, dtype, a, b, c) into
/// cuBLAS.
class MatmulLowering : public RuntimeCallPattern<linalg::MatmulOp> {
public:
  using RuntimeCallPattern::RuntimeCallPattern;
  LogicalResult
  matchAndRewrite(linalg::MatmulOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    if (!isCublasMatmul(op))
      return rewriter.notifyMatchFailure(op, "not a cuBLAS matmul");
    Value a = op.getDpsInputs()[0], b = op.getDpsInputs()[1],
          c = op.getDpsInits()[0];
    int32_t dtype =
        dtypeCode(cast<MemRefType>(c.getType()).getElementType());
    SmallVector<Value> args = {
        site(rewriter, op),
        constant(rewriter, op.getLoc(), i32(), dtype)};
    appendBuffer(rewriter, op, a, adaptor.getOperands()[0], args);
    appendBuffer(rewriter, op, b, adaptor.getOperands()[1], args);
    appendBuffer(rewriter, op, c, adaptor.getOperands()[2], args);
    call(rewriter, op, "coco_gpu_matmul", args);
    rewriter.eraseOp(op);
    return success();
  }
};

/// coco.axis_rank / coco.axis_size -> coco_rt_axis_rank / _size(comm).
template <typename SourceOp>
class AxisQueryLowering : public RuntimeCallPattern<SourceOp> {
public:
  AxisQueryLowering(const LLVMTypeConverter &converter,
                    SymbolTableCollection &symbols, StringRef runtimeName)
      : RuntimeCallPattern<SourceOp>(converter, symbols),
        runtimeName(runtimeName) {}
  using OpAdaptor = typename SourceOp::Adaptor;

  LogicalResult
  matchAndRewrite(SourceOp op, OpAdaptor,
                  ConversionPatternRewriter &rewriter) const override {
    FailureOr<Value> comm =
        this->communicator(rewriter, op, op.getGridAttr(), {op.getAxis()});
    if (failed(comm))
      return failure();
    rewriter.replaceOp(op, this->call(rewriter, op, runtimeName, *comm,
                                      this->i64()));
    return success();
  }

private:
  std::string runtimeName;
};

/// coco.local_block -> the block arithmetic, level by level (outer to
/// inner): with n elements over R ranks, rank r's block starts at
/// r * (n / R) + min(r, n % R) and holds n / R + (r < n % R) elements. The
/// arith ops lower with the rest of the module; the axis queries become
/// runtime calls in this conversion.
class LocalBlockLowering : public OpConversionPattern<LocalBlockOp> {
public:
  using OpConversionPattern::OpConversionPattern;
  LogicalResult
  matchAndRewrite(LocalBlockOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    Value size = op.getExtent();
    Value offset = arith::ConstantIndexOp::create(rewriter, loc, 0);
    for (int64_t axis : op.getAxes()) {
      Value parts = AxisSizeOp::create(rewriter, loc, op.getGrid(), axis);
      Value rank = AxisRankOp::create(rewriter, loc, op.getGrid(), axis);
      Value base = arith::DivUIOp::create(rewriter, loc, size, parts);
      Value extra = arith::RemUIOp::create(rewriter, loc, size, parts);
      Value start = arith::AddIOp::create(
          rewriter, loc, arith::MulIOp::create(rewriter, loc, rank, base),
          arith::MinUIOp::create(rewriter, loc, rank, extra));
      offset = arith::AddIOp::create(rewriter, loc, offset, start);
      Value longer = arith::CmpIOp::create(
          rewriter, loc, arith::CmpIPredicate::ult, rank, extra);
      size = arith::AddIOp::create(
          rewriter, loc, base,
          arith::IndexCastUIOp::create(rewriter, loc, rewriter.getIndexType(),
                                       longer));
    }
    rewriter.replaceOp(op, {offset, size});
    return success();
  }
};

} // namespace

void mlir::coco::populateCocoToLLVMConversionPatterns(
    LLVMTypeConverter &converter, RewritePatternSet &patterns,
    SymbolTableCollection &symbols) {
  patterns.add<CollectiveCallLowering<CommAllReduceOp>,
               CollectiveCallLowering<CommReduceScatterOp>,
               CollectiveCallLowering<CommAllGatherOp>,
               CollectiveCallLowering<CommBroadcastOp>,
               CollectiveCallLowering<CommReduceOp>,
               CollectiveCallLowering<CommAllToAllOp>, RecvLowering,
               SendLowering, WaitLowering>(converter, symbols);
  patterns.add<LocalBlockLowering>(converter, patterns.getContext());
  patterns.add<NonBlockingCallLowering<CommIAllReduceOp>>(
      converter, symbols, "coco_rt_iall_reduce");
  patterns.add<NonBlockingCallLowering<CommIReduceScatterOp>>(
      converter, symbols, "coco_rt_ireduce_scatter");
  patterns.add<AxisQueryLowering<AxisRankOp>>(converter, symbols,
                                              "coco_rt_axis_rank");
  patterns.add<AxisQueryLowering<AxisSizeOp>>(converter, symbols,
                                              "coco_rt_axis_size");
}

void mlir::coco::populateMatmulToGPURuntimePatterns(
    LLVMTypeConverter &converter, RewritePatternSet &patterns,
    SymbolTableCollection &symbols) {
  patterns.add<MatmulLowering>(converter, symbols);
}

namespace {
constexpr llvm::StringLiteral kDistributionAttr = "coco.distribution";

/// The runtime entry points whose GPU versions have the same ABI under
/// coco_gpu_* names.
constexpr const char *kCommunicationCalls[] = {
    "all_reduce", "reduce_scatter", "all_gather", "broadcast",
    "reduce",     "all_to_all",     "send",       "recv",
    "iall_reduce", "ireduce_scatter", "wait"};

struct ConvertCocoToLLVMPass
    : public coco::impl::ConvertCocoToLLVMPassBase<ConvertCocoToLLVMPass> {
  using ConvertCocoToLLVMPassBase::ConvertCocoToLLVMPassBase;

  void runOnOperation() override {
    ModuleOp module = getOperation();
    if (runtime != "cpu" && runtime != "gpu") {
      module.emitError() << "convert-coco-to-llvm: runtime must be 'cpu' or "
                            "'gpu', got '"
                         << runtime << "'";
      return signalPassFailure();
    }
    bool gpu = runtime == "gpu";

    // Clear errors for programs that skipped a step of the pipeline: a
    // global-view op, or communication on tensors (before bufferization).
    WalkResult misplaced = module.walk([](Operation *op) {
      if (isa_and_nonnull<CocoDialect>(op->getDialect())) {
        bool tensors =
            llvm::any_of(op->getOperandTypes(), [](Type type) {
              return isa<TensorType, DTensorType>(type);
            });
        if (tensors || op->hasTrait<CocoTrait::GlobalViewOp>()) {
          op->emitOpError() << "must be localized (coco-localize) and "
                               "bufferized before convert-coco-to-llvm";
          return WalkResult::interrupt();
        }
      }
      return WalkResult::advance();
    });
    if (misplaced.wasInterrupted())
      return signalPassFailure();

    LLVMTypeConverter converter(&getContext());
    SymbolTableCollection symbols;
    RewritePatternSet patterns(&getContext());
    populateCocoToLLVMConversionPatterns(converter, patterns, symbols);
    if (gpu)
      populateMatmulToGPURuntimePatterns(converter, patterns, symbols);
    LLVMConversionTarget target(getContext());
    target.addLegalOp<GridOp>();
    target.addIllegalDialect<CocoDialect>();
    target.markUnknownOpDynamicallyLegal([](Operation *) { return true; });
    if (gpu)
      target.addDynamicallyLegalOp<linalg::MatmulOp>(
          [](linalg::MatmulOp op) { return !isCublasMatmul(op); });
    if (failed(applyPartialConversion(module, target, std::move(patterns))))
      return signalPassFailure();

    if (gpu) {
      for (const char *name : kCommunicationCalls) {
        auto function = module.lookupSymbol<LLVM::LLVMFuncOp>(
            (Twine("coco_rt_") + name).str());
        if (!function)
          continue;
        auto gpuName = StringAttr::get(&getContext(),
                                       (Twine("coco_gpu_") + name).str());
        auto existing = module.lookupSymbol<LLVM::LLVMFuncOp>(gpuName);
        if (existing && existing.getFunctionType() != function.getFunctionType()) {
          existing.emitError() << "declares " << gpuName
                               << " with another type than the GPU runtime's "
                               << function.getFunctionType();
          return signalPassFailure();
        }
        if (failed(SymbolTable::replaceAllSymbolUses(function, gpuName,
                                                      module)))
          return signalPassFailure();
        if (existing)
          function.erase(); // the module already declares it
        else
          SymbolTable::setSymbolName(function, gpuName);
      }
    }

    for (GridOp grid : llvm::make_early_inc_range(module.getOps<GridOp>()))
      grid.erase();
    // Distributions recorded on entries (coco-shard-placements) are for the
    // host program, generated from the module before lowering; their coco
    // types mean nothing to LLVM.
    for (auto function : module.getOps<FunctionOpInterface>()) {
      for (unsigned i = 0; i < function.getNumArguments(); ++i)
        function.removeArgAttr(i, kDistributionAttr);
      for (unsigned i = 0; i < function.getNumResults(); ++i)
        function.removeResultAttr(i, StringAttr::get(&getContext(),
                                                      kDistributionAttr));
    }
  }
};
} // namespace
