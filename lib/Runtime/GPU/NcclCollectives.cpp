//===- NcclCollectives.cpp - coco_gpu_* collectives on NCCL ---------------===//
//
// Each entry point validates exactly like its coco_rt_* counterpart (the
// shared Call: cross-rank consistency check over MPI, shapes, ranges), then
// enqueues NCCL on the compute stream and returns when the GPU is done.
// NCCL communicators mirror the CPU runtime's axis communicators: one per
// group of grid axes, bootstrapped over the group's MPI communicator when
// coco_rt_comm creates it (collectively, on the group's members only).
//
//===----------------------------------------------------------------------===//

#include "Device.h"

#include "../Call.h"
#include "../ElementTypes.h"
#include "coco/Runtime/CocoRuntime.h"
#include "coco/Runtime/CocoRuntimeGPU.h"

#include <algorithm>
#include <mutex>
#include <string>
#include <unordered_map>
#include <vector>

using namespace coco::rt;
using namespace coco::rt::gpu;

namespace {

struct NcclState {
  std::unordered_map<int64_t, ncclComm_t> axes;
};

NcclState &ncclState() {
  static NcclState *state = new NcclState();
  return *state;
}

/// NCCL needs a GPU of its own per rank of a communicator: with two of its
/// ranks on one GPU (more ranks on a node than GPUs), ncclCommInitRank would
/// fail with a less helpful "duplicate GPU". Checked among `axis`'s members
/// on this node only, so creating a group stays local to the group. The
/// GPUs compare by UUID, as NCCL's own check does by bus: a launcher that
/// gives each rank its own GPU through CUDA_VISIBLE_DEVICES (Slurm's
/// --gpus-per-task) makes every rank's device 0.
void requireOneGpuPerRank(const AxisComm &axis) {
  MPI_Comm node;
  checkMpi(MPI_Comm_split_type(axis.comm, MPI_COMM_TYPE_SHARED, axis.rank,
                               MPI_INFO_NULL, &node),
           "MPI_Comm_split_type");
  int nodeRanks = 0, device = 0, devices = 0;
  checkMpi(MPI_Comm_size(node, &nodeRanks), "MPI_Comm_size");
  checkCuda(cudaGetDevice(&device), "cudaGetDevice");
  checkCuda(cudaGetDeviceCount(&devices), "cudaGetDeviceCount");
  cudaDeviceProp properties{};
  checkCuda(cudaGetDeviceProperties(&properties, device),
            "cudaGetDeviceProperties");
  constexpr size_t kUuidBytes = sizeof(properties.uuid.bytes);
  std::string own(properties.uuid.bytes, kUuidBytes);
  std::string all(kUuidBytes * size_t(nodeRanks), '\0');
  checkMpi(MPI_Allgather(own.data(), int(kUuidBytes), MPI_BYTE, all.data(),
                         int(kUuidBytes), MPI_BYTE, node),
           "MPI_Allgather");
  checkMpi(MPI_Comm_free(&node), "MPI_Comm_free");
  std::vector<std::string> used;
  for (int r = 0; r < nodeRanks; ++r)
    used.push_back(all.substr(size_t(r) * kUuidBytes, kUuidBytes));
  std::sort(used.begin(), used.end());
  if (std::adjacent_find(used.begin(), used.end()) != used.end())
    fatalf(nullptr,
           "%d ranks of one communicator run on this node and two of them "
           "share a GPU (this rank sees %d GPU(s)): NCCL needs one GPU per "
           "rank (mpirun -np <GPUs per node x nodes>, or a launcher that "
           "gives each rank its own through CUDA_VISIBLE_DEVICES)",
           nodeRanks, devices);
}

/// coco_rt_comm created `axis`: its NCCL communicator, created by the
/// axis's members alone (like the MPI one), so a group used in one pipeline
/// stage's branch does not wait for the other stages.
void onAxisCreated(int64_t handle, const AxisComm &axis) {
  ensureDevice();
  requireOneGpuPerRank(axis);
  ncclUniqueId id;
  if (axis.rank == 0)
    checkNccl(ncclGetUniqueId(&id), "ncclGetUniqueId");
  checkMpi(MPI_Bcast(&id, sizeof(id), MPI_BYTE, 0, axis.comm),
           "MPI_Bcast (ncclUniqueId)");
  // Blocking, whatever NCCL_COMM_BLOCKING says: the communicator is used as
  // soon as this returns, and checkNccl treats ncclInProgress as an error.
  ncclConfig_t config = NCCL_CONFIG_INITIALIZER;
  config.blocking = 1;
  ncclComm_t comm = nullptr;
  checkNccl(ncclCommInitRankConfig(&comm, axis.size, id, axis.rank, &config),
            "ncclCommInitRankConfig");
  ncclState().axes[handle] = comm;
}

/// Every communicator finalized first (nccl.h: it flushes the operations
/// issued on it, which may need the peers), then destroyed, in the order
/// they were made (handles grow), which is the same on every rank of each.
void onFinalize() {
  NcclState &state = ncclState();
  std::vector<std::pair<int64_t, ncclComm_t>> made(state.axes.begin(),
                                                   state.axes.end());
  std::sort(made.begin(), made.end());
  for (auto &[handle, comm] : made)
    ncclCommFinalize(comm);
  for (auto &[handle, comm] : made)
    ncclCommDestroy(comm);
  state.axes.clear();
}

const bool registered = [] {
  registerExtension({onAxisCreated, onFinalize});
  return true;
}();

ncclComm_t ncclFor(int64_t handle, const char *site) {
  auto &axes = ncclState().axes;
  auto it = axes.find(handle);
  if (it == axes.end())
    fatalf(site, "no NCCL communicator for communicator handle %lld",
           (long long)handle);
  return it->second;
}

ncclDataType_t ncclType(const Call &call) {
  switch (call.dtype) {
  case COCO_DTYPE_F32:
    return ncclFloat32;
  case COCO_DTYPE_F64:
    return ncclFloat64;
  case COCO_DTYPE_F16:
    return ncclFloat16;
  case COCO_DTYPE_BF16:
    return ncclBfloat16;
  case COCO_DTYPE_I32:
    return ncclInt32;
  case COCO_DTYPE_I64:
    return ncclInt64;
  case COCO_DTYPE_I8:
    return ncclInt8;
  case COCO_DTYPE_I1:
    return ncclUint8;
  }
  fatalf(call.site, "dtype %d has no NCCL type", int(call.dtype));
}

/// An average NCCL cannot take as ncclAvg: an integer one (NCCL has none;
/// summed, then divided truncating, as on CPU). A 16-bit float one is
/// ncclAvg, which pre-multiplies by 1/n rounded to the type: exact for a
/// power-of-two group, 0.2% large for bf16 on 3 ranks (bf16(1/3) =
/// 0.333984375). Dividing on the host instead would move every gradient
/// average's managed buffer to the CPU and back, and cannot be
/// non-blocking (overlap): a divide on the device is the fix (docs/GPU.md).
bool averagesOnHost(int32_t dtype) {
  return dtype == COCO_DTYPE_I32 || dtype == COCO_DTYPE_I64 ||
         dtype == COCO_DTYPE_I8;
}

/// NCCL's op for `reduction` (an average it cannot take is a sum, divided
/// afterwards: averagesOnHost).
ncclRedOp_t ncclOp(const Call &call, int32_t reduction) {
  checkReduction(call.dtype, reduction, call.site);
  switch (reduction) {
  case COCO_RED_PROD:
    return ncclProd;
  case COCO_RED_MIN:
    return ncclMin;
  case COCO_RED_MAX:
    return ncclMax;
  case COCO_RED_AVG:
    if (!averagesOnHost(call.dtype))
      return ncclAvg;
    break;
  }
  return ncclSum;
}

/// After such an average's sum is done on the GPU: divide (the buffer is
/// managed memory, and the stream is idle).
void finishAverageOnHost(const Call &call, int32_t reduction,
                         const Tensor &output) {
  if (reduction == COCO_RED_AVG && averagesOnHost(call.dtype))
    divideInPlace(call.dtype, output.data, size_t(output.elems),
                  call.axis.size);
}

/// Non-blocking collectives return before the sum is done, so an average
/// divided on the host afterwards cannot be one.
void requireNonBlockingReduction(const Call &call, int32_t reduction) {
  if (reduction == COCO_RED_AVG && averagesOnHost(call.dtype))
    call.fail("a non-blocking integer average is not supported on the GPU "
              "(NCCL has none; it is summed, then divided on the host)");
}

/// Grow-only device buffers for packing along inner dims (blocking calls
/// only: they are idle again when the call returns).
char *deviceScratch(int which, size_t bytes) {
  static std::vector<std::pair<char *, size_t>> buffers(2, {nullptr, 0});
  auto &[data, capacity] = buffers[size_t(which)];
  if (bytes > capacity) {
    if (data)
      checkCuda(cudaFree(data), "cudaFree (scratch)");
    checkCuda(cudaMalloc(reinterpret_cast<void **>(&data), bytes),
              "cudaMalloc (scratch)");
    capacity = bytes;
  }
  return data;
}

/// Rank j's block of a dimension of `extent` rows of `innerBytes` (repeated
/// `outer` times) between the strided layout [outer][extent][inner] and the
/// packed one [rank][outer][block][inner], one 2-D copy per rank (like the
/// CPU runtime's packBlocks). `pack` copies strided -> packed.
void copyBlocksAsync(char *strided, char *packed, int64_t outer, int64_t extent,
                     const Blocks &blocks, size_t innerBytes, bool pack,
                     cudaStream_t stream) {
  for (size_t j = 0; j < blocks.counts.size(); ++j) {
    size_t width = size_t(blocks.counts[j]) * innerBytes;
    if (width == 0)
      continue;
    char *rows = strided + size_t(blocks.offsets[j]) * innerBytes;
    char *block = packed + size_t(outer * blocks.offsets[j]) * innerBytes;
    size_t pitch = size_t(extent) * innerBytes;
    checkCuda(pack
                  ? cudaMemcpy2DAsync(block, width, rows, pitch, width,
                                      size_t(outer), cudaMemcpyDefault, stream)
                  : cudaMemcpy2DAsync(rows, pitch, block, width, width,
                                      size_t(outer), cudaMemcpyDefault, stream),
              pack ? "cudaMemcpy2DAsync (pack)" : "cudaMemcpy2DAsync (unpack)");
  }
}

/// reduce_scatter of `chunks` (rank j's part: outer * block j * inner
/// elements at outer * offset j * inner) into `out`: one NCCL call when the
/// blocks are equal, else one ncclReduce to each rank in a group (NCCL has
/// no reduce_scatter of unequal counts).
void reduceScatterBlocks(const Call &call, const char *chunks, void *out,
                         const Blocks &blocks, int64_t outer, int64_t inner,
                         ncclRedOp_t op, ncclComm_t nccl, cudaStream_t stream) {
  size_t bytes = call.type.bytes;
  if (blocks.equal) {
    checkNccl(ncclReduceScatter(chunks, out,
                                size_t(outer * blocks.counts[0] * inner),
                                ncclType(call), op, nccl, stream),
              "ncclReduceScatter");
    return;
  }
  checkNccl(ncclGroupStart(), "ncclGroupStart");
  for (size_t j = 0; j < blocks.counts.size(); ++j)
    checkNccl(
        ncclReduce(chunks + size_t(outer * blocks.offsets[j] * inner) * bytes,
                   out, size_t(outer * blocks.counts[j] * inner),
                   ncclType(call), op, int(j), nccl, stream),
        "ncclReduce (reduce_scatter of unequal blocks)");
  checkNccl(ncclGroupEnd(), "ncclGroupEnd");
}

void finish(ncclComm_t comm, const char *what) {
  waitStream(computeStream(), comm, what);
}

/// A started non-blocking collective.
struct Request {
  cudaEvent_t done = nullptr;
  ncclComm_t comm = nullptr;
  const char *what = "";
};
std::mutex requestMutex;
std::vector<Request> &requests() {
  static auto *instance = new std::vector<Request>();
  return *instance;
}

/// Makes the comm stream wait for the compute stream's work so far.
void orderAfterCompute() {
  cudaEvent_t ready;
  checkCuda(cudaEventCreateWithFlags(&ready, cudaEventDisableTiming),
            "cudaEventCreateWithFlags");
  checkCuda(cudaEventRecord(ready, computeStream()), "cudaEventRecord");
  checkCuda(cudaStreamWaitEvent(commStream(), ready, 0), "cudaStreamWaitEvent");
  checkCuda(cudaEventDestroy(ready), "cudaEventDestroy");
}

int64_t startedOnCommStream(ncclComm_t comm, const char *what) {
  Request request;
  request.comm = comm;
  request.what = what;
  checkCuda(cudaEventCreateWithFlags(&request.done, cudaEventDisableTiming),
            "cudaEventCreateWithFlags");
  checkCuda(cudaEventRecord(request.done, commStream()), "cudaEventRecord");
  std::lock_guard<std::mutex> lock(requestMutex);
  requests().push_back(request);
  return int64_t(requests().size() - 1);
}

} // namespace

