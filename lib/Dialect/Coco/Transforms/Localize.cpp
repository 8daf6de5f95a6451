//===- Localize.cpp - global view -> rank-local view ----------------------===//
//
// Every distributed tensor becomes the builtin tensor this rank holds; compute
// becomes linalg on those tensors; collectives become destination-style
// coco.comm ops. A dimension sliced over several axes splits level by level
// (outer to inner), each level by numpy's array_split rule. Equal blocks get
// a static per-rank size and the offset sum(axis_rank * level size); blocks
// that differ between ranks (sizes that do not divide, or a '?' grid extent)
// get a dynamic size, and coco.local_block computes this rank's offset and
// size at run time.
//
//===----------------------------------------------------------------------===//

#include "coco/Dialect/Coco/IR/CocoOps.h"
#include "coco/Dialect/Coco/IR/ElementCast.h"
#include "coco/Dialect/Coco/Transforms/BlockOffsets.h"
#include "coco/Dialect/Coco/Transforms/NestedModules.h"
#include "coco/Dialect/Coco/Transforms/Passes.h"
#include "coco/Dialect/Coco/Transforms/Schedules.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Bufferization/IR/Bufferization.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/Func/Transforms/FuncConversions.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/SCF/Transforms/Patterns.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/Dialect/Utils/StaticValueUtils.h"
#include "mlir/IR/AffineMap.h"
#include "mlir/Transforms/DialectConversion.h"

namespace mlir::coco {
#define GEN_PASS_DEF_COCOLOCALIZEPASS
#include "coco/Dialect/Coco/Transforms/Passes.h.inc"
} // namespace mlir::coco

using namespace mlir;
using namespace mlir::coco;

namespace {

/// What the patterns need to know about the module's grids, and the blocks
/// each rank holds.
class GridInfo {
public:
  explicit GridInfo(ModuleOp module) {
    module.walk([&](GridOp grid) {
      extents[grid.getSymNameAttr()] = SmallVector<int64_t>(grid.getShape());
    });
  }

  bool knows(DTensorType type) const {
    auto it = extents.find(type.getGrid().getAttr());
    return it != extents.end() &&
           type.getNumPlacedAxes() <= (int64_t)it->second.size();
  }

  /// The grid's extents (kDynamic for '?').
  ArrayRef<int64_t> gridShape(FlatSymbolRefAttr grid) const {
    return extents.find(grid.getAttr())->second;
  }

  /// The number of ranks of the group over `axes` (kDynamic if unknown).
  int64_t groupSize(FlatSymbolRefAttr grid, ArrayRef<int64_t> axes) const {
    return coco::groupSize(gridShape(grid), axes);
  }

  RankedTensorType localType(DTensorType type) const {
    return RankedTensorType::get(type.getLocalShape(gridShape(type.getGrid())),
                                 type.getElementType());
  }

  /// This rank's block {offset, size} of a dimension of `extent` elements
  /// split over `axes` (outer to inner). Equal blocks give
  /// sum(axis_rank * block size) and a constant size (the form
  /// coco-update-in-place recognizes); otherwise coco.local_block computes
  /// both at run time.
  std::pair<OpFoldResult, OpFoldResult> block(OpBuilder &b, Location loc,
                                              FlatSymbolRefAttr grid,
                                              OpFoldResult extent,
                                              ArrayRef<int64_t> axes) const {
    if (axes.empty())
      return {b.getIndexAttr(0), extent};
    std::optional<int64_t> size = getConstantIntValue(extent);
    if (std::optional<EqualBlock> equal =
            size ? coco::equalBlock(b, gridShape(grid), axes, *size)
                 : std::nullopt) {
      // No term for an axis of one rank: the slice of a one-rank grid is
      // the whole tensor at offset 0, so the update writes its parameter in
      // place (with the term, an H200 ran RS-C-AG of Adam on one rank 2.3x
      // slower than AR-C: the update went through a temporary and a copy
      // per gathered state).
      Value offset = buildBlockOffset(b, loc, grid.getValue(), equal->terms);
      return {offset ? OpFoldResult(offset) : b.getIndexAttr(0),
              b.getIndexAttr(equal->size)};
    }
    auto local = LocalBlockOp::create(
        b, loc, getValueOrCreateConstantIndexOp(b, loc, extent),
        grid.getValue(), axes);
    return {local.getOffset(), local.getSize()};
  }

  /// Per-rank sizes of `type`, as values where they are dynamic.
  SmallVector<OpFoldResult> localSizes(OpBuilder &b, Location loc,
                                       DTensorType type) const {
    SmallVector<OpFoldResult> sizes;
    for (auto [d, size] : llvm::enumerate(type.getShape()))
      sizes.push_back(block(b, loc, type.getGrid(), b.getIndexAttr(size),
                            type.getSliceLevels(d))
                          .second);
    return sizes;
  }

  /// Offset of this rank's block along dimension `dim` of `type`, in the
  /// global tensor.
  OpFoldResult globalOffset(OpBuilder &b, Location loc, DTensorType type,
                            int64_t dim) const {
    return block(b, loc, type.getGrid(), b.getIndexAttr(type.getShape()[dim]),
                 type.getSliceLevels(dim))
        .first;
  }

  Value emptyTensor(OpBuilder &b, Location loc, DTensorType type) const {
    return tensor::EmptyOp::create(b, loc, localSizes(b, loc, type),
                                   type.getElementType());
  }

