//===- CocoOps.cpp - coco operations, layout inference, verifiers ---------===//
//
// Result layouts of the global view follow CoCoNet's rules (DESIGN.md §1).
// Inference failures are the verifier errors: each names the operands'
// layouts and says what would be legal.
//
//===----------------------------------------------------------------------===//

#include "coco/Dialect/Coco/IR/CocoOps.h"

#include "mlir/Interfaces/FunctionInterfaces.h"
#include "mlir/IR/Builders.h"
#include "mlir/IR/OpImplementation.h"
#include "llvm/ADT/STLExtras.h"

using namespace mlir;
using namespace mlir::coco;

//===----------------------------------------------------------------------===//
// Printing helpers for diagnostics
//===----------------------------------------------------------------------===//

std::string mlir::coco::describeLayout(DTensorType type) {
  std::string text = stringifyLayoutKind(type.getLayout()).str();
  if (type.isSliced())
    text += "<" + std::to_string(type.getSlicedDim()) + ">";
  return text;
}

std::string mlir::coco::describeAxis(DTensorType type) {
  return "@" + type.getGrid().getValue().str() + "[" +
         std::to_string(type.getAxis()) + "]";
}

static std::string describeShape(ArrayRef<int64_t> shape) {
  std::string text;
  for (auto [i, dim] : llvm::enumerate(shape))
    text += (i ? "x" : "") + std::to_string(dim);
  return shape.empty() ? "scalar (rank 0)" : text;
}

//===----------------------------------------------------------------------===//
// Grid symbol checks shared by every op that names a grid
//===----------------------------------------------------------------------===//

namespace {
struct GridAxisUse {
  FlatSymbolRefAttr grid;
  int64_t axis;
};
} // namespace

static LogicalResult checkGridAxis(Operation *op, SymbolTableCollection &symbols,
                                   FlatSymbolRefAttr grid, int64_t axis,
                                   GridOp &found) {
  found = symbols.lookupNearestSymbolFrom<GridOp>(op, grid);
  if (!found)
    return op->emitOpError() << "refers to unknown grid " << grid;
  if (axis < 0 || axis >= found.getRank())
    return op->emitOpError()
           << "refers to axis " << axis << " of grid " << grid << ", which has "
           << found.getRank() << " dimension(s)";
  return success();
}

LogicalResult mlir::coco::verifyGridUses(Operation *op,
                                         SymbolTableCollection &symbols) {
  // A grid/axis attribute pair (rank-local ops, axis_rank, axis_size).
  if (auto grid = op->getAttrOfType<FlatSymbolRefAttr>("grid")) {
    auto axisAttr = op->getAttrOfType<IntegerAttr>("axis");
    GridOp gridOp;
    if (failed(checkGridAxis(op, symbols, grid, axisAttr ? axisAttr.getInt() : 0,
                             gridOp)))
      return failure();
    if (auto root = op->getAttrOfType<IntegerAttr>("root")) {
      int64_t extent = gridOp.getShape()[axisAttr.getInt()];
      if (!ShapedType::isDynamic(extent) && root.getInt() >= extent)
        return op->emitOpError() << "root " << root.getInt()
                                 << " is out of range for an axis of "
                                 << extent << " ranks";
    }
  }

  // Distributed tensor types of operands and results.
  auto checkType = [&](Type type) -> LogicalResult {
    auto dtensor = dyn_cast<DTensorType>(type);
    if (!dtensor)
      return success();
    GridOp gridOp;
    if (failed(checkGridAxis(op, symbols, dtensor.getGrid(), dtensor.getAxis(),
                             gridOp)))
      return failure();
    // send/recv: the axis the peer index runs along, on the value's grid.
    if (auto along = op->getAttrOfType<IntegerAttr>("along"))
      if (failed(checkGridAxis(op, symbols, dtensor.getGrid(), along.getInt(),
                               gridOp)))
        return failure();
    int64_t extent = gridOp.getShape()[dtensor.getAxis()];
    if (dtensor.isSliced() && !ShapedType::isDynamic(extent) &&
        dtensor.getShape()[dtensor.getSlicedDim()] % extent != 0)
      return op->emitOpError()
             << "sliced dimension " << dtensor.getSlicedDim() << " of size "
             << dtensor.getShape()[dtensor.getSlicedDim()]
             << " is not divisible by the " << extent << " ranks of "
             << describeAxis(dtensor);
    if (auto root = op->getAttrOfType<IntegerAttr>("root"))
      if (!ShapedType::isDynamic(extent) && root.getInt() >= extent)
        return op->emitOpError() << "root " << root.getInt()
                                 << " is out of range for an axis of "
                                 << extent << " ranks";
    return success();
  };
  for (Type type : op->getOperandTypes())
    if (failed(checkType(type)))
      return failure();
  for (Type type : op->getResultTypes())
    if (failed(checkType(type)))
      return failure();
  return success();
}

