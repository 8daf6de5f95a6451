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

Operation *mlir::coco::outermostOp(Operation *op) {
  while (Operation *parent = op->getParentOp())
    op = parent;
  return op;
}

/// The call that `use` is the callee of; null for any other reference (an
/// attribute of a call that names another function included).
static CallOpInterface asCallOf(const SymbolTable::SymbolUse &use) {
  auto call = dyn_cast<CallOpInterface>(use.getUser());
  if (!call)
    return {};
  auto callee = dyn_cast<SymbolRefAttr>(call.getCallableForCallee());
  return callee == use.getSymbolRef() ? call : CallOpInterface();
}

/// The calls of `function` in the whole module (one walk); see
/// ModuleCalls::of. The outermost op is the scope: a nested module's
/// function may be called from outside it.
static std::optional<SmallVector<CallOpInterface>>
callsOf(FunctionOpInterface function, Operation *&notACall) {
  notACall = nullptr;
  Operation *root = outermostOp(function);
  SmallVector<CallOpInterface> calls;
  if (root == function)
    return calls;
  std::optional<SymbolTable::UseRange> uses =
      SymbolTable::getSymbolUses(function, root);
  if (!uses)
    return std::nullopt;
  for (const SymbolTable::SymbolUse &use : *uses) {
    CallOpInterface call = asCallOf(use);
    if (!call) {
      notACall = use.getUser();
      return std::nullopt;
    }
    calls.push_back(call);
  }
  return calls;
}

ModuleCalls::ModuleCalls(Operation *anyOp) : module(outermostOp(anyOp)) {
  // Each symbol table's regions in one walk (getSymbolUses stops at nested
  // tables, which get their own); each reference resolved in the table
  // around it, where MLIR resolves it (a nested module's functions are
  // not hidden from the question, and a reference by name inside it means
  // its own function of that name).
  // Not where two symbols of a table share a name (a copy of a function
  // beside it, as a transform may make): references by that name then
  // stand for either, and each question walks the module by name.
  bool unknown = !module->hasTrait<OpTrait::SymbolTable>();
  module->walk([&](Operation *table) {
    if (unknown || !table->hasTrait<OpTrait::SymbolTable>())
      return;
    DenseSet<StringAttr> names;
    for (Region &region : table->getRegions())
      for (Block &block : region)
        for (Operation &symbol : block)
          if (auto name = symbol.getAttrOfType<StringAttr>(
                  SymbolTable::getSymbolAttrName());
              name && !names.insert(name).second)
            unknown = true;
  });
  SymbolTableCollection tables;
  module->walk<WalkOrder::PreOrder>([&](Operation *table) {
    if (unknown || !table->hasTrait<OpTrait::SymbolTable>())
      return;
    for (Region &region : table->getRegions()) {
      std::optional<SymbolTable::UseRange> uses =
          SymbolTable::getSymbolUses(&region);
      if (!uses) {
        unknown = true; // an op that may be a symbol table
        return;
      }
      for (const SymbolTable::SymbolUse &use : *uses) {
        Operation *target = tables.lookupSymbolIn(table, use.getSymbolRef());
        if (!isa_and_nonnull<FunctionOpInterface>(target))
          continue;
        Users &users = usersOf[target];
        if (CallOpInterface call = asCallOf(use))
          users.calls.push_back(call);
        else
          users.notOnlyCalled = true;
      }
    }
  });
  gathered = !unknown;
  if (!gathered)
    usersOf.clear();
}

std::optional<SmallVector<CallOpInterface>>
ModuleCalls::of(FunctionOpInterface function, Operation *&notACall) const {
  if (!gathered || outermostOp(function) != module)
    return callsOf(function, notACall);
  auto users = usersOf.find(function);
  if (users == usersOf.end()) {
    notACall = nullptr;
    return SmallVector<CallOpInterface>{};
  }
  // The other reference is looked up afresh: it may have been replaced
  // since (a rewrite copies the attributes of the op it erases), where a
  // call is not (coco-reorder and coco-shard-state erase none).
  if (users->second.notOnlyCalled)
    return callsOf(function, notACall);
  notACall = nullptr;
  return users->second.calls;
}

std::string Parting::functionName(Operation *op, StringRef own,
                                  StringRef leadsTo) const {
  if (!function || function == op->getParentOfType<FunctionOpInterface>())
    return own.str();
  return ("@" + SymbolTable::getSymbolName(function).getValue() +
          " (which leads to " + leadsTo + ")")
      .str();
}

