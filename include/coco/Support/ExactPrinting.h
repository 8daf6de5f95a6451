//===- ExactPrinting.h - print IR to compare it, whatever the command line ===//
//
// Printing flags for IR that is compared or hashed rather than read: two
// identical GPU kernels are compiled once (coco-dedup-gpu-modules), and an
// in-process library carries a digest of the program it came from
// (TranslateToCppLibrary). Every flag that changes what prints is set, so
// that the command line's --mlir-print-* options (skip regions, generic
// form, elided constants) cannot make different IR print the same, or the
// same IR differently; no debug info. Header-only.
//
//===----------------------------------------------------------------------===//

#ifndef COCO_SUPPORT_EXACTPRINTING_H
#define COCO_SUPPORT_EXACTPRINTING_H

#include "mlir/IR/OperationSupport.h"

#include <cstdint>
#include <limits>

namespace mlir::coco {

inline OpPrintingFlags exactPrintingFlags() {
  OpPrintingFlags flags;
  flags.elideLargeElementsAttrs(std::numeric_limits<int64_t>::max())
      .enableDebugInfo(false)
      .printGenericOpForm(false)
      .skipRegions(false)
      .printValueUsers(false)
      .printUniqueSSAIDs(false)
      .printNameLocAsPrefix(false);
  return flags;
}

} // namespace mlir::coco

#endif // COCO_SUPPORT_EXACTPRINTING_H