  /// The block of `local` (this rank's tensor of `from`) that this rank
  /// holds of `to`, whose slicing levels extend those of `from` on each
  /// dimension: a tensor.extract_slice, or `local` when they are the same.
  Value narrow(OpBuilder &b, Location loc, Value local, DTensorType from,
               DTensorType to) const {
    int64_t rank = from.getRank();
    SmallVector<OpFoldResult> offsets(rank, b.getIndexAttr(0));
    SmallVector<OpFoldResult> strides(rank, b.getIndexAttr(1));
    SmallVector<OpFoldResult> sizes = tensor::getMixedSizes(b, loc, local);
    bool narrows = false;
    for (int64_t d = 0; d < rank; ++d) {
      SmallVector<int64_t> outer = from.getSliceLevels(d);
      SmallVector<int64_t> levels = to.getSliceLevels(d);
      if (levels.size() == outer.size())
        continue;
      narrows = true;
      auto [offset, size] = block(b, loc, to.getGrid(), sizes[d],
                                  ArrayRef(levels).drop_front(outer.size()));
      offsets[d] = offset;
      sizes[d] = size;
    }
    if (!narrows)
      return local;
    SmallVector<int64_t> staticSizes;
    for (OpFoldResult size : sizes)
      staticSizes.push_back(
          getConstantIntValue(size).value_or(ShapedType::kDynamic));
    auto type = RankedTensorType::get(
        staticSizes, cast<RankedTensorType>(local.getType()).getElementType());
    return tensor::ExtractSliceOp::create(b, loc, type, local, offsets, sizes,
                                          strides);
  }

private:
  DenseMap<StringAttr, SmallVector<int64_t>> extents;
};

/// Base of the patterns: access to the grids.
template <typename SourceOp>
class LocalizePattern : public OpConversionPattern<SourceOp> {
public:
  LocalizePattern(const TypeConverter &converter, MLIRContext *context,
                  const GridInfo &grids)
      : OpConversionPattern<SourceOp>(converter, context), grids(grids) {}

protected:
  const GridInfo &grids;
};

//===----------------------------------------------------------------------===//
// Elementwise ops
//===----------------------------------------------------------------------===//

/// Computes one element of `op`'s result from the operands' elements.
using ElementBuilder =
    function_ref<Value(OpBuilder &, Location, ValueRange elements)>;

/// Builds `linalg.generic` computing `resultType` elementwise from the
/// (converted) operands. Scalars are converted to `scalarType` and captured;
/// tensors replicated where the result is sliced are narrowed to the
/// result's block.
Value buildElementwise(OpBuilder &b, Location loc, const GridInfo &grids,
                       DTensorType resultType, ValueRange operands,
                       TypeRange originalTypes, Type scalarType,
                       ElementBuilder computeElement) {
  SmallVector<Value> tensorInputs;
  SmallVector<int> tensorIndex(operands.size(), -1);
  SmallVector<Value> scalars(operands.size());
  for (auto [i, operand] : llvm::enumerate(operands)) {
    auto original = dyn_cast<DTensorType>(originalTypes[i]);
    if (!original) {
      scalars[i] = buildElementCast(b, loc, operand, scalarType);
      continue;
    }
    // An operand replicated where the result is sliced holds more than this
    // rank's block: take the block.
    Value input =
        grids.narrow(b, loc, operand, original,
                     resultType.withElementType(original.getElementType()));
    tensorIndex[i] = tensorInputs.size();
    tensorInputs.push_back(input);
  }

  int64_t rank = resultType.getRank();
  Value init = grids.emptyTensor(b, loc, resultType);
  SmallVector<AffineMap> maps(tensorInputs.size() + 1,
                              b.getMultiDimIdentityMap(rank));
  SmallVector<utils::IteratorType> iterators(rank,
                                             utils::IteratorType::parallel);
  auto generic = linalg::GenericOp::create(
      b, loc, init.getType(), tensorInputs, init, maps, iterators,
      [&](OpBuilder &nested, Location nestedLoc, ValueRange args) {
        SmallVector<Value> elements;
        for (auto [i, index] : llvm::enumerate(tensorIndex))
          elements.push_back(index >= 0 ? args[index] : scalars[i]);
        Value result = computeElement(nested, nestedLoc, elements);
        linalg::YieldOp::create(nested, nestedLoc, result);
      });
  return generic.getResult(0);
}

/// Lowers an op whose result is computed elementwise by `Compute`.
template <typename SourceOp>
class ElementwiseLowering : public LocalizePattern<SourceOp> {
public:
  using LocalizePattern<SourceOp>::LocalizePattern;
  using OpAdaptor = typename SourceOp::Adaptor;

