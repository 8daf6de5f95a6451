//===- CostModel.h - time of collectives, loops, matmuls --------*- C++ -*-===//
//
// What coco-autoschedule ranks schedules by, what coco-calibrate measures
// and what the benchmarks print next to their measurements:
//
//   * a machine Profile (JSON): lines time = latency + bytes * seconds/byte
//     measured per collective and number of ranks (coco-calibrate), and
//     per element type (bf16, f16: their sums cost more than their bytes
//     say), per-link
//     figures of the machine's levels (NVLink inside a node, InfiniBand
//     across) for rank counts nobody measured, the copy bandwidth with
//     every rank copying, matmul throughput, and the cost of one more chunk
//     of an overlapped matmul + collective;
//   * a Model over it: the time of a collective (the measured line, or the
//     ring algorithm on the levels; across levels the fastest of NCCL's
//     rail-aligned ring, its tree and the hierarchical form), of a fused loop
//     (bytes / bandwidth), of a matmul (flops / throughput), and of an
//     overlapped pair.
//
// Sizes are bytes of the whole tensor the collective works on as one rank
// sees it: the input of all_reduce, reduce_scatter, broadcast, reduce,
// all_to_all, exchange and send, the output of all_gather.
//
//===----------------------------------------------------------------------===//

#ifndef COCO_COSTMODEL_COSTMODEL_H
#define COCO_COSTMODEL_COSTMODEL_H

