//===- coco-calibrate.cpp - measure the machine for the cost model --------===//
//
//   mpirun -np R coco-calibrate [-o profile.json] [--sizes B1,B2,...]
//                               [--reps N] [--name NAME]
//                               [--element-types T1,T2,...|none]
//                               [--cache cold|cold-clean]
//
// On the ranks of one launch, through coco's own runtime (the calls compiled
// programs make, with the algorithms they use): every collective over the
// whole job (all_reduce, reduce_scatter, all_gather, broadcast, reduce,
// all_to_all, and the exchange of the fused reduce-scatter: an all_to_all
// skipping a rank's own block) and a send/recv between ranks 0 and 1, at
// each size of the sweep (bytes of f32 data, default 4 KiB..16 MiB),
// interleaved repetitions, median of the max over ranks. Each collective gets
// the least-squares line latency + bytes * seconds/byte over the sweep
// (coco/CostModel). The collectives again on the same bytes of each type of
// --element-types (default bf16,f16: mixed-precision steps reduce and gather
// them, and the runtime widens each 16-bit element to f32 to add it), each
// type's interleaved among themselves: the model prices such a collective
// by its type's line. Also the memory bandwidth while every rank runs a
// two-read, one-write loop (bytes read + written per second, what a fused
// loop pays) by the bytes its arrays take, over the sweep and 4 and 16
// times its largest size (out of the caches), the time per element of a norm's
// in-order f64 sum (a chain of dependent adds) and the f32 matmul throughput of
// coco_rt_matmul (OpenBLAS, what compiled matmuls call), per rank with every
// rank computing. Every collective is timed twice: cold, each repetition
// starting with every rank's caches evicted, as a step whose arrays outgrow
// the caches finds them (CacheEvictor below; --cache cold: the caches full
// of other, dirty lines, cold-clean: of other, clean lines), and warm, on
// the buffers the previous repetition left there, as a step whose arrays
// fit finds them; next to them, the last-level cache each rank has, which
// tells the model which applies (Model::warmth). A single level derived from
// the all_reduce line lets the model predict other rank counts on this machine
// (the ring formulas). The overlap chunk overhead is the all_reduce latency
// (one more message per chunk); the overlap efficiency how much of a
// non-blocking all_reduce of 4 MiB runs under a matmul.
//
//===----------------------------------------------------------------------===//

#include "coco/CostModel/CostModel.h"
#include "coco/Runtime/CocoRuntime.h"
#include "coco/Support/HugePages.h"

#include "llvm/Support/FormatVariadic.h"
#include "llvm/Support/raw_ostream.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <functional>
#include <iterator>
#include <string>
#include <tuple>
#include <vector>

#include <unistd.h>

using namespace mlir::coco::cost;