#define COCO_GPU_EXPORT extern "C" __attribute__((visibility("default")))

COCO_GPU_EXPORT void coco_gpu_all_reduce(const char *site, int64_t comm,
                                         int32_t dtype, int32_t reduction,
                                         int64_t inRank, void *in,
                                         int64_t outRank, void *out) {
  Call call(site, OpKind::AllReduce, comm, dtype);
  ncclRedOp_t op = ncclOp(call, reduction);
  auto [input, output] =
      call.agreeOnBuffers(reduction, {}, inRank, in, outRank, out);
  call.requireSameElements(input, output);
  if (input.data != output.data)
    call.requireDisjoint(input, output);
  ncclComm_t nccl = ncclFor(comm, call.site);
  checkNccl(ncclAllReduce(input.data, output.data, size_t(output.elems),
                          ncclType(call), op, nccl, computeStream()),
            "ncclAllReduce");
  finish(nccl, "ncclAllReduce");
  finishAverageOnHost(call, reduction, output);
}

COCO_GPU_EXPORT void coco_gpu_reduce_scatter(const char *site, int64_t comm,
                                             int32_t dtype, int32_t reduction,
                                             int64_t dim, int64_t inRank,
                                             void *in, int64_t outRank,
                                             void *out) {
  Call call(site, OpKind::ReduceScatter, comm, dtype);
  ncclRedOp_t op = ncclOp(call, reduction);
  auto [input, output] =
      call.agreeOnBuffers(reduction, {{"dim", dim}}, inRank, in, outRank, out,
                          /*inBlockDim=*/-1, /*outBlockDim=*/dim);
  Blocks blocks = requireBlock(call, input, "input", output, "output", dim);
  // In place only on one rank (as on CPU), where NCCL just copies.
  if (!(input.data == output.data && call.axis.size == 1))
    call.requireDisjoint(input, output);
  ncclComm_t nccl = ncclFor(comm, call.site);
  const char *chunks = input.data;
  int64_t outer = input.outer(dim), inner = input.inner(dim);
  if (outer > 1 && call.axis.size > 1) {
    char *packed = deviceScratch(0, input.bytes);
    copyBlocksAsync(input.data, packed, outer, input.sizes[dim], blocks,
                    size_t(inner) * call.type.bytes, /*pack=*/true,
                    computeStream());
    chunks = packed;
  }
  reduceScatterBlocks(call, chunks, output.data, blocks, outer, inner, op, nccl,
                      computeStream());
  finish(nccl, "ncclReduceScatter");
  finishAverageOnHost(call, reduction, output);
}

