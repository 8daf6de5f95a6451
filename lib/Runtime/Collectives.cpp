//===- Collectives.cpp - Collective entry points --------------------------===//
//
// Each collective: check that the ranks agree, validate the arguments, then
// one MPI collective on contiguous buffers, or a ring over point-to-point
// where OpenMPI's own algorithm is slow (reduce_scatter, large all_reduce).
// Splitting or concatenating along a dim other than the outermost makes the
// chunks strided; those are packed into / unpacked from scratch buffers,
// while the outermost dim (the hot path) communicates in place.
//
//===----------------------------------------------------------------------===//

#include "Call.h"

#include <cstdlib>
#include <cstring>
#include <initializer_list>

namespace coco::rt {

/// dst[j][i] = src[i][j] for blocks of `blockBytes`: src is [a][b] blocks.
/// Moves chunk j of every outer slice next to each other (pack), or back.
void transposeBlocks(char *dst, const char *src, int64_t a, int64_t b,
                     size_t blockBytes) {
  for (int64_t i = 0; i < a; ++i)
    for (int64_t j = 0; j < b; ++j)
      std::memcpy(dst + size_t(j * a + i) * blockBytes,
                  src + size_t(i * b + j) * blockBytes, blockBytes);
}

/// Checks that `whole` is `part` with size[dim] multiplied by the axis size
/// (reduce_scatter's input and output, all_gather's output and input).
void requireGathered(const Call &call, const Tensor &whole,
                     const char *wholeName, const Tensor &part,
                     const char *partName, int64_t dim) {
  if (whole.rank != part.rank)
    call.fail(formatString("%s %s and %s %s have different ranks", wholeName,
                           whole.shape().c_str(), partName,
                           part.shape().c_str()));
  call.requireInRange("dim", dim, part.rank);
  for (int64_t d = 0; d < part.rank; ++d)
    if (whole.sizes[d] != part.sizes[d] * (d == dim ? call.axis.size : 1))
      call.fail(formatString(
          "%s shape %s must be %s shape %s with dim %lld multiplied by the "
          "axis size %d",
          wholeName, whole.shape().c_str(), partName, part.shape().c_str(),
          (long long)dim, call.axis.size));
}

int64_t requireAllToAllShapes(const Call &call, const Tensor &input,
                              const Tensor &output, int64_t splitDim,
                              int64_t concatDim) {
  const int size = call.axis.size;
  if (input.rank != output.rank)
    call.fail(formatString("input %s and output %s have different ranks",
                           input.shape().c_str(), output.shape().c_str()));
  call.requireInRange("split dim", splitDim, input.rank);
  call.requireInRange("concat dim", concatDim, input.rank);
  if (input.sizes[splitDim] % size != 0)
    call.fail(formatString(
        "input shape %s does not split into %d chunks along dim %lld",
        input.shape().c_str(), size, (long long)splitDim));
  // The block exchanged between two ranks is the input with size[splitDim]
  // divided by the axis size; out concatenates the received blocks.
  const int64_t chunkSize = input.sizes[splitDim] / size;
  int64_t blockOuter = 1; // product of the block's sizes before concatDim
  for (int64_t d = 0; d < input.rank; ++d) {
    int64_t blockSize = d == splitDim ? chunkSize : input.sizes[d];
    if (d < concatDim)
      blockOuter *= blockSize;
    if (output.sizes[d] != blockSize * (d == concatDim ? size : 1))
      call.fail(formatString(
          "output shape %s must be input shape %s with dim %lld divided and "
          "dim %lld multiplied by the axis size %d",
          output.shape().c_str(), input.shape().c_str(), (long long)splitDim,
          (long long)concatDim, size));
  }
  return blockOuter;
}

namespace {

//===----------------------------------------------------------------------===//
// Scratch buffers
//===----------------------------------------------------------------------===//

enum class Scratch { Pack, Unpack, RingA, RingB };
constexpr int kNumScratch = 4;

/// Grow-only buffers reused across calls: allocating (and page-faulting)
/// tens of MB per call would cost as much as the copies they serve.
struct ScratchBuffer {
  char *data = nullptr;
  size_t capacity = 0;
};
ScratchBuffer scratchBuffers[kNumScratch];

char *scratch(Scratch which, size_t bytes) {
  ScratchBuffer &buffer = scratchBuffers[int(which)];
  if (bytes > buffer.capacity) {
    constexpr size_t kAlignment = 64;
    size_t capacity = (bytes + kAlignment - 1) / kAlignment * kAlignment;
    std::free(buffer.data);
    buffer.data = static_cast<char *>(std::aligned_alloc(kAlignment, capacity));
    if (!buffer.data)
      fatalf(nullptr, "out of memory allocating %zu bytes of scratch", bytes);
    buffer.capacity = capacity;
  }
  return buffer.data;
}

//===----------------------------------------------------------------------===//
// Algorithms
//===----------------------------------------------------------------------===//

/// The algorithm chosen by environment variable `variable`: the index of its
/// value in `choices`, 0 when unset. Read on every call so that tests and
/// benchmarks can compare algorithms within one run.
int64_t algorithmChoice(const char *variable,
                        std::initializer_list<const char *> choices,
                        const char *site) {
  const char *value = std::getenv(variable);
  if (!value || !*value)
    return 0;
  std::string allowed;
  int64_t index = 0;
  for (const char *choice : choices) {
    if (std::strcmp(value, choice) == 0)
      return index;
    allowed += (index++ ? ", " : "") + std::string(choice);
  }
  fatalf(site, "%s must be one of %s, not '%s'", variable, allowed.c_str(),
         value);
}

/// Ring reduce-scatter of `in` (axis-size chunks of `chunkElems`) into `out`,
/// which either does not overlap `in` or is exactly this rank's chunk of it.
/// On OpenMPI 4.1 this is several times faster than MPI_Reduce_scatter_block.
/// At step s, rank r passes its partial result for chunk r-s-1 to rank r+1
/// and combines its own input into the partial result for chunk r-s-2 that it
/// receives from rank r-1; after size-1 steps it holds the full reduction of
/// chunk r. Each rank sends (size-1)/size of the data, the bandwidth optimum;
/// with 2 ranks it is a single exchange.
void ringReduceScatter(const Call &call, int32_t reduction, const char *in,
                       char *out, int64_t chunkElems) {
  const int size = call.axis.size, rank = call.axis.rank;
  const size_t chunkBytes = size_t(chunkElems) * call.type.bytes;
  if (size == 1) {
    if (in != out)
      std::memcpy(out, in, chunkBytes);
    return;
  }
  auto chunk = [&](int index) { return in + size_t(index) * chunkBytes; };
  // In place, `out` still holds this rank's input until the last combine.
  const bool outIsOwnChunk = out == chunk(rank);
  const int next = (rank + 1) % size, previous = (rank + size - 1) % size;
  const int count = call.count(chunkElems);
  const char *partial = chunk(previous);
  for (int step = 0; step < size - 1; ++step) {
    bool last = step == size - 2;
    // The partial result received at one step is sent at the next, so
    // steps alternate between two scratch buffers; the last one receives
    // straight into `out` unless `out` is still needed as input.
    char *received =
        last && !outIsOwnChunk
            ? out
            : scratch(step % 2 ? Scratch::RingB : Scratch::RingA, chunkBytes);
    checkMpi(MPI_Sendrecv(partial, count, call.type.mpiType, next, kRingTag,
                          received, count, call.type.mpiType, previous,
                          kRingTag, call.axis.comm, MPI_STATUS_IGNORE),
             "MPI_Sendrecv");
    const char *own = chunk((rank - step - 2 + 2 * size) % size);
    if (last && outIsOwnChunk)
      combineInto(call.dtype, reduction, out, received, size_t(chunkElems));
    else
      combineInto(call.dtype, reduction, received, own, size_t(chunkElems));
    partial = received;
  }
}

/// From this size on, all_reduce defaults to the ring: on OpenMPI 4.1 with
/// 2 ranks, ring reduce-scatter + MPI_Allgather takes ~0.6x the time of
/// MPI_Allreduce for 32-64 MiB, and breaks even around 16 MiB.
constexpr size_t kRingAllReduceMinBytes = size_t(16) << 20;

} // namespace

void releaseScratchBuffers() {
  for (ScratchBuffer &buffer : scratchBuffers) {
    std::free(buffer.data);
    buffer = ScratchBuffer();
  }
}

} // namespace coco::rt

