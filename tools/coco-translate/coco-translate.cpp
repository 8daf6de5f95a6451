//===- coco-translate.cpp - coco's translations ---------------------------===//
//
// --mlir-to-llvmir: LLVM-dialect module -> LLVM IR (upstream's translation).
// --coco-to-cpp-main: a coco module (global view) -> the C++ source of a
//   host program that runs its entry function on MPI ranks (see
//   lib/Target/Cpp/TranslateToCppMain.cpp).
//
//===----------------------------------------------------------------------===//

#include "coco/InitAll.h"
#include "coco/Target/Cpp/TranslateToCppMain.h"

#include "mlir/Target/LLVMIR/Dialect/All.h"
#include "mlir/Tools/mlir-translate/MlirTranslateMain.h"
#include "mlir/Tools/mlir-translate/Translation.h"

namespace mlir {
void registerToLLVMIRTranslation();
} // namespace mlir

int main(int argc, char **argv) {
  mlir::registerToLLVMIRTranslation();
  mlir::coco::registerToCppMainTranslation();
  return mlir::failed(
      mlir::mlirTranslateMain(argc, argv, "coco translation driver"));
}
