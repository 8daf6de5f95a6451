//===- TranslateToCppLibrary.h - module -> in-process lib -------*- C++ -*-===//

#ifndef COCO_TARGET_CPP_TRANSLATETOCPPLIBRARY_H
#define COCO_TARGET_CPP_TRANSLATETOCPPLIBRARY_H

#include "mlir/Support/LLVM.h"

namespace mlir {
class ModuleOp;
namespace coco {

/// Writes the C++ source that makes a shared library of `module`'s entries
/// callable in-process (coco/Runtime/CocoLibrary.h): `coco_library()` and a
/// caller per entry. `entry`: comma-separated names, empty = every public
/// function.
LogicalResult translateToCppLibrary(ModuleOp module, StringRef entry,
                                    raw_ostream &os);

/// What ranks agree on besides the signatures (libraries and host programs
/// carry it): xxh3 of `module` printed exactly, without locations, and of
/// `--coco-library-lowering` (coco-compile's target and pipeline).
uint64_t programDigest(ModuleOp module);

/// Registers `--coco-to-cpp-library` (with `--coco-library-entry=NAMES`).
void registerToCppLibraryTranslation();

} // namespace coco
} // namespace mlir

#endif // COCO_TARGET_CPP_TRANSLATETOCPPLIBRARY_H
