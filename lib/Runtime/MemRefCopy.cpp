//===- MemRefCopy.cpp - memref.copy between strided buffers ---------------===//
//
// `finalize-memref-to-llvm` lowers a memref.copy between buffers that are not
// both contiguous (e.g. a slice of a larger tensor) to a call to `memrefCopy`,
// which upstream ships in libmlir_c_runner_utils. coco programs link only the
// coco runtime, so it provides the function with the same ABI.
//
//===----------------------------------------------------------------------===//

#include "Internal.h"

#include <cstring>
#include <vector>

namespace {
struct UnrankedMemRef {
  int64_t rank;
  void *descriptor;
};

/// The fields of a ranked descriptor of `rank` dimensions.
struct DescriptorView {
  char *aligned;
  int64_t offset;
  const int64_t *sizes;
  const int64_t *strides;

  DescriptorView(const UnrankedMemRef &memref) {
    auto *fields = static_cast<char *>(memref.descriptor);
    std::memcpy(&aligned, fields + sizeof(void *), sizeof(void *));
    std::memcpy(&offset, fields + 2 * sizeof(void *), sizeof(int64_t));
    sizes = reinterpret_cast<const int64_t *>(fields + 2 * sizeof(void *) +
                                              sizeof(int64_t));
    strides = sizes + memref.rank;
  }
};
} // namespace

extern "C" __attribute__((visibility("default"))) void
memrefCopy(int64_t elementSize, UnrankedMemRef *source,
           UnrankedMemRef *target) {
  int64_t rank = source->rank;
  DescriptorView from(*source), to(*target);
  char *src = from.aligned + from.offset * elementSize;
  char *dst = to.aligned + to.offset * elementSize;
  if (rank == 0) {
    std::memcpy(dst, src, elementSize);
    return;
  }
  for (int64_t d = 0; d < rank; ++d)
    if (from.sizes[d] == 0)
      return;
  // Walk every index; copy the innermost dimension as a run when both sides
  // are contiguous along it.
  int64_t inner = rank - 1;
  bool innerContiguous = from.strides[inner] == 1 && to.strides[inner] == 1;
  std::vector<int64_t> index(rank, 0);
  while (true) {
    int64_t srcOffset = 0, dstOffset = 0;
    for (int64_t d = 0; d < inner; ++d) {
      srcOffset += index[d] * from.strides[d];
      dstOffset += index[d] * to.strides[d];
    }
    if (innerContiguous) {
      std::memcpy(dst + dstOffset * elementSize, src + srcOffset * elementSize,
                  from.sizes[inner] * elementSize);
    } else {
      for (int64_t i = 0; i < from.sizes[inner]; ++i)
        std::memcpy(dst + (dstOffset + i * to.strides[inner]) * elementSize,
                    src + (srcOffset + i * from.strides[inner]) * elementSize,
                    elementSize);
    }
    int64_t d = inner - 1;
    for (; d >= 0; --d) {
      if (++index[d] < from.sizes[d])
        break;
      index[d] = 0;
    }
    if (d < 0)
      return;
  }
}
