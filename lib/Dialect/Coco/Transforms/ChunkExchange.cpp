//===- ChunkExchange.cpp - a fused reduce-scatter's exchange, in chunks ---===//
//
// coco-fuse-reduce-scatter turns reduce_scatter(x) into an exchange and a
// sum in the consumer's loop. After bufferization:
//
//   coco.comm.all_to_all %x into %recv split 0 concat 0 skip_self
//   %b1 = memref.subview %recv[o1] [block] [1]     (rank r+1's block)
//   %own = memref.subview %x[o] [block] [1]        (this rank's own)
//   linalg.generic ins(%b1, %own, %m, ...) outs(%m, ...) { sum; update }
//
// The loop then reads back every received byte from memory: the exchange
// wrote the whole block (megabytes) before the loop started. Here the
// exchange becomes part of a loop over chunks of the block's rows:
//
//   %x3 = memref.expand_shape %x : [R * block, ...] into [R, block, ...]
//   scf.for %s = 0 to block step rows {
//     %n = min(rows, block - %s)
//     coco.comm.all_to_all %x3[0, %s][R, %n] into %buf[0, 0][R, %n]
//                          split 0 concat 0 skip_self
//     linalg.generic ins(%buf[o1 / block][%n], %own[%s][%n], %m[%s][%n], ...)
//                    outs(%m[%s][%n], ...)
//   }
//
// so the loop reads each chunk while it is in the cache, and one buffer of
// `rows` rows per rank serves every chunk. Row i of rank j's block is
// exchanged with the same peer and read by the same iteration as before;
// what moves is only when. The runtime's pairwise exchange sends and
// receives one row of the [R, n, ...] views per rank (rows that lie apart:
// lib/Runtime/Collectives.cpp).
//
// Uneven blocks (dim 0 of n rows over R ranks, n % R != 0) lie at offsets no
// strided view describes, and the exchange receives into R slots of the
// largest block's ceil(n / R) rows. There each chunk is a window of every
// block, which the all_to_all's `window` names:
//
//   scf.for %s = 0 to slot step rows {          (the same trips on every rank)
//     %n = max(0, min(rows, %size - %s))        (%size: this rank's block)
//     coco.comm.all_to_all %x into %buf split 0 concat 0 skip_self window %s
//                                               (%buf: R slots of `rows` rows)
//     linalg.generic ins(%buf[k * rows][%n], %own[%s][%n], ...) ...
//   }
//
// Rank j is sent rows [s, s + rows) of its block, cut to the block's end, so
// ranks whose blocks are one row shorter simply receive less in the last
// chunk.
//
//===----------------------------------------------------------------------===//

#include "coco/Dialect/Coco/IR/CocoOps.h"
#include "coco/Dialect/Coco/Transforms/Passes.h"
#include "coco/Dialect/Coco/Transforms/Schedules.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/ControlFlow/IR/ControlFlowOps.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Interfaces/SideEffectInterfaces.h"
#include "mlir/Interfaces/ViewLikeInterface.h"

#include "llvm/Support/CheckedArithmetic.h"

namespace mlir::coco {
#define GEN_PASS_DEF_COCOCHUNKEXCHANGEPASS
#include "coco/Dialect/Coco/Transforms/Passes.h.inc"
} // namespace mlir::coco

using namespace mlir;
using namespace mlir::coco;

