//===- CocoOps.cpp - coco operations, placement inference, verifiers ------===//
//
// Result placements of the global view follow CoCoNet's rules (DESIGN.md
// §1), applied axis by axis (DESIGN.md §7). Inference failures are the
// verifier errors: each names the axis, the operands' placements and what
// would be legal.
//
//===----------------------------------------------------------------------===//

#include "coco/Dialect/Coco/IR/CocoOps.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/IR/Builders.h"
#include "mlir/IR/Matchers.h"
#include "mlir/IR/OpImplementation.h"
#include "mlir/Interfaces/FunctionInterfaces.h"
#include "llvm/ADT/STLExtras.h"
#include "llvm/ADT/SmallSet.h"
#include "llvm/Support/FormatVariadic.h"

using namespace mlir;
using namespace mlir::coco;

//===----------------------------------------------------------------------===//
// Printing helpers for diagnostics
//===----------------------------------------------------------------------===//

std::string mlir::coco::describeAxes(ArrayRef<int64_t> axes) {
  std::string text = "[";
  for (auto [i, axis] : llvm::enumerate(axes))
    text += (i ? ", " : "") + std::to_string(axis);
  return text + "]";
}

std::string mlir::coco::describeAxis(FlatSymbolRefAttr grid, int64_t axis) {
  return "axis " + std::to_string(axis) + " of @" + grid.getValue().str();
}

static std::string describeShape(ArrayRef<int64_t> shape) {
  std::string text;
  for (auto [i, dim] : llvm::enumerate(shape))
    text += (i ? "x" : "") + std::to_string(dim);
  return shape.empty() ? "scalar (rank 0)" : text;
}

int64_t mlir::coco::defaultPeerAxis(DTensorType type) {
  // Trailing replicated placements are dropped: a single placement other
  // than replicated is the last one.
  ArrayRef<int64_t> placements = type.getPlacements();
  int64_t notReplicated = llvm::count_if(placements, [](int64_t code) {
    return code != Placement::kReplicatedCode;
  });
  return notReplicated == 1 ? placements.size() - 1 : 0;
}

//===----------------------------------------------------------------------===//
// Collective axes
//===----------------------------------------------------------------------===//

namespace {
/// Where a collective's axes come from when it has no `along`.
enum class AxesDefault {
  LocalAxes,    // all_reduce, reduce_scatter, reduce_to_root
  SlicedAxes,   // all_gather, all_to_all: the slicing of the one sliced dim
  LocalOrFirst, // broadcast: the local axes, else axis 0
  First,        // slice: axis 0
};

struct ResolvedAxes {
  SmallVector<int64_t> axes;
  /// Not determined by the operand's placements: only valid on a grid of
  /// one axis (checked with the grid, in verifyGridUses).
  bool positional = false;
};
} // namespace

/// The axes a collective runs along: `given`, or the default of `rule` for
/// an operand of type `input`.
static ResolvedAxes resolveAxes(std::optional<ArrayRef<int64_t>> given,
                                DTensorType input, AxesDefault rule) {
  ResolvedAxes resolved;
  if (given) {
    resolved.axes.assign(given->begin(), given->end());
    return resolved;
  }
  switch (rule) {
  case AxesDefault::LocalAxes:
  case AxesDefault::LocalOrFirst:
    resolved.axes = input.getLocalAxes();
    break;
  case AxesDefault::SlicedAxes: {
    SmallVector<int64_t> sliced = input.getSlicedAxes();
    if (sliced.empty())
      break;
    int64_t dim = input.getPlacement(sliced.front()).getDim();
    // Several sliced dims: no default (the op reports it).
    if (llvm::all_of(sliced, [&](int64_t axis) {
          return input.getPlacement(axis).isSlicedAlong(dim);
        }))
      resolved.axes = input.getSliceLevels(dim);
    else
      return resolved;
    break;
  }
  case AxesDefault::First:
    break;
  }
  if (resolved.axes.empty()) {
    resolved.axes = {0};
    resolved.positional = true;
  }
  return resolved;
}

/// The default rule of each collective.
static AxesDefault axesDefaultOf(Operation *op) {
  if (isa<AllGatherOp, AllToAllOp>(op))
    return AxesDefault::SlicedAxes;
  if (isa<BroadcastOp>(op))
    return AxesDefault::LocalOrFirst;
  if (isa<SliceOp>(op))
    return AxesDefault::First;
  return AxesDefault::LocalAxes;
}

static std::optional<ArrayRef<int64_t>> givenAxes(Operation *op) {
  if (auto axes = op->getAttrOfType<DenseI64ArrayAttr>("axes"))
    return axes.asArrayRef();
  return std::nullopt;
}

static ResolvedAxes resolveAxesOf(Operation *op) {
  return resolveAxes(givenAxes(op),
                     cast<DTensorType>(op->getOperand(0).getType()),
                     axesDefaultOf(op));
}

/// Orders the axes of a gather-like op (all_gather, all_to_all) outer to
/// inner, as the operand's sliced dimension splits them: the order of the
/// flattened group whose rank r holds block r.
static SmallVector<int64_t> inLevelOrder(DTensorType input,
                                         ArrayRef<int64_t> axes) {
  Placement placement = input.getPlacement(axes.front());
  if (!placement.isSliced())
    return SmallVector<int64_t>(axes);
  SmallVector<int64_t> ordered;
  for (int64_t axis : input.getSliceLevels(placement.getDim()))
    if (llvm::is_contained(axes, axis))
      ordered.push_back(axis);
  return ordered.size() == axes.size() ? ordered : SmallVector<int64_t>(axes);
}

void mlir::coco::omitDefaultAxes(Operation *op) {
  std::optional<ArrayRef<int64_t>> given = givenAxes(op);
  if (!given)
    return;
  ResolvedAxes resolved =
      resolveAxes(std::nullopt, cast<DTensorType>(op->getOperand(0).getType()),
                  axesDefaultOf(op));
  bool same = llvm::equal(resolved.axes, *given);
  if (same && resolved.positional) {
    // Axis 0 by position is only the default on a grid of one axis.
    auto grid = SymbolTable::lookupNearestSymbolFrom<GridOp>(
        op, cast<CollectiveOpInterface>(op).getCommGrid());
    same = grid && grid.getRank() == 1;
  }
  if (same)
    op->removeAttr("axes");
}

#define COCO_COLLECTIVE_AXES(OP, ORDERED)                                      \
  SmallVector<int64_t> OP::getCommAxes() {                                     \
    SmallVector<int64_t> axes = resolveAxesOf(*this).axes;                     \
    return ORDERED ? inLevelOrder(getInput().getType(), axes) : axes;          \
  }                                                                            \
  FlatSymbolRefAttr OP::getCommGrid() { return getInput().getType().getGrid(); }
COCO_COLLECTIVE_AXES(AllReduceOp, false)
COCO_COLLECTIVE_AXES(ReduceScatterOp, false)
COCO_COLLECTIVE_AXES(AllGatherOp, true)
COCO_COLLECTIVE_AXES(BroadcastOp, false)
COCO_COLLECTIVE_AXES(ReduceToRootOp, false)
COCO_COLLECTIVE_AXES(AllToAllOp, true)
COCO_COLLECTIVE_AXES(SliceOp, false)
#undef COCO_COLLECTIVE_AXES

