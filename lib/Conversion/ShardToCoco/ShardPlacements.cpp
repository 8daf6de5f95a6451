//===- ShardPlacements.cpp - an entry's shardings as coco placements ------===//
//
// upstream's shard-partition turns a sharded entry function into one over
// rank-local blocks and forgets how the blocks make up the global tensors.
// Run before it, this pass records, on each argument and result that a
// `shard.shard` annotates, the coco distributed tensor it is
// (`coco.distribution`): split axes become `sliced` placements (several axes
// on one dim keep their order), other axes stay replicated. The host program
// coco-compile builds then feeds global inputs and cuts each rank's block.
//
//===----------------------------------------------------------------------===//

#include "coco/Conversion/Passes.h"
#include "coco/Conversion/ShardToCoco/ShardToCoco.h"
#include "coco/Dialect/Coco/IR/CocoOps.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/Shard/IR/ShardOps.h"

namespace mlir::coco {
#define GEN_PASS_DEF_COCOSHARDPLACEMENTSPASS
#include "coco/Conversion/Passes.h.inc"
} // namespace mlir::coco

using namespace mlir;
using namespace mlir::coco;

/// The attribute holding an entry argument's or result's distribution.
static constexpr StringLiteral kDistributionAttr = "coco.distribution";

FailureOr<DTensorType>
mlir::coco::distributionOf(Operation *at, RankedTensorType type,
                           const shard::Sharding &sharding) {
  if (!type.hasStaticShape())
    return at->emitOpError()
           << "shards " << type << ": coco places tensors of static shape only";
  if (!sharding.getStaticHaloSizes().empty() ||
      !sharding.getDynamicHaloSizes().empty())
    return at->emitOpError() << "shards with halos, which no coco placement "
                                "describes";
  auto grid = SymbolTable::lookupNearestSymbolFrom<shard::GridOp>(
      at, sharding.getGridAttr());
  if (!grid)
    return at->emitOpError()
           << "refers to unknown grid " << sharding.getGridAttr();
  SmallVector<Placement> placements(grid.getRank(), Placement::replicated());
  SmallVector<int64_t> order;
  ArrayRef<int64_t> offsets = sharding.getStaticShardedDimsOffsets();
  size_t nextOffset = 0;
  for (auto [dim, axes] : llvm::enumerate(sharding.getSplitAxes())) {
    ArrayRef<int16_t> list = axes.asArrayRef();
    if (list.empty())
      continue;
    if ((int64_t)dim >= type.getRank())
      return at->emitOpError() << "splits dimension " << dim << " of a rank-"
                               << type.getRank() << " tensor";
    // The product of the axes' extents, or dynamic if one is '?'.
    int64_t shards = 1;
    for (int16_t axis : list) {
      if (axis < 0 || axis >= grid.getRank() ||
          !placements[axis].isReplicated())
        return at->emitOpError()
               << "splits over grid axis " << axis
               << ", which is out of range or splits another dimension";
      placements[axis] = Placement::sliced(dim);
      order.push_back(axis);
      int64_t extent = grid.getShape()[axis];
      shards = ShapedType::isDynamic(shards) || ShapedType::isDynamic(extent)
                   ? ShapedType::kDynamic
                   : shards * extent;
    }
    // Explicit shard offsets are accepted where they are coco's blocks (a
    // dim split over one axis of static extent).
    if (!offsets.empty()) {
      int64_t extent = type.getDimSize(dim);
      bool same = list.size() == 1 && !ShapedType::isDynamic(shards) &&
                  nextOffset + shards + 1 <= offsets.size();
      for (int64_t i = 0; same && i <= shards; ++i)
        same = offsets[nextOffset + i] ==
               (i == shards ? extent : balancedBlock(extent, shards, i).first);
      if (!same)
        return at->emitOpError()
               << "shards dimension " << dim
               << " at explicit offsets other than coco's blocks (n / R "
                  "each, one more for the first n % R)";
      nextOffset += shards + 1;
    }
  }
  auto cocoGrid = FlatSymbolRefAttr::get(at->getContext(), grid.getSymName());
  // Checked: an element type no coco tensor has (ui8, i16) is an error
  // here, not a coco.distribution that no parser takes back.
  DTensorType distribution = DTensorType::getCanonicalChecked(
      [&] {
        return at->emitOpError()
               << "shards " << type << ", which no coco tensor can be: ";
      },
      at->getContext(), type.getShape(), type.getElementType(), cocoGrid,
      placements, order);
  if (!distribution)
    return failure();
  return distribution;
}

