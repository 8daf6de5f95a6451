//===- CocoRuntimeTest.cpp - Tests of the coco runtime's C ABI ------------===//
//
// Run under mpirun with any number of ranks. Every rank builds its input
// deterministically from its rank; the expected result is computed
// independently here, from every rank's input, with plain loops. Values are
// small integers, so every dtype (f16 and bf16 included) computes them
// exactly and results compare bit for bit.
//
// All ranks run the same tests in the same order and only use non-fatal
// EXPECTs, so that a failure on one rank does not make the ranks' sequences
// of collectives diverge.
//
//===----------------------------------------------------------------------===//

#include "coco/Runtime/CocoRuntime.h"

#include "MatmulTestUtils.h"

#include <gtest/gtest.h>
#include <mpi.h>

#include <dlfcn.h>

#include <algorithm>
#include <cctype>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <numeric>
#include <string>
#include <vector>

namespace {

using Shape = std::vector<int64_t>;

int worldRank() { return int(coco_rt_world_rank()); }
int worldSize() { return int(coco_rt_world_size()); }

/// The communicator of the whole job, as a 1-D grid.
int64_t worldComm() { return coco_rt_comm(1, -1, 1, 1, 1, 0); }

int64_t numElements(const Shape &shape) {
  return std::accumulate(shape.begin(), shape.end(), int64_t(1),
                         std::multiplies<int64_t>());
}

Shape unravel(int64_t linear, const Shape &shape) {
  Shape index(shape.size());
  for (size_t d = shape.size(); d-- > 0;) {
    index[d] = linear % shape[d];
    linear /= shape[d];
  }
  return index;
}

int64_t ravel(const Shape &index, const Shape &shape) {
  int64_t linear = 0;
  for (size_t d = 0; d < shape.size(); ++d)
    linear = linear * shape[d] + index[d];
  return linear;
}

/// A row-major memref, passed to the runtime as (rank, descriptor) like
/// compiled code does: {allocated, aligned, offset, sizes[], strides[]}.
template <typename T> class Memref {
public:
  explicit Memref(const Shape &shape)
      : shape(shape), storage(size_t(numElements(shape))) {
    describe(storage.data(), 0);
  }
  /// A view of `base`'s storage from element `offset` (for in-place calls).
  Memref(Memref &base, int64_t offset, const Shape &shape) : shape(shape) {
    describe(base.storage.data(), offset);
  }
  /// A view of `base`'s storage from element `offset` with the given
  /// strides (rows that lie apart).
  Memref(Memref &base, int64_t offset, const Shape &shape, const Shape &strides)
      : shape(shape) {
    describe(base.storage.data(), offset, strides);
  }
  Memref(const Memref &) = delete;
  Memref &operator=(const Memref &) = delete;

  int64_t rank() const { return int64_t(shape.size()); }
  void *descriptor() { return words.data(); }

  const Shape shape;
  std::vector<T> storage;

private:
  void describe(T *base, int64_t offset) {
    Shape strides(shape.size());
    int64_t stride = 1;
    for (size_t d = shape.size(); d-- > 0;) {
      strides[d] = stride;
      stride *= shape[d];
    }
    describe(base, offset, strides);
  }
  void describe(T *base, int64_t offset, const Shape &strides) {
    words = {int64_t(reinterpret_cast<intptr_t>(base)),
             int64_t(reinterpret_cast<intptr_t>(base)), offset};
    words.insert(words.end(), shape.begin(), shape.end());
    words.insert(words.end(), strides.begin(), strides.end());
  }
  std::vector<int64_t> words;
};

//===----------------------------------------------------------------------===//
// Element types: storage, dtype code, exact conversion from small integers
//===----------------------------------------------------------------------===//

template <typename T, int32_t Code> struct NativeType {
  using Storage = T;
  static constexpr int32_t code = Code;
  static constexpr bool isInteger = std::is_integral_v<T>;
  static Storage make(double value) { return Storage(value); }
};
using F32 = NativeType<float, COCO_DTYPE_F32>;
using F64 = NativeType<double, COCO_DTYPE_F64>;
using I32 = NativeType<int32_t, COCO_DTYPE_I32>;
using I64 = NativeType<int64_t, COCO_DTYPE_I64>;
using I8 = NativeType<int8_t, COCO_DTYPE_I8>;

/// IEEE half; `make` only handles values it represents exactly.
struct F16 {
  using Storage = uint16_t;
  static constexpr int32_t code = COCO_DTYPE_F16;
  static constexpr bool isInteger = false;
  static Storage make(double value) {
    if (value == 0)
      return 0;
    uint16_t sign = value < 0 ? 0x8000 : 0;
    int exponent;
    double fraction = std::frexp(std::fabs(value), &exponent); // [0.5, 1)
    double mantissa = (2 * fraction - 1) * 1024;
    EXPECT_EQ(mantissa, std::floor(mantissa)) << value << " is not exact";
    return uint16_t(sign | (exponent + 14) << 10 | int(mantissa));
  }
};

/// bfloat16: the upper half of a float; `make` only handles exact values.
struct BF16 {
  using Storage = uint16_t;
  static constexpr int32_t code = COCO_DTYPE_BF16;
  static constexpr bool isInteger = false;
  static Storage make(double value) {
    float f = float(value);
    uint32_t bits;
    std::memcpy(&bits, &f, sizeof bits);
    EXPECT_EQ(bits & 0xffffu, 0u) << value << " is not exact";
    return uint16_t(bits >> 16);
  }
};

using AllDTypes = ::testing::Types<F32, F64, F16, BF16, I32, I64, I8>;

template <typename DT> class DTypeTest : public ::testing::Test {};
TYPED_TEST_SUITE(DTypeTest, AllDTypes);

//===----------------------------------------------------------------------===//
// Inputs and expected values
//===----------------------------------------------------------------------===//

const int32_t kAllReductions[] = {COCO_RED_SUM, COCO_RED_PROD, COCO_RED_MIN,
                                  COCO_RED_MAX, COCO_RED_AVG};
/// The all-gather's algorithms (COCO_AG_ALGO): MPI's by default at the
/// tests' small sizes, so the ring is asked for.
const char *const kAllGatherAlgorithms[] = {"mpi", "ring"};

const char *reductionName(int32_t reduction) {
  static const char *const names[] = {"sum", "prod", "min", "max", "avg"};
  return names[reduction];
}

/// Element i of `rank`'s input to a reduction, chosen so that every partial
/// result is a small integer: |sum| <= 2 * ranks, |prod| <= 2^ranks, and the
/// AVG inputs of an element sum to a multiple of the number of ranks.
double reductionInput(int32_t reduction, int rank, int64_t i) {
  switch (reduction) {
  case COCO_RED_PROD: {
    const double factors[] = {-1, 1, 2};
    return factors[(rank + i) % 3];
  }
  case COCO_RED_AVG: // offsets 2r - (size - 1) sum to zero over the ranks
    return double(8 + i % 4 + 2 * rank - (worldSize() - 1));
  default:
    return double((rank * 7 + i * 3) % 5 - 2);
  }
}

/// The reduction of element i over the given ranks' inputs.
double reducedValue(int32_t reduction, const std::vector<int> &ranks,
                    int64_t i) {
  double acc = reductionInput(reduction, ranks[0], i);
  for (size_t k = 1; k < ranks.size(); ++k) {
    double x = reductionInput(reduction, ranks[k], i);
    switch (reduction) {
    case COCO_RED_PROD:
      acc *= x;
      break;
    case COCO_RED_MIN:
      acc = std::min(acc, x);
      break;
    case COCO_RED_MAX:
      acc = std::max(acc, x);
      break;
    default:
      acc += x;
    }
  }
  return reduction == COCO_RED_AVG ? acc / double(ranks.size()) : acc;
}

std::vector<int> allRanks() {
  std::vector<int> ranks(static_cast<size_t>(worldSize()));
  std::iota(ranks.begin(), ranks.end(), 0);
  return ranks;
}

/// Element i of `rank`'s input to a data-movement op: distinct small
/// integers, exact in every dtype (i8 included).
double movedValue(int rank, int64_t i) {
  return double((rank * 37 + i * 11) % 200 - 100);
}

template <typename DT, typename F>
void fill(Memref<typename DT::Storage> &memref, F valueOf) {
  for (size_t i = 0; i < memref.storage.size(); ++i)
    memref.storage[i] = DT::make(valueOf(int64_t(i)));
}

/// Compares all elements, reporting the first mismatch only.
template <typename T>
void expectElements(const std::vector<T> &actual,
                    const std::vector<T> &expected, const std::string &what) {
  ASSERT_EQ(actual.size(), expected.size()) << what;
  for (size_t i = 0; i < actual.size(); ++i) {
    if (actual[i] != expected[i]) {
      ADD_FAILURE() << what << ": element " << i << " is " << +actual[i]
                    << ", expected " << +expected[i] << " (rank " << worldRank()
                    << " of " << worldSize() << ")";
      return;
    }
  }
}

/// Sets an environment variable for the lifetime of the object.
class ScopedEnv {
public:
  ScopedEnv(const char *name, const char *value) : name(name) {
    setenv(name, value, /*overwrite=*/1);
  }
  ~ScopedEnv() { unsetenv(name); }

private:
  const char *name;
};

//===----------------------------------------------------------------------===//
// Job and communicators
//===----------------------------------------------------------------------===//

TEST(Matmul, EveryElementType) {
  coco_test::checkEveryElementType(coco_rt_matmul);
}

/// Sizes past OpenBLAS's blocking, every operand a row block of a wider
/// buffer (coco-overlap's chunks), against a double-precision reference.
TEST(Matmul, LargeStridedF32) {
  const int64_t m = 70, k = 65, n = 33;
  coco_test::Matrix<float> a(m, k, k + 3), b(k, n, n + 5), c(m, n, n + 1);
  auto value = [](int64_t i, int64_t j, int salt) {
    return float(((i * 31 + j * 17 + salt) % 23) - 11) / 8.0f;
  };
  for (int64_t i = 0; i < m; ++i)
    for (int64_t j = 0; j < k; ++j)
      a.at(i, j) = value(i, j, 1);
  for (int64_t i = 0; i < k; ++i)
    for (int64_t j = 0; j < n; ++j)
      b.at(i, j) = value(i, j, 2);
  for (int64_t i = 0; i < m; ++i)
    for (int64_t j = 0; j < n; ++j)
      c.at(i, j) = value(i, j, 3);
  std::vector<double> expected(size_t(m * n));
  for (int64_t i = 0; i < m; ++i)
    for (int64_t j = 0; j < n; ++j) {
      double sum = c.at(i, j);
      for (int64_t p = 0; p < k; ++p)
        sum += double(a.at(i, p)) * double(b.at(p, j));
      expected[size_t(i * n + j)] = sum;
    }
  coco_rt_matmul("matmul large", COCO_DTYPE_F32, 2, a.descriptor(), 2,
                 b.descriptor(), 2, c.descriptor());
  for (int64_t i = 0; i < m; ++i)
    for (int64_t j = 0; j < n; ++j)
      EXPECT_NEAR(c.at(i, j), expected[size_t(i * n + j)], 1e-4)
          << "at " << i << "," << j;
  // The padding between rows of C is not written.
  EXPECT_EQ(c.data[n], 0.0f);
}

/// Whether the user named OpenBLAS's kernels (read before any test runs).
static const bool kUserNamedKernels = std::getenv("OPENBLAS_CORETYPE");

/// The runtime loads OpenBLAS with the kernels of this CPU's vector units
/// (Matmul.cpp): never the SSE3 fallback where the CPU has AVX2, unless the
/// user named the kernels.
TEST(Matmul, KernelsForThisCpu) {
  coco_test::Matrix<float> a(2, 2, 2), b(2, 2, 2), c(2, 2, 2);
  coco_rt_matmul("matmul kernels", COCO_DTYPE_F32, 2, a.descriptor(), 2,
                 b.descriptor(), 2, c.descriptor());
  void *library = dlopen(COCO_BLAS_SONAME, RTLD_NOW | RTLD_NOLOAD);
  if (!library)
    library = dlopen(COCO_BLAS_PATH, RTLD_NOW | RTLD_NOLOAD);
  ASSERT_NE(library, nullptr) << "coco_rt_matmul did not load OpenBLAS";
  auto coreName = reinterpret_cast<const char *(*)()>(
      dlsym(library, "openblas_get_corename"));
  auto config = reinterpret_cast<const char *(*)()>(
      dlsym(library, "openblas_get_config"));
  ASSERT_NE(coreName, nullptr);
  ASSERT_NE(config, nullptr);
  std::string core = coreName();
  for (char &ch : core)
    ch = char(std::tolower(static_cast<unsigned char>(ch)));
  // The choice is the runtime's only where OpenBLAS picks kernels at load
  // time (DYNAMIC_ARCH) and the user named none.
  bool chosenByRuntime =
      std::string(config()).find("DYNAMIC_ARCH") != std::string::npos &&
      !kUserNamedKernels;
  // The runtime's choice does not outlive the load.
  if (!kUserNamedKernels) {
    EXPECT_EQ(std::getenv("OPENBLAS_CORETYPE"), nullptr);
  }
#if defined(__x86_64__)
  __builtin_cpu_init();
  if (chosenByRuntime && __builtin_cpu_supports("avx2") &&
      __builtin_cpu_supports("fma")) {
    bool avx512 = __builtin_cpu_supports("avx512f") &&
                  __builtin_cpu_supports("avx512bw") &&
                  __builtin_cpu_supports("avx512vl") &&
                  __builtin_cpu_supports("avx512dq");
    EXPECT_EQ(core, avx512 ? "skylakex" : "haswell")
        << "OpenBLAS runs " << coreName() << " kernels on a CPU with AVX2"
        << (avx512 ? " and AVX-512" : "");
  }
#endif
  dlclose(library);
}

extern "C" void *_mlir_memref_to_llvm_alloc(size_t size);
extern "C" void _mlir_memref_to_llvm_free(void *ptr);

/// The value of `field` ("AnonHugePages", "VmFlags") for the mapping of
/// this process holding `address` (/proc/self/smaps), or "" if there is none.
std::string smapsFieldAt(const void *address, const std::string &field) {
  std::FILE *smaps = std::fopen("/proc/self/smaps", "r");
  if (!smaps)
    return "";
  auto at = reinterpret_cast<uintptr_t>(address);
  char line[512];
  bool inside = false;
  std::string value;
  const std::string prefix = field + ":";
  while (std::fgets(line, sizeof line, smaps)) {
    unsigned long start, end;
    if (std::sscanf(line, "%lx-%lx ", &start, &end) == 2 &&
        std::strchr(line, '-') < std::strchr(line, ' ')) {
      inside = start <= at && at < end;
      continue;
    }
    if (inside && std::strncmp(line, prefix.c_str(), prefix.size()) == 0) {
      value = line + prefix.size();
      break;
    }
  }
  std::fclose(smaps);
  return value;
}

/// The AnonHugePages (kB) of the mapping holding `address`, or -1.
long anonHugePagesKbAt(const void *address) {
  std::string value = smapsFieldAt(address, "AnonHugePages");
  return value.empty() ? -1 : std::atol(value.c_str());
}

/// Whether the mapping holding `address` was advised MADV_HUGEPAGE (its
/// VmFlags has "hg").
bool advisedHugePagesAt(const void *address) {
  return (smapsFieldAt(address, "VmFlags") + " ").find(" hg ") !=
         std::string::npos;
}

/// The bracketed choice of a /sys/kernel/mm/transparent_hugepage file
/// ("always", "madvise", "never", ...), or "" if it cannot be read.
std::string transparentHugePageSetting(const char *name) {
  std::string path = std::string("/sys/kernel/mm/transparent_hugepage/") + name;
  std::string text;
  if (std::FILE *file = std::fopen(path.c_str(), "r")) {
    char buffer[256] = {};
    if (std::fgets(buffer, sizeof buffer, file))
      text = buffer;
    std::fclose(file);
  }
  size_t open = text.find('['), close = text.find(']');
  if (open == std::string::npos || close == std::string::npos || close < open)
    return "";
  return text.substr(open + 1, close - open - 1);
}

/// How many huge-page faults the kernel served with small pages instead
/// (/proc/vmstat: thp_fault_fallback, thp_fault_fallback_charge), machine
/// wide; -1 if it cannot be read.
long hugePageFaultFallbacks() {
  std::FILE *vmstat = std::fopen("/proc/vmstat", "r");
  if (!vmstat)
    return -1;
  long total = 0;
  char name[128];
  long value;
  while (std::fscanf(vmstat, "%127s %ld", name, &value) == 2)
    if (std::strcmp(name, "thp_fault_fallback") == 0 ||
        std::strcmp(name, "thp_fault_fallback_charge") == 0)
      total += value;
  std::fclose(vmstat);
  return total;
}

// Compiled code's large buffers and the host program's tensors come from
// the runtime's allocator, 2 MiB-aligned and on transparent huge pages
// (coco/Support/HugePages.h); small ones page-aligned.
TEST(Allocator, LargeBlocksOnHugePages) {
  std::string mode = transparentHugePageSetting("enabled");
  std::string defrag = transparentHugePageSetting("defrag");
  // What the allocator controls is asserted: the blocks' alignment and their
  // MADV_HUGEPAGE advice. Whether the kernel backs an advised block with
  // huge pages when it is touched is its choice: it compacts memory at the
  // fault with defrag "always", "madvise" or "defer+madvise", and may still
  // fall back to small pages (fragmented memory, the cgroup's limit), which
  // /proc/vmstat counts. Huge pages are required where it compacts and
  // counted no fallback meanwhile; otherwise they are only reported.
  bool compactsAtFault =
      defrag == "always" || defrag == "madvise" || defrag == "defer+madvise";
  auto touch = [&](char *block, size_t bytes, char value) {
    long before = hugePageFaultFallbacks();
    std::memset(block, value, bytes);
    long after = hugePageFaultFallbacks();
    return compactsAtFault && before >= 0 && after == before;
  };
  auto note = [&](const char *what) {
    std::printf("note: %s not on huge pages (THP %s, defrag %s: the kernel "
                "does not compact at the fault, or counted a fallback); not "
                "required\n",
                what, mode.c_str(), defrag.c_str());
  };

  const size_t bytes = size_t(6) << 20;
  auto *block = static_cast<char *>(_mlir_memref_to_llvm_alloc(bytes));
  ASSERT_NE(block, nullptr);
  EXPECT_EQ(reinterpret_cast<uintptr_t>(block) % (size_t(2) << 20), 0u);
  bool blockMustHaveHugePages = touch(block, bytes, 1);
  auto *small = static_cast<char *>(_mlir_memref_to_llvm_alloc(100000));
  ASSERT_NE(small, nullptr);
  EXPECT_EQ(reinterpret_cast<uintptr_t>(small) % 4096, 0u);
  _mlir_memref_to_llvm_free(small);
  if (mode.empty() || mode == "never") {
    _mlir_memref_to_llvm_free(block);
    GTEST_SKIP() << "transparent huge pages are off on this machine";
  }
  EXPECT_TRUE(advisedHugePagesAt(block)) << "the block was not madvised";
  if (blockMustHaveHugePages) {
    EXPECT_GT(anonHugePagesKbAt(block), 0)
        << "THP " << mode << ", defrag " << defrag
        << ": the block is not on huge pages";
  } else if (anonHugePagesKbAt(block) <= 0) {
    note("the block is");
  }
  // A size that is no multiple of 2 MiB is rounded up: the block is still
  // 2 MiB-aligned, every requested byte is usable, and touching it adds
  // huge pages (counted before and after: the kernel may merge its mapping
  // with the first block's, whose huge pages smaps reports together).
  const size_t uneven = (size_t(5) << 20) + 12345;
  auto *unevenBlock = static_cast<char *>(_mlir_memref_to_llvm_alloc(uneven));
  ASSERT_NE(unevenBlock, nullptr);
  EXPECT_EQ(reinterpret_cast<uintptr_t>(unevenBlock) % (size_t(2) << 20), 0u);
  EXPECT_TRUE(advisedHugePagesAt(unevenBlock))
      << "the uneven block was not madvised";
  long before = anonHugePagesKbAt(unevenBlock);
  bool unevenMustHaveHugePages = touch(unevenBlock, uneven, 2);
  EXPECT_EQ(unevenBlock[uneven - 1], 2);
  long added = anonHugePagesKbAt(unevenBlock) - before;
  if (unevenMustHaveHugePages) {
    EXPECT_GE(added, 2048) << "THP " << mode << ", defrag " << defrag
                           << ": the uneven block is not on huge pages";
  } else if (added < 2048) {
    note("the uneven block is");
  }
  _mlir_memref_to_llvm_free(unevenBlock);
  _mlir_memref_to_llvm_free(block);
}

TEST(Runtime, WorldMatchesMpi) {
  int rank, size;
  MPI_Comm_rank(MPI_COMM_WORLD, &rank);
  MPI_Comm_size(MPI_COMM_WORLD, &size);
  EXPECT_EQ(coco_rt_world_rank(), rank);
  EXPECT_EQ(coco_rt_world_size(), size);
}

TEST(Runtime, TimingHelpers) {
  double start = coco_rt_wtime();
  coco_rt_barrier();
  EXPECT_GE(coco_rt_wtime(), start);
  EXPECT_EQ(coco_rt_max_over_ranks(double(worldRank())),
            double(worldSize() - 1));
}

TEST(Runtime, CommunicatorsAreCached) {
  int64_t comm = worldComm();
  EXPECT_EQ(coco_rt_comm(1, -1, 1, 1, 1, 0), comm);
  // Extents beyond the grid's rank are ignored.
  EXPECT_EQ(coco_rt_comm(1, -1, 5, 6, 7, 0), comm);
  EXPECT_EQ(coco_rt_axis_size(comm), worldSize());
  EXPECT_EQ(coco_rt_axis_rank(comm), worldRank());
}

/// Checks the axis communicators of a grid: sizes, ranks (row-major
/// mapping), and membership, through an all_reduce of the world ranks.
void checkGrid(const Shape &grid) {
  SCOPED_TRACE("grid rank " + std::to_string(grid.size()));
  Shape requested = grid;
  requested.resize(4, 1);
  Shape resolved = grid;
  int64_t staticProduct = 1;
  for (int64_t extent : grid)
    staticProduct *= extent == -1 ? 1 : extent;
  for (int64_t &extent : resolved)
    if (extent == -1)
      extent = worldSize() / staticProduct;
  Shape coords = unravel(worldRank(), resolved);

  for (size_t axis = 0; axis < grid.size(); ++axis) {
    int64_t comm =
        coco_rt_comm(int64_t(grid.size()), requested[0], requested[1],
                     requested[2], requested[3], int64_t(axis));
    EXPECT_EQ(coco_rt_axis_size(comm), resolved[axis]) << "axis " << axis;
    EXPECT_EQ(coco_rt_axis_rank(comm), coords[axis]) << "axis " << axis;

    // The members of this rank's communicator along `axis`, in axis order.
    std::vector<int64_t> expected;
    Shape member = coords;
    for (member[axis] = 0; member[axis] < resolved[axis]; ++member[axis])
      expected.push_back(ravel(member, resolved));
    Memref<int64_t> in({1}), out({int64_t(expected.size())});
    in.storage[0] = worldRank();
    coco_rt_all_gather("grid all_gather", comm, COCO_DTYPE_I64, 0, in.rank(),
                       in.descriptor(), out.rank(), out.descriptor());
    expectElements(out.storage, expected,
                   "members of axis " + std::to_string(axis));
  }
}

TEST(Runtime, GridAxes) {
  const int64_t size = worldSize();
  checkGrid({size});
  checkGrid({-1});
  checkGrid({1, size});
  checkGrid({size, 1});
  checkGrid({1, -1, 1});
  if (size % 2 == 0) {
    checkGrid({2, -1});
    checkGrid({-1, 2});
    checkGrid({2, size / 2});
    checkGrid({1, 2, 1, -1});
  }
  if (size == 4)
    checkGrid({2, 2});
}

//===----------------------------------------------------------------------===//
// all_reduce
//===----------------------------------------------------------------------===//

TYPED_TEST(DTypeTest, AllReduce) {
  using DT = TypeParam;
  using T = typename DT::Storage;
  // 24 elements split evenly over 1, 2, 3, 4, 6 or 8 ranks; 25 split
  // unevenly over 2, 3 and 4 (the ring's chunks differ by one element, and
  // so do the blocks its all-gather gathers); 2 leave ranks beyond the
  // second with an empty chunk.
  for (const Shape &shape : {Shape{4, 6}, Shape{5, 5}, Shape{2}})
    for (const char *algorithm :
         {"mpi", "ring", "ring, gather by MPI", "non-blocking"}) {
      bool nonBlocking = std::string(algorithm) == "non-blocking";
      bool ring = std::string(algorithm).rfind("ring", 0) == 0;
      bool gatherByMpi = std::string(algorithm) == "ring, gather by MPI";
      ScopedEnv env("COCO_AR_ALGO", ring ? "ring" : "mpi");
      // The ring's all-gather: the ring from 512 KiB by default, so both
      // asked for at these sizes.
      ScopedEnv gather("COCO_AG_ALGO", gatherByMpi ? "mpi" : "ring");
      for (int32_t reduction : kAllReductions) {
        for (bool inPlace : {false, true}) {
          std::string what =
              std::string("all_reduce ") + algorithm + " " +
              reductionName(reduction) + (inPlace ? " in place" : "") + " of " +
              std::to_string(shape[0] * (shape.size() > 1 ? shape[1] : 1)) +
              " elements";
          Memref<T> in(shape), out(shape);
          fill<DT>(in, [&](int64_t i) {
            return reductionInput(reduction, worldRank(), i);
          });
          Memref<T> &result = inPlace ? in : out;
          if (nonBlocking)
            coco_rt_wait("iall_reduce test",
                         coco_rt_iall_reduce("iall_reduce test", worldComm(),
                                             DT::code, reduction, in.rank(),
                                             in.descriptor(), result.rank(),
                                             result.descriptor()));
          else
            coco_rt_all_reduce("all_reduce test", worldComm(), DT::code,
                               reduction, in.rank(), in.descriptor(),
                               result.rank(), result.descriptor());
          std::vector<T> expected(in.storage.size());
          for (size_t i = 0; i < expected.size(); ++i)
            expected[i] =
                DT::make(reducedValue(reduction, allRanks(), int64_t(i)));
          expectElements(result.storage, expected, what);
        }
      }
    }
}

TEST(AllReduce, ScalarAndEmptyBuffers) {
  Memref<int32_t> scalar({});
  scalar.storage[0] = worldRank() + 1;
  coco_rt_all_reduce("scalar all_reduce", worldComm(), COCO_DTYPE_I32,
                     COCO_RED_SUM, scalar.rank(), scalar.descriptor(),
                     scalar.rank(), scalar.descriptor());
  EXPECT_EQ(scalar.storage[0], worldSize() * (worldSize() + 1) / 2);

  Memref<float> empty({0, 4});
  coco_rt_all_reduce("empty all_reduce", worldComm(), COCO_DTYPE_F32,
                     COCO_RED_SUM, empty.rank(), empty.descriptor(),
                     empty.rank(), empty.descriptor());
}

TEST(AllReduce, AverageOfIntegersTruncates) {
  // Every rank holds its rank + 1; the sum is size(size+1)/2.
  Memref<int32_t> value({1});
  value.storage[0] = worldRank() + 1;
  coco_rt_all_reduce("avg all_reduce", worldComm(), COCO_DTYPE_I32,
                     COCO_RED_AVG, value.rank(), value.descriptor(),
                     value.rank(), value.descriptor());
  EXPECT_EQ(value.storage[0],
            (worldSize() * (worldSize() + 1) / 2) / worldSize());
}

TEST(AllReduce, HalfSumsRoundToNearestEven) {
  if (worldSize() != 2)
    GTEST_SKIP() << "needs exactly 2 ranks (sums of more depend on the order)";
  // Rank 0 holds the first addend, rank 1 the second; 16-bit patterns.
  struct Case {
    int32_t dtype;
    uint16_t a, b, sum;
    const char *what;
  };
  const Case cases[] = {
      {COCO_DTYPE_F16, F16::make(2048), F16::make(1), F16::make(2048),
       "f16 2048 + 1: tie rounds down to even"},
      {COCO_DTYPE_F16, F16::make(2048), F16::make(3), F16::make(2052),
       "f16 2048 + 3: tie rounds up to even"},
      {COCO_DTYPE_F16, 0x0001, 0x0001, 0x0002, "f16 subnormals"},
      {COCO_DTYPE_F16, 0x7bff, 0x7bff, 0x7c00, "f16 65504 + 65504 = inf"},
      {COCO_DTYPE_BF16, BF16::make(256), BF16::make(1), BF16::make(256),
       "bf16 256 + 1: tie rounds down to even"},
      {COCO_DTYPE_BF16, BF16::make(256), BF16::make(3), BF16::make(260),
       "bf16 256 + 3: tie rounds up to even"},
  };
  for (const Case &c : cases) {
    Memref<uint16_t> value({1});
    value.storage[0] = worldRank() == 0 ? c.a : c.b;
    coco_rt_all_reduce("rounding all_reduce", worldComm(), c.dtype,
                       COCO_RED_SUM, value.rank(), value.descriptor(),
                       value.rank(), value.descriptor());
    EXPECT_EQ(value.storage[0], c.sum) << c.what;
  }
}

namespace {
/// A finite 16-bit pattern of `dtype` (no inf, no NaN), pseudo-random in
/// (rank, i). Mostly within 8 binades of 1, so that the two ranks' addends
/// overlap and the sums round; every 16th anywhere in the finite range
/// (subnormals, the largest values, whose sum overflows to inf).
uint16_t finiteHalfPattern(int32_t dtype, int64_t rank, int64_t i) {
  uint32_t x = uint32_t(i * 2654435761u + uint32_t(rank) * 40503u + 12345u);
  x ^= x >> 13;
  x *= 0x5bd1e995u;
  x ^= x >> 15;
  bool bf16 = dtype == COCO_DTYPE_BF16;
  unsigned mantissaBits = bf16 ? 7 : 10;
  uint16_t exponentMask = bf16 ? 0x7f80 : 0x7c00;
  uint16_t bits = uint16_t(x);
  if (i % 16 != 0) {
    unsigned bias = bf16 ? 127 : 15;
    unsigned exponent = bias - 4 + ((x >> 16) & 7u);
    bits = uint16_t((bits & ~exponentMask) | (exponent << mantissaBits));
  } else if ((bits & exponentMask) == exponentMask) {
    bits &= uint16_t(~(1u << mantissaBits)); // clear one exponent bit: finite
  }
  return bits;
}

/// a + b computed in float and rounded to nearest even, one element at a
/// time: bf16 by hand (the upper half of a float), f16 by the compiler's
/// _Float16.
uint16_t referenceHalfSum(int32_t dtype, uint16_t a, uint16_t b) {
  if (dtype == COCO_DTYPE_BF16) {
    auto widen = [](uint16_t h) {
      uint32_t bits = uint32_t(h) << 16;
      float f;
      std::memcpy(&f, &bits, sizeof f);
      return f;
    };
    float sum = widen(a) + widen(b);
    uint32_t bits;
    std::memcpy(&bits, &sum, sizeof bits);
    uint32_t lowHalf = bits & 0xffffu, kept = bits >> 16;
    if (lowHalf > 0x8000u || (lowHalf == 0x8000u && (kept & 1u)))
      ++kept; // carries into the exponent where the mantissa overflows
    return uint16_t(kept);
  }
#ifdef __FLT16_MAX__
  _Float16 ha, hb;
  std::memcpy(&ha, &a, 2);
  std::memcpy(&hb, &b, 2);
  _Float16 sum = _Float16(float(ha) + float(hb));
  uint16_t bits;
  std::memcpy(&bits, &sum, 2);
  return bits;
#else
  ADD_FAILURE() << "no _Float16 in this compiler: no f16 reference";
  return 0;
#endif
}
} // namespace

// The reduction loop of the 16-bit floats runs 8 or 16 elements per
// instruction on CPUs with AVX2, f16's through F16C's conversions in blocks
// of 1024 (lib/Runtime/ElementTypes.cpp), the last few one at a time:
// thousands of elements, an odd count, subnormals and sums that overflow,
// against each element rounded here on its own. Through MPI's user-defined op
// (all_reduce) and coco's ring (reduce_scatter).
TEST(AllReduce, HalfSumsOfManyElementsRoundEachElement) {
  if (worldSize() != 2)
    GTEST_SKIP() << "needs exactly 2 ranks (sums of more depend on the order)";
  const int64_t n = 4099;
#ifdef __FLT16_MAX__
  const int32_t dtypes[] = {COCO_DTYPE_BF16, COCO_DTYPE_F16};
#else
  const int32_t dtypes[] = {COCO_DTYPE_BF16};
#endif
  for (int32_t dtype : dtypes) {
    const char *name = dtype == COCO_DTYPE_BF16 ? "bf16" : "f16";
    std::vector<uint16_t> expected(n);
    for (int64_t i = 0; i < n; ++i)
      expected[i] = referenceHalfSum(dtype, finiteHalfPattern(dtype, 0, i),
                                     finiteHalfPattern(dtype, 1, i));

    Memref<uint16_t> value({n});
    for (int64_t i = 0; i < n; ++i)
      value.storage[i] = finiteHalfPattern(dtype, worldRank(), i);
    coco_rt_all_reduce("many-element all_reduce", worldComm(), dtype,
                       COCO_RED_SUM, value.rank(), value.descriptor(),
                       value.rank(), value.descriptor());
    int64_t wrong = 0;
    for (int64_t i = 0; i < n; ++i)
      if (value.storage[i] != expected[i] && wrong++ < 5)
        ADD_FAILURE() << name << " all_reduce element " << i << ": 0x"
                      << std::hex << value.storage[i] << " != 0x" << expected[i]
                      << std::dec;
    EXPECT_EQ(wrong, 0) << name << " all_reduce";

    ScopedEnv env("COCO_RS_ALGO", "ring");
    Memref<uint16_t> in({2 * n}), out({n});
    for (int64_t i = 0; i < 2 * n; ++i)
      in.storage[i] = finiteHalfPattern(dtype, worldRank(), i);
    coco_rt_reduce_scatter("many-element reduce_scatter", worldComm(), dtype,
                           COCO_RED_SUM, 0, in.rank(), in.descriptor(),
                           out.rank(), out.descriptor());
    wrong = 0;
    for (int64_t i = 0; i < n; ++i) {
      int64_t global = worldRank() * n + i;
      uint16_t want =
          referenceHalfSum(dtype, finiteHalfPattern(dtype, 0, global),
                           finiteHalfPattern(dtype, 1, global));
      if (out.storage[i] != want && wrong++ < 5)
        ADD_FAILURE() << name << " reduce_scatter element " << i << ": 0x"
                      << std::hex << out.storage[i] << " != 0x" << want
                      << std::dec;
    }
    EXPECT_EQ(wrong, 0) << name << " reduce_scatter";
  }
}

// What llc calls to convert f32 to bf16 where the CPU has no instruction
// for it (lib/Runtime/CompilerBuiltins.cpp): the bf16 in the low 16 bits
// of the float register.
extern "C" float __truncsfbf2(float);

TEST(CompilerBuiltins, TruncatesFloatToBf16RoundingToNearestEven) {
  auto bits = [](uint32_t pattern) {
    float in;
    std::memcpy(&in, &pattern, sizeof in);
    float out = __truncsfbf2(in);
    uint32_t result;
    std::memcpy(&result, &out, sizeof result);
    return uint16_t(result & 0xffffu);
  };
  EXPECT_EQ(bits(0x3f800000u), 0x3f80) << "1.0 exactly";
  EXPECT_EQ(bits(0x3f808000u), 0x3f80) << "a tie rounds down to even";
  EXPECT_EQ(bits(0x3f818000u), 0x3f82) << "a tie rounds up to even";
  EXPECT_EQ(bits(0x3f808001u), 0x3f81) << "above the tie rounds up";
  EXPECT_EQ(bits(0x7f7fffffu), 0x7f80) << "the largest float rounds to inf";
  EXPECT_EQ(bits(0xff800000u), 0xff80) << "-inf stays";
  EXPECT_EQ(bits(0x7f800001u), 0x7fc0) << "a signalling NaN comes back quiet";
}

// f64 to bf16 (a bf16 sum's f64 accumulator): no CPU has an instruction, so
// llc always calls __truncdfbf2, which libgcc 12 lacks.
extern "C" float __truncdfbf2(double);

TEST(CompilerBuiltins, TruncatesDoubleToBf16RoundingOnce) {
  auto bits = [](double in) {
    float out = __truncdfbf2(in);
    uint32_t result;
    std::memcpy(&result, &out, sizeof result);
    return uint16_t(result & 0xffffu);
  };
  // The bf16 neighbours 1.0 (0x3f80) and 1.0078125 (0x3f81) have their tie
  // at 1.00390625. Just above it, f64 -> f32 rounds down onto the tie, and
  // f32 -> bf16 then to even: 1.0, one bf16 step low.
  const double tie = 1.00390625;
  EXPECT_EQ(bits(tie + std::ldexp(1.0, -40)), 0x3f81)
      << "above the tie rounds up, though f32 cannot tell it from the tie";
  EXPECT_EQ(bits(tie - std::ldexp(1.0, -40)), 0x3f80)
      << "below the tie rounds down";
  EXPECT_EQ(bits(tie), 0x3f80) << "the tie itself rounds to even";
  EXPECT_EQ(bits(-(tie + std::ldexp(1.0, -40))), 0xbf81) << "negative";
  EXPECT_EQ(bits(1984.0), 0x44f8) << "exact";
  EXPECT_EQ(bits(1987.93701171875), 0x44f8) << "a sum of squares";
  EXPECT_EQ(bits(1e-39), 0x000b) << "a bf16 subnormal, rounded up";
  EXPECT_EQ(bits(3.39e38), 0x7f7f)
      << "above the largest bf16, below half its step: the largest";
  EXPECT_EQ(bits(3.4e38), 0x7f80)
      << "beyond half a step past the largest bf16 (below the largest "
         "float): inf";
  EXPECT_EQ(bits(1e300), 0x7f80) << "past the range: inf";
  EXPECT_EQ(bits(-INFINITY), 0xff80) << "-inf stays";
  EXPECT_EQ(bits(1e-300), 0x0000) << "below the range: zero";
  EXPECT_EQ(bits(-1e-300), 0x8000) << "below the range: negative zero";
  EXPECT_EQ(bits(NAN) & 0x7fc0, 0x7fc0) << "NaN stays NaN";
}

//===----------------------------------------------------------------------===//
// reduce_scatter
//===----------------------------------------------------------------------===//

/// Reduce-scatters a [2, 3, 4]-per-rank output along `dim` on `comm`, whose
/// members (world ranks) are `members`, and checks the result.
template <typename DT>
void checkReduceScatter(int64_t comm, const std::vector<int> &members,
                        int64_t dim, int32_t reduction, const std::string &what,
                        bool nonBlocking = false) {
  using T = typename DT::Storage;
  const int64_t size = coco_rt_axis_size(comm), rank = coco_rt_axis_rank(comm);
  const Shape outShape = {2, 3, 4};
  Shape inShape = outShape;
  inShape[dim] *= size;
  Memref<T> in(inShape), out(outShape);
  fill<DT>(
      in, [&](int64_t i) { return reductionInput(reduction, worldRank(), i); });
  if (nonBlocking)
    coco_rt_wait("ireduce_scatter test",
                 coco_rt_ireduce_scatter(
                     "ireduce_scatter test", comm, DT::code, reduction, dim,
                     in.rank(), in.descriptor(), out.rank(), out.descriptor()));
  else
    coco_rt_reduce_scatter("reduce_scatter test", comm, DT::code, reduction,
                           dim, in.rank(), in.descriptor(), out.rank(),
                           out.descriptor());
  std::vector<T> expected(out.storage.size());
  for (size_t i = 0; i < expected.size(); ++i) {
    Shape index = unravel(int64_t(i), outShape);
    index[dim] += rank * outShape[dim];
    expected[i] =
        DT::make(reducedValue(reduction, members, ravel(index, inShape)));
  }
  expectElements(out.storage, expected, what);
}

TYPED_TEST(DTypeTest, ReduceScatter) {
  for (const char *algorithm : {"ring", "mpi", "non-blocking"}) {
    bool nonBlocking = std::string(algorithm) == "non-blocking";
    ScopedEnv env("COCO_RS_ALGO", nonBlocking ? "mpi" : algorithm);
    for (int64_t dim : {0, 1, 2})
      for (int32_t reduction : kAllReductions)
        checkReduceScatter<TypeParam>(
            worldComm(), allRanks(), dim, reduction,
            std::string("reduce_scatter ") + algorithm + " dim " +
                std::to_string(dim) + " " + reductionName(reduction),
            nonBlocking);
  }
}

/// Axis `axis` of a 2 x (size/2) grid (world ranks row-major): its
/// communicator and its members' world ranks, in the axis's order.
struct HalfGridAxis {
  int64_t comm;
  std::vector<int> members;
};
HalfGridAxis halfGridAxis(int64_t axis) {
  const int half = worldSize() / 2;
  const int row = worldRank() / half, column = worldRank() % half;
  HalfGridAxis result{coco_rt_comm(2, 2, -1, 1, 1, axis), {}};
  for (int k = 0; k < (axis == 0 ? 2 : half); ++k)
    result.members.push_back(axis == 0 ? k * half + column : row * half + k);
  return result;
}

TEST(ReduceScatter, OnGridAxes) {
  if (worldSize() % 2 != 0)
    GTEST_SKIP() << "needs an even number of ranks";
  for (int64_t axis : {0, 1}) {
    auto [comm, members] = halfGridAxis(axis);
    // (Non-blocking: over the axis communicator's exchange duplicate.)
    for (const char *algorithm : {"ring", "mpi", "non-blocking"}) {
      bool nonBlocking = std::string(algorithm) == "non-blocking";
      ScopedEnv env("COCO_RS_ALGO", nonBlocking ? "ring" : algorithm);
      checkReduceScatter<F32>(comm, members, 1, COCO_RED_SUM,
                              std::string("grid axis ") + std::to_string(axis) +
                                  " " + algorithm,
                              nonBlocking);
    }
  }
}

//===----------------------------------------------------------------------===//
// all_gather
//===----------------------------------------------------------------------===//

/// The rings (the all-gather's, the all_reduce's) pass blocks between the
/// neighbours of an axis's sub-communicator, not of the world: each grid
/// axis gathers its own members' blocks, and sums over them, with the
/// ring and with MPI.
TEST(AllGather, OnGridAxes) {
  if (worldSize() % 2 != 0)
    GTEST_SKIP() << "needs an even number of ranks";
  for (int64_t axis : {0, 1}) {
    auto [comm, members] = halfGridAxis(axis);
    const int64_t size = coco_rt_axis_size(comm);
    ASSERT_EQ(size, int64_t(members.size()));
    ASSERT_EQ(members[size_t(coco_rt_axis_rank(comm))], worldRank());
    for (const char *algorithm : kAllGatherAlgorithms) {
      ScopedEnv gather("COCO_AG_ALGO", algorithm);
      std::string what =
          std::string("grid axis ") + std::to_string(axis) + " " + algorithm;
      // A block of 5 x 3 per member, gathered along dim 0.
      Memref<float> in({5, 3}), out({5 * size, 3});
      for (int64_t i = 0; i < 15; ++i)
        in.storage[size_t(i)] = float(1000 * worldRank() + i);
      coco_rt_all_gather("all_gather on a grid axis", comm, COCO_DTYPE_F32, 0,
                         in.rank(), in.descriptor(), out.rank(),
                         out.descriptor());
      std::vector<float> expected;
      for (int member : members)
        for (int64_t i = 0; i < 15; ++i)
          expected.push_back(float(1000 * member + i));
      expectElements(out.storage, expected, "all_gather on " + what);
      // The all_reduce's ring, its chunks uneven (7 over 2 ranks).
      ScopedEnv ring("COCO_AR_ALGO", "ring");
      Memref<float> values({7});
      for (int64_t i = 0; i < 7; ++i)
        values.storage[size_t(i)] = float(100 * worldRank() + i);
      coco_rt_all_reduce("all_reduce on a grid axis", comm, COCO_DTYPE_F32,
                         COCO_RED_SUM, values.rank(), values.descriptor(),
                         values.rank(), values.descriptor());
      std::vector<float> sums(7, 0.0f);
      for (int member : members)
        for (int64_t i = 0; i < 7; ++i)
          sums[size_t(i)] += float(100 * member + i);
      expectElements(values.storage, sums, "all_reduce on " + what);
    }
  }
}

TYPED_TEST(DTypeTest, AllGather) {
  using DT = TypeParam;
  using T = typename DT::Storage;
  const Shape inShape = {2, 3, 4};
  for (const char *algorithm : kAllGatherAlgorithms) {
    ScopedEnv env("COCO_AG_ALGO", algorithm);
    for (int64_t dim : {0, 1, 2}) {
      Shape outShape = inShape;
      outShape[dim] *= worldSize();
      Memref<T> in(inShape), out(outShape);
      fill<DT>(in, [&](int64_t i) { return movedValue(worldRank(), i); });
      coco_rt_all_gather("all_gather test", worldComm(), DT::code, dim,
                         in.rank(), in.descriptor(), out.rank(),
                         out.descriptor());
      std::vector<T> expected(out.storage.size());
      for (size_t i = 0; i < expected.size(); ++i) {
        Shape index = unravel(int64_t(i), outShape);
        int source = int(index[dim] / inShape[dim]);
        index[dim] %= inShape[dim];
        expected[i] = DT::make(movedValue(source, ravel(index, inShape)));
      }
      expectElements(out.storage, expected,
                     std::string("all_gather (") + algorithm + ") dim " +
                         std::to_string(dim));
    }
  }
}

TEST(AllGather, InPlace) {
  // The input is this rank's chunk of the output, as bufferization makes it.
  const Shape chunk = {3, 4};
  for (const char *algorithm : kAllGatherAlgorithms) {
    ScopedEnv env("COCO_AG_ALGO", algorithm);
    Memref<float> out({3 * worldSize(), 4});
    Memref<float> in(out, worldRank() * numElements(chunk), chunk);
    for (int64_t i = 0; i < numElements(chunk); ++i)
      out.storage[size_t(worldRank() * numElements(chunk) + i)] =
          float(movedValue(worldRank(), i));
    coco_rt_all_gather("in-place all_gather", worldComm(), COCO_DTYPE_F32, 0,
                       in.rank(), in.descriptor(), out.rank(),
                       out.descriptor());
    std::vector<float> expected;
    for (int source = 0; source < worldSize(); ++source)
      for (int64_t i = 0; i < numElements(chunk); ++i)
        expected.push_back(float(movedValue(source, i)));
    expectElements(out.storage, expected,
                   std::string("in-place all_gather (") + algorithm + ")");
  }
}

//===----------------------------------------------------------------------===//
// broadcast and reduce
//===----------------------------------------------------------------------===//

TYPED_TEST(DTypeTest, Broadcast) {
  using DT = TypeParam;
  using T = typename DT::Storage;
  const Shape shape = {4, 5};
  for (int root = 0; root < worldSize(); ++root) {
    for (bool inPlace : {false, true}) {
      Memref<T> in(shape), out(shape);
      fill<DT>(in, [&](int64_t i) { return movedValue(worldRank(), i); });
      fill<DT>(out, [](int64_t) { return -1.0; });
      Memref<T> &result = inPlace ? in : out;
      coco_rt_broadcast("broadcast test", worldComm(), DT::code, root,
                        in.rank(), in.descriptor(), result.rank(),
                        result.descriptor());
      std::vector<T> expected(result.storage.size());
      for (size_t i = 0; i < expected.size(); ++i)
        expected[i] = DT::make(movedValue(root, int64_t(i)));
      expectElements(result.storage, expected,
                     "broadcast from " + std::to_string(root) +
                         (inPlace ? " in place" : ""));
    }
  }
}

TYPED_TEST(DTypeTest, Reduce) {
  using DT = TypeParam;
  using T = typename DT::Storage;
  const Shape shape = {2, 7};
  for (int root = 0; root < worldSize(); ++root) {
    for (int32_t reduction : kAllReductions) {
      for (bool inPlace : {false, true}) {
        Memref<T> in(shape), out(shape);
        fill<DT>(in, [&](int64_t i) {
          return reductionInput(reduction, worldRank(), i);
        });
        Memref<T> &result = inPlace ? in : out;
        coco_rt_reduce("reduce test", worldComm(), DT::code, reduction, root,
                       in.rank(), in.descriptor(), result.rank(),
                       result.descriptor());
        // On the root the reduction; elsewhere out = in.
        std::vector<T> expected(result.storage.size());
        for (size_t i = 0; i < expected.size(); ++i)
          expected[i] = DT::make(
              worldRank() == root
                  ? reducedValue(reduction, allRanks(), int64_t(i))
                  : reductionInput(reduction, worldRank(), int64_t(i)));
        expectElements(result.storage, expected,
                       std::string("reduce ") + reductionName(reduction) +
                           " to " + std::to_string(root) +
                           (inPlace ? " in place" : ""));
      }
    }
  }
}

//===----------------------------------------------------------------------===//
// all_to_all
//===----------------------------------------------------------------------===//

TYPED_TEST(DTypeTest, AllToAll) {
  using DT = TypeParam;
  using T = typename DT::Storage;
  const int64_t size = worldSize();
  const Shape inShape = {2 * size, 3, 2 * size};
  const std::pair<int64_t, int64_t> dims[] = {{0, 0}, {0, 1}, {0, 2},
                                              {2, 0}, {2, 1}, {2, 2}};
  for (auto [splitDim, concatDim] : dims) {
    for (int32_t skipSelf : {0, 1}) {
      Shape blockShape = inShape;
      blockShape[splitDim] /= size;
      Shape outShape = blockShape;
      outShape[concatDim] *= size;
      Memref<T> in(inShape), out(outShape);
      fill<DT>(in, [&](int64_t i) { return movedValue(worldRank(), i); });
      const double untouched = -7;
      fill<DT>(out, [&](int64_t) { return untouched; });
      coco_rt_all_to_all("all_to_all test", worldComm(), DT::code, splitDim,
                         concatDim, skipSelf, /*windowStart=*/-1, in.rank(),
                         in.descriptor(), out.rank(), out.descriptor());
      // out concatenates, along concatDim, chunk `rank` (along splitDim) of
      // every rank's input, in rank order; with skipSelf this rank's own
      // block keeps what out held.
      std::vector<T> expected(out.storage.size());
      for (size_t i = 0; i < expected.size(); ++i) {
        Shape index = unravel(int64_t(i), outShape);
        int source = int(index[concatDim] / blockShape[concatDim]);
        index[concatDim] %= blockShape[concatDim];
        index[splitDim] += worldRank() * blockShape[splitDim];
        expected[i] = DT::make(skipSelf && source == worldRank()
                                   ? untouched
                                   : movedValue(source, ravel(index, inShape)));
      }
      expectElements(out.storage, expected,
                     "all_to_all split " + std::to_string(splitDim) +
                         " concat " + std::to_string(concatDim) +
                         (skipSelf ? " skipping self" : ""));
    }
  }
}

TEST(AllToAll, InPlace) {
  const int64_t size = worldSize();
  Memref<int32_t> buffer({size, 3});
  for (int64_t i = 0; i < numElements(buffer.shape); ++i)
    buffer.storage[size_t(i)] = int32_t(movedValue(worldRank(), i));
  coco_rt_all_to_all("in-place all_to_all", worldComm(), COCO_DTYPE_I32, 0, 0,
                     /*skipSelf=*/0, /*windowStart=*/-1, buffer.rank(),
                     buffer.descriptor(), buffer.rank(), buffer.descriptor());
  std::vector<int32_t> expected;
  for (int source = 0; source < size; ++source)
    for (int64_t j = 0; j < 3; ++j)
      expected.push_back(int32_t(movedValue(source, worldRank() * 3 + j)));
  expectElements(buffer.storage, expected, "in-place all_to_all");
}

/// What coco-fuse-reduce-scatter builds: an all_to_all that skips this
/// rank's own block, then a left fold of the blocks received from ranks
/// r+1, ..., r+R-1 and of its own block. It must give the ring
/// reduce-scatter's bits (values of very different magnitudes, so that
/// another order of the additions would round differently), and min must
/// treat NaN as the ring does.
TEST(AllToAll, SkipSelfFoldIsTheRingReduceScatter) {
  const int size = worldSize(), rank = worldRank();
  const int64_t block = 37, n = block * size;
  for (int32_t reduction : {COCO_RED_SUM, COCO_RED_MIN}) {
    Memref<float> in({n}), received({n}), reduced({block});
    for (int64_t i = 0; i < n; ++i)
      in.storage[size_t(i)] = float(std::sin(double(i * 31 + rank * 7919)) *
                                    std::pow(10.0, double((i + rank) % 9) - 4));
    if (reduction == COCO_RED_MIN && size > 1)
      in.storage[size_t(block * ((rank + 1) % size) + 3)] = NAN;
    std::fill(received.storage.begin(), received.storage.end(), 12345.0f);
    ScopedEnv env("COCO_RS_ALGO", "ring");
    coco_rt_reduce_scatter("ring reduce_scatter", worldComm(), COCO_DTYPE_F32,
                           reduction, 0, in.rank(), in.descriptor(),
                           reduced.rank(), reduced.descriptor());
    coco_rt_all_to_all("skip-self all_to_all", worldComm(), COCO_DTYPE_F32, 0,
                       0, /*skipSelf=*/1, /*windowStart=*/-1, in.rank(),
                       in.descriptor(), received.rank(), received.descriptor());
    // The own block of `received` was left alone.
    for (int64_t i = 0; i < block; ++i)
      ASSERT_EQ(received.storage[size_t(rank * block + i)], 12345.0f);
    auto combine = [&](float acc, float x) {
      if (reduction == COCO_RED_MIN)
        return x < acc ? x : acc;
      return acc + x;
    };
    for (int64_t i = 0; i < block; ++i) {
      float acc =
          size > 1 ? received.storage[size_t(((rank + 1) % size) * block + i)]
                   : in.storage[size_t(rank * block + i)];
      for (int step = 2; step < size; ++step)
        acc = combine(
            acc, received.storage[size_t(((rank + step) % size) * block + i)]);
      if (size > 1)
        acc = combine(acc, in.storage[size_t(rank * block + i)]);
      uint32_t foldBits, ringBits;
      std::memcpy(&foldBits, &acc, 4);
      std::memcpy(&ringBits, &reduced.storage[size_t(i)], 4);
      ASSERT_EQ(foldBits, ringBits)
          << "element " << i << " of rank " << rank << "'s block, reduction "
          << reduction << ": fold " << acc << ", ring "
          << reduced.storage[size_t(i)];
    }
  }
}

/// What coco-chunk-exchange builds: rows [s, s + n) of every rank's block
/// of a [R * block, K] buffer, seen as [R, n, K] with rows `block * K`
/// apart, exchanged into the first n rows of each block of a [R, C, K]
/// chunk buffer (rows C * K apart). Each peer's rows land in its own block;
/// this rank's block and the rows past n stay as they were.
TEST(AllToAll, SkipSelfRowsApart) {
  const int size = worldSize(), rank = worldRank();
  const int64_t block = 5, k = 3, start = 3, n = 2, capacity = 4;
  Memref<float> whole({size * block, k}), chunks({size * capacity, k});
  auto value = [&](int64_t peer, int64_t row, int64_t col) {
    return float(peer * 1000 + row * 10 + col);
  };
  for (int64_t row = 0; row < size * block; ++row)
    for (int64_t col = 0; col < k; ++col)
      whole.storage[size_t(row * k + col)] = value(rank, row, col);
  std::fill(chunks.storage.begin(), chunks.storage.end(), -1.0f);
  Memref<float> sent(whole, start * k, {size, n, k}, {block * k, k, 1});
  Memref<float> received(chunks, 0, {size, n, k}, {capacity * k, k, 1});
  coco_rt_all_to_all("rows-apart all_to_all", worldComm(), COCO_DTYPE_F32, 0, 0,
                     /*skipSelf=*/1, /*windowStart=*/-1, sent.rank(),
                     sent.descriptor(), received.rank(), received.descriptor());
  for (int64_t peer = 0; peer < size; ++peer)
    for (int64_t row = 0; row < capacity; ++row)
      for (int64_t col = 0; col < k; ++col) {
        float expected = peer == rank || row >= n
                             ? -1.0f
                             : value(peer, rank * block + start + row, col);
        ASSERT_EQ(chunks.storage[size_t((peer * capacity + row) * k + col)],
                  expected)
            << "rank " << rank << ": block " << peer << ", row " << row
            << ", column " << col;
      }
}

/// Buffers the runtime refuses, each a fatal error (one line, the job
/// ended): disabled here, run one at a time by runtime-refusals.test, which
/// checks the message.
TEST(Refusals, DISABLED_RowsApartMoreThanOneRowPerRank) {
  // Two rows per rank, rows apart: what goes to a rank would not be
  // contiguous.
  const int size = worldSize();
  const int64_t n = 2, k = 3;
  Memref<float> whole({size * 4 * n, k}), out({2 * size, n, k});
  Memref<float> sent(whole, 0, {2 * size, n, k}, {2 * n * k, k, 1});
  coco_rt_all_to_all("two rows per rank", worldComm(), COCO_DTYPE_F32, 0, 0,
                     /*skipSelf=*/1, /*windowStart=*/-1, sent.rank(),
                     sent.descriptor(), out.rank(), out.descriptor());
}

TEST(Refusals, DISABLED_RowsApartWithoutSkipSelf) {
  // Only the pairwise exchange (skip_self, split = concat = 0) takes rows
  // that lie apart.
  const int size = worldSize();
  const int64_t n = 2, k = 3;
  Memref<float> whole({size * 2 * n, k}), out({size, n, k});
  Memref<float> sent(whole, 0, {size, n, k}, {2 * n * k, k, 1});
  coco_rt_all_to_all("rows apart, every block", worldComm(), COCO_DTYPE_F32, 0,
                     0, /*skipSelf=*/0, /*windowStart=*/-1, sent.rank(),
                     sent.descriptor(), out.rank(), out.descriptor());
}

TEST(Refusals, DISABLED_AllReduceRowsApart) {
  Memref<float> whole({8, 3}), out({4, 3});
  Memref<float> rows(whole, 0, {4, 3}, {6, 1});
  coco_rt_all_reduce("all_reduce of rows apart", worldComm(), COCO_DTYPE_F32,
                     COCO_RED_SUM, rows.rank(), rows.descriptor(), out.rank(),
                     out.descriptor());
}

TEST(Refusals, DISABLED_AllGatherAlgorithmsDiffer) {
  // Ranks that would gather by different algorithms (a ring of messages on
  // one, MPI's collective on the other) would wait for each other forever.
  ScopedEnv env("COCO_AG_ALGO", worldRank() == 0 ? "ring" : "mpi");
  Memref<float> in({2}), out({2 * worldSize()});
  coco_rt_all_gather("all_gather algorithms differ", worldComm(),
                     COCO_DTYPE_F32, 0, in.rank(), in.descriptor(), out.rank(),
                     out.descriptor());
}

TEST(Refusals, DISABLED_AllToAllSlotsTooSmall) {
  // 2 * size + 1 rows: slots of 3 rows, one per rank; an output of the
  // input's size has too few.
  const int64_t n = 2 * worldSize() + 1;
  Memref<float> in({n}), out({n});
  coco_rt_all_to_all("slots too small", worldComm(), COCO_DTYPE_F32, 0, 0,
                     /*skipSelf=*/1, /*windowStart=*/-1, in.rank(),
                     in.descriptor(), out.rank(), out.descriptor());
}

TEST(Refusals, DISABLED_AllToAllWindowSlotsUneven) {
  // A window's output must be one slot per rank: 2 * size + 1 rows are not.
  const int64_t n = 2 * worldSize() + 1;
  Memref<float> in({n}), out({n});
  coco_rt_all_to_all("window slots uneven", worldComm(), COCO_DTYPE_F32, 0, 0,
                     /*skipSelf=*/1, /*windowStart=*/2, in.rank(),
                     in.descriptor(), out.rank(), out.descriptor());
}

TEST(Refusals, DISABLED_AllToAllNegativeWindow) {
  const int64_t n = 2 * worldSize();
  Memref<float> in({n}), out({n});
  coco_rt_all_to_all("negative window", worldComm(), COCO_DTYPE_F32, 0, 0,
                     /*skipSelf=*/1, /*windowStart=*/-2, in.rank(),
                     in.descriptor(), out.rank(), out.descriptor());
}

TEST(Refusals, DISABLED_AllToAllWindowAcrossDims) {
  Memref<float> in({2 * worldSize(), 2}), out({2, 2 * worldSize()});
  coco_rt_all_to_all("window across dims", worldComm(), COCO_DTYPE_F32, 0, 1,
                     /*skipSelf=*/0, /*windowStart=*/0, in.rank(),
                     in.descriptor(), out.rank(), out.descriptor());
}

TEST(Refusals, DISABLED_AllToAllWindowRowsApart) {
  // A window reads whole blocks of a contiguous input: rows that lie apart
  // (the equal blocks' chunk form) are refused.
  const int size = worldSize();
  Memref<float> whole({2 * size}), out({size});
  Memref<float> sent(whole, 0, {size, 1}, {2, 1});
  coco_rt_all_to_all("window of rows apart", worldComm(), COCO_DTYPE_F32, 0, 0,
                     /*skipSelf=*/1, /*windowStart=*/0, sent.rank(),
                     sent.descriptor(), out.rank(), out.descriptor());
}

TEST(Refusals, DISABLED_RowsApartSpanTooFar) {
  // Rows so far apart that their span has no address.
  const int size = worldSize();
  Memref<float> whole({size}), out({size, 1});
  Memref<float> sent(whole, 0, {size, 1}, {INT64_MAX / 2, 1});
  coco_rt_all_to_all("rows too far apart", worldComm(), COCO_DTYPE_F32, 0, 0,
                     /*skipSelf=*/1, /*windowStart=*/-1, sent.rank(),
                     sent.descriptor(), out.rank(), out.descriptor());
}

//===----------------------------------------------------------------------===//
// send / recv
//===----------------------------------------------------------------------===//

TYPED_TEST(DTypeTest, SendRecvRing) {
  using DT = TypeParam;
  using T = typename DT::Storage;
  const int size = worldSize(), rank = worldRank();
  const int next = (rank + 1) % size, previous = (rank + size - 1) % size;
  Memref<T> in({6, 5}), out({6, 5});
  fill<DT>(in, [&](int64_t i) { return movedValue(rank, i); });
  // Every rank sends before it receives (with one rank: to itself).
  coco_rt_send("ring send", worldComm(), DT::code, next, in.rank(),
               in.descriptor());
  coco_rt_recv("ring recv", worldComm(), DT::code, previous, out.rank(),
               out.descriptor());
  std::vector<T> expected(out.storage.size());
  for (size_t i = 0; i < expected.size(); ++i)
    expected[i] = DT::make(movedValue(previous, int64_t(i)));
  expectElements(out.storage, expected, "ring shift");
}

//===----------------------------------------------------------------------===//
// Large buffers (beyond MPI's eager limits; the hot path's layout)
//===----------------------------------------------------------------------===//

constexpr int64_t kLarge = int64_t(1) << 20;

TEST(LargeBuffers, AllReduce) {
  std::vector<float> expected(size_t(kLarge), 0.0f);
  for (int64_t i = 0; i < kLarge; ++i)
    for (int r = 0; r < worldSize(); ++r)
      expected[size_t(i)] += float((i + r) % 1000);
  for (const char *algorithm :
       {"mpi", "ring", "ring, gather by MPI", "non-blocking"}) {
    bool nonBlocking = std::string(algorithm) == "non-blocking";
    bool ring = std::string(algorithm).rfind("ring", 0) == 0;
    ScopedEnv env("COCO_AR_ALGO", ring ? "ring" : "mpi");
    // By default the ring's gather of 4 MiB takes the ring too.
    ScopedEnv gather("COCO_AG_ALGO",
                     std::string(algorithm) == "ring, gather by MPI" ? "mpi"
                                                                     : "auto");
    for (bool inPlace : {false, true}) {
      Memref<float> in({kLarge}), out({kLarge});
      for (int64_t i = 0; i < kLarge; ++i)
        in.storage[size_t(i)] = float((i + worldRank()) % 1000);
      Memref<float> &result = inPlace ? in : out;
      if (nonBlocking)
        coco_rt_wait("large iall_reduce",
                     coco_rt_iall_reduce("large iall_reduce", worldComm(),
                                         COCO_DTYPE_F32, COCO_RED_SUM,
                                         in.rank(), in.descriptor(),
                                         result.rank(), result.descriptor()));
      else
        coco_rt_all_reduce("large all_reduce", worldComm(), COCO_DTYPE_F32,
                           COCO_RED_SUM, in.rank(), in.descriptor(),
                           result.rank(), result.descriptor());
      expectElements(result.storage, expected,
                     std::string("large all_reduce ") + algorithm +
                         (inPlace ? " in place" : ""));
    }
  }
}

TEST(LargeBuffers, ReduceScatterAndAllGather) {
  const int64_t size = worldSize();
  const int64_t chunk = kLarge / 4;
  for (const char *algorithm : {"ring", "mpi"}) {
    // Both algorithms of both collectives (the all_gather's 1 MiB takes the
    // ring by default).
    ScopedEnv env("COCO_RS_ALGO", algorithm);
    ScopedEnv gather("COCO_AG_ALGO", algorithm);
    Memref<float> in({chunk * size}), reduced({chunk}),
        gathered({chunk * size});
    for (int64_t i = 0; i < chunk * size; ++i)
      in.storage[size_t(i)] = float(i % 509 + 7 * worldRank());
    coco_rt_reduce_scatter("large reduce_scatter", worldComm(), COCO_DTYPE_F32,
                           COCO_RED_SUM, 0, in.rank(), in.descriptor(),
                           reduced.rank(), reduced.descriptor());
    coco_rt_all_gather("large all_gather", worldComm(), COCO_DTYPE_F32, 0,
                       reduced.rank(), reduced.descriptor(), gathered.rank(),
                       gathered.descriptor());
    // reduce_scatter + all_gather is an all_reduce.
    std::vector<float> expected(size_t(chunk * size), 0.0f);
    for (int64_t i = 0; i < chunk * size; ++i)
      for (int r = 0; r < worldSize(); ++r)
        expected[size_t(i)] += float(i % 509 + 7 * r);
    expectElements(gathered.storage, expected,
                   std::string("large reduce_scatter ") + algorithm);
  }
}

TEST(LargeBuffers, SendRecvRing) {
  const int size = worldSize(), rank = worldRank();
  Memref<double> in({kLarge}), out({kLarge});
  for (int64_t i = 0; i < kLarge; ++i)
    in.storage[size_t(i)] = double(i * size + rank);
  coco_rt_send("large send", worldComm(), COCO_DTYPE_F64, (rank + 1) % size,
               in.rank(), in.descriptor());
  // The send buffer may be reused right away.
  std::fill(in.storage.begin(), in.storage.end(), -1.0);
  int previous = (rank + size - 1) % size;
  coco_rt_recv("large recv", worldComm(), COCO_DTYPE_F64, previous, out.rank(),
               out.descriptor());
  std::vector<double> expected(static_cast<size_t>(kLarge));
  for (int64_t i = 0; i < kLarge; ++i)
    expected[size_t(i)] = double(i * size + previous);
  expectElements(out.storage, expected, "large ring shift");
}

//===----------------------------------------------------------------------===//
// Uneven blocks and groups of grid axes
//===----------------------------------------------------------------------===//

/// {offset, size} of part `index` of `extent` elements split into `parts`:
/// the first extent % parts parts get one element more (numpy's
/// array_split), written out here independently of the runtime.
std::pair<int64_t, int64_t> splitPart(int64_t extent, int64_t parts,
                                      int64_t index) {
  int64_t offset = 0;
  for (int64_t k = 0; k < index; ++k)
    offset += extent / parts + (k < extent % parts ? 1 : 0);
  return {offset, extent / parts + (index < extent % parts ? 1 : 0)};
}

/// Rank `rank`'s block of `extent` elements nested over the group's
/// `levels` (extents of its axes, outer first): split by the outer axis,
/// then each block by the next.
std::pair<int64_t, int64_t> nestedBlock(int64_t extent, const Shape &levels,
                                        int64_t rank) {
  Shape digits = unravel(rank, levels);
  int64_t offset = 0, size = extent;
  for (size_t l = 0; l < levels.size(); ++l) {
    auto [start, length] = splitPart(size, levels[l], digits[l]);
    offset += start;
    size = length;
  }
  return {offset, size};
}

/// reduce_scatter of a dimension the ranks do not divide, every algorithm,
/// every dim: rank r's output is its array_split block.
TEST(UnevenBlocks, ReduceScatter) {
  const int size = worldSize(), rank = worldRank();
  for (const char *algorithm : {"ring", "mpi", "non-blocking"}) {
    bool nonBlocking = std::string(algorithm) == "non-blocking";
    ScopedEnv env("COCO_RS_ALGO", nonBlocking ? "mpi" : algorithm);
    for (int64_t dim : {0, 1, 2}) {
      Shape inShape = {3, 4, 5};
      inShape[dim] = 2 * size + 1; // never divisible (one rank: whole)
      auto [offset, count] = splitPart(inShape[dim], size, rank);
      Shape outShape = inShape;
      outShape[dim] = count;
      Memref<float> in(inShape), out(outShape);
      fill<F32>(
          in, [&](int64_t i) { return reductionInput(COCO_RED_SUM, rank, i); });
      if (nonBlocking)
        coco_rt_wait("uneven ireduce_scatter",
                     coco_rt_ireduce_scatter(
                         "uneven ireduce_scatter", worldComm(), COCO_DTYPE_F32,
                         COCO_RED_SUM, dim, in.rank(), in.descriptor(),
                         out.rank(), out.descriptor()));
      else
        coco_rt_reduce_scatter("uneven reduce_scatter", worldComm(),
                               COCO_DTYPE_F32, COCO_RED_SUM, dim, in.rank(),
                               in.descriptor(), out.rank(), out.descriptor());
      std::vector<float> expected(out.storage.size());
      for (size_t i = 0; i < expected.size(); ++i) {
        Shape index = unravel(int64_t(i), outShape);
        index[dim] += offset;
        expected[i] = float(
            reducedValue(COCO_RED_SUM, allRanks(), ravel(index, inShape)));
      }
      expectElements(out.storage, expected,
                     std::string("uneven reduce_scatter ") + algorithm +
                         " dim " + std::to_string(dim));
    }
  }
}

/// The non-blocking reduce_scatter (overlap's) sums each block in the ring
/// reduce_scatter's order, so that overlapping changes no bit of the
/// result: checked on values whose float sums depend on the order (large
/// and small magnitudes mixed; on 3 and 4 ranks another order differs in
/// the last bits), with several outstanding requests waited for in order,
/// and on uneven blocks of an inner dim (packed).
TEST(NonBlocking, ReduceScatterSumsInTheRingsOrder) {
  const int size = worldSize(), rank = worldRank();
  ScopedEnv env("COCO_RS_ALGO", "ring");
  for (int64_t dim : {0, 1}) {
    // Uneven along both dims (one rank: whole); dim 1's blocks are packed.
    Shape inShape = {2 * size + 1, 3 * size + 1};
    auto [offset, count] = splitPart(inShape[dim], size, rank);
    (void)offset;
    Shape outShape = inShape;
    outShape[dim] = count;
    constexpr int kRequests = 3;
    // (Held by pointer: a Memref describes its own storage.)
    std::vector<std::unique_ptr<Memref<float>>> ins, rings, overlapped;
    for (int k = 0; k < kRequests; ++k) {
      ins.push_back(std::make_unique<Memref<float>>(inShape));
      rings.push_back(std::make_unique<Memref<float>>(outShape));
      overlapped.push_back(std::make_unique<Memref<float>>(outShape));
      fill<F32>(*ins.back(), [&](int64_t i) {
        double magnitude = (i + rank + k) % 3 == 0 ? 1e7 : 1.0;
        return magnitude *
               (1.0 + 0.1234567 * double((i * 7 + rank * 13 + k) % 11)) *
               ((i + rank) % 2 ? -1.0 : 1.0);
      });
    }
    std::vector<int64_t> requests;
    for (int k = 0; k < kRequests; ++k)
      requests.push_back(coco_rt_ireduce_scatter(
          "ireduce_scatter in the ring's order", worldComm(), COCO_DTYPE_F32,
          COCO_RED_SUM, dim, ins[k]->rank(), ins[k]->descriptor(),
          overlapped[k]->rank(), overlapped[k]->descriptor()));
    for (int64_t request : requests)
      coco_rt_wait("ireduce_scatter in the ring's order", request);
    for (int k = 0; k < kRequests; ++k) {
      coco_rt_reduce_scatter("ring reduce_scatter", worldComm(), COCO_DTYPE_F32,
                             COCO_RED_SUM, dim, ins[k]->rank(),
                             ins[k]->descriptor(), rings[k]->rank(),
                             rings[k]->descriptor());
      ASSERT_EQ(rings[k]->storage.size(), overlapped[k]->storage.size());
      EXPECT_EQ(0, std::memcmp(rings[k]->storage.data(),
                               overlapped[k]->storage.data(),
                               rings[k]->storage.size() * sizeof(float)))
          << "request " << k << ", dim " << dim << ", " << size << " ranks";
    }
  }
}

/// all_gather of blocks of different sizes, every dim, and in place where
/// the blocks are contiguous (dim 0).
TEST(UnevenBlocks, AllGather) {
  const int size = worldSize(), rank = worldRank();
  for (const char *algorithm : kAllGatherAlgorithms) {
    ScopedEnv env("COCO_AG_ALGO", algorithm);
    for (int64_t dim : {0, 1, 2}) {
      for (bool inPlace : {false, true}) {
        if (inPlace && dim != 0)
          continue;
        Shape outShape = {3, 4, 5};
        outShape[dim] = 2 * size + 1;
        auto [offset, count] = splitPart(outShape[dim], size, rank);
        Shape inShape = outShape;
        inShape[dim] = count;
        Memref<float> out(outShape), own(inShape);
        int64_t inner = numElements(outShape) / outShape[0];
        Memref<float> view(out, offset * inner, inShape);
        Memref<float> &in = inPlace ? view : own;
        // Element i of a block holds (owner rank, global index).
        auto globalIndex = [&](int64_t i) {
          Shape index = unravel(i, inShape);
          index[dim] += offset;
          return ravel(index, outShape);
        };
        for (int64_t i = 0; i < numElements(inShape); ++i)
          (inPlace ? out.storage[size_t(offset * inner + i)]
                   : own.storage[size_t(i)]) =
              float(1000 * rank + globalIndex(i));
        coco_rt_all_gather("uneven all_gather", worldComm(), COCO_DTYPE_F32,
                           dim, in.rank(), in.descriptor(), out.rank(),
                           out.descriptor());
        std::vector<float> expected(out.storage.size());
        for (size_t i = 0; i < expected.size(); ++i) {
          Shape index = unravel(int64_t(i), outShape);
          int owner = 0;
          while (splitPart(outShape[dim], size, owner).first +
                     splitPart(outShape[dim], size, owner).second <=
                 index[dim])
            ++owner;
          expected[i] = float(1000 * owner + int64_t(i));
        }
        expectElements(out.storage, expected,
                       std::string("uneven all_gather dim ") +
                           std::to_string(dim) + (inPlace ? " in place" : ""));
      }
    }
  }
}

/// all_to_all from blocks of the concat dim to blocks of the split dim,
/// both uneven.
TEST(UnevenBlocks, AllToAll) {
  const int size = worldSize(), rank = worldRank();
  const Shape whole = {2 * size + 1, 3, size + 2};
  for (auto [splitDim, concatDim] :
       {std::pair<int64_t, int64_t>{0, 2}, std::pair<int64_t, int64_t>{2, 0}}) {
    for (int32_t skipSelf : {0, 1}) {
      auto [inOffset, inCount] = splitPart(whole[concatDim], size, rank);
      auto [outOffset, outCount] = splitPart(whole[splitDim], size, rank);
      Shape inShape = whole, outShape = whole;
      inShape[concatDim] = inCount;
      outShape[splitDim] = outCount;
      Memref<float> in(inShape), out(outShape);
      // Every element is its global index: the result is the global tensor's
      // block, whoever sent it.
      fill<F32>(in, [&](int64_t i) {
        Shape index = unravel(i, inShape);
        index[concatDim] += inOffset;
        return double(ravel(index, whole));
      });
      fill<F32>(out, [&](int64_t) { return -1.0; });
      coco_rt_all_to_all("uneven all_to_all", worldComm(), COCO_DTYPE_F32,
                         splitDim, concatDim, skipSelf, /*windowStart=*/-1,
                         in.rank(), in.descriptor(), out.rank(),
                         out.descriptor());
      // This rank's own block is the part of the concat dim it held.
      std::vector<float> expected(out.storage.size());
      for (size_t i = 0; i < expected.size(); ++i) {
        Shape index = unravel(int64_t(i), outShape);
        bool own = index[concatDim] >= inOffset &&
                   index[concatDim] < inOffset + inCount;
        index[splitDim] += outOffset;
        expected[i] = skipSelf && own ? -1.0f : float(ravel(index, whole));
      }
      expectElements(out.storage, expected,
                     "uneven all_to_all split " + std::to_string(splitDim) +
                         " concat " + std::to_string(concatDim) +
                         (skipSelf ? " skipping self" : ""));
    }
  }
}

/// The groups the uneven-block tests run on: the world and, on an even
/// number of ranks, the group of axes 1, 0 of a 2 x (size/2) grid, whose
/// blocks nest (axis 1's blocks split again along axis 0).
struct NestedGroup {
  int64_t comm;
  std::vector<int64_t> levels;  // the parts of each split, outermost first
  std::vector<int64_t> indices; // this rank's part at each level

