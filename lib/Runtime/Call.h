//===- Call.h - Context of one communication call ---------------*- C++ -*-===//
//
// What every collective and point-to-point entry point starts with: lazy
// init, the watchdog scope, the communicator and element type behind the
// handles, views of the memref arguments, and argument errors.
//
//===----------------------------------------------------------------------===//

#ifndef COCO_LIB_RUNTIME_CALL_H
#define COCO_LIB_RUNTIME_CALL_H

#include "ElementTypes.h"
#include "Internal.h"

#include <initializer_list>
#include <utility>

namespace coco::rt {

/// Tags of the runtime's point-to-point messages. coco_rt_send tags its
/// message with the dtype so that coco_rt_recv can detect a dtype mismatch;
/// the rings (reduce-scatter, all-gather) use a tag of their own.
constexpr int kSendTagBase = 100;
constexpr int kRingTag = 1000;
/// Tag of the pairwise exchange (all_to_all with skip_self).
constexpr int kPairwiseTag = 1001;
/// Tag of the non-blocking reduce-scatter's exchange (Nonblocking.cpp).
constexpr int kOverlapTag = 1002;

/// A memref argument: row-major data and its shape, contiguous except that
/// where a caller allows it (Call::tensor's `stridedRows`) the rows of dim 0
/// may lie `rowStride` elements apart.
struct Tensor {
  char *data;
  int64_t rank;
  const int64_t *sizes;
  int64_t elems;
  /// The bytes from the first element to one past the last (the rows' gaps
  /// included).
  size_t bytes;
  /// Elements from one index of dim 0 to the next (inner(0) when
  /// contiguous).
  int64_t rowStride;

  bool contiguous() const {
    return rank == 0 || elems == 0 || rowStride == inner(0);
  }

  /// Product of the sizes before / after `dim`.
  int64_t outer(int64_t dim) const;
  int64_t inner(int64_t dim) const;
  std::string shape() const { return formatShape(rank, sizes); }
};

class Call {
public:
  Call(const char *site, OpKind op, int64_t comm, int32_t dtype);

  /// Views a memref (rank, descriptor) argument; fatal unless contiguous,
  /// or with `stridedRows` contiguous within each index of dim 0 with those
  /// at least a row apart (coco-chunk-exchange's views of row blocks).
  /// `name` ("input", "output") is used in messages.
  Tensor tensor(int64_t rank, void *descriptor, const char *name,
                bool stridedRows = false) const;

  /// Checks that every rank of the axis agrees on `signature`. After it, an
  /// argument error is the same on every rank and fail() reports it once.
  void check(const Signature &signature);

  /// What every collective with an input and an output buffer starts with:
  /// views both memrefs and checks that the ranks agree on the op, dtype,
  /// `reduction` (-1: none), the named `params` and both shapes. Where a
  /// buffer holds this rank's block of a dimension (`inBlockDim`,
  /// `outBlockDim`; -1: none), whose size differs between ranks, the ranks
  /// agree on the other buffer's size of that dimension instead.
  /// `stridedRows`: as for tensor(), for both buffers.
  struct Buffers {
    Tensor input, output;
  };
  Buffers
  agreeOnBuffers(int32_t reduction,
                 std::initializer_list<std::pair<const char *, int64_t>> params,
                 int64_t inRank, void *in, int64_t outRank, void *out,
                 int64_t inBlockDim = -1, int64_t outBlockDim = -1,
                 bool stridedRows = false);

  /// Ends the job over a bad argument.
  [[noreturn]] void fail(const std::string &cause) const;
  void requireInRange(const char *name, int64_t value, int64_t bound) const;
  void requireDisjoint(const Tensor &input, const Tensor &output) const;
  void requireSameElements(const Tensor &input, const Tensor &output) const;

  /// The count argument of this call's MPI calls: fatal beyond MPI's int
  /// range, and -1 when COCO_FAULT_INJECT targets this op on this rank, which
  /// makes MPI itself reject the call.
  int count(int64_t elems) const;

  const char *const site;

private:
  CallScope scope;

public:
  const OpKind op;
  const AxisComm &axis;
  const int32_t dtype;
  const DTypeInfo &type;

private:
  bool agreed = false;
};

/// Checks that `part` is this rank's block along `dim` of `whole` (other
/// dims equal): reduce_scatter's output of its input, all_gather's input of
/// its output. Returns every rank's block of the dimension.
Blocks requireBlock(const Call &call, const Tensor &whole,
                    const char *wholeName, const Tensor &part,
                    const char *partName, int64_t dim);

/// all_to_all's blocks: of the input's split dim (what goes to each rank),
/// and of the output's concat dim (what comes from each rank).
struct AllToAllBlocks {
  Blocks split, concat;
};

/// Checks all_to_all's shapes: the output is the input with dim `splitDim`
/// cut to this rank's block and dim `concatDim` holding every rank's block
/// (the input holding this rank's). Where the two dims are one, the output's
/// dim is one slot per rank as large as the largest block, and `concat`
/// gives where in each slot this rank's block from that rank lands. With
/// `windowStart` s >= 0 (the two dims one), the slots hold any w rows each
/// and what moves is rows [s, s + w) of each block, cut to its end: `split`
/// gives the rows sent to each rank, `concat` those received.
AllToAllBlocks requireAllToAllShapes(const Call &call, const Tensor &input,
                                     const Tensor &output, int64_t splitDim,
                                     int64_t concatDim, int64_t windowStart);

/// For every `o` < `outer`: copies `size` rows of `innerBytes` from row
/// `o * srcExtent + srcOffset` of `src` to row `o * dstExtent + dstOffset` of
/// `dst`. Packs a block of one dimension into a contiguous buffer, or
/// unpacks it.
void copyAlongDim(char *dst, const char *src, int64_t outer, int64_t srcExtent,
                  int64_t dstExtent, int64_t srcOffset, int64_t dstOffset,
                  int64_t size, size_t innerBytes);

/// Packs every rank's block along `dim` of `whole` contiguously, rank by
/// rank ([rank][outer][block][inner]) into `packed`; rank j's part starts at
/// element outer * blocks.offsets[j] * inner.
void packBlocks(char *packed, const Tensor &whole, int64_t dim,
                const Blocks &blocks, size_t elementBytes);

} // namespace coco::rt

#endif // COCO_LIB_RUNTIME_CALL_H