FailureOr<int64_t> mlir::coco::lookupAxisExtent(Operation *from,
                                                DTensorType type,
                                                SymbolTableCollection &symbols) {
  auto grid = symbols.lookupNearestSymbolFrom<GridOp>(from, type.getGrid());
  if (!grid || type.getAxis() >= grid.getRank())
    return failure();
  return grid.getShape()[type.getAxis()];
}

//===----------------------------------------------------------------------===//
// GridOp
//===----------------------------------------------------------------------===//

static ParseResult parseGridShape(OpAsmParser &parser,
                                  DenseI64ArrayAttr &shape) {
  SmallVector<int64_t> extents;
  auto parseExtent = [&]() -> ParseResult {
    if (succeeded(parser.parseOptionalQuestion())) {
      extents.push_back(ShapedType::kDynamic);
      return success();
    }
    return parser.parseInteger(extents.emplace_back());
  };
  if (parser.parseCommaSeparatedList(OpAsmParser::Delimiter::Square,
                                     parseExtent))
    return failure();
  shape = parser.getBuilder().getDenseI64ArrayAttr(extents);
  return success();
}

static void printGridShape(OpAsmPrinter &printer, Operation *,
                           DenseI64ArrayAttr shape) {
  printer << "[";
  llvm::interleaveComma(shape.asArrayRef(), printer, [&](int64_t extent) {
    if (ShapedType::isDynamic(extent))
      printer << "?";
    else
      printer << extent;
  });
  printer << "]";
}

LogicalResult GridOp::verify() {
  ArrayRef<int64_t> shape = getShape();
  if (shape.empty() || shape.size() > 4)
    return emitOpError() << "must have 1 to 4 dimensions, got "
                         << shape.size();
  if (llvm::count_if(shape, ShapedType::isDynamic) > 1)
    return emitOpError() << "may have at most one dynamic extent '?' (the "
                            "world size divided by the static extents)";
  for (int64_t extent : shape)
    if (!ShapedType::isDynamic(extent) && extent <= 0)
      return emitOpError() << "extents must be positive or '?', got "
                           << extent;
  return success();
}

//===----------------------------------------------------------------------===//
// Pointwise layout inference
//===----------------------------------------------------------------------===//

/// Inference runs while parsing, before the operand type constraints are
/// verified: an operand that should be a distributed tensor may be anything.
#define COCO_DTENSOR_OPERAND(VAR, VALUE, OPNAME)                               \
  auto VAR = dyn_cast<DTensorType>((VALUE).getType());                         \
  if (!VAR)                                                                    \
    return emitOptionalError(loc, "'coco.", OPNAME,                            \
                             "' expects a distributed tensor operand, got ",   \
                             (VALUE).getType());

/// Combines the distributions of pointwise operands (CoCoNet's rule: equal
/// layouts stay, replicated with X gives X, anything else is an error).
/// Scalars are broadcast. Returns the result type with `resultElementType`
/// (or the tensors' element type when null).
static FailureOr<DTensorType>
inferPointwise(std::optional<Location> loc, StringRef opName,
               ArrayRef<Type> operandTypes, Type resultElementType = {}) {
  DTensorType result;
  for (Type type : operandTypes) {
    auto dtensor = dyn_cast<DTensorType>(type);
    if (!dtensor)
      continue;
    if (!result) {
      result = dtensor;
      continue;
    }
    if (dtensor.getShape() != result.getShape())
      return emitOptionalError(loc, "'coco.", opName,
                               "' operands have different shapes: ",
                               describeShape(result.getShape()), " and ",
                               describeShape(dtensor.getShape()));
    if (!dtensor.isOnSameAxis(result))
      return emitOptionalError(loc, "'coco.", opName,
                               "' operands are distributed over different "
                               "grid axes: ",
                               describeAxis(result), " and ",
                               describeAxis(dtensor));
    if (dtensor.getElementType() != result.getElementType() &&
        !(resultElementType && dtensor.getElementType().isInteger(1)))
      return emitOptionalError(loc, "'coco.", opName,
                               "' operands have different element types: ",
                               result.getElementType(), " and ",
                               dtensor.getElementType());
    if (dtensor.hasSameDistribution(result) || dtensor.isReplicated())
      continue;
    if (result.isReplicated()) {
      result = result.withLayout(dtensor.getLayout(), dtensor.getSlicedDim());
      continue;
    }
    return emitOptionalError(
        loc, "'coco.", opName, "' cannot combine layouts ",
        describeLayout(result), " and ", describeLayout(dtensor),
        ": only equal layouts, or replicated with another layout, combine");
  }
  if (!result)
    return emitOptionalError(loc, "'coco.", opName,
                             "' needs at least one distributed tensor "
                             "operand; use arith ops on scalars");
  return result;
}

