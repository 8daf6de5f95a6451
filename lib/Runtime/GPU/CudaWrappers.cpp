//===- CudaWrappers.cpp - host functions of gpu-to-llvm code --------------===//
//
// MLIR's gpu-to-llvm lowering and the gpu.binary translation emit calls to
// mgpu* functions (module load from the embedded cubin/fatbin, kernel
// launch, streams, events, memory). Debian's MLIR ships no runtime library
// defining them, so coco's GPU runtime does, on the CUDA driver and runtime
// APIs, with the runtime's error reporting. Signatures follow the calls the
// lowering emits (see test/Pipelines/coco-lower-to-gpu.mlir,
// test/Target/GPU/gpu-executable.test and docs/GPU.md).
//
//===----------------------------------------------------------------------===//

#include "Device.h"

#include "../Internal.h"

#include <cstddef>
#include <cstdint>

using namespace coco::rt;
using namespace coco::rt::gpu;

#define COCO_GPU_EXPORT extern "C" __attribute__((visibility("default")))

namespace {
/// The ranked descriptor behind an unranked memref's pointer.
struct Descriptor {
  char *allocated;
  char *aligned;
  int64_t offset;
  int64_t sizes[];
};
} // namespace

namespace {
/// Resolved while loading: modules are unloaded from global destructors,
/// after the CUDA runtime may have begun its own teardown, when looking the
/// function up (or reporting an error) is no longer possible.
decltype(&cuModuleUnload) moduleUnload = nullptr;
} // namespace

COCO_GPU_EXPORT void *mgpuModuleLoad(void *data, size_t /*size*/) {
  ensureDevice();
  moduleUnload = COCO_CU(cuModuleUnload);
  CUmodule module = nullptr;
  checkCu(COCO_CU(cuModuleLoadData)(&module, data),
          "cuModuleLoadData (kernel binary)");
  return module;
}

COCO_GPU_EXPORT void *mgpuModuleLoadJIT(void *data, int optLevel) {
  ensureDevice();
  moduleUnload = COCO_CU(cuModuleUnload);
  CUmodule module = nullptr;
  CUjit_option options[] = {CU_JIT_OPTIMIZATION_LEVEL};
  void *values[] = {reinterpret_cast<void *>(intptr_t(optLevel))};
  checkCu(COCO_CU(cuModuleLoadDataEx)(&module, data, 1, options, values),
          "cuModuleLoadDataEx (PTX JIT)");
  return module;
}

COCO_GPU_EXPORT void mgpuModuleUnload(void *module) {
  // At exit the context may already be gone: nothing to report then.
  if (moduleUnload)
    moduleUnload(static_cast<CUmodule>(module));
}

COCO_GPU_EXPORT void *mgpuModuleGetFunction(void *module, const char *name) {
  CUfunction function = nullptr;
  checkCu(COCO_CU(cuModuleGetFunction)(&function, static_cast<CUmodule>(module),
                                       name),
          "cuModuleGetFunction");
  return function;
}

COCO_GPU_EXPORT void mgpuLaunchKernel(void *function, intptr_t gridX,
                                      intptr_t gridY, intptr_t gridZ,
                                      intptr_t blockX, intptr_t blockY,
                                      intptr_t blockZ, int32_t smem,
                                      void *stream, void **params, void **extra,
                                      size_t /*paramsCount*/) {
  // A rank whose block is empty (uneven sizes: rank 3 of 4 may hold no
  // column) gets a grid of 0 blocks, which CUDA refuses to launch
  // (CUDA_ERROR_INVALID_VALUE): there is nothing to run.
  if (gridX == 0 || gridY == 0 || gridZ == 0 || blockX == 0 || blockY == 0 ||
      blockZ == 0)
    return;
  checkCu(COCO_CU(cuLaunchKernel)(
              static_cast<CUfunction>(function), unsigned(gridX),
              unsigned(gridY), unsigned(gridZ), unsigned(blockX),
              unsigned(blockY), unsigned(blockZ), unsigned(smem),
              static_cast<CUstream>(stream), params, extra),
          "cuLaunchKernel");
}

// gpu-to-llvm brackets every synchronous launch with create, synchronize
// and destroy of a stream. Handing out the runtime's compute stream instead
// saves a stream creation and destruction per kernel (microseconds, next to
// a pointwise kernel's tens) and orders kernels with the NCCL and cuBLAS
// calls on that stream; the communication stream stays separate, so
// overlap is unchanged.
COCO_GPU_EXPORT void *mgpuStreamCreate() {
  ensureDevice();
  return computeStream();
}

COCO_GPU_EXPORT void mgpuStreamDestroy(void *stream) {
  if (stream == static_cast<void *>(computeStream()))
    return;
  checkCu(COCO_CU(cuStreamDestroy)(static_cast<CUstream>(stream)),
          "cuStreamDestroy");
}

COCO_GPU_EXPORT void mgpuStreamSynchronize(void *stream) {
  // A kernel fault surfaces here: name it as the kernel's failure.
  checkCu(COCO_CU(cuStreamSynchronize)(static_cast<CUstream>(stream)),
          "a generated kernel (cuStreamSynchronize)");
}

