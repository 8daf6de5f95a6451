//===- coco-calibrate-gpu.cpp - measure one GPU for the cost model --------===//
//
//   coco-calibrate-gpu --base PROFILE.json [-o profile.json] [--reps N]
//                      [--name NAME] [--matmul M,K,N] [--max-bytes BYTES]
//
// Measures this process's GPU through coco's GPU runtime and writes a machine
// profile: the base profile (a shipped one built from published figures,
// e.g. profiles/dgx-h200.json) with what one GPU can tell replaced by
// measurements, each with its source:
// - the memory bandwidth of a device-to-device copy (bytes read + written per
//   second, what a fused kernel pays; the generated Adam kernel ran at the
//   same speed on an H200) by the bytes of its two arrays, from 1 MiB up to
//   --max-bytes (default 4 GiB), and the largest's as the copy bandwidth;
// - the f32 throughput of coco_gpu_matmul (cublasGemmEx, FP32 compute, what
//   compiled matmuls call) at M x K times K x N (default 4096 cubed);
// - the overlap chunk overhead: a non-blocking all_reduce of one float
//   started and waited for (a kernel on the communication stream and an
//   event), one more of which every chunk adds.
// The collectives' levels (NVLink, InfiniBand), the overlap efficiency and
// anything else stay the base's: a one-GPU machine has no link to measure,
// so this tool runs on one rank; a machine with several GPUs per rank's
// node is not measured by it yet. Median of --reps repetitions.
//
//===----------------------------------------------------------------------===//

#include "coco/CostModel/CostModel.h"
#include "coco/Runtime/CocoRuntime.h"
#include "coco/Runtime/CocoRuntimeGPU.h"

#include "llvm/Support/FormatVariadic.h"
#include "llvm/Support/JSON.h"
#include "llvm/Support/MemoryBuffer.h"
#include "llvm/Support/raw_ostream.h"

#include <cuda_runtime.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <functional>
#include <string>
#include <vector>

using namespace mlir::coco::cost;

