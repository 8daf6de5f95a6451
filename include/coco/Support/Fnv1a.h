//===- Fnv1a.h - 64-bit FNV-1a hash ------------------------------*- C++
//-*-===//
//
// The hash ranks compare when they must ask for the same thing (an entry's
// signature, a program's scalars, a block's bytes): the in-process runtime
// (lib/Runtime/Library.cpp) and the host program (lib/Runtime/CocoHost.cpp)
// hash alike. Not cryptographic: it tells apart honest mistakes. Header-only
// and free of MLIR, like Blocks.h.
//
//===----------------------------------------------------------------------===//

#ifndef COCO_SUPPORT_FNV1A_H
#define COCO_SUPPORT_FNV1A_H

#include <cstddef>
#include <cstdint>

namespace coco_support {

constexpr uint64_t kFnv1aOffset = 0xcbf29ce484222325ULL;
constexpr uint64_t kFnv1aPrime = 0x100000001b3ULL;

/// 64-bit FNV-1a over `size` bytes, continuing from `hash`.
inline uint64_t fnv1a(const void *bytes, size_t size,
                      uint64_t hash = kFnv1aOffset) {
  for (size_t i = 0; i < size; ++i)
    hash = (hash ^ static_cast<const unsigned char *>(bytes)[i]) * kFnv1aPrime;
  return hash;
}

} // namespace coco_support

#endif // COCO_SUPPORT_FNV1A_H
