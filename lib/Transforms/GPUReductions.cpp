//===- GPUReductions.cpp - reductions to a scalar as GPU kernels ----------===//
//
// A linalg op whose loops are all reductions (LAMB's ||w||^2 =
// sum(w * w), a loss) has no parallel loop to map onto threads: lowered as
// the rest of linalg, it would run on the host over managed memory, pulling
// every page of its inputs off the GPU. Here it becomes two kernels:
//
//   1. G = min(ceil(N / B), max-blocks) blocks of B threads walk the N
//      iterations grid-stride, each thread folding its elements with the
//      op's own payload (so whatever it computes per element, w * w,
//      |x - y|, runs there), then gpu.all_reduce combines a block's threads
//      and thread 0 stores the block's partial;
//   2. one block combines the G partials and folds them into the output's
//      old value (linalg's semantics: the output is the initial value).
//
// The order of the combination depends only on N, B and max-blocks, so a
// run is reproducible bit for bit (no atomics). The payload must be
// `yield combine(out, f(inputs))` with a combiner gpu.all_reduce knows (add,
// mul, min/max of all kinds, and, or, xor) and a 32/64-bit element type the
// shuffles move; other reductions are left as they are.
//
//===----------------------------------------------------------------------===//

#include "coco/Transforms/Passes.h"

#include "mlir/Dialect/Affine/IR/AffineOps.h"
#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/GPU/IR/GPUDialect.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/IR/IRMapping.h"

#include "llvm/ADT/TypeSwitch.h"

namespace mlir::coco {
#define GEN_PASS_DEF_COCOGPUREDUCTIONSPASS
#include "coco/Transforms/Passes.h.inc"
} // namespace mlir::coco

using namespace mlir;

