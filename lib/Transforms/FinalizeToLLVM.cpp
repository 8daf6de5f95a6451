//===- FinalizeToLLVM.cpp - the CPU pipeline's LLVM conversions at once ---===//
//
// finalize-memref-to-llvm, convert-math-to-llvm, convert-arith-to-llvm,
// convert-func-to-llvm and convert-cf-to-llvm each walk, legalize and (in
// coco-opt) verify the whole module; one conversion with all their
// patterns does the same work once. Upstream's convert-to-llvm does the
// same through dialect interfaces, but takes no memref options, and the
// CPU runtime needs the generic allocation functions.
//
//===----------------------------------------------------------------------===//

#include "coco/Support/CSymbols.h"
#include "coco/Transforms/Passes.h"

#include "mlir/Analysis/DataLayoutAnalysis.h"
#include "mlir/Conversion/ArithToLLVM/ArithToLLVM.h"
#include "mlir/Conversion/ControlFlowToLLVM/ControlFlowToLLVM.h"
#include "mlir/Conversion/FuncToLLVM/ConvertFuncToLLVM.h"
#include "mlir/Conversion/LLVMCommon/ConversionTarget.h"
#include "mlir/Conversion/LLVMCommon/LoweringOptions.h"
#include "mlir/Conversion/LLVMCommon/TypeConverter.h"
#include "mlir/Conversion/MathToLLVM/MathToLLVM.h"
#include "mlir/Conversion/MemRefToLLVM/MemRefToLLVM.h"
#include "mlir/Dialect/ControlFlow/IR/ControlFlowOps.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/LLVMIR/LLVMDialect.h"
#include "mlir/IR/BuiltinOps.h"
#include "mlir/IR/SymbolTable.h"
#include "mlir/Interfaces/FunctionInterfaces.h"
#include "mlir/Transforms/DialectConversion.h"

namespace mlir::coco {
#define GEN_PASS_DEF_COCOFINALIZETOLLVMPASS
#include "coco/Transforms/Passes.h.inc"
} // namespace mlir::coco

using namespace mlir;