COCO_GPU_EXPORT void coco_gpu_all_gather(const char *site, int64_t comm,
                                         int32_t dtype, int64_t dim,
                                         int64_t inRank, void *in,
                                         int64_t outRank, void *out) {
  Call call(site, OpKind::AllGather, comm, dtype);
  auto [input, output] = call.agreeOnBuffers(-1, {{"dim", dim}}, inRank, in,
                                             outRank, out, /*inBlockDim=*/dim);
  Blocks blocks = requireBlock(call, output, "output", input, "input", dim);
  ncclComm_t nccl = ncclFor(comm, call.site);
  int64_t outer = output.outer(dim), inner = output.inner(dim);
  size_t bytes = call.type.bytes;
  bool unpack = outer > 1 && call.axis.size > 1;
  // NCCL gathers rank-major: [rank][outer][block][inner].
  char *gathered = unpack ? deviceScratch(1, output.bytes) : output.data;
  char *own =
      gathered +
      size_t(outer * blocks.offsets[size_t(call.axis.rank)] * inner) * bytes;
  if (!unpack && input.data != own)
    call.requireDisjoint(input, output);
  if (blocks.equal) {
    checkNccl(ncclAllGather(input.data, gathered, size_t(input.elems),
                            ncclType(call), nccl, computeStream()),
              "ncclAllGather");
  } else {
    // No all_gather of unequal counts in NCCL: every rank broadcasts its
    // block, in one group.
    checkNccl(ncclGroupStart(), "ncclGroupStart");
    for (size_t j = 0; j < blocks.counts.size(); ++j)
      checkNccl(
          ncclBroadcast(input.data,
                        gathered +
                            size_t(outer * blocks.offsets[j] * inner) * bytes,
                        size_t(outer * blocks.counts[j] * inner),
                        ncclType(call), int(j), nccl, computeStream()),
          "ncclBroadcast (all_gather of unequal blocks)");
    checkNccl(ncclGroupEnd(), "ncclGroupEnd");
  }
  if (unpack)
    copyBlocksAsync(output.data, gathered, outer, output.sizes[dim], blocks,
                    size_t(inner) * bytes, /*pack=*/false, computeStream());
  finish(nccl, "ncclAllGather");
}

