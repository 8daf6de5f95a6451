//===- CocoRuntimeGPU.h - C ABI of coco's GPU runtime -----------*- C++ -*-===//
//
// What code from coco-lower-to-gpu calls, in libCocoRuntimeGPU (which also
// contains the whole CPU runtime: coco_rt_comm, coco_rt_axis_rank, the
// allocator, errors). Collectives take the same arguments as their coco_rt_*
// counterparts (CocoRuntime.h) and run on NCCL over the GPU of each rank;
// the compiled code's buffers are CUDA managed memory (the runtime's
// allocator), so host code, kernels, NCCL and cuBLAS share them.
//
// Each rank uses GPU (local rank % device count), local rank from the
// launcher (OMPI_COMM_WORLD_LOCAL_RANK, MPI_LOCALRANKID, SLURM_LOCALID),
// chosen before MPI starts because compiled modules load from global
// constructors, and set on every calling thread. NCCL communicators: one per
// group of grid axes, bootstrapped over the group's MPI communicator
// (ncclUniqueId broadcast, ncclCommInitRankConfig, blocking) when
// coco_rt_comm creates the group, cached.
//
// Blocking calls return when their work on the GPU is done: they poll the
// stream and ncclCommGetAsyncError, and abort the NCCL communicator and end
// the job with `coco runtime error: rank R: <site>: ...` on an NCCL error or
// after COCO_TIMEOUT_S. Every CUDA, NCCL and cuBLAS error is reported the
// same way, naming the call. Sends on GPU complete when the peer receives
// (NCCL has no buffered send): ring exchanges must be written as pairs.
//
// The mgpu* functions are the host functions MLIR's gpu-to-llvm lowering
// calls (module load, launch, streams, events, memory); Debian ships no
// MLIR CUDA runtime library, so coco provides them.
//
//===----------------------------------------------------------------------===//

#ifndef COCO_RUNTIME_COCORUNTIMEGPU_H
#define COCO_RUNTIME_COCORUNTIMEGPU_H

#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

void coco_gpu_all_reduce(const char *site, int64_t comm, int32_t dtype,
                         int32_t reduction, int64_t inRank, void *in,
                         int64_t outRank, void *out);
void coco_gpu_reduce_scatter(const char *site, int64_t comm, int32_t dtype,
                             int32_t reduction, int64_t dim, int64_t inRank,
                             void *in, int64_t outRank, void *out);
void coco_gpu_all_gather(const char *site, int64_t comm, int32_t dtype,
                         int64_t dim, int64_t inRank, void *in, int64_t outRank,
                         void *out);
void coco_gpu_broadcast(const char *site, int64_t comm, int32_t dtype,
                        int64_t root, int64_t inRank, void *in, int64_t outRank,
                        void *out);
void coco_gpu_reduce(const char *site, int64_t comm, int32_t dtype,
                     int32_t reduction, int64_t root, int64_t inRank, void *in,
                     int64_t outRank, void *out);
void coco_gpu_all_to_all(const char *site, int64_t comm, int32_t dtype,
                         int64_t splitDim, int64_t concatDim, int32_t skipSelf,
                         int64_t windowStart, int64_t inRank, void *in,
                         int64_t outRank, void *out);
void coco_gpu_send(const char *site, int64_t comm, int32_t dtype, int64_t peer,
                   int64_t inRank, void *in);
void coco_gpu_recv(const char *site, int64_t comm, int32_t dtype, int64_t peer,
                   int64_t outRank, void *out);

/// Non-blocking: enqueued on a communication stream after the work already
/// on the compute stream; the next compute (e.g. the next matmul block)
/// overlaps it. coco_gpu_wait makes the compute stream wait for it and
/// returns when it is done (polling NCCL's error state).
int64_t coco_gpu_iall_reduce(const char *site, int64_t comm, int32_t dtype,
                             int32_t reduction, int64_t inRank, void *in,
                             int64_t outRank, void *out);
int64_t coco_gpu_ireduce_scatter(const char *site, int64_t comm, int32_t dtype,
                                 int32_t reduction, int64_t dim, int64_t inRank,
                                 void *in, int64_t outRank, void *out);
void coco_gpu_wait(const char *site, int64_t request);

/// C[m,n] += A[m,k] x B[k,n] with cuBLAS (cublasGemmEx, f32 accumulation for
/// f16/bf16/f32, f64 for f64); rows may be strided (a row block), columns
/// contiguous. `dtype` is a CocoDType.
void coco_gpu_matmul(const char *site, int32_t dtype, int64_t aRank, void *a,
                     int64_t bRank, void *b, int64_t cRank, void *c);

#ifdef __cplusplus
}
#endif

#endif // COCO_RUNTIME_COCORUNTIMEGPU_H
