//===- BlockOffsets.cpp - this rank's equal block, as IR ------------------===//

#include "coco/Dialect/Coco/Transforms/BlockOffsets.h"
#include "coco/Dialect/Coco/IR/CocoOps.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Arith/Utils/Utils.h"
#include "mlir/Dialect/Utils/StaticValueUtils.h"

using namespace mlir;
using namespace mlir::coco;

std::optional<EqualBlock> mlir::coco::equalBlock(Builder &b,
                                                 ArrayRef<int64_t> gridExtents,
                                                 ArrayRef<int64_t> axes,
                                                 int64_t extent) {
  if (ShapedType::isDynamic(extent))
    return std::nullopt;
  EqualBlock block{{}, extent};
  for (int64_t axis : axes) {
    int64_t parts = gridExtents[axis];
    if (ShapedType::isDynamic(parts) || parts < 1 || block.size % parts != 0)
      return std::nullopt;
    block.size /= parts;
    if (parts != 1)
      block.terms.push_back({axis, b.getIndexAttr(block.size)});
  }
  return block;
}

Value mlir::coco::buildBlockOffset(OpBuilder &b, Location loc, StringRef grid,
                                   ArrayRef<BlockOffsetTerm> terms,
                                   SmallVectorImpl<Operation *> *created) {
  auto track = [&](Value value) {
    if (created)
      created->push_back(value.getDefiningOp());
    return value;
  };
  Value offset;
  for (const BlockOffsetTerm &term : terms) {
    Value rank = track(AxisRankOp::create(b, loc, grid, term.axis));
    Value levelSize =
        isa<Value>(term.levelSize)
            ? cast<Value>(term.levelSize)
            : track(getValueOrCreateConstantIndexOp(b, loc, term.levelSize));
    Value product = track(arith::MulIOp::create(b, loc, rank, levelSize));
    offset = offset ? track(arith::AddIOp::create(b, loc, offset, product))
                    : product;
  }
  return offset;
}

bool mlir::coco::isBlockOffset(Value offset, StringRef grid,
                               ArrayRef<BlockOffsetTerm> terms) {
  if (!offset || terms.empty())
    return false;
  SmallVector<Value> products, pending = {offset};
  while (!pending.empty()) {
    Value value = pending.pop_back_val();
    if (auto sum = value.getDefiningOp<arith::AddIOp>())
      pending.append({sum.getLhs(), sum.getRhs()});
    else
      products.push_back(value);
  }
  if (products.size() != terms.size())
    return false;
  auto isTerm = [&](Value value, const BlockOffsetTerm &term) {
    auto product = value.getDefiningOp<arith::MulIOp>();
    if (!product)
      return false;
    for (auto [rank, size] : {std::pair(product.getLhs(), product.getRhs()),
                              std::pair(product.getRhs(), product.getLhs())})
      if (auto axisRank = rank.getDefiningOp<AxisRankOp>();
          axisRank && axisRank.getGrid() == grid &&
          static_cast<int64_t>(axisRank.getAxis()) == term.axis &&
          isEqualConstantIntOrValue(size, term.levelSize))
        return true;
    return false;
  };
  // Each term matches a product of its own (the axes differ).
  return llvm::all_of(terms, [&](const BlockOffsetTerm &term) {
    return llvm::any_of(products,
                        [&](Value product) { return isTerm(product, term); });
  });
}