COCO_GPU_EXPORT void mgpuStreamWaitEvent(void *stream, void *event) {
  checkCu(COCO_CU(cuStreamWaitEvent)(static_cast<CUstream>(stream),
                                     static_cast<CUevent>(event), 0),
          "cuStreamWaitEvent");
}

COCO_GPU_EXPORT void *mgpuEventCreate() {
  ensureDevice();
  CUevent event = nullptr;
  checkCu(COCO_CU(cuEventCreate)(&event, CU_EVENT_DISABLE_TIMING),
          "cuEventCreate");
  return event;
}

COCO_GPU_EXPORT void mgpuEventDestroy(void *event) {
  checkCu(COCO_CU(cuEventDestroy)(static_cast<CUevent>(event)),
          "cuEventDestroy");
}

COCO_GPU_EXPORT void mgpuEventSynchronize(void *event) {
  checkCu(COCO_CU(cuEventSynchronize)(static_cast<CUevent>(event)),
          "cuEventSynchronize");
}

COCO_GPU_EXPORT void mgpuEventRecord(void *event, void *stream) {
  checkCu(COCO_CU(cuEventRecord)(static_cast<CUevent>(event),
                                 static_cast<CUstream>(stream)),
          "cuEventRecord");
}

COCO_GPU_EXPORT void *mgpuMemAlloc(uint64_t bytes, void * /*stream*/,
                                   bool hostShared) {
  ensureDevice();
  void *ptr = nullptr;
  if (bytes == 0)
    return nullptr;
  if (hostShared)
    checkCuda(cudaMallocManaged(&ptr, bytes, cudaMemAttachGlobal),
              "cudaMallocManaged (gpu.alloc host_shared)");
  else
    checkCuda(cudaMalloc(&ptr, bytes), "cudaMalloc (gpu.alloc)");
  return ptr;
}

COCO_GPU_EXPORT void mgpuMemFree(void *ptr, void * /*stream*/) {
  if (ptr)
    checkCuda(cudaFree(ptr), "cudaFree (gpu.dealloc)");
}

COCO_GPU_EXPORT void mgpuMemcpy(void *dst, void *src, size_t bytes,
                                void *stream) {
  checkCuda(cudaMemcpyAsync(dst, src, bytes, cudaMemcpyDefault,
                            static_cast<cudaStream_t>(stream)),
            "cudaMemcpyAsync (gpu.memcpy)");
}

COCO_GPU_EXPORT void mgpuMemset32(void *dst, unsigned int value, size_t count,
                                  void *stream) {
  checkCu(COCO_CU(cuMemsetD32Async)(reinterpret_cast<CUdeviceptr>(dst), value,
                                    count, static_cast<CUstream>(stream)),
          "cuMemsetD32Async (gpu.memset)");
}

COCO_GPU_EXPORT void mgpuMemset16(void *dst, unsigned short value, size_t count,
                                  void *stream) {
  checkCu(COCO_CU(cuMemsetD16Async)(reinterpret_cast<CUdeviceptr>(dst), value,
                                    count, static_cast<CUstream>(stream)),
          "cuMemsetD16Async (gpu.memset)");
}

namespace {
/// The bytes a ranked memref descriptor spans (from its aligned pointer).
std::pair<char *, size_t> span(int64_t rank, void *descriptor,
                               int64_t elementBytes) {
  auto *d = static_cast<Descriptor *>(descriptor);
  const int64_t *strides = d->sizes + rank;
  int64_t last = 0;
  for (int64_t i = 0; i < rank; ++i) {
    if (d->sizes[i] == 0)
      return {d->aligned + d->offset * elementBytes, 0};
    last += (d->sizes[i] - 1) * strides[i];
  }
  return {d->aligned + d->offset * elementBytes,
          size_t(last + 1) * size_t(elementBytes)};
}
} // namespace

bool coco::rt::gpu::isManaged(const void *ptr) {
  cudaPointerAttributes attributes;
  return cudaPointerGetAttributes(&attributes, ptr) == cudaSuccess &&
         attributes.type == cudaMemoryTypeManaged;
}

COCO_GPU_EXPORT void mgpuMemHostRegisterMemRef(int64_t rank, void *descriptor,
                                               int64_t elementBytes) {
  ensureDevice();
  auto [ptr, bytes] = span(rank, descriptor, elementBytes);
  // Managed memory (all of the runtime's buffers) needs no registration,
  // and cudaHostRegister would reject it.
  if (bytes && !isManaged(ptr))
    checkCuda(cudaHostRegister(ptr, bytes, cudaHostRegisterDefault),
              "cudaHostRegister (gpu.host_register)");
}

COCO_GPU_EXPORT void mgpuMemHostUnregisterMemRef(int64_t rank, void *descriptor,
                                                 int64_t elementBytes) {
  auto [ptr, bytes] = span(rank, descriptor, elementBytes);
  if (bytes && !isManaged(ptr))
    checkCuda(cudaHostUnregister(ptr), "cudaHostUnregister");
}

COCO_GPU_EXPORT void mgpuSetDefaultDevice(int32_t device) {
  checkCuda(cudaSetDevice(device), "cudaSetDevice");
}
