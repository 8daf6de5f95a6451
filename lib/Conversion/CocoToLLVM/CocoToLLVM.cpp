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
#include "coco/Dialect/Coco/Transforms/NestedModules.h"
#include "coco/Runtime/CocoRuntime.h"
#include "coco/Support/ElementTypes.h"

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
  std::optional<RuntimeElementType> element = runtimeElementType(type);
  return element ? element->code : -1;
}

/// The name of the globals holding the site strings (and its prefix, when a
/// module is lowered more than once).
constexpr StringLiteral kSitesTable = "__coco_sites";

/// Whether `global` is a table site() made: a constant string of
/// NUL-terminated pieces named __coco_sites or __coco_sites_<n>.
bool isSitesTable(LLVM::GlobalOp global) {
  StringRef name = global.getSymName();
  auto text = dyn_cast_or_null<StringAttr>(global.getValueOrNull());
  unsigned number;
  return global.getConstant() && text && text.getValue().ends_with('\0') &&
         name.consume_front(kSitesTable) &&
         (name.empty() ||
          (name.consume_front("_") && !name.getAsInteger(10, number)));
}

/// The entry block of the region around `op` whose values every op in it
/// can use: the body of its closest ancestor isolated from above (the
/// function).
Block &isolatedEntry(Operation *op) {
  Region *region = op->getParentRegion();
  while (!region->getParentOp()->hasTrait<OpTrait::IsIsolatedFromAbove>())
    region = region->getParentOp()->getParentRegion();
  return region->front();
}

/// "coco.all_reduce at file.mlir:12:5": the user-facing op and where it was.
std::string describeSite(Operation *op) {
  std::string text;
  llvm::raw_string_ostream os(text);
  StringRef name = op->getName().getStringRef();
  os << (name.consume_front("coco.comm.") ? ("coco." + name).str()
                                          : name.str());
  if (auto fileLoc = dyn_cast<FileLineColLoc>(op->getLoc()))
    os << " at " << fileLoc.getFilename().getValue() << ":" << fileLoc.getLine()
       << ":" << fileLoc.getColumn();
  else if (!isa<UnknownLoc>(op->getLoc()))
    os << " at " << op->getLoc();
  return text;
}

/// Shared machinery of the patterns.
template <typename SourceOp>
class RuntimeCallPattern : public ConvertOpToLLVMPattern<SourceOp> {
public:
  RuntimeCallPattern(const LLVMTypeConverter &converter, RuntimeCalls &runtime)
      : ConvertOpToLLVMPattern<SourceOp>(converter), runtime(runtime) {}

protected:
  Type i32() const { return IntegerType::get(this->getContext(), 32); }
  Type i64() const { return IntegerType::get(this->getContext(), 64); }
  Type ptr() const { return LLVM::LLVMPointerType::get(this->getContext()); }

  Value constant(OpBuilder &b, Location loc, Type type, int64_t value) const {
    return LLVM::ConstantOp::create(b, loc, type,
                                    b.getIntegerAttr(type, value));
  }

  /// The runtime's communicator handle for the group of (grid, axes).
  FailureOr<Value> communicator(ConversionPatternRewriter &rewriter,
                                Operation *op, FlatSymbolRefAttr gridName,
                                ArrayRef<int64_t> axes) const {
    auto grid =
        runtime.getSymbols().lookupNearestSymbolFrom<GridOp>(op, gridName);
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
      return runtime.call(rewriter, op, "coco_rt_comm", args, i64());
    }
    // A group of axes: the flattened communicator, outer axis first.
    args.push_back(constant(rewriter, loc, i64(), axes.size()));
    for (int64_t i = 0; i < 4; ++i)
      args.push_back(constant(rewriter, loc, i64(),
                              i < (int64_t)axes.size() ? axes[i] : -1));
    return runtime.call(rewriter, op, "coco_rt_comm_group", args, i64());
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
      rewriter.setInsertionPointToStart(&isolatedEntry(op));
      slot = LLVM::AllocaOp::create(rewriter, loc, ptr(), descriptor.getType(),
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
    // No other pattern lowers it: say why here, or the user only hears
    // that the op failed to legalize.
    if (dtype < 0) {
      op->emitError() << "element type " << elementType
                      << " is not one the runtime carries ("
                      << runtimeElementTypeNames() << ")";
      return failure();
    }
    FailureOr<Value> comm = communicator(rewriter, op, grid, axes);
    if (failed(comm))
      return failure();
    return SmallVector<Value>{runtime.site(rewriter, op), *comm,
                              constant(rewriter, op->getLoc(), i32(), dtype)};
  }

