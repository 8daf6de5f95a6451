//===- PromoteBF16Arith.cpp - bf16 arithmetic computed in f32 -------------===//

#include "coco/Transforms/Passes.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/IR/PatternMatch.h"
#include "mlir/IR/TypeUtilities.h"

namespace mlir::coco {
#define GEN_PASS_DEF_COCOPROMOTEBF16ARITHPASS
#include "coco/Transforms/Passes.h.inc"
} // namespace mlir::coco

using namespace mlir;

namespace {
bool isFloat(Type type) { return isa<FloatType>(getElementTypeOrSelf(type)); }
bool isBF16(Type type) { return getElementTypeOrSelf(type).isBF16(); }

/// `type` (a scalar or a vector of bf16) with f32 elements.
Type widened(Type type) {
  Type f32 = Float32Type::get(type.getContext());
  if (auto shaped = dyn_cast<ShapedType>(type))
    return shaped.clone(f32);
  return f32;
}

/// An op that computes in bf16: an arith or math op with fastmath flags
/// (other dialects' ops with arith's fastmath interface, vector.reduction or
/// complex ops, have semantics this pass does not know), a bf16 operand, and no
/// float operand or result of another type (extf, truncf and the scaling
/// conversions change type). The ops that only touch the sign bit (negf, absf,
/// copysign) are left alone: LLVM lowers them to bit operations, which keep a
/// NaN's payload, where a round trip through f32 would return the canonical
/// NaN.
bool computesInBF16(Operation *op) {
  if (!isa<arith::ArithDialect, math::MathDialect>(op->getDialect()) ||
      !isa<arith::ArithFastMathInterface>(op) || op->getNumRegions() != 0 ||
      isa<arith::NegFOp, math::AbsFOp, math::CopySignOp>(op))
    return false;
  auto others = [](TypeRange types) {
    return llvm::any_of(types, [](Type t) { return isFloat(t) && !isBF16(t); });
  };
  return llvm::any_of(op->getOperandTypes(), isBF16) &&
         !others(op->getOperandTypes()) && !others(op->getResultTypes());
}

struct CocoPromoteBF16ArithPass
    : public coco::impl::CocoPromoteBF16ArithPassBase<
          CocoPromoteBF16ArithPass> {
  void runOnOperation() override {
    SmallVector<Operation *> ops;
    getOperation()->walk([&](Operation *op) {
      if (computesInBF16(op))
        ops.push_back(op);
    });
    // Nothing to change: coco-opt need not verify the module again.
    if (ops.empty())
      return markAllAnalysesPreserved();
    IRRewriter rewriter(&getContext());
    for (Operation *op : ops) {
      rewriter.setInsertionPoint(op);
      Location loc = op->getLoc();
      // One extf per value (x * x reads x twice).
      llvm::SmallDenseMap<Value, Value, 4> wideOf;
      SmallVector<Value> operands;
      for (Value operand : op->getOperands()) {
        if (!isBF16(operand.getType())) {
          operands.push_back(operand);
          continue;
        }
        Value &wide = wideOf[operand];
        if (!wide)
          wide = arith::ExtFOp::create(rewriter, loc,
                                       widened(operand.getType()), operand);
        operands.push_back(wide);
      }
      SmallVector<Type> resultTypes;
      for (Type type : op->getResultTypes())
        resultTypes.push_back(isBF16(type) ? widened(type) : type);
      OperationState state(loc, op->getName(), operands, resultTypes,
                           op->getAttrs());
      Operation *wide = rewriter.create(state);
      SmallVector<Value> results;
      for (auto [result, type] :
           llvm::zip_equal(wide->getResults(), op->getResultTypes()))
        results.push_back(
            type == result.getType()
                ? Value(result)
                : arith::TruncFOp::create(rewriter, loc, type, result)
                      .getResult());
      rewriter.replaceOp(op, results);
    }
  }
};
} // namespace
