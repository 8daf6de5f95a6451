//===- CocoHost.h - host side of programs built by coco-compile -*- C++ -*-===//
//
// The C++ mains that `coco-translate --coco-to-cpp-main` generates use this to
// set up inputs (from files or a seeded generator), call the compiled entry
// function through its C interface, time it, and write or print outputs. It
// knows the distributed layouts, so every rank builds exactly its own part
// of each global tensor.
//
// Command line of a generated program:
//   --in DIR       read inputs: DIR/NAME.bin holds the global tensor of an
//                  argument that is replicated or sliced on every grid axis
//                  (row-major, raw; each rank takes its block), and
//                  DIR/NAME.rank<R>.bin world rank R's own block of one that
//                  is local on some axis (its values differ between ranks)
//   --out DIR      write DIR/NAME.rank<R>.bin: each rank's part of every
//                  updated parameter and result
//   --set NAME=V   value of a scalar argument
//   --iters N      run the entry N times (default 1) and report the median
//   --warmup N     untimed runs before (default 0)
//   --csv FILE     append "entry,ranks,median_ms,min_ms,runs" lines (rank 0)
//   --quiet        print nothing but errors
// A program generated for several entries (benchmarks) runs them
// interleaved: warmups, then iteration i of every entry before iteration
// i+1 of any, so they see the same machine conditions.
//
//===----------------------------------------------------------------------===//

#ifndef COCO_RUNTIME_COCOHOST_H
#define COCO_RUNTIME_COCOHOST_H

#include <cstdint>
#include <cstring>
#include <functional>
#include <initializer_list>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <vector>

namespace coco::host {

/// A ranked memref descriptor, laid out as MLIR's C interface expects.
template <typename T, int N> struct MemRef {
  T *allocated = nullptr;
  T *aligned = nullptr;
  int64_t offset = 0;
  int64_t sizes[N] = {};
  int64_t strides[N] = {};
};
template <typename T> struct MemRef<T, 0> {
  T *allocated = nullptr;
  T *aligned = nullptr;
  int64_t offset = 0;
};

/// Numbered as the runtime's CocoDType (CocoElementTypes.def).
enum class ElementKind : int32_t {
#define COCO_ELEMENT_TYPE(KIND, NAME, CODE, BYTES, STORAGE) KIND = CODE,
#include "coco/Runtime/CocoElementTypes.def"
};
enum class InitKind { Uniform, Positive, Zeros, Ones };

/// Placement codes of TensorInfo::placements (as in !coco.dtensor).
constexpr int64_t kReplicated = -1, kLocal = -2;

/// What a generated main knows about a distributed argument or result.
struct TensorInfo {
  std::string name;
  ElementKind element;
  std::vector<int64_t> globalShape;
  /// One per grid axis: kReplicated, kLocal, or the sliced dimension.
  std::vector<int64_t> placements;
  /// Every slicing axis, by dimension, outer to inner (the blocks of each
  /// axis split those of the previous one slicing the same dimension).
  std::vector<int64_t> sliceOrder;
  std::vector<int64_t> gridShape; // -1 for '?'
  InitKind init;
};

/// Zeroed storage from the runtime's allocator, the one compiled code
/// allocates with: in GPU programs it is CUDA managed memory, so kernels,
/// NCCL and cuBLAS can read the inputs the host program prepared.
class Buffer {
public:
  Buffer() = default;
  ~Buffer();
  Buffer(const Buffer &) = delete;
  Buffer &operator=(const Buffer &) = delete;
  /// Replaces the contents with `size` zero bytes.
  void assign(size_t size);
  unsigned char *data() const { return ptr; }
  size_t size() const { return length; }

private:
  unsigned char *ptr = nullptr;
  size_t length = 0;
};

/// One rank's buffer of a distributed tensor.
class LocalTensor {
public:
  TensorInfo info;
  std::vector<int64_t> localShape;
  /// Where this rank's block starts in the global tensor, per dimension.
  std::vector<int64_t> blockOffset;
  /// Local on some axis: values of its own, read from a per-rank file.
  bool perRank = false;
  /// Which of the distinct global tensors this rank holds a block of: its
  /// coordinates on the local axes, row-major (ranks that differ only on
  /// replicated or sliced axes share it).
  int64_t localGroup = 0;
  Buffer bytes;

  int64_t numElements() const;
  size_t elementSize() const;
  void *data() { return bytes.data(); }

