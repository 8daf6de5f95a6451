//===- InitAll.h - register coco and what it builds on ----------*- C++ -*-===//
//
// For coco's tools and for other MLIR-based compilers that embed coco: one
// call registers the coco dialect (with its external interface models) and
// the upstream dialects its passes create; another registers coco's passes
// and named pipelines.
//
//===----------------------------------------------------------------------===//

#ifndef COCO_INITALL_H
#define COCO_INITALL_H

#include "coco/Conversion/Passes.h"
#include "coco/Dialect/Coco/IR/BufferizableOpInterfaceImpl.h"
#include "coco/Dialect/Coco/IR/CocoDialect.h"
#include "coco/Dialect/Coco/Transforms/Passes.h"
#include "coco/Pipelines/Pipelines.h"
#include "coco/Transforms/Passes.h"

#include "mlir/IR/DialectRegistry.h"

namespace mlir::coco {

/// Registers the coco dialect and its interface models.
void registerCocoDialect(DialectRegistry &registry);
/// Registers coco's dialect plus every upstream dialect and interface model
/// the CPU lowering uses.
void registerCocoAndUpstreamDialects(DialectRegistry &registry);
/// Registers coco's passes and named pipelines.
void registerAllCocoPasses();

} // namespace mlir::coco

#endif // COCO_INITALL_H
