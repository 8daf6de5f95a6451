//===- CocoDialect.h - coco dialect -----------------------------*- C++ -*-===//

#ifndef COCO_DIALECT_COCO_IR_COCODIALECT_H
#define COCO_DIALECT_COCO_IR_COCODIALECT_H

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Bufferization/IR/Bufferization.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/IR/Dialect.h"

#include "coco/Dialect/Coco/IR/CocoDialect.h.inc"

#endif // COCO_DIALECT_COCO_IR_COCODIALECT_H