  RuntimeCalls &runtime;
};

/// The communication op's runtime entry point, "all_reduce" for
/// coco_rt_all_reduce or coco_gpu_all_reduce.
template <typename SourceOp>
class CommunicationPattern : public RuntimeCallPattern<SourceOp> {
public:
  CommunicationPattern(const LLVMTypeConverter &converter,
                       RuntimeCalls &runtime, StringRef entryPoint)
      : RuntimeCallPattern<SourceOp>(converter, runtime),
        function(runtime.communication(entryPoint)) {}

protected:
  std::string function;
};

/// Destination-style collectives: (site, comm, dtype, <op params>, in, out).
template <typename SourceOp>
class CollectiveCallLowering : public CommunicationPattern<SourceOp> {
public:
  using CommunicationPattern<SourceOp>::CommunicationPattern;
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
    appendParams(op, adaptor, rewriter, *args);
    this->appendBuffer(rewriter, op, op.getInput(), adaptor.getInput(), *args);
    this->appendBuffer(rewriter, op, op.getInit(), adaptor.getInit(), *args);
    this->runtime.call(rewriter, op, this->function, *args);
    rewriter.eraseOp(op);
    return success();
  }

private:
  void appendParams(SourceOp op, OpAdaptor adaptor,
                    ConversionPatternRewriter &rewriter,
                    SmallVectorImpl<Value> &args) const;

  Value i32Of(ConversionPatternRewriter &b, SourceOp op, int64_t v) const {
    return this->constant(b, op.getLoc(), this->i32(), v);
  }
  Value i64Of(ConversionPatternRewriter &b, SourceOp op, int64_t v) const {
    return this->constant(b, op.getLoc(), this->i64(), v);
  }
};

template <>
void CollectiveCallLowering<CommAllReduceOp>::appendParams(
    CommAllReduceOp op, CommAllReduceOp::Adaptor adaptor,
    ConversionPatternRewriter &b, SmallVectorImpl<Value> &args) const {
  args.push_back(i32Of(b, op, static_cast<int32_t>(op.getKind())));
}
template <>
void CollectiveCallLowering<CommReduceScatterOp>::appendParams(
    CommReduceScatterOp op, CommReduceScatterOp::Adaptor adaptor,
    ConversionPatternRewriter &b, SmallVectorImpl<Value> &args) const {
  args.push_back(i32Of(b, op, static_cast<int32_t>(op.getKind())));
  args.push_back(i64Of(b, op, op.getDim()));
}
template <>
void CollectiveCallLowering<CommAllGatherOp>::appendParams(
    CommAllGatherOp op, CommAllGatherOp::Adaptor adaptor,
    ConversionPatternRewriter &b, SmallVectorImpl<Value> &args) const {
  args.push_back(i64Of(b, op, op.getDim()));
}
template <>
void CollectiveCallLowering<CommBroadcastOp>::appendParams(
    CommBroadcastOp op, CommBroadcastOp::Adaptor adaptor,
    ConversionPatternRewriter &b, SmallVectorImpl<Value> &args) const {
  args.push_back(i64Of(b, op, op.getRoot()));
}
template <>
void CollectiveCallLowering<CommReduceOp>::appendParams(
    CommReduceOp op, CommReduceOp::Adaptor adaptor,
    ConversionPatternRewriter &b, SmallVectorImpl<Value> &args) const {
  args.push_back(i32Of(b, op, static_cast<int32_t>(op.getKind())));
  args.push_back(i64Of(b, op, op.getRoot()));
}
template <>
void CollectiveCallLowering<CommAllToAllOp>::appendParams(
    CommAllToAllOp op, CommAllToAllOp::Adaptor adaptor,
    ConversionPatternRewriter &b, SmallVectorImpl<Value> &args) const {
  args.push_back(i64Of(b, op, op.getSplitDim()));
  args.push_back(i64Of(b, op, op.getConcatDim()));
  args.push_back(i32Of(b, op, op.getSkipSelf()));
  // The window's start (an index, i64 here), or -1: none.
  args.push_back(adaptor.getWindowStart() ? adaptor.getWindowStart()
                                          : i64Of(b, op, -1));
}
/// coco.comm.recv: (site, comm, dtype, peer, out).
class RecvLowering : public CommunicationPattern<CommRecvOp> {
public:
  using CommunicationPattern::CommunicationPattern;
  LogicalResult
  matchAndRewrite(CommRecvOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    auto initType = dyn_cast<MemRefType>(op.getInit().getType());
    if (!initType)
      return rewriter.notifyMatchFailure(op, "not bufferized");
    FailureOr<SmallVector<Value>> args =
        commonArgs(rewriter, op, initType.getElementType(), op.getGridAttr(),
                   op.getAxes());
    if (failed(args))
      return failure();
    args->push_back(adaptor.getPeer());
    appendBuffer(rewriter, op, op.getInit(), adaptor.getInit(), *args);
    runtime.call(rewriter, op, function, *args);
    rewriter.eraseOp(op);
    return success();
  }
};