COCO_GPU_EXPORT void coco_gpu_broadcast(const char *site, int64_t comm,
                                        int32_t dtype, int64_t root,
                                        int64_t inRank, void *in,
                                        int64_t outRank, void *out) {
  Call call(site, OpKind::Broadcast, comm, dtype);
  auto [input, output] =
      call.agreeOnBuffers(-1, {{"root", root}}, inRank, in, outRank, out);
  call.requireInRange("root", root, call.axis.size);
  call.requireSameElements(input, output);
  ncclComm_t nccl = ncclFor(comm, call.site);
  checkNccl(ncclBroadcast(input.data, output.data, size_t(output.elems),
                          ncclType(call), int(root), nccl, computeStream()),
            "ncclBroadcast");
  finish(nccl, "ncclBroadcast");
}

COCO_GPU_EXPORT void coco_gpu_reduce(const char *site, int64_t comm,
                                     int32_t dtype, int32_t reduction,
                                     int64_t root, int64_t inRank, void *in,
                                     int64_t outRank, void *out) {
  Call call(site, OpKind::Reduce, comm, dtype);
  ncclRedOp_t op = ncclOp(call, reduction);
  auto [input, output] = call.agreeOnBuffers(reduction, {{"root", root}},
                                             inRank, in, outRank, out);
  call.requireInRange("root", root, call.axis.size);
  call.requireSameElements(input, output);
  if (input.data != output.data)
    call.requireDisjoint(input, output);
  ncclComm_t nccl = ncclFor(comm, call.site);
  checkNccl(ncclReduce(input.data, output.data, size_t(output.elems),
                       ncclType(call), op, int(root), nccl, computeStream()),
            "ncclReduce");
  // As on CPU, the other ranks' output is their input.
  if (call.axis.rank != root && input.data != output.data)
    checkCuda(cudaMemcpyAsync(output.data, input.data, input.bytes,
                              cudaMemcpyDefault, computeStream()),
              "cudaMemcpyAsync (reduce, non-root output)");
  finish(nccl, "ncclReduce");
  if (call.axis.rank == root)
    finishAverageOnHost(call, reduction, output);
}

