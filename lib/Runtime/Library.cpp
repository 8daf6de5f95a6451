//===- Library.cpp - checked in-process calls of compiled entries ---------===//
//
// coco_rt_call_entry: the one place that checks a caller's buffers against a
// compiled entry's description (CocoLibrary.h) before the entry runs on
// them. The C++ header and the Python module are thin wrappers around it.
//
//===----------------------------------------------------------------------===//

#include "ElementTypes.h"
#include "Internal.h"
#include "PlacementText.h"
// Exported like the rest of the C ABI (Internal.h).
#pragma GCC visibility push(default)
#include "coco/Runtime/CocoLibrary.h"
#include "coco/Support/ScalarText.h"
#pragma GCC visibility pop

#ifdef COCO_RUNTIME_GPU
#include "GPU/Device.h"
#endif

#include <algorithm>
#include <charconv>
#include <climits>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <string>
#include <vector>

namespace coco::rt {
namespace {

/// A check that failed: the message for the caller.
struct CallError {
  std::string message;
};

bool validDType(int32_t dtype) { return dtype >= 0 && dtype < COCO_NUM_DTYPES; }

std::string dtypeText(int32_t dtype) {
  return validDType(dtype) ? dtypeName(dtype)
                           : "dtype code " + std::to_string(dtype);
}

std::string shapeText(const int64_t *shape, int64_t rank) {
  std::string text = "[";
  for (int64_t d = 0; d < rank; ++d)
    text += (d ? ", " : "") + std::to_string(shape[d]);
  return text + "]";
}

/// "[local, sliced<1>] on grid [2, ?]": the placements and the grid.
std::string placementText(const CocoTensorSpec &tensor) {
  std::string placements = "[";
  for (int32_t axis = 0; axis < tensor.grid_rank; ++axis)
    placements +=
        (axis ? ", " : "") + placementName(tensor.placements, tensor.grid_rank,
                                           tensor.slice_order,
                                           tensor.num_slice_levels, axis);
  std::string grid = "[";
  for (int32_t axis = 0; axis < tensor.grid_rank; ++axis)
    grid +=
        (axis ? ", " : "") + (tensor.grid_shape[axis] < 0
                                  ? std::string("?")
                                  : std::to_string(tensor.grid_shape[axis]));
  return placements + "] on grid " + grid + "]";
}

/// "f32[8, 6], [local, sliced<1>] on grid [2, ?]": the argument's type.
std::string tensorText(const CocoTensorSpec &tensor) {
  return dtypeText(tensor.dtype) + shapeText(tensor.shape, tensor.rank) + ", " +
         placementText(tensor);
}

int64_t elementCount(const int64_t *shape, int64_t rank) {
  int64_t count = 1;
  for (int64_t d = 0; d < rank; ++d)
    count *= shape[d];
  return count;
}

/// A tensor argument checked and ready to pass: its descriptor
/// {allocated, aligned, offset, sizes..., strides...} and its bytes.
struct PreparedTensor {
  std::vector<int64_t> descriptor;
  const unsigned char *begin = nullptr, *end = nullptr;
  bool written = false;
  const char *name = nullptr;
};

/// Scalars are passed by value: one 8-byte slot holds the C value.
union ScalarSlot {
  float f32;
  double f64;
  int32_t i32;
  int64_t i64;
};

PreparedTensor prepareTensor(const CocoEntrySpec &entry,
                             const CocoArgSpec &spec,
                             const CocoArgValue &value) {
  std::string what =
      std::string("@") + entry.name + ": argument '" + spec.name + "'";
  const CocoTensorSpec &tensor = spec.tensor;
  if (!value.is_tensor)
    throw CallError{what + " is a tensor (" + tensorText(tensor) +
                    "), got a scalar"};
  if (!validDType(tensor.dtype))
    throw CallError{what + ": the entry's description has " +
                    dtypeText(tensor.dtype)};
  if (value.dtype != tensor.dtype)
    throw CallError{what + " has element type " + dtypeText(tensor.dtype) +
                    ", got " + dtypeText(value.dtype)};
  if (value.rank < 0 || (value.rank > 0 && !value.shape))
    throw CallError{what + ": no shape given"};
  std::vector<int64_t> offsets(size_t(tensor.rank)), sizes(size_t(tensor.rank));
  char blockError[256];
  if (coco_rt_local_block(&tensor, offsets.data(), sizes.data(), nullptr,
                          blockError, sizeof(blockError)) != 0)
    throw CallError{what + ": " + blockError};
  if (value.rank != tensor.rank ||
      !std::equal(sizes.begin(), sizes.end(), value.shape))
    throw CallError{what + " (" + tensorText(tensor) + "): world rank " +
                    std::to_string(coco_rt_world_rank()) + " of " +
                    std::to_string(coco_rt_world_size()) +
                    " holds a block of shape " +
                    shapeText(sizes.data(), tensor.rank) + ", got shape " +
                    shapeText(value.shape, value.rank)};
  if (spec.updated && !value.writable)
    throw CallError{what + " is updated in place by the entry, but the "
                           "buffer passed is read-only"};
  int64_t count = elementCount(sizes.data(), tensor.rank);
  if (!value.data && count > 0)
    throw CallError{what + ": null data pointer"};
#ifdef COCO_RUNTIME_GPU
  // Compiled GPU code reads and writes its arguments from kernels, NCCL,
  // cuBLAS and the host alike: only managed memory serves them all.
  if (count > 0 && !gpu::isManaged(value.data))
    throw CallError{what + " is not CUDA managed memory: a GPU entry needs "
                           "buffers from cudaMallocManaged"};
#endif
  // An i1 byte other than 0 and 1 is no boolean: the compiled code reads its
  // lowest bit (2 as false). A numpy bool array viewed from other bytes, or
  // a C++ buffer of any bytes, can hold one.
  if (tensor.dtype == COCO_DTYPE_I1) {
    const auto *bytes = static_cast<const unsigned char *>(value.data);
    for (int64_t i = 0; i < count; ++i)
      if (bytes[i] > 1)
        throw CallError{what + " is i1, whose bytes are 0 or 1; element " +
                        std::to_string(i) + " holds " +
                        std::to_string(int(bytes[i]))};
  }
  PreparedTensor prepared;
  prepared.name = spec.name;
  prepared.written = spec.updated;
  prepared.begin = static_cast<const unsigned char *>(value.data);
  prepared.end = prepared.begin +
                 count * int64_t(dtypeInfo(tensor.dtype, entry.name).bytes);
  auto address = int64_t(reinterpret_cast<intptr_t>(value.data));
  prepared.descriptor = {address, address, 0};
  prepared.descriptor.insert(prepared.descriptor.end(), sizes.begin(),
                             sizes.end());
  std::vector<int64_t> strides(size_t(tensor.rank));
  int64_t stride = 1;
  for (int64_t d = tensor.rank - 1; d >= 0; --d) {
    strides[size_t(d)] = stride;
    stride *= sizes[size_t(d)];
  }
  prepared.descriptor.insert(prepared.descriptor.end(), strides.begin(),
                             strides.end());
  return prepared;
}

/// The shortest text that reads back as `x` (1e+300, 0.5, as Python prints
/// it), whatever the caller's locale.
std::string shortestText(double x) {
  char text[32];
  auto written = std::to_chars(text, text + sizeof(text) - 1, x);
  *written.ptr = '\0';
  return text;
}

ScalarSlot prepareScalar(const CocoEntrySpec &entry, const CocoArgSpec &spec,
                         const CocoArgValue *value) {
  std::string what =
      std::string("@") + entry.name + ": argument '" + spec.name + "'";
  if (value && value->is_tensor)
    throw CallError{what + " is an " + dtypeText(spec.scalar_dtype) +
                    " scalar, got a tensor"};
  if (!value && !spec.has_default)
    throw CallError{what + " (an " + dtypeText(spec.scalar_dtype) +
                    " scalar with no default) is missing"};
  // The value as given: exact integers stay exact (i64 beyond 2^53).
  bool isInt =
      value ? value->scalar_is_int : spec.scalar_dtype >= COCO_DTYPE_I32;
  int64_t integer = value ? value->scalar_int : spec.default_int;
  double x =
      value ? (isInt ? double(integer) : value->scalar) : spec.default_value;
  ScalarSlot slot;
  std::memset(&slot, 0, sizeof(slot));
  switch (spec.scalar_dtype) {
  case COCO_DTYPE_F32: {
    // A finite double from halfway between the largest f32 and 2^128 on
    // rounds to inf: it would arrive as inf, quietly. Both callers, C++ and
    // Python, meet this one check.
    if (std::isfinite(x) && std::fabs(x) >= 0x1.ffffffp127)
      throw CallError{what + ": an f32 scalar takes values up to " +
                      "3.4028235e+38 in magnitude, not " + shortestText(x) +
                      ", which would become inf"};
    slot.f32 = float(x);
    return slot;
  }
  case COCO_DTYPE_F64:
    slot.f64 = x;
    return slot;
  case COCO_DTYPE_I32:
  case COCO_DTYPE_I64: {
    bool i32 = spec.scalar_dtype == COCO_DTYPE_I32;
    if (!isInt) {
      // A float given for an integer: only if it is one, and in range.
      if (x != std::floor(x) ||
          !(x >= -9223372036854775808.0 && x < 9223372036854775808.0))
        throw CallError{what + " is an " + dtypeText(spec.scalar_dtype) +
                        " scalar, got " + shortestText(x)};
      integer = int64_t(x);
    }
    if (i32 && (integer < INT32_MIN || integer > INT32_MAX))
      throw CallError{what + " is an i32 scalar, got " +
                      std::to_string(integer)};
    if (i32)
      slot.i32 = int32_t(integer);
    else
      slot.i64 = integer;
    return slot;
  }
  default:
    throw CallError{what + ": unsupported scalar dtype code " +
                    std::to_string(spec.scalar_dtype)};
  }
}

/// What each rank brings to an agreement: before every in-process call, and
/// once in coco_rt_finalize. One MPI_Allreduce (MPI_MIN) over the runtime's
/// agreement communicator, which nothing else uses, so that it meets only
/// another agreement; a maximum travels as the minimum of its complement.
struct Vote {
  int64_t firstRefusing; // this rank if it refuses the call, else the size
  int64_t firstLeaving;  // this rank if it finalizes, else the size
  int64_t allLeaving;    // 1 if it finalizes: the minimum is 1 iff all do
  int64_t entryHash, entryHashComplement;
  int64_t programHash, programHashComplement;
  int64_t scalarHash, scalarHashComplement;
};
static_assert(sizeof(Vote) == 9 * sizeof(int64_t), "one MPI_INT64_T each");

Vote vote(const AxisComm &world, bool refuses, bool leaving, uint64_t entry,
          uint64_t program, uint64_t scalars) {
  auto asInt = [](uint64_t bits) {
    int64_t value;
    std::memcpy(&value, &bits, sizeof value);
    return value;
  };
  return Vote{refuses ? world.rank : world.size,
              leaving ? world.rank : world.size,
              leaving ? 1 : 0,
              asInt(entry),
              ~asInt(entry),
              asInt(program),
              ~asInt(program),
              asInt(scalars),
              ~asInt(scalars)};
}

Vote agree(Vote mine) {
  Vote all = mine;
  checkMpi(MPI_Allreduce(MPI_IN_PLACE, &all, sizeof(Vote) / sizeof(int64_t),
                         MPI_INT64_T, MPI_MIN, agreementComm()),
           "MPI_Allreduce (agreement)");
  return all;
}

/// Some ranks finalize while others call an entry: nothing can go on, and
/// waiting would only end at the watchdog. The calling ranks say which rank
/// left and end the job; a leaving rank (whose program already said why it
/// ended) waits for that, so that its own MPI_Abort cannot cut their
/// messages short.
[[noreturn]] void leftDuringCall(const Vote &all, bool leaving,
                                 const char *site, const char *entry) {
  if (leaving)
    waitForAbort(site);
  fatalf(site,
         "world rank %lld's program ended (it finalized the coco runtime: an "
         "uncaught error or an early exit there?) while this rank calls @%s",
         (long long)all.firstLeaving, entry);
}

/// What the first rank whose `mine` differs from this rank's passes, as
/// "; world rank R VERB TEXT" (TEXT cut at 255 bytes), or "" where the first
/// 255 bytes agree. Every rank calls it together: only on the path where
/// the vote already found ranks disagreeing, so the common call pays
/// nothing.
std::string firstDifferingRank(const std::string &mine, const char *verb) {
  const AxisComm &world = worldAxis();
  constexpr int kWidth = 256;
  std::vector<char> own(kWidth, 0), all(size_t(kWidth) * size_t(world.size));
  std::snprintf(own.data(), kWidth, "%s", mine.c_str());
  checkMpi(MPI_Allgather(own.data(), kWidth, MPI_CHAR, all.data(), kWidth,
                         MPI_CHAR, agreementComm()),
           "MPI_Allgather (what the ranks disagree on)");
  for (int r = 0; r < world.size; ++r) {
    const char *theirs = all.data() + size_t(r) * kWidth;
    if (std::strncmp(theirs, own.data(), kWidth))
      return "; world rank " + std::to_string(r) + " " + verb + " " +
             std::string(theirs, strnlen(theirs, kWidth));
  }
  return "";
}

/// "this rank's program digest: D; world rank R has E", for ranks whose
/// program digests differ (every rank calls it: firstDifferingRank).
std::string digestsText(uint64_t programDigest) {
  char digest[24];
  std::snprintf(digest, sizeof digest, "%016llx",
                (unsigned long long)programDigest);
  return std::string("this rank's program digest: ") + digest +
         firstDifferingRank(digest, "has");
}

/// The job's verdict on a call: `refusal` (this rank's reason, empty if it
/// accepts) becomes the first refusing rank's reason on every rank, so that
/// no rank enters the entry's collectives while another stays out. Ranks
/// that call different entries, an entry of libraries built from different
/// programs (`programDigest`), or one entry with different scalar values
/// (`scalars`: name=value of each, as this rank passes them), refuse too: a
/// replicated result would silently differ between them. One MPI_Allreduce
/// when every rank accepts; skipped with COCO_CHECK=0.
std::string agreeOnRefusal(const std::string &refusal, const char *entry,
                           uint64_t entryHash, uint64_t programDigest,
                           const std::string &scalars) {
  if (!consistencyCheckEnabled())
    return refusal;
  const AxisComm &world = worldAxis();
  std::string site = std::string("in-process call of @") + entry;
  CallScope scope(site.c_str(), Waits::ForPeersToArrive);
  Vote all = agree(vote(world, !refusal.empty(), /*leaving=*/false, entryHash,
                        programDigest, fnv1a(scalars.data(), scalars.size())));
  if (all.firstLeaving != world.size)
    leftDuringCall(all, false, site.c_str(), entry);
  int first = int(all.firstRefusing);
  if (first == world.size) {
    if (all.entryHash != ~all.entryHashComplement) {
      // (Names alike, signatures not: the entry of another library.)
      std::string other = firstDifferingRank(std::string("@") + entry, "calls");
      return std::string("ranks call different entries at once (this rank "
                         "calls @") +
             entry +
             (other.empty() ? std::string("; another rank's @") + entry +
                                  " has another signature"
                            : other) +
             "): each rank must call the same entry of the same "
             "library";
    }
    // Same signature, other code: a schedule that differs (a rank-local
    // choice, another machine profile) or a rank-dependent constant.
    if (all.programHash != ~all.programHashComplement)
      return std::string("ranks call @") + entry +
             " of libraries compiled from different programs or schedules "
             "(" +
             digestsText(programDigest) +
             "): every rank must load the same library (the same program, "
             "schedule and coco build)";
    if (all.scalarHash != ~all.scalarHashComplement)
      return std::string("ranks pass different scalar values to @") + entry +
             " (this rank: " + scalars + firstDifferingRank(scalars, "passes") +
             "): scalars are replicated, every rank must pass the same";
    return "";
  }
  std::vector<char> message(1024, 0);
  if (world.rank == first)
    std::snprintf(message.data(), message.size(), "%s", refusal.c_str());
  checkMpi(MPI_Bcast(message.data(), int(message.size()), MPI_CHAR, first,
                     agreementComm()),
           "MPI_Bcast");
  if (world.rank == first)
    return refusal;
  return "refused on world rank " + std::to_string(first) + ": " +
         message.data();
}

/// `tensor`'s type (element type, shape, placements on its grid, slice
/// order) into `hash`.
uint64_t tensorHash(const CocoTensorSpec &tensor, uint64_t hash) {
  int64_t kind[4] = {tensor.dtype, tensor.rank, tensor.grid_rank,
                     tensor.num_slice_levels};
  hash = fnv1a(kind, sizeof kind, hash);
  hash = fnv1a(tensor.shape, size_t(tensor.rank) * sizeof(int64_t), hash);
  hash = fnv1a(tensor.grid_shape, size_t(tensor.grid_rank) * sizeof(int64_t),
               hash);
  hash = fnv1a(tensor.placements, size_t(tensor.grid_rank) * sizeof(int64_t),
               hash);
  return fnv1a(tensor.slice_order,
               size_t(tensor.num_slice_levels) * sizeof(int64_t), hash);
}

/// The entry as ranks must agree on it: its name, every argument (name,
/// tensor or scalar, type, updated or not) and every result's type.
uint64_t entryHash(const CocoEntrySpec *entry) {
  if (!entry || !entry->name)
    return 0;
  uint64_t hash = fnv1a(entry->name, std::strlen(entry->name) + 1);
  for (int32_t i = 0; i < entry->num_args; ++i) {
    const CocoArgSpec &arg = entry->args[i];
    hash = fnv1a(arg.name, std::strlen(arg.name) + 1, hash);
    int64_t kind[3] = {arg.is_tensor, arg.updated, arg.scalar_dtype};
    hash = fnv1a(kind, sizeof kind, hash);
    if (arg.is_tensor)
      hash = tensorHash(arg.tensor, hash);
  }
  for (int32_t r = 0; r < entry->num_results; ++r)
    hash = tensorHash(entry->results[r], hash);
  return hash;
}

/// "lr=0.1, steps=3": the scalars of a call, as the entry will get them
/// (nan for every NaN; -0 apart from 0: 1/x tells them apart, so a
/// replicated result would differ).
std::string scalarText(const CocoEntrySpec &entry,
                       const std::vector<ScalarSlot> &scalars) {
  std::string text;
  size_t next = 0;
  for (int32_t i = 0; i < entry.num_args && next < scalars.size(); ++i) {
    const CocoArgSpec &spec = entry.args[i];
    if (spec.is_tensor)
      continue;
    const ScalarSlot &slot = scalars[next++];
    std::string value;
    switch (spec.scalar_dtype) {
    case COCO_DTYPE_F32:
      value = coco_support::realScalarText(slot.f32, 32);
      break;
    case COCO_DTYPE_F64:
      value = coco_support::realScalarText(slot.f64, 64);
      break;
    case COCO_DTYPE_I32:
      value = std::to_string(slot.i32);
      break;
    default:
      value = std::to_string(slot.i64);
    }
    text += (text.empty() ? "" : ", ") + std::string(spec.name) + "=" + value;
  }
  return text;
}

} // namespace
} // namespace coco::rt