  LogicalResult
  matchAndRewrite(SourceOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    auto resultType = cast<DTensorType>(op.getResult().getType());
    // Scalars take the element type of the tensor operands (which differs
    // from the result's for cmp and cast).
    Type scalarType = resultType.getElementType();
    for (Value operand : op->getOperands())
      if (auto type = dyn_cast<DTensorType>(operand.getType());
          type && !type.getElementType().isInteger(1))
        scalarType = type.getElementType();
    Value result = buildElementwise(
        rewriter, op.getLoc(), this->grids, resultType, adaptor.getOperands(),
        op->getOperandTypes(), scalarType,
        [&](OpBuilder &b, Location loc, ValueRange elements) {
          return computeElement(op, b, loc, elements);
        });
    rewriter.replaceOp(op, result);
    return success();
  }

private:
  Value computeElement(SourceOp op, OpBuilder &b, Location loc,
                       ValueRange elements) const;
};

template <typename FloatOp, typename IntOp>
Value floatOrInt(OpBuilder &b, Location loc, ValueRange elements) {
  if (isa<FloatType>(elements[0].getType()))
    return FloatOp::create(b, loc, elements).getResult();
  return IntOp::create(b, loc, elements).getResult();
}

#define COCO_BINARY_ELEMENT(OP, FLOAT_OP, INT_OP)                              \
  template <>                                                                  \
  Value ElementwiseLowering<OP>::computeElement(                               \
      OP, OpBuilder &b, Location loc, ValueRange elements) const {             \
    return floatOrInt<FLOAT_OP, INT_OP>(b, loc, elements);                     \
  }
COCO_BINARY_ELEMENT(AddOp, arith::AddFOp, arith::AddIOp)
COCO_BINARY_ELEMENT(SubOp, arith::SubFOp, arith::SubIOp)
COCO_BINARY_ELEMENT(MulOp, arith::MulFOp, arith::MulIOp)
COCO_BINARY_ELEMENT(DivOp, arith::DivFOp, arith::DivSIOp)
COCO_BINARY_ELEMENT(MaxOp, arith::MaximumFOp, arith::MaxSIOp)
COCO_BINARY_ELEMENT(MinOp, arith::MinimumFOp, arith::MinSIOp)
COCO_BINARY_ELEMENT(AbsOp, math::AbsFOp, math::AbsIOp)
#undef COCO_BINARY_ELEMENT

#define COCO_FLOAT_ELEMENT(OP, MATH_OP)                                        \
  template <>                                                                  \
  Value ElementwiseLowering<OP>::computeElement(                               \
      OP, OpBuilder &b, Location loc, ValueRange elements) const {             \
    return MATH_OP::create(b, loc, elements).getResult();                      \
  }
COCO_FLOAT_ELEMENT(PowOp, math::PowFOp)
COCO_FLOAT_ELEMENT(SqrtOp, math::SqrtOp)
COCO_FLOAT_ELEMENT(RsqrtOp, math::RsqrtOp)
COCO_FLOAT_ELEMENT(ExpOp, math::ExpOp)
COCO_FLOAT_ELEMENT(LogOp, math::LogOp)
#undef COCO_FLOAT_ELEMENT

template <>
Value ElementwiseLowering<NegOp>::computeElement(NegOp, OpBuilder &b,
                                                 Location loc,
                                                 ValueRange elements) const {
  Value x = elements[0];
  if (isa<FloatType>(x.getType()))
    return arith::NegFOp::create(b, loc, x);
  Value zero = arith::ConstantOp::create(b, loc, b.getZeroAttr(x.getType()));
  return arith::SubIOp::create(b, loc, zero, x);
}

template <>
Value ElementwiseLowering<CmpOp>::computeElement(CmpOp op, OpBuilder &b,
                                                 Location loc,
                                                 ValueRange elements) const {
  static const arith::CmpFPredicate floatPredicates[] = {
      arith::CmpFPredicate::OEQ, arith::CmpFPredicate::UNE,
      arith::CmpFPredicate::OLT, arith::CmpFPredicate::OLE,
      arith::CmpFPredicate::OGT, arith::CmpFPredicate::OGE};
  static const arith::CmpIPredicate intPredicates[] = {
      arith::CmpIPredicate::eq,  arith::CmpIPredicate::ne,
      arith::CmpIPredicate::slt, arith::CmpIPredicate::sle,
      arith::CmpIPredicate::sgt, arith::CmpIPredicate::sge};
  // Booleans order false < true (unsigned).
  static const arith::CmpIPredicate boolPredicates[] = {
      arith::CmpIPredicate::eq,  arith::CmpIPredicate::ne,
      arith::CmpIPredicate::ult, arith::CmpIPredicate::ule,
      arith::CmpIPredicate::ugt, arith::CmpIPredicate::uge};
  unsigned predicate = static_cast<unsigned>(op.getPredicate());
  Type type = elements[0].getType();
  if (isa<FloatType>(type))
    return arith::CmpFOp::create(b, loc, floatPredicates[predicate],
                                 elements[0], elements[1]);
  return arith::CmpIOp::create(b, loc,
                               type.isInteger(1) ? boolPredicates[predicate]
                                                 : intPredicates[predicate],
                               elements[0], elements[1]);
}

template <>
Value ElementwiseLowering<SelectOp>::computeElement(SelectOp, OpBuilder &b,
                                                    Location loc,
                                                    ValueRange elements) const {
  return arith::SelectOp::create(b, loc, elements[0], elements[1], elements[2]);
}

template <>
Value ElementwiseLowering<CastOp>::computeElement(CastOp op, OpBuilder &b,
                                                  Location loc,
                                                  ValueRange elements) const {
  return buildElementCast(b, loc, elements[0],
                          op.getResult().getType().getElementType());
}

//===----------------------------------------------------------------------===//
// Dropout: a counter-based hash of (seed, global element index)
//===----------------------------------------------------------------------===//

/// splitmix64's finalizer: a bijective mix of a 64-bit counter. The Python
/// reference (test/Integration) reproduces it bit for bit.
Value mix64(OpBuilder &b, Location loc, Value z) {
  auto constant = [&](uint64_t value) {
    return arith::ConstantOp::create(b, loc,
                                     b.getI64IntegerAttr((int64_t)value));
  };
  auto xorShift = [&](Value v, uint64_t shift) {
    Value shifted = arith::ShRUIOp::create(b, loc, v, constant(shift));
    return arith::XOrIOp::create(b, loc, v, shifted).getResult();
  };
  z = arith::MulIOp::create(b, loc, xorShift(z, 30),
                            constant(0xBF58476D1CE4E5B9ULL));
  z = arith::MulIOp::create(b, loc, xorShift(z, 27),
                            constant(0x94D049BB133111EBULL));
  return xorShift(z, 31);
}

class DropoutLowering : public LocalizePattern<DropoutOp> {
public:
  using LocalizePattern::LocalizePattern;

