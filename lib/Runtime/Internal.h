//===- Internal.h - Shared declarations of the coco runtime -----*- C++ -*-===//
//
// Pieces shared by the runtime's translation units: error reporting and the
// watchdog (Errors.cpp), runtime state and communicators (Context.cpp),
// element types (ElementTypes.cpp) and the cross-rank consistency check
// (Consistency.cpp). Nothing here is part of the C ABI.
//
//===----------------------------------------------------------------------===//

#ifndef COCO_LIB_RUNTIME_INTERNAL_H
#define COCO_LIB_RUNTIME_INTERNAL_H

// The library is built with hidden visibility; only the C ABI is exported.
#pragma GCC visibility push(default)
#include "coco/Runtime/CocoRuntime.h"
#pragma GCC visibility pop

#include "coco/Support/Fnv1a.h"

#include <mpi.h>

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

namespace coco::rt {

struct AxisComm;

//===----------------------------------------------------------------------===//
// Errors and the watchdog (Errors.cpp)
//===----------------------------------------------------------------------===//

/// Prints `coco runtime error: rank R: <site>: <cause>` and ends the job
/// (MPI_Abort when MPI is usable, _exit otherwise). A null site means the one
/// of the runtime call in progress.
[[noreturn]] void fatal(const char *site, const std::string &cause);
/// fatal() that runs `beforeAbort` after the line is printed and before the
/// job ends (the GPU runtime aborts its NCCL communicator there): the line
/// comes first, so that the watchdog, should `beforeAbort` take long, does
/// not print its own instead.
[[noreturn]] void fatal(const char *site, const std::string &cause,
                        const std::function<void()> &beforeAbort);
/// fatal() with a printf-style cause.
[[noreturn]] void fatalf(const char *site, const char *format, ...)
    __attribute__((format(printf, 2, 3)));

/// For an error that every rank of `axis` detects identically (a bad argument
/// that passed the consistency check, so all ranks share it): only axis rank 0
/// reports it, so that the job prints one line instead of one per rank.
[[noreturn]] void fatalOnAllRanks(const AxisComm &axis, const char *site,
                                  const std::string &cause);
/// For ranks that know another rank is reporting an error: waits for its
/// MPI_Abort to end the job (`grace`: by default well above the time it
/// takes to reach every rank), reporting `cause` itself (or that the job
/// did not end) if that never happens.
[[noreturn]] void
waitForAbort(const char *site, const std::string &cause = "",
             std::chrono::seconds grace = std::chrono::seconds(60));

/// printf into a std::string.
std::string formatString(const char *format, ...)
    __attribute__((format(printf, 1, 2)));

/// Ends the job if `rc` is not MPI_SUCCESS, naming `call` and the error
/// string; the site is the one of the runtime call in progress.
void checkMpi(int rc, const char *call);

/// The `site` argument of an entry point, or a placeholder if it is null.
const char *siteName(const char *site);

/// Records the world rank for error messages (before init, it is guessed from
/// the launcher's environment).
void setWorldRankForErrors(int rank);

/// Starts the watchdog thread; a timeout of 0 disables it.
void startWatchdog(double timeoutSeconds);
/// Stops and joins the watchdog thread.
void stopWatchdog();

/// COCO_PROFILE (CallTimes.cpp): each site's calls and time, kept when
/// enabled, printed per rank by reportCallTimes (at coco_rt_finalize).
void enableCallTimes(bool on);
bool callTimesEnabled();
void recordCallTime(const char *site, int64_t ns);
void reportCallTimes(int worldRank);

/// What a runtime call waits for, which sets how long it may block.
enum class Waits {
  /// Peers at the same op (a collective, a transfer): COCO_TIMEOUT_S.
  AtOp,
  /// Peers that may still be working, or stuck at an op of their own
  /// (coco_rt_barrier and coco_rt_max_over_ranks, the host program's
  /// end-of-run check; the agreement that starts an in-process call; sends
  /// still pending at finalize; finalize): twice COCO_TIMEOUT_S, so that
  /// when a rank hangs at an op, it is that rank that reports, naming its
  /// op, and not a peer that finished.
  ForPeersToArrive,
  /// Nothing of other ranks (a local matmul): timed for COCO_PROFILE, never
  /// ended by the watchdog, which is for ranks stuck waiting on peers (a
  /// large matmul on one BLAS thread may take longer than COCO_TIMEOUT_S).
  Never,
};

/// How long the call in progress may still block before the watchdog ends
/// the job.
struct WatchedCall {
  double limitSeconds;
  double elapsedSeconds;
};
/// std::nullopt where the watchdog never ends the call: no watchdog
/// (COCO_TIMEOUT_S=0, or before coco_rt_init), no call in progress, or one
/// that waits for nothing of other ranks. Code that waits in a loop of its
/// own (the GPU runtime's polls) gives up before the watchdog would, so that
/// it can say what it waited for and abort its NCCL communicator first: the
/// watchdog can only end the process.
std::optional<WatchedCall> watchedCall();

/// Marks the duration of one runtime call: names the site for checkMpi() and
/// lets the watchdog end the job if the call blocks longer than its limit.
/// Costs a few atomic loads and stores, so it is free next to any MPI call.
/// Scopes nest: an inner one names its own site and restarts the clock.
class CallScope {
public:
  explicit CallScope(const char *site, Waits waits = Waits::AtOp);
  ~CallScope();
  CallScope(const CallScope &) = delete;
  CallScope &operator=(const CallScope &) = delete;

private:
  const char *outerSite;
  int64_t outerClock;
};

//===----------------------------------------------------------------------===//
// Runtime state (Context.cpp)
//===----------------------------------------------------------------------===//

/// Operations, for the consistency check, messages and fault injection.
enum class OpKind : int64_t {
  Comm,
  AllReduce,
  ReduceScatter,
  AllGather,
  Broadcast,
  Reduce,
  AllToAll,
  Send,
  Recv,
};
/// The op's name as used in COCO_FAULT_INJECT and messages ("all_reduce").
const char *opName(OpKind op);

/// Initializes MPI (if needed) and the runtime; every entry point calls it.
void ensureInitialized();

/// The communicator of a group of grid axes (one axis, or several
/// flattened row-major, the first outermost).
struct AxisComm {
  MPI_Comm comm;
  int size;
  int rank;
  /// World rank of every axis rank, to name peers in messages.
  std::vector<int> worldRanks;
  /// The extents of the group's axes, outer to inner (their product is
  /// `size`): a dimension split over the group splits axis by axis.
  std::vector<int64_t> levels;
  /// A duplicate of `comm` for the non-blocking reduce_scatter's messages
  /// (Nonblocking.cpp), apart from coco_rt_send/recv's: a recv probes for
  /// any tag, and must never find an exchange that is still in flight.
  MPI_Comm exchange = MPI_COMM_NULL;
};

/// Block sizes and offsets (in elements along the split dimension) of every
/// rank of a group, for a dimension of `extent` elements: split axis by axis
/// of the group, each giving n / R to each of R ranks and one more to the
/// first n % R (!coco.dtensor's rule).
struct Blocks {
  std::vector<int64_t> counts, offsets;
  /// Every block has the same size.
  bool equal;
};
Blocks blocksOf(const AxisComm &axis, int64_t extent);

/// The whole job, over the runtime's duplicate of MPI_COMM_WORLD (which keeps
/// its traffic apart from a host program's own use of MPI_COMM_WORLD).
const AxisComm &worldAxis();
/// What ranks compare when they must ask for the same thing.
using coco_support::fnv1a;

/// Another duplicate of MPI_COMM_WORLD, for the agreements before
/// in-process calls and in coco_rt_finalize only (Library.cpp): one rank's
/// agreement can meet no other collective.
MPI_Comm agreementComm();
/// coco_rt_finalize's agreement: every rank finalizes, or the ranks that
/// call an entry meanwhile end the job, naming the rank that left (they
/// would otherwise wait for the watchdog).
void agreeToFinalize();
/// At finalize (where coco owns MPI and COCO_CHECK is on): every message a
/// rank sent was received; else the job ends, naming the sender
/// (PointToPoint.cpp).
void checkEveryMessageReceived();
/// Held through each in-process call (its agreement included) and through
/// coco_rt_finalize: MPI runs SERIALIZED, and two threads' calls on one
/// rank would interleave their collectives (wrong sums, MPI_ERR_TRUNCATE,
/// or a deadlock). Ordering the calls the same way on every rank is still
/// the caller's part (Library.cpp).
std::mutex &callMutex();
/// The communicator behind a handle from coco_rt_comm; fatal if invalid.
const AxisComm &axisComm(int64_t handle, const char *site);

/// A library built on this runtime (the GPU runtime) that keeps state per
/// axis communicator: told, on every rank, when coco_rt_comm creates one (a
/// collective call over the world, so the extension may create its own
/// communicator collectively there) and when coco_rt_finalize runs.
struct RuntimeExtension {
  void (*axisCreated)(int64_t handle, const AxisComm &axis);
  void (*finalize)();
};
void registerExtension(RuntimeExtension extension);

/// Whether the cross-rank consistency check runs (COCO_CHECK, default on).
bool consistencyCheckEnabled();
/// Whether COCO_FAULT_INJECT asks this rank to break its MPI call of `op`.
bool faultInjected(OpKind op);

//===----------------------------------------------------------------------===//
// Cross-rank consistency check (Consistency.cpp)
//===----------------------------------------------------------------------===//

/// What every rank of a collective must agree on. Ranks exchange it in one
/// small MPI_Allreduce before the collective itself.
class Signature {
public:
  static constexpr int kMaxParams = 10;