  /// This rank's block of `n` rows: (offset, rows).
  std::pair<int64_t, int64_t> blockOf(int64_t n) const {
    std::pair<int64_t, int64_t> block{0, n};
    for (size_t level = 0; level < levels.size(); ++level) {
      auto [offset, count] =
          splitPart(block.second, levels[level], indices[level]);
      block = {block.first + offset, count};
    }
    return block;
  }
};

std::vector<NestedGroup> worldAndNestedGroup() {
  const int size = worldSize(), rank = worldRank();
  std::vector<NestedGroup> groups = {{worldComm(), {size}, {rank}}};
  if (size % 2 == 0) {
    const int half = size / 2;
    groups.push_back({coco_rt_comm_group(2, 2, -1, 1, 1, 2, 1, 0, -1, -1),
                      {half, 2},
                      {rank % half, rank / half}});
  }
  return groups;
}

/// Element i of rank `sender`'s input: values over nine magnitudes, so that
/// a sum in another order changes the bits.
float unevenInput(int64_t sender, int64_t i) {
  return float(std::sin(double(i * 31 + sender * 7919)) *
               std::pow(10.0, double((i + sender) % 9) - 4));
}

/// The fold coco-fuse-reduce-scatter builds (slots of ranks index+1, ...,
/// index+R-1 of the group, then this rank's own elements `mine`) against
/// the ring reduce-scatter's `ring`, bit for bit, for `count` elements;
/// element i of the slot of rank j is slots[j * slotElements + i].
void expectFoldIsRing(const float *slots, int64_t slotElements,
                      const float *mine, const float *ring, int64_t count,
                      int64_t index, int64_t ranks) {
  for (int64_t i = 0; i < count; ++i) {
    auto receivedFrom = [&](int64_t step) {
      return slots[size_t(((index + step) % ranks) * slotElements + i)];
    };
    float acc = ranks > 1 ? receivedFrom(1) : mine[i];
    for (int64_t step = 2; step < ranks; ++step)
      acc += receivedFrom(step);
    if (ranks > 1)
      acc += mine[i];
    uint32_t foldBits, ringBits;
    std::memcpy(&foldBits, &acc, 4);
    std::memcpy(&ringBits, &ring[i], 4);
    ASSERT_EQ(foldBits, ringBits)
        << "element " << i << ": fold " << acc << ", ring " << ring[i];
  }
}

/// What coco-fuse-reduce-scatter builds for uneven blocks: an all_to_all
/// skipping self whose output holds one slot per rank, as large as the
/// largest block; slot j receives rank j's block of this rank's index at its
/// front. Its fold (blocks of ranks r+1, ..., r+R-1, then its own) gives the
/// ring reduce-scatter's bits; the own slot and each slot's rows past this
/// rank's block are left as they were. On worldAndNestedGroup()'s groups.
TEST(UnevenBlocks, SkipSelfFoldIntoSlots) {
  for (const NestedGroup &group : worldAndNestedGroup()) {
    const int64_t ranks = coco_rt_axis_size(group.comm),
                  index = coco_rt_axis_rank(group.comm);
    ASSERT_EQ(ranks, worldSize());
    // 37 rows per rank and one more for the first: uneven on 2-4 ranks.
    const int64_t n = 37 * ranks + 1, k = 2, slot = (n + ranks - 1) / ranks;
    auto [ownOffset, own] = group.blockOf(n);
    SCOPED_TRACE("group of " + std::to_string(group.levels.size()) +
                 " levels, rows " + std::to_string(ownOffset) + " + " +
                 std::to_string(own));
    Memref<float> in({n, k}), received({ranks * slot, k}), reduced({own, k});
    for (int64_t i = 0; i < n * k; ++i)
      in.storage[size_t(i)] = unevenInput(worldRank(), i);
    std::fill(received.storage.begin(), received.storage.end(), 12345.0f);
    ScopedEnv env("COCO_RS_ALGO", "ring");
    coco_rt_reduce_scatter(
        "ring reduce_scatter, uneven", group.comm, COCO_DTYPE_F32, COCO_RED_SUM,
        0, in.rank(), in.descriptor(), reduced.rank(), reduced.descriptor());
    coco_rt_all_to_all("skip-self all_to_all into slots", group.comm,
                       COCO_DTYPE_F32, 0, 0, /*skipSelf=*/1, /*windowStart=*/-1,
                       in.rank(), in.descriptor(), received.rank(),
                       received.descriptor());
    for (int64_t j = 0; j < ranks; ++j)
      for (int64_t row = j == index ? 0 : own; row < slot; ++row)
        for (int64_t c = 0; c < k; ++c)
          ASSERT_EQ(received.storage[size_t((j * slot + row) * k + c)],
                    12345.0f)
              << "slot " << j << " row " << row << " was written";
    expectFoldIsRing(received.storage.data(), slot * k,
                     &in.storage[size_t(ownOffset * k)], reduced.storage.data(),
                     own * k, index, ranks);
  }
}

/// What coco-chunk-exchange builds for uneven blocks: the same exchange in
/// windows of w rows, from row s of every block (s = 0, w, 2w, ... up to the
/// largest block on every rank), each into a buffer of one w-row slot per
/// rank. Slot j of window s holds rows [s, s + w) of rank j's block of this
/// rank's index, cut to the block's end, at its front; the rest of the slot
/// and the own slot are left as they were. Checked against what rank j sent
/// (on the world) and, folded window by window, against the ring
/// reduce-scatter bit for bit (on worldAndNestedGroup()'s groups).
TEST(UnevenBlocks, SkipSelfWindowsFoldLikeTheRing) {
  for (const NestedGroup &group : worldAndNestedGroup()) {
    const int64_t ranks = coco_rt_axis_size(group.comm),
                  index = coco_rt_axis_rank(group.comm);
    const int64_t n = 37 * ranks + 1, k = 2, slot = (n + ranks - 1) / ranks;
    auto [ownOffset, own] = group.blockOf(n);
    Memref<float> in({n, k}), reduced({own, k});
    for (int64_t i = 0; i < n * k; ++i)
      in.storage[size_t(i)] = unevenInput(worldRank(), i);
    ScopedEnv env("COCO_RS_ALGO", "ring");
    coco_rt_reduce_scatter(
        "ring reduce_scatter, uneven", group.comm, COCO_DTYPE_F32, COCO_RED_SUM,
        0, in.rank(), in.descriptor(), reduced.rank(), reduced.descriptor());
    // 5-row windows: 8 of them over 38 rows, the last one 3 rows long on
    // the largest blocks and 2 on the others; then one from row 37 (a row
    // of the largest blocks only), one from the slot's end (nothing moves)
    // and one far past it (clamped, no overflow).
    const int64_t width = 5;
    std::vector<int64_t> starts;
    for (int64_t start = 0; start < slot; start += width)
      starts.push_back(start);
    starts.insert(starts.end(), {slot - 1, slot, INT64_MAX / 2});
    for (int64_t start : starts) {
      SCOPED_TRACE("group of " + std::to_string(group.levels.size()) +
                   " levels, rows " + std::to_string(ownOffset) + " + " +
                   std::to_string(own) + ", window from " +
                   std::to_string(start));
      Memref<float> chunk({ranks * width, k});
      std::fill(chunk.storage.begin(), chunk.storage.end(), 12345.0f);
      coco_rt_all_to_all("skip-self all_to_all of windows", group.comm,
                         COCO_DTYPE_F32, 0, 0, /*skipSelf=*/1, start, in.rank(),
                         in.descriptor(), chunk.rank(), chunk.descriptor());
      const int64_t rows = std::clamp<int64_t>(own - start, 0, width);
      for (int64_t j = 0; j < ranks; ++j)
        for (int64_t row = j == index ? 0 : rows; row < width; ++row)
          for (int64_t c = 0; c < k; ++c)
            ASSERT_EQ(chunk.storage[size_t((j * width + row) * k + c)],
                      12345.0f)
                << "slot " << j << " row " << row << " was written";
      if (group.comm == worldComm()) {
        for (int64_t j = 0; j < ranks; ++j)
          for (int64_t i = 0; j != index && i < rows * k; ++i)
            ASSERT_EQ(chunk.storage[size_t(j * width * k + i)],
                      unevenInput(j, (ownOffset + start) * k + i))
                << "slot " << j << " element " << i;
      }
      if (rows > 0)
        expectFoldIsRing(chunk.storage.data(), width * k,
                         &in.storage[size_t((ownOffset + start) * k)],
                         &reduced.storage[size_t(start * k)], rows * k, index,
                         ranks);
    }
  }
}

/// A window of an inner dim (split = concat = 1, so the runtime packs the
/// rows before dim 1 and unpacks them after), without skip_self (the
/// Alltoallv path, this rank's own window copied too): column c of slot j
/// holds columns [s, s + w) of rank j's block of this rank's index in row c
/// of rank j's input, cut to the block; the rest keeps its sentinel.
TEST(UnevenBlocks, WindowsOfAnInnerDimWithoutSkipSelf) {
  const int size = worldSize(), rank = worldRank();
  const int64_t rowsBefore = 3, n = 4 * size + 1, width = 3;
  auto value = [&](int64_t sender, int64_t row, int64_t column) {
    return float(sender * 1000 + row * n + column);
  };
  Memref<float> in({rowsBefore, n});
  for (int64_t r = 0; r < rowsBefore; ++r)
    for (int64_t c = 0; c < n; ++c)
      in.storage[size_t(r * n + c)] = value(rank, r, c);
  const auto [ownOffset, own] = splitPart(n, size, rank);
  for (int64_t start : {int64_t(0), int64_t(3), int64_t(4), n}) {
    SCOPED_TRACE("window from " + std::to_string(start));
    Memref<float> out({rowsBefore, size * width});
    std::fill(out.storage.begin(), out.storage.end(), -1.0f);
    coco_rt_all_to_all("window of dim 1", worldComm(), COCO_DTYPE_F32, 1, 1,
                       /*skipSelf=*/0, start, in.rank(), in.descriptor(),
                       out.rank(), out.descriptor());
    const int64_t columns = std::clamp<int64_t>(own - start, 0, width);
    for (int64_t j = 0; j < size; ++j)
      for (int64_t r = 0; r < rowsBefore; ++r)
        for (int64_t c = 0; c < width; ++c)
          ASSERT_EQ(out.storage[size_t(r * size * width + j * width + c)],
                    c < columns ? value(j, r, ownOffset + start + c) : -1.0f)
              << "slot " << j << " row " << r << " column " << c;
  }
}

/// Communicators of a group of grid axes on a 2 x (size/2) grid: ranks
/// ordered row-major over the group's axes (the first outermost), members,
/// and a reduce_scatter whose blocks nest over the group's axes.
TEST(AxisGroups, FlattenedGroups) {
  if (worldSize() % 2 != 0)
    GTEST_SKIP() << "needs an even number of ranks";
  const int half = worldSize() / 2;
  const Shape grid = {2, half};
  const Shape coords = unravel(worldRank(), grid);
  for (auto axes : {Shape{0, 1}, Shape{1, 0}}) {
    SCOPED_TRACE("axes " + std::to_string(axes[0]) + ", " +
                 std::to_string(axes[1]));
    int64_t comm =
        coco_rt_comm_group(2, 2, -1, 1, 1, 2, axes[0], axes[1], -1, -1);
    EXPECT_EQ(comm,
              coco_rt_comm_group(2, 2, -1, 1, 1, 2, axes[0], axes[1], -1, -1))
        << "cached";
    Shape levels = {grid[size_t(axes[0])], grid[size_t(axes[1])]};
    int64_t expectedRank =
        coords[size_t(axes[0])] * levels[1] + coords[size_t(axes[1])];
    EXPECT_EQ(coco_rt_axis_size(comm), worldSize());
    EXPECT_EQ(coco_rt_axis_rank(comm), expectedRank);
    // Members in group order: group rank k is the world rank at the
    // coordinates k unravels to over (axes[0], axes[1]).
    std::vector<int> members;
    for (int64_t k = 0; k < worldSize(); ++k) {
      Shape digits = unravel(k, levels), at(2);
      at[size_t(axes[0])] = digits[0];
      at[size_t(axes[1])] = digits[1];
      members.push_back(int(ravel(at, grid)));
    }
    // 4 * size + 2 elements over the group: blocks nest over its axes
    // (on 4 ranks, [5, 4, 5, 4]; the flat split would be [5, 5, 4, 4]).
    const int64_t extent = 4 * worldSize() + 2;
    auto [offset, count] = nestedBlock(extent, levels, expectedRank);
    Memref<float> in({extent}), out({count});
    fill<F32>(in, [&](int64_t i) {
      return reductionInput(COCO_RED_SUM, worldRank(), i);
    });
    coco_rt_reduce_scatter("group reduce_scatter", comm, COCO_DTYPE_F32,
                           COCO_RED_SUM, 0, in.rank(), in.descriptor(),
                           out.rank(), out.descriptor());
    std::vector<float> expected;
    for (int64_t i = 0; i < count; ++i)
      expected.push_back(
          float(reducedValue(COCO_RED_SUM, members, offset + i)));
    expectElements(out.storage, expected, "group reduce_scatter");
    // And back: the gather of the nested blocks is the whole sum.
    Memref<float> gathered({extent});
    coco_rt_all_gather("group all_gather", comm, COCO_DTYPE_F32, 0, out.rank(),
                       out.descriptor(), gathered.rank(),
                       gathered.descriptor());
    std::vector<float> sums;
    for (int64_t i = 0; i < extent; ++i)
      sums.push_back(float(reducedValue(COCO_RED_SUM, members, i)));
    expectElements(gathered.storage, sums, "group all_gather");
  }
}

/// A group is created by its members alone: here only the ranks of row 0
/// of a 2 x (size/2) grid (one pipeline stage, say) ask for the groups
/// along axis 1 and along axes [1, 2] of a 2 x (size/2) x 1 grid, and use
/// them; row 1 never does. Creating them collectively over the world
/// would wait for row 1 forever.
TEST(AxisGroups, CreatedByMembersOnly) {
  if (worldSize() % 2 != 0)
    GTEST_SKIP() << "needs an even number of ranks";
  const int half = worldSize() / 2;
  const Shape coords = unravel(worldRank(), {2, half});
  if (coords[0] == 0) {
    std::vector<int> members;
    for (int k = 0; k < half; ++k)
      members.push_back(k);
    int64_t alongOne = coco_rt_comm_group(2, 2, half, 1, 1, 1, 1, -1, -1, -1);
    int64_t alongTwo = coco_rt_comm_group(3, 2, half, 1, 1, 2, 1, 2, -1, -1);
    for (int64_t comm : {alongOne, alongTwo}) {
      EXPECT_EQ(coco_rt_axis_size(comm), half);
      EXPECT_EQ(coco_rt_axis_rank(comm), coords[1]);
      Memref<float> in({5}), out({5});
      fill<F32>(in, [&](int64_t i) {
        return reductionInput(COCO_RED_SUM, worldRank(), i);
      });
      coco_rt_all_reduce("stage all_reduce", comm, COCO_DTYPE_F32, COCO_RED_SUM,
                         in.rank(), in.descriptor(), out.rank(),
                         out.descriptor());
      std::vector<float> expected;
      for (int64_t i = 0; i < 5; ++i)
        expected.push_back(float(reducedValue(COCO_RED_SUM, members, i)));
      expectElements(out.storage, expected, "all_reduce over row 0");
    }
  }
}

/// A rank whose block does not match its share is an error naming the
/// block, not a silent misread.
TEST(UnevenBlocks, ConsistencyAllowsUnequalBlocks) {
  // All ranks agree on the whole extent even though their blocks differ:
  // the cross-rank check must pass (it compares the whole, not the block).
  const int size = worldSize(), rank = worldRank();
  const int64_t extent = 3 * size + 2;
  auto [offset, count] = splitPart(extent, size, rank);
  Memref<double> in({count}), out({extent});
  for (int64_t i = 0; i < count; ++i)
    in.storage[size_t(i)] = double(offset + i);
  coco_rt_all_gather("uneven consistency", worldComm(), COCO_DTYPE_F64, 0,
                     in.rank(), in.descriptor(), out.rank(), out.descriptor());
  std::vector<double> expected(static_cast<size_t>(extent));
  std::iota(expected.begin(), expected.end(), 0.0);
  expectElements(out.storage, expected, "uneven blocks pass the check");
}

/// Prints the failures of a rank other than 0, whose regular gtest output is
/// silenced.
class RankFailurePrinter : public ::testing::EmptyTestEventListener {
  void OnTestPartResult(const ::testing::TestPartResult &result) override {
    if (result.failed())
      std::fprintf(stderr, "[rank %d] %s:%d: Failure\n%s\n", worldRank(),
                   result.file_name() ? result.file_name() : "?",
                   result.line_number(), result.message());
  }
};

} // namespace

int main(int argc, char **argv) {
  coco_rt_init(&argc, &argv);
  ::testing::InitGoogleTest(&argc, argv);
  if (worldRank() != 0) {
    auto &listeners = ::testing::UnitTest::GetInstance()->listeners();
    delete listeners.Release(listeners.default_result_printer());
    listeners.Append(new RankFailurePrinter);
  }
  int failed = RUN_ALL_TESTS() != 0;
  int anyFailed = 0;
  MPI_Allreduce(&failed, &anyFailed, 1, MPI_INT, MPI_MAX, MPI_COMM_WORLD);
  if (anyFailed && !failed && worldRank() == 0)
    std::fprintf(stderr, "tests failed on another rank\n");
  coco_rt_finalize();
  return anyFailed;
}
