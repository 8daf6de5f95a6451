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
/// the ring reduce-scatter uses a tag of its own.
constexpr int kSendTagBase = 100;
constexpr int kRingTag = 1000;

/// A memref argument: contiguous row-major data and its shape.
struct Tensor {
  char *data;
  int64_t rank;
  const int64_t *sizes;
  int64_t elems;
  size_t bytes;

  /// Product of the sizes before / after `dim`.
  int64_t outer(int64_t dim) const;
  int64_t inner(int64_t dim) const;
  std::string shape() const { return formatShape(rank, sizes); }
};

class Call {
public:
  Call(const char *site, OpKind op, int64_t comm, int32_t dtype);

  /// Views a memref (rank, descriptor) argument; fatal unless contiguous.
  /// `name` ("input", "output") is used in messages.
  Tensor tensor(int64_t rank, void *descriptor, const char *name) const;

  /// Checks that every rank of the axis agrees on `signature`. After it, an
  /// argument error is the same on every rank and fail() reports it once.
  void check(const Signature &signature);

  /// What every collective with an input and an output buffer starts with:
  /// views both memrefs and checks that the ranks agree on the op, dtype,
  /// `reduction` (-1: none), the named `params` and both shapes.
  struct Buffers {
    Tensor input, output;
  };
  Buffers agreeOnBuffers(
      int32_t reduction,
      std::initializer_list<std::pair<const char *, int64_t>> params,
      int64_t inRank, void *in, int64_t outRank, void *out);

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

/// dst[j][i] = src[i][j] for blocks of `blockBytes`: src is [a][b] blocks.
/// Moves chunk j of every outer slice next to each other (pack), or back.
void transposeBlocks(char *dst, const char *src, int64_t a, int64_t b,
                     size_t blockBytes);

/// Checks that `whole` is `part` with size[dim] multiplied by the axis size
/// (reduce_scatter's input and output, all_gather's output and input).
void requireGathered(const Call &call, const Tensor &whole,
                     const char *wholeName, const Tensor &part,
                     const char *partName, int64_t dim);

/// Checks all_to_all's shapes (output = input with dim splitDim divided and
/// dim concatDim multiplied by the axis size) and returns the product of a
/// exchanged block's sizes before concatDim.
int64_t requireAllToAllShapes(const Call &call, const Tensor &input,
                              const Tensor &output, int64_t splitDim,
                              int64_t concatDim);

} // namespace coco::rt

#endif // COCO_LIB_RUNTIME_CALL_H
