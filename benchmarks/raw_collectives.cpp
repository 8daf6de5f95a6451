//===- raw_collectives.cpp - the collective and memory parts of the bound -===//
//
// Measures, on the ranks of one launch, what the benchmark's "bound" is made
// of: the raw time of all_reduce, reduce_scatter and all_gather of N f32
// through the coco runtime, and the memory bandwidth of a copy while every
// rank copies at once (the condition compiled code runs in). Interleaved
// repetitions, median, max over ranks. Prints CSV:
//   what,elements,median_ms
// (all_gather is measured in place, as compiled programs run it).
//
// usage: mpirun -np R raw_collectives N [REPS]
//
// Built as coco-raw-collectives-gpu (COCO_BENCH_GPU): the same through the
// GPU runtime (NCCL) on device buffers, and a device-to-device copy.
//
//===----------------------------------------------------------------------===//

#include "coco/Runtime/CocoRuntime.h"
#include "coco/Support/Blocks.h"
#ifdef COCO_BENCH_GPU
#include "coco/Runtime/CocoRuntimeGPU.h"
#include <cuda_runtime.h>
#define COCO_BENCH(name) coco_gpu_##name
#else
#define COCO_BENCH(name) coco_rt_##name
#endif

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <functional>
#include <string>
#include <vector>

namespace {
struct Descriptor1D {
  float *allocated, *aligned;
  int64_t offset, size, stride;
};

/// A buffer of n floats: host memory, or device memory for the GPU runtime.
struct Buffer {
  explicit Buffer(int64_t n, float value) : size(n) {
#ifdef COCO_BENCH_GPU
    check(cudaMalloc(&data, n * sizeof(float)), "cudaMalloc");
    std::vector<float> host(n, value);
    check(cudaMemcpy(data, host.data(), n * sizeof(float),
                     cudaMemcpyHostToDevice),
          "cudaMemcpy");
#else
    storage.assign(n, value);
    data = storage.data();
#endif
  }
#ifdef COCO_BENCH_GPU
  static void check(cudaError_t status, const char *what) {
    if (status != cudaSuccess) {
      std::fprintf(stderr, "%s: %s\n", what, cudaGetErrorString(status));
      std::exit(1);
    }
  }
#endif
  float *data = nullptr;
  int64_t size;
  std::vector<float> storage;
};

Descriptor1D view(Buffer &b) { return {b.data, b.data, 0, b.size, 1}; }

void copy(Buffer &to, const Buffer &from) {
#ifdef COCO_BENCH_GPU
  Buffer::check(cudaMemcpy(to.data, from.data, from.size * sizeof(float),
                           cudaMemcpyDeviceToDevice),
                "cudaMemcpy (device to device)");
  Buffer::check(cudaDeviceSynchronize(), "cudaDeviceSynchronize");
#else
  std::memcpy(to.data, from.data, from.size * sizeof(float));
#endif
}
} // namespace

int main(int argc, char **argv) {
  coco_rt_init(&argc, &argv);
  int64_t n = argc > 1 ? std::atoll(argv[1]) : (1 << 24);
  int reps = argc > 2 ? std::atoi(argv[2]) : 7;
  int64_t ranks = coco_rt_world_size();
  int64_t comm = coco_rt_comm(1, -1, 1, 1, 1, 0);
  // This rank's block: n / ranks elements, one more on the first n % ranks
  // ranks (coco's rule, which the runtime checks).
  auto [offset, count] =
      coco_support::balancedBlock(n, ranks, coco_rt_world_rank());
  Buffer a(n, 1.0f), b(n, 0.0f), slice(count, 0.0f);
  Descriptor1D da = view(a), db = view(b), ds = view(slice);
  // All_gather in place, as compiled programs run it: this rank's slice is
  // already its block of the output (MPI_IN_PLACE, NCCL in place).
  Descriptor1D own = {b.data, b.data, offset, count, 1};

  std::vector<std::pair<std::string, std::function<void()>>> cases = {
      {"all_reduce",
       [&] {
         COCO_BENCH(all_reduce)("bench", comm, COCO_DTYPE_F32, COCO_RED_SUM, 1,
                                &da, 1, &db);
       }},
      {"reduce_scatter",
       [&] {
         COCO_BENCH(reduce_scatter)("bench", comm, COCO_DTYPE_F32, COCO_RED_SUM,
                                    0, 1, &da, 1, &ds);
       }},
      {"all_gather",
       [&] {
         COCO_BENCH(all_gather)("bench", comm, COCO_DTYPE_F32, 0, 1, &own, 1,
                                &db);
       }},
      {"copy", [&] { copy(b, a); }},
  };
  std::vector<std::vector<double>> times(cases.size());
  for (auto &c : cases) // warm up: first touch, communicator setup
    c.second();
  for (int r = 0; r < reps; ++r)
    for (size_t i = 0; i < cases.size(); ++i) {
      coco_rt_barrier();
      double start = coco_rt_wtime();
      cases[i].second();
      times[i].push_back(coco_rt_max_over_ranks(coco_rt_wtime() - start));
    }
  if (coco_rt_world_rank() == 0)
    for (size_t i = 0; i < cases.size(); ++i) {
      std::sort(times[i].begin(), times[i].end());
      std::printf("%s,%lld,%.6f\n", cases[i].first.c_str(),
                  static_cast<long long>(n),
                  times[i][times[i].size() / 2] * 1e3);
    }
  coco_rt_finalize();
  return 0;
}
