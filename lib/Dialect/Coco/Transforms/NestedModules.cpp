//===- NestedModules.cpp - coco ops a module pass would not reach ---------===//

#include "coco/Dialect/Coco/Transforms/NestedModules.h"
#include "coco/Dialect/Coco/IR/CocoDialect.h"

#include "mlir/Interfaces/FunctionInterfaces.h"

using namespace mlir;
using namespace mlir::coco;

namespace {
bool isCocoType(Type type) { return isa<CocoDialect>(type.getDialect()); }

/// Whether `op` is a coco op or names a coco type: its operands, results,
/// block arguments, or (a declaration has no block) its function type.
bool namesCoco(Operation *op) {
  if (isa<CocoDialect>(op->getDialect()))
    return true;
  if (llvm::any_of(op->getResultTypes(), isCocoType) ||
      llvm::any_of(op->getOperandTypes(), isCocoType))
    return true;
  for (Region &region : op->getRegions())
    for (Block &block : region)
      if (llvm::any_of(block.getArgumentTypes(), isCocoType))
        return true;
  if (auto function = dyn_cast<FunctionOpInterface>(op))
    return llvm::any_of(function.getArgumentTypes(), isCocoType) ||
           llvm::any_of(function.getResultTypes(), isCocoType);
  return false;
}
} // namespace

LogicalResult mlir::coco::checkNoNestedCocoModule(ModuleOp module,
                                                  StringRef pass) {
  // Usually there is none: one walk to find them.
  SmallVector<ModuleOp> nested;
  module->walk([&](ModuleOp inner) {
    if (inner != module)
      nested.push_back(inner);
  });
  // The module whose own ops (not those of a module nested in it) name coco:
  // the one to anchor the pass on.
  ModuleOp found;
  for (ModuleOp inner : nested) {
    WalkResult own = inner->walk<WalkOrder::PreOrder>([&](Operation *op) {
      if (op != inner && isa<ModuleOp>(op))
        return WalkResult::skip();
      return namesCoco(op) ? WalkResult::interrupt() : WalkResult::advance();
    });
    if (own.wasInterrupted()) {
      found = inner;
      break;
    }
  }
  if (!found)
    return success();
  // At its location, without the op: printed, it would be the whole module.
  InFlightDiagnostic diag = mlir::emitError(found.getLoc())
                            << pass
                            << " works on the functions of the module it runs "
                               "on; this nested module's coco ops are not "
                               "reached: anchor the pass or pipeline on this "
                               "module (one builtin.module(...) per level of "
                               "nesting, e.g. for one level "
                               "--pass-pipeline='builtin.module(builtin."
                               "module(coco-lower-to-cpu))')";
  return diag;
}