/// Checks that a scalar operand can be broadcast to `elementType`.
static LogicalResult checkScalarOperand(std::optional<Location> loc,
                                        StringRef opName, Type scalar,
                                        Type elementType) {
  if (isa<DTensorType>(scalar))
    return success();
  if (isa<FloatType>(scalar) != isa<FloatType>(elementType))
    return emitOptionalError(loc, "'coco.", opName, "' scalar operand of type ",
                             scalar,
                             " cannot be broadcast to element type ",
                             elementType);
  return success();
}

static LogicalResult inferBinary(std::optional<Location> loc, StringRef opName,
                                 Type lhs, Type rhs,
                                 SmallVectorImpl<Type> &results,
                                 bool floatOnly = false) {
  FailureOr<DTensorType> type = inferPointwise(loc, opName, {lhs, rhs});
  if (failed(type))
    return failure();
  Type elementType = type->getElementType();
  if (failed(checkScalarOperand(loc, opName, lhs, elementType)) ||
      failed(checkScalarOperand(loc, opName, rhs, elementType)))
    return failure();
  if (floatOnly && !isa<FloatType>(elementType))
    return emitOptionalError(loc, "'coco.", opName,
                             "' needs a floating-point element type, got ",
                             elementType);
  results.push_back(*type);
  return success();
}

#define COCO_DEFINE_BINARY_INFERENCE(OP, NAME, FLOAT_ONLY)                     \
  LogicalResult OP::inferReturnTypes(MLIRContext *, std::optional<Location> loc, \
                                     Adaptor adaptor,                          \
                                     SmallVectorImpl<Type> &results) {         \
    return inferBinary(loc, NAME, adaptor.getLhs().getType(),                  \
                       adaptor.getRhs().getType(), results, FLOAT_ONLY);       \
  }
COCO_DEFINE_BINARY_INFERENCE(AddOp, "add", false)
COCO_DEFINE_BINARY_INFERENCE(SubOp, "sub", false)
COCO_DEFINE_BINARY_INFERENCE(MulOp, "mul", false)
COCO_DEFINE_BINARY_INFERENCE(DivOp, "div", false)
COCO_DEFINE_BINARY_INFERENCE(MaxOp, "max", false)
COCO_DEFINE_BINARY_INFERENCE(MinOp, "min", false)
COCO_DEFINE_BINARY_INFERENCE(PowOp, "pow", true)
#undef COCO_DEFINE_BINARY_INFERENCE

LogicalResult CmpOp::inferReturnTypes(MLIRContext *context,
                                      std::optional<Location> loc,
                                      Adaptor adaptor,
                                      SmallVectorImpl<Type> &results) {
  SmallVector<Type> operandType;
  if (failed(inferBinary(loc, "cmp", adaptor.getLhs().getType(),
                         adaptor.getRhs().getType(), operandType)))
    return failure();
  results.push_back(cast<DTensorType>(operandType.front())
                        .withElementType(IntegerType::get(context, 1)));
  return success();
}

LogicalResult SelectOp::inferReturnTypes(MLIRContext *,
                                         std::optional<Location> loc,
                                         Adaptor adaptor,
                                         SmallVectorImpl<Type> &results) {
  COCO_DTENSOR_OPERAND(condition, adaptor.getCondition(), "select")
  if (!condition.getElementType().isInteger(1))
    return emitOptionalError(loc, "'coco.select' condition must have i1 "
                                  "elements, got ",
                             condition.getElementType());
  SmallVector<Type> valueType;
  if (failed(inferBinary(loc, "select", adaptor.getTrueValue().getType(),
                         adaptor.getFalseValue().getType(), valueType)))
    return failure();
  auto value = cast<DTensorType>(valueType.front());
  // The condition takes part in the layout rule like any other operand.
  FailureOr<DTensorType> combined =
      inferPointwise(loc, "select", {value, condition}, value.getElementType());
  if (failed(combined))
    return failure();
  results.push_back(combined->withElementType(value.getElementType()));
  return success();
}

//===----------------------------------------------------------------------===//
// Unary ops, dropout, cast, constant, extract
//===----------------------------------------------------------------------===//

