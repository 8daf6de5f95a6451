//===- CocoLibrary.h - calling compiled coco programs -----------*- C++ -*-===//
//
// `coco-compile prog.mlir --emit=shared -o libprog.so` builds a shared
// library that a running program (a training loop) loads and calls on its
// own buffers, every step, without copies:
//
//   * the library exports `coco_library()`, a description of its entries:
//     for each, its arguments (distributed tensors with their global shape,
//     grid and placements, or scalars with their defaults), whether the
//     entry updates a tensor in place, its results, and a caller;
//   * the runtime (libCocoRuntime, which the library links) checks a call's
//     arguments against that description and this rank's block of each
//     tensor, then calls the entry on the caller's memory
//     (`coco_rt_call_entry`);
//   * `coco::inprocess` below wraps both for C++ (header-only: it finds the
//     runtime through the loaded library, so a caller links nothing but
//     libdl), and python/coco/inprocess.py for Python (numpy arrays, DLPack
//     and buffer-protocol objects such as torch CPU tensors).
//
// The runtime is initialized once per process by the first load (MPI too,
// unless the process already initialized it: then coco runs inside that MPI
// job and leaves finalizing to it). Communicators are created on first use
// and cached for the whole run. A call that does not match the description
// returns an error and calls nothing; errors inside the call (an MPI failure,
// a rank that never arrives) end the job as in any coco program.
//
// Calls may come from any thread: the runtime runs one at a time. Each rank
// must still make the same calls in the same order; two threads calling
// entries at once on every rank reach the runtime in different orders on
// different ranks, and each call runs with the other ranks' arguments of
// whichever call they made then (the ranks agree on the entry and its
// scalars, not on which of the caller's buffers are meant). Make a step's
// calls from one thread per rank.
//
//===----------------------------------------------------------------------===//

#ifndef COCO_RUNTIME_COCOLIBRARY_H
#define COCO_RUNTIME_COCOLIBRARY_H

#include "coco/Runtime/CocoRuntime.h"

