//===- ProgramCost.cpp - predicted time of a global-view coco function ----===//

#include "coco/CostModel/ProgramCost.h"
#include "coco/Dialect/Coco/IR/CocoOps.h"
#include "coco/Support/ElementTypes.h"

#include "mlir/Dialect/SCF/IR/SCF.h"

#include "llvm/ADT/DenseSet.h"
#include "llvm/ADT/EquivalenceClasses.h"
#include "llvm/ADT/TypeSwitch.h"

#include <cmath>

using namespace mlir;
using namespace mlir::coco;
using namespace mlir::coco::cost;

namespace {

/// The grid's extents with '?' resolved for `worldRanks` ranks.
FailureOr<SmallVector<int64_t>> extentsOf(Operation *at, DTensorType type,
                                          int64_t worldRanks,
                                          SymbolTableCollection &symbols) {
  FailureOr<SmallVector<int64_t>> shape =
      lookupGridShape(at, type.getGrid(), symbols);
  if (failed(shape))
    return at->emitError() << "cost model: unknown grid " << type.getGrid();
  int64_t known = 1;
  bool dynamic = false;
  for (int64_t extent : *shape) {
    if (!ShapedType::isDynamic(extent))
      known *= extent;
    dynamic |= ShapedType::isDynamic(extent);
  }
  // The runtime fills a '?' with the ranks the static axes leave; ranks they
  // do not divide make no grid (the runtime refuses them too).
  if (dynamic && (known <= 0 || worldRanks % known != 0))
    return at->emitError() << "cost model: " << worldRanks
                           << " rank(s) cannot fill grid " << type.getGrid()
                           << ": its static axes need a multiple of " << known;
  for (int64_t &extent : *shape)
    if (ShapedType::isDynamic(extent))
      extent = std::max<int64_t>(1, worldRanks / std::max<int64_t>(1, known));
  return shape;
}

/// Bytes of the largest block one rank holds of a value of `type`.
FailureOr<double> blockBytes(Operation *at, Type type, int64_t worldRanks,
                             SymbolTableCollection &symbols) {
  auto dtensor = dyn_cast<DTensorType>(type);
  if (!dtensor)
    return 0.0; // scalars, indices: free
  FailureOr<SmallVector<int64_t>> extents =
      extentsOf(at, dtensor, worldRanks, symbols);
  if (failed(extents))
    return failure();
  double elements = 1;
  for (int64_t dim = 0; dim < dtensor.getRank(); ++dim) {
    double size = double(dtensor.getShape()[dim]);
    for (int64_t axis : dtensor.getSliceLevels(dim))
      size = std::ceil(size / double((*extents)[axis]));
    elements *= size;
  }
  unsigned bits = dtensor.getElementType().getIntOrFloatBitWidth();
  return elements * double((bits + 7) / 8);
}

/// The runtime's name of `type`'s element type ("bf16"), by which the
/// profile may have lines of that type; empty for one the runtime lacks.
StringRef elementTypeName(DTensorType type) {
  std::optional<RuntimeElementType> runtime =
      runtimeElementType(type.getElementType());
  return runtime ? StringRef(runtime->name) : StringRef();
}

std::optional<Collective> kindOf(Operation *op) {
  return llvm::TypeSwitch<Operation *, std::optional<Collective>>(op)
      .Case([](AllReduceOp) { return Collective::AllReduce; })
      .Case([](ReduceScatterOp) { return Collective::ReduceScatter; })
      .Case([](AllGatherOp) { return Collective::AllGather; })
      .Case([](BroadcastOp) { return Collective::Broadcast; })
      .Case([](ReduceToRootOp) { return Collective::Reduce; })
      .Case([](AllToAllOp) { return Collective::AllToAll; })
      .Default([](Operation *) { return std::nullopt; });
}

/// Whether `op` becomes an exchange summed in its consumers' loop: asked
/// for by the pipeline or marked by a schedule, where
/// coco-fuse-reduce-scatter really folds it.
bool foldsIntoLoop(ReduceScatterOp op, const Lowering &lowering,
                   SymbolTableCollection &symbols) {
  return (lowering.fuseReduceScatter || op->hasAttr(kFuseReduceScatterAttr)) &&
         !whyStaysUnfused(op, symbols);
}

/// How coco-chunk-exchange cuts a folded reduce_scatter's exchange of
/// `bytes` (its input, on this rank) among `ranks`: `count` calls, each of
/// `rows` of the block's `blockRows` rows of every rank (uneven blocks: of
/// the largest block's, in windows; 1 call of all of them: not chunked).
struct ExchangeChunks {
  int64_t count = 1, rows = 0, blockRows = 0;
};
ExchangeChunks exchangeChunks(const Lowering &lowering, double bytes,
                              double localRows, int64_t ranks) {
  ExchangeChunks chunks;
  int64_t blockRows =
      llvm::divideCeil(int64_t(localRows), std::max<int64_t>(ranks, 1));
  if (lowering.exchangeChunkBytes <= 0 || ranks < 2 || blockRows < 2)
    return chunks;
  double rowBytes = bytes / localRows;
  int64_t rows =
      std::max<int64_t>(1, int64_t(double(lowering.exchangeChunkBytes) /
                                   (double(ranks - 1) * rowBytes)));
  if (rows >= blockRows)
    return chunks;
  return {int64_t(llvm::divideCeil(blockRows, rows)), rows, blockRows};
}

/// Elements one rank holds of `type` in the dims before `dim`: where there
/// is more than one such row, the runtime packs the blocks of `dim` into a
/// scratch buffer before sending (or unpacks them after receiving).
double rowsBefore(DTensorType type, int64_t dim, ArrayRef<int64_t> extents) {
  double rows = 1;
  for (int64_t d = 0; d < dim && d < type.getRank(); ++d) {
    double size = double(type.getShape()[d]);
    for (int64_t axis : type.getSliceLevels(d))
      size = std::ceil(size / double(extents[axis]));
    rows *= size;
  }
  return rows;
}

/// How many times a collective copies its `bytes` (the block size it is
/// priced by) to pack or unpack blocks of a dim that is not the outermost:
/// reduce_scatter packs its input, all_gather unpacks its output, all_to_all
/// may do both. The calibration measures them along dim 0, without copies.
int64_t packingCopies(Operation *op, ArrayRef<int64_t> extents) {
  auto collective = cast<CollectiveOpInterface>(op);
  ArrayRef<int64_t> axes = collective.getCommAxes();
  if (axes.empty())
    return 0;
  auto input = cast<DTensorType>(op->getOperand(0).getType());
  auto result = cast<DTensorType>(op->getResult(0).getType());
  auto packs = [&](DTensorType type, int64_t dim) {
    return dim >= 0 && rowsBefore(type, dim, extents) > 1 ? 1 : 0;
  };
  // The dim the group's axes slice in `type`, or -1.
  auto slicedDim = [&](DTensorType type) -> int64_t {
    Placement placement = type.getPlacement(axes.front());
    return placement.isSliced() ? placement.getDim() : -1;
  };
  if (auto scatter = dyn_cast<ReduceScatterOp>(op))
    return packs(input, scatter.getDim());
  if (isa<AllGatherOp>(op))
    return packs(result, slicedDim(input));
  if (isa<AllToAllOp>(op))
    return packs(input, slicedDim(result)) + packs(result, slicedDim(input));
  return 0;
}

/// Whether `value` is the new value of a function argument (coco.update).
bool updatesAParameter(Value value) {
  return llvm::any_of(value.getUsers(), [&](Operation *user) {
    auto update = dyn_cast<UpdateOp>(user);
    return update && update.getValue() == value;
  });
}

/// The element width of a distributed tensor value.
unsigned bitsOf(Value value) {
  return cast<DTensorType>(value.getType())
      .getElementType()
      .getIntOrFloatBitWidth();
}

/// How many elements `bytes` of `value`'s block (blockBytes) hold.
double elementsIn(double bytes, Value value) {
  return bytes / double((bitsOf(value) + 7) / 8);
}

bool isElementwise(Operation *op) {
  return op->hasTrait<OpTrait::Elementwise>() && op->getNumResults() == 1 &&
         isa<DTensorType>(op->getResult(0).getType());
}

/// Whether coco-chunk-exchange leaves this folded reduce_scatter's exchange
/// whole because its loop also sums the blocks of a folded reduce_scatter
/// before it (the pass chunks a loop's first exchange only). Its loop: the
/// elementwise ops joined to its result through their operands and users
/// (what coco-fuse-elementwise fuses). Unfused, each fold sums its blocks
/// in a loop of its own, and every exchange is chunked.
bool sharesLoopWithAnEarlierExchange(ReduceScatterOp op,
                                     const Lowering &lowering,
                                     SymbolTableCollection &symbols) {
  if (!lowering.fuseElementwise)
    return false;
  SmallVector<Operation *> work;
  llvm::DenseSet<Operation *> seen;
  for (Operation *user : op->getResult(0).getUsers())
    if (isElementwise(user))
      work.push_back(user);
  while (!work.empty()) {
    Operation *current = work.pop_back_val();
    if (!seen.insert(current).second)
      continue;
    for (Value operand : current->getOperands()) {
      Operation *producer = operand.getDefiningOp();
      if (auto other = dyn_cast_or_null<ReduceScatterOp>(producer)) {
        if (other != op && other->getBlock() == op->getBlock() &&
            other->isBeforeInBlock(op) && !other->hasAttr(kExchangeWholeAttr) &&
            foldsIntoLoop(other, lowering, symbols))
          return true;
      } else if (producer && lowering.fuseElementwise &&
                 isElementwise(producer)) {
        work.push_back(producer);
      }
    }
    if (lowering.fuseElementwise)
      for (Operation *user : current->getResult(0).getUsers())
        if (isElementwise(user))
          work.push_back(user);
  }
  return false;
}

/// A reduction to a scalar (a norm; a coco.reduce over every dim), which
/// coco-fuse-elementwise folds into the loop of its operand. A reduction
/// over some dims is a loop of its own.
bool joinsLoop(Operation *op) {
  if (isa<NormOp>(op))
    return true;
  auto reduce = dyn_cast<ReduceOp>(op);
  return reduce && reduce.getType().getRank() == 0;
}

} // namespace

