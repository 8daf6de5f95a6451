//===- Collectives.cpp - Collective entry points --------------------------===//
//
// Each collective: check that the ranks agree, validate the arguments, then
// one MPI collective on contiguous buffers, or a ring over point-to-point
// where OpenMPI's own algorithm is slow (reduce_scatter, large all_reduce,
// large all-gathers).
// Splitting or concatenating along a dim other than the outermost makes the
// chunks strided; those are packed into / unpacked from scratch buffers,
// while the outermost dim (the hot path) communicates in place.
//
//===----------------------------------------------------------------------===//

#include "Call.h"
#include "coco/Support/Blocks.h"

#include <algorithm>
#include <cstdlib>
#include <cstring>
#include <initializer_list>
#include <vector>

namespace coco::rt {

Blocks requireBlock(const Call &call, const Tensor &whole,
                    const char *wholeName, const Tensor &part,
                    const char *partName, int64_t dim) {
  if (whole.rank != part.rank)
    call.fail(formatString("%s %s and %s %s have different ranks", wholeName,
                           whole.shape().c_str(), partName,
                           part.shape().c_str()));
  call.requireInRange("dim", dim, part.rank);
  Blocks blocks = blocksOf(call.axis, whole.sizes[dim]);
  int64_t own = blocks.counts[size_t(call.axis.rank)];
  for (int64_t d = 0; d < part.rank; ++d)
    if (part.sizes[d] != (d == dim ? own : whole.sizes[d]))
      call.fail(formatString(
          "%s shape %s must be %s shape %s with dim %lld cut to this rank's "
          "block of %lld elements (%lld split over %d ranks)",
          partName, part.shape().c_str(), wholeName, whole.shape().c_str(),
          (long long)dim, (long long)own, (long long)whole.sizes[dim],
          call.axis.size));
  return blocks;
}

void copyAlongDim(char *dst, const char *src, int64_t outer, int64_t srcExtent,
                  int64_t dstExtent, int64_t srcOffset, int64_t dstOffset,
                  int64_t size, size_t innerBytes) {
  if (size == 0)
    return;
  for (int64_t o = 0; o < outer; ++o)
    std::memcpy(dst + size_t(o * dstExtent + dstOffset) * innerBytes,
                src + size_t(o * srcExtent + srcOffset) * innerBytes,
                size_t(size) * innerBytes);
}

void packBlocks(char *packed, const Tensor &whole, int64_t dim,
                const Blocks &blocks, size_t elementBytes) {
  int64_t outer = whole.outer(dim);
  size_t innerBytes = size_t(whole.inner(dim)) * elementBytes;
  for (size_t j = 0; j < blocks.counts.size(); ++j)
    copyAlongDim(packed + size_t(outer * blocks.offsets[j]) * innerBytes,
                 whole.data, outer, whole.sizes[dim], blocks.counts[j],
                 blocks.offsets[j], 0, blocks.counts[j], innerBytes);
}

AllToAllBlocks requireAllToAllShapes(const Call &call, const Tensor &input,
                                     const Tensor &output, int64_t splitDim,
                                     int64_t concatDim, int64_t windowStart) {
  if (input.rank != output.rank)
    call.fail(formatString("input %s and output %s have different ranks",
                           input.shape().c_str(), output.shape().c_str()));
  call.requireInRange("split dim", splitDim, input.rank);
  call.requireInRange("concat dim", concatDim, input.rank);
  if (windowStart < -1)
    call.fail(formatString("an all_to_all's window start must be a row "
                           "(>= 0) or -1 (none); got %lld",
                           (long long)windowStart));
  if (windowStart >= 0 && splitDim != concatDim)
    call.fail(formatString("an all_to_all takes a window only where it splits "
                           "and concatenates one dim (split %lld, concat %lld)",
                           (long long)splitDim, (long long)concatDim));
  if (splitDim == concatDim) {
    for (int64_t d = 0; d < input.rank; ++d)
      if (d != splitDim && input.sizes[d] != output.sizes[d])
        call.fail(formatString("input %s and output %s differ",
                               input.shape().c_str(), output.shape().c_str()));
    // Chunk j of the dim goes to rank j. The output's dim is `size` equal
    // slots, each as large as the largest chunk: slot j receives rank j's
    // chunk of this rank's index at its front (with equal chunks the slots
    // are the chunks and the output keeps the input's size).
    Blocks chunks = blocksOf(call.axis, input.sizes[splitDim]);
    const int64_t own = chunks.counts[size_t(call.axis.rank)];
    if (windowStart >= 0) {
      // A window: w rows of each block from row s on, cut to the block.
      const int64_t slots = output.sizes[splitDim];
      if (slots == 0 || slots % call.axis.size != 0)
        call.fail(formatString(
            "an all_to_all with a window needs the output's dim %lld to hold "
            "one slot of at least one row per rank (%d ranks); got %lld rows",
            (long long)splitDim, call.axis.size, (long long)slots));
      const int64_t width = slots / call.axis.size;
      // Past every block: nothing moves (and no sum below can wrap).
      const int64_t start = std::min(windowStart, input.sizes[splitDim]);
      auto rowsFrom = [&](int64_t block) {
        return std::clamp<int64_t>(block - start, 0, width);
      };
      Blocks sent{{}, {}, false}, received{{}, {}, false};
      for (int j = 0; j < call.axis.size; ++j) {
        sent.counts.push_back(rowsFrom(chunks.counts[size_t(j)]));
        sent.offsets.push_back(
            std::min(chunks.offsets[size_t(j)] + start, input.sizes[splitDim]));
        received.counts.push_back(rowsFrom(own));
        received.offsets.push_back(j * width);
      }
      return {sent, received};
    }
    const int64_t slot =
        *std::max_element(chunks.counts.begin(), chunks.counts.end());
    if (output.sizes[splitDim] != slot * call.axis.size)
      call.fail(formatString(
          "an all_to_all that splits and concatenates dim %lld needs the "
          "output's dim to hold %d slots of the largest chunk (%lld rows, "
          "%lld in all); got input %s, output %s",
          (long long)splitDim, call.axis.size, (long long)slot,
          (long long)(slot * call.axis.size), input.shape().c_str(),
          output.shape().c_str()));
    Blocks slots{{}, {}, true};
    for (int j = 0; j < call.axis.size; ++j) {
      slots.counts.push_back(own);
      slots.offsets.push_back(j * slot);
    }
    return {chunks, slots};
  }
  // The input holds this rank's block of the concat dim; the output this
  // rank's block of the split dim.
  AllToAllBlocks blocks{blocksOf(call.axis, input.sizes[splitDim]),
                        blocksOf(call.axis, output.sizes[concatDim])};
  const size_t rank = size_t(call.axis.rank);
  for (int64_t d = 0; d < input.rank; ++d) {
    bool ok = d == concatDim  ? input.sizes[d] == blocks.concat.counts[rank]
              : d == splitDim ? output.sizes[d] == blocks.split.counts[rank]
                              : input.sizes[d] == output.sizes[d];
    if (!ok)
      call.fail(formatString(
          "output shape %s must be input shape %s with dim %lld cut to this "
          "rank's block and dim %lld holding every rank's block (%d ranks)",
          output.shape().c_str(), input.shape().c_str(), (long long)splitDim,
          (long long)concatDim, call.axis.size));
  }
  return blocks;
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

/// Ring reduce-scatter of `in` (rank j's chunk: `counts[j]` elements at
/// element `offsets[j]`) into `out`, which either does not overlap `in` or
/// is exactly this rank's chunk of it. On OpenMPI 4.1 this is several times
/// faster than MPI_Reduce_scatter_block. At step s, rank r passes its
/// partial result for chunk r-s-1 to rank r+1 and combines its own input
/// into the partial result for chunk r-s-2 that it receives from rank r-1;
/// after size-1 steps it holds the full reduction of chunk r. Each rank
/// sends (size-1)/size of the data, the bandwidth optimum; with 2 ranks it
/// is a single exchange. Chunks may differ in size (uneven blocks).
void ringReduceScatter(const Call &call, int32_t reduction, const char *in,
                       char *out, const std::vector<int64_t> &offsets,
                       const std::vector<int64_t> &counts) {
  const int size = call.axis.size, rank = call.axis.rank;
  const size_t bytes = call.type.bytes;
  auto chunk = [&](int index) {
    return in + size_t(offsets[size_t(index)]) * bytes;
  };
  auto countOf = [&](int index) { return counts[size_t(index)]; };
  if (size == 1) {
    if (in != out)
      std::memcpy(out, in, size_t(countOf(0)) * bytes);
    return;
  }
  int64_t largest = *std::max_element(counts.begin(), counts.end());
  // In place, `out` still holds this rank's input until the last combine.
  const bool outIsOwnChunk = out == chunk(rank);
  const int next = (rank + 1) % size, previous = (rank + size - 1) % size;
  const char *partial = chunk(previous);
  for (int step = 0; step < size - 1; ++step) {
    bool last = step == size - 2;
    int sent = (rank - step - 1 + 2 * size) % size;
    int own = (rank - step - 2 + 2 * size) % size;
    // The partial result received at one step is sent at the next, so
    // steps alternate between two scratch buffers; the last one receives
    // straight into `out` unless `out` is still needed as input.
    char *received = last && !outIsOwnChunk
                         ? out
                         : scratch(step % 2 ? Scratch::RingB : Scratch::RingA,
                                   size_t(largest) * bytes);
    checkMpi(MPI_Sendrecv(partial, call.count(countOf(sent)), call.type.mpiType,
                          next, kRingTag, received, call.count(countOf(own)),
                          call.type.mpiType, previous, kRingTag, call.axis.comm,
                          MPI_STATUS_IGNORE),
             "MPI_Sendrecv");
    if (last && outIsOwnChunk)
      combineInto(call.dtype, reduction, out, received, size_t(countOf(own)));
    else
      combineInto(call.dtype, reduction, received, chunk(own),
                  size_t(countOf(own)));
    partial = received;
  }
}

/// Ring all-gather in place: rank j's block (`counts[j]` elements at
/// element `offsets[j]` of `gathered`) is already in place on rank j; after
/// size-1 steps, each passing the block received at the step before to rank
/// r+1, every rank holds every block. Each rank sends and receives
/// (size-1)/size of the data, as the reduce-scatter's ring.
void ringAllGather(const Call &call, char *gathered,
                   const std::vector<int64_t> &offsets,
                   const std::vector<int64_t> &counts) {
  const int size = call.axis.size, rank = call.axis.rank;
  const size_t bytes = call.type.bytes;
  const int next = (rank + 1) % size, previous = (rank + size - 1) % size;
  for (int step = 0; step < size - 1; ++step) {
    int sent = (rank - step + size) % size;
    int received = (rank - step - 1 + size) % size;
    checkMpi(MPI_Sendrecv(
                 gathered + size_t(offsets[size_t(sent)]) * bytes,
                 call.count(counts[size_t(sent)]), call.type.mpiType, next,
                 kRingTag, gathered + size_t(offsets[size_t(received)]) * bytes,
                 call.count(counts[size_t(received)]), call.type.mpiType,
                 previous, kRingTag, call.axis.comm, MPI_STATUS_IGNORE),
             "MPI_Sendrecv");
  }
}

/// MPI's int counts and displacements of `blocks`, each block scaled by
/// `scale` elements (outer * inner of the split dimension).
std::vector<int> mpiCounts(const Call &call, const std::vector<int64_t> &values,
                           int64_t scale) {
  std::vector<int> result;
  for (int64_t value : values)
    result.push_back(call.count(value * scale));
  return result;
}

/// COCO_AG_ALGO's choice for an all-gather (an all_gather's, or the
/// all_reduce ring's last step): auto, the ring, or MPI_Allgather(v).
/// The ranks agree on it (Call::agreeOnBuffers) under this name.
enum AllGatherAlgorithm : int64_t { AgAuto, AgRing, AgMpi };
constexpr const char *kAllGatherAlgorithmParam =
    "all-gather algorithm (COCO_AG_ALGO: 0 auto, 1 ring, 2 mpi)";
int64_t allGatherAlgorithm(const char *site) {
  return algorithmChoice("COCO_AG_ALGO", {"auto", "ring", "mpi"}, site);
}

/// From this size of the gathered buffer on, an all-gather defaults to the
/// ring. Open MPI 4.1's MPI_Allgather on 3 ranks (blocks of equal size) took
/// 1.3-3.1x the time of the ring from 512 KiB to 64 MiB (221 against
/// 175 us at 512 KiB, 83 against 26 ms at 64 MiB; MPI_Allgatherv, which
/// uneven blocks take, about as long as the ring), and so the all_reduce's
/// ring, which gathers with it, took up to 2x its time: sizes that 3
/// divides were the slow ones, and the model, calibrated on such sizes,
/// priced 16M-element steps on 3 ranks 1.4-4.3x too slow. On 4 ranks the
/// ring took 0.85-1.02x MPI_Allgather's time from 512 KiB to 64 MiB, on 2
/// ranks 0.85-1.01x from 1 MiB and 1.2x at 512 KiB (7 us); below 512 KiB
/// MPI's algorithms for few bytes win (coco-raw-collectives, COCO_AG_ALGO=mpi
/// or ring, medians of 7-9, two launches each, 2026-12-06). 512 KiB rather
/// than 1 MiB: coco-calibrate's 1 MiB point, rounded down to a multiple of
/// the rank count, then takes the path that programs of that size take.
constexpr size_t kRingAllGatherMinBytes = size_t(512) << 10;

/// Gathers every rank's block (`counts[j]` elements at element
/// `offsets[j]`; this rank's already in place) into `gathered` on every
/// rank.
void gatherInPlace(const Call &call, int64_t algorithm, char *gathered,
                   const std::vector<int64_t> &offsets,
                   const std::vector<int64_t> &counts, bool equal) {
  size_t gatheredBytes = 0;
  for (int64_t count : counts)
    gatheredBytes += size_t(count) * call.type.bytes;
  // (One rank goes through MPI, which checks the count: COCO_FAULT_INJECT
  // reaches a group of one too.)
  if (call.axis.size > 1 &&
      (algorithm == AgRing ||
       (algorithm == AgAuto && gatheredBytes >= kRingAllGatherMinBytes))) {
    ringAllGather(call, gathered, offsets, counts);
    return;
  }
  const size_t rank = size_t(call.axis.rank);
  if (equal) {
    const int count = call.count(counts[rank]);
    checkMpi(MPI_Allgather(MPI_IN_PLACE, count, call.type.mpiType, gathered,
                           count, call.type.mpiType, call.axis.comm),
             "MPI_Allgather");
    return;
  }
  // An injected fault's count (-1) reaches MPI's check only with a send
  // buffer of its own (a byte that aliases nothing): with MPI_IN_PLACE
  // Open MPI ignores the count, and every rank waited in the collective.
  static char faultSendBuffer;
  const void *send = faultInjected(call.op) ? &faultSendBuffer : MPI_IN_PLACE;
  checkMpi(MPI_Allgatherv(send, call.count(counts[rank]), call.type.mpiType,
                          gathered, mpiCounts(call, counts, 1).data(),
                          mpiCounts(call, offsets, 1).data(), call.type.mpiType,
                          call.axis.comm),
           "MPI_Allgatherv");
}

/// From this size on, all_reduce defaults to the ring (reduce-scatter, then
/// the all-gather in place, gatherInPlace). Against MPI_Allreduce (OpenMPI 4.1,
/// this 2-core machine, interleaved in one launch, median of 15; two launches
/// on 2 and 4 ranks, one on 3), for f32, bf16 and f16 from 256 KiB to
/// 16 MiB the ring took 0.56-0.85x MPI's time on 2 ranks, 0.65-0.96x on 4,
/// 0.78-0.94x on 3 but for 1.06x at 1 MiB; at 64 KiB 0.7-1.1x; at 4 KiB on
/// 3 and 4 ranks 1.15x (its 2(R-1) message steps). It used to start at
/// 16 MiB. The 16-bit floats, whose MPI sum is a user-defined op, gain
/// most where other collectives run in between: bf16 at 1 MiB took 3-4x
/// less time by the ring inside coco-calibrate's interleaving.
constexpr size_t kRingAllReduceMinBytes = size_t(256) << 10;

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
  checkReduction(dtype, reduction, call.site);
  enum { Auto, Ring, Mpi };
  int64_t algorithm =
      algorithmChoice("COCO_AR_ALGO", {"auto", "ring", "mpi"}, call.site);
  int64_t gatherAlgorithm = allGatherAlgorithm(call.site);
  auto [input, output] = call.agreeOnBuffers(
      reduction,
      {{"all_reduce algorithm (COCO_AR_ALGO: 0 auto, 1 ring, 2 mpi)",
        algorithm},
       {kAllGatherAlgorithmParam, gatherAlgorithm}},
      inRank, in, outRank, out);

  call.requireSameElements(input, output);
  bool inPlace = input.data == output.data;
  if (!inPlace)
    call.requireDisjoint(input, output);
  const int size = call.axis.size;
  bool useRing =
      size > 1 && output.elems > 0 &&
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
  // Reduce-scatter into this rank's chunk of out, then gather the chunks
  // in place. Chunks as even as the count allows (coco's block rule: the
  // first elems % size ranks hold one more element), so that every count
  // takes the ring.
  std::vector<int64_t> offsets, counts;
  for (int j = 0; j < size; ++j) {
    auto [offset, count] = coco_support::balancedBlock(output.elems, size, j);
    offsets.push_back(offset);
    counts.push_back(count);
  }
  const size_t rank = size_t(call.axis.rank);
  char *ownChunk = output.data + size_t(offsets[rank]) * call.type.bytes;
  ringReduceScatter(call, reduction, input.data, ownChunk, offsets, counts);
  if (reduction == COCO_RED_AVG) // on 1/size of the data only
    divideInPlace(dtype, ownChunk, size_t(counts[rank]), size);
  gatherInPlace(call, gatherAlgorithm, output.data, offsets, counts,
                output.elems % size == 0);
}

void coco_rt_reduce_scatter(const char *site, int64_t comm, int32_t dtype,
                            int32_t reduction, int64_t dim, int64_t inRank,
                            void *in, int64_t outRank, void *out) {
  Call call(site, OpKind::ReduceScatter, comm, dtype);
  checkReduction(dtype, reduction, call.site);
  bool useMpi =
      algorithmChoice("COCO_RS_ALGO", {"ring", "mpi"}, call.site) == 1;
  auto [input, output] = call.agreeOnBuffers(
      reduction,
      {{"dim", dim},
       {"reduce_scatter algorithm (COCO_RS_ALGO: 0 ring, 1 mpi)", useMpi}},
      inRank, in, outRank, out, /*inBlockDim=*/-1, /*outBlockDim=*/dim);

  Blocks blocks = requireBlock(call, input, "input", output, "output", dim);
  const int size = call.axis.size;
  bool inPlace = input.data == output.data && size == 1;
  if (!inPlace)
    call.requireDisjoint(input, output);

  // Make each rank's block contiguous: [outer][blocks][inner] -> [rank]
  // [outer][block][inner]. The result, [outer][block][inner], is then
  // already out's layout; rank j's part starts at outer * offset_j * inner.
  const char *chunks = input.data;
  const int64_t outer = input.outer(dim), inner = input.inner(dim);
  if (outer > 1 && size > 1) {
    char *packed = scratch(Scratch::Pack, input.bytes);
    packBlocks(packed, input, dim, blocks, call.type.bytes);
    chunks = packed;
  }
  std::vector<int64_t> offsets, counts;
  for (size_t j = 0; j < blocks.counts.size(); ++j) {
    offsets.push_back(outer * blocks.offsets[j] * inner);
    counts.push_back(outer * blocks.counts[j] * inner);
  }
  if (useMpi && blocks.equal)
    checkMpi(MPI_Reduce_scatter_block(
                 inPlace ? MPI_IN_PLACE : chunks, output.data,
                 call.count(output.elems), call.type.mpiType,
                 mpiReductionOp(dtype, reduction), call.axis.comm),
             "MPI_Reduce_scatter_block");
  else if (useMpi)
    checkMpi(
        MPI_Reduce_scatter(inPlace ? MPI_IN_PLACE : chunks, output.data,
                           mpiCounts(call, counts, 1).data(), call.type.mpiType,
                           mpiReductionOp(dtype, reduction), call.axis.comm),
        "MPI_Reduce_scatter");
  else
    ringReduceScatter(call, reduction, chunks, output.data, offsets, counts);
  if (reduction == COCO_RED_AVG)
    divideInPlace(dtype, output.data, size_t(output.elems), size);
}

void coco_rt_all_gather(const char *site, int64_t comm, int32_t dtype,
                        int64_t dim, int64_t inRank, void *in, int64_t outRank,
                        void *out) {
  Call call(site, OpKind::AllGather, comm, dtype);
  int64_t algorithm = allGatherAlgorithm(call.site);
  auto [input, output] = call.agreeOnBuffers(
      -1, {{"dim", dim}, {kAllGatherAlgorithmParam, algorithm}}, inRank, in,
      outRank, out, /*inBlockDim=*/dim);

  Blocks blocks = requireBlock(call, output, "output", input, "input", dim);
  const int64_t outer = output.outer(dim), inner = output.inner(dim);
  const size_t bytes = call.type.bytes;
  const size_t rank = size_t(call.axis.rank);
  // Where rank j's block lands in the gathered buffer, in elements: in out
  // itself when the blocks are contiguous there (outer == 1), else in a
  // scratch buffer [rank][outer][block][inner] unpacked afterwards.
  std::vector<int64_t> offsets, counts;
  for (size_t j = 0; j < blocks.counts.size(); ++j) {
    offsets.push_back(outer * blocks.offsets[j] * inner);
    counts.push_back(outer * blocks.counts[j] * inner);
  }
  char *gathered =
      outer == 1 ? output.data : scratch(Scratch::Unpack, output.bytes);
  // The input may already be this rank's block of out.
  bool inPlace =
      outer == 1 && input.data == output.data + size_t(offsets[rank]) * bytes;
  if (!inPlace && outer == 1)
    call.requireDisjoint(input, output);
  if (!inPlace && input.bytes > 0)
    std::memcpy(gathered + size_t(offsets[rank]) * bytes, input.data,
                input.bytes);
  gatherInPlace(call, algorithm, gathered, offsets, counts, blocks.equal);
  if (outer == 1)
    return;
  size_t innerBytes = size_t(inner) * bytes;
  for (size_t j = 0; j < blocks.counts.size(); ++j)
    copyAlongDim(output.data, gathered + size_t(offsets[j]) * bytes, outer,
                 blocks.counts[j], output.sizes[dim], 0, blocks.offsets[j],
                 blocks.counts[j], innerBytes);
}

void coco_rt_broadcast(const char *site, int64_t comm, int32_t dtype,
                       int64_t root, int64_t inRank, void *in, int64_t outRank,
                       void *out) {
  Call call(site, OpKind::Broadcast, comm, dtype);
  auto [input, output] =
      call.agreeOnBuffers(-1, {{"root", root}}, inRank, in, outRank, out);

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
  checkReduction(dtype, reduction, call.site);
  auto [input, output] = call.agreeOnBuffers(reduction, {{"root", root}},
                                             inRank, in, outRank, out);

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
                        int64_t splitDim, int64_t concatDim, int32_t skipSelf,
                        int64_t windowStart, int64_t inRank, void *in,
                        int64_t outRank, void *out) {
  Call call(site, OpKind::AllToAll, comm, dtype);
  // The pairwise exchange of dim 0's rows may read and write rows that lie
  // apart (coco-chunk-exchange: a chunk of every rank's equal block; a
  // window of uneven ones takes contiguous buffers).
  const bool stridedRows =
      skipSelf && splitDim == 0 && concatDim == 0 && windowStart < 0;
  auto [input, output] =
      call.agreeOnBuffers(-1,
                          {{"split dim", splitDim},
                           {"concat dim", concatDim},
                           {"skip self", skipSelf != 0},
                           {"window start", windowStart}},
                          inRank, in, outRank, out,
                          /*inBlockDim=*/concatDim,
                          /*outBlockDim=*/splitDim, stridedRows);

  const int size = call.axis.size;
  const size_t bytes = call.type.bytes;
  AllToAllBlocks blocks = requireAllToAllShapes(call, input, output, splitDim,
                                                concatDim, windowStart);

  // Send buffer: rank j's block of the split dim, [j][...block...]; receive
  // buffer: rank j's block of the concat dim, unpacked into out.
  const int64_t sendOuter = input.outer(splitDim);
  const int64_t recvOuter = output.outer(concatDim);
  const size_t recvInner = size_t(output.inner(concatDim)) * bytes;
  std::vector<int64_t> sendCounts, sendOffsets, recvCounts, recvOffsets;
  for (int j = 0; j < size; ++j) {
    sendCounts.push_back(sendOuter * blocks.split.counts[size_t(j)] *
                         input.inner(splitDim));
    sendOffsets.push_back(sendOuter * blocks.split.offsets[size_t(j)] *
                          input.inner(splitDim));
    recvCounts.push_back(recvOuter * blocks.concat.counts[size_t(j)] *
                         output.inner(concatDim));
    recvOffsets.push_back(recvOuter * blocks.concat.offsets[size_t(j)] *
                          output.inner(concatDim));
  }
  const char *send = input.data;
  if (sendOuter > 1) {
    char *packed = scratch(Scratch::Pack, input.bytes);
    packBlocks(packed, input, splitDim, blocks.split, bytes);
    send = packed;
  }
  char *received =
      recvOuter > 1 ? scratch(Scratch::Unpack, output.bytes) : output.data;
  // In place when neither side needs a copy and the buffers are the same.
  bool inPlace = send == received;
  if (skipSelf || windowStart >= 0 ||
      (!inPlace && send == input.data && received == output.data))
    call.requireDisjoint(input, output);
  if (skipSelf) {
    // Rows apart: each block must be one row (one index of dim 0), so that
    // what goes to a rank is contiguous.
    for (const Tensor *buffer : {&input, &output})
      if (!buffer->contiguous() && buffer->sizes[0] != size)
        call.fail(formatString(
            "an all_to_all of rows that lie apart needs one row per rank; "
            "got %s %s on %d ranks",
            buffer == &input ? "input" : "output", buffer->shape().c_str(),
            size));
    if (!input.contiguous() || !output.contiguous())
      for (int j = 0; j < size; ++j) {
        sendOffsets[size_t(j)] = j * input.rowStride;
        recvOffsets[size_t(j)] = j * output.rowStride;
      }
    // Pairwise: at step s, send to rank r+s and receive from rank r-s, so
    // every pair exchanges once and nothing is copied to this rank itself.
    for (int step = 1; step < size; ++step) {
      const size_t to = size_t((call.axis.rank + step) % size);
      const size_t from = size_t((call.axis.rank - step + size) % size);
      checkMpi(MPI_Sendrecv(
                   send + size_t(sendOffsets[to]) * bytes,
                   call.count(sendCounts[to]), call.type.mpiType, int(to),
                   kPairwiseTag, received + size_t(recvOffsets[from]) * bytes,
                   call.count(recvCounts[from]), call.type.mpiType, int(from),
                   kPairwiseTag, call.axis.comm, MPI_STATUS_IGNORE),
               "MPI_Sendrecv (all_to_all)");
    }
  } else if (blocks.split.equal && blocks.concat.equal) {
    const int count = call.count(input.elems / size);
    checkMpi(MPI_Alltoall(inPlace ? MPI_IN_PLACE : send, count,
                          call.type.mpiType, received, count, call.type.mpiType,
                          call.axis.comm),
             "MPI_Alltoall");
  } else {
    checkMpi(MPI_Alltoallv(inPlace ? MPI_IN_PLACE : send,
                           mpiCounts(call, sendCounts, 1).data(),
                           mpiCounts(call, sendOffsets, 1).data(),
                           call.type.mpiType, received,
                           mpiCounts(call, recvCounts, 1).data(),
                           mpiCounts(call, recvOffsets, 1).data(),
                           call.type.mpiType, call.axis.comm),
             "MPI_Alltoallv");
  }
  if (recvOuter == 1)
    return;
  for (int j = 0; j < size; ++j)
    if (!skipSelf || j != call.axis.rank)
      copyAlongDim(output.data,
                   received + size_t(recvOffsets[size_t(j)]) * bytes, recvOuter,
                   blocks.concat.counts[size_t(j)], output.sizes[concatDim], 0,
                   blocks.concat.offsets[size_t(j)],
                   blocks.concat.counts[size_t(j)], recvInner);
}

} // extern "C"