#ifdef __cplusplus
extern "C" {
#endif

/// Bumped whenever the structs below or the dtype codes they carry change
/// (python/coco/inprocess.py mirrors them and checks this number on load).
/// 3: i1 is COCO_DTYPE_I1, no longer I8. 4: CocoEntrySpec::program_digest.
#define COCO_LIBRARY_ABI_VERSION 4
/// Results of higher rank are rejected when the library is generated.
#define COCO_MAX_RESULT_RANK 8

/// One argument of an entry.
typedef struct CocoArgSpec {
  const char *name;
  /// 1: a distributed tensor (described by `tensor`); 0: a scalar.
  int32_t is_tensor;
  /// Tensors: written in place by the entry (a coco.update).
  int32_t updated;
  CocoTensorSpec tensor;
  /// Scalars: COCO_DTYPE_F32, F64, I32 or I64, and the coco.value default
  /// (in default_int, exactly, for an integer scalar).
  int32_t scalar_dtype;
  int32_t has_default;
  double default_value;
  int64_t default_int;
} CocoArgSpec;

/// A result's memref descriptor as the entry returned it.
typedef struct CocoReturned {
  /// Storage the caller must release (coco_rt_release_results); null when
  /// the result aliases an argument's buffer or an earlier result's.
  void *allocated;
  void *aligned;
  int64_t offset;
  int64_t rank;
  int64_t sizes[COCO_MAX_RESULT_RANK];
  int64_t strides[COCO_MAX_RESULT_RANK];
} CocoReturned;

typedef struct CocoEntrySpec {
  const char *name;
  int32_t num_args;
  const CocoArgSpec *args;
  int32_t num_results;
  const CocoTensorSpec *results;
  /// Calls the entry once, unchecked: args[i] points at a ranked memref
  /// descriptor {allocated, aligned, offset, sizes[rank], strides[rank]} of
  /// this rank's block for a tensor, at a value of the scalar's C type for
  /// a scalar; results[j] receives result j. Use coco_rt_call_entry.
  void (*call)(void *const *args, CocoReturned *results);
  /// A digest of the scheduled program the library was compiled from (its
  /// text without locations, and the target and pipeline coco-compile
  /// lowered it with): ranks whose libraries came from different programs
  /// or schedules refuse the call, where the entries' signatures agree but
  /// their code does not. It covers the whole module, not one entry.
  uint64_t program_digest;
} CocoEntrySpec;

typedef struct CocoLibrarySpec {
  int32_t abi_version; ///< COCO_LIBRARY_ABI_VERSION of the generator
  int32_t num_entries;
  const CocoEntrySpec *entries;
} CocoLibrarySpec;

/// Exported by every library `coco-compile --emit=shared` builds.
const CocoLibrarySpec *coco_library(void);

/// One argument of a call, by name.
typedef struct CocoArgValue {
  const char *name;
  /// 1: `data` is a tensor buffer (C-contiguous, row-major); 0: `scalar`.
  int32_t is_tensor;
  void *data;
  int32_t dtype; ///< CocoDType of the buffer's elements
  int32_t rank;
  const int64_t *shape;
  /// 0 when the caller's buffer must not be written (a read-only array).
  int32_t writable;
  /// A scalar's value: `scalar_int` when `scalar_is_int` (exact for i64),
  /// else `scalar`.
  double scalar;
  int32_t scalar_is_int;
  int64_t scalar_int;
} CocoArgValue;

/// Calls `entry` with `values` after checking them: every tensor argument
/// given once, of the entry's element type and this rank's block shape
/// (coco_rt_local_block), writable where the entry updates it, and not
/// overlapping another argument's buffer when either is written; scalars
/// given or defaulted (integers integral and in range); no unknown names.
/// Every rank of the job calls it: the ranks agree on the outcome (one
/// small all-reduce, skipped with COCO_CHECK=0), so a call refused on one
/// rank is refused on all, naming the first rank that refused, instead of
/// leaving the others waiting in the entry's collectives. They also refuse
/// a call where ranks call different entries, entries of libraries built
/// from different programs (CocoEntrySpec::program_digest), or pass different
/// scalar values (scalars are replicated). Tensors are used in place (the entry
/// reads and updates the caller's memory). Returns 0 and fills
/// `results[0..entry->num_results)`, or -1 with a message in `error`
/// (NUL-terminated, at most `error_size` bytes) having run nothing of the
/// entry.
int32_t coco_rt_call_entry(const CocoEntrySpec *entry,
                           const CocoArgValue *values, int64_t num_values,
                           CocoReturned *results, char *error,
                           int64_t error_size);
/// A call its caller refuses before coco_rt_call_entry (a wrapper's own
/// checks, e.g. a non-contiguous array): takes part in the ranks'
/// agreement as a refusal with `message`, so the other ranks, inside
/// coco_rt_call_entry, refuse too. Always returns -1, with the agreed
/// message in `error`.
int32_t coco_rt_refuse_call(const CocoEntrySpec *entry, const char *message,
                            char *error, int64_t error_size);
/// Frees the storage of results returned by coco_rt_call_entry.
void coco_rt_release_results(CocoReturned *results, int64_t num_results);
/// Bytes per element of a CocoDType; 0 for an unknown code.
int64_t coco_rt_dtype_bytes(int32_t dtype);
/// The placement of `tensor` as its type spells it, with its grid:
/// "[local, sliced<1>] on grid [2, ?]" (`within` included where the type
/// printer writes it). Writes at most `size` bytes, NUL-terminated, into
/// `text`; returns the whole text's length (as snprintf).
int64_t coco_rt_placement_text(const CocoTensorSpec *tensor, char *text,
                               int64_t size);

#ifdef __cplusplus
} // extern "C"

#include <dlfcn.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstddef>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <limits>
#include <map>
#include <memory>
#include <mutex>
#include <stdexcept>
#include <string>
#include <tuple>
#include <type_traits>
#include <utility>
#include <vector>

