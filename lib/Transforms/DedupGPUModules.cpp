//===- DedupGPUModules.cpp - one gpu.module per distinct kernel -----------===//
//
// Kernel outlining gives each launch a module, and each module becomes a
// binary of its own. Identical modules (all but the name) are merged: a
// module's key is its attributes without the name plus its body, printed
// without locations; references to a duplicate are rewritten to the first
// module with that key by one AttrTypeReplacer walk, so the cost is linear
// in the program however many duplicates there are.
//
//===----------------------------------------------------------------------===//

#include "coco/Support/ExactPrinting.h"
#include "coco/Transforms/Passes.h"

#include "mlir/Dialect/GPU/IR/GPUDialect.h"
#include "mlir/IR/AttrTypeSubElements.h"
#include "mlir/IR/BuiltinOps.h"
#include "llvm/ADT/StringMap.h"

namespace mlir::coco {
#define GEN_PASS_DEF_COCODEDUPGPUMODULESPASS
#include "coco/Transforms/Passes.h.inc"
} // namespace mlir::coco

using namespace mlir;

namespace {

/// What makes two GPU modules the same code: attributes but the name, and
/// the body, printed without locations.
std::string moduleKey(gpu::GPUModuleOp module) {
  // Every flag that changes what prints is set here, whatever the command
  // line says (--mlir-print-skip-regions would make all kernels of one
  // signature equal; debug info, none). Local scope: printing a nested op
  // otherwise numbers the values of the whole program first. No elision:
  // elided constants would compare equal.
  OpPrintingFlags flags = coco::exactPrintingFlags();
  flags.useLocalScope();
  std::string key;
  llvm::raw_string_ostream os(key);
  NamedAttrList attrs(module->getAttrDictionary());
  attrs.erase(SymbolTable::getSymbolAttrName());
  attrs.getDictionary(module.getContext()).print(os);
  os << "\n";
  for (Operation &op : module.getBody()->getOperations())
    op.print(os, flags);
  return key;
}

/// Moves the GPU modules before every other op of `top`, in their order:
/// lookups of a kernel (the GPU dialect's verifier, gpu-to-llvm) scan the
/// module from the top.
void moveToTheTop(ModuleOp top) {
  Block *body = top.getBody();
  auto modules = llvm::to_vector(top.getOps<gpu::GPUModuleOp>());
  Block::iterator front = body->begin();
  for (gpu::GPUModuleOp module : llvm::reverse(modules)) {
    module->moveBefore(body, front);
    front = module->getIterator();
  }
}

struct CocoDedupGPUModulesPass
    : public coco::impl::CocoDedupGPUModulesPassBase<CocoDedupGPUModulesPass> {
  void runOnOperation() override {
    ModuleOp top = getOperation();
    llvm::StringMap<StringAttr> firstWithKey;
    DenseMap<StringAttr, StringAttr> replacement;
    SmallVector<gpu::GPUModuleOp> duplicates;
    for (auto module : top.getOps<gpu::GPUModuleOp>()) {
      auto [it, inserted] =
          firstWithKey.try_emplace(moduleKey(module), module.getNameAttr());
      if (!inserted) {
        replacement[module.getNameAttr()] = it->second;
        duplicates.push_back(module);
      }
    }
    moveToTheTop(top);
    if (duplicates.empty())
      return;

    AttrTypeReplacer replacer;
    replacer.addReplacement([&](SymbolRefAttr ref) -> std::optional<Attribute> {
      auto it = replacement.find(ref.getRootReference());
      if (it == replacement.end())
        return std::nullopt;
      return SymbolRefAttr::get(it->second, ref.getNestedReferences());
    });
    for (auto module : duplicates)
      module.erase();
    replacer.recursivelyReplaceElementsIn(top, /*replaceAttrs=*/true,
                                          /*replaceLocs=*/false,
                                          /*replaceTypes=*/false);
  }
};
} // namespace