static LogicalResult verifyFloatElements(Operation *op, Type type) {
  Type elementType = cast<DTensorType>(type).getElementType();
  if (!isa<FloatType>(elementType))
    return op->emitOpError() << "needs a floating-point element type, got "
                             << elementType;
  return success();
}

LogicalResult SqrtOp::verify() { return verifyFloatElements(*this, getType()); }
LogicalResult RsqrtOp::verify() { return verifyFloatElements(*this, getType()); }
LogicalResult ExpOp::verify() { return verifyFloatElements(*this, getType()); }
LogicalResult LogOp::verify() { return verifyFloatElements(*this, getType()); }
LogicalResult DropoutOp::verify() {
  return verifyFloatElements(*this, getType());
}

LogicalResult CastOp::verify() {
  auto input = getInput().getType();
  auto result = getResult().getType();
  if (input.getShape() != result.getShape())
    return emitOpError() << "changes the shape from "
                         << describeShape(input.getShape()) << " to "
                         << describeShape(result.getShape())
                         << "; a cast only converts elements";
  if (!input.hasSameDistribution(result))
    return emitOpError() << "changes the distribution from "
                         << describeLayout(input) << " on "
                         << describeAxis(input) << " to "
                         << describeLayout(result) << " on "
                         << describeAxis(result)
                         << "; use a collective to change layouts";
  if (result.getElementType().isInteger(1))
    return emitOpError() << "cannot cast to i1; use coco.cmp";
  return success();
}

// The number is written bare and takes the element type of the result, so
// `0.5 : !coco.dtensor<...>` is not read as a typed attribute.
ParseResult ConstantOp::parse(OpAsmParser &parser, OperationState &result) {
  APInt integer;
  double number = 0;
  OptionalParseResult isInteger = parser.parseOptionalInteger(integer);
  if (isInteger.has_value() && failed(*isInteger))
    return failure();
  if (!isInteger.has_value() && parser.parseFloat(number))
    return failure();
  DTensorType type;
  SMLoc typeLoc;
  if (parser.parseOptionalAttrDict(result.attributes) || parser.parseColon() ||
      parser.getCurrentLocation(&typeLoc) || parser.parseType(type))
    return failure();
  Type elementType = type.getElementType();
  Attribute value;
  if (isa<FloatType>(elementType))
    value = parser.getBuilder().getFloatAttr(
        elementType, isInteger.has_value()
                         ? static_cast<double>(integer.getSExtValue())
                         : number);
  else if (isInteger.has_value())
    value = parser.getBuilder().getIntegerAttr(elementType,
                                               integer.getSExtValue());
  else
    return parser.emitError(typeLoc)
           << "a floating-point constant cannot have element type "
           << elementType;
  result.getOrAddProperties<Properties>().value = cast<TypedAttr>(value);
  result.addTypes(type);
  return success();
}

void ConstantOp::print(OpAsmPrinter &printer) {
  printer << " ";
  if (auto floatValue = dyn_cast<FloatAttr>(getValue()))
    printer.printFloat(floatValue.getValue());
  else
    printer << cast<IntegerAttr>(getValue()).getInt();
  printer.printOptionalAttrDict((*this)->getAttrs(), {"value"});
  printer << " : " << getType();
}

LogicalResult ConstantOp::verify() {
  DTensorType type = getResult().getType();
  if (!type.isReplicated())
    return emitOpError() << "result must be replicated (every rank holds the "
                            "same constant), got "
                         << describeLayout(type);
  Type elementType = type.getElementType();
  if (getValue().getType() != elementType)
    return emitOpError() << "value " << getValue()
                         << " does not have the element type " << elementType;
  return success();
}

LogicalResult ExpandOp::verify() {
  DTensorType input = getInput().getType();
  DTensorType result = getResult().getType();
  ArrayRef<int64_t> dims = getDims();
  if ((int64_t)dims.size() != input.getRank())
    return emitOpError() << "needs one result dimension per input dimension ("
                         << input.getRank() << "), got " << dims.size();
  for (auto [i, dim] : llvm::enumerate(dims)) {
    if (dim < 0 || dim >= result.getRank())
      return emitOpError() << "dimension " << dim
                           << " is out of range for a rank-"
                           << result.getRank() << " result";
    if (i > 0 && dim <= dims[i - 1])
      return emitOpError() << "dimensions must be strictly increasing";
    if (input.getShape()[i] != result.getShape()[dim])
      return emitOpError() << "input dimension " << i << " (size "
                           << input.getShape()[i]
                           << ") does not match result dimension " << dim
                           << " (size " << result.getShape()[dim] << ")";
  }
  if (input.getElementType() != result.getElementType())
    return emitOpError() << "changes the element type";
  DTensorType expected =
      input.isSliced()
          ? result.withLayout(LayoutKind::sliced, dims[input.getSlicedDim()])
          : result.withLayout(input.getLayout());
  if (!input.isOnSameAxis(result) || !result.hasSameDistribution(expected))
    return emitOpError() << "result must be " << describeLayout(expected)
                         << " on " << describeAxis(input) << ", like its input";
  return success();
}