namespace coco::inprocess {

/// A call or load that does not match: wrong shape, dtype, name, library.
class Error : public std::runtime_error {
public:
  using std::runtime_error::runtime_error;
};

template <typename T> constexpr int32_t dtypeOf() {
  if constexpr (std::is_same_v<T, float>)
    return COCO_DTYPE_F32;
  else if constexpr (std::is_same_v<T, double>)
    return COCO_DTYPE_F64;
  // Signed integers by their width (long long is i64 as int64_t is);
  // character types are text, not numbers.
  else if constexpr (std::is_integral_v<T> && std::is_signed_v<T> &&
                     !std::is_same_v<T, char> && !std::is_same_v<T, wchar_t> &&
                     sizeof(T) == 4)
    return COCO_DTYPE_I32;
  else if constexpr (std::is_integral_v<T> && std::is_signed_v<T> &&
                     !std::is_same_v<T, wchar_t> && sizeof(T) == 8)
    return COCO_DTYPE_I64;
  else if constexpr (std::is_same_v<T, int8_t>)
    return COCO_DTYPE_I8;
  else if constexpr (std::is_same_v<T, bool>) {
    static_assert(sizeof(bool) == 1, "i1 is one byte per element");
    return COCO_DTYPE_I1;
  } else {
    static_assert(sizeof(T) == 0,
                  "coco has no element type for this buffer: float (f32), "
                  "double (f64), int64_t or long long (i64), int32_t (i32), "
                  "int8_t (i8), bool (i1); unsigned integers have none; a "
                  "16-bit float buffer goes through "
                  "Arg(data, COCO_DTYPE_F16/BF16, shape)");
    return -1;
  }
}

/// A call's argument: a view of the caller's tensor memory, or a scalar.
class Arg {
public:
  Arg(double value) : scalar(value) {}
  Arg(float value) : scalar(value) {}
  /// (bool and unscoped enums, by promotion, as before the template.)
  Arg(int value) : scalar(value), isInt(1), integer(value) {}
  /// Any integer (int, int64_t, size_t, ...): exact; a scalar of the entry's
  /// integer type, or a float scalar that takes its value.
  template <typename T,
            std::enable_if_t<std::is_integral_v<T> && !std::is_same_v<T, bool>,
                             int> = 0>
  Arg(T value) : scalar(double(value)), isInt(1), integer(int64_t(value)) {
    if constexpr (std::is_unsigned_v<T> && sizeof(T) >= sizeof(int64_t))
      if (value > T(std::numeric_limits<int64_t>::max()))
        throw Error("coco: scalar " + std::to_string(value) +
                    " does not fit in 64 bits (signed)");
  }
  /// Writable memory: the entry may update it in place.
  template <typename T>
  Arg(T *data, std::vector<int64_t> shape)
      : isTensor(true), data(data), dtype(dtypeOf<T>()),
        shape(std::move(shape)), writable(true) {}
  /// Read-only memory: an error if the entry updates this argument.
  template <typename T>
  Arg(const T *data, std::vector<int64_t> shape)
      : isTensor(true), data(const_cast<T *>(data)), dtype(dtypeOf<T>()),
        shape(std::move(shape)), writable(false) {}
  /// Any element type by its code (f16 and bf16 as 16-bit storage).
  Arg(void *data, int32_t dtype, std::vector<int64_t> shape)
      : isTensor(true), data(data), dtype(dtype), shape(std::move(shape)),
        writable(true) {}
  /// The same, read-only.
  Arg(const void *data, int32_t dtype, std::vector<int64_t> shape)
      : isTensor(true), data(const_cast<void *>(data)), dtype(dtype),
        shape(std::move(shape)), writable(false) {}

