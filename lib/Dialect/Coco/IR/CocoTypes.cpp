//===- CocoTypes.cpp - coco types -----------------------------------------===//
//
// A distributed tensor's type holds one placement per grid axis (trailing
// replicated ones dropped) and, only when some dimension is split by several
// axes in another order than the grid's, the order of its slicing axes. Both
// are canonical, so two types that describe the same distribution are the
// same type.
//
//===----------------------------------------------------------------------===//

#include "coco/Dialect/Coco/IR/CocoTypes.h"
#include "coco/Dialect/Coco/IR/CocoDialect.h"
#include "coco/Support/ElementTypes.h"

#include "mlir/IR/Builders.h"
#include "mlir/IR/DialectImplementation.h"
#include "llvm/ADT/STLExtras.h"
#include "llvm/ADT/TypeSwitch.h"
#include "llvm/Support/InterleavedRange.h"
#include "llvm/Support/MathExtras.h"

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

std::string Placement::str() const {
  if (isReplicated())
    return "replicated";
  if (isLocal())
    return "local";
  return "sliced<" + std::to_string(getDim()) + ">";
}

//===----------------------------------------------------------------------===//
// Canonical form
//===----------------------------------------------------------------------===//

namespace {
/// The canonical parameters of a distribution.
struct CanonicalDistribution {
  SmallVector<int64_t> placements;
  SmallVector<int64_t> sliceOrder;
};
} // namespace

/// The axes slicing `dim`, outer to inner: first those in `order` (in its
/// order), then the others in grid order.
static SmallVector<int64_t> levelsOf(ArrayRef<int64_t> placements,
                                     ArrayRef<int64_t> order, int64_t dim) {
  SmallVector<int64_t> levels;
  for (int64_t axis : order)
    if (axis >= 0 && axis < (int64_t)placements.size() &&
        placements[axis] == dim && !llvm::is_contained(levels, axis))
      levels.push_back(axis);
  for (auto [axis, code] : llvm::enumerate(placements))
    if (code == dim && !llvm::is_contained(levels, (int64_t)axis))
      levels.push_back(axis);
  return levels;
}

/// The distinct sliced dimensions of `placements`, ascending.
static SmallVector<int64_t> slicedDims(ArrayRef<int64_t> placements) {
  SmallVector<int64_t> dims;
  for (int64_t code : placements)
    if (code >= 0)
      dims.push_back(code);
  llvm::sort(dims);
  dims.erase(llvm::unique(dims), dims.end());
  return dims;
}

static CanonicalDistribution canonicalize(ArrayRef<Placement> placements,
                                          ArrayRef<int64_t> order) {
  CanonicalDistribution result;
  for (Placement placement : placements)
    result.placements.push_back(placement.getCode());
  while (!result.placements.empty() &&
         result.placements.back() == Placement::kReplicatedCode)
    result.placements.pop_back();
  bool gridOrder = true;
  SmallVector<int64_t> explicitOrder;
  for (int64_t dim : slicedDims(result.placements)) {
    SmallVector<int64_t> levels = levelsOf(result.placements, order, dim);
    gridOrder &= llvm::is_sorted(levels);
    explicitOrder.append(levels);
  }
  if (!gridOrder)
    result.sliceOrder = std::move(explicitOrder);
  return result;
}

DTensorType DTensorType::getCanonical(MLIRContext *context,
                                      ArrayRef<int64_t> shape, Type elementType,
                                      FlatSymbolRefAttr grid,
                                      ArrayRef<Placement> placements,
                                      ArrayRef<int64_t> sliceOrder) {
  CanonicalDistribution canonical = canonicalize(placements, sliceOrder);
  return get(context, shape, elementType, canonical.placements,
             canonical.sliceOrder, grid);
}