namespace {

struct Descriptor1D {
  void *allocated, *aligned;
  int64_t offset, size, stride;
};

/// `count` values of T in memory allocated as the runtime allocates compiled
/// programs' buffers and the host program's tensors (2 MiB blocks on
/// transparent huge pages, coco/Support/HugePages.h): what is measured here
/// runs on memory like theirs.
template <typename T> class HostArray {
public:
  HostArray(int64_t count, T value)
      : count(count), values(static_cast<T *>(coco_support::allocateHostBlock(
                          size_t(std::max<int64_t>(count, 1)) * sizeof(T)))) {
    if (!values) {
      std::fprintf(stderr, "coco-calibrate: out of memory (%lld bytes)\n",
                   static_cast<long long>(count * int64_t(sizeof(T))));
      std::exit(1);
    }
    std::fill(values, values + count, value);
  }
  ~HostArray() { std::free(values); }
  HostArray(const HostArray &) = delete;
  HostArray &operator=(const HostArray &) = delete;
  T *data() const { return values; }
  int64_t size() const { return count; }

private:
  int64_t count;
  T *values;
};

/// An element type whose collectives are measured: the runtime's code and
/// name, and the bits of 1.0 in it (what every buffer holds).
struct ElementType {
  const char *name;
  int32_t dtype;
  int64_t bytes;
  uint32_t one;
};
constexpr ElementType kF32{"f32", COCO_DTYPE_F32, 4, 0x3F800000};
constexpr ElementType kMeasurable[] = {
    kF32,
    {"f16", COCO_DTYPE_F16, 2, 0x3C00},
    {"bf16", COCO_DTYPE_BF16, 2, 0x3F80},
};

int64_t rank = 0, ranks = 1;

[[noreturn]] void usage(const std::string &message) {
  if (rank == 0)
    std::fprintf(stderr,
                 "coco-calibrate: %s\nusage: mpirun -np R coco-calibrate "
                 "[-o profile.json] [--sizes BYTES,...] [--reps N] "
                 "[--name NAME] [--element-types TYPE,...|none] "
                 "[--cache cold|cold-clean]\n",
                 message.c_str());
  coco_rt_finalize();
  std::exit(2);
}

/// --help: what the tool measures and its options, on stdout.
[[noreturn]] void help() {
  if (rank == 0)
    std::printf(
        "usage: mpirun -np R coco-calibrate [-o profile.json] "
        "[--sizes BYTES,...] [--reps N] [--name NAME] "
        "[--element-types TYPE,...|none] [--cache cold|cold-clean]\n\n"
        "Measures this machine on the ranks of the launch, through coco's "
        "runtime, and writes the\ncost model's profile (coco-autoschedule, "
        "coco-predict, coco-lower-to-cpu{schedule=auto}).\n"
        "About 1-2 minutes with the defaults on 2 ranks; --sizes "
        "4096,1048576 --reps 3\n--element-types none about 20 s (a "
        "coarser profile).\n\n"
        "  -o FILE                the profile (default: stdout)\n"
        "  --sizes B1,B2,...      collective sizes in bytes (default "
        "4096,65536,1048576,16777216)\n"
        "  --reps N               interleaved repetitions per size "
        "(default 5; median, max over ranks)\n"
        "  --name NAME            the profile's name\n"
        "  --element-types LIST   16-bit types whose collectives are also "
        "timed (default bf16,f16; none)\n"
        "  --cache cold|cold-clean  how the cold collectives start: caches "
        "full of dirty (cold) or\n"
        "                         clean (cold-clean) lines of other "
        "buffers\n");
  coco_rt_finalize();
  std::exit(0);
}

/// What one element type's collectives run on at one size: n elements, a
/// whole block per rank (the common case), the input holding 1.0.
struct Buffers {
  Buffers(const ElementType &type, int64_t bytes)
      : type(type),
        n(std::max<int64_t>(ranks, bytes / type.bytes / ranks * ranks)),
        a(words(n), 0), b(words(n), 0), slice(words(n / ranks), 0) {
    auto *input = reinterpret_cast<unsigned char *>(a.data());
    for (int64_t i = 0; i < n; ++i) // the low bytes: little-endian
      std::memcpy(input + i * type.bytes, &type.one, type.bytes);
  }
  // The descriptors point into this object's own vectors.
  Buffers(const Buffers &) = delete;
  Buffers &operator=(const Buffers &) = delete;
  double bytes() const { return double(n * type.bytes); }
  int64_t words(int64_t elements) const {
    return (elements * type.bytes + 3) / 4;
  }

