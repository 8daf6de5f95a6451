//===- Context.cpp - Runtime state, settings and communicators ------------===//
//
// Initialization (lazy, from any entry point), the environment settings, the
// per-axis communicator cache and the small world-level entry points.
//
//===----------------------------------------------------------------------===//

#include "ElementTypes.h"
#include "Internal.h"
#include "coco/Support/Blocks.h"
#include "coco/Support/HugePages.h"

#include <algorithm>
#include <array>
#include <cerrno>
#include <climits>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <deque>
#include <numeric>

namespace coco::rt {
namespace {

constexpr int kMaxGridRank = 4;

struct Settings {
  bool checkConsistency = true;
  double timeoutSeconds = 300;
  /// COCO_FAULT_INJECT=<op>:<rank>; faultRank -1 means none.
  OpKind faultOp = OpKind::AllReduce;
  int faultRank = -1;
};

/// A cached axis communicator, keyed by the grid as requested.
struct CachedComm {
  /// ndims, the extents (1 beyond ndims), the group's axes (-1 beyond).
  std::array<int64_t, 2 * kMaxGridRank + 1> key;
  AxisComm axis;
};

struct State {
  bool ready = false;
  /// MPI was finalized by us: it cannot be initialized again.
  bool mpiFinalized = false;
  /// We initialized MPI, so we finalize it.
  bool ownsMpi = false;
  Settings settings;
  AxisComm world{MPI_COMM_NULL, 1, 0, {}, {}};
  MPI_Comm agreement = MPI_COMM_NULL;
  /// A deque so that references handed out stay valid as it grows.
  std::deque<CachedComm> comms;
};

/// Filled from other libraries' static initializers, which may run before
/// `state` is constructed: a function-local object that is never destroyed.
std::vector<RuntimeExtension> &extensions() {
  static auto *registered = new std::vector<RuntimeExtension>();
  return *registered;
}

State state;

const char *const kInitSite = "coco_rt_init";

Settings readSettings() {
  Settings settings;
  if (const char *value = std::getenv("COCO_CHECK")) {
    if (std::strcmp(value, "0") == 0)
      settings.checkConsistency = false;
    else if (*value && std::strcmp(value, "1") != 0)
      fatalf(kInitSite, "COCO_CHECK must be 0 or 1, not '%s'", value);
  }
  if (const char *value = std::getenv("COCO_PROFILE")) {
    if (*value && std::strcmp(value, "0") != 0 && std::strcmp(value, "1") != 0)
      fatalf(kInitSite,
             "COCO_PROFILE must be 0 or 1 (1: print each call site's time "
             "at the end), not '%s'",
             value);
    enableCallTimes(std::strcmp(value, "1") == 0);
  }
  // An empty value is an unset one, for every variable.
  if (const char *value = std::getenv("COCO_TIMEOUT_S"); value && *value) {
    char *end = nullptr;
    double seconds = std::strtod(value, &end);
    // At most 1e8 s (three years): the watchdog counts twice the limit in
    // int64 nanoseconds.
    if (end == value || *end || !(seconds >= 0) || !(seconds <= 1e8))
      fatalf(kInitSite,
             "COCO_TIMEOUT_S must be a number of seconds from 0 to 1e8 (0 "
             "disables the watchdog), not '%s'",
             value);
    settings.timeoutSeconds = seconds;
  }
  if (const char *value = std::getenv("COCO_FAULT_INJECT"); value && *value) {
    const char *colon = std::strchr(value, ':');
    char *end = nullptr;
    errno = 0;
    long rank = colon ? std::strtol(colon + 1, &end, 10) : -1;
    bool known = false;
    for (OpKind op : {OpKind::AllReduce, OpKind::ReduceScatter,
                      OpKind::AllGather, OpKind::Broadcast, OpKind::Reduce,
                      OpKind::AllToAll, OpKind::Send, OpKind::Recv}) {
      if (colon && std::string(value, colon) == opName(op)) {
        settings.faultOp = op;
        known = true;
      }
    }
    // A world rank is an int: a larger number would wrap onto another rank.
    if (!known || end == colon + 1 || *end || errno == ERANGE || rank < 0 ||
        rank > INT_MAX)
      fatalf(kInitSite,
             "COCO_FAULT_INJECT must be <op>:<world rank> with op one of "
             "all_reduce, reduce_scatter, all_gather, broadcast, reduce, "
             "all_to_all, send, recv; not '%s'",
             value);
    settings.faultRank = int(rank);
  }
  // Read where blocks are allocated (coco/Support/HugePages.h), checked here:
  // any other value silently meant on.
  if (const char *value = coco_support::hugePagesSetting();
      value && !coco_support::isHugePagesSettingValid(value))
    fatalf(kInitSite,
           "COCO_HUGE_PAGES must be 0 or 1 (0: no transparent huge pages for "
           "large buffers), not '%s'",
           value);
  return settings;
}

/// COCO_CHECK must be the same on every rank: a rank without the check
/// skips the agreements the others wait in (each call's, coco_rt_finalize's)
/// and they would wait until the watchdog with no word of why. Every rank
/// learns both extremes, so each reports it and none waits.
void agreeOnSettings() {
  int check = state.settings.checkConsistency ? 1 : 0;
  int extremes[2] = {check, -check}; // min and -max
  checkMpi(MPI_Allreduce(MPI_IN_PLACE, extremes, 2, MPI_INT, MPI_MIN,
                         state.agreement),
           "MPI_Allreduce (COCO_CHECK of every rank)");
  if (extremes[0] != -extremes[1])
    fatalf(kInitSite,
           "COCO_CHECK differs between ranks (this rank has %d, "
           "another %d): set it the same on every rank (mpirun -x "
           "COCO_CHECK)",
           check, check ? 0 : 1);
}

void initialize(int *argc, char ***argv) {
  CallScope scope(kInitSite);
  if (state.mpiFinalized)
    fatal(kInitSite, "the runtime was used after coco_rt_finalize");
  int initialized = 0;
  checkMpi(MPI_Initialized(&initialized), "MPI_Initialized");
  if (!initialized) {
    // SERIALIZED: the watchdog thread never calls MPI, but an in-process
    // caller (CocoLibrary.h) may call entries from any one thread at a
    // time, not only the one that initialized.
    int provided = 0;
    checkMpi(MPI_Init_thread(argc, argv, MPI_THREAD_SERIALIZED, &provided),
             "MPI_Init_thread");
    state.ownsMpi = true;
  } else {
    int finalized = 0;
    checkMpi(MPI_Finalized(&finalized), "MPI_Finalized");
    if (finalized)
      fatal(kInitSite, "MPI was finalized before the runtime was initialized");
  }
  // Errors are returned (and reported by checkMpi) on the runtime's own
  // communicators; MPI_COMM_WORLD's handler is changed only when the
  // runtime owns MPI (a caller's MPI job keeps its own).
  if (state.ownsMpi)
    checkMpi(MPI_Comm_set_errhandler(MPI_COMM_WORLD, MPI_ERRORS_RETURN),
             "MPI_Comm_set_errhandler");

  AxisComm &world = state.world;
  checkMpi(MPI_Comm_dup(MPI_COMM_WORLD, &world.comm), "MPI_Comm_dup");
  checkMpi(MPI_Comm_set_errhandler(world.comm, MPI_ERRORS_RETURN),
           "MPI_Comm_set_errhandler");
  checkMpi(MPI_Comm_rank(world.comm, &world.rank), "MPI_Comm_rank");
  checkMpi(MPI_Comm_size(world.comm, &world.size), "MPI_Comm_size");
  world.worldRanks.resize(size_t(world.size));
  std::iota(world.worldRanks.begin(), world.worldRanks.end(), 0);
  world.levels = {world.size};
  checkMpi(MPI_Comm_dup(world.comm, &world.exchange), "MPI_Comm_dup");
  checkMpi(MPI_Comm_dup(world.comm, &state.agreement), "MPI_Comm_dup");
  setWorldRankForErrors(world.rank);

  state.settings = readSettings();
  if (state.settings.faultRank >= world.size)
    fatalf(kInitSite,
           "COCO_FAULT_INJECT names world rank %d, but the job has %d "
           "rank(s): no fault would be injected",
           state.settings.faultRank, world.size);
  agreeOnSettings();
  createHalfOps();
  // Only now: initialization waits for every rank to load coco without a
  // limit, as MPI_Init does (a rank may prepare its data for longer than
  // twice COCO_TIMEOUT_S first, or compile the program on a cache miss).
  startWatchdog(state.settings.timeoutSeconds);
  state.ready = true;
}

/// "[2, ?]": a grid as requested, with dynamic extents as "?".
std::string formatGrid(int64_t ndims, const int64_t *extents) {
  std::string text = "[";
  for (int64_t i = 0; i < ndims; ++i) {
    if (i)
      text += ", ";
    text += extents[i] == -1 ? "?" : std::to_string(extents[i]);
  }
  return text + "]";
}

/// The extents of a grid laid over `worldSize` ranks, with the dynamic one
/// resolved; an error text when the grid does not cover exactly the world.
std::string fitGrid(int64_t ndims, const int64_t *extents, int64_t worldSize,
                    std::array<int64_t, kMaxGridRank> &resolved) {
  std::string grid = formatGrid(ndims, extents);
  if (ndims < 1 || ndims > kMaxGridRank)
    return formatString("grid rank %lld is not in 1..%d", (long long)ndims,
                        kMaxGridRank);
  int dynamicIndex = -1;
  bool overflow = false;
  int64_t staticProduct = 1;
  for (int i = 0; i < ndims; ++i) {
    if (extents[i] == -1) {
      if (dynamicIndex >= 0)
        return "grid " + grid + " has more than one dynamic extent";
      dynamicIndex = i;
    } else if (extents[i] <= 0) {
      return formatString("grid %s has extent %lld (extents must be "
                          "positive, or -1 for dynamic)",
                          grid.c_str(), (long long)extents[i]);
    } else {
      overflow |=
          __builtin_mul_overflow(staticProduct, extents[i], &staticProduct);
    }
  }
  resolved = {1, 1, 1, 1};
  std::copy(extents, extents + ndims, resolved.begin());
  if (dynamicIndex >= 0) {
    if (overflow || worldSize % staticProduct != 0)
      return formatString("grid %s cannot cover the job's %lld ranks "
                          "(not a multiple of the static extents)",
                          grid.c_str(), (long long)worldSize);
    resolved[size_t(dynamicIndex)] = worldSize / staticProduct;
  } else if (overflow || staticProduct != worldSize) {
    std::string needed =
        overflow ? "more than 2^63" : std::to_string(staticProduct);
    return formatString("grid %s needs %s ranks but the job has %lld",
                        grid.c_str(), needed.c_str(), (long long)worldSize);
  }
  return "";
}

/// Validates the grid and a group's axes against the world size; returns
/// the extents with the dynamic one resolved. Fatal on every rank otherwise.
std::array<int64_t, kMaxGridRank> resolveGrid(int64_t ndims,
                                              const int64_t *extents,
                                              const std::vector<int64_t> &axes,
                                              const char *site) {
  const AxisComm &world = state.world;
  std::string grid = formatGrid(ndims, extents);
  for (size_t i = 0; i < axes.size(); ++i) {
    if (axes[i] < 0 || axes[i] >= ndims)
      fatalOnAllRanks(world, site,
                      formatString("axis %lld is out of range for grid %s",
                                   (long long)axes[i], grid.c_str()));
    for (size_t j = 0; j < i; ++j)
      if (axes[j] == axes[i])
        fatalOnAllRanks(world, site,
                        formatString("axis %lld appears twice in a group",
                                     (long long)axes[i]));
  }
  std::array<int64_t, kMaxGridRank> resolved;
  std::string error = fitGrid(ndims, extents, world.size, resolved);
  if (!error.empty())
    fatalOnAllRanks(world, site, error);
  return resolved;
}

/// The communicator of this rank's group of grid axes: the world ranks that
/// share its coordinates off the group's axes, ordered row-major by their
/// coordinates on the group's axes (the first axis outermost); world ranks
/// map onto the grid in row-major order. Only the group's members take part
/// (MPI_Comm_create_group), so a group used inside one pipeline stage's
/// branch is created by that stage alone. `tag` keeps concurrent creations
/// of different groups apart.
AxisComm createAxisComm(int64_t ndims,
                        const std::array<int64_t, kMaxGridRank> &extents,
                        const std::vector<int64_t> &axes, int tag) {
  const AxisComm &world = state.world;
  std::array<int64_t, kMaxGridRank> coords = {};
  int64_t rest = world.rank;
  for (int64_t d = ndims - 1; d >= 0; --d) {
    coords[size_t(d)] = rest % extents[size_t(d)];
    rest /= extents[size_t(d)];
  }
  std::vector<int64_t> levels;
  int64_t groupSize = 1;
  for (int64_t axis : axes) {
    levels.push_back(extents[size_t(axis)]);
    groupSize *= extents[size_t(axis)];
  }
  // Member k sits at this rank's coordinates, except on the group's axes,
  // where it sits at k's digits over `levels`.
  std::vector<int> members;
  for (int64_t k = 0; k < groupSize; ++k) {
    std::array<int64_t, kMaxGridRank> at = coords;
    int64_t digits = k;
    for (size_t i = axes.size(); i-- > 0;) {
      at[size_t(axes[i])] = digits % levels[i];
      digits /= levels[i];
    }
    int64_t worldRank = 0;
    for (int64_t d = 0; d < ndims; ++d)
      worldRank = worldRank * extents[size_t(d)] + at[size_t(d)];
    members.push_back(int(worldRank));
  }

  AxisComm result{MPI_COMM_NULL, 0, 0, members, levels};
  MPI_Group worldGroup, group;
  checkMpi(MPI_Comm_group(world.comm, &worldGroup), "MPI_Comm_group");
  checkMpi(
      MPI_Group_incl(worldGroup, int(members.size()), members.data(), &group),
      "MPI_Group_incl");
  checkMpi(MPI_Comm_create_group(world.comm, group, tag, &result.comm),
           "MPI_Comm_create_group");
  checkMpi(MPI_Group_free(&group), "MPI_Group_free");
  checkMpi(MPI_Group_free(&worldGroup), "MPI_Group_free");
  checkMpi(MPI_Comm_set_errhandler(result.comm, MPI_ERRORS_RETURN),
           "MPI_Comm_set_errhandler");
  checkMpi(MPI_Comm_size(result.comm, &result.size), "MPI_Comm_size");
  checkMpi(MPI_Comm_rank(result.comm, &result.rank), "MPI_Comm_rank");
  checkMpi(MPI_Comm_dup(result.comm, &result.exchange), "MPI_Comm_dup");
  return result;
}

} // namespace

const char *opName(OpKind op) {
  switch (op) {
  case OpKind::Comm:
    return "comm";
  case OpKind::AllReduce:
    return "all_reduce";
  case OpKind::ReduceScatter:
    return "reduce_scatter";
  case OpKind::AllGather:
    return "all_gather";
  case OpKind::Broadcast:
    return "broadcast";
  case OpKind::Reduce:
    return "reduce";
  case OpKind::AllToAll:
    return "all_to_all";
  case OpKind::Send:
    return "send";
  case OpKind::Recv:
    return "recv";
  }
  return "unknown op";
}

void ensureInitialized() {
  if (!state.ready)
    initialize(nullptr, nullptr);
}

const AxisComm &worldAxis() { return state.world; }
MPI_Comm agreementComm() { return state.agreement; }

Blocks blocksOf(const AxisComm &axis, int64_t extent) {
  Blocks blocks{{extent}, {0}, true};
  for (int64_t parts : axis.levels) {
    Blocks next{{}, {}, true};
    for (size_t b = 0; b < blocks.counts.size(); ++b) {
      for (int64_t index = 0; index < parts; ++index) {
        auto [offset, count] =
            coco_support::balancedBlock(blocks.counts[b], parts, index);
        next.counts.push_back(count);
        next.offsets.push_back(blocks.offsets[b] + offset);
      }
    }
    blocks = std::move(next);
  }
  for (int64_t count : blocks.counts)
    blocks.equal &= count == blocks.counts.front();
  return blocks;
}

const AxisComm &axisComm(int64_t handle, const char *site) {
  if (handle < 0 || handle >= int64_t(state.comms.size()))
    fatalf(site, "invalid communicator handle %lld (%zu created so far)",
           (long long)handle, state.comms.size());
  return state.comms[size_t(handle)].axis;
}

bool consistencyCheckEnabled() { return state.settings.checkConsistency; }

bool faultInjected(OpKind op) {
  return state.settings.faultRank == state.world.rank &&
         state.settings.faultOp == op;
}

void registerExtension(RuntimeExtension extension) {
  extensions().push_back(extension);
}

} // namespace coco::rt

