//===- Blocks.h - how a dimension splits over ranks -------------*- C++ -*-===//
//
// The one rule every part of coco cuts blocks by: the compiler's types and
// shard import, the runtime's per-rank counts and the host's inputs. (The
// IR that computes a block at run time, in Localize and the lowering of
// coco.local_block, spells the same arithmetic out as ops.) Header-only and
// free of MLIR, so the runtime can use it; in its own namespace, since a
// top-level `coco` would make `coco::` ambiguous next to `mlir::coco` in
// every compiler file that uses namespace mlir.
//
//===----------------------------------------------------------------------===//

#ifndef COCO_SUPPORT_BLOCKS_H
#define COCO_SUPPORT_BLOCKS_H

#include <algorithm>
#include <cstdint>
#include <utility>

namespace coco_support {

/// Block `index` of a dimension of `extent` elements split over `parts`
/// ranks: `extent / parts` elements, one more for the first `extent % parts`
/// blocks (numpy's array_split). Returns {offset, size}. A dimension split
/// over several grid axes applies this level by level, outer to inner, each
/// level to the block the level above left.
inline std::pair<int64_t, int64_t> balancedBlock(int64_t extent, int64_t parts,
                                                 int64_t index) {
  int64_t base = extent / parts, extra = extent % parts;
  return {index * base + std::min(index, extra), base + (index < extra)};
}

} // namespace coco_support

#endif // COCO_SUPPORT_BLOCKS_H