DTensorType DTensorType::getCanonicalChecked(
    function_ref<InFlightDiagnostic()> emitError, MLIRContext *context,
    ArrayRef<int64_t> shape, Type elementType, FlatSymbolRefAttr grid,
    ArrayRef<Placement> placements, ArrayRef<int64_t> sliceOrder) {
  CanonicalDistribution canonical = canonicalize(placements, sliceOrder);
  return getChecked(emitError, context, shape, elementType,
                    canonical.placements, canonical.sliceOrder, grid);
}

//===----------------------------------------------------------------------===//
// Parsing and printing
//===----------------------------------------------------------------------===//

// replicated | local | sliced<D> [within A]
static ParseResult parsePlacement(AsmParser &parser, Placement &placement,
                                  std::optional<int64_t> *within) {
  SMLoc loc = parser.getCurrentLocation();
  StringRef keyword;
  if (parser.parseKeyword(&keyword))
    return failure();
  if (keyword == "replicated") {
    placement = Placement::replicated();
  } else if (keyword == "local") {
    placement = Placement::local();
  } else if (keyword == "sliced") {
    int64_t dim;
    if (parser.parseLess() || parser.parseInteger(dim) || parser.parseGreater())
      return failure();
    if (dim < 0)
      return parser.emitError(loc) << "sliced dimension must be "
                                      "non-negative, got "
                                   << dim;
    placement = Placement::sliced(dim);
  } else {
    return parser.emitError(loc) << "expected placement 'replicated', "
                                    "'local' or 'sliced<DIM>', got '"
                                 << keyword << "'";
  }
  if (succeeded(parser.parseOptionalKeyword("within"))) {
    SMLoc withinLoc = parser.getCurrentLocation();
    int64_t axis;
    if (parser.parseInteger(axis))
      return failure();
    if (!within)
      return parser.emitError(withinLoc)
             << "'within' orders the axes slicing one dimension; write the "
                "placements as a list, one per grid axis";
    if (!placement.isSliced())
      return parser.emitError(withinLoc)
             << "only a sliced placement can be 'within' another axis";
    *within = axis;
  }
  return success();
}

/// The slice order the `within` clauses of a placement list describe.
static FailureOr<SmallVector<int64_t>>
orderFromWithin(AsmParser &parser, SMLoc loc, ArrayRef<Placement> placements,
                ArrayRef<std::optional<int64_t>> within) {
  SmallVector<int64_t> order;
  SmallVector<int64_t> codes;
  for (Placement placement : placements)
    codes.push_back(placement.getCode());
  for (int64_t dim : slicedDims(codes)) {
    SmallVector<int64_t> axes;
    for (auto [axis, placement] : llvm::enumerate(placements))
      if (placement.isSlicedAlong(dim))
        axes.push_back(axis);
    if (llvm::none_of(axes, [&](int64_t axis) { return within[axis]; })) {
      order.append(axes); // grid order
      continue;
    }
    // One axis without 'within' (the outermost), each other one names the
    // axis whose blocks it splits: a chain.
    SmallVector<int64_t> outermost;
    for (int64_t axis : axes) {
      if (!within[axis]) {
        outermost.push_back(axis);
        continue;
      }
      int64_t outer = *within[axis];
      if (!llvm::is_contained(axes, outer) || outer == axis)
        return parser.emitError(loc)
               << "axis " << axis << " is sliced<" << dim << "> within axis "
               << outer << ", which does not slice dimension " << dim;
      for (int64_t other : axes)
        if (other != axis && within[other] == outer)
          return parser.emitError(loc)
                 << "axes " << other << " and " << axis << " are both sliced<"
                 << dim << "> within axis " << outer
                 << "; each level of a dimension is split by one axis";
    }
    if (outermost.size() != 1)
      return parser.emitError(loc)
             << "dimension " << dim << " is sliced by axes "
             << llvm::interleaved(axes)
             << " in a given order: every axis but the outermost needs "
                "'within'";
    int64_t current = outermost.front();
    order.push_back(current);
    for (size_t level = 1; level < axes.size(); ++level) {
      auto next = llvm::find_if(
          axes, [&](int64_t axis) { return within[axis] == current; });
      if (next == axes.end())
        return parser.emitError(loc) << "the axes slicing dimension " << dim
                                     << " do not form one chain of 'within'";
      current = *next;
      order.push_back(current);
    }
  }
  return order;
}

