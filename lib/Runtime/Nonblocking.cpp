//===- Nonblocking.cpp - all_reduce that overlaps with computation --------===//
//
// coco-overlap splits a matmul and the all_reduce or reduce_scatter of its
// result into chunks: chunk k's collective is started here (MPI_Iallreduce,
// MPI_Ireduce_scatter(_block)) and runs while chunk k+1's matmul computes;
// coco_rt_wait completes it later, under the watchdog as every blocking
// call: a peer that never arrives ends the job after COCO_TIMEOUT_S instead
// of hanging it.
//
//===----------------------------------------------------------------------===//

#include "Call.h"
#include "ElementTypes.h"
#include "Internal.h"

#include <memory>
#include <mutex>
#include <vector>

namespace {
struct Pending {
  MPI_Request request = MPI_REQUEST_NULL;
  int32_t dtype = 0;
  bool average = false;
  void *out = nullptr;
  int64_t elems = 0;
  int axisSize = 1;
  // A reduce_scatter along an inner dim sends a packed copy of its input,
  // and one of unequal blocks its counts; both must live until the request
  // completes.
  std::shared_ptr<std::vector<char>> packed;
  std::shared_ptr<std::vector<int>> counts;
};

std::mutex pendingMutex;
std::vector<Pending> &pendingRequests() {
  static auto *requests = new std::vector<Pending>();
  return *requests;
}

/// Registers a started request; its index is what coco_rt_wait takes.
int64_t enqueue(Pending pending) {
  std::lock_guard<std::mutex> lock(pendingMutex);
  auto &requests = pendingRequests();
  requests.push_back(std::move(pending));
  return static_cast<int64_t>(requests.size() - 1);
}
} // namespace

using namespace coco::rt;

/// A request that writes `output`; an average is divided when it completes.
static Pending pendingInto(const Call &call, int32_t reduction,
                           const Tensor &output) {
  Pending pending;
  pending.dtype = call.dtype;
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
  checkReduction(reduction, call.site);
  auto [input, output] = call.agreeOnBuffers(reduction, {{"non-blocking", 1}},
                                             inRank, in, outRank, out);
  call.requireSameElements(input, output);
  bool inPlace = input.data == output.data;
  if (!inPlace)
    call.requireDisjoint(input, output);

  Pending pending = pendingInto(call, reduction, output);
  checkMpi(MPI_Iallreduce(inPlace ? MPI_IN_PLACE : input.data, output.data,
                          call.count(output.elems), call.type.mpiType,
                          mpiReductionOp(dtype, reduction), call.axis.comm,
                          &pending.request),
           "MPI_Iallreduce");
  return enqueue(std::move(pending));
}

extern "C" int64_t coco_rt_ireduce_scatter(const char *site, int64_t comm,
                                           int32_t dtype, int32_t reduction,
                                           int64_t dim, int64_t inRank,
                                           void *in, int64_t outRank,
                                           void *out) {
  Call call(site, OpKind::ReduceScatter, comm, dtype);
  checkReduction(reduction, call.site);
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
  if (outer > 1 && call.axis.size > 1) {
    pending.packed = std::make_shared<std::vector<char>>(input.bytes);
    packBlocks(pending.packed->data(), input, dim, blocks, call.type.bytes);
    chunks = pending.packed->data();
  }
  if (blocks.equal) {
    checkMpi(MPI_Ireduce_scatter_block(
                 chunks, output.data, call.count(output.elems),
                 call.type.mpiType, mpiReductionOp(dtype, reduction),
                 call.axis.comm, &pending.request),
             "MPI_Ireduce_scatter_block");
  } else {
    pending.counts = std::make_shared<std::vector<int>>();
    for (int64_t count : blocks.counts)
      pending.counts->push_back(call.count(outer * count * inner));
    checkMpi(MPI_Ireduce_scatter(chunks, output.data, pending.counts->data(),
                                 call.type.mpiType,
                                 mpiReductionOp(dtype, reduction),
                                 call.axis.comm, &pending.request),
             "MPI_Ireduce_scatter");
  }
  return enqueue(std::move(pending));
}

extern "C" void coco_rt_wait(const char *site, int64_t request) {
  Pending pending;
  {
    std::lock_guard<std::mutex> lock(pendingMutex);
    auto &requests = pendingRequests();
    if (request < 0 || request >= (int64_t)requests.size() ||
        requests[request].request == MPI_REQUEST_NULL)
      fatal(site, formatString("no pending request %lld", (long long)request));
    pending = requests[request];
    requests[request].request = MPI_REQUEST_NULL;
    // Requests complete in order in generated code: drop finished ones.
    while (!requests.empty() && requests.back().request == MPI_REQUEST_NULL)
      requests.pop_back();
  }
  {
    // Watched like the blocking collectives (COCO_TIMEOUT_S, as validated
    // at init), and timed under the wait's site for COCO_PROFILE.
    CallScope scope(site);
    checkMpi(MPI_Wait(&pending.request, MPI_STATUS_IGNORE), "MPI_Wait");
  }
  if (pending.average)
    divideInPlace(pending.dtype, pending.out, size_t(pending.elems),
                  pending.axisSize);
}