COCO_GPU_EXPORT void coco_gpu_all_to_all(const char *site, int64_t comm,
                                         int32_t dtype, int64_t splitDim,
                                         int64_t concatDim, int32_t skipSelf,
                                         int64_t windowStart, int64_t inRank,
                                         void *in, int64_t outRank, void *out) {
  Call call(site, OpKind::AllToAll, comm, dtype);
  auto [input, output] = call.agreeOnBuffers(-1,
                                             {{"split dim", splitDim},
                                              {"concat dim", concatDim},
                                              {"skip self", skipSelf != 0},
                                              {"window start", windowStart}},
                                             inRank, in, outRank, out,
                                             /*inBlockDim=*/concatDim,
                                             /*outBlockDim=*/splitDim);
  const int size = call.axis.size;
  AllToAllBlocks blocks = requireAllToAllShapes(call, input, output, splitDim,
                                                concatDim, windowStart);
  call.requireDisjoint(input, output);
  ncclComm_t nccl = ncclFor(comm, call.site);
  cudaStream_t stream = computeStream();
  size_t bytes = call.type.bytes;
  // Rank j's block of the split dim contiguous, then sent to rank j.
  const char *send = input.data;
  int64_t splitOuter = input.outer(splitDim),
          splitInner = input.inner(splitDim);
  if (splitOuter > 1 && size > 1) {
    char *packed = deviceScratch(0, input.bytes);
    copyBlocksAsync(input.data, packed, splitOuter, input.sizes[splitDim],
                    blocks.split, size_t(splitInner) * bytes, /*pack=*/true,
                    stream);
    send = packed;
  }
  // Received rank-major; out wants them concatenated along concatDim.
  int64_t concatOuter = output.outer(concatDim),
          concatInner = output.inner(concatDim);
  bool unpack = concatOuter > 1 && size > 1;
  char *received = unpack ? deviceScratch(1, output.bytes) : output.data;
  ncclDataType_t type = ncclType(call);
  checkNccl(ncclGroupStart(), "ncclGroupStart");
  for (int peer = 0; peer < size; ++peer) {
    // skip_self: this rank's own block of out keeps what it held.
    if (skipSelf && peer == call.axis.rank)
      continue;
    size_t j = size_t(peer);
    // A window past the end of a block moves nothing (both ends know it).
    if (blocks.split.counts[j] > 0)
      checkNccl(
          ncclSend(
              send + size_t(splitOuter * blocks.split.offsets[j] * splitInner) *
                         bytes,
              size_t(splitOuter * blocks.split.counts[j] * splitInner), type,
              peer, nccl, stream),
          "ncclSend (all_to_all)");
    if (blocks.concat.counts[j] > 0)
      checkNccl(
          ncclRecv(received + size_t(concatOuter * blocks.concat.offsets[j] *
                                     concatInner) *
                                  bytes,
                   size_t(concatOuter * blocks.concat.counts[j] * concatInner),
                   type, peer, nccl, stream),
          "ncclRecv (all_to_all)");
  }
  checkNccl(ncclGroupEnd(), "ncclGroupEnd");
  if (unpack) {
    Blocks unpacked = blocks.concat;
    if (skipSelf) // nothing was received for it
      unpacked.counts[size_t(call.axis.rank)] = 0;
    copyBlocksAsync(output.data, received, concatOuter, output.sizes[concatDim],
                    unpacked, size_t(concatInner) * bytes, /*pack=*/false,
                    stream);
  }
  finish(nccl, "all_to_all (ncclSend/ncclRecv)");
}

