//===- PlacementText.h - a placement as the tensor's type spells it -------===//
//
// What the host program and in-process calls print for a tensor's
// placement on one grid axis: "replicated", "local", "sliced<D>", and
// " within A" where the axes slicing D split it in another order than the
// grid's (as DTensorType's printer writes it). Without the `within`, two
// layouts that give ranks different rows read the same
// ([sliced<0> within 1, sliced<0>] against [sliced<0>, sliced<0>]).
//
//===----------------------------------------------------------------------===//

#ifndef COCO_LIB_RUNTIME_PLACEMENTTEXT_H
#define COCO_LIB_RUNTIME_PLACEMENTTEXT_H

#include "coco/Runtime/CocoRuntime.h"

#include <cstdint>
#include <string>
#include <vector>

namespace coco::rt {

/// The placement on grid axis `axis` of a tensor with one placement code
/// per axis (`placements`, `gridRank` of them) and the slicing axes of
/// every dimension, outer to inner (`sliceOrder`, CocoTensorSpec's
/// slice_order).
inline std::string placementName(const int64_t *placements, int64_t gridRank,
                                 const int64_t *sliceOrder, int64_t numLevels,
                                 int64_t axis) {
  int64_t code = placements[axis];
  if (code == COCO_PLACEMENT_REPLICATED)
    return "replicated";
  if (code == COCO_PLACEMENT_LOCAL)
    return "local";
  std::string name = "sliced<" + std::to_string(code) + ">";
  // The axes slicing dimension `code`, outer to inner; grid order is
  // ascending, and the type names no order then.
  std::vector<int64_t> levels;
  for (int64_t level = 0; level < numLevels; ++level) {
    int64_t other = sliceOrder[level];
    if (other >= 0 && other < gridRank && placements[other] == code)
      levels.push_back(other);
  }
  bool gridOrder = true;
  for (size_t level = 1; level < levels.size(); ++level)
    gridOrder = gridOrder && levels[level - 1] < levels[level];
  for (size_t level = 1; level < levels.size() && !gridOrder; ++level)
    if (levels[level] == axis)
      name += " within " + std::to_string(levels[level - 1]);
  return name;
}

} // namespace coco::rt

#endif // COCO_LIB_RUNTIME_PLACEMENTTEXT_H
