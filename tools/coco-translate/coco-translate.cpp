//===- coco-translate.cpp - coco's translations ---------------------------===//
//
// --mlir-to-llvmir: LLVM-dialect module -> LLVM IR (upstream's translation).
// --coco-to-cpp-main: a coco module (global view) -> the C++ source of a
//   host program that runs its entry function on MPI ranks (see
//   lib/Target/Cpp/TranslateToCppMain.cpp).
// --coco-to-cpp-library: a coco module -> the C++ source that makes its
//   entries callable in-process from a shared library
//   (lib/Target/Cpp/TranslateToCppLibrary.cpp, coco/Runtime/CocoLibrary.h).
// --coco-to-signature-json: a coco module -> a JSON manifest of its entries'
//   arguments and results (lib/Target/Json/TranslateToSignatureJson.cpp),
//   which the Python front end reads.
//
//===----------------------------------------------------------------------===//

#include "coco/InitAll.h"
#include "coco/Target/Cpp/TranslateToCppLibrary.h"
#include "coco/Target/Cpp/TranslateToCppMain.h"
#include "coco/Target/Json/TranslateToSignatureJson.h"

#include "mlir/Target/LLVMIR/Dialect/All.h"
#include "mlir/Tools/mlir-translate/MlirTranslateMain.h"
#include "mlir/Tools/mlir-translate/Translation.h"

namespace mlir {
void registerToLLVMIRTranslation();
} // namespace mlir

int main(int argc, char **argv) {
  mlir::registerToLLVMIRTranslation();
  mlir::coco::registerToCppMainTranslation();
  mlir::coco::registerToCppLibraryTranslation();
  mlir::coco::registerToSignatureJsonTranslation();
  return mlir::failed(
      mlir::mlirTranslateMain(argc, argv, "coco translation driver"));
}