  CocoArgValue value(const std::string &name) const {
    return CocoArgValue{
        name.c_str(), isTensor, data,   dtype, int32_t(shape.size()),
        shape.data(), writable, scalar, isInt, integer};
  }

private:
  int32_t isTensor = 0;
  void *data = nullptr;
  int32_t dtype = 0;
  std::vector<int64_t> shape;
  int32_t writable = 0;
  double scalar = 0;
  int32_t isInt = 0;
  int64_t integer = 0;
};

/// A result, copied out of the buffer the entry returned (row-major).
struct Result {
  std::string name;
  int32_t dtype = 0;
  std::vector<int64_t> shape;
  std::vector<unsigned char> bytes;
  /// The elements as T: T must be the result's element type (a 16-bit
  /// type such as uint16_t for f16 and bf16), or a byte type (unsigned
  /// char, char, std::byte) for the raw bytes.
  template <typename T> const T *data() const {
    bool sixteenBit = dtype == COCO_DTYPE_F16 || dtype == COCO_DTYPE_BF16;
    if constexpr (std::is_same_v<T, unsigned char> || std::is_same_v<T, char> ||
                  std::is_same_v<T, std::byte>) {
      // Raw bytes of any element type.
    } else if constexpr (sizeof(T) == 2 && !std::is_same_v<T, bool>) {
      if (!sixteenBit)
        throw Error("coco: result '" + name +
                    "' is not f16 or bf16: read it with its element type");
    } else if (sixteenBit || dtypeOf<T>() != dtype) {
      throw Error("coco: result '" + name +
                  "' has another element type than the one asked for");
    }
    return reinterpret_cast<const T *>(bytes.data());
  }
};

namespace detail {
/// The runtime's functions, found through the loaded library (which links
/// libCocoRuntime), so that callers need not link it themselves.
struct Runtime {
  void (*init)(int *, char ***);
  void (*finalize)(void);
  int64_t (*worldRank)(void);
  int64_t (*worldSize)(void);
  int32_t (*localBlock)(const CocoTensorSpec *, int64_t *, int64_t *, int64_t *,
                        char *, int64_t);
  int32_t (*callEntry)(const CocoEntrySpec *, const CocoArgValue *, int64_t,
                       CocoReturned *, char *, int64_t);
  int32_t (*refuseCall)(const CocoEntrySpec *, const char *, char *, int64_t);
  void (*releaseResults)(CocoReturned *, int64_t);
  int64_t (*dtypeBytes)(int32_t);

  template <typename F>
  static void find(void *handle, const char *symbol, F &slot) {
    slot = reinterpret_cast<F>(dlsym(handle, symbol));
    if (!slot)
      throw Error(std::string("coco: the library does not provide ") + symbol +
                  " (not built by coco-compile --emit=shared?)");
  }
  explicit Runtime(void *handle) {
    find(handle, "coco_rt_init", init);
    find(handle, "coco_rt_finalize", finalize);
    find(handle, "coco_rt_world_rank", worldRank);
    find(handle, "coco_rt_world_size", worldSize);
    find(handle, "coco_rt_local_block", localBlock);
    find(handle, "coco_rt_call_entry", callEntry);
    find(handle, "coco_rt_refuse_call", refuseCall);
    find(handle, "coco_rt_release_results", releaseResults);
    find(handle, "coco_rt_dtype_bytes", dtypeBytes);
  }
};

} // namespace detail

/// An entry of a loaded library: call it with named arguments.
class Entry {
public:
  Entry(const CocoEntrySpec *spec, std::shared_ptr<detail::Runtime> runtime)
      : spec(spec), runtime(std::move(runtime)) {}

  std::string name() const { return spec->name; }
  const CocoEntrySpec &description() const { return *spec; }

  /// This rank's block of tensor argument (or result) `name`: the shape the
  /// call expects.
  std::vector<int64_t> localShape(const std::string &name) const {
    const CocoTensorSpec *tensor = find(name);
    std::vector<int64_t> offsets(tensor->rank), sizes(tensor->rank);
    char error[512];
    if (runtime->localBlock(tensor, offsets.data(), sizes.data(), nullptr,
                            error, sizeof(error)) != 0)
      throw Error(std::string("coco: @") + spec->name + ": '" + name +
                  "': " + error);
    return sizes;
  }
  int64_t localSize(const std::string &name) const {
    int64_t count = 1;
    for (int64_t extent : localShape(name))
      count *= extent;
    return count;
  }

  /// Runs the entry once on this rank; every rank of the job calls it.
  /// Tensors are updated in place; results are returned in order.
  std::vector<Result>
  operator()(const std::vector<std::pair<std::string, Arg>> &args) const {
    std::vector<CocoArgValue> values;
    values.reserve(args.size());
    for (const auto &[argName, arg] : args)
      values.push_back(arg.value(argName));
    std::vector<CocoReturned> returned(spec->num_results);
    char error[1024];
    if (runtime->callEntry(spec, values.data(), int64_t(values.size()),
                           returned.data(), error, sizeof(error)) != 0)
      throw Error(error);
    std::vector<Result> results;
    for (int32_t i = 0; i < spec->num_results; ++i)
      results.push_back(
          copyOut(spec->results[i], returned[i],
                  size_t(runtime->dtypeBytes(spec->results[i].dtype))));
    runtime->releaseResults(returned.data(), int64_t(returned.size()));
    return results;
  }