LogicalResult ExtractOp::verify() {
  DTensorType input = getInput().getType();
  if (input.getRank() != 0)
    return emitOpError() << "needs a rank-0 distributed tensor, got shape "
                         << describeShape(input.getShape());
  if (getResult().getType() != input.getElementType())
    return emitOpError() << "result type " << getResult().getType()
                         << " differs from the element type "
                         << input.getElementType();
  return success();
}

//===----------------------------------------------------------------------===//
// Matmul, reductions
//===----------------------------------------------------------------------===//

LogicalResult MatmulOp::inferReturnTypes(MLIRContext *,
                                         std::optional<Location> loc,
                                         Adaptor adaptor,
                                         SmallVectorImpl<Type> &results) {
  COCO_DTENSOR_OPERAND(lhs, adaptor.getLhs(), "matmul")
  COCO_DTENSOR_OPERAND(rhs, adaptor.getRhs(), "matmul")
  int64_t rank = lhs.getRank();
  if (rank < 2 || rhs.getRank() != 2)
    return emitOptionalError(loc, "'coco.matmul' expects lhs of rank >= 2 and "
                                  "rhs of rank 2, got shapes ",
                             describeShape(lhs.getShape()), " and ",
                             describeShape(rhs.getShape()));
  if (lhs.getShape().back() != rhs.getShape().front())
    return emitOptionalError(loc, "'coco.matmul' contracted dimensions differ: "
                                  "lhs has K = ",
                             lhs.getShape().back(), ", rhs has K = ",
                             rhs.getShape().front());
  if (lhs.getElementType() != rhs.getElementType())
    return emitOptionalError(loc, "'coco.matmul' operands have different "
                                  "element types: ",
                             lhs.getElementType(), " and ",
                             rhs.getElementType());
  if (!lhs.isOnSameAxis(rhs))
    return emitOptionalError(loc, "'coco.matmul' operands are distributed over "
                                  "different grid axes: ",
                             describeAxis(lhs), " and ", describeAxis(rhs));

  SmallVector<int64_t> shape(lhs.getShape().drop_back());
  shape.push_back(rhs.getShape().back());
  DTensorType result = lhs.withShape(shape);
  auto illegal = [&](StringRef why) {
    return emitOptionalError(loc, "'coco.matmul' cannot multiply ",
                             describeLayout(lhs), " by ", describeLayout(rhs),
                             ": ", why);
  };

  bool lhsSlicedOnK = lhs.isSliced() && lhs.getSlicedDim() == rank - 1;
  bool rhsSlicedOnK = rhs.isSliced() && rhs.getSlicedDim() == 0;
  if (lhsSlicedOnK || rhsSlicedOnK) {
    if (!(lhsSlicedOnK && rhsSlicedOnK))
      return illegal("a contraction over a sliced K needs both lhs sliced on "
                     "its last dimension and rhs sliced on dimension 0");
    result = result.withLayout(LayoutKind::local);
  } else if (lhs.isSliced()) {
    if (!rhs.isReplicated())
      return illegal("lhs sliced on a row dimension needs a replicated rhs");
    result = result.withLayout(LayoutKind::sliced, lhs.getSlicedDim());
  } else if (rhs.isSliced()) {
    if (!lhs.isReplicated())
      return illegal("rhs sliced on its columns needs a replicated lhs");
    result = result.withLayout(LayoutKind::sliced, rank - 1);
  } else if (lhs.isLocal() || rhs.isLocal()) {
    result = result.withLayout(LayoutKind::local);
  } else {
    result = result.withLayout(LayoutKind::replicated);
  }
  results.push_back(result);
  return success();
}