COCO_GPU_EXPORT void coco_gpu_send(const char *site, int64_t comm,
                                   int32_t dtype, int64_t peer, int64_t inRank,
                                   void *in) {
  Call call(site, OpKind::Send, comm, dtype);
  Tensor input = call.tensor(inRank, in, "input");
  call.requireInRange("peer", peer, call.axis.size);
  // NCCL's send completes only when the peer receives: to itself, never.
  if (peer == call.axis.rank)
    fatalf(call.site,
           "a send to this rank itself (peer %lld) would never "
           "complete on the GPU (NCCL sends are not buffered)",
           (long long)peer);
  ncclComm_t nccl = ncclFor(comm, call.site);
  checkNccl(ncclSend(input.data, size_t(input.elems), ncclType(call), int(peer),
                     nccl, computeStream()),
            "ncclSend");
  finish(nccl, "ncclSend");
}

COCO_GPU_EXPORT void coco_gpu_recv(const char *site, int64_t comm,
                                   int32_t dtype, int64_t peer, int64_t outRank,
                                   void *out) {
  Call call(site, OpKind::Recv, comm, dtype);
  Tensor output = call.tensor(outRank, out, "output");
  call.requireInRange("peer", peer, call.axis.size);
  ncclComm_t nccl = ncclFor(comm, call.site);
  checkNccl(ncclRecv(output.data, size_t(output.elems), ncclType(call),
                     int(peer), nccl, computeStream()),
            "ncclRecv");
  finish(nccl, "ncclRecv");
}