namespace {

constexpr const char *kUsage =
    "usage: coco-calibrate-gpu --base PROFILE.json [-o profile.json] "
    "[--reps N] [--name NAME] [--matmul M,K,N] [--max-bytes BYTES]";

[[noreturn]] void fail(const std::string &message, int status = 2) {
  std::fprintf(stderr, "coco-calibrate-gpu: %s\n", message.c_str());
  if (status == 2) // a usage error
    std::fprintf(stderr, "%s\n", kUsage);
  coco_rt_finalize();
  std::exit(status);
}

void check(cudaError_t status, const char *what) {
  if (status != cudaSuccess)
    fail(std::string(what) + ": " + cudaGetErrorString(status), 1);
}

/// Device memory of `bytes`, set to `byte` in every byte.
struct DeviceBuffer {
  DeviceBuffer(int64_t bytes, int byte) : bytes(bytes) {
    check(cudaMalloc(&data, bytes), "cudaMalloc");
    check(cudaMemset(data, byte, bytes), "cudaMemset");
  }
  ~DeviceBuffer() { cudaFree(data); }
  DeviceBuffer(const DeviceBuffer &) = delete;
  DeviceBuffer &operator=(const DeviceBuffer &) = delete;
  void *data = nullptr;
  int64_t bytes;
};

/// Median seconds of `reps` runs of `run`, after one untimed run.
double medianSeconds(const std::function<void()> &run, int reps) {
  run();
  std::vector<double> times;
  for (int r = 0; r < reps; ++r) {
    double start = coco_rt_wtime();
    run();
    times.push_back(coco_rt_wtime() - start);
  }
  std::sort(times.begin(), times.end());
  return times[times.size() / 2];
}

/// The copy's bandwidth (bytes read + written per second) by the bytes of
/// its two arrays, from 1 MiB to maxBytes in steps of 4. Small copies run
/// several times per sample (512 MiB in all), each launched on its own as
/// a generated kernel is: their launches count in their bandwidth.
std::vector<LoopPoint> copyBandwidth(int64_t maxBytes, int reps) {
  std::vector<LoopPoint> points;
  for (int64_t workingSet = int64_t(1) << 20; workingSet <= maxBytes;
       workingSet *= 4) {
    int64_t bytes = workingSet / 2;
    DeviceBuffer from(bytes, 0x3f), to(bytes, 0);
    int64_t passes = std::max<int64_t>(1, (int64_t(1) << 29) / workingSet);
    double seconds = medianSeconds(
        [&] {
          for (int64_t pass = 0; pass < passes; ++pass)
            check(cudaMemcpyAsync(to.data, from.data, bytes,
                                  cudaMemcpyDeviceToDevice, nullptr),
                  "cudaMemcpyAsync (device to device)");
          check(cudaDeviceSynchronize(), "cudaDeviceSynchronize");
        },
        reps);
    if (!(seconds > 0))
      fail("the copy of " + std::to_string(bytes) +
               " bytes took no measurable time",
           1);
    // A GPU writes whole sectors without reading them first: no extra
    // cost for a store to memory the kernel does not read.
    points.push_back({double(workingSet),
                      double(passes) * 2.0 * double(bytes) / seconds, 1.0});
  }
  return points;
}

struct Descriptor2D {
  float *allocated, *aligned;
  int64_t offset, sizes[2], strides[2];
};

/// f32 flop/s of coco_gpu_matmul at M x K times K x N; the result is checked
/// on the host (every element K * 1.0 * 0.5 after one product into zeros).
double matmulFlops(int64_t m, int64_t k, int64_t n, int reps) {
  std::vector<float> hostA(m * k, 1.0f), hostB(k * n, 0.5f);
  DeviceBuffer a(m * k * 4, 0), b(k * n * 4, 0), c(m * n * 4, 0);
  check(cudaMemcpy(a.data, hostA.data(), a.bytes, cudaMemcpyHostToDevice),
        "cudaMemcpy");
  check(cudaMemcpy(b.data, hostB.data(), b.bytes, cudaMemcpyHostToDevice),
        "cudaMemcpy");
  auto *fa = static_cast<float *>(a.data), *fb = static_cast<float *>(b.data),
       *fc = static_cast<float *>(c.data);
  Descriptor2D da{fa, fa, 0, {m, k}, {k, 1}}, db{fb, fb, 0, {k, n}, {n, 1}},
      dc{fc, fc, 0, {m, n}, {n, 1}};
  coco_gpu_matmul("calibrate matmul", COCO_DTYPE_F32, 2, &da, 2, &db, 2, &dc);
  float first = 0, last = 0;
  check(cudaMemcpy(&first, fc, 4, cudaMemcpyDeviceToHost), "cudaMemcpy");
  check(cudaMemcpy(&last, fc + m * n - 1, 4, cudaMemcpyDeviceToHost),
        "cudaMemcpy");
  if (first != 0.5f * float(k) || last != 0.5f * float(k))
    fail(llvm::formatv("the matmul's check failed: C[0,0] = {0}, C[M-1,N-1] "
                       "= {1}, expected {2}",
                       first, last, 0.5 * double(k))
             .str(),
         1);
  // C accumulates (beta = 1): later products change its values, not the
  // work.
  double seconds = medianSeconds(
      [&] {
        coco_gpu_matmul("calibrate matmul", COCO_DTYPE_F32, 2, &da, 2, &db, 2,
                        &dc);
      },
      reps);
  return 2.0 * double(m) * double(k) * double(n) / seconds;
}

/// Seconds of a non-blocking all_reduce of one float, started and waited
/// for: what each more chunk of an overlapped pair adds.
double chunkOverhead(int64_t comm, int reps) {
  DeviceBuffer in(4, 0), out(4, 0);
  struct Descriptor1D {
    void *allocated, *aligned;
    int64_t offset, size, stride;
  } din{in.data, in.data, 0, 1, 1}, dout{out.data, out.data, 0, 1, 1};
  return medianSeconds(
      [&] {
        coco_gpu_wait("calibrate",
                      coco_gpu_iall_reduce("calibrate", comm, COCO_DTYPE_F32,
                                           COCO_RED_SUM, 1, &din, 1, &dout));
      },
      reps);
}

/// Comma-separated positive integers, each at most `max`.
std::vector<int64_t> parseInts(const std::string &list, int64_t max = int64_t(1)
                                                                      << 40) {
  std::vector<int64_t> values;
  for (size_t at = 0; at <= list.size();) {
    size_t comma = list.find(',', at);
    std::string item = list.substr(at, comma - at);
    char *end = nullptr;
    errno = 0;
    long long value = std::strtoll(item.c_str(), &end, 10);
    if (item.empty() || *end || errno == ERANGE || value <= 0 || value > max)
      fail("'" + item + "' is not an integer from 1 to " + std::to_string(max));
    values.push_back(value);
    at = comma == std::string::npos ? list.size() + 1 : comma + 1;
  }
  return values;
}

} // namespace