  /// This rank's refusal of a call it will not make (its own check failed):
  /// the other ranks, inside their call of this entry, refuse it too
  /// instead of waiting in its collectives. Every rank calls this or the
  /// entry. Always throws Error with the agreed message.
  [[noreturn]] void refuse(const std::string &message) const {
    char error[1024];
    runtime->refuseCall(spec, message.c_str(), error, sizeof(error));
    throw Error(error);
  }

private:
  const CocoTensorSpec *find(const std::string &name) const {
    for (int32_t i = 0; i < spec->num_args; ++i)
      if (spec->args[i].is_tensor && name == spec->args[i].name)
        return &spec->args[i].tensor;
    for (int32_t i = 0; i < spec->num_results; ++i)
      if (name == spec->results[i].name)
        return &spec->results[i];
    throw Error(std::string("coco: @") + spec->name +
                " has no tensor argument or result '" + name + "'");
  }

  static Result copyOut(const CocoTensorSpec &tensor, const CocoReturned &from,
                        size_t element) {
    Result result;
    result.name = tensor.name;
    result.dtype = tensor.dtype;
    result.shape.assign(from.sizes, from.sizes + from.rank);
    int64_t count = 1;
    for (int64_t extent : result.shape)
      count *= extent;
    result.bytes.resize(size_t(count) * element);
    const auto *base = static_cast<const unsigned char *>(from.aligned) +
                       from.offset * int64_t(element);
    std::vector<int64_t> index(from.rank, 0);
    for (int64_t i = 0; i < count; ++i) {
      int64_t at = 0;
      for (int64_t d = 0; d < from.rank; ++d)
        at += index[d] * from.strides[d];
      std::memcpy(result.bytes.data() + i * element, base + at * element,
                  element);
      for (int64_t d = from.rank - 1; d >= 0; --d) {
        if (++index[d] < from.sizes[d])
          break;
        index[d] = 0;
      }
    }
    return result;
  }

  const CocoEntrySpec *spec;
  std::shared_ptr<detail::Runtime> runtime;
};

namespace detail {
/// The process's one coco runtime: the first library's, finalized at exit
/// (as Python's coco module does) where the caller did not.
struct Process {
  std::mutex mutex;
  void (*init)(int *, char ***) = nullptr;
  void (*finalize)(void) = nullptr;
  /// Per library path: the file it had when this process last loaded it,
  /// and the path that load opened (the path itself, or the copy of a
  /// rebuild: dlopen finds a loaded library by its path, so a rebuilt file
  /// at the same path gave back the old code).
  std::map<std::string,
           std::pair<std::tuple<dev_t, ino_t, off_t, long long>, std::string>>
      opened;

  static Process &get() {
    static Process process;
    return process;
  }
  static void finalizeAtExit() {
    if (get().finalize)
      get().finalize();
  }

