//===- PlacementText.h - a placement as the tensor's type spells it -------===//
//
// What the host program and in-process calls print for a tensor's
// placement on one grid axis: "replicated", "local", "sliced<D>", and
// " within A" where the tensor's dimensions are split in another order than
// the grid's (as DTensorType's printer writes it). Without the `within`, two
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
  // As DTensorType's printer: once any dimension is split in another order
  // than the grid's (ascending axes), every axis below another one on its
  // dimension names it; else none does. sliceOrder lists each dimension's
  // axes, outer to inner, dimension after dimension.
  auto dimensionAt = [&](int64_t level) {
    int64_t other = sliceOrder[level];
    return other >= 0 && other < gridRank ? placements[other] : int64_t(-1);
  };
  auto sameDimension = [&](int64_t level, int64_t dim) {
    return dim >= 0 && dimensionAt(level) == dim;
  };
  bool gridOrder = true;
  for (int64_t level = 1; level < numLevels; ++level)
    if (sameDimension(level - 1, dimensionAt(level)) &&
        sliceOrder[level - 1] > sliceOrder[level])
      gridOrder = false;
  if (gridOrder)
    return name;
  for (int64_t level = 1; level < numLevels; ++level)
    if (sliceOrder[level] == axis && sameDimension(level - 1, code))
      name += " within " + std::to_string(sliceOrder[level - 1]);
  return name;
}

} // namespace coco::rt

#endif // COCO_LIB_RUNTIME_PLACEMENTTEXT_H