LogicalResult ReduceOp::inferReturnTypes(MLIRContext *,
                                         std::optional<Location> loc,
                                         Adaptor adaptor,
                                         SmallVectorImpl<Type> &results) {
  COCO_DTENSOR_OPERAND(input, adaptor.getInput(), "reduce")
  ReductionKind kind = adaptor.getKind();
  if (kind != ReductionKind::sum && kind != ReductionKind::max &&
      kind != ReductionKind::min)
    return emitOptionalError(loc, "'coco.reduce' supports sum, max and min, "
                                  "got ",
                             stringifyReductionKind(kind));
  ArrayRef<int64_t> dims = adaptor.getDims();
  if (dims.empty())
    return emitOptionalError(loc, "'coco.reduce' needs at least one dimension");
  for (auto [i, dim] : llvm::enumerate(dims)) {
    if (dim < 0 || dim >= input.getRank())
      return emitOptionalError(loc, "'coco.reduce' dimension ", dim,
                               " is out of range for a rank-",
                               input.getRank(), " tensor");
    if (i > 0 && dim <= dims[i - 1])
      return emitOptionalError(loc, "'coco.reduce' dimensions must be "
                                    "strictly increasing");
  }
  SmallVector<int64_t> shape;
  for (auto [d, size] : llvm::enumerate(input.getShape()))
    if (!llvm::is_contained(dims, (int64_t)d))
      shape.push_back(size);
  DTensorType result = input.withShape(shape);
  if (input.isSliced()) {
    int64_t sliced = input.getSlicedDim();
    if (llvm::is_contained(dims, sliced)) {
      // Each rank reduces its own slice: partial results.
      result = result.withLayout(LayoutKind::local);
    } else {
      int64_t before = llvm::count_if(dims, [&](int64_t d) { return d < sliced; });
      result = result.withLayout(LayoutKind::sliced, sliced - before);
    }
  }
  results.push_back(result);
  return success();
}

LogicalResult NormOp::inferReturnTypes(MLIRContext *,
                                       std::optional<Location> loc,
                                       Adaptor adaptor,
                                       SmallVectorImpl<Type> &results) {
  COCO_DTENSOR_OPERAND(input, adaptor.getInput(), "norm")
  if (!isa<FloatType>(input.getElementType()))
    return emitOptionalError(loc, "'coco.norm' needs a floating-point element "
                                  "type, got ",
                             input.getElementType());
  if (input.isSliced())
    return emitOptionalError(
        loc, "'coco.norm' of a sliced tensor does not compose over slices; "
             "compute coco.reduce sum of its square, coco.all_reduce sum, "
             "then coco.sqrt");
  results.push_back(input.withShape({}));
  return success();
}

//===----------------------------------------------------------------------===//
// Update
//===----------------------------------------------------------------------===//

LogicalResult UpdateOp::verify() {
  auto arg = dyn_cast<BlockArgument>(getParam());
  auto function = (*this)->getParentOfType<FunctionOpInterface>();
  if (!arg || !function || function.isExternal() ||
      arg.getOwner() != &function.getFunctionBody().front())
    return emitOpError() << "parameter must be an argument of the enclosing "
                            "function";
  if (getOperation()->getBlock() != &function.getFunctionBody().front())
    return emitOpError() << "must be directly in the function body, not in "
                            "a nested region";
  for (Operation *user : getParam().getUsers()) {
    auto other = dyn_cast<UpdateOp>(user);
    if (other && other != *this && other.getParam() == getParam())
      return emitOpError() << "parameter is updated more than once";
    // The caller's buffer receives the new value; returning the parameter
    // too would have to return its old value from that same buffer.
    if (user->hasTrait<OpTrait::IsTerminator>())
      return emitOpError() << "parameter is also returned; return the new "
                              "value instead";
  }
  return success();
}

//===----------------------------------------------------------------------===//
// Collectives (global view)
//===----------------------------------------------------------------------===//

static LogicalResult requireLayout(std::optional<Location> loc,
                                   StringRef opName, DTensorType input,
                                   LayoutKind expected, StringRef why) {
  if (input.getLayout() == expected)
    return success();
  return emitOptionalError(loc, "'coco.", opName, "' needs a ",
                           stringifyLayoutKind(expected), " operand (", why,
                           "), got ", describeLayout(input));
}

static LogicalResult checkDim(std::optional<Location> loc, StringRef opName,
                              DTensorType input, int64_t dim) {
  if (dim >= 0 && dim < input.getRank())
    return success();
  return emitOptionalError(loc, "'coco.", opName, "' dimension ", dim,
                           " is out of range for a rank-", input.getRank(),
                           " tensor");
}

LogicalResult AllReduceOp::inferReturnTypes(MLIRContext *,
                                            std::optional<Location> loc,
                                            Adaptor adaptor,
                                            SmallVectorImpl<Type> &results) {
  COCO_DTENSOR_OPERAND(input, adaptor.getInput(), "all_reduce")
  if (failed(requireLayout(loc, "all_reduce", input, LayoutKind::local,
                           "per-rank values to combine")))
    return failure();
  results.push_back(input.withLayout(LayoutKind::replicated));
  return success();
}