namespace {
/// One question about the ranks of a group along `axes` of `grid` (ranks
/// that differ only in their coordinates on `axes`): whether they compute
/// the same values, whether they all reach an op as often.
class GroupAgreement {
public:
  GroupAgreement(FlatSymbolRefAttr grid, ArrayRef<int64_t> axes,
                 const ModuleCalls *calls = nullptr,
                 DenseSet<Value> *provenSame = nullptr)
      : grid(grid), axes(axes), calls(calls), provenSame(provenSame) {}

  /// isSameOnRanksAlong for each value in `values`. A value is looked at
  /// once (`seen`): the answer is the conjunction over the leaves, and
  /// arith chains that reuse a value (a + a, then that + itself) would
  /// otherwise take exponential time.
  bool allSame(SmallVector<Value> values);

  /// whereRanksAlongMayPart, stopping at `stopAt` (a block every rank of
  /// the group runs as often as the caller needs: an all_gather's), or
  /// else following the function's calls.
  Parting whereMayPartBelow(Operation *op, Block *stopAt);

private:
  /// The call of `function` (or other reference to it) from which the
  /// ranks of the group may not all call it equally often; null when none.
  /// A public function is also an entry point: the host program calls it
  /// on every rank, in the same order.
  Parting whereCallsMayPart(FunctionOpInterface function);

  /// Whether `value`, a distributed tensor or a scalar made by a coco op,
  /// is the same on the group's ranks; its operands to look at go to
  /// `values`.
  bool cocoValueIsSame(Operation *producer, SmallVector<Value> &values);

  /// The calls of `function` (callsOf, or `calls` when given).
  std::optional<SmallVector<CallOpInterface>>
  callsTo(FunctionOpInterface function, Operation *&notACall) const {
    return calls ? calls->of(function, notACall) : callsOf(function, notACall);
  }

  FlatSymbolRefAttr grid;
  ArrayRef<int64_t> axes;
  const ModuleCalls *calls;
  /// Functions whose calls are being followed: a recursive call is not
  /// followed (it counts as parting the ranks).
  SmallPtrSet<Operation *, 4> onPath;
  /// Functions whose every call was found safe (each is looked at once:
  /// a call graph shaped like a diamond would otherwise take exponential
  /// time).
  SmallPtrSet<Operation *, 4> callsAgree;
  /// Values already proven the same on this group (isSameOnRanksAlong's
  /// memo), and where the values this proves go.
  DenseSet<Value> *provenSame;
};
} // namespace

bool GroupAgreement::cocoValueIsSame(Operation *producer,
                                     SmallVector<Value> &values) {
  // Every distributed result must be replicated on the group's axes of the
  // same grid: a slice, a local block or partial sum differ between ranks.
  // The type alone is no proof (an scf.if on the rank may yield different
  // replicated constants): the producer must be one of the two below.
  for (Type type : producer->getResultTypes())
    if (auto tensor = dyn_cast<DTensorType>(type))
      if (tensor.getGrid() != grid || !llvm::all_of(axes, [&](int64_t axis) {
            return tensor.getPlacement(axis).isReplicated();
          }))
        return false;
  // A collective along (at least) the group's axes leaves every rank of
  // the group the same bits, whatever its input (an all_reduce's sum: the
  // runtime's ring reduces each block once and passes it on; MPI's
  // recursive doubling adds the same two partial sums on both sides).
  // Not coco.recv: its result is what the peer sent.
  if (auto collective = dyn_cast<CollectiveOpInterface>(producer)) {
    SmallVector<int64_t> along = collective.getCommAxes();
    return collective.agreesOnGroup() && collective.getCommGrid() == grid &&
           llvm::all_of(axes, [&](int64_t axis) {
             return llvm::is_contained(along, axis);
           });
  }
  // A computation of the global view without effects, from values the
  // same on the group (coco.extract of such a tensor, arithmetic on
  // replicated tensors). Not the rank-local ops (coco.local_block's offset
  // differs between ranks).
  if (!producer->hasTrait<CocoTrait::GlobalViewOp>() ||
      producer->getNumRegions() != 0 || !isMemoryEffectFree(producer))
    return false;
  llvm::append_range(values, producer->getOperands());
  return true;
}

