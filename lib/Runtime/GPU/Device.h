//===- Device.h - CUDA device, streams and error checks ---------*- C++ -*-===//
//
// Shared by the GPU runtime's parts: which GPU this rank uses, the compute
// and communication streams, and turning CUDA, NCCL and cuBLAS status codes
// into the runtime's one-line fatal errors.
//
//===----------------------------------------------------------------------===//

#ifndef COCO_LIB_RUNTIME_GPU_DEVICE_H
#define COCO_LIB_RUNTIME_GPU_DEVICE_H

#include <cublas_v2.h>
#include <cuda.h>
#include <cuda_runtime.h>
#include <nccl.h>

namespace coco::rt::gpu {

/// Selects this rank's GPU (local rank % device count) and initializes its
/// primary context, once; safe before MPI_Init (from global constructors).
/// Sets it on the calling thread the first time that thread asks.
void ensureDevice();

/// Sets this rank's GPU on the calling thread, every time: an in-process
/// call's thread may have set another device since (the caller's own CUDA
/// work), and coco's streams and communicators live on this one.
void useChosenDevice();

/// The stream compiled code's runtime calls work on (kernels launched by
/// gpu-to-llvm code synchronize their own streams), and the one
/// non-blocking collectives run on.
cudaStream_t computeStream();
cudaStream_t commStream();

/// A CUDA driver API function, found through the runtime
/// (cudaGetDriverEntryPointByVersion) rather than linked: the library then
/// needs no libcuda at link time and loads on machines without a driver,
/// where it reports that no CUDA device is usable.
void *driverEntryPoint(const char *name);
#define COCO_CU(function)                                                      \
  ([] {                                                                        \
    static auto entry = reinterpret_cast<decltype(&function)>(                 \
        ::coco::rt::gpu::driverEntryPoint(#function));                         \
    return entry;                                                              \
  }())

/// Whether `ptr` is CUDA managed memory (what the runtime allocates, and
/// what compiled GPU code expects of every buffer: kernels, NCCL, cuBLAS
/// and the host all touch it).
bool isManaged(const void *ptr);

/// Fatal unless the status is success, naming `what` (the failed call).
void checkCuda(cudaError_t status, const char *what);
void checkCu(CUresult status, const char *what);
void checkNccl(ncclResult_t status, const char *what);
void checkCublas(cublasStatus_t status, const char *what);

/// Waits until `stream` is idle, polling `comm`'s asynchronous NCCL error
/// (null: none) and the COCO_TIMEOUT_S deadline; on an error or timeout
/// aborts `comm` (so peers do not hang on it) and ends the job.
void waitStream(cudaStream_t stream, ncclComm_t comm, const char *what);
/// The same for an event (a request of a non-blocking collective).
void waitEvent(cudaEvent_t event, ncclComm_t comm, const char *what);

} // namespace coco::rt::gpu

#endif // COCO_LIB_RUNTIME_GPU_DEVICE_H
