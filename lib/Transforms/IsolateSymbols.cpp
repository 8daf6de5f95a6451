//===- IsolateSymbols.cpp - compiled functions under names of their own ---===//
//
// A function's name became its symbol in the object, where it met every
// library the program links: a coco function @exp in an f64 program was
// called by LLVM's exp libcall (the vectorized math) and recursed until it
// crashed; @memcpy took the llvm.memcpy lowering's calls; an executable's
// @free or @send interposed libc's for libc itself and for MPI; @main met
// the host program's main. Names a user picks for a step cannot be checked
// against every library symbol, so no compiled function keeps its name:
// each becomes `coco.fn.<name>` (the dot keeps it out of C's names), and
// callers follow. The C interfaces (`_mlir_ciface_<name>`), which host
// programs and in-process libraries call, keep theirs: their prefix is
// reserved for MLIR's wrappers.
//
//===----------------------------------------------------------------------===//

#include "coco/Transforms/Passes.h"

#include "mlir/Dialect/LLVMIR/LLVMDialect.h"
#include "mlir/IR/AttrTypeSubElements.h"
#include "mlir/IR/BuiltinOps.h"
#include "llvm/ADT/DenseMap.h"
#include "llvm/ADT/StringSet.h"

namespace mlir::coco {
#define GEN_PASS_DEF_COCOISOLATESYMBOLSPASS
#include "coco/Transforms/Passes.h.inc"
} // namespace mlir::coco

using namespace mlir;

namespace {

constexpr StringLiteral kCInterfacePrefix = "_mlir_ciface_";
constexpr StringLiteral kCompiledPrefix = "coco.fn.";

struct CocoIsolateSymbolsPass
    : public coco::impl::CocoIsolateSymbolsPassBase<CocoIsolateSymbolsPass> {
  void runOnOperation() override {
    ModuleOp module = getOperation();
    // The functions with a C interface, whose wrappers keep their names.
    llvm::StringSet<> withCInterface;
    for (auto function : module.getOps<LLVM::LLVMFuncOp>())
      if (function->hasAttr("llvm.emit_c_interface"))
        withCInterface.insert(function.getSymName());
    auto isCInterface = [&](StringRef name) {
      return name.starts_with(kCInterfacePrefix) &&
             withCInterface.contains(name.drop_front(kCInterfacePrefix.size()));
    };

    MLIRContext *context = &getContext();
    llvm::DenseMap<Attribute, Attribute> renamed;
    SmallVector<LLVM::LLVMFuncOp> functions;
    for (auto function : module.getOps<LLVM::LLVMFuncOp>()) {
      StringRef name = function.getSymName();
      if (function.isExternal() || isCInterface(name))
        continue;
      auto newName = StringAttr::get(context, Twine(kCompiledPrefix) + name);
      renamed[FlatSymbolRefAttr::get(function.getSymNameAttr())] =
          FlatSymbolRefAttr::get(newName);
      functions.push_back(function);
    }
    if (functions.empty())
      return;
    // Every defined function moves under the prefix, so only a declaration
    // can already hold a new name.
    for (auto function : functions) {
      StringRef newName =
          cast<FlatSymbolRefAttr>(
              renamed[FlatSymbolRefAttr::get(function.getSymNameAttr())])
              .getValue();
      Operation *holder = module.lookupSymbol(newName);
      if (holder && (!isa<LLVM::LLVMFuncOp>(holder) ||
                     cast<LLVM::LLVMFuncOp>(holder).isExternal())) {
        function.emitError() << "cannot be renamed @" << newName
                             << " (its symbol in the compiled code, apart "
                                "from library symbols): the module declares "
                                "that name already";
        return signalPassFailure();
      }
    }
    // One walk rewrites every reference (calls, address_of), however many
    // functions there are.
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
      // Kernels in GPU modules are symbols of another table.
      if (op != module.getOperation() && op->hasTrait<OpTrait::SymbolTable>())
        return WalkResult::skip();
      replacer.replaceElementsIn(op);
      return WalkResult::advance();
    });
    for (auto function : functions)
      function.setSymName(
          cast<FlatSymbolRefAttr>(
              renamed[FlatSymbolRefAttr::get(function.getSymNameAttr())])
              .getValue());
  }
};
} // namespace