  LogicalResult
  matchAndRewrite(DropoutOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    DTensorType type = op.getType();
    Type elementType = type.getElementType();
    // The offset of this rank's block on each sliced dimension, for the
    // global element index.
    SmallVector<Value> blockOffsets;
    for (int64_t d = 0; d < type.getRank(); ++d)
      blockOffsets.push_back(
          type.getSliceLevels(d).empty()
              ? Value()
              : getValueOrCreateConstantIndexOp(
                    rewriter, loc, grids.globalOffset(rewriter, loc, type, d)));
    Value probability = adaptor.getProbability();
    Value seed = adaptor.getSeed();
    Value one = arith::ConstantOp::create(rewriter, loc,
                                          rewriter.getF32FloatAttr(1.0f));
    Value scale = arith::DivFOp::create(
        rewriter, loc, one,
        arith::SubFOp::create(rewriter, loc, one, probability));
    scale = buildElementCast(rewriter, loc, scale, elementType);

    Value result = buildElementwise(
        rewriter, loc, grids, type, adaptor.getInput(), op.getInput().getType(),
        elementType, [&](OpBuilder &b, Location bodyLoc, ValueRange elements) {
          Value linear =
              arith::ConstantOp::create(b, bodyLoc, b.getI64IntegerAttr(0));
          for (int64_t d = 0; d < type.getRank(); ++d) {
            Value index = linalg::IndexOp::create(b, bodyLoc, d);
            if (blockOffsets[d])
              index = arith::AddIOp::create(b, bodyLoc, index, blockOffsets[d]);
            Value extent = arith::ConstantOp::create(
                b, bodyLoc, b.getI64IntegerAttr(type.getShape()[d]));
            linear = arith::MulIOp::create(b, bodyLoc, linear, extent);
            linear =
                arith::AddIOp::create(b, bodyLoc, linear,
                                      arith::IndexCastUIOp::create(
                                          b, bodyLoc, b.getI64Type(), index));
          }
          // counter = seed * golden + index, then mixed.
          Value golden = arith::ConstantOp::create(
              b, bodyLoc, b.getI64IntegerAttr((int64_t)0x9E3779B97F4A7C15ULL));
          Value counter = arith::AddIOp::create(
              b, bodyLoc, arith::MulIOp::create(b, bodyLoc, seed, golden),
              linear);
          Value bits = mix64(b, bodyLoc, counter);
          // Top 24 bits -> uniform in [0, 1), exact in f32.
          Value top = arith::ShRUIOp::create(
              b, bodyLoc, bits,
              arith::ConstantOp::create(b, bodyLoc, b.getI64IntegerAttr(40)));
          Value uniform = arith::MulFOp::create(
              b, bodyLoc,
              arith::UIToFPOp::create(b, bodyLoc, b.getF32Type(), top),
              arith::ConstantOp::create(b, bodyLoc,
                                        b.getF32FloatAttr(1.0f / 16777216.0f)));
          Value keep = arith::CmpFOp::create(
              b, bodyLoc, arith::CmpFPredicate::OGE, uniform, probability);
          Value scaled = arith::MulFOp::create(b, bodyLoc, elements[0], scale);
          Value zero =
              arith::ConstantOp::create(b, bodyLoc, b.getZeroAttr(elementType));
          return arith::SelectOp::create(b, bodyLoc, keep, scaled, zero)
              .getResult();
        });
    rewriter.replaceOp(op, result);
    return success();
  }
};

//===----------------------------------------------------------------------===//
// Constants, extract, matmul, reductions
//===----------------------------------------------------------------------===//

class ConstantLowering : public LocalizePattern<ConstantOp> {
public:
  using LocalizePattern::LocalizePattern;
  LogicalResult
  matchAndRewrite(ConstantOp op, OpAdaptor,
                  ConversionPatternRewriter &rewriter) const override {
    auto type = grids.localType(op.getType());
    Attribute value = op.getValue();
    Type elementType = type.getElementType();
    if (auto floatAttr = dyn_cast<FloatAttr>(value))
      value = rewriter.getFloatAttr(elementType,
                                    floatAttr.getValue().convertToDouble());
    else
      value = rewriter.getIntegerAttr(elementType,
                                      cast<IntegerAttr>(value).getInt());
    rewriter.replaceOpWithNewOp<arith::ConstantOp>(
        op, type, DenseElementsAttr::get(type, value));
    return success();
  }
};

class ExpandLowering : public LocalizePattern<ExpandOp> {
public:
  using LocalizePattern::LocalizePattern;
  LogicalResult
  matchAndRewrite(ExpandOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    DTensorType resultType = op.getType();
    int64_t rank = resultType.getRank();
    SmallVector<AffineExpr> inputDims;
    for (int64_t dim : op.getDims())
      inputDims.push_back(rewriter.getAffineDimExpr(dim));
    SmallVector<AffineMap> maps = {
        AffineMap::get(rank, 0, inputDims, rewriter.getContext()),
        rewriter.getMultiDimIdentityMap(rank)};
    SmallVector<utils::IteratorType> iterators(rank,
                                               utils::IteratorType::parallel);
    Value init = grids.emptyTensor(rewriter, loc, resultType);
    auto generic = linalg::GenericOp::create(
        rewriter, loc, init.getType(), adaptor.getInput(), init, maps,
        iterators, [](OpBuilder &b, Location l, ValueRange args) {
          linalg::YieldOp::create(b, l, args[0]);
        });
    rewriter.replaceOp(op, generic.getResult(0));
    return success();
  }
};

class ExtractLowering : public LocalizePattern<ExtractOp> {
public:
  using LocalizePattern::LocalizePattern;
  LogicalResult
  matchAndRewrite(ExtractOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    rewriter.replaceOpWithNewOp<tensor::ExtractOp>(op, adaptor.getInput(),
                                                   ValueRange{});
    return success();
  }
};

Value zeroFilled(OpBuilder &b, Location loc, Value empty) {
  Type elementType = cast<ShapedType>(empty.getType()).getElementType();
  Value zero = arith::ConstantOp::create(b, loc, b.getZeroAttr(elementType));
  return linalg::FillOp::create(b, loc, zero, empty).getResult(0);
}

class MatmulLowering : public LocalizePattern<MatmulOp> {
public:
  using LocalizePattern::LocalizePattern;
  LogicalResult
  matchAndRewrite(MatmulOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    DTensorType resultType = op.getType();
    Value lhs = adaptor.getLhs();
    int64_t rank = resultType.getRank();
    // [..., M, K] -> [(...*M), K] so one linalg.matmul does the work.
    SmallVector<ReassociationIndices> rows;
    if (rank > 2) {
      ReassociationIndices leading;
      for (int64_t d = 0; d < rank - 1; ++d)
        leading.push_back(d);
      rows = {leading, {rank - 1}};
      lhs = tensor::CollapseShapeOp::create(rewriter, loc, lhs, rows);
    }
    SmallVector<OpFoldResult> resultSizes =
        grids.localSizes(rewriter, loc, resultType);
    SmallVector<OpFoldResult> flatSizes = {
        tensor::getMixedSize(rewriter, loc, lhs, 0), resultSizes.back()};
    Value init = tensor::EmptyOp::create(rewriter, loc, flatSizes,
                                         resultType.getElementType());
    Value product = linalg::MatmulOp::create(rewriter, loc,
                                             ValueRange{lhs, adaptor.getRhs()},
                                             zeroFilled(rewriter, loc, init))
                        .getResult(0);
    if (rank > 2)
      product = tensor::ExpandShapeOp::create(rewriter, loc,
                                              grids.localType(resultType),
                                              product, rows, resultSizes);
    rewriter.replaceOp(op, product);
    return success();
  }
};

/// The identity of `kind` for `elementType` (the init of a reduction).
TypedAttr reductionIdentity(OpBuilder &b, ReductionKind kind,
                            Type elementType) {
  if (auto floatType = dyn_cast<FloatType>(elementType)) {
    const llvm::fltSemantics &semantics = floatType.getFloatSemantics();
    if (kind == ReductionKind::max)
      return b.getFloatAttr(floatType,
                            APFloat::getInf(semantics, /*Negative=*/true));
    if (kind == ReductionKind::min)
      return b.getFloatAttr(floatType, APFloat::getInf(semantics));
    return b.getZeroAttr(floatType);
  }
  unsigned width = elementType.getIntOrFloatBitWidth();
  if (kind == ReductionKind::max)
    return b.getIntegerAttr(elementType, APInt::getSignedMinValue(width));
  if (kind == ReductionKind::min)
    return b.getIntegerAttr(elementType, APInt::getSignedMaxValue(width));
  return b.getZeroAttr(elementType);
}

Value combine(OpBuilder &b, Location loc, ReductionKind kind, Value acc,
              Value x) {
  switch (kind) {
  case ReductionKind::max:
    return floatOrInt<arith::MaximumFOp, arith::MaxSIOp>(b, loc, {acc, x});
  case ReductionKind::min:
    return floatOrInt<arith::MinimumFOp, arith::MinSIOp>(b, loc, {acc, x});
  default:
    if (!isa<FloatType>(acc.getType()))
      return arith::AddIOp::create(b, loc, acc, x);
    // The sum is in f64 (buildReduction), so for f32, f16 and bf16 data the
    // order of its additions changes it by about n * 2^-53 relative: far
    // below the result's rounding to its type. (An f64 sum moves by about
    // as much as its own rounding: results may differ in the last bits
    // between machines whose vectors differ.) `reassoc` lets LLVM keep several
    // partial sums in vector lanes; without it, every element waits for the
    // previous addition (4 cycles of latency each: LAMB's two norms of 16M
    // parameters took most of its step).
    return arith::AddFOp::create(b, loc, acc, x, arith::FastMathFlags::reassoc);
  }
}

/// linalg.reduce of `input` over `dims` into a tensor of `resultType`,
/// combining `transform(element)` with `kind`. Sums of floats narrower than
/// f64 accumulate in f64 and round once at the end: a sum of n elements in
/// f32, one after the other, loses about n * 2^-24 of relative accuracy (1%
/// for LAMB's norm of 3M parameters), and its result would depend on how
/// the elements are split into blocks.
Value buildReduction(
    OpBuilder &b, Location loc, const GridInfo &grids, Value input,
    ArrayRef<int64_t> dims, DTensorType resultType, ReductionKind kind,
    function_ref<Value(OpBuilder &, Location, Value)> transform = nullptr) {
  Type elementType = resultType.getElementType();
  Type accumulator = elementType;
  if (kind == ReductionKind::sum && isa<FloatType>(elementType) &&
      elementType.getIntOrFloatBitWidth() < 64)
    accumulator = b.getF64Type();
  DTensorType accumulated = resultType.withElementType(accumulator);
  Value init = grids.emptyTensor(b, loc, accumulated);
  Value identity = arith::ConstantOp::create(
      b, loc, reductionIdentity(b, kind, accumulator));
  init = linalg::FillOp::create(b, loc, identity, init).getResult(0);
  auto reduce = linalg::ReduceOp::create(
      b, loc, input, init, dims,
      [&](OpBuilder &nested, Location nestedLoc, ValueRange args) {
        Value x = transform ? transform(nested, nestedLoc, args[0]) : args[0];
        if (accumulator != elementType)
          x = arith::ExtFOp::create(nested, nestedLoc, accumulator, x);
        linalg::YieldOp::create(nested, nestedLoc,
                                combine(nested, nestedLoc, kind, args[1], x));
      });
  Value result = reduce.getResult(0);
  if (accumulator == elementType)
    return result;
  return buildElementwise(
      b, loc, grids, resultType, result, accumulated, elementType,
      [&](OpBuilder &nested, Location nestedLoc, ValueRange x) {
        return arith::TruncFOp::create(nested, nestedLoc, elementType, x[0])
            .getResult();
      });
}

class ReduceLowering : public LocalizePattern<ReduceOp> {
public:
  using LocalizePattern::LocalizePattern;
  LogicalResult
  matchAndRewrite(ReduceOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    rewriter.replaceOp(op, buildReduction(rewriter, op.getLoc(), grids,
                                          adaptor.getInput(), op.getDims(),
                                          op.getType(), op.getKind()));
    return success();
  }
};

class NormLowering : public LocalizePattern<NormOp> {
public:
  using LocalizePattern::LocalizePattern;
  LogicalResult
  matchAndRewrite(NormOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    auto inputType = cast<DTensorType>(op.getInput().getType());
    SmallVector<int64_t> dims =
        llvm::to_vector(llvm::seq<int64_t>(0, inputType.getRank()));
    Value sumOfSquares = adaptor.getInput();
    if (!dims.empty())
      sumOfSquares = buildReduction(
          rewriter, loc, grids, adaptor.getInput(), dims, op.getType(),
          ReductionKind::sum, [](OpBuilder &b, Location l, Value x) {
            return arith::MulFOp::create(b, l, x, x).getResult();
          });
    else
      sumOfSquares = buildElementwise(
          rewriter, loc, grids, op.getType(), sumOfSquares, inputType, {},
          [](OpBuilder &b, Location l, ValueRange x) {
            return arith::MulFOp::create(b, l, x[0], x[0]).getResult();
          });
    Value norm = buildElementwise(
        rewriter, loc, grids, op.getType(), sumOfSquares, op.getType(), {},
        [](OpBuilder &b, Location l, ValueRange x) {
          return math::SqrtOp::create(b, l, x[0]).getResult();
        });
    rewriter.replaceOp(op, norm);
    return success();
  }
};

//===----------------------------------------------------------------------===//
// Update: write into the parameter's buffer when the function returns
//===----------------------------------------------------------------------===//

class UpdateLowering : public LocalizePattern<UpdateOp> {
public:
  using LocalizePattern::LocalizePattern;
  LogicalResult
  matchAndRewrite(UpdateOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    // At the end of the block, so every read of the parameter sees its old
    // value. The memref form is a side effect (greedy rewrites keep it); its
    // destination is the argument's own buffer, which nothing else aliases.
    // A parameter's new value that is another argument (a swap) is copied
    // here, before any parameter's buffer is written at the end.
    Value value = adaptor.getValue();
    if (isa<BlockArgument>(value))
      value = bufferization::AllocTensorOp::create(
          rewriter, op.getLoc(), cast<RankedTensorType>(value.getType()),
          /*dynamicSizes=*/ValueRange{}, /*copy=*/value);
    rewriter.setInsertionPoint(op->getBlock()->getTerminator());
    auto paramType = cast<RankedTensorType>(adaptor.getParam().getType());
    Value buffer = bufferization::ToBufferOp::create(
        rewriter, op.getLoc(),
        MemRefType::get(paramType.getShape(), paramType.getElementType()),
        adaptor.getParam());
    bufferization::MaterializeInDestinationOp::create(
        rewriter, op.getLoc(), Type(), value, buffer,
        /*restrict=*/true, /*writable=*/true);
    rewriter.eraseOp(op);
    return success();
  }
};

//===----------------------------------------------------------------------===//
// Collectives
//===----------------------------------------------------------------------===//

template <typename SourceOp>
class CollectiveLowering : public LocalizePattern<SourceOp> {
public:
  using LocalizePattern<SourceOp>::LocalizePattern;
  using OpAdaptor = typename SourceOp::Adaptor;

