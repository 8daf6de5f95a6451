//===- CocoTypes.h - coco types and enums ------------------------*- C++ -*-===//

#ifndef COCO_DIALECT_COCO_IR_COCOTYPES_H
#define COCO_DIALECT_COCO_IR_COCOTYPES_H

#include "mlir/IR/BuiltinAttributes.h"
#include "mlir/IR/BuiltinTypes.h"
#include "mlir/IR/Types.h"

#include "coco/Dialect/Coco/IR/CocoEnums.h.inc"

#define GET_TYPEDEF_CLASSES
#include "coco/Dialect/Coco/IR/CocoTypes.h.inc"

#endif // COCO_DIALECT_COCO_IR_COCOTYPES_H
