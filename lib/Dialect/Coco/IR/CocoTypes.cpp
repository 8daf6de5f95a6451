//===- CocoTypes.cpp - coco types -----------------------------------------===//

#include "coco/Dialect/Coco/IR/CocoTypes.h"
#include "coco/Dialect/Coco/IR/CocoDialect.h"

#include "mlir/IR/Builders.h"
#include "mlir/IR/DialectImplementation.h"
#include "llvm/ADT/TypeSwitch.h"

using namespace mlir;
using namespace mlir::coco;

#include "coco/Dialect/Coco/IR/CocoEnums.cpp.inc"

#define GET_TYPEDEF_CLASSES
#include "coco/Dialect/Coco/IR/CocoTypes.cpp.inc"

void CocoDialect::registerTypes() {
  addTypes<
#define GET_TYPEDEF_LIST
#include "coco/Dialect/Coco/IR/CocoTypes.cpp.inc"
      >();
}

//===----------------------------------------------------------------------===//
// DTensorType
//===----------------------------------------------------------------------===//

// !coco.dtensor<4x8xf32, sliced<0> on @g[1]>
Type DTensorType::parse(AsmParser &parser) {
  SmallVector<int64_t> shape;
  Type elementType;
  if (parser.parseLess() ||
      parser.parseDimensionList(shape, /*allowDynamic=*/false,
                                /*withTrailingX=*/true) ||
      parser.parseType(elementType) || parser.parseComma())
    return {};

  SMLoc layoutLoc = parser.getCurrentLocation();
  StringRef layoutName;
  if (parser.parseKeyword(&layoutName))
    return {};
  std::optional<LayoutKind> layout = symbolizeLayoutKind(layoutName);
  if (!layout) {
    parser.emitError(layoutLoc, "expected layout 'replicated', 'local' or "
                                "'sliced<DIM>', got '")
        << layoutName << "'";
    return {};
  }
  int64_t slicedDim = -1;
  if (*layout == LayoutKind::sliced &&
      (parser.parseLess() || parser.parseInteger(slicedDim) ||
       parser.parseGreater()))
    return {};

  FlatSymbolRefAttr grid;
  int64_t axis = 0;
  if (parser.parseKeyword("on") || parser.parseAttribute(grid))
    return {};
  if (succeeded(parser.parseOptionalLSquare()) &&
      (parser.parseInteger(axis) || parser.parseRSquare()))
    return {};
  if (parser.parseGreater())
    return {};
  return parser.getChecked<DTensorType>(parser.getContext(), shape,
                                        elementType, *layout, slicedDim, grid,
                                        axis);
}

void DTensorType::print(AsmPrinter &printer) const {
  printer << "<";
  for (int64_t dim : getShape())
    printer << dim << "x";
  printer << getElementType() << ", " << stringifyLayoutKind(getLayout());
  if (isSliced())
    printer << "<" << getSlicedDim() << ">";
  printer << " on " << getGrid();
  if (getAxis() != 0)
    printer << "[" << getAxis() << "]";
  printer << ">";
}

LogicalResult
DTensorType::verify(function_ref<InFlightDiagnostic()> emitError,
                    ArrayRef<int64_t> shape, Type elementType,
                    LayoutKind layout, int64_t slicedDim,
                    FlatSymbolRefAttr grid, int64_t axis) {
  for (int64_t dim : shape)
    if (dim <= 0)
      return emitError() << "dimensions must be static and positive, got "
                         << dim;
  if (!isa<FloatType, IntegerType>(elementType))
    return emitError() << "element type must be a float or integer type, got "
                       << elementType;
  if (auto intType = dyn_cast<IntegerType>(elementType);
      intType && !intType.isSignless())
    return emitError() << "integer element types must be signless, got "
                       << elementType;
  int64_t rank = shape.size();
  if (layout == LayoutKind::sliced) {
    if (slicedDim < 0 || slicedDim >= rank)
      return emitError() << "sliced dimension " << slicedDim
                         << " is out of range for a rank-" << rank
                         << " tensor";
  } else if (slicedDim != -1) {
    return emitError() << "only a sliced layout has a sliced dimension";
  }
  if (!grid)
    return emitError() << "expected a grid symbol";
  if (axis < 0)
    return emitError() << "grid axis must be non-negative, got " << axis;
  return success();
}

int64_t DTensorType::getNumElements() const {
  int64_t count = 1;
  for (int64_t dim : getShape())
    count *= dim;
  return count;
}

DTensorType DTensorType::withLayout(LayoutKind layout,
                                    int64_t slicedDim) const {
  return DTensorType::get(getContext(), getShape(), getElementType(), layout,
                          layout == LayoutKind::sliced ? slicedDim : -1,
                          getGrid(), getAxis());
}

DTensorType DTensorType::withShape(ArrayRef<int64_t> shape) const {
  return DTensorType::get(getContext(), shape, getElementType(), getLayout(),
                          getSlicedDim(), getGrid(), getAxis());
}

DTensorType DTensorType::withElementType(Type elementType) const {
  return DTensorType::get(getContext(), getShape(), elementType, getLayout(),
                          getSlicedDim(), getGrid(), getAxis());
}

SmallVector<int64_t> DTensorType::getLocalShape(int64_t axisSize) const {
  SmallVector<int64_t> shape(getShape());
  if (isSliced())
    shape[getSlicedDim()] = ShapedType::isDynamic(axisSize)
                                ? ShapedType::kDynamic
                                : shape[getSlicedDim()] / axisSize;
  return shape;
}