  /// What to dlopen for `path`: itself, or a copy beside it (a temporary
  /// directory may be mounted noexec) where the file changed since this
  /// process loaded it; `copied` says to delete the copy once mapped.
  std::string pathToOpen(const std::string &path, bool &copied) {
    copied = false;
    struct stat status;
    // A bare name is looked up by dlopen's search path: left to it.
    if (path.find('/') == std::string::npos || stat(path.c_str(), &status) != 0)
      return path;
    auto identity =
        std::make_tuple(status.st_dev, status.st_ino, status.st_size,
                        (long long)status.st_mtim.tv_sec * 1000000000LL +
                            status.st_mtim.tv_nsec);
    // By the path as given, as dlopen finds a loaded library (a symlink
    // switched to a rebuilt file gave back the old one).
    auto [known, fresh] = opened.try_emplace(path, identity, path);
    if (fresh || known->second.first == identity)
      return known->second.second;
    std::string copy = path + "." + std::to_string(getpid()) + "." +
                       std::to_string(std::get<3>(identity)) + ".so";
    {
      std::ifstream from(path, std::ios::binary);
      std::ofstream to(copy, std::ios::binary | std::ios::trunc);
      to << from.rdbuf();
      if (!from || !to.flush()) {
        std::remove(copy.c_str());
        throw Error("coco: " + path +
                    " was rebuilt since this process loaded it, and its "
                    "copy cannot be made beside it: build the new library "
                    "at another path");
      }
    }
    known->second = {identity, copy};
    copied = true;
    return copy;
  }
};
} // namespace detail

/// A compiled coco library loaded into this process. It stays loaded for
/// the life of the process (its code holds runtime state). A library
/// rebuilt at a path this process loaded before is loaded from a copy, so
/// that its new code runs.
class Library {
public:
  explicit Library(const std::string &path) {
    // (dlopen("") is the program itself: a library loaded before would
    // answer for it.)
    if (path.empty())
      throw Error("coco: the library path is empty");
    detail::Process &process = detail::Process::get();
    std::lock_guard<std::mutex> lock(process.mutex);
    bool copied = false;
    std::string opened = process.pathToOpen(path, copied);
    handle = dlopen(opened.c_str(), RTLD_NOW | RTLD_GLOBAL);
    std::string why = handle ? "" : dlerror();
    if (copied)
      std::remove(opened.c_str()); // (mapped now: the copy's file can go)
    if (!handle)
      throw Error("coco: cannot load " + path + ": " + why);
    runtime = std::make_shared<detail::Runtime>(handle);
    using Describe = const CocoLibrarySpec *(*)(void);
    auto describe = reinterpret_cast<Describe>(dlsym(handle, "coco_library"));
    if (!describe)
      throw Error("coco: " + path +
                  " is not a coco library (no coco_library; "
                  "build it with coco-compile --emit=shared)");
    spec = describe();
    if (spec->abi_version != COCO_LIBRARY_ABI_VERSION)
      throw Error("coco: " + path + " was generated for library ABI " +
                  std::to_string(spec->abi_version) + ", this header is " +
                  std::to_string(COCO_LIBRARY_ABI_VERSION));
    if (process.init && process.init != runtime->init)
      throw Error("coco: " + path +
                  " links another coco runtime than the library loaded "
                  "first (a CPU and a GPU library): one process can use "
                  "only one of them");
    runtime->init(nullptr, nullptr);
    if (!process.init) {
      process.init = runtime->init;
      // Not the GPU runtime's: the CUDA runtime, started after this
      // registration, is torn down before it would run.
      if (!dlsym(handle, "mgpuModuleLoad")) {
        process.finalize = runtime->finalize;
        std::atexit(detail::Process::finalizeAtExit);
      }
    }
    for (int32_t i = 0; i < spec->num_entries; ++i)
      entries.emplace_back(&spec->entries[i], runtime);
  }

  const Entry &entry(const std::string &name) const {
    std::string names;
    for (const Entry &candidate : entries) {
      if (candidate.name() == name)
        return candidate;
      names += (names.empty() ? "@" : ", @") + candidate.name();
    }
    throw Error("coco: the library has no entry @" + name + " (it has " +
                names + ")");
  }
  /// The only entry; an error if there are several.
  const Entry &entry() const {
    if (entries.size() != 1)
      throw Error("coco: the library has " + std::to_string(entries.size()) +
                  " entries: name one");
    return entries.front();
  }
  const std::vector<Entry> &allEntries() const { return entries; }

  int64_t worldRank() const { return runtime->worldRank(); }
  int64_t worldSize() const { return runtime->worldSize(); }
  /// Frees the runtime's communicators and finalizes MPI if coco
  /// initialized it; no call may follow. Every rank calls it; where the
  /// program does not, it runs at exit (CPU libraries; a GPU library's
  /// program must call it before the CUDA runtime is torn down).
  void finalize() const { runtime->finalize(); }

private:
  void *handle = nullptr;
  const CocoLibrarySpec *spec = nullptr;
  std::shared_ptr<detail::Runtime> runtime;
  std::vector<Entry> entries;
};

} // namespace coco::inprocess
#endif // __cplusplus

#endif // COCO_RUNTIME_COCOLIBRARY_H
