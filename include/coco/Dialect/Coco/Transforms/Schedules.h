//===- Schedules.h - CoCoNet's transformations as C++ rewrites --*- C++ -*-===//
//
// Every schedule is one function here; the coco-* passes and the
// transform.coco.* ops are thin drivers around them. Each checks its
// preconditions first and, when one fails, emits a diagnostic on the op and
// returns failure without changing the IR.
//
//===----------------------------------------------------------------------===//

#ifndef COCO_DIALECT_COCO_TRANSFORMS_SCHEDULES_H
#define COCO_DIALECT_COCO_TRANSFORMS_SCHEDULES_H

#include "coco/Dialect/Coco/IR/CocoOps.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/IR/PatternMatch.h"
#include "mlir/IR/SymbolTable.h"
#include "mlir/Interfaces/CallInterfaces.h"
#include "mlir/Interfaces/FunctionInterfaces.h"

#include <functional>
#include <optional>
#include <string>
#include <vector>

namespace mlir::coco {

/// Schedule decisions, reported at the op they concern (the collective, or
/// the argument's function) through MLIR's remark engine, in the category
/// of the schedule's pass ("coco-split", "coco-reorder", ...), so that
/// `coco-opt --remarks-filter='coco-.*'` shows them all and
/// `--remarks-filter=coco-split` one schedule's (filters are regular
/// expressions matching whole category names) (`--remark-format=yaml
/// --remarks-output-file=F` writes them as YAML; `--remarks-filter-missed`
/// only the ones not applied). Silent without a filter. `schedule` is the
/// pass name without "coco-".
/// Applied: what became what.
void remarkApplied(Operation *op, StringRef schedule, const Twine &what);
/// Not applied, and the precondition that failed.
void remarkNotApplied(Operation *op, StringRef schedule, const Twine &why);
/// The same at a location (a captured diagnostic's) in no known function.
void remarkNotApplied(Location loc, StringRef schedule, const Twine &why);
/// Not applied although the user asked for this schedule explicitly (a
/// pipeline option, an axes filter): a warning, always shown, besides the
/// remark.
void warnNotApplied(Operation *op, StringRef schedule, const Twine &why);
/// A type as the IR prints it, for remark texts.
std::string printed(Type type);
/// While one lives (on this thread), schedule remarks are not reported:
/// coco-autoschedule tries candidates on copies of the program and reports
/// only the one it applies.
class QuietScheduleRemarks {
public:
  QuietScheduleRemarks();
  ~QuietScheduleRemarks();
  QuietScheduleRemarks(const QuietScheduleRemarks &) = delete;
  QuietScheduleRemarks &operator=(const QuietScheduleRemarks &) = delete;
  static bool active();
};
/// While one lives (on this thread), schedule remarks are held back, in
/// order: commit() reports them all (to an enclosing one, if any); without
/// it only the not-applied ones are reported when it dies. For a schedule
/// that puts the program back when it fails part way
/// (transform.coco.reorder): what it had applied did not stay.
class HeldScheduleRemarks {
public:
  HeldScheduleRemarks();
  ~HeldScheduleRemarks();
  HeldScheduleRemarks(const HeldScheduleRemarks &) = delete;
  HeldScheduleRemarks &operator=(const HeldScheduleRemarks &) = delete;
  void commit();