namespace {
/// How many members of the group along `axes` share one node of `perNode`
/// ranks, world ranks lying on the grid row-major (the group of world rank
/// 0; every group has the same shape).
int64_t sharingANode(ArrayRef<int64_t> extents, ArrayRef<int64_t> axes,
                     int64_t perNode) {
  SmallVector<int64_t> stride(extents.size(), 1);
  for (int64_t d = int64_t(extents.size()) - 2; d >= 0; --d)
    stride[d] = stride[d + 1] * extents[d + 1];
  // The group's world ranks are mixed-radix numbers: axis a's digit c
  // contributes c * stride[a], and the axes after it in the grid contribute
  // less than stride[a] together. So the members below perNode are counted
  // digit by digit, outer axis first, without listing the group (which may
  // have 2^31 members).
  SmallVector<int64_t> sorted(axes);
  llvm::sort(sorted);
  int64_t count = 0, remaining = perNode;
  for (size_t k = 0; k < sorted.size() && remaining > 0; ++k) {
    int64_t axis = sorted[k];
    // Members per value of this digit: the later axes' combinations.
    int64_t inner = 1;
    for (int64_t later : ArrayRef<int64_t>(sorted).drop_front(k + 1))
      inner *= extents[later];
    int64_t digits = remaining / stride[axis];
    if (digits >= extents[axis]) {
      count += extents[axis] * inner;
      remaining = 0;
      break;
    }
    count += digits * inner;
    remaining -= digits * stride[axis];
  }
  // The member whose later digits are all 0, after the prefix taken.
  return remaining > 0 ? count + 1 : count;
}

/// The function-wide figures every region of a function is priced with.
struct Scope {
  /// What the function's arguments take on each rank.
  double argumentBytes = 0;
  /// What the caller touches between two calls (caller-bytes).
  double callerBytes = 0;
  /// The whole function's working set, from a first pass (0: not known
  /// yet; each region then stands for it with its own).
  double functionBytes = 0;
  /// The working set collectives are priced for (Model::warmth): the
  /// function's and the caller's, once the function's is known.
  double collectiveBytes() const {
    return functionBytes > 0 ? functionBytes + callerBytes : 0;
  }
};

/// Unfused, each op is a loop of its own that reads each operand at the
/// bandwidth of its reuse distance: the bytes the function's ops read and
/// wrote since that value was last read or written (the op just before
/// made it, or the step's start, or the caller's data, went through the
/// caches since). Carried through the function in program order, branches
/// included.
struct Reuse {
  /// The bytes the ops read and wrote so far.
  double touched = 0;
  /// `touched` when each value was last read or written.
  llvm::DenseMap<Value, double> lastTouched;
  void touch(Value value) { lastTouched[value] = touched; }
  /// Bytes touched since `value` was (-1: not in this call).
  double distance(Value value) const {
    auto last = lastTouched.find(value);
    return last == lastTouched.end() ? -1.0 : touched - last->second;
  }
};

/// The ops of one region (a function body, a branch), priced. With the
/// arguments, the buffers the region makes are the working set whose loop
/// bandwidth applies to its fused loops.
FailureOr<Estimate> priceRegion(Region &region, const Model &model,
                                int64_t worldRanks, const Lowering &lowering,
                                SymbolTableCollection &symbols,
                                const Scope &scope, Reuse &reuse) {
  double argumentBytes = scope.argumentBytes;
  Estimate total;
  // Bytes the fused loops move: values loaded once (arguments, results of
  // collectives and other non-loop ops) and values stored (loop results
  // used outside the loops).
  // Loop levels: an elementwise op reading a reduction's result (through
  // scalars: LAMB's trust ratio) runs in a later loop than the values the
  // reduction read; the reduction itself joins the loop of the value it
  // reduces (coco-fuse-elementwise), and a reduction of anything else is a
  // loop of its own. Values cross loops through memory: their loop stores
  // them, each later loop loads them.
  llvm::DenseMap<Value, int64_t> levels;
  auto levelOf = [&](Value value) { return levels.lookup(value); };
  llvm::DenseSet<std::pair<Value, int64_t>> loaded; // (value, level)
  llvm::DenseSet<Value> stored;
  // freshBytes: what the fused loops store into memory the same loop did
  // not read, which costs the profile's fresh-store factor (the cache reads
  // each line before it overwrites it). createdBytes: the buffers the
  // function's ops make (fresh stores, results of collectives and
  // matmuls); with the arguments, what a fused loop's data lies in.
  double loopBytes = 0, freshBytes = 0, createdBytes = 0;
  // The bytes its branches make (each branch's larger arm).
  double branchBytes = 0;
  // The unfused ops (Reuse), priced at the end, when the working set (a
  // first touch's distance) is known: each read's bytes and distance, the
  // op's own arrays (all it reads and writes), what it stores fresh, and
  // its divides' and a reduction's adds' time.
  struct UnfusedOp {
    SmallVector<std::pair<double, double>, 3> reads;
    double own = 0, fresh = 0, divider = 0, chain = 0;
  };
  SmallVector<UnfusedOp> unfusedOps;
  // The fused reductions: (seconds of their adds, bytes of their input).
  SmallVector<std::pair<double, double>> chains;
  // The fused loops with divides or square roots: each loop's ops (joined
  // through the values they keep in registers), their traffic and their
  // divide unit's time.
  llvm::EquivalenceClasses<Operation *> loops;
  struct LoopWork {
    double bytes = 0, fresh = 0, divider = 0;
  };
  llvm::DenseMap<Operation *, LoopWork> loopWork;
  // The op whose loop loads each (value, level) first: a later op of that
  // level reading it is its sibling, fused into its loop.
  llvm::DenseMap<std::pair<Value, int64_t>, Operation *> loaders;
  llvm::DenseMap<Operation *, double> matmulTimes;
  // Folded reduce_scatters whose exchange runs in chunks: the ranks of
  // their group (their loop reads only the own block, 1 / ranks, from
  // memory).
  llvm::DenseMap<Operation *, int64_t> chunkedExchanges;
  WalkResult walk = region.walk<WalkOrder::PreOrder>([&](Operation *op)
                                                         -> WalkResult {
    auto bytesOf = [&](Value value) {
      return blockBytes(op, value.getType(), worldRanks, symbols);
    };
    int64_t level = 0;
    for (Value operand : op->getOperands())
      level = std::max(level, levelOf(operand));
    for (Value result : op->getResults())
      levels[result] = level + (isa<NormOp, ReduceOp>(op) ? 1 : 0);
    // A branch: one of its regions runs (a pipeline stage's), the costlier.
    if (auto branch = dyn_cast<scf::IfOp>(op)) {
      Estimate worst;
      double armBytes = 0, worstTouched = 0;
      for (Region *arm : {&branch.getThenRegion(), &branch.getElseRegion()}) {
        // Each arm goes on from the values touched before the branch.
        Reuse armReuse = reuse;
        FailureOr<Estimate> priced = priceRegion(
            *arm, model, worldRanks, lowering, symbols, scope, armReuse);
        if (failed(priced))
          return WalkResult::interrupt();
        if (priced->total() > worst.total()) {
          worst = *priced;
          worstTouched = armReuse.touched - reuse.touched;
        }
        // Either arm's buffers are among the program's arrays.
        armBytes = std::max(armBytes, priced->workingSet - argumentBytes);
      }
      branchBytes += armBytes;
      // After it, the costlier arm's traffic went through the caches, and
      // its results were just written.
      reuse.touched += worstTouched;
      for (Value result : branch.getResults())
        reuse.touch(result);
      total.collectives += worst.collectives;
      total.loops += worst.loops;
      total.dividerWait += worst.dividerWait;
      total.matmuls += worst.matmuls;
      total.overlapped += worst.overlapped;
      total.chunkedExchanges += worst.chunkedExchanges;
      return WalkResult::skip();
    }
    if (std::optional<Collective> kind = kindOf(op)) {
      auto collective = cast<CollectiveOpInterface>(op);
      // all_gather's size is its output; the others', their input.
      Value sized =
          *kind == Collective::AllGather ? op->getResult(0) : op->getOperand(0);
      FailureOr<double> bytes = bytesOf(sized);
      auto type = cast<DTensorType>(sized.getType());
      FailureOr<SmallVector<int64_t>> extents =
          extentsOf(op, type, worldRanks, symbols);
      // A reduce_scatter that folds into its consumers' loop is an
      // exchange: its buffer receives every rank's block (the input's
      // size); the other collectives make their result.
      auto scatter = dyn_cast<ReduceScatterOp>(op);
      bool folded = scatter && foldsIntoLoop(scatter, lowering, symbols);
      FailureOr<double> made =
          bytesOf(folded ? op->getOperand(0) : op->getResult(0));
      if (failed(bytes) || failed(extents) || failed(made))
        return WalkResult::interrupt();
      // An all_gather whose result is a parameter's new value gathers into
      // the parameter (coco-update-in-place).
      if (!isa<AllGatherOp>(op) || !updatesAParameter(op->getResult(0)))
        createdBytes += *made;
      // (all_gather's `bytes` is its result's: its input is a block.)
      FailureOr<double> inputBytes = bytesOf(op->getOperand(0));
      if (failed(inputBytes))
        return WalkResult::interrupt();
      reuse.touched += *inputBytes + *made;
      reuse.touch(op->getOperand(0));
      reuse.touch(op->getResult(0));
      int64_t ranks = 1;
      for (int64_t axis : collective.getCommAxes())
        ranks *= (*extents)[axis];
      // Where the group lies on the machine: how many of its ranks share
      // a node (world ranks fill nodes in order).
      int64_t together = 0;
      if (!model.getProfile().levels.empty())
        together = sharingANode(*extents, collective.getCommAxes(),
                                model.getProfile().levels.front().ranks);
      Collective priced = folded ? Collective::Exchange : *kind;
      StringRef elementType = elementTypeName(type);
      ExchangeChunks pieces;
      // coco-chunk-exchange cuts it unless a schedule keeps it whole or its
      // loop's first exchange is another's.
      if (folded && !op->hasAttr(kExchangeWholeAttr) &&
          !sharesLoopWithAnEarlierExchange(scatter, lowering, symbols))
        pieces = exchangeChunks(lowering, *bytes, rowsBefore(type, 1, *extents),
                                ranks);
      llvm::Expected<double> time =
          model.collective(priced, *bytes, ranks, together, elementType,
                           scope.collectiveBytes());
      if (time && pieces.count > 1) {
        // The same bytes in `count` calls: the whole exchange's time and
        // a call's latency (its time for no bytes) for each further call.
        // Not count calls priced at a chunk's size: the cold lines time
        // each size on buffers out of the caches, while a chunk lands in
        // the one buffer the previous chunk used (COCO_PROFILE=1, LAMB 16M
        // on 2 ranks: 32 calls took 3.1-5.1 ms per step, the whole
        // exchange 3.9-4.1 ms; the calibration's 2 MiB point, times 32,
        // 6-7 ms).
        llvm::Expected<double> latency = model.collective(
            priced, 0, ranks, together, elementType, scope.collectiveBytes());
        if (!latency) {
          llvm::consumeError(time.takeError());
          time = std::move(latency);
        } else {
          *time += double(pieces.count - 1) * *latency;
        }
        double perRow = *bytes / double(pieces.blockRows);
        // It receives into one chunk's buffer, which the loop reads while
        // it is in the cache.
        createdBytes += perRow * double(pieces.rows) - *made;
        chunkedExchanges[op] = ranks;
      }
      if (!time) {
        op->emitError() << "cost model: " << llvm::toString(time.takeError());
        return WalkResult::interrupt();
      }
      // Packing copies: each reads and writes the block.
      double packing = ranks > 1 ? double(packingCopies(op, *extents)) *
                                       model.loop(2 * *bytes)
                                 : 0.0;
      *time += packing;
      // Overlapped with its producer matmul (counted already): the pair
      // runs as a pipeline of chunks.
      auto marked = op->getAttrOfType<IntegerAttr>(kOverlapChunksAttr);
      int64_t chunks = marked ? marked.getInt() : 0;
      // The pipeline option overlaps all_reduces and reduce_scatters of
      // the product's columns (its last dim): coco-overlap leaves any other
      // reduce_scatter, and a folded one is an exchange in a loop.
      auto input = cast<DTensorType>(op->getOperand(0).getType());
      bool overlappable = isa<AllReduceOp>(op) ||
                          (scatter && !folded &&
                           int64_t(scatter.getDim()) == input.getRank() - 1);
      if (!chunks && overlappable)
        chunks = lowering.overlapChunks;
      auto matmul = op->getOperand(0).getDefiningOp<MatmulOp>();
      if (chunks > 1 && matmul && matmulTimes.count(matmul)) {
        // Its chunks call the non-blocking collective, which may run
        // another algorithm than the blocking one.
        llvm::Expected<double> started =
            model.nonBlockingCollective(*kind, *bytes, ranks, together,
                                        elementType, scope.collectiveBytes());
        if (!started) {
          op->emitError() << "cost model: "
                          << llvm::toString(started.takeError());
          return WalkResult::interrupt();
        }
        double comm = *started + packing;
        double compute = matmulTimes[matmul];
        total.matmuls -= compute;
        total.overlapped += model.overlapped(compute, comm, chunks);
        return WalkResult::advance();
      }
      total.collectives += *time;
      return WalkResult::advance();
    }
    if (auto send = dyn_cast<SendOp>(op)) {
      FailureOr<double> bytes = bytesOf(send.getInput());
      if (failed(bytes))
        return WalkResult::interrupt();
      llvm::Expected<double> time = model.collective(
          Collective::SendRecv, *bytes, /*ranks=*/2, /*together=*/0,
          elementTypeName(cast<DTensorType>(send.getInput().getType())),
          scope.collectiveBytes());
      if (!time) {
        op->emitError() << "cost model: " << llvm::toString(time.takeError());
        return WalkResult::interrupt();
      }
      total.collectives += *time;
      reuse.touched += *bytes;
      reuse.touch(send.getInput());
      return WalkResult::advance();
    }
    if (auto matmul = dyn_cast<MatmulOp>(op)) {
      // 2 flops per multiply-add: result elements x the contraction size.
      FailureOr<double> out = bytesOf(matmul.getResult());
      auto lhs = cast<DTensorType>(matmul->getOperand(0).getType());
      FailureOr<SmallVector<int64_t>> extents =
          extentsOf(op, lhs, worldRanks, symbols);
      if (failed(out) || failed(extents))
        return WalkResult::interrupt();
      int64_t kDim = lhs.getRank() - 1;
      double k = double(lhs.getShape()[kDim]);
      for (int64_t axis : lhs.getSliceLevels(kDim))
        k = std::ceil(k / double((*extents)[axis]));
      double elements = elementsIn(*out, matmul.getResult());
      double time = model.matmul(2 * elements * k);
      createdBytes += *out;
      reuse.touched += *out;
      for (Value value : op->getOperands()) {
        FailureOr<double> in = bytesOf(value);
        if (failed(in))
          return WalkResult::interrupt();
        reuse.touched += *in;
        reuse.touch(value);
      }
      reuse.touch(matmul.getResult());
      matmulTimes[op] = time;
      total.matmuls += time;
      return WalkResult::advance();
    }
    if (isElementwise(op) || isa<NormOp, ReduceOp>(op)) {
      bool reduction = isa<NormOp, ReduceOp>(op);
      double unfusedChain = 0;
      if (reduction) {
        // Its adds form one chain: where the chain is slower than reading
        // the operand, the difference is time on top of the traffic.
        Value input = op->getOperand(0);
        FailureOr<double> bytes = bytesOf(input);
        if (failed(bytes))
          return WalkResult::interrupt();
        double elements = elementsIn(*bytes, input);
        // Against its traffic at the bandwidth that traffic is priced at,
        // known at the end: the function's working set fused, the op's
        // reads' reuse distances unfused.
        if (lowering.fuseElementwise)
          chains.push_back({model.reduction(elements), *bytes});
        else
          unfusedChain = model.reduction(elements);
      }
      // What this op's loop moves (unfused: the op is a loop of its own).
      double moved = 0, fresh = 0, newBuffers = 0, storedByProducers = 0;
      llvm::SmallDenseSet<Value, 4> operandsRead;
      SmallVector<std::pair<double, double>, 3> reads; // unfused: see above
      for (Value operand : op->getOperands()) {
        Operation *producer = operand.getDefiningOp();
        bool fromLoop = producer && isElementwise(producer);
        // Fused: values of the loop stay in registers, and each input is
        // loaded once per loop. Unfused: every op loads what it reads,
        // once (g * g reads g once). A reduction to a scalar joins the
        // loop: of a value of the loop as its accumulator, of anything
        // else (a parameter's norm) as a sibling of the loop that reads
        // the same array (coco-fuse-elementwise), which loads it once.
        bool inLoop = !reduction || (lowering.fuseReductions && joinsLoop(op));
        // (A producer in an enclosing region, read in a branch, is not one
        // of this region's loops.)
        bool here = producer && producer->getParentRegion() == &region;
        if (lowering.fuseElementwise && inLoop && fromLoop &&
            levelOf(operand) == level) {
          if (here)
            loops.unionSets(op, producer);
          continue;
        }
        if (lowering.fuseElementwise && inLoop &&
            !loaded.insert({operand, level}).second) {
          // A sibling of the loop that loaded it: one loop.
          if (Operation *loader = loaders.lookup({operand, level}))
            loops.unionSets(op, loader);
          continue;
        }
        if (lowering.fuseElementwise && inLoop)
          loaders[{operand, level}] = op;
        if (!operandsRead.insert(operand).second)
          continue;
        // A fused reduce_scatter's sum happens in the loop: it reads the
        // blocks every rank sent, the size of the reduce_scatter's input.
        auto scatter = operand.getDefiningOp<ReduceScatterOp>();
        bool folded = scatter && foldsIntoLoop(scatter, lowering, symbols);
        FailureOr<double> bytes =
            bytesOf(folded ? scatter.getInput() : operand);
        if (failed(bytes))
          return WalkResult::interrupt();
        // Chunked: the received blocks come from the cache, the own block
        // from memory.
        if (folded && chunkedExchanges.count(scatter))
          *bytes /= double(chunkedExchanges.lookup(scatter));
        moved += *bytes;
        if (!lowering.fuseElementwise)
          reads.push_back({*bytes, reuse.distance(operand)});
        // Fused: read from memory, so its loop stored it (once), into a
        // temporary no loop read before. Unfused loops store every result
        // already.
        if (lowering.fuseElementwise && fromLoop &&
            stored.insert(operand).second) {
          moved += *bytes;
          fresh += *bytes;
          newBuffers += *bytes;
          // (The store is the producer's loop's traffic.)
          if (here) {
            storedByProducers += *bytes;
            loopWork[producer].bytes += *bytes;
            loopWork[producer].fresh += *bytes;
          }
        }
      }
      Value result = op->getResult(0);
      // (A reduction of the value is in the loop; a later loop's read
      // stores it there.)
      bool leavesLoop = !lowering.fuseElementwise ||
                        isa<NormOp, ReduceOp>(op) ||
                        llvm::any_of(result.getUsers(), [&](Operation *user) {
                          return !isElementwise(user) &&
                                 !(lowering.fuseReductions && joinsLoop(user));
                        });
      if (leavesLoop && stored.insert(result).second) {
        FailureOr<double> bytes = bytesOf(result);
        if (failed(bytes))
          return WalkResult::interrupt();
        moved += *bytes;
        // In place: the new value of a parameter this very loop reads
        // (w = w - lr * g) goes into the parameter's lines, which the loop
        // has just loaded; so does a new slice of it that is all_gathered
        // into it, which the loop writes into its own block of the
        // parameter (coco-update-in-place). Anything else goes to a new
        // buffer, or to a parameter another loop read (eager's m = m1 + m2).
        auto readHere = [&](Value value) {
          return lowering.fuseElementwise
                     ? loaded.contains({value, level})
                     : llvm::is_contained(op->getOperands(), value);
        };
        auto paramReadHere = [&](Value param) {
          return readHere(param) ||
                 llvm::any_of(param.getUsers(), [&](Operation *user) {
                   auto slice = dyn_cast<SliceOp>(user);
                   return slice && readHere(slice.getResult());
                 });
        };
        bool inPlace = llvm::any_of(result.getUsers(), [&](Operation *user) {
          if (auto update = dyn_cast<UpdateOp>(user))
            return update.getValue() == result && readHere(update.getParam());
          if (isa<AllGatherOp>(user))
            for (Operation *gathered : user->getResult(0).getUsers())
              if (auto update = dyn_cast<UpdateOp>(gathered))
                if (update.getValue() == user->getResult(0) &&
                    paramReadHere(update.getParam()))
                  return true;
          return false;
        });
        if (!inPlace)
          fresh += *bytes;
        // The new value of a parameter goes into the parameter's buffer
        // (coco-update-in-place), counted among the arguments already.
        if (!inPlace && llvm::none_of(result.getUsers(), [](Operation *user) {
              return isa<UpdateOp>(user);
            }))
          newBuffers += *bytes;
      }
      // Its divides and square roots, per element of its result.
      double divider = 0;
      // (On floats: an integer divide has no vector instruction on a CPU
      // and is not priced by these figures.)
      bool floats = isa<FloatType>(
          cast<DTensorType>(op->getResult(0).getType()).getElementType());
      int64_t divides = floats && op->hasTrait<CocoTrait::Divides>() ? 1 : 0;
      int64_t roots = floats && op->hasTrait<CocoTrait::SquareRoots>() ? 1 : 0;
      if (divides || roots) {
        FailureOr<double> bytes = bytesOf(result);
        if (failed(bytes))
          return WalkResult::interrupt();
        divider = model.divider(elementsIn(*bytes, result), bitsOf(result),
                                divides, roots);
      }
      if (lowering.fuseElementwise) {
        loopBytes += moved;
        freshBytes += fresh;
        createdBytes += newBuffers;
        loops.insert(op);
        LoopWork &work = loopWork[op];
        work.bytes += moved - storedByProducers;
        work.fresh += fresh - storedByProducers;
        work.divider += divider;
      } else {
        // Unfused: priced at the end, by the reuse distance of each read.
        // (Its result is not among the arrays the working set counts: the
        // buffer is freed after its last read and the runtime's caching
        // allocator hands the same block to a later op of that size, so
        // eager's temporaries take a few blocks, not one each.)
        unfusedOps.push_back({reads, moved, fresh, divider, unfusedChain});
        reuse.touched += moved;
        for (Value operand : operandsRead)
          reuse.touch(operand);
        reuse.touch(result);
      }
      return WalkResult::advance();
    }
    if (auto recv = dyn_cast<RecvOp>(op)) {
      FailureOr<double> bytes = bytesOf(recv.getResult());
      if (failed(bytes))
        return WalkResult::interrupt();
      reuse.touched += *bytes;
      reuse.touch(recv.getResult());
      return WalkResult::advance();
    }
    // Anything else (a slice, a view, an update) is touched when its
    // operands were: its results are in their lines.
    for (Value result : op->getResults()) {
      double latest = -1;
      for (Value operand : op->getOperands())
        if (auto last = reuse.lastTouched.find(operand);
            last != reuse.lastTouched.end())
          latest = std::max(latest, last->second);
      if (latest >= 0)
        reuse.lastTouched[result] = latest;
    }
    return WalkResult::advance();
  });
  if (walk.wasInterrupted())
    return failure();
  double workingSet = argumentBytes + createdBytes + branchBytes;
  total.workingSet = workingSet;
  // Since the last call: the function's arrays (this region's stand in
  // for them on a first pass) and the caller's data.
  double sinceLastCall =
      (scope.functionBytes > 0 ? scope.functionBytes : workingSet) +
      scope.callerBytes;
  for (const UnfusedOp &unfused : unfusedOps) {
    // Each read at the bandwidth of what went through the caches since its
    // value was last touched, with the op's own arrays, but never more
    // than since the last call (a first touch). The result's store at a
    // first touch's too: priced at the op's own arrays (as before the
    // twenty-ninth session), eager came out 25-47% too fast at 256K-1M;
    // so, 27 rather than 13 of 39 eager rows of the three launches the
    // rule was chosen on were within 20%, and 9 of 17 either way of the
    // three made after it, where eager at 1M came out 26-69% too slow
    // (benchmarks/README.md, "Eager's stores"). Its divides and a
    // reduction's adds take longer than that traffic or not.
    double traffic = 0, read = 0;
    for (auto [bytes, distance] : unfused.reads) {
      double since = distance < 0
                         ? sinceLastCall
                         : std::min(distance + unfused.own, sinceLastCall);
      traffic += model.loop(bytes, since);
      read += bytes;
    }
    traffic += model.loop(unfused.own - read,
                          std::max(sinceLastCall, unfused.own), unfused.fresh);
    total.loops += std::max(traffic, unfused.divider);
    total.dividerWait += std::max(0.0, unfused.divider - traffic);
    total.loops += std::max(0.0, unfused.chain - traffic);
  }
  // (At the function's own working set, not with the caller's data as
  // unfused first touches and collectives: priced so, the benchmark's
  // fused schedules came out too slow, 49 rather than 51 of 75 launches'
  // rows within 20% at 64K-16M and 15 rather than 21 of 45 at 64K-1M,
  // 2026-12-06.)
  total.loops += model.loop(loopBytes, workingSet, freshBytes);
  for (auto [chain, bytes] : chains)
    total.loops += std::max(0.0, chain - model.loop(bytes, workingSet));
  // A fused loop whose divides and square roots take longer than its
  // traffic (at the working set's bandwidth) waits for them: the
  // difference is added (the Adam update's loop in the caches).
  for (const auto *loop : loops) {
    if (!loop->isLeader())
      continue;
    LoopWork sum;
    for (Operation *member : loops.members(*loop)) {
      const LoopWork &work = loopWork.lookup(member);
      sum.bytes += work.bytes;
      sum.fresh += work.fresh;
      sum.divider += work.divider;
    }
    if (sum.divider > 0) {
      double wait = std::max(
          0.0, sum.divider - model.loop(sum.bytes, workingSet, sum.fresh));
      total.loops += wait;
      total.dividerWait += wait;
    }
  }
  total.chunkedExchanges += int64_t(chunkedExchanges.size());
  return total;
}
} // namespace