/// coco.comm.send: (site, comm, dtype, peer, in).
class SendLowering : public CommunicationPattern<CommSendOp> {
public:
  using CommunicationPattern::CommunicationPattern;
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
    runtime.call(rewriter, op, function, *args);
    rewriter.eraseOp(op);
    return success();
  }
};

/// coco.comm.iall_reduce: (site, comm, dtype, kind, in, out) -> request;
/// coco.comm.ireduce_scatter: (site, comm, dtype, kind, dim, in, out) ->
/// request.
template <typename SourceOp>
class NonBlockingCallLowering : public CommunicationPattern<SourceOp> {
public:
  using CommunicationPattern<SourceOp>::CommunicationPattern;
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
    rewriter.replaceOp(op, this->runtime.call(rewriter, op, this->function,
                                              *args, this->i64()));
    return success();
  }
};

/// coco.comm.wait: (site, request).
class WaitLowering : public CommunicationPattern<CommWaitOp> {
public:
  using CommunicationPattern::CommunicationPattern;
  LogicalResult
  matchAndRewrite(CommWaitOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    runtime.call(rewriter, op, function,
                 {runtime.site(rewriter, op), adaptor.getRequest()});
    rewriter.eraseOp(op);
    return success();
  }
};

} // namespace

bool mlir::coco::isLibraryMatmul(Operation *matmul) {
  auto op = dyn_cast<linalg::MatmulOp>(matmul);
  if (!op || !op.hasPureBufferSemantics() || op.hasUserDefinedMaps())
    return false;
  Type element =
      cast<MemRefType>(op.getDpsInits()[0].getType()).getElementType();
  // BLAS needs contiguous columns (rows may be strided): a layout whose
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
                        return cast<MemRefType>(v.getType()).getElementType() ==
                               element;
                      }) &&
         (element.isF32() || element.isF16() || element.isBF16() ||
          element.isF64());
}

namespace {

/// linalg.matmul on memrefs: (site, dtype, a, b, c) into OpenBLAS
/// (coco_rt_matmul) or cuBLAS (coco_gpu_matmul).
class MatmulLowering : public RuntimeCallPattern<linalg::MatmulOp> {
public:
  using RuntimeCallPattern::RuntimeCallPattern;
  LogicalResult
  matchAndRewrite(linalg::MatmulOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    if (!isLibraryMatmul(op))
      return rewriter.notifyMatchFailure(op, "not a BLAS matmul");
    Value a = op.getDpsInputs()[0], b = op.getDpsInputs()[1],
          c = op.getDpsInits()[0];
    int32_t dtype = dtypeCode(cast<MemRefType>(c.getType()).getElementType());
    SmallVector<Value> args = {runtime.site(rewriter, op),
                               constant(rewriter, op.getLoc(), i32(), dtype)};
    appendBuffer(rewriter, op, a, adaptor.getOperands()[0], args);
    appendBuffer(rewriter, op, b, adaptor.getOperands()[1], args);
    appendBuffer(rewriter, op, c, adaptor.getOperands()[2], args);
    runtime.call(rewriter, op,
                 runtime.getTarget() == RuntimeTarget::GPU ? "coco_gpu_matmul"
                                                           : "coco_rt_matmul",
                 args);
    rewriter.eraseOp(op);
    return success();
  }
};

/// coco.axis_rank / coco.axis_size -> coco_rt_axis_rank / _size(comm).
template <typename SourceOp>
class AxisQueryLowering : public RuntimeCallPattern<SourceOp> {
public:
  AxisQueryLowering(const LLVMTypeConverter &converter, RuntimeCalls &runtime,
                    StringRef function)
      : RuntimeCallPattern<SourceOp>(converter, runtime), function(function) {}
  using OpAdaptor = typename SourceOp::Adaptor;

