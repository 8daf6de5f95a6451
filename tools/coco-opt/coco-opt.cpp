//===- coco-opt.cpp - the coco optimizer driver ---------------------------===//

#include "coco/InitAll.h"

#include "mlir/IR/DialectRegistry.h"
#include "mlir/Tools/mlir-opt/MlirOptMain.h"

int main(int argc, char **argv) {
  mlir::DialectRegistry registry;
  mlir::coco::registerCocoAndUpstreamDialects(registry);
  mlir::coco::registerAllCocoPasses();
  return mlir::asMainReturnCode(
      mlir::MlirOptMain(argc, argv, "coco optimizer driver\n", registry));
}