FailureOr<Model> mlir::coco::cost::loadModelFor(ModuleOp module, StringRef pass,
                                                StringRef path, int64_t ranks,
                                                const Lowering &lowering,
                                                int64_t callerBytes) {
  for (auto [name, value] :
       {std::pair{"ranks", ranks},
        std::pair{"overlap-chunks", lowering.overlapChunks},
        std::pair{"exchange-chunk-bytes", lowering.exchangeChunkBytes},
        std::pair{"caller-bytes", callerBytes}})
    if (value < 0)
      return mlir::emitError(module.getLoc())
             << pass << ": " << name << " must be >= 0, got " << value;
  if (path.empty())
    return mlir::emitError(module.getLoc())
           << pass << ": give the machine profile with profile=FILE "
           << "(coco-calibrate writes one; tools/coco-calibrate/profiles "
              "has shipped ones)";
  llvm::Expected<Profile> loaded = Profile::load(path);
  if (!loaded)
    return mlir::emitError(module.getLoc())
           << pass << ": " << llvm::toString(loaded.takeError());
  bool dynamicGrid = false;
  module.walk([&](GridOp grid) {
    dynamicGrid |= llvm::any_of(grid.getShape(), ShapedType::isDynamic);
  });
  if (dynamicGrid && ranks < 1)
    return mlir::emitError(module.getLoc())
           << pass
           << ": a grid has a '?' extent: give "
              "the number of ranks with ranks=N";
  if (ranks > kMaxRanks)
    return mlir::emitError(module.getLoc())
           << pass << ": ranks=" << ranks << " is more than " << kMaxRanks
           << " (MPI and NCCL number ranks with an int)";
  // A count no grid can run on was ignored for static grids (their own
  // size priced), while the remarks said "on N rank(s)".
  if (ranks > 0) {
    GridOp misfit;
    module.walk([&](GridOp grid) {
      int64_t fixed = 1;
      bool dynamic = false;
      for (int64_t extent : grid.getShape()) {
        if (ShapedType::isDynamic(extent))
          dynamic = true;
        else
          fixed *= extent;
      }
      // (A '?' grid the count does not fill: estimate says so, with
      // the multiple it needs.)
      if (!dynamic && ranks != fixed) {
        misfit = grid;
        return WalkResult::interrupt();
      }
      return WalkResult::advance();
    });
    if (misfit)
      return misfit.emitError()
             << pass << ": ranks=" << ranks << " cannot run grid @"
             << misfit.getSymName() << " (it has a fixed number of ranks)";
  }
  return Model(std::move(*loaded));
}

