//===- Device.cpp - CUDA device, streams and error checks -----------------===//

#include "Device.h"

#include "../Internal.h"

#include <algorithm>
#include <cstdlib>
#include <mutex>
#include <string>

namespace coco::rt::gpu {
namespace {

/// The launcher's local rank, before MPI can tell (modules load earlier).
int localRankFromEnvironment() {
  for (const char *name :
       {"OMPI_COMM_WORLD_LOCAL_RANK", "MPI_LOCALRANKID", "SLURM_LOCALID",
        "MV2_COMM_WORLD_LOCAL_RANK", "PMI_LOCAL_RANK", "PALS_LOCAL_RANKID"})
    if (const char *value = std::getenv(name))
      return std::atoi(value);
  return 0;
}

struct Streams {
  cudaStream_t compute = nullptr;
  cudaStream_t comm = nullptr;
};

Streams &streams() {
  static Streams *instance = [] {
    ensureDevice();
    auto *s = new Streams();
    checkCuda(cudaStreamCreateWithFlags(&s->compute, cudaStreamNonBlocking),
              "cudaStreamCreateWithFlags");
    checkCuda(cudaStreamCreateWithFlags(&s->comm, cudaStreamNonBlocking),
              "cudaStreamCreateWithFlags");
    return s;
  }();
  return *instance;
}

/// Ends the job if `comm` has an asynchronous NCCL error: a peer failed,
/// or the network did.
void checkAsyncError(ncclComm_t comm, const char *what) {
  if (!comm)
    return;
  ncclResult_t asyncError = ncclSuccess;
  checkNccl(ncclCommGetAsyncError(comm, &asyncError), "ncclCommGetAsyncError");
  if (asyncError == ncclSuccess || asyncError == ncclInProgress)
    return;
  std::string detail = ncclGetLastError(comm);
  fatal(nullptr,
        formatString("NCCL error during %s: %s (%s)", what,
                     ncclGetErrorString(asyncError), detail.c_str()),
        [&] { ncclCommAbort(comm); });
}

/// Polls `done` until it reports completion (true), an NCCL error or the
/// call's limit. The limit is the watchdog's (COCO_TIMEOUT_S from the start
/// of the runtime call, CallScope), and the poll gives up a tenth of it (at
/// most 10 s) before, so that it is the poll that reports, naming what the
/// GPU waited for, and that NCCL's kernels are aborted: the watchdog would
/// end the process with them still spinning on the device.
template <typename Query>
void poll(Query done, ncclComm_t comm, const char *what) {
  while (!done()) {
    checkAsyncError(comm, what);
    std::optional<WatchedCall> call = watchedCall();
    if (call &&
        call->elapsedSeconds >
            call->limitSeconds - std::min(call->limitSeconds / 10, 10.0)) {
      fatal(nullptr,
            formatString("timed out after %.1f s waiting for %s on the GPU "
                         "(a peer failed or took a different path)",
                         call->elapsedSeconds, what),
            [&] {
              if (comm)
                ncclCommAbort(comm);
            });
    }
  }
  // An error NCCL posted as the work completed (a peer that failed after
  // its part of the exchange).
  checkAsyncError(comm, what);
}
} // namespace

/// The device this rank runs on (ensureDevice chooses it once).
static int chosenDevice = -1;

void ensureDevice() {
  // The current device is per thread: in-process calls may come from any
  // thread (one at a time), and one that never chose would run on device 0.
  thread_local bool chosenOnThisThread = false;
  static std::once_flag once;
  std::call_once(once, [] {
    int count = 0;
    cudaError_t status = cudaGetDeviceCount(&count);
    if (status != cudaSuccess || count == 0)
      fatalf(nullptr, "no CUDA device is usable (%s)",
             status == cudaSuccess ? "0 devices" : cudaGetErrorString(status));
    int device = localRankFromEnvironment() % count;
    checkCuda(cudaSetDevice(device), "cudaSetDevice");
    checkCuda(cudaFree(nullptr), "cudaFree(0) (context creation)");
    // Host code touches managed buffers while NCCL runs on the other stream
    // (overlap): that needs concurrent managed access.
    int concurrent = 0;
    checkCuda(cudaDeviceGetAttribute(
                  &concurrent, cudaDevAttrConcurrentManagedAccess, device),
              "cudaDeviceGetAttribute");
    if (!concurrent)
      fatalf(nullptr,
             "GPU %d has no concurrent managed memory access, which "
             "coco's GPU runtime needs (Linux, Pascal or newer)",
             device);
    chosenDevice = device;
  });
  if (!chosenOnThisThread) {
    checkCuda(cudaSetDevice(chosenDevice), "cudaSetDevice");
    chosenOnThisThread = true;
  }
}

void useChosenDevice() {
  ensureDevice();
  checkCuda(cudaSetDevice(chosenDevice), "cudaSetDevice");
}

cudaStream_t computeStream() { return streams().compute; }
cudaStream_t commStream() { return streams().comm; }

void checkCuda(cudaError_t status, const char *what) {
  if (status != cudaSuccess)
    fatalf(nullptr, "CUDA error in %s: %s (%s)", what,
           cudaGetErrorString(status), cudaGetErrorName(status));
}

void *driverEntryPoint(const char *name) {
  ensureDevice();
  void *function = nullptr;
  cudaDriverEntryPointQueryResult found = cudaDriverEntryPointSymbolNotFound;
  checkCuda(cudaGetDriverEntryPointByVersion(name, &function, 12000,
                                             cudaEnableDefault, &found),
            "cudaGetDriverEntryPointByVersion");
  if (!function || found != cudaDriverEntryPointSuccess)
    fatalf(nullptr, "the CUDA driver has no %s", name);
  return function;
}

void checkCu(CUresult status, const char *what) {
  if (status == CUDA_SUCCESS)
    return;
  const char *name = nullptr, *text = nullptr;
  COCO_CU(cuGetErrorName)(status, &name);
  COCO_CU(cuGetErrorString)(status, &text);
  fatalf(nullptr, "CUDA driver error in %s: %s (%s)", what,
         text ? text : "unknown", name ? name : "?");
}

void checkNccl(ncclResult_t status, const char *what) {
  // Communicators are blocking (ncclCommInitRankConfig), so no call returns
  // ncclInProgress: one that did would leave its operation unfinished.
  if (status != ncclSuccess)
    fatalf(nullptr, "NCCL error in %s: %s", what, ncclGetErrorString(status));
}

void checkCublas(cublasStatus_t status, const char *what) {
  if (status != CUBLAS_STATUS_SUCCESS)
    fatalf(nullptr, "cuBLAS error in %s: %s (%s)", what,
           cublasGetStatusString(status), cublasGetStatusName(status));
}

void waitStream(cudaStream_t stream, ncclComm_t comm, const char *what) {
  poll(
      [&] {
        cudaError_t status = cudaStreamQuery(stream);
        if (status == cudaErrorNotReady)
          return false;
        checkCuda(status, what);
        return true;
      },
      comm, what);
}

void waitEvent(cudaEvent_t event, ncclComm_t comm, const char *what) {
  poll(
      [&] {
        cudaError_t status = cudaEventQuery(event);
        if (status == cudaErrorNotReady)
          return false;
        checkCuda(status, what);
        return true;
      },
      comm, what);
}

} // namespace coco::rt::gpu