LogicalResult ReduceScatterOp::inferReturnTypes(
    MLIRContext *, std::optional<Location> loc, Adaptor adaptor,
    SmallVectorImpl<Type> &results) {
  COCO_DTENSOR_OPERAND(input, adaptor.getInput(), "reduce_scatter")
  if (failed(requireLayout(loc, "reduce_scatter", input, LayoutKind::local,
                           "per-rank values to combine")) ||
      failed(checkDim(loc, "reduce_scatter", input, adaptor.getDim())))
    return failure();
  results.push_back(input.withLayout(LayoutKind::sliced, adaptor.getDim()));
  return success();
}

LogicalResult AllGatherOp::inferReturnTypes(MLIRContext *,
                                            std::optional<Location> loc,
                                            Adaptor adaptor,
                                            SmallVectorImpl<Type> &results) {
  COCO_DTENSOR_OPERAND(input, adaptor.getInput(), "all_gather")
  if (failed(requireLayout(loc, "all_gather", input, LayoutKind::sliced,
                           "slices to concatenate")))
    return failure();
  results.push_back(input.withLayout(LayoutKind::replicated));
  return success();
}

static LogicalResult checkRoot(std::optional<Location> loc, StringRef opName,
                               int64_t root) {
  if (root >= 0)
    return success();
  return emitOptionalError(loc, "'coco.", opName,
                           "' root must be non-negative, got ", root);
}

LogicalResult BroadcastOp::inferReturnTypes(MLIRContext *,
                                            std::optional<Location> loc,
                                            Adaptor adaptor,
                                            SmallVectorImpl<Type> &results) {
  COCO_DTENSOR_OPERAND(input, adaptor.getInput(), "broadcast")
  if (failed(checkRoot(loc, "broadcast", adaptor.getRoot())))
    return failure();
  if (input.isSliced())
    return emitOptionalError(loc, "'coco.broadcast' needs a local or "
                                  "replicated operand (a whole tensor on the "
                                  "root), got ",
                             describeLayout(input));
  results.push_back(input.withLayout(LayoutKind::replicated));
  return success();
}

LogicalResult ReduceToRootOp::inferReturnTypes(
    MLIRContext *, std::optional<Location> loc, Adaptor adaptor,
    SmallVectorImpl<Type> &results) {
  COCO_DTENSOR_OPERAND(input, adaptor.getInput(), "reduce_to_root")
  if (failed(checkRoot(loc, "reduce_to_root", adaptor.getRoot())) ||
      failed(requireLayout(loc, "reduce_to_root", input, LayoutKind::local,
                           "per-rank values to combine")))
    return failure();
  results.push_back(input);
  return success();
}

LogicalResult AllToAllOp::inferReturnTypes(MLIRContext *,
                                           std::optional<Location> loc,
                                           Adaptor adaptor,
                                           SmallVectorImpl<Type> &results) {
  COCO_DTENSOR_OPERAND(input, adaptor.getInput(), "all_to_all")
  if (failed(requireLayout(loc, "all_to_all", input, LayoutKind::sliced,
                           "slices to re-slice")) ||
      failed(checkDim(loc, "all_to_all", input, adaptor.getDim())))
    return failure();
  if (adaptor.getDim() == input.getSlicedDim())
    return emitOptionalError(loc, "'coco.all_to_all' operand is already "
                                  "sliced along dimension ",
                             adaptor.getDim());
  results.push_back(input.withLayout(LayoutKind::sliced, adaptor.getDim()));
  return success();
}

LogicalResult SliceOp::inferReturnTypes(MLIRContext *,
                                        std::optional<Location> loc,
                                        Adaptor adaptor,
                                        SmallVectorImpl<Type> &results) {
  COCO_DTENSOR_OPERAND(input, adaptor.getInput(), "slice")
  if (failed(requireLayout(loc, "slice", input, LayoutKind::replicated,
                           "every rank must hold the whole tensor")) ||
      failed(checkDim(loc, "slice", input, adaptor.getDim())))
    return failure();
  results.push_back(input.withLayout(LayoutKind::sliced, adaptor.getDim()));
  return success();
}

LogicalResult RecvOp::verify() {
  DTensorType type = getResult().getType();
  if (getPeerAxis() == type.getAxis() && !type.isLocal())
    return emitOpError() << "result must be local (only this rank receives "
                            "it along its own axis), got "
                         << describeLayout(type);
  return success();
}

//===----------------------------------------------------------------------===//
// Rank-local communication ops
//===----------------------------------------------------------------------===//

