//===- ProgramCost.h - predicted time of a coco function --------*- C++ -*-===//
//
// The cost model applied to a program: every collective at its per-rank
// size over its group (CollectiveOpInterface; send counted once for the
// pair), the elementwise ops as the fused loops the pipeline makes of them
// (bytes read from memory: arguments and collective results; written:
// what leaves the loop), reductions reading their input, matmuls by their
// flops. Per rank, in seconds; the blocks of uneven slices count at their
// largest size, the rank that finishes last.
//
//===----------------------------------------------------------------------===//

#ifndef COCO_COSTMODEL_PROGRAMCOST_H
#define COCO_COSTMODEL_PROGRAMCOST_H

#include "coco/CostModel/CostModel.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/IR/BuiltinOps.h"

namespace mlir::coco::cost {

struct Estimate {
  double collectives = 0, loops = 0, matmuls = 0;
  /// The part of `loops` that loops spend waiting for their divides and
  /// square roots beyond their memory traffic.
  double dividerWait = 0;
  /// Matmul + collective pairs a schedule marked for overlap
  /// (coco.overlap_chunks), as Model::overlapped prices them.
  double overlapped = 0;
  /// Fused reduce-scatters whose exchange is priced in chunks, as
  /// coco-chunk-exchange will cut it (with Lowering::exchangeChunkBytes).
  int64_t chunkedExchanges = 0;
  /// The bytes per rank the program's arrays take (its arguments and the
  /// buffers it makes), and how much of its collectives' time is priced on
  /// the profile's warm lines for it (Model::warmth; 0: all cold).
  double workingSet = 0, warmth = 0;
  double total() const { return collectives + loops + matmuls + overlapped; }
};

/// How the pipeline will lower the program (its options).
struct Lowering {
  /// coco-fuse-elementwise: one loop per group of elementwise ops (else
  /// one per op, each reading its operands and writing its result).
  bool fuseElementwise = true;
  /// overlap-chunks: every all_reduce / reduce_scatter of a matmul's
  /// product overlapped in this many chunks (0: only marked ones).
  int64_t overlapChunks = 0;
  /// fuse-reduce-scatter: the reduce_scatter's traffic is an exchange (an
  /// all_to_all skipping a rank's own block; its sum moves into the loop).
  /// (false: only marked ones, kFuseReduceScatterAttr).
  bool fuseReduceScatter = false;
  /// coco-fuse-elementwise{reductions}: a reduction to a scalar of a
  /// loop's value is summed in that loop (coco-lower-to-cpu); false: it is
  /// a loop (a kernel) of its own that reads the value back
  /// (coco-lower-to-gpu).
  bool fuseReductions = true;
  /// exchange-chunk-bytes (coco-chunk-exchange): a folded reduce_scatter's
  /// exchange runs in chunks of at most this many bytes received from all
  /// peers together (chunk bytes / ((ranks - 1) * row bytes) rows of each
  /// peer's block, at least one; uneven blocks: windows of that many rows),
  /// each summed by the loop while it is in the cache: the loop reads only
  /// this rank's own block from memory, and the exchange costs the whole
  /// one's time plus a call's latency for each further chunk. 0, or a block
  /// that fits in one chunk: the whole block arrives first (and the loop
  /// reads it back from memory).
  int64_t exchangeChunkBytes = 0;
};

/// The model of the profile at `path`, for pricing `module` on `ranks`
/// ranks as `lowering` says, with `callerBytes` of the caller's data
/// between calls; an error at the module, prefixed with `pass`, when the
/// path is empty, the profile does not load, a grid has a '?' extent and
/// ranks is not given, or a count or size is negative.
FailureOr<Model> loadModelFor(ModuleOp module, StringRef pass, StringRef path,
                              int64_t ranks, const Lowering &lowering,
                              int64_t callerBytes);

/// The predicted time of one call of `function` on `worldRanks` ranks ('?'
/// grid extents take what the static ones leave); an error at the op the
/// profile cannot price. Its collectives are priced for the working set
/// of the whole function (what stays in the caches from one call to the
/// next: Model::warmth), which takes a first pass over it to learn, and
/// `callerBytes`, the bytes per rank the caller touches between two calls
/// (a training loop's forward and backward passes; a benchmark's other
/// programs), which share the caches with it. 0: called in a loop of its
/// own.
FailureOr<Estimate> estimate(func::FuncOp function, const Model &model,
                             int64_t worldRanks, Lowering lowering = {},
                             double callerBytes = 0);

/// Whether `function` is in coco's rank-local form: builtin tensors (a
/// rank's blocks) and coco.comm collectives, nothing of the global view
/// (after coco-localize, or a program imported by convert-shard-to-coco). The
/// model prices the global view only, so such a function would cost nothing:
/// coco-predict and coco-autoschedule say so rather than price it.
bool isRankLocal(func::FuncOp function);

} // namespace mlir::coco::cost

#endif // COCO_COSTMODEL_PROGRAMCOST_H
