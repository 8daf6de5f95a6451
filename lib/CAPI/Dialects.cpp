//===- Dialects.cpp - C API of the coco dialect ---------------------------===//

#include "coco-c/Dialects.h"
#include "coco/Dialect/Coco/IR/CocoDialect.h"
#include "coco/InitAll.h"

#include "mlir/CAPI/Registration.h"

MLIR_DEFINE_CAPI_DIALECT_REGISTRATION(Coco, coco, mlir::coco::CocoDialect)

void cocoRegisterAllPasses(void) { mlir::coco::registerAllCocoPasses(); }
