//===- TranslateToCppMain.h - coco module -> C++ host main ------*- C++ -*-===//

#ifndef COCO_TARGET_CPP_TRANSLATETOCPPMAIN_H
#define COCO_TARGET_CPP_TRANSLATETOCPPMAIN_H

#include "mlir/Support/LLVM.h"

namespace mlir {
class ModuleOp;
namespace coco {

/// Writes the C++ source of a program that runs `entry` (a public function
/// of the global-view `module`; empty = the only one; a comma-separated list
/// = several, run interleaved for benchmarks) on MPI ranks through its C
/// interface, using coco/Runtime/CocoHost.h for inputs and outputs.
LogicalResult translateToCppMain(ModuleOp module, StringRef entry,
                                 raw_ostream &os);

/// Registers `--coco-to-cpp-main` (with `--coco-entry=NAME`).
void registerToCppMainTranslation();

} // namespace coco
} // namespace mlir

#endif // COCO_TARGET_CPP_TRANSLATETOCPPMAIN_H
