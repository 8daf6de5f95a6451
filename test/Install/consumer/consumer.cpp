//===- consumer.cpp - another MLIR tool embedding coco --------------------===//
//
// Registers coco through its C API and its C++ registration functions, then
// runs coco's schedules (a textual pass pipeline) on the file given.
//
//===----------------------------------------------------------------------===//

#include "coco-c/Dialects.h"
#include "coco/InitAll.h"

#include "mlir-c/IR.h"
#include "mlir/IR/BuiltinOps.h"
#include "mlir/IR/MLIRContext.h"
#include "mlir/Parser/Parser.h"
#include "mlir/Pass/PassManager.h"
#include "mlir/Pass/PassRegistry.h"
#include "llvm/Support/raw_ostream.h"

int main(int argc, char **argv) {
  if (argc != 3) {
    llvm::errs() << "usage: coco-consumer FILE.mlir PASS[,PASS...]\n";
    return 2;
  }

  // C API: the dialect handle.
  MlirContext cContext = mlirContextCreate();
  mlirDialectHandleRegisterDialect(mlirGetDialectHandle__coco__(), cContext);
  MlirDialect dialect = mlirContextGetOrLoadDialect(
      cContext, mlirStringRefCreateFromCString("coco"));
  if (mlirDialectIsNull(dialect)) {
    llvm::errs() << "C API: could not load the coco dialect\n";
    return 1;
  }
  llvm::outs() << "C API: loaded dialect 'coco'\n";
  mlirContextDestroy(cContext);

  // C++ API: registries and passes, as an MLIR-based compiler would.
  mlir::DialectRegistry registry;
  mlir::coco::registerCocoAndUpstreamDialects(registry);
  mlir::coco::registerAllCocoPasses();
  mlir::MLIRContext context(registry);
  mlir::OwningOpRef<mlir::ModuleOp> module =
      mlir::parseSourceFile<mlir::ModuleOp>(argv[1], &context);
  if (!module)
    return 1;
  mlir::PassManager pm(&context);
  if (failed(mlir::parsePassPipeline(argv[2], pm)) || failed(pm.run(*module)))
    return 1;
  module->print(llvm::outs());
  return 0;
}