int main(int argc, char **argv) {
  coco_rt_init(&argc, &argv);
  std::string output = "-", base, name;
  int reps = 11;
  int64_t m = 4096, k = 4096, n = 4096, maxBytes = int64_t(4) << 30;
  for (int i = 1; i < argc; ++i) {
    std::string arg = argv[i];
    auto value = [&]() -> std::string {
      if (i + 1 >= argc)
        fail("option " + arg + " needs a value");
      return argv[++i];
    };
    if (arg == "-h" || arg == "--help") {
      std::printf("%s\n\nMeasures one GPU (copy bandwidth by working set, "
                  "cuBLAS f32 rate, chunk overhead)\ninto a copy of the "
                  "--base profile (its collectives and links are kept).\n",
                  kUsage);
      coco_rt_finalize();
      return 0;
    }
    if (arg == "-o") {
      output = value();
    } else if (arg == "--base") {
      base = value();
    } else if (arg == "--name") {
      name = value();
    } else if (arg == "--reps") {
      reps = int(parseInts(value(), 10000).front());
    } else if (arg == "--matmul") {
      std::vector<int64_t> shape = parseInts(value(), 1 << 16);
      if (shape.size() != 3)
        fail("--matmul takes M,K,N");
      m = shape[0], k = shape[1], n = shape[2];
    } else if (arg == "--max-bytes") {
      maxBytes = parseInts(value()).front();
      if (maxBytes < (int64_t(1) << 20))
        fail("--max-bytes is below the sweep's first size, 1 MiB");
    } else {
      fail("unknown option '" + arg + "'");
    }
  }
  // Written after the measurement: a path that cannot be written fails
  // now.
  if (llvm::Error error = checkProfileWritable(output))
    fail(llvm::toString(std::move(error)));
  if (base.empty())
    fail("--base is required: the profile whose levels (the links between "
         "GPUs, which one GPU cannot measure) the result keeps");
  if (coco_rt_world_size() != 1)
    fail("runs on one rank (one GPU): the links between GPUs come from "
         "--base; measuring them needs coco-calibrate's collectives on "
         "the GPU runtime, which this tool does not run yet",
         1);
  llvm::Expected<Profile> loaded = Profile::load(base);
  if (!loaded)
    fail("--base " + base + ": " + llvm::toString(loaded.takeError()), 1);
  // The base's own text, for its "*_source" notes (Profile keeps none).
  llvm::ErrorOr<std::unique_ptr<llvm::MemoryBuffer>> baseText =
      llvm::MemoryBuffer::getFile(base);
  llvm::Expected<llvm::json::Value> baseJson =
      llvm::json::parse(baseText ? (*baseText)->getBuffer() : "");
  if (!baseText || !baseJson || !baseJson->getAsObject())
    fail("--base " + base + ": cannot read it as a JSON object", 1);

  Profile profile = std::move(*loaded);
  int64_t comm = coco_rt_comm(1, -1, 1, 1, 1, 0);
  cudaDeviceProp device;
  int ordinal = 0;
  check(cudaGetDevice(&ordinal), "cudaGetDevice");
  check(cudaGetDeviceProperties(&device, ordinal), "cudaGetDeviceProperties");
  // The copy bandwidth is the largest copy's: out of the L2 cache (60 MB
  // on an H200), or it would be the cache's.
  if (maxBytes < 4 * int64_t(device.l2CacheSize))
    fail(llvm::formatv("--max-bytes {0} is below 4 times this GPU's L2 cache "
                       "({1} bytes): the copy bandwidth would be the cache's",
                       maxBytes, device.l2CacheSize)
             .str(),
         1);
  profile.loopBandwidth = copyBandwidth(maxBytes, reps);
  profile.copyBandwidth = profile.loopBandwidth.back().bandwidth;
  auto largestCopy = int64_t(profile.loopBandwidth.back().workingSet / 2);
  profile.matmulFlops = matmulFlops(m, k, n, reps);
  profile.chunkOverhead = chunkOverhead(comm, reps);
  std::string what = llvm::formatv("measured on one {0} by coco-calibrate-gpu "
                                   "(median of {1} repetitions)",
                                   device.name, reps)
                         .str();
  profile.name = name.empty() ? std::string(device.name) + " (measured) with " +
                                    profile.name + "'s links"
                              : name;
  profile.source = what +
                   "; the levels (links between GPUs), overlap "
                   "efficiency and anything not measured are " +
                   base + "'s";

  llvm::json::Value result = profile.toJSON();
  llvm::json::Object &object = *result.getAsObject();
  for (const auto &[key, value] : *baseJson->getAsObject())
    if (llvm::StringRef(key).ends_with("_source"))
      object[key] = value;
  object["copy_bandwidth_source"] =
      what + ": cudaMemcpyAsync device to device of " +
      std::to_string(largestCopy) +
      " bytes, bytes read + written per second; loop_bandwidth by the bytes "
      "of both arrays from 1 MiB";
  object["matmul_source"] = llvm::formatv("{0}: coco_gpu_matmul (cublasGemmEx, "
                                          "FP32 compute) of {1}x{2} by {2}x{3}",
                                          what, m, k, n)
                                .str();
  object["chunk_overhead_source"] =
      what + ": a non-blocking all_reduce of one float, started and waited "
             "for (a kernel on the communication stream and an event)";

  if (llvm::Error error = writeProfileJSON(result, output))
    fail(llvm::toString(std::move(error)), 1);
  coco_rt_finalize();
  return 0;
}
