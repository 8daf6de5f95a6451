//===- Nonblocking.cpp - all_reduce that overlaps with computation --------===//
//
// coco-overlap splits a matmul and the all_reduce or reduce_scatter of its
// result into chunks: chunk k's collective is started here (MPI_Iallreduce;
// the reduce_scatter's messages with MPI_Isend/Irecv) and runs while chunk
// k+1's matmul computes;
// coco_rt_wait completes it later, under the watchdog as every blocking
// call: a peer that never arrives ends the job after COCO_TIMEOUT_S instead
// of hanging it.
//
//===----------------------------------------------------------------------===//

#include "Call.h"
#include "ElementTypes.h"
#include "Internal.h"

#include <algorithm>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <mutex>
#include <vector>

// The runtime's caching allocator (Allocator.cpp).
extern "C" void *_mlir_memref_to_llvm_alloc(size_t size);
extern "C" void _mlir_memref_to_llvm_free(void *ptr);

using namespace coco::rt;

namespace {
struct Pending {
  // Every request of the operation (a reduce_scatter over one rank has
  // none); coco_rt_wait completes them together and clears `active`.
  std::vector<MPI_Request> requests;
  bool active = true;
  int32_t dtype = 0;
  int32_t reduction = 0;
  size_t elementBytes = 0;
  bool average = false;
  void *out = nullptr;
  int64_t elems = 0;
  int axisSize = 1;
  // A reduce_scatter along an inner dim sends a packed copy of its input;
  // it must live until the sends complete.
  std::shared_ptr<char> packed;
  // A reduce_scatter receives every peer's part of this rank's block into
  // `received` (peer r+1's first, in ring order), and combines them with
  // its own part (`own`) when it is waited for.
  std::shared_ptr<char> received;
  const char *own = nullptr;
};

std::mutex pendingMutex;
std::vector<Pending> &pendingRequests() {
  static auto *requests = new std::vector<Pending>();
  return *requests;
}

/// A block of `bytes` for a reduce_scatter's packed input or received parts
/// (one of each per post), from the runtime's caching allocator
/// (Allocator.cpp) as compiled code's buffers: overlap posts one
/// reduce_scatter per chunk and step, and a fresh zeroed vector cost a
/// page-faulting, cleared block each time. (Not in the GPU runtime, whose
/// cached blocks are CUDA managed memory: these only pass through MPI.)
std::shared_ptr<char> cachedBlock(const Call &call, size_t bytes) {
  bytes = std::max<size_t>(bytes, 1);
#ifdef COCO_RUNTIME_GPU
  auto *block = static_cast<char *>(std::malloc(bytes));
  auto release = [](char *p) { std::free(p); };
#else
  auto *block = static_cast<char *>(_mlir_memref_to_llvm_alloc(bytes));
  auto release = [](char *p) { _mlir_memref_to_llvm_free(p); };
#endif
  if (!block)
    call.fail(formatString("out of memory allocating %zu bytes", bytes));
  return std::shared_ptr<char>(block, release);
}

/// Registers a started request; its index is what coco_rt_wait takes.
int64_t enqueue(Pending pending) {
  std::lock_guard<std::mutex> lock(pendingMutex);
  auto &requests = pendingRequests();
  requests.push_back(std::move(pending));
  return static_cast<int64_t>(requests.size() - 1);
}
} // namespace

/// A request that writes `output`; an average is divided when it completes.
static Pending pendingInto(const Call &call, int32_t reduction,
                           const Tensor &output) {
  Pending pending;
  pending.dtype = call.dtype;
  pending.reduction = reduction;
  pending.elementBytes = call.type.bytes;
  pending.average = reduction == COCO_RED_AVG;
  pending.out = output.data;
  pending.elems = output.elems;
  pending.axisSize = call.axis.size;
  return pending;
}

extern "C" int64_t coco_rt_iall_reduce(const char *site, int64_t comm,
                                       int32_t dtype, int32_t reduction,
                                       int64_t inRank, void *in,
                                       int64_t outRank, void *out) {
  Call call(site, OpKind::AllReduce, comm, dtype);
  checkReduction(dtype, reduction, call.site);
  auto [input, output] = call.agreeOnBuffers(reduction, {{"non-blocking", 1}},
                                             inRank, in, outRank, out);
  call.requireSameElements(input, output);
  bool inPlace = input.data == output.data;
  if (!inPlace)
    call.requireDisjoint(input, output);

  // Open MPI's own non-blocking all-reduce (libnbc), unlike the
  // reduce_scatter below. A direct exchange as the reduce_scatter's (its
  // sum, then a gather of the blocks in place, both at the wait or moved
  // on from each later post) was faster alone (coco-calibrate, 2 ranks,
  // 1 MiB, post and wait: 0.40-0.49 ms against 0.68-0.72, caches cold) but
  // not inside the layer: ol(MM,AR)-C against MM-AR-C, same programs with
  // either runtime, 6 interleaved rounds, took 1.047-1.058x (B=2) and
  // 1.021-1.024x (B=8) against libnbc's 1.036x and 0.988x.
  Pending pending = pendingInto(call, reduction, output);
  pending.requests.assign(1, MPI_REQUEST_NULL);
  checkMpi(MPI_Iallreduce(inPlace ? MPI_IN_PLACE : input.data, output.data,
                          call.count(output.elems), call.type.mpiType,
                          mpiReductionOp(dtype, reduction), call.axis.comm,
                          &pending.requests[0]),
           "MPI_Iallreduce");
  return enqueue(std::move(pending));
}

