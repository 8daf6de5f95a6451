//===- ElementCast.h - coco's conversion of one element ---------*- C++ -*-===//
//
// The rule coco.cast defines between element types, as arith ops on one
// scalar. coco-localize lowers coco.cast and converts scalar operands with
// it; convert-shard-to-coco converts the operand of a reduction that
// accumulates in another type with it. One rule for every place a coco
// program converts elements, so the same program gives the same numbers
// whichever way it was written.
//
//===----------------------------------------------------------------------===//

#ifndef COCO_DIALECT_COCO_IR_ELEMENTCAST_H
#define COCO_DIALECT_COCO_IR_ELEMENTCAST_H

#include "mlir/IR/Builders.h"

namespace mlir::coco {

/// `value` (a float or signless integer scalar) converted to `to`:
/// - float to float: extf or truncf (round to nearest even); bf16 <-> f16
///   through f32, which holds every value of both, so the one rounding is
///   the truncf's;
/// - integer to integer: trunci when narrowing, else extsi (signless
///   integers are signed), except i1, a boolean, which extui (true is 1);
/// - integer to float: sitofp (uitofp from i1);
/// - float to integer: fptosi (toward zero).
Value buildElementCast(OpBuilder &b, Location loc, Value value, Type to);

} // namespace mlir::coco

#endif // COCO_DIALECT_COCO_IR_ELEMENTCAST_H
