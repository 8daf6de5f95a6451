/*===- Dialects.h - C API of the coco dialect ---------------------*- C -*-===*/
/* Registers coco with a C API context:
 *   MlirDialectHandle h = mlirGetDialectHandle__coco__();
 *   mlirDialectHandleRegisterDialect(h, ctx);                              */

#ifndef COCO_C_DIALECTS_H
#define COCO_C_DIALECTS_H

#include "mlir-c/IR.h"

#ifdef __cplusplus
extern "C" {
#endif

MLIR_DECLARE_CAPI_DIALECT_REGISTRATION(Coco, coco);

/// Registers coco's passes and pipelines (coco-localize, coco-split, ...,
/// coco-lower-to-cpu) with the global pass registry.
MLIR_CAPI_EXPORTED void cocoRegisterAllPasses(void);

#ifdef __cplusplus
}
#endif

#endif // COCO_C_DIALECTS_H