  const ElementType &type;
  int64_t n;
  HostArray<uint32_t> a, b, slice; // storage, in 4-byte words
  /// The whole input and output, this rank's block of the scattered
  /// result, and the same block inside the output (where an all_gather in
  /// place finds it, as compiled programs run it).
  Descriptor1D da{a.data(), a.data(), 0, n, 1}, db{b.data(), b.data(), 0, n, 1},
      ds{slice.data(), slice.data(), 0, n / ranks, 1},
      own{b.data(), b.data(), rank * (n / ranks), n / ranks, 1};
};

/// The blocking collectives of `type` over `buffers`, in the order of
/// main's kinds (all but send_recv).
std::vector<std::function<void()>>
collectiveCases(const ElementType &type, Buffers &buffers, int64_t comm) {
  int32_t dtype = type.dtype;
  Buffers *x = &buffers;
  return {
      [=] {
        coco_rt_all_reduce("calibrate", comm, dtype, COCO_RED_SUM, 1, &x->da, 1,
                           &x->db);
      },
      [=] {
        coco_rt_reduce_scatter("calibrate", comm, dtype, COCO_RED_SUM, 0, 1,
                               &x->da, 1, &x->ds);
      },
      [=] {
        coco_rt_all_gather("calibrate", comm, dtype, 0, 1, &x->own, 1, &x->db);
      },
      [=] {
        coco_rt_broadcast("calibrate", comm, dtype, 0, 1, &x->da, 1, &x->db);
      },
      [=] {
        coco_rt_reduce("calibrate", comm, dtype, COCO_RED_SUM, 0, 1, &x->da, 1,
                       &x->db);
      },
      [=] {
        coco_rt_all_to_all("calibrate", comm, dtype, 0, 0, /*skipSelf=*/0,
                           /*windowStart=*/-1, 1, &x->da, 1, &x->db);
      },
      [=] {
        coco_rt_all_to_all("calibrate", comm, dtype, 0, 0, /*skipSelf=*/1,
                           /*windowStart=*/-1, 1, &x->da, 1, &x->db);
      },
  };
}

/// The largest cache this CPU has: its bytes and how many CPUs share it.
struct LastLevelCache {
  size_t bytes = 0;
  int64_t sharingCpus = 1;
};

/// How many CPUs a sysfs CPU list names ("0-1", "0,2,4-7"); 1 where it
/// cannot be read.
int64_t countCpus(const std::string &path) {
  std::FILE *file = std::fopen(path.c_str(), "r");
  if (!file)
    return 1;
  char text[4096] = {0};
  bool read = std::fgets(text, sizeof text, file) != nullptr;
  std::fclose(file);
  int64_t count = 0;
  for (char *at = text; read && *at && *at != '\n';) {
    char *end = nullptr;
    long first = std::strtol(at, &end, 10);
    if (end == at)
      break;
    long last = first;
    if (*end == '-') {
      at = end + 1;
      last = std::strtol(at, &end, 10);
      if (end == at)
        break;
    }
    count += std::max<long>(1, last - first + 1);
    at = *end == ',' ? end + 1 : end;
  }
  return std::max<int64_t>(count, 1);
}

/// The largest cache this CPU has, by sysfs
/// (/sys/devices/system/cpu/cpu0/cache/index*/{level,size,shared_cpu_list}:
/// what cpu0 shares, not the package's total, which
/// sysconf(_SC_LEVEL3_CACHE_SIZE) gives on some machines: 320 MiB on this
/// 2-core EPYC VM, whose L3 is 32 MiB); 64 MiB for every CPU where sysfs
/// does not say.
LastLevelCache lastLevelCache() {
  LastLevelCache best;
  int bestLevel = 0;
  for (int index = 0; index < 16; ++index) {
    std::string dir =
        "/sys/devices/system/cpu/cpu0/cache/index" + std::to_string(index);
    std::FILE *levelFile = std::fopen((dir + "/level").c_str(), "r");
    if (!levelFile)
      break;
    int level = 0;
    bool readLevel = std::fscanf(levelFile, "%d", &level) == 1;
    std::fclose(levelFile);
    std::FILE *sizeFile = std::fopen((dir + "/size").c_str(), "r");
    if (!sizeFile)
      continue;
    unsigned long long size = 0;
    char unit = 0;
    int fields = std::fscanf(sizeFile, "%llu%c", &size, &unit);
    std::fclose(sizeFile);
    if (!readLevel || fields < 1)
      continue;
    if (fields == 2 && (unit == 'K' || unit == 'k'))
      size <<= 10;
    else if (fields == 2 && (unit == 'M' || unit == 'm'))
      size <<= 20;
    if (level > bestLevel || (level == bestLevel && size > best.bytes)) {
      bestLevel = level;
      best = {size_t(size), countCpus(dir + "/shared_cpu_list")};
    }
  }
  if (!best.bytes)
    return {size_t(64) << 20,
            std::max<int64_t>(1, sysconf(_SC_NPROCESSORS_ONLN))};
  return best;
}

size_t lastLevelCacheBytes() { return lastLevelCache().bytes; }

/// The last-level cache each rank has to itself: the ranks on this node
/// (as the launcher says: Open MPI's OMPI_COMM_WORLD_LOCAL_SIZE, MPICH's
/// MPI_LOCALNRANKS, Slurm's SLURM_NTASKS_PER_NODE; else all of them)
/// spread evenly over its caches (online CPUs / CPUs per cache), each
/// cache split among the ranks on it. 2 ranks here: 16 of the 32 MiB L3
/// both cores share.
double cacheBytesPerRank() {
  LastLevelCache cache = lastLevelCache();
  int64_t local = ranks;
  for (const char *variable : {"OMPI_COMM_WORLD_LOCAL_SIZE", "MPI_LOCALNRANKS",
                               "SLURM_NTASKS_PER_NODE"})
    if (const char *size = std::getenv(variable);
        size && std::atoll(size) > 0) {
      local = std::min<int64_t>(ranks, std::atoll(size));
      break;
    }
  int64_t cpus = std::max<int64_t>(1, sysconf(_SC_NPROCESSORS_ONLN));
  int64_t caches = std::max<int64_t>(1, cpus / cache.sharingCpus);
  int64_t perCache = (local + caches - 1) / caches;
  return double(cache.bytes) / double(perCache);
}

/// What the caches hold when a timed collective starts (--cache).
enum class CacheState {
  /// Other data, dirty: this rank's buffers were pushed out by writes, so
  /// the collective's own misses first write those lines back (the
  /// default).
  Cold,
  /// Other data, clean: pushed out by reads.
  ColdClean,
  /// The buffers the previous repetition left there (as before
  /// 2026-12-04).
  Warm,
};

/// Pushes this rank's data out of the caches: a read-modify-write (or,
/// clean, a read) of every line of a buffer twice the last-level cache
/// (which the ranks share), so that the next call finds its buffers in
/// memory, as a training step finds them: between two steps come the
/// forward and backward passes (or, in the benchmarks, the other
/// schedules' steps) over other data, read and written. Measured in one
/// step of the benchmark (a wrapper timing each runtime call, 2 ranks,
/// 1 Mi f32 elements): its reduce_scatter, all_gather and exchange took
/// 1.7-2.0x as long as the same call made again at once on warm buffers
/// (930 against 535, 721 against 359, 666 against 357 us), which is where
/// the model, calibrated warm, had been too fast at 1M (by 0.3-0.45 ms per
/// step in the launches before). Which of dirty and clean a step's caches
/// are closer to, five A/B launches did not settle (benchmarks/README.md,
/// "Dirty or clean caches"), so the default stays as it was.
class CacheEvictor {
public:
  CacheEvictor() : buffer(2 * lastLevelCacheBytes(), 0) {
    // The zero fill left the caches full of the buffer's dirty lines: one
    // read of it writes them back, so that a clean eviction finds clean
    // lines from the first repetition on.
    evict(CacheState::ColdClean);
  }
  void evict(CacheState state) {
    if (state == CacheState::ColdClean) {
      unsigned sum = 0;
      for (size_t i = 0; i < buffer.size(); i += 64)
        sum += buffer[i];
      // Keep the loads: the compiler must not drop the loop.
      asm volatile("" : : "r"(sum) : "memory");
      return;
    }
    for (size_t i = 0; i < buffer.size(); i += 64)
      ++buffer[i];
    // Keep the stores.
    asm volatile("" : : "r"(buffer.data()) : "memory");
  }

private:
  std::vector<unsigned char> buffer;
};

/// What the timed collectives find in the caches (--cache).
CacheState collectiveCache = CacheState::Cold;

/// The profile's words for `state`.
std::string describe(CacheState state) {
  switch (state) {
  case CacheState::Cold:
    return "buffers out of the caches (--cache cold)";
  case CacheState::ColdClean:
    return "buffers out of the caches, which hold other, clean data "
           "(--cache cold-clean)";
  case CacheState::Warm:
    return "buffers left in the caches";
  }
  return "";
}

/// Median over `reps` interleaved repetitions of the max over ranks; unless
/// `cache` is warm, each case starts with this rank's caches evicted (not
/// timed).
std::vector<double> timeAll(const std::vector<std::function<void()>> &cases,
                            int reps, CacheState cache = CacheState::Warm) {
  bool evict = cache != CacheState::Warm;
  // Made on first use (the loops' and the divider's timings never evict).
  static CacheEvictor *evictor = nullptr;
  if (evict && !evictor)
    evictor = new CacheEvictor();
  std::vector<std::vector<double>> times(cases.size());
  for (const auto &c : cases) // warm up: first touch, communicators
    c();
  for (int r = 0; r < reps; ++r)
    for (size_t i = 0; i < cases.size(); ++i) {
      if (evict)
        evictor->evict(cache);
      coco_rt_barrier();
      double start = coco_rt_wtime();
      cases[i]();
      times[i].push_back(coco_rt_max_over_ranks(coco_rt_wtime() - start));
    }
  std::vector<double> medians;
  for (auto &t : times) {
    std::sort(t.begin(), t.end());
    medians.push_back(t[t.size() / 2]);
  }
  return medians;
}

/// An n^3 f32 matmul through coco_rt_matmul, the runtime's BLAS call that
/// coco-lower-to-cpu makes of every f32 matmul.
struct Matmul {
  static constexpr int n = 512;
  struct Descriptor2D {
    float *allocated, *aligned;
    int64_t offset, sizes[2], strides[2];
  };
  std::vector<float> a = std::vector<float>(n * n, 1.0f),
                     b = std::vector<float>(n * n, 0.5f),
                     c = std::vector<float>(n * n, 0.0f);
  static Descriptor2D describe(std::vector<float> &m) {
    return {m.data(), m.data(), 0, {n, n}, {n, 1}};
  }
  void operator()() {
    std::fill(c.begin(), c.end(), 0.0f); // the matmul accumulates into c
    Descriptor2D da = describe(a), db = describe(b), dc = describe(c);
    coco_rt_matmul("calibrate matmul", COCO_DTYPE_F32, 2, &da, 2, &db, 2, &dc);
  }
};

/// How much of a non-blocking all_reduce of 4 MiB runs under a matmul:
/// (comm + compute - both) / min(comm, compute), clamped to [0, 1].
double overlapEfficiency(int64_t comm, int reps) {
  const int64_t n = (4 << 20) / 4;
  HostArray<float> in(n, 1.0f), out(n, 0.0f);
  Descriptor1D din{in.data(), in.data(), 0, n, 1},
      dout{out.data(), out.data(), 0, n, 1};
  Matmul matmul;
  std::vector<double> t =
      timeAll({[&] {
                 coco_rt_all_reduce("calibrate", comm, COCO_DTYPE_F32,
                                    COCO_RED_SUM, 1, &din, 1, &dout);
               },
               [&] {
                 matmul();
                 matmul();
               },
               [&] {
                 int64_t request =
                     coco_rt_iall_reduce("calibrate", comm, COCO_DTYPE_F32,
                                         COCO_RED_SUM, 1, &din, 1, &dout);
                 matmul();
                 matmul();
                 coco_rt_wait("calibrate", request);
               }},
              reps, collectiveCache);
  double hidden = (t[0] + t[1] - t[2]) / std::min(t[0], t[1]);
  return std::clamp(hidden, 0.0, 1.0);
}

/// f32 GFLOP/s of an n^3 matmul, every rank computing at once.
double matmulFlops(int reps) {
  const int n = Matmul::n;
  Matmul matmul;
  std::vector<float> &c = matmul.c;
  auto multiply = [&] { matmul(); };
  double seconds = timeAll({multiply}, reps)[0];
  if (c[0] != 0.5f * n) // keeps the loops from being optimized away
    usage("matmul check failed");
  return 2.0 * n * n * n / seconds;
}

/// Seconds per element of a norm's sum of squares as coco's loops compute
/// it: squares widened to f64 and added into partial sums that LLVM keeps
/// in vector lanes (the adds carry `reassoc`), every rank at once, over `n`
/// floats. Sixteen independent sums stand for the vectorized, unrolled
/// loop: four lanes of four vectors on AVX2 (one sum, one add after the
/// other, is the chain coco's loops were before 2026-12-04: 4 cycles per
/// element).
double reductionSeconds(int64_t n, int reps) {
  constexpr int kPartialSums = 16;
  std::vector<float> x(n, 0.5f);
  volatile double sink = 0;
  auto reduce = [&] {
    double partial[kPartialSums] = {};
    int64_t i = 0;
    for (; i + kPartialSums <= n; i += kPartialSums)
      for (int lane = 0; lane < kPartialSums; ++lane) {
        float square = x[i + lane] * x[i + lane];
        partial[lane] += double(square);
      }
    double acc = 0;
    for (; i < n; ++i)
      acc += double(x[i] * x[i]);
    for (double sum : partial)
      acc += sum;
    sink = acc;
  };
  double seconds = timeAll({reduce}, reps)[0];
  if (sink != 0.25 * double(n)) // keeps the loop from being optimized away
    usage("reduction check failed");
  return seconds / double(n);
}

/// Seconds per element of a division and of a square root as coco's
/// vectorized loops compute them (this tool is built for this CPU, as
/// coco-compile's code is), every rank at once, over arrays in the L1
/// cache: the throughput of the core's divide and square-root unit, which
/// bounds a loop that does enough of them (an Adam update) below its
/// memory traffic. Each pass reads the last one's result, so no pass can
/// be left out; the elements of a pass are independent, as a loop's are.
/// T: float or double (f64 runs half as many elements per vector; measured
/// rather than assumed twice f32's time).
template <typename T> std::pair<double, double> dividerSeconds(int reps) {
  // Three arrays of 8 KiB (24 KiB: in any L1), passes enough for 4 Mi
  // elements of either type: 0.6 ms (f32) to 2 ms (f64) a repetition on
  // the machines here. With 512 Ki elements (80 us) the median of 11 fell
  // into a slow spell of the machine a few milliseconds long: one launch's
  // profile had 0.57 ns per f32 divide where every other had 0.15 (Xeon,
  // 2026-12-06), and predicted Adam's AR-C step 70% too slow.
  constexpr int64_t n = 8192 / int64_t(sizeof(T)),
                    passes = (int64_t(1) << 22) / n;
  std::vector<T> x(n), z(n), y(n, T(0));
  for (int64_t i = 0; i < n; ++i) {
    x[i] = T(1) + T(i % 7);
    z[i] = T(2) + T(i % 5);
  }
  auto divide = [&] {
    for (int64_t p = 0; p < passes; ++p)
      for (int64_t i = 0; i < n; ++i)
        y[i] = x[i] / (z[i] + y[i]);
  };
  auto root = [&] {
    for (int64_t p = 0; p < passes; ++p)
      for (int64_t i = 0; i < n; ++i)
        y[i] = std::sqrt(x[i] + y[i]);
  };
  std::vector<double> seconds = timeAll({divide, root}, reps);
  for (T value : y)
    if (!(value > 0 && std::isfinite(value))) // and keeps the loops
      usage("divide and square root check failed");
  double elements = double(n * passes);
  return {seconds[0] / elements, seconds[1] / elements};
}

} // namespace