bool GroupAgreement::allSame(SmallVector<Value> values) {
  DenseSet<Value> seen;
  while (!values.empty()) {
    Value value = values.pop_back_val();
    if (!seen.insert(value).second ||
        (provenSame && provenSame->contains(value)))
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
      // stage's condition computed by the caller), provided every rank of
      // the group makes each call, as often: the ranks that make one call
      // must not be others than those that make another. (A cycle through
      // a recursive call is refused by whereCallsMayPart.) A public
      // function's arguments come from the host program: nothing says
      // they agree.
      auto function = dyn_cast<FunctionOpInterface>(owner);
      if (!function || !function.isPrivate() ||
          !argument.getOwner()->isEntryBlock() || whereCallsMayPart(function))
        return false;
      Operation *notACall;
      std::optional<SmallVector<CallOpInterface>> callsOfFunction =
          callsTo(function, notACall);
      if (!callsOfFunction)
        return false;
      for (CallOpInterface call : *callsOfFunction) {
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
    if (isa_and_nonnull<CocoDialect>(producer->getDialect())) {
      if (!cocoValueIsSame(producer, values))
        return false;
      continue;
    }
    // Arithmetic computes the same from the same operands. Anything else
    // may depend on the rank, pure or not: upstream's
    // shard.process_linear_index and mpi.comm_rank (both Pure), a call or
    // an scf.if's result, an unregistered op (no dialect).
    if (!isa_and_nonnull<arith::ArithDialect>(producer->getDialect()) ||
        producer->getNumRegions() != 0 || !isMemoryEffectFree(producer))
      return false;
    llvm::append_range(values, producer->getOperands());
  }
  // Every value looked at is the same on the group (the conjunction held).
  if (provenSame)
    provenSame->insert(seen.begin(), seen.end());
  return true;
}

Parting GroupAgreement::whereCallsMayPart(FunctionOpInterface function) {
  using Why = Parting::Why;
  if (callsAgree.contains(function))
    return {};
  if (!onPath.insert(function).second)
    return {function, Why::Recursion, function};
  Operation *notACall;
  std::optional<SmallVector<CallOpInterface>> callsOfFunction =
      callsTo(function, notACall);
  if (!callsOfFunction)
    return notACall ? Parting{notACall, Why::Reference, function}
                    : Parting{function, Why::UnknownCallers, function};
  for (CallOpInterface call : *callsOfFunction) {
    if (onPath.contains(call->getParentOfType<FunctionOpInterface>()))
      return {call, Why::Recursion, function};
    if (Parting above = whereMayPartBelow(call, /*stopAt=*/nullptr))
      return above.why == Why::Region || above.why == Why::LaterBlock
                 ? Parting{call, Why::Call, function}
                 : above;
  }
  onPath.erase(function);
  callsAgree.insert(function);
  return {};
}

Parting GroupAgreement::whereMayPartBelow(Operation *op, Block *stopAt) {
  using Why = Parting::Why;
  for (Operation *inner = op;;) {
    if (inner->getBlock() == stopAt)
      return {};
    Operation *parent = inner->getParentOp();
    if (!parent)
      return {};
    // Behind a branch: which blocks run depends on terminators' operands.
    if (inner->getBlock() != &inner->getParentRegion()->front())
      return {parent, Why::LaterBlock};
    if (auto function = dyn_cast<FunctionOpInterface>(parent))
      return whereCallsMayPart(function);
    if (auto branch = dyn_cast<scf::IfOp>(parent)) {
      if (!allSame({branch.getCondition()}))
        return {parent, Why::Region};
    } else if (auto loop = dyn_cast<scf::ForOp>(parent)) {
      if (!allSame(
              {loop.getLowerBound(), loop.getUpperBound(), loop.getStep()}))
        return {parent, Why::Region};
    } else if (!isa<scf::ExecuteRegionOp>(parent)) {
      // A while loop, a parallel loop, an op of another dialect: how often
      // its regions run is not followed.
      return {parent, Why::Region};
    }
    inner = parent;
  }
}

bool mlir::coco::isSameOnRanksAlong(Value value, FlatSymbolRefAttr grid,
                                    ArrayRef<int64_t> axes,
                                    DenseSet<Value> *provenSame) {
  return GroupAgreement(grid, axes, /*calls=*/nullptr, provenSame)
      .allSame({value});
}

Parting mlir::coco::whereRanksAlongMayPart(Operation *op,
                                           FlatSymbolRefAttr grid,
                                           ArrayRef<int64_t> axes,
                                           Operation *runsOnTheGroup,
                                           const ModuleCalls *calls) {
  return GroupAgreement(grid, axes, calls)
      .whereMayPartBelow(op,
                         runsOnTheGroup ? runsOnTheGroup->getBlock() : nullptr);
}