// !coco.dtensor<4x8xf32, sliced<0> on @g[1]>
// !coco.dtensor<4x8xf32, [local, sliced<0>] on @g>
Type DTensorType::parse(AsmParser &parser) {
  SmallVector<int64_t> shape;
  Type elementType;
  if (parser.parseLess() ||
      parser.parseDimensionList(shape, /*allowDynamic=*/false,
                                /*withTrailingX=*/true) ||
      parser.parseType(elementType) || parser.parseComma())
    return {};

  SMLoc listLoc = parser.getCurrentLocation();
  SmallVector<Placement> placements;
  SmallVector<int64_t> order;
  if (succeeded(parser.parseOptionalLSquare())) {
    // (An empty list read as "expected valid keyword".)
    if (succeeded(parser.parseOptionalRSquare())) {
      parser.emitError(listLoc)
          << "a placement list names at least the first grid axis's "
             "placement (axes past its end are replicated): for a tensor "
             "replicated on every axis, write 'replicated on @grid'";
      return {};
    }
    SmallVector<std::optional<int64_t>> within;
    if (parser.parseCommaSeparatedList([&]() -> ParseResult {
          placements.push_back(Placement::replicated());
          within.emplace_back();
          return parsePlacement(parser, placements.back(), &within.back());
        }) ||
        parser.parseRSquare())
      return {};
    FailureOr<SmallVector<int64_t>> withinOrder =
        orderFromWithin(parser, listLoc, placements, within);
    if (failed(withinOrder))
      return {};
    order = std::move(*withinOrder);
  } else {
    placements.push_back(Placement::replicated());
    if (parsePlacement(parser, placements.back(), nullptr))
      return {};
  }

  FlatSymbolRefAttr grid;
  if (parser.parseKeyword("on") || parser.parseAttribute(grid))
    return {};
  SMLoc axisLoc = parser.getCurrentLocation();
  if (succeeded(parser.parseOptionalLSquare())) {
    int64_t axis;
    if (parser.parseInteger(axis) || parser.parseRSquare())
      return {};
    if (placements.size() != 1) {
      parser.emitError(axisLoc)
          << "a placement list names every axis; '[AXIS]' only follows a "
             "single placement";
      return {};
    }
    if (axis < 0 || axis >= kMaxGridAxes) {
      parser.emitError(axisLoc)
          << "grid axis must be in [0, " << kMaxGridAxes - 1
          << "] (a grid has at most " << kMaxGridAxes << " axes), got " << axis;
      return {};
    }
    Placement placement = placements.front();
    placements.assign(axis + 1, Placement::replicated());
    placements[axis] = placement;
  }
  if (parser.parseGreater())
    return {};
  return getCanonicalChecked([&] { return parser.emitError(listLoc); },
                             parser.getContext(), shape, elementType, grid,
                             placements, order);
}

void DTensorType::print(AsmPrinter &printer) const {
  printer << "<";
  for (int64_t dim : getShape())
    printer << dim << "x";
  printer << getElementType() << ", ";
  ArrayRef<int64_t> placements = getPlacements();
  int64_t notReplicated = llvm::count_if(placements, [](int64_t code) {
    return code != Placement::kReplicatedCode;
  });
  if (notReplicated <= 1) {
    int64_t axis = placements.empty() ? 0 : placements.size() - 1;
    printer << getPlacement(axis).str() << " on " << getGrid();
    if (axis != 0)
      printer << "[" << axis << "]";
    printer << ">";
    return;
  }
  printer << "[";
  for (auto [axis, code] : llvm::enumerate(placements)) {
    Placement placement = Placement::fromCode(code);
    printer << (axis ? ", " : "") << placement.str();
    if (!placement.isSliced() || getSliceOrder().empty())
      continue;
    SmallVector<int64_t> levels = getSliceLevels(placement.getDim());
    auto position = llvm::find(levels, (int64_t)axis);
    if (position != levels.begin())
      printer << " within " << *std::prev(position);
  }
  printer << "] on " << getGrid() << ">";
}