  LogicalResult
  matchAndRewrite(SourceOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    auto inputType = cast<DTensorType>(op.getInput().getType());
    auto resultType = cast<DTensorType>(op.getResult().getType());
    SmallVector<int64_t> axes = op.getCommAxes();
    // On a group of one rank every collective is the identity (a sum, an
    // average, a gather or a scatter over one rank leaves the data as it
    // is): no communication, no copy. A one-GPU run of a data-parallel step
    // is then the update alone, like a single-GPU optimizer's. This is the
    // rule of the comm ops' folders (CocoOps.cpp), applied here as well:
    // coco-fuse-reduce-scatter runs between coco-localize and the
    // pipeline's canonicalizer and would otherwise fuse a one-rank
    // reduce_scatter into a loop, and no op or destination is built only to
    // be folded away.
    if (this->grids.groupSize(inputType.getGrid(), axes) == 1 &&
        adaptor.getInput().getType() == this->grids.localType(resultType)) {
      // Said, so that a schedule asked of it (the pipeline's
      // fuse-reduce-scatter or overlap) does not vanish without a word; a
      // warning, under that schedule's name, where the op carries its mark
      // (transform.coco.fuse_reduce_scatter's or overlap's).
      std::string why = (op->getName().getStringRef() +
                         " is over a group of one rank: no data moves, it "
                         "becomes its input, and no schedule of it (fused "
                         "reduce-scatter, overlap) has anything to act on")
                            .str();
      if (op->hasAttr(kFuseReduceScatterAttr))
        warnNotApplied(op, "fuse-reduce-scatter", why);
      else if (op->hasAttr(kOverlapChunksAttr))
        warnNotApplied(op, "overlap", why);
      else
        remarkNotApplied(op, "localize", why);
      rewriter.replaceOp(op, adaptor.getInput());
      return success();
    }
    Value init = this->grids.emptyTensor(rewriter, op.getLoc(), resultType);
    Operation *comm = build(op, rewriter, adaptor.getInput(), init, inputType,
                            resultType, inputType.getGrid().getValue(),
                            rewriter.getDenseI64ArrayAttr(axes));
    // Schedule annotations (e.g. coco.overlap_chunks) go with the op.
    for (NamedAttribute attr : op->getDiscardableAttrs())
      comm->setAttr(attr.getName(), attr.getValue());
    rewriter.replaceOp(op, comm->getResult(0));
    return success();
  }

private:
  Operation *build(SourceOp op, OpBuilder &b, Value input, Value init,
                   DTensorType inputType, DTensorType resultType,
                   StringRef grid, DenseI64ArrayAttr axes) const;
};

template <>
Operation *CollectiveLowering<AllReduceOp>::build(
    AllReduceOp op, OpBuilder &b, Value input, Value init, DTensorType,
    DTensorType, StringRef grid, DenseI64ArrayAttr axes) const {
  return CommAllReduceOp::create(b, op.getLoc(), init.getType(), op.getKind(),
                                 input, init, grid, axes);
}

template <>
Operation *CollectiveLowering<ReduceScatterOp>::build(
    ReduceScatterOp op, OpBuilder &b, Value input, Value init, DTensorType,
    DTensorType, StringRef grid, DenseI64ArrayAttr axes) const {
  return CommReduceScatterOp::create(b, op.getLoc(), init.getType(),
                                     op.getKind(), input, init, op.getDim(),
                                     grid, axes);
}

template <>
Operation *CollectiveLowering<AllGatherOp>::build(
    AllGatherOp op, OpBuilder &b, Value input, Value init,
    DTensorType inputType, DTensorType, StringRef grid,
    DenseI64ArrayAttr axes) const {
  int64_t dim = inputType.getPlacement(axes[0]).getDim();
  return CommAllGatherOp::create(b, op.getLoc(), init.getType(), input, init,
                                 dim, grid, axes);
}

template <>
Operation *CollectiveLowering<BroadcastOp>::build(
    BroadcastOp op, OpBuilder &b, Value input, Value init, DTensorType,
    DTensorType, StringRef grid, DenseI64ArrayAttr axes) const {
  return CommBroadcastOp::create(b, op.getLoc(), init.getType(), input, init,
                                 op.getRoot(), grid, axes);
}

template <>
Operation *CollectiveLowering<ReduceToRootOp>::build(
    ReduceToRootOp op, OpBuilder &b, Value input, Value init, DTensorType,
    DTensorType, StringRef grid, DenseI64ArrayAttr axes) const {
  return CommReduceOp::create(b, op.getLoc(), init.getType(), op.getKind(),
                              input, init, op.getRoot(), grid, axes);
}

template <>
Operation *CollectiveLowering<AllToAllOp>::build(AllToAllOp op, OpBuilder &b,
                                                 Value input, Value init,
                                                 DTensorType inputType,
                                                 DTensorType, StringRef grid,
                                                 DenseI64ArrayAttr axes) const {
  return CommAllToAllOp::create(
      b, op.getLoc(), init.getType(), input, init, /*window_start=*/Value(),
      op.getDim(), inputType.getPlacement(axes[0]).getDim(), grid, axes);
}

/// coco.slice: this rank's block of the whole tensor, no traffic.
class SliceLowering : public LocalizePattern<SliceOp> {
public:
  using LocalizePattern::LocalizePattern;
  LogicalResult
  matchAndRewrite(SliceOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    rewriter.replaceOp(op,
                       grids.narrow(rewriter, op.getLoc(), adaptor.getInput(),
                                    op.getInput().getType(), op.getType()));
    return success();
  }
};

class SendLowering : public LocalizePattern<SendOp> {
public:
  using LocalizePattern::LocalizePattern;
  LogicalResult
  matchAndRewrite(SendOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    DTensorType type = op.getInput().getType();
    rewriter.replaceOpWithNewOp<CommSendOp>(
        op, adaptor.getInput(), adaptor.getPeer(), type.getGrid().getValue(),
        rewriter.getDenseI64ArrayAttr({op.getPeerAxis()}));
    return success();
  }
};

class RecvLowering : public LocalizePattern<RecvOp> {
public:
  using LocalizePattern::LocalizePattern;
  LogicalResult
  matchAndRewrite(RecvOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    DTensorType type = op.getType();
    Value init = grids.emptyTensor(rewriter, op.getLoc(), type);
    rewriter.replaceOpWithNewOp<CommRecvOp>(
        op, init.getType(), adaptor.getPeer(), init, type.getGrid().getValue(),
        rewriter.getDenseI64ArrayAttr({op.getPeerAxis()}));
    return success();
  }
};

//===----------------------------------------------------------------------===//
// The pass
//===----------------------------------------------------------------------===//

bool isGlobalViewOp(Operation *op) {
  return op->hasTrait<CocoTrait::GlobalViewOp>();
}

/// The argument `value` is, or views without a copy (a cast, a slice, a
/// reshape: bufferization makes them aliases of its buffer); null if none.
BlockArgument viewedArgument(Value value) {
  while (Operation *op = value.getDefiningOp()) {
    if (auto cast = dyn_cast<tensor::CastOp>(op))
      value = cast.getSource();
    else if (auto slice = dyn_cast<tensor::ExtractSliceOp>(op))
      value = slice.getSource();
    else if (auto collapse = dyn_cast<tensor::CollapseShapeOp>(op))
      value = collapse.getSrc();
    else if (auto expand = dyn_cast<tensor::ExpandShapeOp>(op))
      value = expand.getSrc();
    else
      return BlockArgument();
  }
  return dyn_cast<BlockArgument>(value);
}

/// A returned value that is an updated parameter, or a view of one, is its
/// old value (every read of a parameter is): copied where it is defined,
/// before the update writes the parameter's buffer at the end of the body.
/// Without the copy bufferization wrote the update into a copy of the
/// buffer (the return reads the buffer after the write) and the caller's
/// parameter kept its old value. The global view's folds make such returns
/// (a collective over one rank is its input; slice(all_gather(x)) is x),
/// as may the program itself.
void copyReturnedParameters(func::FuncOp function,
                            const llvm::SmallDenseSet<unsigned> &updated) {
  function.walk([&](func::ReturnOp ret) {
    for (OpOperand &operand : ret->getOpOperands()) {
      BlockArgument arg = viewedArgument(operand.get());
      if (!arg || arg.getOwner() != &function.getBody().front() ||
          !updated.contains(arg.getArgNumber()))
        continue;
      Value value = operand.get();
      OpBuilder builder(function.getContext());
      if (Operation *def = value.getDefiningOp())
        builder.setInsertionPointAfter(def);
      else
        builder.setInsertionPointToStart(&function.getBody().front());
      operand.set(bufferization::AllocTensorOp::create(
          builder, ret.getLoc(), cast<RankedTensorType>(value.getType()),
          /*dynamicSizes=*/ValueRange{}, /*copy=*/value));
    }
  });
}

struct CocoLocalizePass
    : public coco::impl::CocoLocalizePassBase<CocoLocalizePass> {
  void runOnOperation() override {
    ModuleOp module = getOperation();
    if (failed(checkNoNestedCocoModule(module, "coco-localize")))
      return signalPassFailure();
    MLIRContext *context = &getContext();
    GridInfo grids(module);

    // Checked on every type an op names (operands, results, a function's
    // signature, its regions' block arguments; a declaration has no block
    // to carry its types), before anything changes:
    // - every distributed type must name a known grid axis (the verifier
    //   checks ops; this also covers signatures);
    // - no function value over distributed tensors (func.constant, an
    //   argument of function type, call_indirect; a function type nested
    //   in another type too): it would keep its global-view type while the
    //   function it names becomes rank-local, so it is refused by name
    //   rather than left as IR whose types no longer match.
    auto overDTensors = [](Type type) {
      return type
          .walk([](FunctionType function) {
            bool distributed =
                llvm::any_of(llvm::concat<const Type>(function.getInputs(),
                                                      function.getResults()),
                             llvm::IsaPred<DTensorType>);
            return distributed ? WalkResult::interrupt()
                               : WalkResult::advance();
          })
          .wasInterrupted();
    };
    WalkResult refused = module.walk([&](Operation *op) {
      // Upstream's sharding is imported first (convert-shard-to-coco); left
      // here it would reach upstream's canonicalization and lowerings,
      // which coco's pipelines do not prepare it for.
      if (op->getDialect() && op->getDialect()->getNamespace() == "shard") {
        op->emitOpError() << "is upstream's sharding, which coco lowers only "
                             "once imported: run sharding-propagation, "
                             "shard-partition and convert-shard-to-coco first";
        return WalkResult::interrupt();
      }
      auto types = llvm::to_vector(llvm::concat<const Type>(
          op->getOperandTypes(), op->getResultTypes()));
      if (auto function = dyn_cast<FunctionOpInterface>(op)) {
        llvm::append_range(types, function.getArgumentTypes());
        llvm::append_range(types, function.getResultTypes());
      }
      for (Region &region : op->getRegions())
        for (Block &block : region)
          llvm::append_range(types, block.getArgumentTypes());
      for (Type type : types) {
        auto dtensor = dyn_cast<DTensorType>(type);
        if (dtensor && !grids.knows(dtensor)) {
          op->emitOpError() << "uses " << dtensor
                            << ", whose grid (with that many axes) is not "
                               "declared by a coco.grid op";
          return WalkResult::interrupt();
        }
      }
      auto it = llvm::find_if(types, overDTensors);
      if (it != types.end()) {
        op->emitOpError() << "uses a function value of type " << *it
                          << ": an indirect call over distributed tensors "
                             "cannot be made rank-local; call the function "
                             "directly";
        return WalkResult::interrupt();
      }
      // Distributed tensors flow through coco's ops, functions, calls and
      // structured control flow only (the ops the conversion has patterns
      // for): any other op (a branch to a block with distributed arguments,
      // scf.execute_region, ...) would fail it with no reason given.
      auto distributed = llvm::find_if(types, llvm::IsaPred<DTensorType>);
      if (distributed != types.end() &&
          !isa_and_nonnull<CocoDialect>(op->getDialect()) &&
          !isa<func::FuncOp, func::ReturnOp, func::CallOp, scf::ForOp,
               scf::IfOp, scf::IndexSwitchOp, scf::WhileOp, scf::ConditionOp,
               scf::YieldOp>(op)) {
        op->emitOpError()
            << "carries " << *distributed
            << ", which coco-localize cannot make rank-local through this op: "
               "distributed tensors may flow through coco ops, func.func, "
               "func.call, func.return, scf.for, scf.if, scf.index_switch and "
               "scf.while, not through branches between blocks or other ops";
        return WalkResult::interrupt();
      }
      return WalkResult::advance();
    });
    if (refused.wasInterrupted())
      return signalPassFailure();

    TypeConverter converter;
    converter.addConversion([](Type type) { return type; });
    converter.addConversion(
        [&](DTensorType type) -> Type { return grids.localType(type); });

    ConversionTarget target(*context);
    target.markUnknownOpDynamicallyLegal([&](Operation *op) {
      if (isGlobalViewOp(op))
        return false;
      // Functions whose type is not a builtin FunctionType (llvm.func) have
      // their argument and result types on the interface.
      if (auto function = dyn_cast<FunctionOpInterface>(op))
        return converter.isLegal(function.getArgumentTypes()) &&
               converter.isLegal(function.getResultTypes()) &&
               converter.isLegal(&function.getFunctionBody());
      return converter.isLegal(op);
    });

    RewritePatternSet patterns(context);
    patterns.add<
        ElementwiseLowering<AddOp>, ElementwiseLowering<SubOp>,
        ElementwiseLowering<MulOp>, ElementwiseLowering<DivOp>,
        ElementwiseLowering<MaxOp>, ElementwiseLowering<MinOp>,
        ElementwiseLowering<PowOp>, ElementwiseLowering<NegOp>,
        ElementwiseLowering<AbsOp>, ElementwiseLowering<SqrtOp>,
        ElementwiseLowering<RsqrtOp>, ElementwiseLowering<ExpOp>,
        ElementwiseLowering<LogOp>, ElementwiseLowering<CmpOp>,
        ElementwiseLowering<SelectOp>, ElementwiseLowering<CastOp>,
        DropoutLowering, ConstantLowering, ExpandLowering, ExtractLowering,
        MatmulLowering, ReduceLowering, NormLowering, UpdateLowering,
        CollectiveLowering<AllReduceOp>, CollectiveLowering<ReduceScatterOp>,
        CollectiveLowering<AllGatherOp>, CollectiveLowering<BroadcastOp>,
        CollectiveLowering<ReduceToRootOp>, CollectiveLowering<AllToAllOp>,
        SliceLowering, SendLowering, RecvLowering>(converter, context, grids);
    populateFunctionOpInterfaceTypeConversionPattern<func::FuncOp>(patterns,
                                                                   converter);
    populateReturnOpTypeConversionPattern(patterns, converter);
    populateCallOpTypeConversionPattern(patterns, converter);
    scf::populateSCFStructuralTypeConversions(converter, patterns);

    // Which arguments are parameters written by coco.update (recorded before
    // the update ops disappear).
    DenseMap<Operation *, llvm::SmallDenseSet<unsigned>> updatedArgs;
    module.walk([&](UpdateOp update) {
      auto arg = cast<BlockArgument>(update.getParam());
      updatedArgs[update->getParentOfType<func::FuncOp>().getOperation()]
          .insert(arg.getArgNumber());
    });

    if (failed(applyFullConversion(module, target, std::move(patterns))))
      return signalPassFailure();
    for (auto &[function, updated] : updatedArgs)
      copyReturnedParameters(cast<func::FuncOp>(function), updated);

    // Public functions are entry points: give them a C interface, and let
    // bufferization write only the arguments that coco.update names.
    Builder builder(context);
    for (auto function : module.getOps<func::FuncOp>()) {
      if (function.isExternal() || !function.isPublic())
        continue;
      function->setAttr("llvm.emit_c_interface", builder.getUnitAttr());
      // All argument attributes at once: one setArgAttr per argument would
      // make a new array of all of them each time (quadratic in the
      // arguments, and kept in the context: an optimizer step has thousands).
      const llvm::SmallDenseSet<unsigned> &updated =
          updatedArgs[function.getOperation()];
      SmallVector<DictionaryAttr> argAttrs;
      for (unsigned i = 0; i < function.getNumArguments(); ++i) {
        NamedAttrList attrs(function.getArgAttrDict(i));
        if (isa<TensorType>(function.getArgument(i).getType()))
          attrs.set("bufferization.writable",
                    builder.getBoolAttr(updated.contains(i)));
        argAttrs.push_back(attrs.getDictionary(context));
      }
      function.setAllArgAttrs(argAttrs);
    }
  }
};

} // namespace