extern "C" int64_t coco_rt_ireduce_scatter(const char *site, int64_t comm,
                                           int32_t dtype, int32_t reduction,
                                           int64_t dim, int64_t inRank,
                                           void *in, int64_t outRank,
                                           void *out) {
  Call call(site, OpKind::ReduceScatter, comm, dtype);
  checkReduction(dtype, reduction, call.site);
  auto [input, output] = call.agreeOnBuffers(
      reduction, {{"dim", dim}, {"non-blocking", 1}}, inRank, in, outRank, out,
      /*inBlockDim=*/-1, /*outBlockDim=*/dim);
  Blocks blocks = requireBlock(call, input, "input", output, "output", dim);
  call.requireDisjoint(input, output);

  Pending pending = pendingInto(call, reduction, output);
  // Each rank's block contiguous: [outer][blocks][inner] -> [rank][outer]
  // [block][inner].
  const char *chunks = input.data;
  const int64_t outer = input.outer(dim), inner = input.inner(dim);
  const int size = call.axis.size, rank = call.axis.rank;
  if (outer > 1 && size > 1) {
    pending.packed = cachedBlock(call, input.bytes);
    packBlocks(pending.packed.get(), input, dim, blocks, call.type.bytes);
    chunks = pending.packed.get();
  }
  // A direct exchange with point-to-point messages rather than
  // MPI_Ireduce_scatter(_block): each rank sends every peer its part of the
  // peer's block and receives its own block's parts, and coco_rt_wait sums
  // them with the runtime's vector loops. Open MPI 4.1's non-blocking
  // reduce-scatter (libnbc) did its copies and reductions while being
  // posted and waited for: on the layer's ol(MM,RS)-C-AG at B=2 (2 ranks,
  // 2 MiB chunks) its 4 posts and waits took 2-3x the blocking ring
  // reduce-scatter of the whole tensor. Each rank's sum is taken in the
  // ring's order (rank r+1's part first, its own last), so the result is
  // bitwise the blocking reduce_scatter's (the ring, COCO_RS_ALGO's
  // default). The messages go over the axis's `exchange` duplicate, apart
  // from coco_rt_recv's probe for any tag.
  const size_t bytes = call.type.bytes;
  const int64_t ownCount = outer * blocks.counts[size_t(rank)] * inner;
  auto chunk = [&](int j) {
    return chunks + size_t(outer * blocks.offsets[size_t(j)] * inner) * bytes;
  };
  pending.own = chunk(rank);
  if (size > 1)
    pending.received =
        cachedBlock(call, size_t(size - 1) * size_t(ownCount) * bytes);
  pending.requests.assign(size_t(2 * (size - 1)), MPI_REQUEST_NULL);
  for (int step = 1; step < size; ++step) {
    int from = (rank + step) % size, to = (rank - step + size) % size;
    checkMpi(MPI_Irecv(pending.received.get() +
                           size_t(step - 1) * size_t(ownCount) * bytes,
                       call.count(ownCount), call.type.mpiType, from,
                       kOverlapTag, call.axis.exchange,
                       &pending.requests[size_t(step - 1)]),
             "MPI_Irecv");
    checkMpi(MPI_Isend(chunk(to),
                       call.count(outer * blocks.counts[size_t(to)] * inner),
                       call.type.mpiType, to, kOverlapTag, call.axis.exchange,
                       &pending.requests[size_t(size - 2 + step)]),
             "MPI_Isend");
  }
  return enqueue(std::move(pending));
}

extern "C" void coco_rt_wait(const char *site, int64_t request) {
  Pending pending;
  {
    std::lock_guard<std::mutex> lock(pendingMutex);
    auto &requests = pendingRequests();
    if (request < 0 || request >= (int64_t)requests.size() ||
        !requests[request].active)
      fatal(site, formatString("no pending request %lld", (long long)request));
    pending = std::move(requests[request]);
    requests[request] = Pending();
    requests[request].active = false;
    // Requests complete in order in generated code: drop finished ones.
    while (!requests.empty() && !requests.back().active)
      requests.pop_back();
  }
  {
    // Watched like the blocking collectives (COCO_TIMEOUT_S, as validated
    // at init), and timed under the wait's site for COCO_PROFILE, the
    // reduce_scatter's sum included.
    CallScope scope(site);
    checkMpi(MPI_Waitall(int(pending.requests.size()), pending.requests.data(),
                         MPI_STATUSES_IGNORE),
             "MPI_Waitall");
    if (pending.own) {
      // The reduce_scatter's sum: the peers' parts in ring order, then its
      // own.
      const size_t bytes = pending.elementBytes * size_t(pending.elems);
      if (pending.axisSize == 1) {
        std::memcpy(pending.out, pending.own, bytes);
      } else {
        std::memcpy(pending.out, pending.received.get(), bytes);
        for (int step = 2; step < pending.axisSize; ++step)
          combineInto(pending.dtype, pending.reduction, pending.out,
                      pending.received.get() + size_t(step - 1) * bytes,
                      size_t(pending.elems));
        combineInto(pending.dtype, pending.reduction, pending.out, pending.own,
                    size_t(pending.elems));
      }
    }
  }
  if (pending.average)
    divideInPlace(pending.dtype, pending.out, size_t(pending.elems),
                  pending.axisSize);
}