namespace {
/// What gpu.all_reduce calls the combiner `op`, if it knows it.
std::optional<gpu::AllReduceOperation> allReduceKind(Operation *op) {
  using Kind = gpu::AllReduceOperation;
  return TypeSwitch<Operation *, std::optional<Kind>>(op)
      .Case([](arith::AddFOp) { return Kind::ADD; })
      .Case([](arith::AddIOp) { return Kind::ADD; })
      .Case([](arith::MulFOp) { return Kind::MUL; })
      .Case([](arith::MulIOp) { return Kind::MUL; })
      .Case([](arith::MaximumFOp) { return Kind::MAXIMUMF; })
      .Case([](arith::MinimumFOp) { return Kind::MINIMUMF; })
      .Case([](arith::MaxNumFOp) { return Kind::MAXNUMF; })
      .Case([](arith::MinNumFOp) { return Kind::MINNUMF; })
      .Case([](arith::MaxSIOp) { return Kind::MAXSI; })
      .Case([](arith::MinSIOp) { return Kind::MINSI; })
      .Case([](arith::MaxUIOp) { return Kind::MAXUI; })
      .Case([](arith::MinUIOp) { return Kind::MINUI; })
      .Case([](arith::AndIOp) { return Kind::AND; })
      .Case([](arith::OrIOp) { return Kind::OR; })
      .Case([](arith::XOrIOp) { return Kind::XOR; })
      .Default([](Operation *) { return std::nullopt; });
}

/// A reduction this pass lowers: its combiner (the op yielding the new
/// accumulator, the output's only use) and that combiner's kind.
struct ScalarReduction {
  linalg::LinalgOp op;
  Operation *combiner;
  gpu::AllReduceOperation kind;
};

std::optional<ScalarReduction> matchScalarReduction(linalg::LinalgOp op) {
  if (!op.hasPureBufferSemantics() || op.getNumDpsInits() != 1 ||
      op.getNumLoops() == 0 || op.getNumReductionLoops() != op.getNumLoops() ||
      op->getNumRegions() != 1)
    return std::nullopt;
  OpOperand *init = op.getDpsInitOperand(0);
  auto outType = dyn_cast<MemRefType>(init->get().getType());
  if (!outType || outType.getRank() != 0)
    return std::nullopt;
  Type element = outType.getElementType();
  if (!element.isF32() && !element.isF64() && !element.isInteger(32) &&
      !element.isInteger(64))
    return std::nullopt;
  for (OpOperand *input : op.getDpsInputOperands())
    if (!isa<MemRefType>(input->get().getType()))
      return std::nullopt;
  Block &body = op->getRegion(0).front();
  BlockArgument accumulator = op.getMatchingBlockArgument(init);
  auto yield = cast<linalg::YieldOp>(body.getTerminator());
  Operation *combiner = yield.getValues()[0].getDefiningOp();
  if (!combiner || combiner->getBlock() != &body || !accumulator.hasOneUse() ||
      *accumulator.getUsers().begin() != combiner ||
      combiner->getNumOperands() != 2 || combiner->getNumResults() != 1 ||
      !combiner->getResult(0).hasOneUse())
    return std::nullopt;
  std::optional<gpu::AllReduceOperation> kind = allReduceKind(combiner);
  if (!kind || !arith::getNeutralElement(combiner))
    return std::nullopt;
  return ScalarReduction{op, combiner, *kind};
}

/// `combiner` applied to `lhs` and `rhs`.
Value combine(OpBuilder &builder, Operation *combiner, Value lhs, Value rhs) {
  IRMapping mapping;
  mapping.map(combiner->getOperand(0), lhs);
  mapping.map(combiner->getOperand(1), rhs);
  return builder.clone(*combiner, mapping)->getResult(0);
}

/// A gpu.launch of `blocks` x `threads` (x only); `body` fills it.
void launch(OpBuilder &builder, Location loc, Value blocks, Value threads,
            function_ref<void(OpBuilder &, gpu::LaunchOp)> body) {
  Value one = arith::ConstantIndexOp::create(builder, loc, 1);
  auto kernel =
      gpu::LaunchOp::create(builder, loc, blocks, one, one, threads, one, one);
  OpBuilder inner = OpBuilder::atBlockBegin(&kernel.getBody().front());
  body(inner, kernel);
  gpu::TerminatorOp::create(inner, loc);
}

/// The block's combined value of every thread's `value`, stored by thread 0
/// into `buffer`[`indices`] (after combining with what is there if `fold`).
void storeBlockResult(OpBuilder &builder, Location loc,
                      const ScalarReduction &reduction, gpu::LaunchOp kernel,
                      Value value, Value buffer, ValueRange indices,
                      bool fold) {
  Value total = gpu::AllReduceOp::create(
      builder, loc, value,
      gpu::AllReduceOperationAttr::get(builder.getContext(), reduction.kind),
      /*uniform=*/true);
  Value zero = arith::ConstantIndexOp::create(builder, loc, 0);
  Value first = arith::CmpIOp::create(builder, loc, arith::CmpIPredicate::eq,
                                      kernel.getThreadIds().x, zero);
  auto ifFirst = scf::IfOp::create(builder, loc, first, /*withElse=*/false);
  OpBuilder then = ifFirst.getThenBodyBuilder();
  if (fold) {
    Value old = memref::LoadOp::create(then, loc, buffer, indices);
    total = combine(then, reduction.combiner, old, total);
  }
  memref::StoreOp::create(then, loc, total, buffer, indices);
}

void lowerToKernels(const ScalarReduction &reduction, int64_t blockSize,
                    int64_t maxBlocks) {
  linalg::LinalgOp op = reduction.op;
  Location loc = op.getLoc();
  OpBuilder builder(op);
  Value output = op.getDpsInitOperand(0)->get();
  Type element = cast<MemRefType>(output.getType()).getElementType();
  auto identityAttr = arith::getNeutralElement(reduction.combiner);
  Value identity = arith::ConstantOp::create(builder, loc, *identityAttr);

  // Loop sizes and the flat iteration count N.
  SmallVector<Range> ranges = op.createLoopRanges(builder, loc);
  SmallVector<Value> sizes;
  Value count;
  for (Range &range : ranges) {
    Value size = getValueOrCreateConstantIndexOp(builder, loc, range.size);
    sizes.push_back(size);
    count = count ? arith::MulIOp::create(builder, loc, count, size) : size;
  }

  Value threads = arith::ConstantIndexOp::create(builder, loc, blockSize);
  Value one = arith::ConstantIndexOp::create(builder, loc, 1);
  Value blocks = arith::MaxSIOp::create(
      builder, loc,
      arith::MinSIOp::create(
          builder, loc,
          arith::CeilDivSIOp::create(builder, loc, count, threads),
          arith::ConstantIndexOp::create(builder, loc, maxBlocks)),
      one);
  Value partials = memref::AllocOp::create(
      builder, loc, MemRefType::get({ShapedType::kDynamic}, element),
      ValueRange{blocks});

  // 1. Every thread folds its elements grid-stride; one partial per block.
  launch(builder, loc, blocks, threads, [&](OpBuilder &b, gpu::LaunchOp k) {
    Value start = arith::AddIOp::create(
        b, loc, arith::MulIOp::create(b, loc, k.getBlockIds().x, threads),
        k.getThreadIds().x);
    Value stride = arith::MulIOp::create(b, loc, blocks, threads);
    auto loop = scf::ForOp::create(b, loc, start, count, stride, identity);
    OpBuilder l = OpBuilder::atBlockBegin(loop.getBody());
    // Flat index -> loop indices (row-major, the last loop fastest).
    SmallVector<Value> ivs(sizes.size());
    Value rest = loop.getInductionVar();
    for (int64_t d = sizes.size() - 1; d > 0; --d) {
      ivs[d] = arith::RemSIOp::create(l, loc, rest, sizes[d]);
      rest = arith::DivSIOp::create(l, loc, rest, sizes[d]);
    }
    ivs[0] = rest;
    // The payload, on loaded inputs and the running accumulator.
    IRMapping mapping;
    for (OpOperand *input : op.getDpsInputOperands()) {
      AffineMap map = op.getMatchingIndexingMap(input);
      SmallVector<Value> indices;
      for (unsigned r = 0; r < map.getNumResults(); ++r) {
        if (auto dim = dyn_cast<AffineDimExpr>(map.getResult(r)))
          indices.push_back(ivs[dim.getPosition()]);
        else
          indices.push_back(
              affine::AffineApplyOp::create(l, loc, map.getSubMap({r}), ivs));
      }
      mapping.map(op.getMatchingBlockArgument(input),
                  memref::LoadOp::create(l, loc, input->get(), indices));
    }
    mapping.map(op.getMatchingBlockArgument(op.getDpsInitOperand(0)),
                loop.getRegionIterArg(0));
    Block &payload = op->getRegion(0).front();
    for (Operation &inner : payload.without_terminator()) {
      if (auto index = dyn_cast<linalg::IndexOp>(inner)) {
        mapping.map(index.getResult(), ivs[index.getDim()]);
        continue;
      }
      l.clone(inner, mapping);
    }
    Value next = mapping.lookup(
        cast<linalg::YieldOp>(payload.getTerminator()).getValues()[0]);
    scf::YieldOp::create(l, loc, next);
    storeBlockResult(b, loc, reduction, k, loop.getResult(0), partials,
                     k.getBlockIds().x, /*fold=*/false);
  });

  // 2. One block folds the partials into the output.
  launch(builder, loc, one, threads, [&](OpBuilder &b, gpu::LaunchOp k) {
    auto loop = scf::ForOp::create(b, loc, k.getThreadIds().x, blocks, threads,
                                   identity);
    OpBuilder l = OpBuilder::atBlockBegin(loop.getBody());
    Value partial =
        memref::LoadOp::create(l, loc, partials, loop.getInductionVar());
    scf::YieldOp::create(
        l, loc,
        combine(l, reduction.combiner, loop.getRegionIterArg(0), partial));
    storeBlockResult(b, loc, reduction, k, loop.getResult(0), output,
                     ValueRange{}, /*fold=*/true);
  });
  memref::DeallocOp::create(builder, loc, partials);
  op->erase();
}

struct CocoGPUReductionsPass
    : public coco::impl::CocoGPUReductionsPassBase<CocoGPUReductionsPass> {
  using CocoGPUReductionsPassBase::CocoGPUReductionsPassBase;

  LogicalResult initialize(MLIRContext *context) override {
    int64_t threads = blockSize, blocks = maxBlocks;
    if (threads < 32 || threads > 1024 || threads % 32 != 0)
      return emitError(UnknownLoc::get(context))
             << "coco-gpu-reductions: block-size must be a multiple of 32 "
                "in 32..1024 (whole warps, for gpu.all_reduce), got "
             << threads;
    if (blocks < 1)
      return emitError(UnknownLoc::get(context))
             << "coco-gpu-reductions: max-blocks must be at least 1, got "
             << blocks;
    return success();
  }

  void runOnOperation() override {
    SmallVector<ScalarReduction> reductions;
    getOperation().walk([&](linalg::LinalgOp op) {
      // Not inside kernels already: only host code launches.
      if (op->getParentOfType<gpu::LaunchOp>())
        return;
      if (std::optional<ScalarReduction> match = matchScalarReduction(op))
        reductions.push_back(*match);
    });
    for (const ScalarReduction &reduction : reductions)
      lowerToKernels(reduction, blockSize, maxBlocks);
  }
};
} // namespace