  /// A descriptor over this buffer (the storage stays owned here).
  template <typename T, int N> MemRef<T, N> descriptor() {
    MemRef<T, N> d;
    d.allocated = d.aligned = reinterpret_cast<T *>(bytes.data());
    if constexpr (N > 0) {
      int64_t stride = 1;
      for (int i = N - 1; i >= 0; --i) {
        d.sizes[i] = localShape[i];
        d.strides[i] = stride;
        stride *= localShape[i];
      }
    }
    return d;
  }
};

class Session {
public:
  /// Initializes the runtime (MPI) and parses the command line.
  Session(int argc, char **argv);
  ~Session();

  /// Builds this rank's part of an input tensor (from --in or generated).
  LocalTensor &input(TensorInfo info);
  /// A float scalar argument of `bits` (32 or 64) bits: --set NAME=V (a
  /// finite value beyond the type's range is an error), else the default,
  /// else an error.
  double scalar(const std::string &name, bool hasDefault, double value,
                int bits = 64);
  /// An integer scalar argument of `bits` (32 or 64) bits: --set NAME=N
  /// (a whole number in range, read exactly), else the default, else an
  /// error.
  int64_t integerScalar(const std::string &name, bool hasDefault, int64_t value,
                        int bits);
  /// Declares a result; the entry's returned buffer is copied in by
  /// `takeResult`.
  LocalTensor &result(TensorInfo info);
  template <typename T, int N>
  void takeResult(LocalTensor &tensor, MemRef<T, N> &returned);

  /// Frees the buffers one call of the entry function returned (allocated
  /// by the compiled code), each once, except the session's own buffers.
  void freeReturned(std::initializer_list<void *> allocated);

  /// Registers an entry: `call(last)` runs it once (`last` on the final
  /// timed run), `outputs()` writes or prints what it produced.
  void addEntry(std::string name, std::function<void(bool last)> call,
                std::function<void()> outputs);
  /// What the executable was compiled from (coco-translate's program
  /// digest): the ranks agree on it, and on the scalars, before any run.
  void setProgramDigest(uint64_t digest) { programDigest = digest; }
  /// Runs every entry warmup + iters times, interleaved, timing each run
  /// (max over ranks), then calls every entry's outputs().
  void runAll();
  /// Writes (--out DIR: DIR/<prefix><name>.rank<R>.bin) or prints an updated
  /// parameter or result.
  void output(LocalTensor &tensor, const std::string &prefix = "");
  /// Prints the timing summary, finalizes the runtime; returns the exit code.
  int finish();

private:
  double scalarValue(const std::string &name, bool hasDefault, double value,
                     int bits);
  int64_t integerValue(const std::string &name, bool hasDefault, int64_t value,
                       int bits);
  void fillGenerated(LocalTensor &tensor);
  void readInput(LocalTensor &tensor);
  void copyInResult(LocalTensor &tensor, const void *data, const int64_t *sizes,
                    const int64_t *strides, int64_t rank);
  struct Entry {
    std::string name;
    std::function<void(bool)> call;
    std::function<void()> outputs;
    std::vector<double> times;
  };
  std::vector<Entry> entries;
  std::string inDir, outDir, csvPath;
  std::map<std::string, std::string> scalars;
  /// The --set text of scalar `name`, or null for its default (an error
  /// if it has none); records the name as one the entries have.
  const std::string *scalarText(const std::string &name, bool hasDefault);
  /// The scalar arguments the entries have: a --set of another name is a
  /// typo, refused before anything runs.
  std::set<std::string> scalarNames;
  /// Each scalar's value as its entry gets it ("alpha=0.100000001"), for
  /// the ranks' agreement.
  std::map<std::string, std::string> scalarValues;
  uint64_t programDigest = 0;
  /// The per-rank inputs (read or generated): ranks holding the same block
  /// (`key`) should hold the same `contents` (a hash).
  struct BlockGiven {
    const LocalTensor *tensor;
    std::string source;
    uint64_t key, contents;
  };
  std::vector<BlockGiven> blocksGiven;
  /// Set while result() lays out a result through input().
  bool makingResult = false;
  int iters = 1, warmup = 0;
  bool quiet = false;
  int64_t worldRank = 0;
  std::vector<std::unique_ptr<LocalTensor>> tensors;
};

template <typename T, int N>
void Session::takeResult(LocalTensor &tensor, MemRef<T, N> &returned) {
  if constexpr (N > 0)
    copyInResult(tensor, returned.aligned + returned.offset, returned.sizes,
                 returned.strides, N);
  else
    copyInResult(tensor, returned.aligned + returned.offset, nullptr, nullptr,
                 0);
}

} // namespace coco::host

#endif // COCO_RUNTIME_COCOHOST_H