  Signature(OpKind op, int32_t dtype, int32_t reduction);
  /// Element counts and shapes of the input and output buffers.
  void setBuffers(int64_t inRank, const int64_t *inSizes, int64_t outRank,
                  const int64_t *outSizes);
  /// An op parameter (root, dim, ...); `name` is used in messages.
  void addParam(const char *name, int64_t value);

  /// Ends the job with a message naming both values if the ranks of `axis`
  /// disagree. No-op when COCO_CHECK=0.
  void checkAgreement(const AxisComm &axis, const char *site) const;

private:
  enum Field {
    kOp,
    kDType,
    kReduction,
    kParam0,
    kInElems = kParam0 + kMaxParams,
    kOutElems,
    kInShape,
    kOutShape,
    kNumFields
  };
  [[noreturn]] void reportMismatch(const AxisComm &axis,
                                   const char *site) const;
  std::string describeMismatch(const int64_t *other, int otherRank) const;

  int64_t fields[kNumFields] = {};
  const char *paramNames[kMaxParams] = {};
  int numParams = 0;
  int64_t inRank = 0, outRank = 0;
  const int64_t *inSizes = nullptr, *outSizes = nullptr;
};

/// Formats sizes as "[2, 4]".
std::string formatShape(int64_t rank, const int64_t *sizes);

//===----------------------------------------------------------------------===//
// Teardown of the communication code (Collectives.cpp, PointToPoint.cpp)
//===----------------------------------------------------------------------===//

/// Waits (under the watchdog) until every coco_rt_send has been received.
void completePendingSends();
/// Frees the collectives' scratch buffers.
void releaseScratchBuffers();

//===----------------------------------------------------------------------===//
// Matrices of the matmul libraries (Matmul.cpp; GPU/Cublas.cpp)
//===----------------------------------------------------------------------===//

/// A 2-D memref as BLAS sees it: rows of `columns` contiguous elements,
/// `leading` elements apart (a row block of a larger matrix has a leading
/// dimension larger than its width).
struct MatrixView {
  char *data;
  int64_t rows, columns, leading;
};

/// The matrix of a (rank, descriptor) memref argument; fatal if it is not
/// 2-D, its columns are strided or its rows overlap. `name` says which
/// operand ("lhs", "rhs", "result").
MatrixView matrixView(int64_t rank, void *descriptor, size_t elementBytes,
                      const char *name);

/// Fatal unless C[m, n] += A[m, k] x B[k, n] is well-formed.
void checkMatmulShapes(const MatrixView &a, const MatrixView &b,
                       const MatrixView &c);

} // namespace coco::rt

#endif // COCO_LIB_RUNTIME_INTERNAL_H
