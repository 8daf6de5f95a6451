//===- WhereRanksRun.cpp - where a schedule may add a collective ----------===//
//
// A collective waits for every rank of its group. A schedule that adds one
// must put it where all those ranks arrive, or the ranks that do wait for
// ranks that never come (a silent deadlock, caught only by the runtime's
// watchdog). These predicates say where that holds; they are conservative:
// a condition or a loop bound they cannot prove the same on the ranks
// counts as different.
//
//===----------------------------------------------------------------------===//

#include "coco/Dialect/Coco/Transforms/Schedules.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Interfaces/CallInterfaces.h"
#include "mlir/Interfaces/FunctionInterfaces.h"
#include "mlir/Interfaces/SideEffectInterfaces.h"

using namespace mlir;
using namespace mlir::coco;

Operation *mlir::coco::whereEveryRankRuns(Operation *op) {
  auto function = op->getParentOfType<FunctionOpInterface>();
  if (!function || function.getFunctionBody().empty())
    return nullptr;
  Block &entry = function.getFunctionBody().front();
  if (Operation *inEntry = entry.findAncestorOpInBlock(*op))
    return inEntry;
  return entry.empty() ? nullptr : &entry.back();
}

/// The calls of `function` in the whole module; null when something else
/// refers to it (a function pointer, an attribute: calls could come from
/// anywhere) or the module may hide references (an unknown symbol table).
/// The outermost op is the scope: a nested module's function may be called
/// from outside it.
static std::optional<SmallVector<CallOpInterface>>
callsOf(FunctionOpInterface function, Operation *&notACall) {
  notACall = nullptr;
  Operation *root = function;
  while (Operation *parent = root->getParentOp())
    root = parent;
  SmallVector<CallOpInterface> calls;
  if (root == function)
    return calls;
  std::optional<SymbolTable::UseRange> uses =
      SymbolTable::getSymbolUses(function, root);
  if (!uses)
    return std::nullopt;
  for (const SymbolTable::SymbolUse &use : *uses) {
    auto call = dyn_cast<CallOpInterface>(use.getUser());
    if (!call) {
      notACall = use.getUser();
      return std::nullopt;
    }
    calls.push_back(call);
  }
  return calls;
}

/// isSameOnRanksAlong for each value in `values`. A value is looked at
/// once (`seen`): the answer is the conjunction over the leaves, and arith
/// chains that reuse a value (a + a, then that + itself) would otherwise
/// take exponential time. (A cycle through a recursive call is sound:
/// every value on it is computed from the same values on every rank, by
/// induction over the calls.)
static bool allSameOnRanksAlong(SmallVector<Value> values,
                                FlatSymbolRefAttr grid,
                                ArrayRef<int64_t> axes) {
  DenseSet<Value> seen;
  while (!values.empty()) {
    Value value = values.pop_back_val();
    if (!seen.insert(value).second)
      continue;
    if (auto argument = dyn_cast<BlockArgument>(value)) {
      Operation *owner = argument.getOwner()->getParentOp();
      // The counter of an scf.for is lb + i * step on every rank in
      // iteration i; its other block arguments (loop-carried values) are
      // not followed.
      if (auto loop = dyn_cast<scf::ForOp>(owner)) {
        if (argument != loop.getInductionVar())
          return false;
        values.push_back(loop.getLowerBound());
        values.push_back(loop.getStep());
        continue;
      }
      // An argument of a private function is what its calls pass (a
      // stage's condition computed by the caller). A public function's
      // come from the host program: nothing says they agree.
      auto function = dyn_cast<FunctionOpInterface>(owner);
      if (!function || !function.isPrivate() ||
          !argument.getOwner()->isEntryBlock())
        return false;
      Operation *notACall;
      std::optional<SmallVector<CallOpInterface>> calls =
          callsOf(function, notACall);
      if (!calls)
        return false;
      for (CallOpInterface call : *calls) {
        if (argument.getArgNumber() >= call.getArgOperands().size())
          return false;
        values.push_back(call.getArgOperands()[argument.getArgNumber()]);
      }
      continue;
    }
    Operation *producer = value.getDefiningOp();
    if (producer->hasTrait<OpTrait::ConstantLike>() ||
        isa<AxisSizeOp>(producer))
      continue;
    if (auto rank = dyn_cast<AxisRankOp>(producer)) {
      if (rank.getGridAttr() != grid ||
          llvm::is_contained(axes, rank.getAxis()))
        return false;
      continue;
    }
    // The scalar of a tensor replicated on every axis of the group: the
    // same on those ranks by the type's promise (an all_reduce's result,
    // say a flag that every rank's gradients are finite, as dynamic loss
    // scaling tests before it updates).
    if (auto extract = dyn_cast<ExtractOp>(producer)) {
      DTensorType type = extract.getInput().getType();
      if (type.getGrid() != grid || !llvm::all_of(axes, [&](int64_t axis) {
            return type.getPlacement(axis).isReplicated();
          }))
        return false;
      continue;
    }
    // Arithmetic computes the same from the same operands. Anything else
    // may depend on the rank, pure or not: another coco op (a local block,
    // a collective's result), upstream's shard.process_linear_index and
    // mpi.comm_rank (both Pure), an unregistered op (no dialect).
    if (!isa_and_nonnull<arith::ArithDialect>(producer->getDialect()) ||
        producer->getNumRegions() != 0 || !isMemoryEffectFree(producer))
      return false;
    llvm::append_range(values, producer->getOperands());
  }
  return true;
}