std::mutex &coco::rt::callMutex() {
  static std::mutex mutex;
  return mutex;
}

void coco::rt::agreeToFinalize() {
  if (!consistencyCheckEnabled())
    return;
  const AxisComm &world = worldAxis();
  const char *site = "coco_rt_finalize";
  CallScope scope(site, Waits::ForPeersToArrive);
  const uint64_t leave = fnv1a(site, std::strlen(site));
  Vote all = agree(vote(world, false, /*leaving=*/true, leave, 0, 0));
  if (all.allLeaving != 1)
    leftDuringCall(all, true, site, "");
}

using namespace coco::rt;

extern "C" void _mlir_memref_to_llvm_free(void *ptr); // Allocator.cpp

extern "C" {

int32_t coco_rt_call_entry(const CocoEntrySpec *entry,
                           const CocoArgValue *values, int64_t numValues,
                           CocoReturned *results, char *error,
                           int64_t errorSize) {
  std::lock_guard<std::mutex> serialized(callMutex());
  ensureInitialized();
#ifdef COCO_RUNTIME_GPU
  // The current device is per thread, calls come from any thread, and the
  // caller may have set another device since its last call.
  gpu::useChosenDevice();
#endif
  auto refuse = [&](const std::string &message) {
    if (error && errorSize > 0)
      std::snprintf(error, size_t(errorSize), "%s", message.c_str());
    return int32_t(-1);
  };
  std::vector<PreparedTensor> tensors;
  std::vector<ScalarSlot> scalars;
  std::vector<void *> args;
  std::string refusal;
  try {
    if (!entry || !entry->call || (numValues > 0 && !values) ||
        (entry->num_results > 0 && !results))
      throw CallError{"coco_rt_call_entry: missing entry, values or results"};
    // Each argument of the entry: the value named after it, if any.
    std::vector<const CocoArgValue *> given(size_t(entry->num_args), nullptr);
    for (int64_t v = 0; v < numValues; ++v) {
      const char *name = values[v].name ? values[v].name : "";
      int32_t i = 0;
      while (i < entry->num_args && std::strcmp(entry->args[i].name, name))
        ++i;
      if (i == entry->num_args) {
        std::string names;
        for (int32_t j = 0; j < entry->num_args; ++j)
          names += (j ? ", " : "") + std::string(entry->args[j].name);
        throw CallError{std::string("@") + entry->name + " has no argument '" +
                        name + "' (its arguments: " + names + ")"};
      }
      if (given[size_t(i)])
        throw CallError{std::string("@") + entry->name + ": argument '" + name +
                        "' is given twice"};
      given[size_t(i)] = &values[v];
    }
    tensors.reserve(size_t(entry->num_args));
    scalars.reserve(size_t(entry->num_args));
    for (int32_t i = 0; i < entry->num_args; ++i) {
      const CocoArgSpec &spec = entry->args[i];
      if (spec.is_tensor) {
        if (!given[size_t(i)])
          throw CallError{std::string("@") + entry->name +
                          ": tensor argument '" + spec.name + "' (" +
                          tensorText(spec.tensor) + ") is missing"};
        tensors.push_back(prepareTensor(*entry, spec, *given[size_t(i)]));
        args.push_back(tensors.back().descriptor.data());
      } else {
        scalars.push_back(prepareScalar(*entry, spec, given[size_t(i)]));
        args.push_back(&scalars.back());
      }
    }
    // The entry reads arguments while it writes others: buffers that
    // overlap where either is written would give wrong results.
    for (size_t a = 0; a < tensors.size(); ++a)
      for (size_t b = a + 1; b < tensors.size(); ++b) {
        const PreparedTensor &x = tensors[a], &y = tensors[b];
        if ((x.written || y.written) && x.begin < y.end && y.begin < x.end)
          throw CallError{std::string("@") + entry->name + ": arguments '" +
                          x.name + "' and '" + y.name +
                          "' share memory, and the entry updates '" +
                          (x.written ? x.name : y.name) + "' in place"};
      }
  } catch (const CallError &failure) {
    refusal = failure.message;
  }
  refusal = agreeOnRefusal(refusal, entry && entry->name ? entry->name : "?",
                           entryHash(entry), entry ? entry->program_digest : 0,
                           refusal.empty() && consistencyCheckEnabled()
                               ? scalarText(*entry, scalars)
                               : "");
  if (!refusal.empty())
    return refuse(refusal);

  entry->call(args.data(), results);
  // Only what the compiled code allocated is the caller's to release:
  // not a result that aliases an argument, nor a second result of the
  // same buffer, nor a constant (MLIR marks those with 0xdeadbeef).
  std::vector<void *> returned;
  for (int32_t r = 0; r < entry->num_results; ++r) {
    auto *allocated = static_cast<unsigned char *>(results[r].allocated);
    bool aliasesArgument = std::any_of(
        tensors.begin(), tensors.end(), [&](const PreparedTensor &t) {
          return allocated >= t.begin &&
                 allocated < std::max(t.end, t.begin + 1);
        });
    bool repeated = std::find(returned.begin(), returned.end(), allocated) !=
                    returned.end();
    returned.push_back(allocated);
    if (aliasesArgument || repeated ||
        reinterpret_cast<uintptr_t>(allocated) == 0xdeadbeef)
      results[r].allocated = nullptr;
  }
  return 0;
}

int32_t coco_rt_refuse_call(const CocoEntrySpec *entry, const char *message,
                            char *error, int64_t errorSize) {
  std::lock_guard<std::mutex> serialized(callMutex());
  ensureInitialized();
  std::string refusal = message && *message ? message : "refused by the caller";
  refusal =
      agreeOnRefusal(refusal, entry && entry->name ? entry->name : "?",
                     entryHash(entry), entry ? entry->program_digest : 0, "");
  if (error && errorSize > 0)
    std::snprintf(error, size_t(errorSize), "%s", refusal.c_str());
  return -1;
}

void coco_rt_agree_on_program(uint64_t programDigest, const char *entries,
                              const char *scalars) {
  ensureInitialized();
  if (!consistencyCheckEnabled())
    return;
  const char *site = "coco host program";
  std::string names = entries ? entries : "", values = scalars ? scalars : "";
  CallScope scope(site, Waits::ForPeersToArrive);
  Vote all = agree(vote(worldAxis(), false, /*leaving=*/false,
                        fnv1a(names.data(), names.size()), programDigest,
                        fnv1a(values.data(), values.size())));
  if (all.programHash != ~all.programHashComplement)
    fatal(site, "ranks run executables compiled from different programs or "
                "schedules (" +
                    digestsText(programDigest) +
                    "): every rank must run the same program, schedule and "
                    "coco build");
  if (all.entryHash != ~all.entryHashComplement)
    fatal(site, "ranks run different entries (this rank runs " + names +
                    firstDifferingRank(names, "runs") +
                    "): every rank must run the same entries");
  if (all.scalarHash != ~all.scalarHashComplement)
    fatal(site, "ranks pass different scalar values (this rank: " + values +
                    firstDifferingRank(values, "passes") +
                    "): scalars are replicated, every rank must pass the "
                    "same --set values");
}

void coco_rt_release_results(CocoReturned *results, int64_t numResults) {
  for (int64_t r = 0; r < numResults; ++r) {
    _mlir_memref_to_llvm_free(results[r].allocated);
    results[r].allocated = nullptr;
  }
}

int64_t coco_rt_dtype_bytes(int32_t dtype) {
  return validDType(dtype) ? int64_t(dtypeInfo(dtype, nullptr).bytes) : 0;
}

int64_t coco_rt_placement_text(const CocoTensorSpec *tensor, char *text,
                               int64_t size) {
  std::string placement = placementText(*tensor);
  if (text && size > 0)
    std::snprintf(text, size_t(size), "%s", placement.c_str());
  return int64_t(placement.size());
}

} // extern "C"
