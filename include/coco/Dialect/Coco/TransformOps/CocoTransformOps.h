//===- CocoTransformOps.h - the scheduling language -------------*- C++ -*-===//

#ifndef COCO_DIALECT_COCO_TRANSFORMOPS_COCOTRANSFORMOPS_H
#define COCO_DIALECT_COCO_TRANSFORMOPS_COCOTRANSFORMOPS_H

#include "coco/Dialect/Coco/IR/CocoTypes.h" // SplitForm
#include "mlir/Bytecode/BytecodeOpInterface.h"
#include "mlir/Dialect/Transform/IR/TransformDialect.h"
#include "mlir/Dialect/Transform/Interfaces/TransformInterfaces.h"
#include "mlir/IR/OpImplementation.h"

#define GET_OP_CLASSES
#include "coco/Dialect/Coco/TransformOps/CocoTransformOps.h.inc"

namespace mlir {
class DialectRegistry;
namespace coco {
/// Registers the transform.coco.* ops with the transform dialect.
void registerTransformDialectExtension(DialectRegistry &registry);
} // namespace coco
} // namespace mlir

#endif // COCO_DIALECT_COCO_TRANSFORMOPS_COCOTRANSFORMOPS_H
