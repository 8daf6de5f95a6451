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

#include "mlir/Dialect/SCF/IR/SCF.h"
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

bool mlir::coco::isSameOnRanksAlong(Value value, FlatSymbolRefAttr grid,
                                    ArrayRef<int64_t> axes) {
  if (auto counter = dyn_cast<BlockArgument>(value)) {
    // The counter of an scf.for is lb + i * step on every rank in iteration
    // i; its other block arguments (loop-carried values) are not followed.
    auto loop = dyn_cast<scf::ForOp>(counter.getOwner()->getParentOp());
    return loop && counter == loop.getInductionVar() &&
           isSameOnRanksAlong(loop.getLowerBound(), grid, axes) &&
           isSameOnRanksAlong(loop.getStep(), grid, axes);
  }
  Operation *producer = value.getDefiningOp();
  if (producer->hasTrait<OpTrait::ConstantLike>())
    return true;
  if (isa<AxisSizeOp>(producer))
    return true;
  if (auto rank = dyn_cast<AxisRankOp>(producer))
    return rank.getGridAttr() == grid &&
           !llvm::is_contained(axes, rank.getAxis());
  // Any other op of the coco dialect may depend on the rank (a local
  // block, a collective's result); ops of other dialects that read and
  // write nothing compute the same from the same operands.
  if (isa<CocoDialect>(producer->getDialect()) ||
      producer->getNumRegions() != 0 || !isMemoryEffectFree(producer))
    return false;
  return llvm::all_of(producer->getOperands(), [&](Value operand) {
    return isSameOnRanksAlong(operand, grid, axes);
  });
}

Operation *mlir::coco::whereRanksAlongMayPart(Operation *op,
                                              FlatSymbolRefAttr grid,
                                              ArrayRef<int64_t> axes) {
  auto same = [&](ValueRange values) {
    return llvm::all_of(values, [&](Value value) {
      return isSameOnRanksAlong(value, grid, axes);
    });
  };
  for (Operation *inner = op;;) {
    Operation *parent = inner->getParentOp();
    if (!parent)
      return nullptr;
    // Behind a branch: which blocks run depends on terminators' operands.
    if (inner->getBlock() != &inner->getParentRegion()->front())
      return parent;
    if (isa<FunctionOpInterface>(parent))
      return nullptr;
    if (auto branch = dyn_cast<scf::IfOp>(parent)) {
      if (!same(branch.getCondition()))
        return parent;
    } else if (auto loop = dyn_cast<scf::ForOp>(parent)) {
      if (!same({loop.getLowerBound(), loop.getUpperBound(), loop.getStep()}))
        return parent;
    } else if (!isa<scf::ExecuteRegionOp>(parent)) {
      // A while loop, a parallel loop, an op of another dialect: how often
      // its regions run is not followed.
      return parent;
    }
    inner = parent;
  }
}