COCO_GPU_EXPORT int64_t coco_gpu_iall_reduce(const char *site, int64_t comm,
                                             int32_t dtype, int32_t reduction,
                                             int64_t inRank, void *in,
                                             int64_t outRank, void *out) {
  Call call(site, OpKind::AllReduce, comm, dtype);
  ncclRedOp_t op = ncclOp(call, reduction);
  auto [input, output] = call.agreeOnBuffers(reduction, {{"non-blocking", 1}},
                                             inRank, in, outRank, out);
  requireNonBlockingReduction(call, reduction);
  call.requireSameElements(input, output);
  if (input.data != output.data)
    call.requireDisjoint(input, output);
  ncclComm_t nccl = ncclFor(comm, call.site);
  orderAfterCompute();
  checkNccl(ncclAllReduce(input.data, output.data, size_t(output.elems),
                          ncclType(call), op, nccl, commStream()),
            "ncclAllReduce (non-blocking)");
  return startedOnCommStream(nccl, "ncclAllReduce (non-blocking)");
}

COCO_GPU_EXPORT int64_t coco_gpu_ireduce_scatter(const char *site, int64_t comm,
                                                 int32_t dtype,
                                                 int32_t reduction, int64_t dim,
                                                 int64_t inRank, void *in,
                                                 int64_t outRank, void *out) {
  Call call(site, OpKind::ReduceScatter, comm, dtype);
  ncclRedOp_t op = ncclOp(call, reduction);
  auto [input, output] = call.agreeOnBuffers(
      reduction, {{"dim", dim}, {"non-blocking", 1}}, inRank, in, outRank, out,
      /*inBlockDim=*/-1, /*outBlockDim=*/dim);
  requireNonBlockingReduction(call, reduction);
  Blocks blocks = requireBlock(call, input, "input", output, "output", dim);
  call.requireDisjoint(input, output);
  ncclComm_t nccl = ncclFor(comm, call.site);
  orderAfterCompute();
  const char *chunks = input.data;
  void *packed = nullptr;
  int64_t outer = input.outer(dim), inner = input.inner(dim);
  if (outer > 1 && call.axis.size > 1) {
    // Its own buffer: several requests may be in flight.
    checkCuda(cudaMallocAsync(&packed, input.bytes, commStream()),
              "cudaMallocAsync (pack)");
    copyBlocksAsync(input.data, static_cast<char *>(packed), outer,
                    input.sizes[dim], blocks, size_t(inner) * call.type.bytes,
                    /*pack=*/true, commStream());
    chunks = static_cast<const char *>(packed);
  }
  reduceScatterBlocks(call, chunks, output.data, blocks, outer, inner, op, nccl,
                      commStream());
  if (packed)
    checkCuda(cudaFreeAsync(packed, commStream()), "cudaFreeAsync (pack)");
  return startedOnCommStream(nccl, "ncclReduceScatter (non-blocking)");
}

COCO_GPU_EXPORT void coco_gpu_wait(const char *site, int64_t index) {
  CallScope scope(siteName(site));
  Request request;
  {
    std::lock_guard<std::mutex> lock(requestMutex);
    auto &all = requests();
    if (index < 0 || index >= int64_t(all.size()) || !all[size_t(index)].done)
      fatalf(site, "no pending request %lld", (long long)index);
    request = all[size_t(index)];
    all[size_t(index)].done = nullptr;
    while (!all.empty() && !all.back().done)
      all.pop_back();
  }
  waitEvent(request.done, request.comm, request.what);
  // Later compute may read what the collective wrote.
  checkCuda(cudaStreamWaitEvent(computeStream(), request.done, 0),
            "cudaStreamWaitEvent");
  checkCuda(cudaEventDestroy(request.done), "cudaEventDestroy");
}
