//===- HugePages.h - large host blocks on transparent huge pages -*- C++
//-*-===//
//
// How the CPU runtime allocates a large block (lib/Runtime/Allocator.cpp:
// compiled code's buffers and the host program's tensors), and how
// coco-calibrate allocates what it measures, so that the machine profile
// is taken on memory like the programs'. Blocks of 2 MiB or more are
// aligned to and rounded up to 2 MiB and asked to be backed by transparent
// huge pages (Linux's default THP mode, "madvise", gives them only to
// regions that ask): MPI's single-copy transfers between ranks of a host
// (CMA) pin every page they copy, and loops over tens of MiB miss the TLB on
// every 4 KiB page. Adam, SGD and LAMB at 16M f32 on 2 ranks ran 1.3-2x
// faster (COCO_HUGE_PAGES=1 against 0, alternating launches). Where THP is
// off, madvise fails and the block is plain memory. COCO_HUGE_PAGES=0 turns
// it off. Header-only and free of MLIR, like Blocks.h.
//
//===----------------------------------------------------------------------===//

#ifndef COCO_SUPPORT_HUGEPAGES_H
#define COCO_SUPPORT_HUGEPAGES_H

#include <cstddef>
#include <cstdlib>
#include <cstring>

#include <sys/mman.h>

namespace coco_support {

constexpr size_t kHugePageBytes = size_t(2) << 20;

/// COCO_HUGE_PAGES as set, or null where it is unset or empty.
inline const char *hugePagesSetting() {
  const char *value = std::getenv("COCO_HUGE_PAGES");
  return value && *value ? value : nullptr;
}

/// The values COCO_HUGE_PAGES takes: 0 and 1 (the CPU runtime refuses
/// others at start-up, lib/Runtime/Context.cpp).
inline bool isHugePagesSettingValid(const char *value) {
  return !std::strcmp(value, "0") || !std::strcmp(value, "1");
}

/// COCO_HUGE_PAGES=0 turns huge pages off (on by default).
inline bool hugePagesWanted() {
  static const bool wanted = [] {
    const char *value = hugePagesSetting();
    return !value || std::strcmp(value, "0") != 0;
  }();
  return wanted;
}

/// A block of at least `size` bytes, page-aligned (2 MiB-aligned and on
/// huge pages from 2 MiB), to be released with std::free; null when out of
/// memory.
inline void *allocateHostBlock(size_t size) {
  if (size >= kHugePageBytes && hugePagesWanted()) {
    size_t rounded =
        (size + kHugePageBytes - 1) / kHugePageBytes * kHugePageBytes;
    void *block = std::aligned_alloc(kHugePageBytes, rounded);
    if (block)
      madvise(block, rounded, MADV_HUGEPAGE);
    return block;
  }
  return std::aligned_alloc(4096, (size + 4095) / 4096 * 4096);
}

} // namespace coco_support

#endif // COCO_SUPPORT_HUGEPAGES_H