namespace {
/// Moves the body of every function out of its entry block, which is left
/// with a branch to it. Converting a function's signature inserts a cast
/// per argument at the top of the entry block and then checks, for each use
/// of the argument in that block, that the cast comes first; every insertion
/// there invalidates the block's op order, so in a long entry block (a
/// whole optimizer step before its first loop) that was quadratic.
/// Returns the bodies it moved.
SmallPtrSet<Block *, 8> emptyEntryBlocks(ModuleOp module) {
  SmallPtrSet<Block *, 8> bodies;
  OpBuilder builder(module.getContext());
  module.walk([&](func::FuncOp function) {
    if (function.isExternal())
      return;
    Block &entry = function.front();
    Block *body = entry.splitBlock(entry.begin());
    builder.setInsertionPointToEnd(&entry);
    cf::BranchOp::create(builder, function.getLoc(), body);
    bodies.insert(body);
  });
  return bodies;
}

/// Merges back what emptyEntryBlocks split (the body blocks themselves are
/// kept by the conversion; the entry block is the converted one): only
/// those, so functions that were LLVM already keep their blocks.
void mergeEntryBlocks(ModuleOp module, const SmallPtrSetImpl<Block *> &bodies) {
  module.walk([&](LLVM::LLVMFuncOp function) {
    if (function.isExternal())
      return;
    Block &entry = function.front();
    auto branch = dyn_cast<LLVM::BrOp>(entry.getTerminator());
    if (!branch || !branch.getDestOperands().empty())
      return;
    Block *body = branch.getDest();
    if (!bodies.contains(body) || body == &entry ||
        !body->getSinglePredecessor())
      return;
    branch.erase();
    entry.getOperations().splice(entry.end(), body->getOperations());
    body->erase();
  });
}

/// The C interface of a function coco-isolate-symbols renamed
/// (`_mlir_ciface_coco.fn.step`) takes the function's own name again
/// (`_mlir_ciface_step`): host programs and in-process libraries call it by
/// the entry's name, and the `_mlir_ciface_` prefix keeps it apart from
/// every library's symbols.
LogicalResult nameCInterfaces(ModuleOp module) {
  SymbolTable symbols(module);
  std::string isolated =
      (coco::kCInterfacePrefix + coco::kIsolatedPrefix).str();
  SmallVector<LLVM::LLVMFuncOp> interfaces;
  for (auto function : module.getOps<LLVM::LLVMFuncOp>())
    if (function.getSymName().starts_with(isolated))
      interfaces.push_back(function);
  for (auto function : interfaces) {
    std::string name = (coco::kCInterfacePrefix +
                        function.getSymName().drop_front(isolated.size()))
                           .str();
    // (A public function named `_mlir_ciface_<name>` beside `<name>`:
    // convert-func-to-llvm already refused the pair when it was not
    // isolated.)
    if (symbols.lookup(name) ||
        failed(symbols.rename(function,
                              StringAttr::get(module.getContext(), name))))
      return function.emitError()
             << "cannot take the name @" << name
             << " for its C interface: the module has a symbol of that name";
  }
  return success();
}

/// Fails, at the first op the conversion left, where the module is not
/// all LLVM. The conversion is partial (upstream's patterns leave what
/// they cannot convert), so a program the lowering cannot take (a scalar
/// of a type LLVM lowering has no rule for, a signature type without an
/// LLVM type, a schedule left unapplied, a gpu.launch given to the CPU
/// pipeline) came out as a module that coco-translate refused at IR the
/// user never wrote. Nested symbol tables are their own (GPU kernels,
/// lowered by the GPU pipeline; a module the pipeline was not anchored
/// on), and gpu.launch_func is translated with the kernels' binary.
LogicalResult checkLowered(ModuleOp module) {
  Operation *left = nullptr;
  module->walk<WalkOrder::PreOrder>([&](Operation *op) {
    if (op == module.getOperation())
      return WalkResult::advance();
    if (op->hasTrait<OpTrait::SymbolTable>()) {
      // A schedule library is a module of its own (transform.named_sequence
      // at its top level).
      if (auto nested = dyn_cast<ModuleOp>(op))
        for (Operation &inner : nested.getOps())
          if (inner.getName().getDialectNamespace() == "transform") {
            left = &inner;
            return WalkResult::interrupt();
          }
      return WalkResult::skip();
    }
    StringRef dialect = op->getName().getDialectNamespace();
    if (dialect == LLVM::LLVMDialect::getDialectNamespace() ||
        op->getName().getStringRef() == "gpu.launch_func")
      return WalkResult::advance();
    left = op;
    return WalkResult::interrupt();
  });
  if (!left)
    return success();
  if (left->getName().getDialectNamespace() == "transform")
    return left->emitError()
           << "the module holds a transform schedule, which the lowering "
              "neither applies nor can lower: keep it in a file of its own "
              "and apply it first (coco-opt "
              "--transform-preload-library=transform-library-paths=FILE "
              "--transform-interpreter; coco-compile takes the same as "
              "--pre-pass options)";
  InFlightDiagnostic error = left->emitOpError()
                             << "is left after the lowering to LLVM";
  if (auto function = dyn_cast<FunctionOpInterface>(left)) {
    error << " (signature " << function.getFunctionType() << ")";
  } else {
    auto types = [&](TypeRange range) {
      llvm::interleaveComma(range, error, [&](Type type) { error << type; });
    };
    error << " (types ";
    types(left->getOperandTypes());
    error << " -> ";
    types(left->getResultTypes());
    error << ")";
  }
  error << ": the program has an op or a type that this pipeline cannot "
           "lower";
  return error;
}

struct CocoFinalizeToLLVMPass
    : public coco::impl::CocoFinalizeToLLVMPassBase<CocoFinalizeToLLVMPass> {
  void runOnOperation() override {
    ModuleOp module = getOperation();
    MLIRContext *context = &getContext();
    const auto &dataLayout = getAnalysis<DataLayoutAnalysis>();
    LowerToLLVMOptions options(context, dataLayout.getAtOrAbove(module));
    // Allocations through the runtime's caching allocator.
    options.useGenericFunctions = true;
    LLVMTypeConverter converter(context, options, &dataLayout);

    // Lookups of the callees and of the allocation functions through cached
    // tables, as upstream's convert-func-to-llvm does (the func pattern
    // updates the table when it replaces a function): linear in the calls.
    // The assert pattern adds its globals and declarations without them,
    // as in convert-cf-to-llvm; nothing here looks those up.
    SymbolTableCollection symbolTables;
    RewritePatternSet patterns(context);
    populateFinalizeMemRefToLLVMConversionPatterns(converter, patterns,
                                                   &symbolTables);
    populateMathToLLVMConversionPatterns(converter, patterns);
    arith::populateArithToLLVMConversionPatterns(converter, patterns);
    populateFuncToLLVMConversionPatterns(converter, patterns, &symbolTables);
    cf::populateControlFlowToLLVMConversionPatterns(converter, patterns);
    cf::populateAssertToLLVMConversionPattern(converter, patterns);

    SmallPtrSet<Block *, 8> bodies = emptyEntryBlocks(module);
    LLVMConversionTarget target(*context);
    ConversionConfig config;
    config.allowPatternRollback = false;
    if (failed(applyPartialConversion(module, target, std::move(patterns),
                                      config)))
      return signalPassFailure();
    mergeEntryBlocks(module, bodies);

    // reconcile-unrealized-casts, here rather than as a pass of its own: it
    // would walk and (in coco-opt) verify the largest form of the module
    // once more, before any cleanup.
    SmallVector<UnrealizedConversionCastOp> casts;
    module.walk(
        [&](UnrealizedConversionCastOp cast) { casts.push_back(cast); });
    reconcileUnrealizedCasts(casts);

    if (failed(nameCInterfaces(module)) || failed(checkLowered(module)))
      return signalPassFailure();
  }
};
} // namespace
