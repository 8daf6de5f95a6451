//===- Passes.h - coco conversion passes ------------------------*- C++ -*-===//

#ifndef COCO_CONVERSION_PASSES_H
#define COCO_CONVERSION_PASSES_H

#include "coco/Conversion/CocoToLLVM/CocoToLLVM.h"
#include "coco/Dialect/Coco/IR/CocoDialect.h"
#include "mlir/Pass/Pass.h"

namespace mlir::coco {

#define GEN_PASS_DECL
#include "coco/Conversion/Passes.h.inc"

#define GEN_PASS_REGISTRATION
#include "coco/Conversion/Passes.h.inc"

} // namespace mlir::coco

#endif // COCO_CONVERSION_PASSES_H
