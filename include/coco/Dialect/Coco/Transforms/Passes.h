//===- Passes.h - coco transformation passes --------------------*- C++ -*-===//

#ifndef COCO_DIALECT_COCO_TRANSFORMS_PASSES_H
#define COCO_DIALECT_COCO_TRANSFORMS_PASSES_H

#include "coco/Dialect/Coco/IR/CocoTypes.h" // SplitForm (coco-split into=)
#include "mlir/Pass/Pass.h"

namespace mlir {
class DialectRegistry;
namespace coco {

#define GEN_PASS_DECL
#include "coco/Dialect/Coco/Transforms/Passes.h.inc"

#define GEN_PASS_REGISTRATION
#include "coco/Dialect/Coco/Transforms/Passes.h.inc"

} // namespace coco
} // namespace mlir

#endif // COCO_DIALECT_COCO_TRANSFORMS_PASSES_H