using namespace coco::rt;

extern "C" {

void coco_rt_all_reduce(const char *site, int64_t comm, int32_t dtype,
                        int32_t reduction, int64_t inRank, void *in,
                        int64_t outRank, void *out) {
  Call call(site, OpKind::AllReduce, comm, dtype);
  checkReduction(reduction, call.site);
  enum { Auto, Ring, Mpi };
  int64_t algorithm =
      algorithmChoice("COCO_AR_ALGO", {"auto", "ring", "mpi"}, call.site);
  auto [input, output] = call.agreeOnBuffers(
      reduction,
      {{"all_reduce algorithm (COCO_AR_ALGO: 0 auto, 1 ring, 2 mpi)", algorithm}},
      inRank, in, outRank, out);

  call.requireSameElements(input, output);
  bool inPlace = input.data == output.data;
  if (!inPlace)
    call.requireDisjoint(input, output);
  const int size = call.axis.size;
  bool useRing =
      size > 1 && output.elems % size == 0 &&
      (algorithm == Ring ||
       (algorithm == Auto && output.bytes >= kRingAllReduceMinBytes));
  if (!useRing) {
    checkMpi(MPI_Allreduce(inPlace ? MPI_IN_PLACE : input.data, output.data,
                           call.count(output.elems), call.type.mpiType,
                           mpiReductionOp(dtype, reduction), call.axis.comm),
             "MPI_Allreduce");
    if (reduction == COCO_RED_AVG)
      divideInPlace(dtype, output.data, size_t(output.elems), size);
    return;
  }
  // Reduce-scatter into this rank's chunk of out, then gather the chunks.
  const int64_t chunkElems = output.elems / size;
  char *ownChunk =
      output.data + size_t(call.axis.rank * chunkElems) * call.type.bytes;
  ringReduceScatter(call, reduction, input.data, ownChunk, chunkElems);
  if (reduction == COCO_RED_AVG) // on 1/size of the data only
    divideInPlace(dtype, ownChunk, size_t(chunkElems), size);
  const int count = call.count(chunkElems);
  checkMpi(MPI_Allgather(MPI_IN_PLACE, count, call.type.mpiType, output.data,
                         count, call.type.mpiType, call.axis.comm),
           "MPI_Allgather");
}

void coco_rt_reduce_scatter(const char *site, int64_t comm, int32_t dtype,
                            int32_t reduction, int64_t dim, int64_t inRank,
                            void *in, int64_t outRank, void *out) {
  Call call(site, OpKind::ReduceScatter, comm, dtype);
  checkReduction(reduction, call.site);
  bool useMpi =
      algorithmChoice("COCO_RS_ALGO", {"ring", "mpi"}, call.site) == 1;
  auto [input, output] = call.agreeOnBuffers(
      reduction,
      {{"dim", dim},
       {"reduce_scatter algorithm (COCO_RS_ALGO: 0 ring, 1 mpi)", useMpi}},
      inRank, in, outRank, out);

  requireGathered(call, input, "input", output, "output", dim);
  const int size = call.axis.size;
  bool inPlace = input.data == output.data && size == 1;
  if (!inPlace)
    call.requireDisjoint(input, output);

  // Make each rank's chunk contiguous: [outer][size][chunk] -> [size][outer]
  // [chunk]. The result, [outer][chunk], is then already out's layout.
  const char *chunks = input.data;
  int64_t outer = input.outer(dim);
  if (outer > 1 && size > 1) {
    char *packed = scratch(Scratch::Pack, input.bytes);
    transposeBlocks(packed, input.data, outer, size,
                    size_t(output.sizes[dim] * input.inner(dim)) *
                        call.type.bytes);
    chunks = packed;
  }
  if (useMpi)
    checkMpi(MPI_Reduce_scatter_block(
                 inPlace ? MPI_IN_PLACE : chunks, output.data,
                 call.count(output.elems), call.type.mpiType,
                 mpiReductionOp(dtype, reduction), call.axis.comm),
             "MPI_Reduce_scatter_block");
  else
    ringReduceScatter(call, reduction, chunks, output.data, output.elems);
  if (reduction == COCO_RED_AVG)
    divideInPlace(dtype, output.data, size_t(output.elems), size);
}

void coco_rt_all_gather(const char *site, int64_t comm, int32_t dtype,
                        int64_t dim, int64_t inRank, void *in, int64_t outRank,
                        void *out) {
  Call call(site, OpKind::AllGather, comm, dtype);
  auto [input, output] = call.agreeOnBuffers(-1, {{"dim", dim}}, inRank, in,
                                             outRank, out);

  requireGathered(call, output, "output", input, "input", dim);
  const int count = call.count(input.elems);
  int64_t outer = input.outer(dim);
  if (outer == 1) {
    // Chunks are contiguous in out: gather in place. The input may already
    // be this rank's chunk of out.
    bool inPlace =
        input.data == output.data + size_t(call.axis.rank) * input.bytes;
    if (!inPlace)
      call.requireDisjoint(input, output);
    checkMpi(MPI_Allgather(inPlace ? MPI_IN_PLACE : input.data, count,
                           call.type.mpiType, output.data, count,
                           call.type.mpiType, call.axis.comm),
             "MPI_Allgather");
    return;
  }
  // Gathered is [size][outer][chunk]; out is [outer][size][chunk].
  char *gathered = scratch(Scratch::Unpack, output.bytes);
  checkMpi(MPI_Allgather(input.data, count, call.type.mpiType, gathered, count,
                         call.type.mpiType, call.axis.comm),
           "MPI_Allgather");
  transposeBlocks(output.data, gathered, call.axis.size, outer,
                  size_t(input.sizes[dim] * input.inner(dim)) *
                      call.type.bytes);
}

void coco_rt_broadcast(const char *site, int64_t comm, int32_t dtype,
                       int64_t root, int64_t inRank, void *in, int64_t outRank,
                       void *out) {
  Call call(site, OpKind::Broadcast, comm, dtype);
  auto [input, output] = call.agreeOnBuffers(-1, {{"root", root}}, inRank, in,
                                             outRank, out);

  call.requireInRange("root", root, call.axis.size);
  call.requireSameElements(input, output);
  if (call.axis.rank == root && input.data != output.data) {
    call.requireDisjoint(input, output);
    std::memcpy(output.data, input.data, input.bytes);
  }
  checkMpi(MPI_Bcast(output.data, call.count(output.elems), call.type.mpiType,
                     int(root), call.axis.comm),
           "MPI_Bcast");
}

void coco_rt_reduce(const char *site, int64_t comm, int32_t dtype,
                    int32_t reduction, int64_t root, int64_t inRank, void *in,
                    int64_t outRank, void *out) {
  Call call(site, OpKind::Reduce, comm, dtype);
  checkReduction(reduction, call.site);
  auto [input, output] = call.agreeOnBuffers(
      reduction, {{"root", root}}, inRank, in, outRank, out);

  call.requireInRange("root", root, call.axis.size);
  call.requireSameElements(input, output);
  bool inPlace = input.data == output.data;
  if (!inPlace)
    call.requireDisjoint(input, output);
  const int count = call.count(input.elems);
  MPI_Op op = mpiReductionOp(dtype, reduction);
  if (call.axis.rank != root) {
    checkMpi(MPI_Reduce(input.data, nullptr, count, call.type.mpiType, op,
                        int(root), call.axis.comm),
             "MPI_Reduce");
    if (!inPlace)
      std::memcpy(output.data, input.data, input.bytes);
    return;
  }
  checkMpi(MPI_Reduce(inPlace ? MPI_IN_PLACE : input.data, output.data, count,
                      call.type.mpiType, op, int(root), call.axis.comm),
           "MPI_Reduce");
  if (reduction == COCO_RED_AVG)
    divideInPlace(dtype, output.data, size_t(output.elems), call.axis.size);
}

void coco_rt_all_to_all(const char *site, int64_t comm, int32_t dtype,
                        int64_t splitDim, int64_t concatDim, int64_t inRank,
                        void *in, int64_t outRank, void *out) {
  Call call(site, OpKind::AllToAll, comm, dtype);
  auto [input, output] = call.agreeOnBuffers(
      -1, {{"split dim", splitDim}, {"concat dim", concatDim}},
      inRank, in, outRank, out);

  const int size = call.axis.size;
  const int64_t blockOuter =
      requireAllToAllShapes(call, input, output, splitDim, concatDim);
  const int64_t blockElems = input.elems / size;
  const int count = call.count(blockElems);

  // Send buffer: [size][block]; the input is [outer][size][chunk] along
  // splitDim.
  const char *send = input.data;
  int64_t splitOuter = input.outer(splitDim);
  if (splitOuter > 1) {
    char *packed = scratch(Scratch::Pack, input.bytes);
    transposeBlocks(packed, input.data, splitOuter, size,
                    size_t(input.sizes[splitDim] / size * input.inner(splitDim)) *
                        call.type.bytes);
    send = packed;
  }
  // Receive buffer: [size][block] = [size][blockOuter][rest]; out is
  // [blockOuter][size][rest].
  char *received =
      blockOuter > 1 ? scratch(Scratch::Unpack, output.bytes) : output.data;
  bool inPlace = send == received;
  if (!inPlace && send == input.data && received == output.data)
    call.requireDisjoint(input, output);
  checkMpi(MPI_Alltoall(inPlace ? MPI_IN_PLACE : send, count, call.type.mpiType,
                        received, count, call.type.mpiType, call.axis.comm),
           "MPI_Alltoall");
  if (blockOuter > 1)
    transposeBlocks(output.data, received, size, blockOuter,
                    size_t(blockElems / blockOuter) * call.type.bytes);
}

} // extern "C"