  /// One remark: its strings live as long as the context.
  struct Held {
    bool applied;
    Location loc;
    StringRef category, function;
    std::string text;
    /// An applied remark made while a transform op ran on a detached copy
    /// of the payload (a transform.alternatives branch): the copy's
    /// outermost op, for RouteDetachedScheduleRemarks.
    Operation *detachedScope = nullptr;
  };
  /// To the innermost hold, or out as an MLIR remark.
  static void report(Held &remark);

private:
  std::vector<Held> held;
  HeldScheduleRemarks *outer;
};

/// While one lives (on this thread, set by a transform op while it applies),
/// an applied remark about an op that is not under `payload` (the transform
/// interpreter's payload root) goes to `hold` instead of out: the op is in
/// a detached copy, the scope of a transform.alternatives branch, which
/// upstream erases when a later transform of the branch fails (the remark
/// would claim a schedule that did not stay) and puts in the payload when
/// the branch succeeds. Not-applied remarks go out as they come: they say
/// why a branch lost.
class RouteDetachedScheduleRemarks {
public:
  using Hold = std::function<void(Operation *detachedScope,
                                  HeldScheduleRemarks::Held &)>;
  RouteDetachedScheduleRemarks(Operation *payload, Hold hold);
  ~RouteDetachedScheduleRemarks();
  RouteDetachedScheduleRemarks(const RouteDetachedScheduleRemarks &) = delete;
  RouteDetachedScheduleRemarks &
  operator=(const RouteDetachedScheduleRemarks &) = delete;

private:
  friend class HeldScheduleRemarks;
  friend void remarkApplied(Operation *, StringRef, const Twine &);
  Operation *payload;
  Hold hold;
  RouteDetachedScheduleRemarks *outer;
};

/// Whether `collective` runs along exactly the set of grid axes `axes` (any
/// axes when `axes` is empty): the filter of the schedules' `axes` options.
bool runsAlong(Operation *collective, ArrayRef<int64_t> axes);

/// The reason an `axes` option can match no collective whatever the program
/// (an axis negative or named twice), or std::nullopt. An axis beyond a
/// grid's rank is the program's matter: the schedules warn that nothing runs
/// along it.
std::optional<std::string> axesOptionProblem(ArrayRef<int64_t> axes);

/// A pass's check of an option naming grid axes (`axes`, or another
/// `option`): an error at `loc`, "<pass>: <option>=...: <problem>", where
/// axesOptionProblem finds one.
LogicalResult checkAxesOption(Location loc, StringRef pass,
                              ArrayRef<int64_t> axes,
                              StringRef option = "axes");

/// Where every rank that calls the function gets to, at or before `op`:
/// `op` itself in the function's entry block; the entry block's op that
/// holds `op` (an scf.if, a loop: its condition may differ between ranks);
/// the entry block's terminator when `op` is in a later block (behind a
/// branch). A collective a schedule adds goes there, or is not added: in a
/// region only some ranks run it would wait for ranks that never arrive.
/// Null outside a function. Assumes every rank calls the function as often:
/// an entry point that the module does not call itself (checkShardState
/// refuses functions that the module calls).
Operation *whereEveryRankRuns(Operation *op);

/// Whether `value` is the same on every rank of a group along `axes` of
/// `grid` (ranks that differ only in their coordinates on `axes`): built
/// from constants, coco.axis_size, coco.axis_rank on other axes of `grid`,
/// the results of collectives along (at least) `axes` and of global-view
/// ops without effects computed from such values (coco.extract of an
/// all_reduced norm; a replicated type alone proves nothing), the counters
/// of loops that start and step by such values, and arguments of private
/// functions whose every call, made by every rank of the group, passes
/// such a value, through arith ops (no other dialect:
/// shard.process_linear_index and mpi.comm_rank are pure but differ between
/// ranks). False where it cannot tell. whereRanksAlongMayPart asks it of
/// each condition and loop bound.
/// `provenSame`, if given, is a memo for many questions about one group:
/// values in it count as the same without a look, and a value proven the
/// same joins it with everything its proof looked at (coco-reorder asks
/// after each norm it rewrites; its rewrites only make values more
/// provably the same, and it forgets the values of the ops it erases).
bool isSameOnRanksAlong(Value value, FlatSymbolRefAttr grid,
                        ArrayRef<int64_t> axes,
                        DenseSet<Value> *provenSame = nullptr);

/// The outermost op above `op` (or `op` itself): the scope in which a
/// function's calls are looked for.
Operation *outermostOp(Operation *op);

/// Who calls each function of a module, gathered in one walk for many
/// questions of whereRanksAlongMayPart (which follows a function's calls;
/// each question walks the module otherwise). Valid while no function and
/// no call is added or erased (coco-reorder's and coco-shard-state's
/// rewrites add and erase neither); a function also referred to otherwise
/// (func.constant, an attribute) is looked up afresh.
class ModuleCalls {
public:
  /// The module is the outermost op above `anyOp`.
  explicit ModuleCalls(Operation *anyOp);

