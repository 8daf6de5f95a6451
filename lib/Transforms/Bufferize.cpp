//===- Bufferize.cpp - one-shot module bufferization, linear in arguments -===//
//
// Upstream's runOneShotModuleBufferize is insertTensorCopies (the analysis,
// whose conflicts become explicit copies) then bufferizeModuleOp (the rewrite
// to memrefs), which ends by removing the bufferization attributes of every
// function argument, one removeArgAttr at a time. Each removal builds a new
// ArrayAttr of all the function's argument attributes and keeps it in the
// context: quadratic in the arguments, in time and in memory. Only the
// analysis reads `bufferization.writable`, so this pass removes it between
// the two steps, once per function; upstream's removal then finds nothing to
// remove and rebuilds nothing.
//
//===----------------------------------------------------------------------===//

#include "coco/Transforms/Passes.h"

#include "mlir/Dialect/Bufferization/IR/Bufferization.h"
#include "mlir/Dialect/Bufferization/Transforms/Bufferize.h"
#include "mlir/Dialect/Bufferization/Transforms/OneShotAnalysis.h"
#include "mlir/Dialect/Bufferization/Transforms/OneShotModuleBufferize.h"
#include "mlir/Dialect/Bufferization/Transforms/Transforms.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/IR/BuiltinOps.h"

namespace mlir::coco {
#define GEN_PASS_DEF_COCOBUFFERIZEPASS
#include "coco/Transforms/Passes.h.inc"
} // namespace mlir::coco

using namespace mlir;
using namespace mlir::bufferization;

namespace {

/// Removes `bufferization.writable` from every argument of `function` with
/// one new array of argument attributes (none when no argument has it).
void removeWritableAttributes(func::FuncOp function) {
  StringRef writable = BufferizationDialect::kWritableAttrName;
  bool any = false;
  for (unsigned i = 0, e = function.getNumArguments(); i < e && !any; ++i)
    any = static_cast<bool>(function.getArgAttr(i, writable));
  if (!any)
    return;
  SmallVector<DictionaryAttr> argAttrs;
  argAttrs.reserve(function.getNumArguments());
  for (unsigned i = 0, e = function.getNumArguments(); i < e; ++i) {
    NamedAttrList attrs(function.getArgAttrDict(i));
    attrs.erase(writable);
    argAttrs.push_back(attrs.getDictionary(function.getContext()));
  }
  function.setAllArgAttrs(argAttrs);
}

struct CocoBufferizePass
    : public coco::impl::CocoBufferizePassBase<CocoBufferizePass> {
  void runOnOperation() override {
    // As one-shot-bufferize{bufferize-function-boundaries
    // function-boundary-type-conversion=identity-layout-map} sets them.
    OneShotBufferizationOptions options;
    options.bufferizeFunctionBoundaries = true;
    options.setFunctionBoundaryTypeConversion(
        LayoutMapOption::IdentityLayoutMap);
    options.unknownTypeConverterFn = [](TensorType type, Attribute memorySpace,
                                        const BufferizationOptions &) {
      return getMemRefTypeWithFullyDynamicLayout(type, memorySpace);
    };
    options.opFilter.allowOperation([](Operation *) { return true; });
    // A loop that carries a tensor and yields a new one (a branch that
    // computes it, as a pipeline stage's receiver does) yields a new
    // buffer; the ownership-based deallocation that follows frees it.
    // Without this, such loops fail with upstream's "Yield operand #0 is
    // not equivalent to the corresponding iter bbArg".
    options.allowReturnAllocsFromLoops = true;

    ModuleOp module = getOperation();
    BufferizationState state;
    BufferizationStatistics statistics;
    if (failed(insertTensorCopies(module, options, state, &statistics)))
      return signalPassFailure();
    for (auto function : module.getOps<func::FuncOp>())
      removeWritableAttributes(function);
    if (failed(bufferizeModuleOp(module, options, state, &statistics)))
      return signalPassFailure();
    // Upstream's pass statistics (--mlir-pass-statistics).
    numBufferAlloc = statistics.numBufferAlloc;
    numTensorInPlace = statistics.numTensorInPlace;
    numTensorOutOfPlace = statistics.numTensorOutOfPlace;
  }
};

} // namespace