#include "llvm/ADT/StringRef.h"
#include "llvm/Support/Error.h"
#include "llvm/Support/JSON.h"

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace mlir::coco::cost {

enum class Collective {
  AllReduce,
  ReduceScatter,
  AllGather,
  Broadcast,
  Reduce,
  AllToAll,
  /// all_to_all skip_self: the exchange of the fused reduce-scatter (no
  /// copy of a rank's own block).
  Exchange,
  SendRecv,
};
/// "all_reduce", ... (the names of the ops, and of the profile's keys).
llvm::StringRef nameOf(Collective kind);
std::optional<Collective> collectiveNamed(llvm::StringRef name);

/// time = latency + bytes * secondsPerByte.
struct Line {
  double latency = 0;
  double secondsPerByte = 0;
  /// The measured (bytes, seconds) the line was fitted to, sorted by size.
  /// When there are some, a time is interpolated between the two nearest
  /// sizes (and extrapolated along the last two): collectives change
  /// algorithm with the size (the runtime's all_reduce ring from 256 KiB),
  /// which one line over the whole sweep cannot follow.
  std::vector<std::pair<double, double>> points;
  double at(double bytes) const;
  /// The line through (bytes, seconds) points with the least relative
  /// squared error (at least two distinct sizes); latency and slope
  /// clamped at 0.
  static Line fit(std::vector<std::pair<double, double>> points);
};

/// Ranks that share one kind of link, innermost level first (a node's GPUs
/// over NVLink, then nodes over InfiniBand).
struct Level {
  std::string name;
  int64_t ranks = 1;    ///< ranks per group at this level
  double latency = 0;   ///< seconds per message step
  double bandwidth = 0; ///< bytes/s each rank sends (one direction)
  std::string source;   ///< where the figures come from
};

/// A fused loop at one working set (bytes of each rank's arrays).
struct LoopPoint {
  double workingSet = 0;
  /// Bytes/s read and written per rank by a loop that writes where it
  /// reads (w = w + a * x): every line it stores is in the cache already.
  double bandwidth = 0;
  /// What one byte stored where the loop did not read costs, in bytes of
  /// the loop's traffic: a cache writes back only whole lines, so it first
  /// reads the line it will overwrite (write-allocate), unless it is there
  /// already. 1: free (no such read).
  double freshStoreFactor = 1;
  bool operator==(const LoopPoint &other) const {
    return workingSet == other.workingSet && bandwidth == other.bandwidth &&
           freshStoreFactor == other.freshStoreFactor;
  }
};

/// Measured: collective -> number of ranks -> line.
using Lines = std::map<Collective, std::map<int64_t, Line>>;

struct Profile {
  std::string name, source;
  /// Measured on f32 data, and what any element type's collective costs
  /// by its bytes unless measuredByElementType has a line for it.
  Lines measured;
  /// Measured on data of one element type ("bf16", "f16": the runtime's
  /// names, as in ElementTypes.h): a 16-bit float's reduction widens each
  /// element to f32 and back, so its bytes cost more than f32 ones (a bf16
  /// reduce_scatter of 1M elements measured 0.56-0.71 ms here, an f32 one
  /// of the same 2 MiB 0.34-0.37). In JSON, an entry of "collectives" with
  /// an "element_type".
  std::map<std::string, Lines> measuredByElementType;
  /// The same for the non-blocking all_reduce and reduce_scatter (started,
  /// then waited for) that overlapped chunks call, where they run another
  /// algorithm than the blocking ones (on CPUs, the all_reduce MPI's
  /// libnbc, 2-4x slower here; the reduce_scatter a direct exchange against
  /// the blocking ring). Empty: as the blocking ones (NCCL).
  Lines measuredNonBlocking;
  /// The same three kinds of lines measured on buffers the previous
  /// repetition left in the caches, where the ones above start with the
  /// caches full of other data (coco-calibrate evicts them, as a step
  /// whose arrays outgrow the caches finds its buffers). A step whose
  /// arrays fit finds its collectives' buffers in the caches, where they
  /// cost a fraction (here an all_reduce of 64 KiB took 18-29 us warm and
  /// 81-90 us cold; of 16 MiB, the same). In JSON, the sections
  /// "warm_collectives" and "warm_nonblocking_collectives". Empty: every
  /// collective priced by the lines above.
  Lines measuredWarm;
  std::map<std::string, Lines> measuredWarmByElementType;
  Lines measuredWarmNonBlocking;
  /// The bytes of the last-level cache that each rank has to itself (the
  /// cache over the ranks that share it), which the warm lines apply to
  /// (Model::warmth); JSON "cache_bytes_per_rank". 0: no warm pricing.
  double cacheBytes = 0;
  bool hasWarmLines() const {
    return !measuredWarm.empty() || !measuredWarmByElementType.empty() ||
           !measuredWarmNonBlocking.empty();
  }
  std::vector<Level> levels;
  double copyBandwidth = 0; ///< bytes/s per rank, every rank copying
  /// The same loop's bandwidth by the bytes each rank's arrays take (the
  /// working set: in the caches, or not), ascending; empty: copyBandwidth
  /// at every size.
  std::vector<LoopPoint> loopBandwidth;
  double matmulFlops = 0;   ///< flop/s per rank
  double chunkOverhead = 0; ///< seconds per chunk of an overlapped pair
  /// Seconds per element of a reduction (a norm, coco.reduce) as coco's
  /// loops compute it: f64 partial sums in vector lanes (the adds carry
  /// `reassoc`), every rank at once. Where that is slower than reading the
  /// operand, the difference is added to the loop's traffic.
  /// 0: as fast as its memory traffic (GPUs reduce in parallel).
  double reductionSeconds = 0;
  /// Seconds per f32 element of a division, and of a square root, in a
  /// vectorized loop in the caches, every rank at once: the core's divide
  /// and square-root unit, which bounds a loop that does enough of them
  /// (an Adam update: 3 divides and 1 square root per element) below its
  /// memory traffic. Where a loop's divides and roots take longer than its
  /// traffic, the difference is added. 0: as fast as its memory traffic.
  double divideSeconds = 0;
  double sqrtSeconds = 0;
  /// The same for f64 elements (coco-calibrate measures them). 0: twice
  /// f32's (half as many elements per vector), as profiles made before
  /// they were measured, and the GPU profiles, say nothing of f64.
  double divideSecondsF64 = 0;
  double sqrtSecondsF64 = 0;
  /// How much of a non-blocking collective really runs under computation
  /// (0: none, as on a machine whose cores all compute and whose MPI makes
  /// progress only inside calls; 1: all of it, as NCCL on its own stream).
  double overlapEfficiency = 1;

  static llvm::Expected<Profile> parse(llvm::StringRef json);
  static llvm::Expected<Profile> load(llvm::StringRef path);
  llvm::json::Value toJSON() const;
};

/// Writes `profile` (Profile::toJSON's, with any keys a tool adds) as
/// indented JSON to `path` ("-": stdout), what coco-calibrate and
/// coco-calibrate-gpu write.
llvm::Error writeProfileJSON(const llvm::json::Value &profile,
                             llvm::StringRef path);

/// An error where writeProfileJSON could not write `path` ("-" always can):
/// its directory is missing or not writable, or it is a directory or a file
/// that cannot be written. The calibrations check it before they measure
/// (a minute or more), not after.
llvm::Error checkProfileWritable(llvm::StringRef path);

class Model {
public:
  explicit Model(Profile profile) : profile(std::move(profile)) {}
  const Profile &getProfile() const { return profile; }

  /// Seconds for `kind` on `bytes` of `elementType` ("bf16"; empty: any)
  /// over a group of `ranks`: the measured line for that element type and
  /// that many ranks, or the untyped one, if the profile has one, else the
  /// ring
  /// algorithm on the levels (across levels, the fastest of the
  /// hierarchical form, NCCL's ring over every rank with each level's links
  /// used in parallel, and for all_reduce NCCL's tree). `together`: how
  /// many of the group's ranks share one group of the innermost level (a
  /// node); by default as many as fit. A group whose ranks are each on
  /// another node (a data-parallel axis outside a node's tensor-parallel
  /// one) runs on the outer links only. One rank: 0.
  /// `workingSet`: the bytes per rank that pass through the caches between
  /// two of its calls, the program's arrays and the caller's data (0:
  /// unknown); a measured line is moved toward its warm twin by
  /// warmth(workingSet).
  llvm::Expected<double> collective(Collective kind, double bytes,
                                    int64_t ranks, int64_t together = 0,
                                    llvm::StringRef elementType = {},
                                    double workingSet = 0) const;
  /// The same, started and waited for without blocking (an overlapped
  /// chunk's): the profile's non-blocking line where it has one (measured
  /// on f32 only, so any element type is priced by its bytes there), else
  /// as collective().
  llvm::Expected<double> nonBlockingCollective(Collective kind, double bytes,
                                               int64_t ranks,
                                               int64_t together = 0,
                                               llvm::StringRef elementType = {},
                                               double workingSet = 0) const;
  /// How much of a collective's time is its warm line's, in a program
  /// whose arrays (with whatever else the caller touches between two
  /// calls) take `workingSet` bytes per rank: how far the fused loop's
  /// time per byte at that working set has come from its time at twice
  /// the rank's share of the caches (every rank's arrays twice the cache)
  /// toward its time well inside that share (a quarter of cacheBytes), in
  /// [0, 1].
  /// The measured curve says how much of a working set the caches keep
  /// from one pass over it to the next, and how suddenly that ends; one
  /// that does not reach beyond the cache: 1 while the arrays fit, else 0.
  /// A collective then costs cold + warmth (warm - cold). 0 where the
  /// profile has no warm lines or no cache size, or the working set is
  /// unknown (0).
  double warmth(double workingSet) const;
  /// A fused loop that reads and writes `bytes` in all, in a program whose
  /// arrays take `workingSet` bytes per rank (0: unknown, copyBandwidth):
  /// at the bandwidth the profile measured for that working set,
  /// interpolated in log(size), the end points beyond. `freshStores`: the
  /// bytes among them stored into memory the loop did not read (a new
  /// buffer), each costing the working set's fresh-store factor.
  double loop(double bytes, double workingSet = 0,
              double freshStores = 0) const;
  /// A reduction over `elements` at the calibrated time per element.
  double reduction(double elements) const;
  /// The divide and square-root unit's time for `elements` of `bits` each
  /// divided `divides` times and rooted `roots` times (f64 by the
  /// profile's f64 figures, else twice f32's: half as many per vector;
  /// 16-bit floats are computed in f32).
  double divider(double elements, unsigned bits, int64_t divides,
                 int64_t roots) const;
  double matmul(double flops) const;
  /// A matmul of `compute` seconds whose product a collective of `comm`
  /// seconds reduces, overlapped in `chunks` row chunks: chunk k's
  /// collective runs while chunk k+1 multiplies, and every chunk costs
  /// chunkOverhead (a launch, a wait, smaller and slower messages), so
  /// more chunks can lose:
  ///   pipelined = compute/c + (c-1) max(compute/c, comm/c) + comm/c
  ///   time = compute + comm - e (compute + comm - pipelined) + c overhead
  /// with e the profile's overlap efficiency.
  double overlapped(double compute, double comm, int64_t chunks) const;

private:
  /// The time on `cold`'s line for `kind` on `ranks` ranks moved toward
  /// `warm`'s by warmth(workingSet); none when `cold` has no such line.
  std::optional<double> measuredTime(const Lines &cold, const Lines *warm,
                                     Collective kind, double bytes,
                                     int64_t ranks, double workingSet) const;
  llvm::Expected<double> ring(Collective kind, double bytes, int64_t ranks,
                              int64_t together) const;
  Profile profile;
};

} // namespace mlir::coco::cost

#endif // COCO_COSTMODEL_COSTMODEL_H
