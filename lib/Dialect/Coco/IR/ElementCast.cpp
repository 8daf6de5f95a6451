//===- ElementCast.cpp - coco's conversion of one element -----------------===//

#include "coco/Dialect/Coco/IR/ElementCast.h"

#include "mlir/Dialect/Arith/IR/Arith.h"

using namespace mlir;

Value mlir::coco::buildElementCast(OpBuilder &b, Location loc, Value value,
                                   Type to) {
  Type from = value.getType();
  if (from == to)
    return value;
  if (isa<FloatType>(from) && isa<FloatType>(to)) {
    unsigned fromBits = from.getIntOrFloatBitWidth(),
             toBits = to.getIntOrFloatBitWidth();
    // Two formats of one width (f16 and bf16): neither extf nor truncf
    // takes them; through f32, which holds every value of both exactly, so
    // the one rounding is the truncf's.
    if (fromBits == toBits && fromBits < 32)
      value = arith::ExtFOp::create(b, loc, b.getF32Type(), value);
    return fromBits < toBits
               ? arith::ExtFOp::create(b, loc, to, value).getResult()
               : arith::TruncFOp::create(b, loc, to, value).getResult();
  }
  // i1 is a boolean: true converts to 1, not -1.
  bool isBool = from.isInteger(1);
  if (isa<IntegerType>(from) && isa<IntegerType>(to)) {
    if (from.getIntOrFloatBitWidth() >= to.getIntOrFloatBitWidth())
      return arith::TruncIOp::create(b, loc, to, value);
    return isBool ? arith::ExtUIOp::create(b, loc, to, value).getResult()
                  : arith::ExtSIOp::create(b, loc, to, value).getResult();
  }
  if (isa<IntegerType>(from))
    return isBool ? arith::UIToFPOp::create(b, loc, to, value).getResult()
                  : arith::SIToFPOp::create(b, loc, to, value).getResult();
  return arith::FPToSIOp::create(b, loc, to, value);
}
