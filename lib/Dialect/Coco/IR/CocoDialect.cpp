//===- CocoDialect.cpp - coco dialect registration ------------------------===//

#include "coco/Dialect/Coco/IR/CocoDialect.h"
#include "coco/Dialect/Coco/IR/CocoOps.h"
#include "coco/Dialect/Coco/IR/CocoTypes.h"

using namespace mlir;
using namespace mlir::coco;

#include "coco/Dialect/Coco/IR/CocoDialect.cpp.inc"

void CocoDialect::initialize() {
  registerTypes();
  addOperations<
#define GET_OP_LIST
#include "coco/Dialect/Coco/IR/CocoOps.cpp.inc"
      >();
}