using namespace coco::rt;

extern "C" {

void coco_rt_init(int *argc, char ***argv) {
  if (!state.ready)
    initialize(argc, argv);
}

void coco_rt_finalize(void) {
  std::lock_guard<std::mutex> serialized(callMutex()); // (no call meanwhile)
  if (!state.ready)
    return;
  // The caller's MPI is finalized already (its own MPI_Finalize, then
  // CocoLibrary.h's finalize at exit): the communicators went with it.
  int mpiFinalized = 0;
  if (!state.ownsMpi && MPI_Finalized(&mpiFinalized) == MPI_SUCCESS &&
      mpiFinalized) {
    stopWatchdog();
    state.ready = false;
    return;
  }
  // First: a rank whose program ended while the others call an entry must
  // not wait for its sends, which they will never receive. Where the
  // caller owns MPI (mpi4py, its own MPI_Init) ranks may leave coco at
  // different times, as before: no agreement.
  if (state.ownsMpi) {
    agreeToFinalize();
    if (consistencyCheckEnabled())
      checkEveryMessageReceived();
  }
  completePendingSends(); // before our own scope: each names its send
  reportCallTimes(state.world.rank);
  {
    CallScope scope("coco_rt_finalize", Waits::ForPeersToArrive);
    for (const RuntimeExtension &extension : extensions())
      if (extension.finalize)
        extension.finalize();
    releaseScratchBuffers();
    for (CachedComm &cached : state.comms) {
      checkMpi(MPI_Comm_free(&cached.axis.exchange), "MPI_Comm_free");
      checkMpi(MPI_Comm_free(&cached.axis.comm), "MPI_Comm_free");
    }
    state.comms.clear();
    checkMpi(MPI_Comm_free(&state.agreement), "MPI_Comm_free");
    checkMpi(MPI_Comm_free(&state.world.exchange), "MPI_Comm_free");
    checkMpi(MPI_Comm_free(&state.world.comm), "MPI_Comm_free");
    freeHalfOps();
    if (state.ownsMpi) {
      // Guarded too: MPI_Finalize waits for every rank.
      checkMpi(MPI_Finalize(), "MPI_Finalize");
      state.mpiFinalized = true;
    }
  }
  stopWatchdog();
  state.ready = false;
}

int64_t coco_rt_world_rank(void) {
  ensureInitialized();
  return state.world.rank;
}

int64_t coco_rt_world_size(void) {
  ensureInitialized();
  return state.world.size;
}

int32_t coco_rt_local_block(const CocoTensorSpec *spec, int64_t *offsets,
                            int64_t *sizes, int64_t *localGroup, char *error,
                            int64_t errorSize) {
  ensureInitialized();
  auto failWith = [&](const std::string &message) {
    if (error && errorSize > 0)
      std::snprintf(error, size_t(errorSize), "%s", message.c_str());
    return int32_t(-1);
  };
  if (!spec || spec->rank < 0 || (spec->rank > 0 && !spec->shape) ||
      !spec->grid_shape || !spec->placements ||
      (spec->num_slice_levels > 0 && !spec->slice_order))
    return failWith("coco_rt_local_block: incomplete tensor description");
  std::array<int64_t, kMaxGridRank> extents;
  std::string fitError =
      fitGrid(spec->grid_rank, spec->grid_shape, state.world.size, extents);
  if (!fitError.empty())
    return failWith(fitError);
  // World ranks lie on the grid row-major (as in createAxisComm).
  std::array<int64_t, kMaxGridRank> coords = {};
  int64_t rest = state.world.rank;
  for (int64_t d = spec->grid_rank - 1; d >= 0; --d) {
    coords[size_t(d)] = rest % extents[size_t(d)];
    rest /= extents[size_t(d)];
  }
  for (int64_t d = 0; d < spec->rank; ++d) {
    offsets[d] = 0;
    sizes[d] = spec->shape[d];
  }
  // Each slicing axis splits the block the previous one left of its
  // dimension (the one rule, coco/Support/Blocks.h).
  for (int64_t level = 0; level < spec->num_slice_levels; ++level) {
    int64_t axis = spec->slice_order[level];
    int64_t dim =
        axis >= 0 && axis < spec->grid_rank ? spec->placements[axis] : -1;
    if (dim < 0 || dim >= spec->rank)
      return failWith(formatString(
          "coco_rt_local_block: slicing axis %lld slices no dimension",
          (long long)axis));
    auto [offset, size] = coco_support::balancedBlock(
        sizes[dim], extents[size_t(axis)], coords[size_t(axis)]);
    offsets[dim] += offset;
    sizes[dim] = size;
  }
  if (localGroup) {
    *localGroup = 0;
    for (int64_t axis = 0; axis < spec->grid_rank; ++axis)
      if (spec->placements[axis] == COCO_PLACEMENT_LOCAL)
        *localGroup =
            *localGroup * extents[size_t(axis)] + coords[size_t(axis)];
  }
  return 0;
}

int64_t coco_rt_comm_group(int64_t ndims, int64_t d0, int64_t d1, int64_t d2,
                           int64_t d3, int64_t naxes, int64_t a0, int64_t a1,
                           int64_t a2, int64_t a3) {
  ensureInitialized();
  const char *site = "coco_rt_comm";
  CallScope scope(site);
  if (ndims < 1 || ndims > kMaxGridRank)
    fatalf(site, "grid rank %lld is not in 1..%d", (long long)ndims,
           kMaxGridRank);
  if (naxes < 1 || naxes > ndims)
    fatalf(site, "a group of %lld axes on a grid of %lld", (long long)naxes,
           (long long)ndims);
  std::array<int64_t, 2 * kMaxGridRank + 1> key = {ndims, d0, d1, d2, d3,
                                                   a0,    a1, a2, a3};
  std::fill(key.begin() + 1 + ndims, key.begin() + 1 + kMaxGridRank,
            1); // unused extents
  std::fill(key.begin() + 1 + kMaxGridRank + naxes, key.end(), -1);
  for (size_t i = 0; i < state.comms.size(); ++i)
    if (state.comms[i].key == key)
      return int64_t(i);

  const int64_t *extents = key.data() + 1;
  std::vector<int64_t> axes(key.begin() + 1 + kMaxGridRank,
                            key.begin() + 1 + kMaxGridRank + naxes);
  auto resolved = resolveGrid(ndims, extents, axes, site);
  // Creating the communicator is collective over the group's members: they
  // must ask for the same grid and axes. The tag is a hash of what they ask
  // for, the grid resolved ([?] on 2 ranks is [2]: programs that spell it
  // either way meet), so a member asking for anything else does not join
  // the wrong communicator: it waits, and the watchdog ends the job naming
  // this call. The agreement check below catches the rare hash collision.
  std::array<int64_t, 2 * kMaxGridRank + 1> resolvedKey = key;
  std::copy(resolved.begin(), resolved.begin() + ndims,
            resolvedKey.begin() + 1);
  uint64_t hash =
      fnv1a(resolvedKey.data(), resolvedKey.size() * sizeof(int64_t));
  int tag = int(hash % 32767); // MPI guarantees tags up to 32767
  state.comms.push_back({key, createAxisComm(ndims, resolved, axes, tag)});
  Signature signature(OpKind::Comm, /*dtype=*/-1, /*reduction=*/-1);
  signature.addParam("grid rank", ndims);
  for (int i = 0; i < kMaxGridRank; ++i)
    signature.addParam("grid extent", resolvedKey[size_t(1 + i)]);
  static const char *axisNames[] = {"axis", "second axis", "third axis",
                                    "fourth axis"};
  for (int i = 0; i < kMaxGridRank; ++i)
    signature.addParam(axisNames[i], key[size_t(1 + kMaxGridRank + i)]);
  signature.checkAgreement(state.comms.back().axis, site);
  int64_t handle = int64_t(state.comms.size() - 1);
  for (const RuntimeExtension &extension : extensions())
    if (extension.axisCreated)
      extension.axisCreated(handle, state.comms.back().axis);
  return handle;
}

int64_t coco_rt_comm(int64_t ndims, int64_t d0, int64_t d1, int64_t d2,
                     int64_t d3, int64_t axis) {
  return coco_rt_comm_group(ndims, d0, d1, d2, d3, 1, axis, -1, -1, -1);
}

int64_t coco_rt_axis_size(int64_t comm) {
  ensureInitialized();
  return axisComm(comm, "coco_rt_axis_size").size;
}

int64_t coco_rt_axis_rank(int64_t comm) {
  ensureInitialized();
  return axisComm(comm, "coco_rt_axis_rank").rank;
}

void coco_rt_fatal(const char *site, const char *message) {
  fatal(site, message ? message : "fatal error");
}

double coco_rt_wtime(void) {
  ensureInitialized();
  return MPI_Wtime();
}

void coco_rt_barrier(void) {
  ensureInitialized();
  CallScope scope("coco_rt_barrier", Waits::ForPeersToArrive);
  checkMpi(MPI_Barrier(state.world.comm), "MPI_Barrier");
}

double coco_rt_max_over_ranks(double value) {
  ensureInitialized();
  CallScope scope("coco_rt_max_over_ranks", Waits::ForPeersToArrive);
  double max = value;
  checkMpi(MPI_Allreduce(MPI_IN_PLACE, &max, 1, MPI_DOUBLE, MPI_MAX,
                         state.world.comm),
           "MPI_Allreduce");
  return max;
}

int64_t coco_rt_first_rank_differing(uint64_t key, uint64_t value) {
  ensureInitialized();
  // (COCO_CHECK is the same on every rank: none of them calls MPI.)
  if (!consistencyCheckEnabled())
    return -1;
  CallScope scope("coco host program (inputs' replicated blocks)",
                  Waits::ForPeersToArrive);
  uint64_t mine[2] = {key, value};
  std::vector<uint64_t> all(2 * size_t(state.world.size));
  checkMpi(MPI_Allgather(mine, 2, MPI_UINT64_T, all.data(), 2, MPI_UINT64_T,
                         state.world.comm),
           "MPI_Allgather");
  for (int r = 0; r < state.world.size; ++r)
    if (all[2 * size_t(r)] == key && all[2 * size_t(r) + 1] != value)
      return r;
  return -1;
}

} // extern "C"
