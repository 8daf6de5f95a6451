//===- IsolateSymbols.cpp - compiled functions under names of their own ---===//
//
// A function's name became its symbol in the object, where it met every
// library the program links and every function the lowering looks up by
// name: a coco function @exp in an f64 program was called by LLVM's exp
// libcall and recursed until it crashed; @memcpy took the llvm.memcpy
// lowering's calls; an executable's @free or @send interposed libc's for
// libc itself and for MPI; @abort took cf.assert's call; @main met the host
// program's main. Names a user picks for a step cannot be checked against
// every library symbol, so no compiled function keeps a C name: each
// becomes `coco.fn.<name>` (a dot: no C symbol has one), before anything is
// lowered, and callers follow. coco-finalize-to-llvm then names the C
// interfaces of public functions, which host programs and in-process
// libraries call, `_mlir_ciface_<name>` again (the prefix is MLIR's).
//
//===----------------------------------------------------------------------===//

#include "coco/Support/CSymbols.h"
#include "coco/Transforms/Passes.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/LLVMIR/LLVMDialect.h"
#include "mlir/IR/AttrTypeSubElements.h"
#include "mlir/IR/BuiltinOps.h"
#include "mlir/IR/SymbolTable.h"
#include "llvm/ADT/DenseMap.h"

namespace mlir::coco {
#define GEN_PASS_DEF_COCOISOLATESYMBOLSPASS
#include "coco/Transforms/Passes.h.inc"
} // namespace mlir::coco

using namespace mlir;
using namespace mlir::coco;

namespace {

/// Read by convert-func-to-llvm.
constexpr llvm::StringLiteral kLinkageAttr = "llvm.linkage";

struct CocoIsolateSymbolsPass
    : public coco::impl::CocoIsolateSymbolsPassBase<CocoIsolateSymbolsPass> {
  void runOnOperation() override {
    ModuleOp module = getOperation();
    MLIRContext *context = &getContext();
    SymbolTable symbols(module);
    llvm::DenseMap<Attribute, Attribute> renamed;
    SmallVector<std::pair<func::FuncOp, StringAttr>> functions;
    for (auto function : module.getOps<func::FuncOp>()) {
      // A private function is called from this module only: internal
      // linkage keeps it out of the object's symbols, and LLVM may inline
      // it and drop its body.
      if (function.isPrivate() && !function.isExternal() &&
          !function->hasAttr(kLinkageAttr))
        function->setAttr(kLinkageAttr, LLVM::LinkageAttr::get(
                                            context, LLVM::Linkage::Internal));
      StringRef name = function.getSymName();
      // A name with a character C has not (a dot: `coco.fn.step`, a name
      // already isolated) cannot be a library's symbol, and stays.
      if (function.isExternal() || !isCIdentifier(name))
        continue;
      auto newName =
          StringAttr::get(context, Twine(coco::kIsolatedPrefix) + name);
      if (symbols.lookup(newName)) {
        function.emitError() << "cannot be renamed @" << newName.getValue()
                             << " (its symbol in the compiled code, apart "
                                "from library symbols): the module has a "
                                "symbol of that name already";
        return signalPassFailure();
      }
      renamed[FlatSymbolRefAttr::get(function.getSymNameAttr())] =
          FlatSymbolRefAttr::get(newName);
      functions.push_back({function, newName});
    }
    if (functions.empty())
      return;
    // One walk rewrites every reference (calls, constants of function
    // type), however many functions there are.
    AttrTypeReplacer replacer;
    replacer.addReplacement(
        [&](SymbolRefAttr reference) -> std::pair<Attribute, WalkResult> {
          // A nested reference (@kernels::@fn) names a symbol of another table.
          if (!reference.getNestedReferences().empty())
            return {reference, WalkResult::skip()};
          auto found = renamed.find(reference);
          return {found == renamed.end() ? reference : found->second,
                  WalkResult::skip()};
        });
    module->walk<WalkOrder::PreOrder>([&](Operation *op) {
      // Nested modules (GPU kernels, coco's nested modules) are tables of
      // their own.
      if (op != module.getOperation() && op->hasTrait<OpTrait::SymbolTable>())
        return WalkResult::skip();
      replacer.replaceElementsIn(op);
      return WalkResult::advance();
    });
    for (auto [function, newName] : functions)
      function.setSymNameAttr(newName);
  }
};
} // namespace