  LogicalResult
  matchAndRewrite(SourceOp op, OpAdaptor,
                  ConversionPatternRewriter &rewriter) const override {
    FailureOr<Value> comm = this->communicator(
        rewriter, op, op.getGridAttr(), {static_cast<int64_t>(op.getAxis())});
    if (failed(comm))
      return failure();
    rewriter.replaceOp(
        op, this->runtime.call(rewriter, op, function, *comm, this->i64()));
    return success();
  }

private:
  std::string function;
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
    // Checked before anything is created: the conversion runs without
    // rollback, and the axis queries made below must convert.
    if (!SymbolTable::lookupNearestSymbolFrom<GridOp>(op, op.getGridAttr()))
      return rewriter.notifyMatchFailure(op, "unknown grid");
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

RuntimeCalls::RuntimeCalls(ModuleOp module, RuntimeTarget target)
    : module(module), target(target) {
  // Site strings an earlier lowering left are reused, not duplicated.
  for (auto global : module.getOps<LLVM::GlobalOp>()) {
    if (!isSitesTable(global))
      continue;
    StringRef rest = cast<StringAttr>(global.getValueOrNull()).getValue();
    int64_t offset = 0;
    while (!rest.empty()) {
      auto [site, after] = rest.split('\0');
      sites.try_emplace(site, global.getSymNameAttr(), offset);
      offset += site.size() + 1;
      rest = after;
    }
  }
  SymbolTable &table = symbols.getSymbolTable(module);
  std::string name = kSitesTable.str();
  for (unsigned next = 1; table.lookup(name); ++next)
    name = (kSitesTable + "_" + Twine(next)).str();
  newTable = StringAttr::get(module.getContext(), name);
}

std::string RuntimeCalls::communication(StringRef op) const {
  return ((target == RuntimeTarget::GPU ? "coco_gpu_" : "coco_rt_") + op).str();
}

Value RuntimeCalls::call(OpBuilder &b, Operation *op, StringRef name,
                         ValueRange args, Type result) {
  MLIRContext *context = b.getContext();
  auto type = LLVM::LLVMFunctionType::get(
      result ? result : LLVM::LLVMVoidType::get(context),
      llvm::to_vector(args.getTypes()));
  SymbolTable &table = symbols.getSymbolTable(module);
  Operation *existing = table.lookup(name);
  auto function = dyn_cast_or_null<LLVM::LLVMFuncOp>(existing);
  if (existing && !function) {
    // Reported, and the pass fails after the conversion (see below).
    op->emitOpError() << "lowers to a call of @" << name
                      << ", but the module defines that name as '"
                      << existing->getName() << "'";
    mismatchedDeclaration = true;
  } else if (!function) {
    OpBuilder::InsertionGuard guard(b);
    b.setInsertionPointToStart(module.getBody());
    function = LLVM::LLVMFuncOp::create(b, module.getLoc(), name, type);
    table.insert(function);
  } else if (function.getFunctionType() != type) {
    // Reported, and the pass fails after the conversion; the call is still
    // made (never verified) so that no pattern fails halfway: the
    // conversion runs without rollback.
    op->emitOpError() << "lowers to a call of @" << name << " with type "
                      << type << ", but the module declares it as "
                      << function.getFunctionType();
    mismatchedDeclaration = true;
  }
  auto callOp = LLVM::CallOp::create(
      b, op->getLoc(), result ? TypeRange{result} : TypeRange{},
      FlatSymbolRefAttr::get(context, name), args);
  return result ? callOp.getResult() : Value();
}

Value RuntimeCalls::site(OpBuilder &b, Operation *op) {
  std::string text = describeSite(op);
  auto [it, inserted] = sites.try_emplace(text);
  if (inserted) {
    it->second = {newTable, static_cast<int64_t>(newSites.size())};
    newSites += text;
    newSites.push_back('\0');
  }
  auto [table, offset] = it->second;
  // Made once per function, at its entry (the pointer is the same wherever
  // it is used): a collective in a loop computes nothing per iteration.
  Block *entry = &isolatedEntry(op);
  Location loc = entry->getParentOp()->getLoc();
  auto ptr = LLVM::LLVMPointerType::get(b.getContext());
  OpBuilder::InsertionGuard guard(b);
  Value base = sitePointers.lookup({entry, table, -1});
  if (!base) {
    b.setInsertionPointToStart(entry);
    base = LLVM::AddressOfOp::create(b, loc, ptr, table);
    sitePointers[{entry, table, -1}] = base;
  }
  if (offset == 0)
    return base;
  if (Value pointer = sitePointers.lookup({entry, table, offset}))
    return pointer;
  b.setInsertionPointAfter(base.getDefiningOp());
  // A constant index is a signed 29-bit number; a longer table takes a
  // value.
  LLVM::GEPArg index =
      llvm::isInt<LLVM::kGEPConstantBitWidth>(offset)
          ? LLVM::GEPArg(static_cast<int32_t>(offset))
          : LLVM::GEPArg(LLVM::ConstantOp::create(b, loc, b.getI64Type(),
                                                  b.getI64IntegerAttr(offset))
                             .getResult());
  Value pointer = LLVM::GEPOp::create(b, loc, ptr, b.getI8Type(), base, {index},
                                      LLVM::GEPNoWrapFlags::inbounds);
  sitePointers[{entry, table, offset}] = pointer;
  return pointer;
}

void RuntimeCalls::finishSites() {
  if (newSites.empty())
    return;
  OpBuilder b = OpBuilder::atBlockBegin(module.getBody());
  auto type = LLVM::LLVMArrayType::get(b.getI8Type(), newSites.size());
  auto global = LLVM::GlobalOp::create(
      b, module.getLoc(), type, /*isConstant=*/true, LLVM::Linkage::Internal,
      newTable, b.getStringAttr(newSites), /*alignment=*/0);
  symbols.getSymbolTable(module).insert(global);
  newSites.clear();
}

void mlir::coco::populateCocoToLLVMConversionPatterns(
    LLVMTypeConverter &converter, RewritePatternSet &patterns,
    RuntimeCalls &runtime) {
  patterns.add<CollectiveCallLowering<CommAllReduceOp>>(converter, runtime,
                                                        "all_reduce");
  patterns.add<CollectiveCallLowering<CommReduceScatterOp>>(converter, runtime,
                                                            "reduce_scatter");
  patterns.add<CollectiveCallLowering<CommAllGatherOp>>(converter, runtime,
                                                        "all_gather");
  patterns.add<CollectiveCallLowering<CommBroadcastOp>>(converter, runtime,
                                                        "broadcast");
  patterns.add<CollectiveCallLowering<CommReduceOp>>(converter, runtime,
                                                     "reduce");
  patterns.add<CollectiveCallLowering<CommAllToAllOp>>(converter, runtime,
                                                       "all_to_all");
  patterns.add<RecvLowering>(converter, runtime, "recv");
  patterns.add<SendLowering>(converter, runtime, "send");
  patterns.add<WaitLowering>(converter, runtime, "wait");
  patterns.add<NonBlockingCallLowering<CommIAllReduceOp>>(converter, runtime,
                                                          "iall_reduce");
  patterns.add<NonBlockingCallLowering<CommIReduceScatterOp>>(
      converter, runtime, "ireduce_scatter");
  // Not communication: the same coco_rt_* functions on both runtimes.
  patterns.add<AxisQueryLowering<AxisRankOp>>(converter, runtime,
                                              "coco_rt_axis_rank");
  patterns.add<AxisQueryLowering<AxisSizeOp>>(converter, runtime,
                                              "coco_rt_axis_size");
  patterns.add<LocalBlockLowering>(converter, patterns.getContext());
  patterns.add<MatmulLowering>(converter, runtime);
}

namespace {
constexpr llvm::StringLiteral kDistributionAttr = "coco.distribution";

struct ConvertCocoToLLVMPass
    : public coco::impl::ConvertCocoToLLVMPassBase<ConvertCocoToLLVMPass> {
  using ConvertCocoToLLVMPassBase::ConvertCocoToLLVMPassBase;

  void runOnOperation() override {
    ModuleOp module = getOperation();
    // Clear errors for programs that skipped a step of the pipeline: a
    // global-view op, or communication on tensors (before bufferization).
    WalkResult misplaced = module.walk([](Operation *op) {
      if (isa_and_nonnull<CocoDialect>(op->getDialect())) {
        bool tensors = llvm::any_of(op->getOperandTypes(), [](Type type) {
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
    // The runtime's declarations and site strings go into this module: the
    // coco ops of a nested symbol table would refer to symbols of a table
    // they cannot see. A nested builtin.module is a program of its own, on
    // which the pass is anchored instead; other tables (a gpu.module) hold
    // no coco op, not even a grid (which would be left there, as only this
    // module's grids are erased: the same rule as for a nested module).
    if (failed(checkNoNestedCocoModule(module, getArgument())))
      return signalPassFailure();
    WalkResult nested = module.walk([&](Operation *op) {
      if (!isa_and_nonnull<CocoDialect>(op->getDialect()))
        return WalkResult::advance();
      Operation *table = SymbolTable::getNearestSymbolTable(op->getParentOp());
      if (table == module.getOperation())
        return WalkResult::advance();
      op->emitOpError() << "is inside a '" << table->getName()
                        << "', a symbol table of its own: convert-coco-to-llvm "
                           "lowers the coco ops of the module it runs on ("
                        << (isa<GridOp>(op)
                                ? "and erases that module's grids"
                                : "the runtime's declarations and the call "
                                  "sites' strings go there")
                        << ")";
      return WalkResult::interrupt();
    });
    if (nested.wasInterrupted())
      return signalPassFailure();

    LLVMTypeConverter converter(&getContext());
    RuntimeCalls calls(module, runtime);
    RewritePatternSet patterns(&getContext());
    populateCocoToLLVMConversionPatterns(converter, patterns, calls);
    LLVMConversionTarget target(getContext());
    target.addLegalOp<GridOp>();
    target.addIllegalDialect<CocoDialect>();
    target.markUnknownOpDynamicallyLegal([](Operation *) { return true; });
    // A matmul of a nested symbol table (a nested module, a gpu.module's
    // kernel) is not coco's: it stays linalg for whatever lowers that table.
    target.addDynamicallyLegalOp<linalg::MatmulOp>([&](linalg::MatmulOp op) {
      return !isLibraryMatmul(op) ||
             SymbolTable::getNearestSymbolTable(op->getParentOp()) != module;
    });
    // No rollback: every pattern either fails before it changes anything or
    // succeeds, and the rollback log would grow with every op converted.
    ConversionConfig config;
    config.allowPatternRollback = false;
    if (failed(applyPartialConversion(module, target, std::move(patterns),
                                      config)) ||
        calls.hadMismatchedDeclaration())
      return signalPassFailure();
    calls.finishSites();

    for (GridOp grid : llvm::make_early_inc_range(module.getOps<GridOp>()))
      grid.erase();
    // Distributions recorded on entries (coco-shard-placements) are for the
    // host program, generated from the module before lowering; their coco
    // types mean nothing to LLVM.
    // All attributes of a function at once (one removeArgAttr per argument
    // would rebuild the array of all of them each time).
    auto withoutDistribution = [&](ArrayAttr all) -> std::optional<ArrayAttr> {
      if (!all || llvm::none_of(all, [](Attribute attrs) {
            return cast<DictionaryAttr>(attrs).contains(kDistributionAttr);
          }))
        return std::nullopt;
      SmallVector<Attribute> stripped;
      for (Attribute attrs : all) {
        NamedAttrList list(cast<DictionaryAttr>(attrs));
        list.erase(kDistributionAttr);
        stripped.push_back(list.getDictionary(&getContext()));
      }
      return ArrayAttr::get(&getContext(), stripped);
    };
    for (auto function : module.getOps<FunctionOpInterface>()) {
      if (auto args = withoutDistribution(function.getAllArgAttrs()))
        function.setAllArgAttrs(*args);
      if (auto results = withoutDistribution(function.getAllResultAttrs()))
        function.setAllResultAttrs(*results);
    }
  }
};
} // namespace
