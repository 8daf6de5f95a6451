//===- ShardToCoco.h - upstream shard -> coco -------------------*- C++ -*-===//

#ifndef COCO_CONVERSION_SHARDTOCOCO_SHARDTOCOCO_H
#define COCO_CONVERSION_SHARDTOCOCO_SHARDTOCOCO_H

#include "mlir/Support/LLVM.h"

namespace mlir {
class RankedTensorType;
class RewritePatternSet;
class Operation;
namespace shard {
class Sharding;
} // namespace shard
namespace coco {
class DTensorType;

/// Patterns rewriting the ops upstream's `shard-partition` emits (rank-local
/// tensors, `shard.*` collectives, grid queries, `shard.grid`) into coco's
/// rank-local form, one pattern per op.
void populateShardToCocoConversionPatterns(RewritePatternSet &patterns);

/// The coco distributed tensor a global tensor of `type` is under `sharding`
/// (its split axes become `sliced` placements in the same order, the other
/// grid axes stay replicated), or failure with a diagnostic on `at` when it
/// has no coco placement (halos; shard offsets other than coco's blocks).
FailureOr<DTensorType> distributionOf(Operation *at, RankedTensorType type,
                                      const shard::Sharding &sharding);
} // namespace coco
} // namespace mlir

#endif // COCO_CONVERSION_SHARDTOCOCO_SHARDTOCOCO_H