namespace {
/// What a rank-local collective requires of its buffers' shapes.
enum class ShapeRule {
  Same,          // all_reduce, broadcast, reduce: equal shapes
  ScatterAlong,  // reduce_scatter: init is input divided along `dim`
  GatherAlong,   // all_gather: init is input multiplied along `dim`
  SameRank,      // all_to_all: equal ranks and element counts (checked later)
  InitOnly,      // recv
};
} // namespace

static LogicalResult verifyCommOp(Operation *op, Value input, Value init,
                                  ShapeRule rule, int64_t dim = -1) {
  auto initType = cast<ShapedType>(init.getType());
  bool tensorForm = isa<RankedTensorType>(initType);
  // Non-blocking ops (memrefs only) return their request instead.
  bool destinationStyle = isa<DestinationStyleOpInterface>(op);
  if (destinationStyle && tensorForm) {
    if (op->getNumResults() != 1 || op->getResult(0).getType() != initType)
      return op->emitOpError()
             << "with tensor operands must return one value of the type of "
                "its init operand";
  } else if (destinationStyle && op->getNumResults() != 0) {
    return op->emitOpError() << "with memref operands has no results";
  }
  if (rule == ShapeRule::InitOnly)
    return success();

  auto inputType = cast<ShapedType>(input.getType());
  if (isa<RankedTensorType>(inputType) != tensorForm)
    return op->emitOpError() << "input and init must both be tensors or both "
                                "be memrefs";
  if (inputType.getElementType() != initType.getElementType())
    return op->emitOpError() << "input and init element types differ: "
                             << inputType.getElementType() << " and "
                             << initType.getElementType();
  if (inputType.getRank() != initType.getRank())
    return op->emitOpError() << "input and init ranks differ";
  if (dim != -1 && (dim < 0 || dim >= inputType.getRank()))
    return op->emitOpError() << "dimension " << dim
                             << " is out of range for rank "
                             << inputType.getRank();
  if (rule == ShapeRule::SameRank)
    return success();
  for (int64_t d = 0; d < inputType.getRank(); ++d) {
    int64_t in = inputType.getDimSize(d), out = initType.getDimSize(d);
    if (ShapedType::isDynamic(in) || ShapedType::isDynamic(out))
      continue;
    bool ok = true;
    if (rule == ShapeRule::Same || d != dim)
      ok = in == out;
    else if (rule == ShapeRule::ScatterAlong)
      ok = out != 0 && in % out == 0;
    else if (rule == ShapeRule::GatherAlong)
      ok = in != 0 && out % in == 0;
    if (!ok)
      return op->emitOpError() << "input and init sizes of dimension " << d
                               << " are incompatible: " << in << " and "
                               << out;
  }
  return success();
}

LogicalResult CommAllReduceOp::verify() {
  return verifyCommOp(*this, getInput(), getInit(), ShapeRule::Same);
}
LogicalResult CommReduceScatterOp::verify() {
  return verifyCommOp(*this, getInput(), getInit(), ShapeRule::ScatterAlong,
                      getDim());
}
LogicalResult CommAllGatherOp::verify() {
  return verifyCommOp(*this, getInput(), getInit(), ShapeRule::GatherAlong,
                      getDim());
}
LogicalResult CommBroadcastOp::verify() {
  return verifyCommOp(*this, getInput(), getInit(), ShapeRule::Same);
}
LogicalResult CommReduceOp::verify() {
  return verifyCommOp(*this, getInput(), getInit(), ShapeRule::Same);
}
LogicalResult CommAllToAllOp::verify() {
  if (failed(verifyCommOp(*this, getInput(), getInit(), ShapeRule::SameRank,
                          getSplitDim())))
    return failure();
  if (getConcatDim() < 0 ||
      getConcatDim() >= cast<ShapedType>(getInput().getType()).getRank())
    return emitOpError() << "concat dimension " << getConcatDim()
                         << " is out of range";
  return success();
}
LogicalResult CommIAllReduceOp::verify() {
  return verifyCommOp(*this, getInput(), getInit(), ShapeRule::Same);
}
LogicalResult CommIReduceScatterOp::verify() {
  return verifyCommOp(*this, getInput(), getInit(), ShapeRule::ScatterAlong,
                      getDim());
}
LogicalResult CommRecvOp::verify() {
  return verifyCommOp(*this, Value(), getInit(), ShapeRule::InitOnly);
}

#include "coco/Dialect/Coco/IR/CocoOpInterfaces.cpp.inc"

#define GET_OP_CLASSES
#include "coco/Dialect/Coco/IR/CocoOps.cpp.inc"
