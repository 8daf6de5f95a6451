//===- ExpandBF16TruncF.cpp - f32 to bf16 in integer ops that vectorize ---===//

#include "coco/Transforms/Passes.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Arith/Utils/Utils.h"
#include "mlir/IR/PatternMatch.h"
#include "mlir/IR/TypeUtilities.h"

namespace mlir::coco {
#define GEN_PASS_DEF_COCOEXPANDBF16TRUNCFPASS
#include "coco/Transforms/Passes.h.inc"
} // namespace mlir::coco

using namespace mlir;

namespace {

/// `type` (a scalar or a shaped type) with `element` elements.
Type withElement(Type type, Type element) {
  if (auto shaped = dyn_cast<ShapedType>(type))
    return shaped.clone(element);
  return element;
}

/// Whether coco-expand-bf16-truncf rewrites `op`: f32 (or a vector of it)
/// to bf16, rounding to nearest even (the default). Not tensors: the loops
/// the CPU pipeline makes compute on scalars, and a splat constant of a
/// dynamically shaped tensor does not exist.
bool isExpanded(arith::TruncFOp op) {
  std::optional<arith::RoundingMode> mode = op.getRoundingmode();
  Type type = op.getIn().getType();
  return (type.isF32() || (isa<VectorType>(type) &&
                           cast<VectorType>(type).getElementType().isF32())) &&
         getElementTypeOrSelf(op.getType()).isBF16() &&
         (!mode || *mode == arith::RoundingMode::to_nearest_even);
}

/// The bits of bf16(x), as lib/Runtime/HalfFloat.h's floatToBf16 computes
/// them:
///   bits = bitcast(x); high = bits >> 16
///   rounded = (bits + 0x7fff + (high & 1)) >> 16       (to nearest even)
///   nan = (bits & 0x7fffffff) > 0x7f800000
///   result = nan ? high | 0x40 : rounded               (a quiet NaN)
/// in integer ops only, the NaN test included.
Value truncateToBF16(OpBuilder &builder, Location loc, Value x) {
  Type type = x.getType();
  Type i32 = withElement(type, builder.getI32Type());
  Type i16 = withElement(type, builder.getI16Type());
  auto constant = [&](int64_t value) {
    return createScalarOrSplatConstant(builder, loc, i32, value);
  };
  Value sixteen = constant(16), one = constant(1), half = constant(0x7fff),
        signless = constant(0x7fffffff), infinity = constant(0x7f800000),
        quietBit = constant(0x40);
  Value bits = arith::BitcastOp::create(builder, loc, i32, x);
  Value high = arith::ShRUIOp::create(builder, loc, bits, sixteen);
  Value odd = arith::AndIOp::create(builder, loc, high, one);
  Value bias = arith::AddIOp::create(builder, loc, odd, half);
  Value sum = arith::AddIOp::create(builder, loc, bits, bias);
  Value rounded = arith::ShRUIOp::create(builder, loc, sum, sixteen);
  Value magnitude = arith::AndIOp::create(builder, loc, bits, signless);
  Value nan = arith::CmpIOp::create(builder, loc, arith::CmpIPredicate::ugt,
                                    magnitude, infinity);
  Value quiet = arith::OrIOp::create(builder, loc, high, quietBit);
  Value chosen = arith::SelectOp::create(builder, loc, nan, quiet, rounded);
  Value narrow = arith::TruncIOp::create(builder, loc, i16, chosen);
  return arith::BitcastOp::create(
      builder, loc, withElement(type, builder.getBF16Type()), narrow);
}

struct CocoExpandBF16TruncFPass
    : public coco::impl::CocoExpandBF16TruncFPassBase<
          CocoExpandBF16TruncFPass> {
  void runOnOperation() override {
    SmallVector<arith::TruncFOp> ops;
    getOperation()->walk([&](arith::TruncFOp op) {
      if (isExpanded(op))
        ops.push_back(op);
    });
    // Nothing to change: coco-opt need not verify the module again.
    if (ops.empty())
      return markAllAnalysesPreserved();
    IRRewriter rewriter(&getContext());
    for (arith::TruncFOp op : ops) {
      rewriter.setInsertionPoint(op);
      rewriter.replaceOp(op, truncateToBF16(rewriter, op.getLoc(), op.getIn()));
    }
  }
};
} // namespace