LogicalResult DTensorType::verify(function_ref<InFlightDiagnostic()> emitError,
                                  ArrayRef<int64_t> shape, Type elementType,
                                  ArrayRef<int64_t> placements,
                                  ArrayRef<int64_t> sliceOrder,
                                  FlatSymbolRefAttr grid) {
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
  // Every dtensor can reach a collective, a host program or a library
  // entry: all of them carry the runtime's element types only.
  std::optional<RuntimeElementType> carried = runtimeElementType(elementType);
  if (!carried)
    return emitError() << "element type " << elementType
                       << " is not one the runtime carries ("
                       << runtimeElementTypeNames() << ")";
  // The whole tensor's bytes must fit in int64 (allocation sizes, offsets).
  int64_t bytes = carried->bytes;
  for (int64_t dim : shape)
    if (llvm::MulOverflow(bytes, dim, bytes))
      return emitError() << "is too large: its size in bytes overflows int64";
  int64_t rank = shape.size();
  if ((int64_t)placements.size() > kMaxGridAxes)
    return emitError() << "has " << placements.size()
                       << " placements; a grid has at most " << kMaxGridAxes
                       << " axes";
  for (auto [axis, code] : llvm::enumerate(placements)) {
    if (code < Placement::kLocalCode)
      return emitError() << "invalid placement code " << code << " on axis "
                         << axis;
    if (code >= rank)
      return emitError() << "sliced dimension " << code
                         << " is out of range for a rank-" << rank << " tensor";
  }
  if (!placements.empty() && placements.back() == Placement::kReplicatedCode)
    return emitError() << "trailing replicated placements must be dropped";
  if (!sliceOrder.empty()) {
    SmallVector<int64_t> sliced;
    for (auto [axis, code] : llvm::enumerate(placements))
      if (code >= 0)
        sliced.push_back(axis);
    SmallVector<int64_t> sorted(sliceOrder);
    llvm::sort(sorted);
    if (sorted != sliced)
      return emitError() << "the slice order must list every slicing axis "
                            "once";
    for (size_t i = 1; i < sliceOrder.size(); ++i)
      if (placements[sliceOrder[i]] < placements[sliceOrder[i - 1]])
        return emitError() << "the slice order must list the axes by "
                              "dimension";
  }
  if (!grid)
    return emitError() << "expected a grid symbol";
  return success();
}

//===----------------------------------------------------------------------===//
// Queries and derived types
//===----------------------------------------------------------------------===//

int64_t DTensorType::getNumElements() const {
  int64_t count = 1;
  for (int64_t dim : getShape())
    count *= dim;
  return count;
}

Placement DTensorType::getPlacement(int64_t axis) const {
  ArrayRef<int64_t> placements = getPlacements();
  if (axis < 0 || axis >= (int64_t)placements.size())
    return Placement::replicated();
  return Placement::fromCode(placements[axis]);
}

SmallVector<Placement> DTensorType::getPlacementList(int64_t numAxes) const {
  SmallVector<Placement> list;
  for (int64_t axis = 0; axis < numAxes; ++axis)
    list.push_back(getPlacement(axis));
  return list;
}

SmallVector<int64_t> DTensorType::getSliceLevels(int64_t dim) const {
  return levelsOf(getPlacements(), getSliceOrder(), dim);
}

SmallVector<int64_t> DTensorType::getLocalAxes() const {
  SmallVector<int64_t> axes;
  for (auto [axis, code] : llvm::enumerate(getPlacements()))
    if (code == Placement::kLocalCode)
      axes.push_back(axis);
  return axes;
}

SmallVector<int64_t> DTensorType::getSlicedAxes() const {
  SmallVector<int64_t> axes;
  for (auto [axis, code] : llvm::enumerate(getPlacements()))
    if (code >= 0)
      axes.push_back(axis);
  return axes;
}