SmallVector<int64_t> SendOp::getCommAxes() { return {getPeerAxis()}; }
FlatSymbolRefAttr SendOp::getCommGrid() {
  return getInput().getType().getGrid();
}
bool SendOp::agreesOnGroup() { return false; }
SmallVector<int64_t> RecvOp::getCommAxes() { return {getPeerAxis()}; }
bool RecvOp::agreesOnGroup() { return false; }
bool CommSendOp::agreesOnGroup() { return false; }
bool CommRecvOp::agreesOnGroup() { return false; }
FlatSymbolRefAttr RecvOp::getCommGrid() { return getType().getGrid(); }

//===----------------------------------------------------------------------===//
// Grid symbol checks shared by every op that names a grid
//===----------------------------------------------------------------------===//

static LogicalResult checkGrid(Operation *op, SymbolTableCollection &symbols,
                               FlatSymbolRefAttr grid, GridOp &found) {
  found = symbols.lookupNearestSymbolFrom<GridOp>(op, grid);
  if (!found)
    return op->emitOpError() << "refers to unknown grid " << grid;
  return success();
}

static LogicalResult checkAxes(Operation *op, GridOp grid,
                               ArrayRef<int64_t> axes) {
  if (axes.empty())
    return op->emitOpError() << "needs at least one grid axis";
  llvm::SmallSet<int64_t, 4> seen;
  for (int64_t axis : axes) {
    if (axis < 0 || axis >= grid.getRank())
      return op->emitOpError()
             << "refers to axis " << axis << " of grid @" << grid.getSymName()
             << ", which has " << grid.getRank() << " dimension(s)";
    if (!seen.insert(axis).second)
      return op->emitOpError() << "names axis " << axis << " twice";
  }
  return success();
}

int64_t mlir::coco::groupSize(ArrayRef<int64_t> extents,
                              ArrayRef<int64_t> axes) {
  int64_t size = 1;
  for (int64_t axis : axes) {
    int64_t extent = extents[axis];
    if (ShapedType::isDynamic(extent))
      return ShapedType::kDynamic;
    size *= extent;
  }
  return size;
}

static LogicalResult checkRootInGroup(Operation *op, GridOp grid,
                                      ArrayRef<int64_t> axes) {
  auto root = op->getAttrOfType<IntegerAttr>("root");
  if (!root)
    return success();
  int64_t size = groupSize(grid.getShape(), axes);
  if (root.getInt() < 0)
    return op->emitOpError() << "root " << root.getInt()
                             << " is negative: roots are ranks of the group";
  if (!ShapedType::isDynamic(size) && root.getInt() >= size)
    return op->emitOpError()
           << "root " << root.getInt() << " is out of range for a group of "
           << size << " ranks";
  return success();
}

/// The axes a global-view collective or send/recv runs along: on the grid,
/// and named where the operand does not decide them.
static LogicalResult verifyCollectiveAxes(Operation *op,
                                          CollectiveOpInterface collective,
                                          SymbolTableCollection &symbols) {
  GridOp gridOp;
  if (failed(checkGrid(op, symbols, collective.getCommGrid(), gridOp)))
    return failure();
  bool positional;
  if (isa<SendOp, RecvOp>(op)) {
    auto type = cast<DTensorType>(isa<SendOp>(op) ? op->getOperand(0).getType()
                                                  : op->getResult(0).getType());
    positional = !op->hasAttr("along") &&
                 llvm::count_if(type.getPlacements(), [](int64_t code) {
                   return code != Placement::kReplicatedCode;
                 }) != 1;
  } else {
    positional = resolveAxesOf(op).positional;
  }
  if (positional && gridOp.getRank() > 1)
    return op->emitOpError()
           << "runs on grid " << collective.getCommGrid() << " of "
           << gridOp.getRank()
           << " axes and its operand does not say along which: name them "
              "with 'along'";
  SmallVector<int64_t> axes = collective.getCommAxes();
  if (failed(checkAxes(op, gridOp, axes)) ||
      failed(checkRootInGroup(op, gridOp, axes)))
    return failure();
  return success();
}

/// The peer operand of a send or receive and the grid axis it indexes.
static std::optional<std::pair<Value, int64_t>> peerOf(Operation *op) {
  if (auto send = dyn_cast<SendOp>(op))
    return std::make_pair(send.getPeer(), send.getPeerAxis());
  if (auto recv = dyn_cast<RecvOp>(op))
    return std::make_pair(recv.getPeer(), recv.getPeerAxis());
  if (auto send = dyn_cast<CommSendOp>(op); send && send.getAxes().size() == 1)
    return std::make_pair(send.getPeer(), send.getAxes()[0]);
  if (auto recv = dyn_cast<CommRecvOp>(op); recv && recv.getAxes().size() == 1)
    return std::make_pair(recv.getPeer(), recv.getAxes()[0]);
  return std::nullopt;
}

static LogicalResult verifyConstantPeer(Operation *op,
                                        SymbolTableCollection &symbols) {
  std::optional<std::pair<Value, int64_t>> peer = peerOf(op);
  APInt constant;
  if (!peer || !matchPattern(peer->first, m_ConstantInt(&constant)))
    return success();
  auto grid = symbols.lookupNearestSymbolFrom<GridOp>(
      op, cast<CollectiveOpInterface>(op).getCommGrid());
  int64_t axis = peer->second;
  if (!grid || axis < 0 || axis >= grid.getRank())
    return success(); // reported with the grid and axes
  int64_t extent = grid.getShape()[axis];
  int64_t value = constant.getSExtValue();
  if (value < 0 || (!ShapedType::isDynamic(extent) && value >= extent))
    return op->emitOpError()
           << "peer " << value << " is not a rank along axis " << axis
           << " of grid @" << grid.getSymName() << ", which has "
           << (ShapedType::isDynamic(extent) ? std::string("'?'")
                                             : std::to_string(extent))
           << " rank(s)";
  return success();
}

