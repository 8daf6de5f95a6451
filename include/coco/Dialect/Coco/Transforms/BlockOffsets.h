//===- BlockOffsets.h - this rank's equal block, as IR ----------*- C++ -*-===//
//
// The offset of this rank's block along a dimension split in equal blocks
// over grid axes is sum over the axes of axis_rank * (the block size of the
// axis's level). coco-localize builds it; coco-update-in-place recognizes
// it (a view at that offset is the block an all_gather fills with this
// rank's own input) and builds it again where a producer needs the view
// before the gather. One rule for both, here: an axis of one rank has no
// term (its rank is 0), so the slice of a one-rank grid is the whole tensor
// at offset 0 and an update writes its parameter in place. Uneven blocks
// take coco.local_block instead (coco_support::balancedBlock's rule,
// computed at run time).
//
//===----------------------------------------------------------------------===//

#ifndef COCO_DIALECT_COCO_TRANSFORMS_BLOCKOFFSETS_H
#define COCO_DIALECT_COCO_TRANSFORMS_BLOCKOFFSETS_H

#include "mlir/IR/Builders.h"
#include "mlir/IR/OpDefinition.h"

#include <optional>

namespace mlir::coco {

/// One term of the offset: axis_rank(axis) * levelSize.
struct BlockOffsetTerm {
  int64_t axis;
  OpFoldResult levelSize;
};

/// An equal block: its offset's terms (outer axis first) and its size.
struct EqualBlock {
  SmallVector<BlockOffsetTerm> terms;
  int64_t size;
};

/// This rank's block along a dimension of `extent` elements split over
/// `axes` (outer to inner) of a grid of `gridExtents`, when every level
/// splits into equal blocks of static size; std::nullopt otherwise (a '?'
/// extent or axis, or a remainder). Axes of one rank get no term.
std::optional<EqualBlock> equalBlock(Builder &b, ArrayRef<int64_t> gridExtents,
                                     ArrayRef<int64_t> axes, int64_t extent);

/// The offset sum(axis_rank * levelSize) over `terms` on grid `grid`, built
/// at `b`'s insertion point; null when there is no term (offset 0).
/// `created`, when given, collects every op made.
Value buildBlockOffset(OpBuilder &b, Location loc, StringRef grid,
                       ArrayRef<BlockOffsetTerm> terms,
                       SmallVectorImpl<Operation *> *created = nullptr);

/// Whether `offset` is buildBlockOffset's sum over `terms` on `grid`: one
/// product per term, in any order, each axis_rank * levelSize either way
/// round.
bool isBlockOffset(Value offset, StringRef grid,
                   ArrayRef<BlockOffsetTerm> terms);

} // namespace mlir::coco

#endif // COCO_DIALECT_COCO_TRANSFORMS_BLOCKOFFSETS_H