bool mlir::coco::isSameOnRanksAlong(Value value, FlatSymbolRefAttr grid,
                                    ArrayRef<int64_t> axes) {
  return allSameOnRanksAlong({value}, grid, axes);
}

static Operation *whereRanksMayPartBelow(Operation *op, Block *stopAt,
                                         FlatSymbolRefAttr grid,
                                         ArrayRef<int64_t> axes,
                                         SmallPtrSetImpl<Operation *> &onPath);

/// The call of `function` (or other reference to it) from which the ranks
/// of a group along `axes` may not all call it equally often; null when
/// none. A public function is also an entry point: the host program calls
/// it on every rank, in the same order. `onPath` holds the functions whose
/// calls are being followed: a recursive call is not followed (returned).
static Operation *whereCallsMayPart(FunctionOpInterface function,
                                    FlatSymbolRefAttr grid,
                                    ArrayRef<int64_t> axes,
                                    SmallPtrSetImpl<Operation *> &onPath) {
  if (!onPath.insert(function).second)
    return function;
  Operation *notACall;
  std::optional<SmallVector<CallOpInterface>> calls =
      callsOf(function, notACall);
  if (!calls)
    return notACall ? notACall : function.getOperation();
  for (CallOpInterface call : *calls)
    if (onPath.contains(call->getParentOfType<FunctionOpInterface>()) ||
        whereRanksMayPartBelow(call, /*stopAt=*/nullptr, grid, axes, onPath))
      return call;
  onPath.erase(function);
  return nullptr;
}

/// whereRanksAlongMayPart, stopping at `stopAt` (a block every rank of the
/// group runs as often as `op`'s caller needs: an all_gather's), or else
/// following the function's calls.
static Operation *whereRanksMayPartBelow(Operation *op, Block *stopAt,
                                         FlatSymbolRefAttr grid,
                                         ArrayRef<int64_t> axes,
                                         SmallPtrSetImpl<Operation *> &onPath) {
  for (Operation *inner = op;;) {
    if (inner->getBlock() == stopAt)
      return nullptr;
    Operation *parent = inner->getParentOp();
    if (!parent)
      return nullptr;
    // Behind a branch: which blocks run depends on terminators' operands.
    if (inner->getBlock() != &inner->getParentRegion()->front())
      return parent;
    if (auto function = dyn_cast<FunctionOpInterface>(parent))
      return whereCallsMayPart(function, grid, axes, onPath);
    if (auto branch = dyn_cast<scf::IfOp>(parent)) {
      if (!isSameOnRanksAlong(branch.getCondition(), grid, axes))
        return parent;
    } else if (auto loop = dyn_cast<scf::ForOp>(parent)) {
      if (!allSameOnRanksAlong(
              {loop.getLowerBound(), loop.getUpperBound(), loop.getStep()},
              grid, axes))
        return parent;
    } else if (!isa<scf::ExecuteRegionOp>(parent)) {
      // A while loop, a parallel loop, an op of another dialect: how often
      // its regions run is not followed.
      return parent;
    }
    inner = parent;
  }
}

Operation *mlir::coco::whereRanksAlongMayPart(Operation *op,
                                              FlatSymbolRefAttr grid,
                                              ArrayRef<int64_t> axes,
                                              Operation *runsOnTheGroup) {
  SmallPtrSet<Operation *, 4> onPath;
  return whereRanksMayPartBelow(
      op, runsOnTheGroup ? runsOnTheGroup->getBlock() : nullptr, grid, axes,
      onPath);
}