LogicalResult mlir::coco::verifyGridUses(Operation *op,
                                         SymbolTableCollection &symbols) {
  // A grid attribute with its axis (axis_rank, axis_size) or axes
  // (rank-local ops).
  if (auto grid = op->getAttrOfType<FlatSymbolRefAttr>("grid")) {
    GridOp gridOp;
    if (failed(checkGrid(op, symbols, grid, gridOp)))
      return failure();
    SmallVector<int64_t> axes;
    if (auto axis = op->getAttrOfType<IntegerAttr>("axis"))
      axes.push_back(axis.getInt());
    else if (auto list = op->getAttrOfType<DenseI64ArrayAttr>("axes"))
      axes.assign(list.asArrayRef().begin(), list.asArrayRef().end());
    if (failed(checkAxes(op, gridOp, axes)) ||
        failed(checkRootInGroup(op, gridOp, axes)))
      return failure();
  }

  // Checked before the types: an axis out of range makes a result type
  // place the tensor on axes the grid does not have.
  if (auto collective = dyn_cast<CollectiveOpInterface>(op);
      collective && !op->hasAttr("grid") &&
      failed(verifyCollectiveAxes(op, collective, symbols)))
    return failure();

  // A constant peer is a rank along the peer axis: on a static extent it
  // must be one (a peer computed at run time is checked by the runtime).
  if (failed(verifyConstantPeer(op, symbols)))
    return failure();

  // Distributed tensor types of operands and results.
  auto checkType = [&](Type type) -> LogicalResult {
    auto dtensor = dyn_cast<DTensorType>(type);
    if (!dtensor)
      return success();
    GridOp gridOp;
    if (failed(checkGrid(op, symbols, dtensor.getGrid(), gridOp)))
      return failure();
    if (dtensor.getNumPlacedAxes() > gridOp.getRank())
      return op->emitOpError()
             << "uses " << dtensor << ", which places the tensor on "
             << dtensor.getNumPlacedAxes() << " axes, but grid "
             << dtensor.getGrid() << " has " << gridOp.getRank();
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

FailureOr<SmallVector<int64_t>>
mlir::coco::lookupGridShape(Operation *from, FlatSymbolRefAttr grid,
                            SymbolTableCollection &symbols) {
  auto gridOp = symbols.lookupNearestSymbolFrom<GridOp>(from, grid);
  if (!gridOp)
    return failure();
  return SmallVector<int64_t>(gridOp.getShape());
}

std::optional<std::string> mlir::coco::whyFoldGroupTooLarge(int64_t ranks) {
  if (ranks <= kMaxFoldRanks)
    return std::nullopt;
  return llvm::formatv("its loop would sum the blocks of {0} ranks; the "
                       "fold takes groups of at most {1}",
                       ranks, kMaxFoldRanks)
      .str();
}

std::optional<std::string>
mlir::coco::whyStaysUnfused(ReduceScatterOp op,
                            SymbolTableCollection &symbols) {
  auto type = cast<DTensorType>(op.getInput().getType());
  if (op.getDim() != 0)
    return std::string("only a reduce_scatter along dimension 0 is supported");
  // A dtensor's shape is static (DTensorType::verify); the grid was checked
  // when the op was verified, so the lookup fails only on unverified IR.
  FailureOr<SmallVector<int64_t>> grid =
      lookupGridShape(op, type.getGrid(), symbols);
  if (failed(grid))
    return std::string("unknown grid");
  auto isStatic = [&](int64_t axis) {
    return axis >= 0 && axis < int64_t(grid->size()) &&
           !ShapedType::isDynamic((*grid)[axis]);
  };
  // This rank's block of dim 0, split equally by the axes slicing it.
  int64_t extent = type.getShape()[0];
  assert(!ShapedType::isDynamic(extent) && "a dtensor's shape is static");
  for (int64_t axis : type.getSliceLevels(0)) {
    if (!isStatic(axis))
      return std::string("its grid axes must have a static number of ranks");
    if (extent % (*grid)[axis] != 0)
      return llvm::formatv("dimension 0 (size {0}) is sliced unevenly "
                           "already: this rank's part, the exchange's "
                           "input, would have a dynamic size",
                           extent)
          .str();
    extent /= (*grid)[axis];
  }
  int64_t ranks = 1;
  for (int64_t axis : cast<CollectiveOpInterface>(*op).getCommAxes()) {
    if (!isStatic(axis))
      return std::string("its grid axes must have a static number of ranks");
    ranks *= (*grid)[axis];
  }
  if (std::optional<std::string> why = whyFoldGroupTooLarge(ranks))
    return why;
  return whyAverageOverflows(op.getKind(), type.getElementType(), ranks);
}

std::optional<std::string> mlir::coco::whyAverageOverflows(ReductionKind kind,
                                                           Type elementType,
                                                           int64_t ranks) {
  // The fold divides by the number of ranks in the element type (signed).
  if (kind != ReductionKind::avg || !elementType.isInteger() ||
      ranks < (int64_t(1) << std::min<unsigned>(
                   62, elementType.getIntOrFloatBitWidth() - 1)))
    return std::nullopt;
  return llvm::formatv("the average's divisor, {0} ranks, does not fit in "
                       "{1}",
                       ranks, elementType)
      .str();
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

/// Distributed tensor types in the signatures of the functions beside
/// `grid`. Ops check their operand and result types against their grid
/// (verifyGridUses), but an argument that is only returned, or not used at
/// all, reaches no coco op: its type is checked here, by the grid it names.
/// The first grid of the block also reports types naming no grid at all.
static LogicalResult verifySignatureTypes(GridOp grid) {
  Block *block = grid->getBlock();
  Operation *parent = grid->getParentOp();
  if (!block || !parent)
    return success();
  bool firstGrid = &*llvm::find_if(*block, [](Operation &op) {
    return isa<GridOp>(op);
  }) == grid.getOperation();
  std::optional<SymbolTable> symbols;
  if (firstGrid && parent->hasTrait<OpTrait::SymbolTable>())
    symbols.emplace(parent);
  for (Operation &op : *block) {
    auto function = dyn_cast<FunctionOpInterface>(op);
    if (!function)
      continue;
    // Read from the attribute, not through the interface: a sibling is
    // verified after the module's other ops (it is isolated from above), so
    // its type may still be missing or of another kind (the interface casts
    // blindly). Only builtin function types can hold coco types here.
    auto typeAttr = op.getAttrOfType<TypeAttr>("function_type");
    auto signature = typeAttr
                         ? dyn_cast_or_null<FunctionType>(typeAttr.getValue())
                         : FunctionType();
    if (!signature)
      continue;
    auto check = [&](Type type, StringRef what,
                     unsigned index) -> LogicalResult {
      auto dtensor = dyn_cast<DTensorType>(type);
      if (!dtensor)
        return success();
      if (dtensor.getGrid().getAttr() == grid.getSymNameAttr()) {
        if (dtensor.getNumPlacedAxes() <= grid.getRank())
          return success();
        return function.emitOpError()
               << what << " " << index << " has type " << dtensor
               << ", which places the tensor on " << dtensor.getNumPlacedAxes()
               << " axes, but grid " << dtensor.getGrid() << " has "
               << grid.getRank();
      }
      if (symbols && !symbols->lookup(dtensor.getGrid().getValue()))
        return function.emitOpError()
               << what << " " << index << " has type " << dtensor
               << ", whose grid " << dtensor.getGrid() << " does not exist";
      return success();
    };
    for (auto [i, type] : llvm::enumerate(signature.getInputs()))
      if (failed(check(type, "argument", i)))
        return failure();
    for (auto [i, type] : llvm::enumerate(signature.getResults()))
      if (failed(check(type, "result", i)))
        return failure();
  }
  return success();
}

LogicalResult mlir::coco::verifyGridShape(
    ArrayRef<int64_t> shape,
    llvm::function_ref<InFlightDiagnostic()> emitError) {
  if (shape.empty() || static_cast<int64_t>(shape.size()) > kMaxGridAxes)
    return emitError() << "must have 1 to " << kMaxGridAxes
                       << " dimensions, got " << shape.size();
  if (llvm::count_if(shape, ShapedType::isDynamic) > 1)
    return emitError() << "may have at most one dynamic extent '?' (the "
                          "world size divided by the static extents)";
  int64_t ranks = 1;
  for (int64_t extent : shape) {
    if (ShapedType::isDynamic(extent))
      continue;
    if (extent <= 0)
      return emitError() << "has extent " << extent
                         << " (extents must be positive or '?')";
    // (Checked before multiplying: the product cannot overflow.)
    if (extent > kMaxRanks / ranks)
      return emitError() << "has more than " << kMaxRanks
                         << " ranks (MPI and NCCL number ranks with an int)";
    ranks *= extent;
  }
  return success();
}

LogicalResult GridOp::verify() {
  if (failed(verifyGridShape(getShape(), [&] { return emitOpError(); })))
    return failure();
  return verifySignatureTypes(*this);
}

//===----------------------------------------------------------------------===//
// Pointwise placement inference
//===----------------------------------------------------------------------===//

/// Inference runs while parsing, before the operand type constraints are
/// verified: an operand that should be a distributed tensor may be anything.
#define COCO_DTENSOR_OPERAND(VAR, VALUE, OPNAME)                               \
  auto VAR = dyn_cast<DTensorType>((VALUE).getType());                         \
  if (!VAR)                                                                    \
    return emitOptionalError(loc, "'coco.", OPNAME,                            \
                             "' expects a distributed tensor operand, got ",   \
                             (VALUE).getType());

/// The number of axes any of `types` places on.
static int64_t numPlacedAxes(ArrayRef<DTensorType> types) {
  int64_t count = 0;
  for (DTensorType type : types)
    count = std::max(count, type.getNumPlacedAxes());
  return count;
}

/// Combines the placements of pointwise operands axis by axis (CoCoNet's
/// rule: equal placements stay, replicated with X gives X, anything else is
/// an error), then checks that every operand's blocks contain the result's:
/// where axes slice a dimension, each operand's slicing levels are the
/// outer levels of the result's. Scalars are broadcast. Returns the result
/// type with the tensors' element type.
static FailureOr<DTensorType> inferPointwise(std::optional<Location> loc,
                                             StringRef opName,
                                             ArrayRef<Type> operandTypes,
                                             Type resultElementType = {}) {
  SmallVector<DTensorType> tensors;
  for (Type type : operandTypes)
    if (auto dtensor = dyn_cast<DTensorType>(type))
      tensors.push_back(dtensor);
  if (tensors.empty())
    return emitOptionalError(loc, "'coco.", opName,
                             "' needs at least one distributed tensor "
                             "operand; use arith ops on scalars");
  DTensorType first = tensors.front();
  for (DTensorType other : ArrayRef(tensors).drop_front()) {
    if (other.getShape() != first.getShape())
      return emitOptionalError(
          loc, "'coco.", opName,
          "' operands have different shapes: ", describeShape(first.getShape()),
          " and ", describeShape(other.getShape()));
    if (other.getGrid() != first.getGrid())
      return emitOptionalError(loc, "'coco.", opName,
                               "' operands are distributed over different "
                               "grids: ",
                               first.getGrid(), " and ", other.getGrid());
    if (other.getElementType() != first.getElementType() &&
        !(resultElementType && other.getElementType().isInteger(1)))
      return emitOptionalError(
          loc, "'coco.", opName,
          "' operands have different element types: ", first.getElementType(),
          " and ", other.getElementType());
  }
  if (tensors.size() == 1)
    return first;

  int64_t numAxes = numPlacedAxes(tensors);
  SmallVector<Placement> placements(numAxes, Placement::replicated());
  for (int64_t axis = 0; axis < numAxes; ++axis) {
    for (DTensorType type : tensors) {
      Placement placement = type.getPlacement(axis);
      if (placement == placements[axis] || placement.isReplicated())
        continue;
      if (placements[axis].isReplicated()) {
        placements[axis] = placement;
        continue;
      }
      return emitOptionalError(
          loc, "'coco.", opName, "' cannot combine ", placements[axis].str(),
          " and ", placement.str(), " on ", describeAxis(first.getGrid(), axis),
          ": only equal placements, or replicated with another, combine");
    }
  }
  // Per dimension, the longest slicing among the operands is the result's;
  // the others must be its outer levels.
  SmallVector<int64_t> order;
  for (int64_t dim = 0; dim < first.getRank(); ++dim) {
    SmallVector<int64_t> levels;
    for (DTensorType type : tensors) {
      SmallVector<int64_t> own = type.getSliceLevels(dim);
      if (own.size() > levels.size())
        levels = own;
    }
    int64_t slicing = llvm::count_if(
        placements, [&](Placement p) { return p.isSlicedAlong(dim); });
    bool compatible = (int64_t)levels.size() == slicing;
    for (DTensorType type : tensors) {
      SmallVector<int64_t> own = type.getSliceLevels(dim);
      compatible &= llvm::equal(own, ArrayRef(levels).take_front(own.size()));
    }
    if (!compatible) {
      std::string orders;
      SmallVector<SmallVector<int64_t>> seen;
      for (DTensorType type : tensors) {
        SmallVector<int64_t> own = type.getSliceLevels(dim);
        if (own.empty() || llvm::is_contained(seen, own))
          continue;
        orders += (seen.empty() ? "" : " and ") + describeAxes(own);
        seen.push_back(own);
      }
      return emitOptionalError(
          loc, "'coco.", opName, "' operands split dimension ", dim,
          " over axes in incompatible orders (", orders,
          ", outer to inner): each operand's blocks must contain the "
          "result's");
    }
    order.append(levels);
  }
  return first.withPlacements(placements, order);
}

/// Checks that a scalar operand can be broadcast to `elementType`.
static LogicalResult checkScalarOperand(std::optional<Location> loc,
                                        StringRef opName, Type scalar,
                                        Type elementType) {
  if (isa<DTensorType>(scalar))
    return success();
  if (isa<FloatType>(scalar) != isa<FloatType>(elementType))
    return emitOptionalError(
        loc, "'coco.", opName, "' scalar operand of type ", scalar,
        " cannot be broadcast to element type ", elementType,
        ": a float scalar goes with float tensors, an integer one with "
        "integer tensors (convert it with arith first)");
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
  LogicalResult OP::inferReturnTypes(                                          \
      MLIRContext *, std::optional<Location> loc, Adaptor adaptor,             \
      SmallVectorImpl<Type> &results) {                                        \
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
    return emitOptionalError(loc,
                             "'coco.select' condition must have i1 "
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
    return op->emitOpError()
           << "needs a floating-point element type, got " << elementType;
  return success();
}

LogicalResult SqrtOp::verify() { return verifyFloatElements(*this, getType()); }
LogicalResult RsqrtOp::verify() {
  return verifyFloatElements(*this, getType());
}
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
                         << input.describePlacements() << " to "
                         << result.describePlacements()
                         << "; use a collective to change placements";
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
    value =
        parser.getBuilder().getIntegerAttr(elementType, integer.getSExtValue());
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
                         << type.describePlacements();
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
                           << " is out of range for a rank-" << result.getRank()
                           << " result";
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
  DTensorType expected = input.withDimsMapped(result.getShape(), dims);
  if (!result.hasSameDistribution(expected))
    return emitOpError() << "result must be " << expected.describePlacements()
                         << ", like its input";
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
    return emitOptionalError(loc,
                             "'coco.matmul' expects lhs of rank >= 2 and "
                             "rhs of rank 2, got shapes ",
                             describeShape(lhs.getShape()), " and ",
                             describeShape(rhs.getShape()));
  if (lhs.getShape().back() != rhs.getShape().front())
    return emitOptionalError(loc,
                             "'coco.matmul' contracted dimensions differ: "
                             "lhs has K = ",
                             lhs.getShape().back(),
                             ", rhs has K = ", rhs.getShape().front());
  if (lhs.getElementType() != rhs.getElementType())
    return emitOptionalError(loc,
                             "'coco.matmul' operands have different "
                             "element types: ",
                             lhs.getElementType(), " and ",
                             rhs.getElementType());
  if (lhs.getGrid() != rhs.getGrid())
    return emitOptionalError(loc,
                             "'coco.matmul' operands are distributed over "
                             "different grids: ",
                             lhs.getGrid(), " and ", rhs.getGrid());

  SmallVector<int64_t> shape(lhs.getShape().drop_back());
  shape.push_back(rhs.getShape().back());
  int64_t numAxes = numPlacedAxes({lhs, rhs});
  SmallVector<Placement> placements(numAxes, Placement::replicated());
  for (int64_t axis = 0; axis < numAxes; ++axis) {
    Placement l = lhs.getPlacement(axis), r = rhs.getPlacement(axis);
    auto illegal = [&](StringRef why) {
      return emitOptionalError(loc, "'coco.matmul' cannot multiply ", l.str(),
                               " by ", r.str(), " on ",
                               describeAxis(lhs.getGrid(), axis), ": ", why);
    };
    bool lhsSlicedOnK = l.isSlicedAlong(rank - 1);
    bool rhsSlicedOnK = r.isSlicedAlong(0);
    if (lhsSlicedOnK || rhsSlicedOnK) {
      if (!(lhsSlicedOnK && rhsSlicedOnK))
        return illegal("a contraction over a sliced K needs both lhs sliced "
                       "on its last dimension and rhs sliced on dimension 0");
      placements[axis] = Placement::local();
    } else if (l.isSliced()) {
      if (!r.isReplicated())
        return illegal("lhs sliced on a row dimension needs a replicated rhs");
      placements[axis] = l;
    } else if (r.isSliced()) {
      if (!l.isReplicated())
        return illegal("rhs sliced on its columns needs a replicated lhs");
      placements[axis] = Placement::sliced(rank - 1);
    } else if (l.isLocal() || r.isLocal()) {
      placements[axis] = Placement::local();
    }
  }
  if (lhs.getSliceLevels(rank - 1) != rhs.getSliceLevels(0))
    return emitOptionalError(
        loc, "'coco.matmul' operands split K over axes in different orders: ",
        describeAxes(lhs.getSliceLevels(rank - 1)), " and ",
        describeAxes(rhs.getSliceLevels(0)), " (outer to inner)");
  SmallVector<int64_t> order;
  for (int64_t dim = 0; dim < rank - 1; ++dim)
    order.append(lhs.getSliceLevels(dim));
  order.append(rhs.getSliceLevels(1));
  results.push_back(
      DTensorType::getCanonical(lhs.getContext(), shape, lhs.getElementType(),
                                lhs.getGrid(), placements, order));
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
    return emitOptionalError(loc,
                             "'coco.reduce' supports sum, max and min, "
                             "got ",
                             stringifyReductionKind(kind));
  ArrayRef<int64_t> dims = adaptor.getDims();
  if (dims.empty())
    return emitOptionalError(loc, "'coco.reduce' needs at least one dimension");
  for (auto [i, dim] : llvm::enumerate(dims)) {
    if (dim < 0 || dim >= input.getRank())
      return emitOptionalError(loc, "'coco.reduce' dimension ", dim,
                               " is out of range for a rank-", input.getRank(),
                               " tensor");
    if (i > 0 && dim <= dims[i - 1])
      return emitOptionalError(loc, "'coco.reduce' dimensions must be "
                                    "strictly increasing");
  }
  // Kept dims are renumbered; on an axis slicing a reduced dim, each rank
  // reduces its block: partial results.
  SmallVector<int64_t> shape, dimMap;
  for (auto [d, size] : llvm::enumerate(input.getShape())) {
    if (llvm::is_contained(dims, (int64_t)d)) {
      dimMap.push_back(-1);
      continue;
    }
    dimMap.push_back(shape.size());
    shape.push_back(size);
  }
  results.push_back(input.withDimsMapped(shape, dimMap));
  return success();
}

LogicalResult NormOp::inferReturnTypes(MLIRContext *,
                                       std::optional<Location> loc,
                                       Adaptor adaptor,
                                       SmallVectorImpl<Type> &results) {
  COCO_DTENSOR_OPERAND(input, adaptor.getInput(), "norm")
  if (!isa<FloatType>(input.getElementType()))
    return emitOptionalError(loc,
                             "'coco.norm' needs a floating-point element "
                             "type, got ",
                             input.getElementType());
  if (input.hasSlicedAxis())
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
  }
  // Returning the parameter returns its old value, as every read of it
  // does (coco-localize copies it before the update writes the buffer):
  // the folds make such returns (a collective over one rank is its input,
  // slice(all_gather(x)) is x), so they cannot be an error.
  return success();
}

//===----------------------------------------------------------------------===//
// Collectives (global view)
//===----------------------------------------------------------------------===//

/// The axes of a collective, checked for form (the grid checks them against
/// its rank): from `along`, or the operand's default.
static FailureOr<SmallVector<int64_t>>
collectiveAxes(std::optional<Location> loc, StringRef opName,
               std::optional<ArrayRef<int64_t>> given, DTensorType input,
               AxesDefault rule) {
  if (given && given->empty())
    return emitOptionalError(loc, "'coco.", opName,
                             "' 'along' names no axis; name at least one, or "
                             "leave 'along' out for the operand's default");
  ResolvedAxes resolved = resolveAxes(given, input, rule);
  if (resolved.axes.empty())
    return emitOptionalError(loc, "'coco.", opName, "' operand is ",
                             input.describePlacements(),
                             ", sliced along several dimensions: name the "
                             "axes with 'along'");
  llvm::SmallSet<int64_t, 4> seen;
  for (int64_t axis : resolved.axes) {
    // Checked here, before inference builds a type placed on the axis (the
    // grid's own rank is checked by the verifier, after parsing).
    if (axis < 0 || axis >= kMaxGridAxes)
      return emitOptionalError(loc, "'coco.", opName, "' axis must be in [0, ",
                               kMaxGridAxes - 1, "] (a grid has at most ",
                               kMaxGridAxes, " axes), got ", axis);
    if (!seen.insert(axis).second)
      return emitOptionalError(loc, "'coco.", opName, "' names axis ", axis,
                               " twice");
  }
  return resolved.axes;
}

/// Checks that `input` is `expected` (one of local / sliced / replicated,
/// or "not sliced") on every axis of `axes`.
enum class Need { Local, Sliced, Replicated, NotSliced };
static LogicalResult requirePlacements(std::optional<Location> loc,
                                       StringRef opName, DTensorType input,
                                       ArrayRef<int64_t> axes, Need need,
                                       StringRef why) {
  for (int64_t axis : axes) {
    Placement placement = input.getPlacement(axis);
    bool ok = need == Need::Local        ? placement.isLocal()
              : need == Need::Sliced     ? placement.isSliced()
              : need == Need::Replicated ? placement.isReplicated()
                                         : !placement.isSliced();
    if (ok)
      continue;
    const char *needed = need == Need::Local        ? "local"
                         : need == Need::Sliced     ? "sliced"
                         : need == Need::Replicated ? "replicated"
                                                    : "local or replicated";
    return emitOptionalError(
        loc, "'coco.", opName, "' along ", describeAxes(axes), " needs a ",
        needed, " operand on ", describeAxis(input.getGrid(), axis), " (", why,
        "), got ", placement.str());
  }
  return success();
}

static LogicalResult checkDim(std::optional<Location> loc, StringRef opName,
                              DTensorType input, int64_t dim) {
  if (dim >= 0 && dim < input.getRank())
    return success();
  return emitOptionalError(loc, "'coco.", opName, "' dimension ", dim,
                           " is out of range for a rank-", input.getRank(),
                           " tensor");
}

/// For all_gather / all_to_all: the axes all slice one dimension and are its
/// innermost levels. Returns that dimension.
static FailureOr<int64_t> requireInnerLevels(std::optional<Location> loc,
                                             StringRef opName,
                                             DTensorType input,
                                             ArrayRef<int64_t> axes) {
  int64_t dim = input.getPlacement(axes.front()).getDim();
  for (int64_t axis : axes)
    if (!input.getPlacement(axis).isSlicedAlong(dim))
      return emitOptionalError(loc, "'coco.", opName, "' along ",
                               describeAxes(axes),
                               " needs the axes to slice one dimension; the "
                               "operand is ",
                               input.describePlacements());
  SmallVector<int64_t> levels = input.getSliceLevels(dim);
  ArrayRef<int64_t> inner = ArrayRef(levels).take_back(axes.size());
  for (int64_t axis : axes)
    if (!llvm::is_contained(inner, axis))
      return emitOptionalError(
          loc, "'coco.", opName, "' along ", describeAxes(axes), ": dimension ",
          dim, " is split by axes ", describeAxes(levels),
          " (outer to inner), so axis ", axis,
          "'s blocks are split further by an inner axis; take the inner "
          "axes first");
  return dim;
}

/// i1 travels as one byte per element: a sum would leave 2 where arith's i1
/// add wraps to 0, and the runtime's max and min of bytes are OR and AND
/// where arith's signed i1 (1 is -1) has them the other way round.
StringRef mlir::coco::whyNotReducibleAcrossRanks(Type elementType) {
  if (elementType.isInteger(1))
    return "i1 values cannot be combined across ranks: they travel as "
           "bytes, whose sum, max and min are not arith's i1 ones (two 1s "
           "sum to 2, not 0); extend them to i8 first";
  return "";
}

static LogicalResult checkReducible(std::optional<Location> loc,
                                    StringRef opName, DTensorType input) {
  StringRef why = whyNotReducibleAcrossRanks(input.getElementType());
  if (why.empty())
    return success();
  return emitOptionalError(loc, "'coco.", opName, "': ", why);
}

static LogicalResult checkRoot(std::optional<Location> loc, StringRef opName,
                               int64_t root) {
  if (root >= 0)
    return success();
  return emitOptionalError(loc, "'coco.", opName,
                           "' root must be non-negative, got ", root);
}

#define COCO_AXES(VAR, OPNAME, RULE)                                           \
  FailureOr<SmallVector<int64_t>> VAR =                                        \
      collectiveAxes(loc, OPNAME, adaptor.getAxes(), input, RULE);             \
  if (failed(VAR))                                                             \
    return failure();

/// `type` with every axis of `axes` given `placement`, in order.
static DTensorType withPlacementOn(DTensorType type, ArrayRef<int64_t> axes,
                                   Placement placement) {
  for (int64_t axis : axes)
    type = type.withPlacement(axis, placement);
  return type;
}

LogicalResult AllReduceOp::inferReturnTypes(MLIRContext *,
                                            std::optional<Location> loc,
                                            Adaptor adaptor,
                                            SmallVectorImpl<Type> &results) {
  COCO_DTENSOR_OPERAND(input, adaptor.getInput(), "all_reduce")
  if (failed(checkReducible(loc, "all_reduce", input)))
    return failure();
  COCO_AXES(axes, "all_reduce", AxesDefault::LocalAxes)
  if (failed(requirePlacements(loc, "all_reduce", input, *axes, Need::Local,
                               "per-rank values to combine")))
    return failure();
  results.push_back(withPlacementOn(input, *axes, Placement::replicated()));
  return success();
}

LogicalResult
ReduceScatterOp::inferReturnTypes(MLIRContext *, std::optional<Location> loc,
                                  Adaptor adaptor,
                                  SmallVectorImpl<Type> &results) {
  COCO_DTENSOR_OPERAND(input, adaptor.getInput(), "reduce_scatter")
  if (failed(checkReducible(loc, "reduce_scatter", input)))
    return failure();
  COCO_AXES(axes, "reduce_scatter", AxesDefault::LocalAxes)
  if (failed(requirePlacements(loc, "reduce_scatter", input, *axes, Need::Local,
                               "per-rank values to combine")) ||
      failed(checkDim(loc, "reduce_scatter", input, adaptor.getDim())))
    return failure();
  results.push_back(
      withPlacementOn(input, *axes, Placement::sliced(adaptor.getDim())));
  return success();
}

LogicalResult AllGatherOp::inferReturnTypes(MLIRContext *,
                                            std::optional<Location> loc,
                                            Adaptor adaptor,
                                            SmallVectorImpl<Type> &results) {
  COCO_DTENSOR_OPERAND(input, adaptor.getInput(), "all_gather")
  COCO_AXES(axes, "all_gather", AxesDefault::SlicedAxes)
  if (failed(requirePlacements(loc, "all_gather", input, *axes, Need::Sliced,
                               "slices to concatenate")) ||
      failed(requireInnerLevels(loc, "all_gather", input, *axes)))
    return failure();
  results.push_back(withPlacementOn(input, *axes, Placement::replicated()));
  return success();
}

LogicalResult BroadcastOp::inferReturnTypes(MLIRContext *,
                                            std::optional<Location> loc,
                                            Adaptor adaptor,
                                            SmallVectorImpl<Type> &results) {
  COCO_DTENSOR_OPERAND(input, adaptor.getInput(), "broadcast")
  COCO_AXES(axes, "broadcast", AxesDefault::LocalOrFirst)
  if (failed(checkRoot(loc, "broadcast", adaptor.getRoot())) ||
      failed(requirePlacements(loc, "broadcast", input, *axes, Need::NotSliced,
                               "a whole tensor on the root")))
    return failure();
  results.push_back(withPlacementOn(input, *axes, Placement::replicated()));
  return success();
}

LogicalResult ReduceToRootOp::inferReturnTypes(MLIRContext *,
                                               std::optional<Location> loc,
                                               Adaptor adaptor,
                                               SmallVectorImpl<Type> &results) {
  COCO_DTENSOR_OPERAND(input, adaptor.getInput(), "reduce_to_root")
  if (failed(checkReducible(loc, "reduce_to_root", input)))
    return failure();
  COCO_AXES(axes, "reduce_to_root", AxesDefault::LocalAxes)
  if (failed(checkRoot(loc, "reduce_to_root", adaptor.getRoot())) ||
      failed(requirePlacements(loc, "reduce_to_root", input, *axes, Need::Local,
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
  COCO_AXES(axes, "all_to_all", AxesDefault::SlicedAxes)
  if (failed(requirePlacements(loc, "all_to_all", input, *axes, Need::Sliced,
                               "slices to re-slice")) ||
      failed(checkDim(loc, "all_to_all", input, adaptor.getDim())))
    return failure();
  FailureOr<int64_t> from = requireInnerLevels(loc, "all_to_all", input, *axes);
  if (failed(from))
    return failure();
  if (static_cast<int64_t>(adaptor.getDim()) == *from)
    return emitOptionalError(loc,
                             "'coco.all_to_all' operand is already "
                             "sliced along dimension ",
                             adaptor.getDim());
  results.push_back(withPlacementOn(input, inLevelOrder(input, *axes),
                                    Placement::sliced(adaptor.getDim())));
  return success();
}

LogicalResult SliceOp::inferReturnTypes(MLIRContext *,
                                        std::optional<Location> loc,
                                        Adaptor adaptor,
                                        SmallVectorImpl<Type> &results) {
  COCO_DTENSOR_OPERAND(input, adaptor.getInput(), "slice")
  COCO_AXES(axes, "slice", AxesDefault::First)
  if (failed(requirePlacements(loc, "slice", input, *axes, Need::Replicated,
                               "every rank must hold the whole tensor")) ||
      failed(checkDim(loc, "slice", input, adaptor.getDim())))
    return failure();
  results.push_back(
      withPlacementOn(input, *axes, Placement::sliced(adaptor.getDim())));
  return success();
}
#undef COCO_AXES

LogicalResult RecvOp::verify() {
  DTensorType type = getResult().getType();
  int64_t axis = getPeerAxis();
  Placement placement = type.getPlacement(axis);
  if (axis >= 0 && placement.isSliced())
    return emitOpError() << "result cannot be " << placement.str()
                         << " along the peer axis " << axis
                         << " (each rank receives one whole value); make it "
                            "local there";
  return success();
}

//===----------------------------------------------------------------------===//
// Rank-local blocks
//===----------------------------------------------------------------------===//

//===----------------------------------------------------------------------===//
// Folding and canonicalization of collectives
//===----------------------------------------------------------------------===//
//
// Deliberately not canonicalized: all_gather(reduce_scatter(x)) is
// all_reduce(x), but it is what coco-split makes of it (the schedule that
// lets reorder and shard-state work on the slices); folding it back would
// undo the user's schedule on the next canonicalize.

/// Whether `op` communicates within a group of one rank: every axis it runs
/// along has a static extent of 1. Such a collective leaves the data as it is
/// (a sum, an average, a gather or a scatter over one rank).
static bool runsOnOneRank(Operation *op) {
  auto collective = cast<CollectiveOpInterface>(op);
  auto grid = SymbolTable::lookupNearestSymbolFrom<GridOp>(
      op, collective.getCommGrid());
  if (!grid)
    return false;
  SmallVector<int64_t> axes = collective.getCommAxes();
  return llvm::all_of(axes,
                      [&](int64_t axis) {
                        return axis >= 0 && axis < grid.getRank();
                      }) &&
         groupSize(grid.getShape(), axes) == 1;
}

/// Rank-local collectives on tensors: over one rank the result is the input.
template <typename CommOp>
static LogicalResult foldOnOneRank(CommOp op,
                                   SmallVectorImpl<OpFoldResult> &results) {
  // An all_to_all that skips its own block does nothing over one rank; one
  // that copies a window of it is left to the runtime.
  if constexpr (std::is_same_v<CommOp, CommAllToAllOp>) {
    if (op.getWindowStart() && !op.getSkipSelf())
      return failure();
    if (op.getSkipSelf()) {
      if (op->getNumResults() != 1 || !runsOnOneRank(op))
        return failure();
      results.push_back(op.getInit());
      return success();
    }
  }
  if (op->getNumResults() != 1 ||
      op.getInput().getType() != op->getResult(0).getType() ||
      !runsOnOneRank(op))
    return failure();
  results.push_back(op.getInput());
  return success();
}

namespace {
/// Rank-local collectives on buffers: over one rank the init buffer receives
/// the input (a copy), or nothing happens when they are the same buffer.
template <typename CommOp>
struct BufferCollectiveOnOneRank : OpRewritePattern<CommOp> {
  using OpRewritePattern<CommOp>::OpRewritePattern;
  LogicalResult matchAndRewrite(CommOp op,
                                PatternRewriter &rewriter) const override {
    Value input = op.getInput(), init = op.getInit();
    if (op->getNumResults() != 0 || !isa<MemRefType>(init.getType()) ||
        input.getType() != init.getType() || !runsOnOneRank(op))
      return failure();
    bool skipsSelf = false;
    if constexpr (std::is_same_v<CommOp, CommAllToAllOp>) {
      skipsSelf = op.getSkipSelf();
      if (op.getWindowStart() && !skipsSelf)
        return failure();
    }
    if (input != init && !skipsSelf)
      memref::CopyOp::create(rewriter, op.getLoc(), input, init);
    rewriter.eraseOp(op);
    return success();
  }
};
} // namespace

#define COCO_COMM_ONE_RANK_FOLDS(OP)                                           \
  LogicalResult OP::fold(FoldAdaptor,                                          \
                         SmallVectorImpl<OpFoldResult> &results) {             \
    return foldOnOneRank(*this, results);                                      \
  }                                                                            \
  void OP::getCanonicalizationPatterns(RewritePatternSet &patterns,            \
                                       MLIRContext *context) {                 \
    patterns.add<BufferCollectiveOnOneRank<OP>>(context);                      \
  }
COCO_COMM_ONE_RANK_FOLDS(CommAllReduceOp)
COCO_COMM_ONE_RANK_FOLDS(CommReduceScatterOp)
COCO_COMM_ONE_RANK_FOLDS(CommAllGatherOp)
COCO_COMM_ONE_RANK_FOLDS(CommBroadcastOp)
COCO_COMM_ONE_RANK_FOLDS(CommReduceOp)
COCO_COMM_ONE_RANK_FOLDS(CommAllToAllOp)
#undef COCO_COMM_ONE_RANK_FOLDS

// At the global view a collective changes the layout, so only round trips
// and collectives whose result has the input's type fold.

/// slice(all_gather(y)) is y when the slice takes the blocks y had.
OpFoldResult SliceOp::fold(FoldAdaptor) {
  auto gather = getInput().getDefiningOp<AllGatherOp>();
  if (gather && gather.getInput().getType() == getType())
    return gather.getInput();
  return {};
}

/// all_gather(slice(x)) is x when x was replicated as the gather makes it.
OpFoldResult AllGatherOp::fold(FoldAdaptor) {
  auto slice = getInput().getDefiningOp<SliceOp>();
  if (slice && slice.getInput().getType() == getType())
    return slice.getInput();
  return {};
}

/// Broadcasting a value its ranks already share (the result's type is the
/// input's: replicated along the axes) changes nothing.
OpFoldResult BroadcastOp::fold(FoldAdaptor) {
  if (getInput().getType() == getType())
    return getInput();
  return {};
}

/// Over one rank the root's combination is its own value.
OpFoldResult ReduceToRootOp::fold(FoldAdaptor) {
  if (getInput().getType() == getType() && runsOnOneRank(*this))
    return getInput();
  return {};
}

// Where the blocks do not depend on the rank, their offset and size are
// constants: on a group of one rank (the whole dimension), and the size
// wherever every level splits evenly.
LogicalResult LocalBlockOp::canonicalize(LocalBlockOp op,
                                         PatternRewriter &rewriter) {
  auto grid =
      SymbolTable::lookupNearestSymbolFrom<GridOp>(op, op.getGridAttr());
  if (!grid)
    return failure();
  SmallVector<int64_t> parts;
  for (int64_t axis : op.getAxes()) {
    if (axis < 0 || axis >= grid.getRank() ||
        ShapedType::isDynamic(grid.getShape()[axis]))
      return failure();
    parts.push_back(grid.getShape()[axis]);
  }
  Location loc = op.getLoc();
  if (llvm::all_of(parts, [](int64_t p) { return p == 1; })) {
    Value zero = arith::ConstantIndexOp::create(rewriter, loc, 0);
    rewriter.replaceOp(op, {zero, op.getExtent()});
    return success();
  }
  APInt extent;
  if (op.getSize().use_empty() ||
      !matchPattern(op.getExtent(), m_ConstantInt(&extent)))
    return failure();
  int64_t size = extent.getSExtValue();
  for (int64_t p : parts) {
    if (size % p != 0)
      return failure();
    size /= p;
  }
  Value constant = arith::ConstantIndexOp::create(rewriter, loc, size);
  rewriter.replaceAllUsesWith(op.getSize(), constant);
  return success();
}

//===----------------------------------------------------------------------===//
// Rank-local grid and axes: `@g[0, 1]`
//===----------------------------------------------------------------------===//

static ParseResult parseGridAxes(OpAsmParser &parser, FlatSymbolRefAttr &grid,
                                 DenseI64ArrayAttr &axes) {
  SmallVector<int64_t> list;
  if (parser.parseAttribute(grid) ||
      parser.parseCommaSeparatedList(OpAsmParser::Delimiter::Square, [&]() {
        return parser.parseInteger(list.emplace_back());
      }))
    return failure();
  axes = parser.getBuilder().getDenseI64ArrayAttr(list);
  return success();
}

static void printGridAxes(OpAsmPrinter &printer, Operation *,
                          FlatSymbolRefAttr grid, DenseI64ArrayAttr axes) {
  printer << grid << "[";
  llvm::interleaveComma(axes.asArrayRef(), printer);
  printer << "]";
}

//===----------------------------------------------------------------------===//
// Rank-local communication ops
//===----------------------------------------------------------------------===//

namespace {
/// What a rank-local collective requires of its buffers' shapes.
enum class ShapeRule {
  Same,         // all_reduce, broadcast, reduce: equal shapes
  ScatterAlong, // reduce_scatter: init is a block of input along `dim`
  GatherAlong,  // all_gather: input is a block of init along `dim`
  SameRank,     // all_to_all: equal ranks (its verifier checks the rest)
  InitOnly,     // recv
};
} // namespace

static LogicalResult verifyCommOp(Operation *op, Value input, Value init,
                                  ShapeRule rule, int64_t dim = -1) {
  auto initType = cast<ShapedType>(init.getType());
  // The runtime numbers integer types by width: ui8 and si8 would travel
  // as i8, and be reduced as signed (max, min, average), as DTensorType
  // requires too.
  if (auto integer = dyn_cast<IntegerType>(initType.getElementType());
      integer && !integer.isSignless())
    return op->emitOpError()
           << "takes signless integers (the runtime reduces integers as "
              "signed), got "
           << initType.getElementType();
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
    return op->emitOpError()
           << "dimension " << dim << " is out of range for rank "
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
    else if (rule == ShapeRule::ScatterAlong) // blocks may differ in size
      ok = out <= in;
    else if (rule == ShapeRule::GatherAlong)
      ok = in <= out;
    if (!ok)
      return op->emitOpError() << "input and init sizes of dimension " << d
                               << " are incompatible: " << in << " and " << out;
  }
  return success();
}

/// A comm op that combines the ranks' values: verifyCommOp, and values that
/// can be reduced.
static LogicalResult verifyReducingCommOp(Operation *op, Value input,
                                          Value init, ShapeRule rule,
                                          int64_t dim = -1) {
  if (StringRef why =
          whyNotReducibleAcrossRanks(getElementTypeOrSelf(init.getType()));
      !why.empty())
    return op->emitOpError() << why;
  return verifyCommOp(op, input, init, rule, dim);
}

LogicalResult CommAllReduceOp::verify() {
  return verifyReducingCommOp(*this, getInput(), getInit(), ShapeRule::Same);
}
LogicalResult CommReduceScatterOp::verify() {
  return verifyReducingCommOp(*this, getInput(), getInit(),
                              ShapeRule::ScatterAlong, getDim());
}
LogicalResult CommAllGatherOp::verify() {
  return verifyCommOp(*this, getInput(), getInit(), ShapeRule::GatherAlong,
                      getDim());
}
LogicalResult CommBroadcastOp::verify() {
  return verifyCommOp(*this, getInput(), getInit(), ShapeRule::Same);
}
LogicalResult CommReduceOp::verify() {
  return verifyReducingCommOp(*this, getInput(), getInit(), ShapeRule::Same);
}
LogicalResult CommAllToAllOp::verify() {
  if (failed(verifyCommOp(*this, getInput(), getInit(), ShapeRule::SameRank,
                          getSplitDim())))
    return failure();
  // The attribute's signed value: a negative dimension is out of range too.
  int64_t concatDim = getConcatDimAttr().getInt();
  if (concatDim < 0 ||
      concatDim >= cast<ShapedType>(getInput().getType()).getRank())
    return emitOpError() << "concat dimension " << concatDim
                         << " is out of range";
  // Sending block j while receiving into block j of the same buffer would
  // overwrite what is still to be sent (a window's slots lie elsewhere than
  // the rows it sends).
  if ((getSkipSelf() || getWindowStart()) &&
      isa<MemRefType>(getInit().getType()) && getInput() == getInit())
    return emitOpError() << "with "
                         << (getSkipSelf() ? "skip_self" : "a window")
                         << " needs an init buffer other than its input";
  // A window of each block: its slots hold any number of rows (the runtime
  // checks that they divide into one slot per rank).
  if (getWindowStart() && concatDim != int64_t(getSplitDim()))
    return emitOpError() << "takes a window only where it splits and "
                            "concatenates one dimension (split "
                         << getSplitDim() << ", concat " << concatDim << ")";
  // One dimension split and concatenated: init holds one slot per rank, as
  // large as the largest block, so at least the input's rows (the runtime
  // checks the exact count, which needs the group's size); the other
  // dimensions are the input's.
  if (concatDim == int64_t(getSplitDim())) {
    auto inputType = cast<ShapedType>(getInput().getType());
    auto initType = cast<ShapedType>(getInit().getType());
    for (int64_t d = 0; d < inputType.getRank(); ++d) {
      int64_t in = inputType.getDimSize(d), out = initType.getDimSize(d);
      if (ShapedType::isDynamic(in) || ShapedType::isDynamic(out) ||
          (d == concatDim ? out >= in || getWindowStart() : out == in))
        continue;
      return emitOpError() << "input and init sizes of dimension " << d
                           << " are incompatible: " << in << " and " << out
                           << (d == concatDim
                                   ? " (init's dimension holds one slot per "
                                     "rank, as large as the largest block)"
                                   : "");
    }
  }
  return success();
}
LogicalResult CommIAllReduceOp::verify() {
  return verifyReducingCommOp(*this, getInput(), getInit(), ShapeRule::Same);
}
LogicalResult CommIReduceScatterOp::verify() {
  return verifyReducingCommOp(*this, getInput(), getInit(),
                              ShapeRule::ScatterAlong, getDim());
}
/// Point to point runs along one axis.
static LogicalResult verifyOneAxis(Operation *op, ArrayRef<int64_t> axes) {
  if (axes.size() != 1)
    return op->emitOpError()
           << "runs along one grid axis, got " << describeAxes(axes);
  return success();
}
LogicalResult CommRecvOp::verify() {
  if (failed(verifyOneAxis(*this, getAxes())))
    return failure();
  return verifyCommOp(*this, Value(), getInit(), ShapeRule::InitOnly);
}
LogicalResult CommSendOp::verify() { return verifyOneAxis(*this, getAxes()); }

#include "coco/Dialect/Coco/IR/CocoOpInterfaces.cpp.inc"

#define GET_OP_CLASSES
#include "coco/Dialect/Coco/IR/CocoOps.cpp.inc"