  /// The calls of `function`; nullopt when something else refers to it
  /// (`notACall` is set: a function pointer, an attribute) or the module
  /// may hide references (an op that may be a symbol table).
  std::optional<SmallVector<CallOpInterface>> of(FunctionOpInterface function,
                                                 Operation *&notACall) const;

  /// Whether the calls came from the one walk (else each question walks
  /// the module).
  bool fromOneWalk() const { return gathered; }

private:
  struct Users {
    SmallVector<CallOpInterface> calls;
    /// Referred to by something other than a call.
    bool notOnlyCalled = false;
  };
  Operation *module;
  /// False where one walk cannot tell (an unregistered op with regions may
  /// be a symbol table; two symbols of a table share a name; the
  /// outermost op is no symbol table): each question walks the module
  /// then, by name.
  bool gathered = false;
  DenseMap<Operation *, Users> usersOf;
};

/// Where the ranks of a group may not all reach an op as often, and why
/// (whereRanksAlongMayPart).
struct Parting {
  enum class Why {
    /// `where` holds the op in a region: an scf.if whose condition, or an
    /// scf.for whose bounds, are not known to be the same on the ranks;
    /// another op with regions (a while loop: not followed).
    Region,
    /// `where` holds the op in a later block of a region (behind a branch).
    LaterBlock,
    /// `where` is a call of the op's function (or of a function above it)
    /// at a place that fails this test.
    Call,
    /// `where` is a call (or a function) in a cycle of calls.
    Recursion,
    /// `where` refers to the function other than by calling it (a
    /// func.constant, an attribute): who calls the function is unknown.
    Reference,
    /// `where` is a function whose callers cannot be told (an op the
    /// module holds may hide references to it).
    UnknownCallers,
  };
  Operation *where = nullptr;
  Why why = Why::Region;
  /// For Call, Recursion, Reference and UnknownCallers: the function whose
  /// calls were followed (the op's own, or one that leads to it).
  Operation *function = nullptr;
  explicit operator bool() const { return where != nullptr; }