namespace {

constexpr StringLiteral kSchedule = "chunk-exchange";

/// The buffer `value` is a view of (through view-like ops).
Value rootOf(Value value) {
  while (auto view = value.getDefiningOp<ViewLikeOpInterface>())
    value = view.getViewSource();
  return value;
}

/// Whether `root` is a buffer whose aliases are all its views: an
/// allocation, or an argument of a public function (the arguments of an
/// entry are assumed not to alias each other, as coco.update's lowering
/// states and coco_rt_call_entry checks for updated ones; a private
/// function's caller may pass one buffer twice). A region's block
/// argument, a global or a call's result may be another name for any
/// buffer.
bool isDistinctBuffer(Value root) {
  if (root.getDefiningOp<memref::AllocOp>())
    return true;
  auto argument = dyn_cast<BlockArgument>(root);
  if (!argument || !argument.getOwner()->isEntryBlock())
    return false;
  auto function =
      dyn_cast<FunctionOpInterface>(argument.getOwner()->getParentOp());
  return function && function.isPublic();
}

/// Whether `offset` is provably a multiple of `block` within [0, extent]
/// (every rank's block of dim 0 starts at one): a constant in that range,
/// coco.local_block's offset of `extent` split into blocks of `block`, an
/// axis rank times such a constant (an uneven exchange's own slot:
/// buildBlockOffset), or sums and remainders (by such a constant) of those,
/// as coco-fuse-reduce-scatter computes the other ranks' blocks
/// ((own + k * block) mod extent). Every value stays below a few times
/// `extent`, so the index arithmetic cannot wrap.
bool isMultipleOf(OpFoldResult offset, int64_t block, int64_t extent) {
  if (std::optional<int64_t> constant = getConstantIntValue(offset))
    return *constant >= 0 && *constant <= extent && *constant % block == 0;
  Value value = cast<Value>(offset);
  auto multiple = [&](Value operand) {
    return isMultipleOf(operand, block, extent);
  };
  if (auto local = value.getDefiningOp<LocalBlockOp>()) {
    std::optional<int64_t> size = getConstantIntValue(local.getExtent());
    auto grid = SymbolTable::lookupNearestSymbolFrom<GridOp>(
        local, local.getGridAttr());
    if (!size || *size != extent || !grid || value != local.getOffset())
      return false;
    int64_t ranks = groupSize(grid.getShape(), local.getAxes());
    return !ShapedType::isDynamic(ranks) && extent % ranks == 0 &&
           (extent / ranks) % block == 0;
  }
  if (auto product = value.getDefiningOp<arith::MulIOp>()) {
    for (auto [rank, factor] :
         {std::pair(product.getLhs(), product.getRhs()),
          std::pair(product.getRhs(), product.getLhs())}) {
      auto axisRank = rank.getDefiningOp<AxisRankOp>();
      std::optional<int64_t> constant = getConstantIntValue(factor);
      if (!axisRank || !constant)
        continue;
      auto grid = SymbolTable::lookupNearestSymbolFrom<GridOp>(
          axisRank, axisRank.getGridAttr());
      int64_t axis = axisRank.getAxis();
      if (!grid || axis < 0 || axis >= grid.getRank())
        return false;
      int64_t ranks = grid.getShape()[axis];
      return !ShapedType::isDynamic(ranks) && *constant >= 0 &&
             *constant % block == 0 && *constant <= extent / ranks;
    }
    return false;
  }
  if (auto add = value.getDefiningOp<arith::AddIOp>())
    return multiple(add.getLhs()) && multiple(add.getRhs());
  if (auto rem = value.getDefiningOp<arith::RemUIOp>()) {
    std::optional<int64_t> divisor = getConstantIntValue(rem.getRhs());
    return multiple(rem.getLhs()) && divisor && *divisor > 0 &&
           multiple(rem.getRhs());
  }
  return false;
}

/// A subview of `recv` that is one whole block of dim 0: offsets [o, 0..]
/// with o a multiple of the slot (the block, or with uneven blocks the
/// largest one), sizes [rows, all of the other dims] with `rows` the
/// block's (static, or this rank's dynamic size), unit strides, same rank.
bool isBlockView(memref::SubViewOp view, int64_t slot, OpFoldResult rows) {
  auto source = view.getSourceType(), type = view.getType();
  if (type.getRank() != source.getRank() || !view.hasUnitStride() ||
      !isMultipleOf(view.getMixedOffsets()[0], slot, source.getDimSize(0)) ||
      !isEqualConstantIntOrValue(view.getMixedSizes()[0], rows))
    return false;
  for (int64_t d = 1; d < source.getRank(); ++d) {
    std::optional<int64_t> size = getConstantIntValue(view.getMixedSizes()[d]);
    if (!size || *size != source.getDimSize(d))
      return false;
    if (d > 0 && !isZeroInteger(view.getMixedOffsets()[d]))
      return false;
  }
  return true;
}

/// How the generic's operand with `map` is cut into chunks: along its dim 0
/// (the map's first result is loop 0, which no other result uses), or not
/// at all (loop 0 absent from the map). nullopt: neither.
std::optional<bool> cutAlongDimZero(AffineMap map) {
  if (!map.isProjectedPermutation())
    return std::nullopt;
  bool used = map.isFunctionOfDim(0);
  if (!used)
    return false;
  if (map.getNumResults() == 0 ||
      map.getResult(0) != getAffineDimExpr(0, map.getContext()))
    return std::nullopt;
  return true;
}

/// What the rewrite of one exchange needs, found by analyze().
struct Candidate {
  CommAllToAllOp exchange;
  linalg::GenericOp loop;
  /// The views of received blocks the loop reads.
  SmallVector<memref::SubViewOp> blocks;
  /// `block`: rows per rank of equal blocks; `slot`: rows per rank of the
  /// received buffer (the block, or with uneven blocks the largest one);
  /// `rows`: per chunk.
  int64_t ranks = 0, block = 0, slot = 0, rows = 0;
  /// Uneven blocks: this rank's rows (the received views' size), walked in
  /// windows; null for equal blocks.
  Value ownRows;
};

/// The candidate for `exchange`, or why it stays as it is.
FailureOr<Candidate> analyze(CommAllToAllOp exchange, int64_t chunkBytes,
                             std::string &why) {
  auto fail = [&](const Twine &reason) {
    why = reason.str();
    return failure();
  };
  auto inputType = dyn_cast<MemRefType>(exchange.getInput().getType());
  auto recvType = dyn_cast<MemRefType>(exchange.getInit().getType());
  if (!inputType || !recvType)
    return fail("it is not bufferized");
  if (!exchange.getSkipSelf() || exchange.getSplitDim() != 0 ||
      exchange.getConcatDim() != 0)
    return fail("only coco-fuse-reduce-scatter's exchange (skip_self, dim "
                "0) is chunked");
  if (!inputType.hasStaticShape() || !recvType.hasStaticShape() ||
      !inputType.getLayout().isIdentity() ||
      recvType.getLayout() != inputType.getLayout() ||
      recvType.getElementType() != inputType.getElementType() ||
      !inputType.getElementType().isIntOrFloat())
    return fail("its buffers are not static, contiguous and of one integer "
                "or float type");
  auto alloc = exchange.getInit().getDefiningOp<memref::AllocOp>();
  if (!alloc)
    return fail("it receives into a buffer that is not its own allocation");
  auto grid = SymbolTable::lookupNearestSymbolFrom<GridOp>(
      exchange, exchange.getGridAttr());
  if (!grid)
    return fail("unknown grid");
  int64_t ranks = groupSize(grid.getShape(), exchange.getAxes());
  if (ShapedType::isDynamic(ranks))
    return fail("its grid axes must have a static number of ranks");
  int64_t extent = inputType.getDimSize(0);
  if (ranks < 2)
    return fail("its group has one rank: nothing is exchanged");
  if (extent == 0)
    return fail("dimension 0 is empty");
  if (exchange.getWindowStart())
    return fail("it exchanges a window already");
  // Uneven blocks are received into one slot per rank as large as the
  // largest block (ceil(n / R) rows, nested splits included).
  const bool uneven = extent % ranks != 0;
  const int64_t slot = llvm::divideCeil(extent, ranks);
  if (recvType.getShape().drop_front() != inputType.getShape().drop_front() ||
      recvType.getDimSize(0) != ranks * slot)
    return fail("it receives into a buffer of another shape than one slot "
                "per rank of the largest block");
  Value sent = rootOf(exchange.getInput());
  if (!isDistinctBuffer(sent))
    return fail("the buffer it sends may have other names (not an "
                "allocation or an entry's argument)");
  Candidate candidate{exchange, {}, {}, ranks, uneven ? 0 : slot, slot, 0, {}};

  // The received blocks: read by one generic, through whole-block views,
  // each of this rank's rows: the equal block's, or with uneven blocks one
  // dynamic size that all of them share.
  OpFoldResult blockRows;
  if (uneven) {
    for (Operation *user : alloc->getUsers())
      if (auto view = dyn_cast<memref::SubViewOp>(user))
        if (auto rows = dyn_cast<Value>(view.getMixedSizes()[0])) {
          blockRows = rows;
          break;
        }
    if (!blockRows)
      return fail("uneven blocks are read without this rank's dynamic block "
                  "size");
    candidate.ownRows = cast<Value>(blockRows);
  } else {
    blockRows = OpBuilder(exchange).getIndexAttr(slot);
  }
  for (Operation *user : alloc->getUsers()) {
    if (user == exchange)
      continue;
    auto view = dyn_cast<memref::SubViewOp>(user);
    if (!view || !isBlockView(view, slot, blockRows))
      return fail("'" + user->getName().getStringRef() +
                  "' uses the received buffer other than as a view of one "
                  "whole block (at a multiple of the slot's rows, this "
                  "rank's rows long)");
    for (Operation *reader : view->getUsers()) {
      auto loop = dyn_cast<linalg::GenericOp>(reader);
      if (!loop)
        return fail("'" + reader->getName().getStringRef() +
                    "' uses a received block: only the loop that sums them "
                    "may");
      if (candidate.loop && loop != candidate.loop)
        return fail("the received blocks are read by more than one loop");
      if (!llvm::is_contained(loop.getDpsInputs(), view.getResult()) ||
          llvm::is_contained(loop.getDpsInits(), view.getResult()))
        return fail("the loop writes a received block");
      candidate.loop = loop;
    }
    candidate.blocks.push_back(view);
  }
  linalg::GenericOp loop = candidate.loop;
  if (!loop)
    return fail("nothing reads the received blocks");
  if (loop->getBlock() != exchange->getBlock() ||
      !exchange->isBeforeInBlock(loop))
    return fail("the loop reading the blocks is not after it in its block");

  // Loop 0 walks the block's rows; every operand is cut along its dim 0 or
  // read whole.
  if (loop.getNumLoops() == 0)
    return fail("the loop has no dimension to cut");
  for (OpOperand &operand : loop->getOpOperands()) {
    std::optional<bool> cut =
        cutAlongDimZero(loop.getMatchingIndexingMap(&operand));
    auto type = dyn_cast<MemRefType>(operand.get().getType());
    if (!cut || (*cut && !type))
      return fail("the loop indexes an operand other than with its "
                  "outermost loop as the operand's dim 0");
    // Equal blocks: static rows; uneven ones: this rank's, which the
    // generic's operands share with the received views.
    if (*cut && (uneven ? !type.isDynamicDim(0)
                        : type.getDimSize(0) != candidate.block))
      return fail("the loop's rows are not the block's rows");
    // A chunk's views keep the other dims whole: their sizes are needed.
    if (*cut &&
        llvm::any_of(type.getShape().drop_front(), ShapedType::isDynamic))
      return fail("an operand the loop cuts into rows has dynamic sizes");
    bool isBlock = llvm::any_of(candidate.blocks, [&](memref::SubViewOp view) {
      return view.getResult() == operand.get();
    });
    if (isBlock && !*cut)
      return fail("the loop reads a received block whole in every row");
    // A chunk's results must not change what a later chunk sends.
    if (loop.isDpsInit(&operand) && (rootOf(operand.get()) == sent ||
                                     !isDistinctBuffer(rootOf(operand.get()))))
      return fail("the loop writes the buffer the exchange sends, or one "
                  "that may be another name for it");
  }

  // The exchange moves down to the loop: nothing in between may write what
  // it sends. Collectives in between (another parameter's exchange or
  // all_gather) stay in the same order on every rank; one inside a region,
  // which only some ranks may run, keeps the exchange where it is.
  for (Operation *op = exchange->getNextNode(); op != loop;
       op = op->getNextNode()) {
    // An assert writes nothing (it declares a write only to stay): a
    // failing one ends the job before or after the exchange alike.
    if (isa<cf::AssertOp>(op))
      continue;
    std::optional<SmallVector<MemoryEffects::EffectInstance>> effects =
        getEffectsRecursively(op);
    if (!effects)
      return fail("'" + op->getName().getStringRef() +
                  "' between the exchange and the loop has unknown effects");
    for (const MemoryEffects::EffectInstance &effect : *effects) {
      if (!isa<MemoryEffects::Write, MemoryEffects::Free>(effect.getEffect()))
        continue;
      Value written = effect.getValue();
      if (!written && isa<CommunicationResource>(effect.getResource())) {
        if (op->getNumRegions() == 0)
          continue;
        return fail("'" + op->getName().getStringRef() +
                    "' between the exchange and the loop holds a collective "
                    "that only some ranks may run");
      }
      if (!written || rootOf(written) == sent ||
          !isDistinctBuffer(rootOf(written)))
        return fail("'" + op->getName().getStringRef() +
                    "' between the exchange and the loop may write the "
                    "buffer it sends");
    }
  }

  if (chunkBytes <= 0)
    return fail("chunk-bytes is 0");
  // A row's bytes (the other dims times the element's), which a huge shape
  // can overflow: then a row alone exceeds any chunk.
  std::optional<int64_t> rowBytes =
      int64_t(llvm::divideCeil(inputType.getElementTypeBitWidth(), 8));
  for (int64_t dim : inputType.getShape().drop_front())
    rowBytes = rowBytes ? llvm::checkedMul(*rowBytes, dim) : std::nullopt;
  std::optional<int64_t> perChunk =
      rowBytes ? llvm::checkedMul(ranks - 1, *rowBytes) : std::nullopt;
  candidate.rows = perChunk && *perChunk > 0
                       ? std::max<int64_t>(1, chunkBytes / *perChunk)
                       : 1;
  if (slot == 1)
    return fail("a block is one row, which a chunk does not cut");
  if (candidate.rows >= slot) {
    std::optional<int64_t> blockBytes =
        rowBytes ? llvm::checkedMul(slot, *rowBytes) : std::nullopt;
    return fail(
        "a block (" +
        (blockBytes ? std::to_string(*blockBytes) : std::string("over 2^63")) +
        " bytes per rank) fits in one chunk of " + Twine(chunkBytes) +
        " bytes");
  }
  return candidate;
}

/// Rows [offset, offset + size) of `buffer`'s dim 0, the other dims whole.
Value rowsOf(OpBuilder &b, Location loc, Value buffer, OpFoldResult offset,
             OpFoldResult size) {
  auto type = cast<MemRefType>(buffer.getType());
  SmallVector<OpFoldResult> offsets(type.getRank(), b.getIndexAttr(0));
  SmallVector<OpFoldResult> sizes = {size};
  for (int64_t d = 1; d < type.getRank(); ++d)
    sizes.push_back(b.getIndexAttr(type.getDimSize(d)));
  offsets[0] = offset;
  SmallVector<OpFoldResult> strides(type.getRank(), b.getIndexAttr(1));
  return memref::SubViewOp::create(b, loc, buffer, offsets, sizes, strides);
}

/// [R, n, ...]: rows [offset, offset + n) of each of the R blocks of a
/// [R, block, ...] buffer.
Value rowsOfEveryBlock(OpBuilder &b, Location loc, Value blocks,
                       OpFoldResult offset, OpFoldResult size) {
  auto type = cast<MemRefType>(blocks.getType());
  SmallVector<OpFoldResult> offsets(type.getRank(), b.getIndexAttr(0));
  offsets[1] = offset;
  SmallVector<OpFoldResult> sizes = {b.getIndexAttr(type.getDimSize(0)), size};
  for (int64_t d = 2; d < type.getRank(); ++d)
    sizes.push_back(b.getIndexAttr(type.getDimSize(d)));
  SmallVector<OpFoldResult> strides(type.getRank(), b.getIndexAttr(1));
  return memref::SubViewOp::create(b, loc, blocks, offsets, sizes, strides);
}

/// Rows [0, n) of block `index` of a [R, rows, ...] buffer, as [n, ...].
Value chunkOfBlock(OpBuilder &b, Location loc, Value blocks, Value index,
                   OpFoldResult size) {
  auto type = cast<MemRefType>(blocks.getType());
  SmallVector<OpFoldResult> offsets(type.getRank(), b.getIndexAttr(0));
  offsets[0] = index;
  SmallVector<OpFoldResult> sizes = {b.getIndexAttr(1), size};
  SmallVector<int64_t> shape = {ShapedType::kDynamic};
  for (int64_t d = 2; d < type.getRank(); ++d) {
    sizes.push_back(b.getIndexAttr(type.getDimSize(d)));
    shape.push_back(type.getDimSize(d));
  }
  SmallVector<OpFoldResult> strides(type.getRank(), b.getIndexAttr(1));
  auto resultType = memref::SubViewOp::inferRankReducedResultType(
      shape, type, offsets, sizes, strides);
  return memref::SubViewOp::create(b, loc, cast<MemRefType>(resultType), blocks,
                                   offsets, sizes, strides);
}

void rewrite(const Candidate &candidate) {
  CommAllToAllOp exchange = candidate.exchange;
  linalg::GenericOp loop = candidate.loop;
  OpBuilder b(loop);
  Location loc = exchange.getLoc();
  auto type = cast<MemRefType>(exchange.getInput().getType());
  const bool uneven = bool(candidate.ownRows);

  // Equal blocks: [R * block, ...] as [R, block, ...], the chunk buffer
  // [R, rows, ...]. Uneven ones: the input as it is (the runtime finds the
  // blocks), the chunk buffer R slots of `rows` rows, [R * rows, ...].
  SmallVector<int64_t> blocksShape = {candidate.ranks, candidate.block};
  SmallVector<int64_t> chunkShape = {candidate.ranks, candidate.rows};
  if (uneven)
    chunkShape = {candidate.ranks * candidate.rows};
  SmallVector<ReassociationIndices> groups = {{0, 1}};
  for (int64_t d = 1; d < type.getRank(); ++d) {
    blocksShape.push_back(type.getDimSize(d));
    chunkShape.push_back(type.getDimSize(d));
    groups.push_back({d + 1});
  }
  Value sent = exchange.getInput();
  if (!uneven)
    sent = memref::ExpandShapeOp::create(
        b, loc, MemRefType::get(blocksShape, type.getElementType()), sent,
        groups);
  Value chunks = memref::AllocOp::create(
      b, loc, MemRefType::get(chunkShape, type.getElementType()),
      b.getI64IntegerAttr(64));

  // The same trips on every rank: the slot's rows (the largest block's).
  Value zero = arith::ConstantIndexOp::create(b, loc, 0);
  Value slot = arith::ConstantIndexOp::create(b, loc, candidate.slot);
  Value chunkRows = arith::ConstantIndexOp::create(b, loc, candidate.rows);
  auto forOp = scf::ForOp::create(b, loc, zero, slot, chunkRows);
  b.setInsertionPointToStart(forOp.getBody());
  Value start = forOp.getInductionVar();
  // This rank's rows of the chunk: none past its block's end (uneven
  // blocks, the last chunk).
  Value left =
      arith::SubIOp::create(b, loc, uneven ? candidate.ownRows : slot, start);
  Value size = arith::MinSIOp::create(b, loc, chunkRows, left);
  if (uneven)
    size = arith::MaxSIOp::create(b, loc, zero, size);

  // Equal blocks: rows [start, start + size) of every block (rows that lie
  // apart); uneven ones: the window from `start` of every block.
  Value sentRows = uneven ? sent : rowsOfEveryBlock(b, loc, sent, start, size);
  Value receivedRows =
      uneven ? chunks
             : rowsOfEveryBlock(b, loc, chunks, b.getIndexAttr(0), size);
  CommAllToAllOp::create(b, loc, TypeRange(), sentRows, receivedRows,
                         /*window_start=*/uneven ? start : Value(),
                         /*split_dim=*/0, /*concat_dim=*/0, exchange.getGrid(),
                         exchange.getAxesAttr(), /*skip_self=*/true);

  // The loop on these rows, operand by operand (one value may be cut for
  // one operand and read whole for another): a received block's rows come
  // from the chunk buffer (its block index: the view's offset / slot).
  llvm::DenseMap<Value, Value> cutOnce;
  SmallVector<Value> operands;
  for (OpOperand &operand : loop->getOpOperands()) {
    Value value = operand.get();
    if (!*cutAlongDimZero(loop.getMatchingIndexingMap(&operand))) {
      operands.push_back(value);
      continue;
    }
    Value &rows = cutOnce[value];
    if (!rows) {
      auto received = llvm::find_if(candidate.blocks, [&](memref::SubViewOp v) {
        return v.getResult() == value;
      });
      if (received == candidate.blocks.end()) {
        rows = rowsOf(b, loc, value, start, size);
      } else {
        memref::SubViewOp view = *received;
        Value offset =
            getValueOrCreateConstantIndexOp(b, loc, view.getMixedOffsets()[0]);
        Value index = arith::DivUIOp::create(b, loc, offset, slot);
        rows = uneven ? rowsOf(b, loc, chunks,
                               arith::MulIOp::create(b, loc, index, chunkRows)
                                   .getResult(),
                               size)
                      : chunkOfBlock(b, loc, chunks, index, size);
      }
    }
    operands.push_back(rows);
  }
  Operation *chunkLoop = b.clone(*loop);
  chunkLoop->setOperands(operands);
  // On a chunk, loop 0 counts from the chunk's first row: its index (a
  // dropout's global element index, say) is the chunk's plus `start`.
  // (Its own indices only, which linalg.index's verifier puts right in its
  // body: those of a linalg op nested in the body count that op's loops.)
  auto chunkGeneric = cast<linalg::GenericOp>(chunkLoop);
  for (auto index : llvm::make_early_inc_range(
           chunkGeneric.getBody()->getOps<linalg::IndexOp>())) {
    if (index.getDim() != 0)
      continue;
    OpBuilder atIndex(index);
    atIndex.setInsertionPointAfter(index);
    Value row = arith::AddIOp::create(atIndex, index.getLoc(), index, start);
    index.getResult().replaceAllUsesExcept(row, row.getDefiningOp());
  }

  if (uneven)
    remarkApplied(exchange, kSchedule,
                  "exchanged in windows of " + Twine(candidate.rows) +
                      " rows of each uneven block (up to " +
                      Twine(candidate.slot) +
                      " rows), each summed by the loop right after it "
                      "arrives");
  else
    remarkApplied(exchange, kSchedule,
                  "exchanged in chunks of " + Twine(candidate.rows) + " of " +
                      Twine(candidate.block) +
                      " rows, each summed by the loop right after it arrives");
  Operation *received = exchange.getInit().getDefiningOp();
  loop.erase();
  for (memref::SubViewOp view : candidate.blocks)
    view.erase();
  exchange.erase();
  received->erase();
}

struct CocoChunkExchangePass
    : public coco::impl::CocoChunkExchangePassBase<CocoChunkExchangePass> {
  using CocoChunkExchangePassBase::CocoChunkExchangePassBase;

  void runOnOperation() override {
    if (chunkBytes < 0) {
      mlir::emitError(getOperation().getLoc())
          << "coco-chunk-exchange: chunk-bytes must be >= 0, got "
          << static_cast<int64_t>(chunkBytes);
      return signalPassFailure();
    }
    SmallVector<Candidate> candidates;
    // A loop that sums the blocks of two exchanges is rewritten for the
    // first only.
    llvm::DenseSet<Operation *> claimed;
    getOperation().walk([&](CommAllToAllOp exchange) {
      // Only the fused reduce-scatter's exchange is a candidate.
      if (!exchange.getSkipSelf())
        return;
      // A schedule chose it whole (its remark says why): no warning.
      if (exchange->hasAttr(kExchangeWholeAttr)) {
        remarkNotApplied(exchange, kSchedule,
                         "exchanged whole before its loop: a schedule keeps "
                         "it whole (" +
                             kExchangeWholeAttr + ")");
        return;
      }
      std::string why;
      FailureOr<Candidate> candidate = analyze(exchange, chunkBytes, why);
      if (succeeded(candidate) && !claimed.insert(candidate->loop).second) {
        why = "its loop also sums another exchange's blocks, which is "
              "chunked";
        candidate = failure();
      }
      if (succeeded(candidate))
        candidates.push_back(*candidate);
      else if (warnNotApplied)
        // The user gave the chunk size: say why at once.
        coco::warnNotApplied(exchange, kSchedule,
                             "exchanged whole before its loop: " + why);
      else
        remarkNotApplied(exchange, kSchedule,
                         "exchanged whole before its loop: " + why);
    });
    if (candidates.empty())
      return markAllAnalysesPreserved();
    for (const Candidate &candidate : candidates)
      rewrite(candidate);
  }
};

} // namespace
