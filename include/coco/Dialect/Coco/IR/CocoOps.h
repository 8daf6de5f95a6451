//===- CocoOps.h - coco operations -------------------------------*- C++ -*-===//

#ifndef COCO_DIALECT_COCO_IR_COCOOPS_H
#define COCO_DIALECT_COCO_IR_COCOOPS_H

#include "coco/Dialect/Coco/IR/CocoDialect.h"
#include "coco/Dialect/Coco/IR/CocoTypes.h"

#include "mlir/Bytecode/BytecodeOpInterface.h"
#include "mlir/IR/BuiltinOps.h"
#include "mlir/IR/OpDefinition.h"
#include "mlir/IR/SymbolTable.h"
#include "mlir/Interfaces/DestinationStyleOpInterface.h"
#include "mlir/Interfaces/InferTypeOpInterface.h"
#include "mlir/Interfaces/SideEffectInterfaces.h"

namespace mlir::coco {

/// The side-effect resource of communication: collectives and point-to-point
/// ops write it, so they keep their order and are never removed.
struct CommunicationResource
    : public SideEffects::Resource::Base<CommunicationResource> {
  StringRef getName() final { return "coco.communication"; }
};

class GridOp;

/// Verifies that every grid named by `op` (in a `grid`/`axis` attribute pair,
/// or in a distributed tensor type of an operand or result) exists, has the
/// axis, and statically divides sliced dimensions.
LogicalResult verifyGridUses(Operation *op, SymbolTableCollection &symbols);

/// The number of ranks on `type`'s grid axis as declared by its coco.grid
/// (ShapedType::kDynamic for '?'), or failure if the grid is unknown.
FailureOr<int64_t> lookupAxisExtent(Operation *from, DTensorType type,
                                    SymbolTableCollection &symbols);

/// For diagnostics: "sliced<1>", "replicated", ...
std::string describeLayout(DTensorType type);
/// For diagnostics: "@grid[axis]".
std::string describeAxis(DTensorType type);

} // namespace mlir::coco

#include "coco/Dialect/Coco/IR/CocoOpInterfaces.h.inc"

#define GET_OP_CLASSES
#include "coco/Dialect/Coco/IR/CocoOps.h.inc"

#endif // COCO_DIALECT_COCO_IR_COCOOPS_H