  /// How a diagnostic about `op` names `function`: `own` when it is the
  /// function `op` is in, else "@name (which leads to " + `leadsTo` + ")".
  std::string functionName(Operation *op, StringRef own,
                           StringRef leadsTo) const;
};

/// Where control around `op` may differ between the ranks of a group
/// along `axes` of `grid`, and why (Parting): an scf.if whose condition, or
/// an scf.for whose bounds, isSameOnRanksAlong cannot prove the same;
/// another op with regions (a while loop: not followed); the region's
/// parent when `op` is in a later block. At the function it follows the
/// function's callers: a call whose own place fails this test, a recursive
/// call or any other reference to the function is returned (a public
/// function is also called by the host program, on every rank). Empty when
/// every rank of such a group runs `op` equally often, so a collective
/// along `axes` may be added at `op`.
/// `runsOnTheGroup`, if given, is an op every rank of the group runs
/// equally often (a collective along `axes` that `op` reads): the walk
/// stops at its block and does not look at calls.
/// `calls`, if given, answers who calls a function.
Parting whereRanksAlongMayPart(Operation *op, FlatSymbolRefAttr grid,
                               ArrayRef<int64_t> axes,
                               Operation *runsOnTheGroup = nullptr,
                               const ModuleCalls *calls = nullptr);

/// Preconditions of the split rewrites (diagnostics on failure).
LogicalResult checkSplitAllReduce(AllReduceOp op, int64_t dim,
                                  SymbolTableCollection &symbols);
LogicalResult
checkSplitAllReduceToReduceBroadcast(AllReduceOp op, int64_t root,
                                     SymbolTableCollection &symbols);

/// all_reduce -> all_gather(reduce_scatter(x, dim)).
FailureOr<AllGatherOp> splitAllReduce(RewriterBase &rewriter, AllReduceOp op,
                                      int64_t dim,
                                      SymbolTableCollection &symbols);

/// all_reduce -> broadcast(reduce_to_root(x, root), root).
FailureOr<BroadcastOp>
splitAllReduceToReduceBroadcast(RewriterBase &rewriter, AllReduceOp op,
                                int64_t root, SymbolTableCollection &symbols);

/// Checks that `op` can become the two-level all-reduce (see
/// coco-hierarchical-all-reduce): it runs along every axis of `inner` and
/// others, which are `outer` if given. Returns the outer axes.
FailureOr<SmallVector<int64_t>>
checkHierarchicalAllReduce(AllReduceOp op, ArrayRef<int64_t> inner,
                           ArrayRef<int64_t> outer, int64_t dim);

/// all_reduce along inner + outer -> all_gather(all_reduce(reduce_scatter(x,
/// dim) along inner) along outer) along inner.
FailureOr<AllGatherOp> hierarchicalAllReduce(RewriterBase &rewriter,
                                             AllReduceOp op,
                                             ArrayRef<int64_t> inner,
                                             ArrayRef<int64_t> outer,
                                             int64_t dim);

/// Whether `op` is a pointwise op or reduction that reorder can move before
/// the all_gathers feeding it.
bool isReorderable(Operation *op);

/// Moves one pointwise op or reduction `op` (consuming at least one
/// all_gather) before the gather: it runs on slices; its result is gathered
/// (or, for reductions over the sliced dim, all_reduced: a sum of bf16/f16
/// data to a scalar in f64, rounded back once; one that keeps other dims is
/// not reordered). Returns the op whose result replaces `op`'s.
FailureOr<Operation *> reorderBeforeAllGather(RewriterBase &rewriter,
                                              Operation *op);

/// The norm of the tensor whose blocks along `axes` (outer to inner) `slice`
/// holds: sqrt(all_reduce sum along `axes` of sum(slice * slice)); for
/// bf16/f16 data the squares are cast to f64 before the sums and the total
/// back to the element type before the root (the whole norm's one rounding
/// of the sum, not one per rank and per add, nor two through f32). Used by
/// reorder (a norm of an all_gather) and shard-state (a norm of a state
/// argument that stays sliced).
Value normOfSlices(RewriterBase &rewriter, Location loc, Value slice,
                   ArrayRef<int64_t> axes);

/// How much work reorderToFixedPoint did (for its callers and the tests
/// that count it: test/unittests/Dialect/Coco/Transforms/ReorderTest.cpp).
struct ReorderWork {
  /// Rewrites applied (moves, hoisted slices, norms from slices).
  uint64_t rewrites = 0;
  /// Times an op was checked for a rewrite that applies: in proportion to
  /// the program, not to the program times the rewrites.
  uint64_t looks = 0;
  /// Times a branch's condition (or a loop's bounds) was proven anew to be
  /// the same on a norm's group after the norm's rewrite: at most a few per
  /// norm, not one per branch reached.
  uint64_t sameQuestions = 0;
};

/// Applies reorderBeforeAllGather to a fixed point inside `root`, to ops
/// consuming all_gathers along exactly `axes` (any axes when empty). Checks
/// every candidate it meets; on the first failure, emits the diagnostic and
/// returns failure (callers that need atomicity work on a clone). With
/// `normsFromSlices`, a coco.norm of a replicated value that is also sliced
/// (along `axes`) is then computed from that slice (normOfSlices).
/// `work`, when given, receives how much work the fixed point did.
LogicalResult reorderToFixedPoint(RewriterBase &rewriter, Operation *root,
                                  ArrayRef<int64_t> axes = {},
                                  bool normsFromSlices = true,
                                  ReorderWork *work = nullptr);

/// Checks that argument `argIndex` of `function` can be sharded (along
/// exactly `axes`, when given) and returns the sliced type it gets. The
/// module must not call `function` (its signature changes): `calls`, when
/// given, says who refers to it (gathered once for many checks; without it
/// the module is walked).
FailureOr<DTensorType> checkShardState(func::FuncOp function, unsigned argIndex,
                                       ArrayRef<int64_t> axes = {},
                                       const ModuleCalls *calls = nullptr);

/// Makes argument `argIndex` of `function` sliced as its uses slice it (see
/// coco-shard-state); checkShardState must have passed.
LogicalResult shardState(RewriterBase &rewriter, func::FuncOp function,
                         unsigned argIndex, ArrayRef<int64_t> axes = {});

/// Checks that `send` (a replicated value sent along another grid axis than
/// its layout's) can send slices: every send of its channel (same grid, peer
/// axis and type in the module) sends an all_reduce (split along `dim`) or an
/// all_gather result, along one common dimension, and a recv receives them.
LogicalResult checkPipelineSend(SendOp send, int64_t dim,
                                SymbolTableCollection &symbols);

/// CoCoNet's pipeline send (see coco-pipeline-send), once per channel of
/// `sends` (the channels as they are before any rewrite): every send of the
/// channel sends the slices the all_gather would have gathered (an
/// all_reduce is split first), and every recv receives slices and
/// all_gathers them.
LogicalResult pipelineSend(RewriterBase &rewriter, ArrayRef<SendOp> sends,
                           int64_t dim, SymbolTableCollection &symbols);

/// Checks, at the global view, that `collective` (a coco.all_reduce, or a
/// coco.reduce_scatter along the last dim) consumes a coco.matmul used by it
/// alone, whose rows divide into `chunks` (>= 2) blocks.
LogicalResult checkOverlap(Operation *collective, int64_t chunks);

/// CoCoNet's overlap at the global view: marks `collective` with
/// kOverlapChunksAttr after checkOverlap; the CPU pipeline then runs each
/// block's communication while the next block's matmul computes.
LogicalResult markForOverlap(RewriterBase &rewriter, Operation *collective,
                             int64_t chunks);

/// A schedule replaced an all_reduce marked for overlap (`chunks`, its
/// kOverlapChunksAttr) with the collectives `became` describes; `consumer`
/// is the one now reading the matmul. The mark moves to `consumer` where
/// checkOverlap accepts it there; otherwise it is dropped with a warning at
/// `replaced` that says why.
void carryOverlapMark(RewriterBase &rewriter, IntegerAttr chunks,
                      Operation *consumer, Location replaced, StringRef became);

/// CoCoNet's fused reduce-scatter + compute at the global view: marks `op`
/// with kFuseReduceScatterAttr where coco-fuse-reduce-scatter will fold it
/// (whyStaysUnfused; else an error saying why); the pipelines then fold it
/// whatever their fuse-reduce-scatter option says.
LogicalResult markForFusion(RewriterBase &rewriter, ReduceScatterOp op,
                            SymbolTableCollection &symbols);

/// Rank-local: folds a dim-0 coco.comm.reduce_scatter on a static axis into
/// an all_to_all plus an elementwise sum of the received chunks (see
/// coco-fuse-reduce-scatter). Returns the value replacing its result.
FailureOr<Value>
foldReduceScatterIntoElementwise(RewriterBase &rewriter, CommReduceScatterOp op,
                                 SymbolTableCollection &symbols);

} // namespace mlir::coco

#endif // COCO_DIALECT_COCO_TRANSFORMS_SCHEDULES_H