/// Every slicing axis, by dimension, outer to inner.
static SmallVector<int64_t> explicitOrder(DTensorType type) {
  SmallVector<int64_t> order;
  for (int64_t dim = 0; dim < type.getRank(); ++dim)
    order.append(type.getSliceLevels(dim));
  return order;
}

DTensorType DTensorType::withPlacement(int64_t axis,
                                       Placement placement) const {
  SmallVector<Placement> placements =
      getPlacementList(std::max<int64_t>(getNumPlacedAxes(), axis + 1));
  SmallVector<int64_t> order = explicitOrder(*this);
  llvm::erase(order, axis);
  placements[axis] = placement;
  if (placement.isSliced())
    order.push_back(axis); // innermost level of its dimension
  return withPlacements(placements, order);
}

DTensorType DTensorType::withPlacements(ArrayRef<Placement> placements,
                                        ArrayRef<int64_t> sliceOrder) const {
  return getCanonical(getContext(), getShape(), getElementType(), getGrid(),
                      placements, sliceOrder);
}

DTensorType DTensorType::asReplicated() const { return withPlacements({}, {}); }

DTensorType DTensorType::withShape(ArrayRef<int64_t> shape) const {
  return get(getContext(), shape, getElementType(), getPlacements(),
             getSliceOrder(), getGrid());
}

DTensorType DTensorType::withElementType(Type elementType) const {
  return get(getContext(), getShape(), elementType, getPlacements(),
             getSliceOrder(), getGrid());
}

DTensorType DTensorType::withDimsMapped(ArrayRef<int64_t> newShape,
                                        ArrayRef<int64_t> dimMap) const {
  SmallVector<Placement> placements;
  for (int64_t code : getPlacements()) {
    Placement placement = Placement::fromCode(code);
    if (placement.isSliced())
      placement = dimMap[placement.getDim()] < 0
                      ? Placement::local()
                      : Placement::sliced(dimMap[placement.getDim()]);
    placements.push_back(placement);
  }
  return getCanonical(getContext(), newShape, getElementType(), getGrid(),
                      placements, explicitOrder(*this));
}

SmallVector<int64_t>
DTensorType::getLocalShape(ArrayRef<int64_t> gridShape) const {
  SmallVector<int64_t> shape(getShape());
  for (int64_t dim = 0; dim < getRank(); ++dim) {
    for (int64_t axis : getSliceLevels(dim)) {
      int64_t extent = axis < (int64_t)gridShape.size() ? gridShape[axis]
                                                        : ShapedType::kDynamic;
      if (ShapedType::isDynamic(shape[dim]) || ShapedType::isDynamic(extent) ||
          shape[dim] % extent != 0) {
        shape[dim] = ShapedType::kDynamic;
        break;
      }
      shape[dim] /= extent;
    }
  }
  return shape;
}

std::string DTensorType::describePlacements() const {
  std::string grid = "@" + getGrid().getValue().str();
  ArrayRef<int64_t> placements = getPlacements();
  if (placements.empty())
    return "replicated on " + grid;
  int64_t notReplicated = llvm::count_if(placements, [](int64_t code) {
    return code != Placement::kReplicatedCode;
  });
  if (notReplicated == 1)
    return getPlacement(placements.size() - 1).str() + " on axis " +
           std::to_string(placements.size() - 1) + " of " + grid;
  std::string text = "[";
  for (auto [axis, code] : llvm::enumerate(placements)) {
    Placement placement = Placement::fromCode(code);
    text += (axis ? ", " : "") + placement.str();
    if (placement.isSliced() && !getSliceOrder().empty()) {
      SmallVector<int64_t> levels = getSliceLevels(placement.getDim());
      auto position = llvm::find(levels, (int64_t)axis);
      if (position != levels.begin())
        text += " within " + std::to_string(*std::prev(position));
    }
  }
  return text + "] on " + grid;
}