/// `estimate`, unless a figure of the profile made its time infinite or NaN
/// (a bandwidth of 1e-320 GB/s is a number, but no machine): then an error,
/// so that no ranking is made of times that cannot be compared.
static FailureOr<Estimate> finiteOrError(func::FuncOp function,
                                         FailureOr<Estimate> estimate) {
  if (succeeded(estimate) && !std::isfinite(estimate->total()))
    return function.emitError()
           << "cost model: the machine profile's figures give @"
           << function.getSymName() << " a time of " << estimate->total()
           << " s: check the profile for figures near 0 or huge";
  return estimate;
}

FailureOr<Estimate> mlir::coco::cost::estimate(func::FuncOp function,
                                               const Model &model,
                                               int64_t worldRanks,
                                               Lowering lowering,
                                               double callerBytes) {
  SymbolTableCollection symbols;
  double argumentBytes = 0;
  for (BlockArgument argument : function.getArguments()) {
    if (!isa<DTensorType>(argument.getType()))
      continue;
    FailureOr<double> bytes =
        blockBytes(function, argument.getType(), worldRanks, symbols);
    if (failed(bytes))
      return failure();
    argumentBytes += *bytes;
  }
  Scope scope{argumentBytes, std::max(0.0, callerBytes), 0};
  Reuse reuse;
  FailureOr<Estimate> first = priceRegion(function.getBody(), model, worldRanks,
                                          lowering, symbols, scope, reuse);
  if (failed(first))
    return failure();
  // The working set known, again where it prices something: collectives
  // warm, unfused reads' first touches.
  scope.functionBytes = first->workingSet;
  double warmth = model.warmth(scope.collectiveBytes());
  if (!(warmth > 0) && lowering.fuseElementwise)
    return finiteOrError(function, first);
  Reuse again;
  FailureOr<Estimate> second = priceRegion(
      function.getBody(), model, worldRanks, lowering, symbols, scope, again);
  if (succeeded(second))
    second->warmth = warmth;
  return finiteOrError(function, second);
}

bool mlir::coco::cost::isRankLocal(func::FuncOp function) {
  // Builtin tensors and no distributed one: a rank's blocks (with or
  // without coco.comm collectives: a matmul on each rank's block costs
  // too).
  auto isDistributed = [](Type type) { return isa<DTensorType>(type); };
  auto isBlock = [](Type type) { return isa<RankedTensorType>(type); };
  FunctionType signature = function.getFunctionType();
  bool global = llvm::any_of(signature.getInputs(), isDistributed) ||
                llvm::any_of(signature.getResults(), isDistributed);
  bool local = llvm::any_of(signature.getInputs(), isBlock) ||
               llvm::any_of(signature.getResults(), isBlock);
  function.walk([&](Operation *op) {
    if (op->hasTrait<CocoTrait::GlobalViewOp>() ||
        llvm::any_of(op->getResultTypes(), isDistributed))
      global = true;
    else if (isa<CollectiveOpInterface>(op) ||
             llvm::any_of(op->getResultTypes(), isBlock))
      local = true;
  });
  return local && !global;
}
