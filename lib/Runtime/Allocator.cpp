//===- Allocator.cpp - buffers of compiled code, reused across calls ------===//
//
// Compiled coco code allocates its temporaries with memref.alloc, lowered
// (finalize-memref-to-llvm{use-generic-functions}) to the functions below.
// glibc serves large blocks with mmap and unmaps them on free, so a step
// called in a loop would page-fault on every fresh buffer of every call;
// for 16M-element tensors that costs more than the arithmetic. Large freed
// blocks are kept here, per exact size, and handed out again (as a caching
// allocator in a framework does). Small blocks go to malloc.
//
// Built into the GPU runtime (COCO_RUNTIME_GPU), every block is CUDA managed
// memory, cached the same way: host code, generated kernels, NCCL and cuBLAS
// all use the buffers, and cudaMallocManaged is far too slow to call per
// step.
//
//===----------------------------------------------------------------------===//

#include "Internal.h"

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <mutex>
#include <unordered_map>
#include <vector>

#ifdef COCO_RUNTIME_GPU
#include "GPU/Device.h"
#else
#include "coco/Support/HugePages.h"
#endif

namespace {
#ifdef COCO_RUNTIME_GPU
constexpr size_t kCachedFrom = 0;

void *systemAllocate(size_t size) {
  coco::rt::gpu::ensureDevice();
  void *block = nullptr;
  coco::rt::gpu::checkCuda(
      cudaMallocManaged(&block, size ? size : 1, cudaMemAttachGlobal),
      "cudaMallocManaged (buffer of compiled code)");
  return block;
}
#else
constexpr size_t kCachedFrom = 64 * 1024;

void *systemAllocate(size_t size) {
  // Page-aligned (any alignment compiled code asks for), and from 2 MiB on
  // transparent huge pages (coco/Support/HugePages.h says why).
  return coco_support::allocateHostBlock(size);
}
#endif

struct Cache {
  std::mutex mutex;
  std::unordered_map<void *, size_t> live;              // large blocks in use
  std::unordered_map<size_t, std::vector<void *>> free; // by size
};

Cache &cache() {
  static Cache *instance = new Cache(); // never destroyed: used at exit
  return *instance;
}

void *allocate(size_t size, size_t alignment) {
  if (kCachedFrom > 0 && size < kCachedFrom)
    return alignment ? std::aligned_alloc(alignment, (size + alignment - 1) /
                                                         alignment * alignment)
                     : std::malloc(size);
  Cache &c = cache();
  std::lock_guard<std::mutex> lock(c.mutex);
  auto &blocks = c.free[size];
  void *block = nullptr;
  if (!blocks.empty()) {
    block = blocks.back();
    blocks.pop_back();
  } else {
    block = systemAllocate(size);
    if (!block)
      return nullptr;
  }
  c.live[block] = size;
  return block;
}
} // namespace

namespace {
/// The compiled code uses what it gets: a null buffer was a segfault at
/// address 0 with no word of memory.
void *allocateOrEnd(size_t size, size_t alignment) {
  void *block = allocate(size, alignment);
  if (!block && size > 0)
    coco::rt::fatalf(nullptr, "out of memory allocating %zu bytes", size);
  return block;
}
} // namespace

extern "C" __attribute__((visibility("default"))) void *
_mlir_memref_to_llvm_alloc(size_t size) {
  return allocateOrEnd(size, 0);
}

extern "C" __attribute__((visibility("default"))) void *
_mlir_memref_to_llvm_aligned_alloc(size_t alignment, size_t size) {
  return allocateOrEnd(size, alignment);
}

extern "C" __attribute__((visibility("default"))) void
_mlir_memref_to_llvm_free(void *ptr) {
  if (!ptr)
    return;
  Cache &c = cache();
  {
    std::lock_guard<std::mutex> lock(c.mutex);
    auto it = c.live.find(ptr);
    if (it != c.live.end()) {
      c.free[it->second].push_back(ptr);
      c.live.erase(it);
      return;
    }
  }
  std::free(ptr);
}