int main(int argc, char **argv) {
  coco_rt_init(&argc, &argv);
  rank = coco_rt_world_rank();
  ranks = coco_rt_world_size();
  std::string output = "-", name = "this machine (coco-calibrate)";
  std::vector<int64_t> sizes = {4096, 65536, 1 << 20, 1 << 24};
  int reps = 5;
  std::vector<const ElementType *> elementTypes = {&kMeasurable[1],
                                                   &kMeasurable[2]};
  for (int i = 1; i < argc; ++i) {
    std::string arg = argv[i];
    auto value = [&]() -> std::string {
      if (i + 1 >= argc)
        usage("option " + arg + " needs a value");
      return argv[++i];
    };
    if (arg == "-h" || arg == "--help")
      help();
    if (arg == "-o")
      output = value();
    else if (arg == "--reps") {
      std::string text = value();
      // (atoi read "abc" and "-5" as 1 repetition.)
      if (llvm::StringRef(text).getAsInteger(10, reps) || reps < 1 ||
          reps > 10000)
        usage("--reps needs a whole number from 1 to 10000, not '" + text +
              "'");
    } else if (arg == "--name")
      name = value();
    else if (arg == "--cache") {
      std::string cache = value();
      if (cache == "cold")
        collectiveCache = CacheState::Cold;
      else if (cache == "cold-clean")
        collectiveCache = CacheState::ColdClean;
      else if (cache == "warm")
        usage("--cache warm: the warm lines are measured always, next to "
              "the cold ones (--cache says how those start: cold or "
              "cold-clean)");
      else
        usage("--cache is cold or cold-clean, not '" + cache + "'");
    } else if (arg == "--sizes") {
      sizes.clear();
      std::string list = value();
      for (size_t at = 0; at < list.size();) {
        size_t comma = list.find(',', at);
        std::string item = list.substr(at, comma - at);
        long long bytes = 0;
        if (llvm::StringRef(item).getAsInteger(10, bytes))
          usage("size '" + item + "' is not a whole number of bytes");
        if (bytes < 4 * ranks)
          usage("size '" + item + "' is below 4 bytes per rank");
        sizes.push_back(bytes);
        at = comma == std::string::npos ? list.size() : comma + 1;
      }
      if (sizes.size() < 2)
        usage("--sizes needs at least two sizes to fit a line");
    } else if (arg == "--element-types") {
      elementTypes.clear();
      std::string list = value();
      for (size_t at = 0; list != "none" && at <= list.size();) {
        size_t comma = list.find(',', at);
        std::string item = list.substr(at, comma - at);
        const ElementType *type = nullptr;
        for (const ElementType &known : kMeasurable)
          if (item == known.name)
            type = &known;
        if (!type || type == &kMeasurable[0])
          usage("--element-types lists f16, bf16 or none, not '" + item +
                "' (f32 is always measured)");
        if (std::find(elementTypes.begin(), elementTypes.end(), type) ==
            elementTypes.end())
          elementTypes.push_back(type);
        at = comma == std::string::npos ? list.size() + 1 : comma + 1;
      }
    } else {
      usage("unknown option '" + arg + "'");
    }
  }

  // Written after the measurement, by rank 0: a path it cannot write
  // fails now, not a minute later. Only rank 0 can tell (another host may
  // lack the directory), so it ends the job (usage() finalizes, which
  // waits for every rank: the others would be measuring).
  if (rank == 0)
    if (llvm::Error error = checkProfileWritable(output))
      coco_rt_fatal("coco-calibrate", llvm::toString(std::move(error)).c_str());
  if (ranks < 2)
    usage("needs at least 2 ranks (mpirun -np R, R >= 2): with one there is "
          "no communication to measure");
  std::sort(sizes.begin(), sizes.end());
  sizes.erase(std::unique(sizes.begin(), sizes.end()), sizes.end());
  if (sizes.size() < 2)
    usage("--sizes needs at least two different sizes");
  int64_t comm = coco_rt_comm(1, -1, 1, 1, 1, 0);
  const Collective kinds[] = {Collective::AllReduce, Collective::ReduceScatter,
                              Collective::AllGather, Collective::Broadcast,
                              Collective::Reduce,    Collective::AllToAll,
                              Collective::Exchange,  Collective::SendRecv};
  constexpr size_t kKinds = std::size(kinds);
  const Collective nonBlockingKinds[] = {Collective::AllReduce,
                                         Collective::ReduceScatter};
  constexpr size_t kNonBlocking = std::size(nonBlockingKinds);
  // The other element types' blocking collectives (kinds but send_recv).
  constexpr size_t kTyped = kKinds - 1;
  using Points = std::vector<std::pair<double, double>>;
  // The points of every line, measured with the caches as --cache says
  // (cold) and with the buffers the last repetition left there (warm).
  struct Sweep {
    Points all[kKinds], nonBlocking[kNonBlocking];
    std::vector<std::vector<Points>> typed;
  } cold, warm;
  for (Sweep *sweep : {&cold, &warm})
    sweep->typed.assign(elementTypes.size(), std::vector<Points>(kTyped));
  // The triad's bandwidth by its working set (bytes of its two arrays).
  std::vector<LoopPoint> loopBandwidth;
  for (int64_t bytes : sizes) {
    Buffers f32(kF32, bytes);
    std::vector<std::function<void()>> cases = collectiveCases(kF32, f32, comm);
    int64_t peer = rank == 0 ? 1 : 0;
    // The send/recv case on its own, after the collectives: coco_rt_send
    // returns before its message has gone (buffered semantics), and MPI
    // finishes it in whatever call comes next. Interleaved, that was the
    // next repetition's all_reduce, measured 2.5x slower than alone at
    // 4 MiB (2.7 against 1.1 ms) and slower than a whole AR-C step.
    // Alone, each repetition finishes the one before, as in a pipeline.
    std::function<void()> sendRecv = [&] {
      // Ranks 0 and 1 exchange the buffer; the others wait.
      if (ranks > 1 && rank < 2) {
        coco_rt_send("calibrate", comm, COCO_DTYPE_F32, peer, 1, &f32.da);
        coco_rt_recv("calibrate", comm, COCO_DTYPE_F32, peer, 1, &f32.db);
      }
    };
    // The non-blocking all_reduce and reduce_scatter that overlapped
    // chunks call, started and waited for at once: other algorithms than
    // the blocking ones' (the all_reduce is MPI's libnbc; the
    // reduce_scatter a direct exchange summed when waited for, where the
    // blocking one is coco's ring).
    cases.push_back([&] {
      coco_rt_wait("calibrate",
                   coco_rt_iall_reduce("calibrate", comm, COCO_DTYPE_F32,
                                       COCO_RED_SUM, 1, &f32.da, 1, &f32.db));
    });
    cases.push_back([&] {
      coco_rt_wait("calibrate", coco_rt_ireduce_scatter(
                                    "calibrate", comm, COCO_DTYPE_F32,
                                    COCO_RED_SUM, 0, 1, &f32.da, 1, &f32.ds));
    });
    // Cold, then warm: a warm sweep interleaved with evictions would not
    // be warm.
    for (auto [sweep, cache] : {std::pair{&cold, collectiveCache},
                                std::pair{&warm, CacheState::Warm}}) {
      std::vector<double> times = timeAll(cases, reps, cache);
      for (size_t k = 0; k < kTyped; ++k)
        sweep->all[k].push_back({f32.bytes(), times[k]});
      sweep->all[kKinds - 1].push_back(
          {f32.bytes(), timeAll({sendRecv}, reps, cache)[0]});
      for (size_t k = 0; k < kNonBlocking; ++k)
        sweep->nonBlocking[k].push_back({f32.bytes(), times[kTyped + k]});
      // The same bytes of each other element type, its collectives
      // interleaved among themselves as f32's are. (Warm, interleaving
      // them among f32's would push f32's buffers out of the caches
      // between repetitions: f32's all_reduce of 1 MiB took 1.6x as long,
      // 470-490 against 290 us. That was the first sign of what the cold
      // lines now measure on purpose.)
      for (size_t t = 0; t < elementTypes.size(); ++t) {
        Buffers buffers(*elementTypes[t], bytes);
        std::vector<double> typedTimes = timeAll(
            collectiveCases(*elementTypes[t], buffers, comm), reps, cache);
        for (size_t k = 0; k < kTyped; ++k)
          sweep->typed[t][k].push_back({buffers.bytes(), typedTimes[k]});
      }
    }
  }
  // A fused loop's traffic: two streams read, one written (a "triad", as an
  // update w = w - lr * g reads and writes), by the bytes of its two arrays
  // (in the caches, or not): from the sweep's smallest size to 16 times its
  // largest, in steps of 2 up to 64 MiB (where the caches end: the model
  // interpolates between points, and a step of 4 hid where the last level
  // filled up) and of 4 beyond. Next to it, the same loop writing a third
  // array it does not read: what that store costs beyond its bytes (the
  // cache reads each line before overwriting it) is the fresh-store factor,
  // 3 t_fresh / t_in_place - 2 in bytes per byte stored.
  // (At least to 4 times the last-level cache: the model's warmth reads
  // where the curve leaves the cache.)
  int64_t loopEnd =
      std::max<int64_t>(16 * sizes.back(), 4 * int64_t(lastLevelCacheBytes()));
  for (int64_t bytes = std::max<int64_t>(sizes.front(), 4096); bytes <= loopEnd;
       bytes *= bytes < (int64_t(64) << 20) ? 2 : 4) {
    // In place: two arrays of n floats (8n bytes). Fresh: three arrays of
    // m = 2n/3 floats, the same 8n bytes, so that the factor belongs to
    // the working set it is filed under.
    int64_t n = bytes / 4, m = std::max<int64_t>(1, 2 * n / 3);
    HostArray<float> a(n, 1.0f), b(n, 0.0f), c(m, 0.0f);
    // Small arrays: each timed sample runs the loop often enough to last
    // tens of microseconds (4 Mi elements in all), above the clock's
    // resolution and the barrier's noise.
    int64_t passes = std::max<int64_t>(1, (int64_t(1) << 22) / n);
    auto triad = [&](float *out, int64_t count) {
      const float *x = a.data(), *y = b.data();
      for (int64_t pass = 0; pass < passes; ++pass)
        for (int64_t i = 0; i < count; ++i)
          out[i] = y[i] + 0.5f * x[i];
    };
    std::vector<double> seconds = timeAll(
        {[&] { triad(b.data(), n); }, [&] { triad(c.data(), m); }}, reps);
    double inPlace = seconds[0] / double(passes * n),
           fresh = seconds[1] / double(passes * m); // seconds per element
    if (!(inPlace > 0) || !(fresh > 0))
      usage("the loop took no measurable time at " + std::to_string(bytes) +
            " bytes");
    double factor = 3 * fresh / inPlace - 2;
    if (factor > 8)
      std::fprintf(stderr,
                   "coco-calibrate: warning: a fresh store measured %.1f "
                   "bytes per byte at %lld bytes; kept at 8\n",
                   factor, static_cast<long long>(bytes));
    loopBandwidth.push_back(
        {8.0 * double(n), 12.0 / inPlace, std::clamp(factor, 1.0, 8.0)});
  }
  // The largest: the bandwidth out of the caches.
  double copyBandwidth = loopBandwidth.back().bandwidth;

  Profile profile;
  profile.name = name + ", " + std::to_string(ranks) + " ranks";
  profile.source = "coco-calibrate: median of " + std::to_string(reps) +
                   " interleaved repetitions, max over ranks, " +
                   std::to_string(sizes.size()) + " sizes" +
                   ", collectives on " + describe(collectiveCache) +
                   " and on " + describe(CacheState::Warm);
  // The lines of each sweep.
  auto fit = [&](const Sweep &sweep, Lines &blocking,
                 std::map<std::string, Lines> &typed, Lines &nonBlocking) {
    for (size_t k = 0; k < kKinds; ++k)
      blocking[kinds[k]][kinds[k] == Collective::SendRecv ? 2 : ranks] =
          Line::fit(sweep.all[k]);
    for (size_t k = 0; k < kNonBlocking; ++k)
      nonBlocking[nonBlockingKinds[k]][ranks] = Line::fit(sweep.nonBlocking[k]);
    for (size_t t = 0; t < elementTypes.size(); ++t)
      for (size_t k = 0; k < kTyped; ++k)
        typed[elementTypes[t]->name][kinds[k]][ranks] =
            Line::fit(sweep.typed[t][k]);
  };
  fit(cold, profile.measured, profile.measuredByElementType,
      profile.measuredNonBlocking);
  fit(warm, profile.measuredWarm, profile.measuredWarmByElementType,
      profile.measuredWarmNonBlocking);
  profile.cacheBytes = cacheBytesPerRank();
  profile.copyBandwidth = copyBandwidth;
  profile.loopBandwidth = loopBandwidth;
  profile.matmulFlops = matmulFlops(reps);
  profile.reductionSeconds =
      reductionSeconds(std::max<int64_t>(sizes.back() / 4, 1 << 18), reps);
  std::tie(profile.divideSeconds, profile.sqrtSeconds) =
      dividerSeconds<float>(reps);
  std::tie(profile.divideSecondsF64, profile.sqrtSecondsF64) =
      dividerSeconds<double>(reps);
  if (ranks > 1) {
    // The ring all_reduce: 2(R-1) steps of latency alpha, 2(R-1)/R of the
    // bytes over each rank's link.
    Line allReduce = profile.measured[Collective::AllReduce][ranks];
    double steps = 2.0 * double(ranks - 1);
    Level level;
    level.name = "this machine";
    level.ranks = 1 << 20;
    level.latency = allReduce.latency / steps;
    level.bandwidth = allReduce.secondsPerByte > 0
                          ? steps / double(ranks) / allReduce.secondsPerByte
                          : 1e12;
    level.source = "derived from the measured all_reduce line";
    profile.levels.push_back(level);
    profile.chunkOverhead = allReduce.latency;
    profile.overlapEfficiency = overlapEfficiency(comm, reps);
  }

  if (rank == 0) {
    if (llvm::Error error = writeProfileJSON(profile.toJSON(), output)) {
      std::fprintf(stderr, "coco-calibrate: %s\n",
                   llvm::toString(std::move(error)).c_str());
      coco_rt_finalize();
      return 1;
    }
  }
  coco_rt_finalize();
  return 0;
}