namespace {
/// The sharding a `shard.shard` of `value` gives it, if one annotates it
/// (null if none does).
FailureOr<shard::ShardOp> annotation(Value value) {
  for (Operation *user : value.getUsers())
    if (auto shardOp = dyn_cast<shard::ShardOp>(user);
        shardOp && !shardOp.getAnnotateForUsers())
      return shardOp;
  if (auto shardOp = value.getDefiningOp<shard::ShardOp>())
    return shardOp;
  // An argument annotated only for its users: upstream's shard-partition
  // types an argument by its one shard.shard user, annotate_for_users or
  // not, so that sharding is the argument's block. (In the order they are
  // written, for the message.)
  auto arg = dyn_cast<BlockArgument>(value);
  if (!arg)
    return shard::ShardOp();
  SmallVector<shard::ShardOp> forUsers;
  arg.getOwner()->getParent()->walk([&](shard::ShardOp shardOp) {
    if (shardOp.getSrc() == value)
      forUsers.push_back(shardOp);
  });
  if (forUsers.empty())
    return shard::ShardOp();
  for (shard::ShardOp other : ArrayRef(forUsers).drop_front())
    if (shard::Sharding(other.getSharding()) !=
        shard::Sharding(forUsers.front().getSharding())) {
      InFlightDiagnostic diag =
          other.emitOpError()
          << "annotates an entry argument for its users with another "
             "sharding than a second annotation of it does (noted): which "
             "one it arrives in is unclear; annotate the argument itself "
             "(shard.shard without annotate_for_users)";
      diag.attachNote(forUsers.front().getLoc()) << "the other annotation";
      return diag;
    }
  return forUsers.front();
}

struct CocoShardPlacementsPass
    : public coco::impl::CocoShardPlacementsPassBase<CocoShardPlacementsPass> {
  void runOnOperation() override {
    for (auto function : getOperation().getOps<func::FuncOp>()) {
      if (function.isExternal() || !function.isPublic())
        continue;
      auto record = [&](Value value, Type type, auto set) -> LogicalResult {
        auto tensor = dyn_cast<RankedTensorType>(type);
        if (!tensor)
          return success();
        FailureOr<shard::ShardOp> shardOp = annotation(value);
        if (failed(shardOp))
          return failure();
        if (!*shardOp)
          return success();
        // shard::Sharding reads the op that made the sharding: a block
        // argument or a shard.get_sharding has none to read.
        if (!shardOp->getSharding().getDefiningOp<shard::ShardingOp>())
          return shardOp->emitOpError()
                 << "takes its sharding from a shard.sharding op here: a "
                    "sharding that is an argument or comes from "
                    "shard.get_sharding cannot become the entry's placement";
        FailureOr<DTensorType> distribution = distributionOf(
            *shardOp, tensor, shard::Sharding(shardOp->getSharding()));
        if (failed(distribution))
          return failure();
        set(TypeAttr::get(*distribution));
        return success();
      };
      for (BlockArgument arg : function.getArguments())
        if (failed(record(arg, arg.getType(), [&](TypeAttr attr) {
              function.setArgAttr(arg.getArgNumber(), kDistributionAttr, attr);
            })))
          return signalPassFailure();
      // Results: the value each return operand is (annotated before it).
      function.walk([&](func::ReturnOp ret) {
        for (auto [i, operand] : llvm::enumerate(ret.getOperands()))
          if (failed(record(operand, operand.getType(), [&](TypeAttr attr) {
                function.setResultAttr(i, kDistributionAttr, attr);
              })))
            return signalPassFailure();
      });
    }
  }
};
} // namespace
