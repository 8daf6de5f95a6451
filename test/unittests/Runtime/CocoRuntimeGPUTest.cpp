//===- CocoRuntimeGPUTest.cpp - Tests of the GPU runtime (NCCL, cuBLAS) ---===//
//
// Run under mpirun with one rank per GPU (runtime-gpu.test, REQUIRES
// cuda-device). Buffers come from the runtime's allocator (CUDA managed
// memory), as in compiled programs; inputs are small integers so sums are
// exact and results compare bit for bit with values computed here.
//
//===----------------------------------------------------------------------===//

#include "coco/Runtime/CocoRuntime.h"
#include "coco/Runtime/CocoRuntimeGPU.h"

#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <string>
#include <vector>

extern "C" void *_mlir_memref_to_llvm_alloc(size_t size);
extern "C" void _mlir_memref_to_llvm_free(void *ptr);
extern "C" void *mgpuStreamCreate();
extern "C" void mgpuStreamDestroy(void *stream);
extern "C" void mgpuStreamSynchronize(void *stream);

namespace {

int rank() { return int(coco_rt_world_rank()); }
int size() { return int(coco_rt_world_size()); }
int64_t world() { return coco_rt_comm(1, -1, 1, 1, 1, 0); }

/// A row-major 2-D memref in managed memory; `leading` > columns makes the
/// rows strided (a row block of a wider buffer).
template <typename T> struct Matrix {
  Matrix(int64_t rows, int64_t columns, int64_t leading = 0)
      : rows(rows), columns(columns), leading(leading ? leading : columns) {
    data = static_cast<T *>(
        _mlir_memref_to_llvm_alloc(size_t(rows * this->leading) * sizeof(T)));
    std::memset(data, 0, size_t(rows * this->leading) * sizeof(T));
    words = {int64_t(intptr_t(data)), int64_t(intptr_t(data)), 0, rows,
             columns, this->leading, 1};
  }
  ~Matrix() { _mlir_memref_to_llvm_free(data); }
  T &at(int64_t i, int64_t j) { return data[i * leading + j]; }
  void *descriptor() { return words.data(); }
  int64_t rows, columns, leading;
  T *data;
  std::vector<int64_t> words;
};

uint16_t toHalf(int v) { // exact small integers only
  if (v == 0)
    return 0;
  int e = 0;
  while ((1 << (e + 1)) <= v)
    ++e;
  return uint16_t((e + 15) << 10 | ((v - (1 << e)) << (10 - e)));
}
uint16_t toBF16(int v) {
  float f = float(v);
  uint32_t bits;
  std::memcpy(&bits, &f, 4);
  return uint16_t(bits >> 16);
}
float fromBF16(uint16_t b) {
  uint32_t bits = uint32_t(b) << 16;
  float f;
  std::memcpy(&f, &bits, 4);
  return f;
}

/// C[m,n] += A x B on cuBLAS, A's rows strided, against loops here.
template <typename T, typename Make, typename Read>
void checkMatmul(int32_t dtype, Make make, Read read, const char *what) {
  const int64_t m = 6, k = 4, n = 5;
  Matrix<T> a(m, k, /*leading=*/7), b(k, n), c(m, n);
  for (int64_t i = 0; i < m; ++i)
    for (int64_t j = 0; j < k; ++j)
      a.at(i, j) = make(int((i + 2 * j) % 3));
  for (int64_t i = 0; i < k; ++i)
    for (int64_t j = 0; j < n; ++j)
      b.at(i, j) = make(int((i * j + 1) % 4));
  for (int64_t i = 0; i < m; ++i)
    for (int64_t j = 0; j < n; ++j)
      c.at(i, j) = make(1); // matmul accumulates
  coco_gpu_matmul(what, dtype, 2, a.descriptor(), 2, b.descriptor(), 2,
                  c.descriptor());
  for (int64_t i = 0; i < m; ++i)
    for (int64_t j = 0; j < n; ++j) {
      int expected = 1;
      for (int64_t p = 0; p < k; ++p)
        expected += int((i + 2 * p) % 3) * int((p * j + 1) % 4);
      EXPECT_EQ(read(c.at(i, j)), double(expected)) << what << " at " << i
                                                    << "," << j;
    }
}

TEST(GpuMatmul, EveryElementType) {
  checkMatmul<float>(COCO_DTYPE_F32, [](int v) { return float(v); },
                     [](float v) { return double(v); }, "matmul f32");
  checkMatmul<double>(COCO_DTYPE_F64, [](int v) { return double(v); },
                      [](double v) { return v; }, "matmul f64");
  checkMatmul<uint16_t>(COCO_DTYPE_BF16, toBF16,
                        [](uint16_t v) { return double(fromBF16(v)); },
                        "matmul bf16");
  checkMatmul<uint16_t>(
      COCO_DTYPE_F16, toHalf,
      [](uint16_t v) { // small exact halves back to double
        int e = (v >> 10) & 31, f = v & 1023;
        return v == 0 ? 0.0 : std::ldexp(1.0 + f / 1024.0, e - 15);
      },
      "matmul f16");
}

/// in[i, j] = rank + i + j on an [R*2, 3] buffer.
void fillRankInput(Matrix<float> &m) {
  for (int64_t i = 0; i < m.rows; ++i)
    for (int64_t j = 0; j < m.columns; ++j)
      m.at(i, j) = float(rank() + i + j);
}
double sumOverRanks(int64_t i, int64_t j) {
  return double(size()) * double(i + j) + double(size() * (size() - 1) / 2);
}

TEST(GpuCollectives, AllReduceSumAndAverage) {
  Matrix<float> in(4, 3), out(4, 3);
  fillRankInput(in);
  coco_gpu_all_reduce("all_reduce", world(), COCO_DTYPE_F32, COCO_RED_SUM, 2,
                      in.descriptor(), 2, out.descriptor());
  for (int64_t i = 0; i < 4; ++i)
    for (int64_t j = 0; j < 3; ++j)
      EXPECT_EQ(out.at(i, j), sumOverRanks(i, j));
  Matrix<int32_t> ii(2, 2), io(2, 2);
  for (int64_t i = 0; i < 2; ++i)
    for (int64_t j = 0; j < 2; ++j)
      ii.at(i, j) = int32_t(3 * rank() + i);
  coco_gpu_all_reduce("avg", world(), COCO_DTYPE_I32, COCO_RED_AVG, 2,
                      ii.descriptor(), 2, io.descriptor());
  for (int64_t i = 0; i < 2; ++i)
    EXPECT_EQ(io.at(i, 0), int32_t((3 * (size() * (size() - 1) / 2) +
                                    size() * i) /
                                   size()));
}

TEST(GpuCollectives, ReduceScatterAndAllGatherAlongColumns) {
  const int64_t rows = 3, chunk = 2;
  Matrix<float> in(rows, chunk * size()), part(rows, chunk),
      whole(rows, chunk * size());
  fillRankInput(in);
  coco_gpu_reduce_scatter("reduce_scatter", world(), COCO_DTYPE_F32,
                          COCO_RED_SUM, /*dim=*/1, 2, in.descriptor(), 2,
                          part.descriptor());
  for (int64_t i = 0; i < rows; ++i)
    for (int64_t j = 0; j < chunk; ++j)
      EXPECT_EQ(part.at(i, j), sumOverRanks(i, rank() * chunk + j));
  coco_gpu_all_gather("all_gather", world(), COCO_DTYPE_F32, /*dim=*/1, 2,
                      part.descriptor(), 2, whole.descriptor());
  for (int64_t i = 0; i < rows; ++i)
    for (int64_t j = 0; j < chunk * size(); ++j)
      EXPECT_EQ(whole.at(i, j), sumOverRanks(i, j));
}

TEST(GpuCollectives, BroadcastAndReduce) {
  Matrix<float> in(2, 3), out(2, 3);
  fillRankInput(in);
  coco_gpu_broadcast("broadcast", world(), COCO_DTYPE_F32, /*root=*/0, 2,
                     in.descriptor(), 2, out.descriptor());
  EXPECT_EQ(out.at(1, 2), 3.0f); // rank 0's value
  coco_gpu_reduce("reduce", world(), COCO_DTYPE_F32, COCO_RED_SUM, 0, 2,
                  in.descriptor(), 2, out.descriptor());
  // Root: the sum; elsewhere, as on CPU, the rank's own input.
  EXPECT_EQ(out.at(1, 2), rank() == 0 ? sumOverRanks(1, 2)
                                      : double(rank() + 3));
}

TEST(GpuCollectives, AllToAll) {
  Matrix<float> in(size() * 2, 3), out(2, 3 * size());
  fillRankInput(in);
  coco_gpu_all_to_all("all_to_all", world(), COCO_DTYPE_F32, /*split=*/0,
                      /*concat=*/1, 2, in.descriptor(), 2, out.descriptor());
  // Block p of out (columns 3p..3p+2) is rows [2*rank, 2*rank+2) of p's in.
  for (int p = 0; p < size(); ++p)
    for (int64_t i = 0; i < 2; ++i)
      for (int64_t j = 0; j < 3; ++j)
        EXPECT_EQ(out.at(i, 3 * p + j), float(p + 2 * rank() + i + j));
}

TEST(GpuCollectives, NonBlocking) {
  Matrix<float> in(4, 3), out(4, 3);
  fillRankInput(in);
  int64_t request = coco_gpu_iall_reduce("iall_reduce", world(),
                                         COCO_DTYPE_F32, COCO_RED_SUM, 2,
                                         in.descriptor(), 2, out.descriptor());
  coco_gpu_wait("wait", request);
  EXPECT_EQ(out.at(3, 2), sumOverRanks(3, 2));
  Matrix<float> wide(2, 2 * size()), slice(2, 2);
  fillRankInput(wide);
  request = coco_gpu_ireduce_scatter("ireduce_scatter", world(),
                                     COCO_DTYPE_F32, COCO_RED_SUM, 1, 2,
                                     wide.descriptor(), 2, slice.descriptor());
  coco_gpu_wait("wait", request);
  EXPECT_EQ(slice.at(1, 1), sumOverRanks(1, 2 * rank() + 1));
}

// gpu-to-llvm code creates, synchronizes and destroys a stream around every
// launch: it gets the runtime's one compute stream, which the destroy must
// leave usable.
TEST(CudaWrappers, LaunchStreamIsTheComputeStream) {
  void *first = mgpuStreamCreate();
  void *second = mgpuStreamCreate();
  EXPECT_NE(first, nullptr);
  EXPECT_EQ(first, second);
  mgpuStreamDestroy(first);
  mgpuStreamSynchronize(second);
  Matrix<float> in(2, 2), out(2, 2);
  fillRankInput(in);
  coco_gpu_all_reduce("all_reduce", world(), COCO_DTYPE_F32, COCO_RED_SUM, 2,
                      in.descriptor(), 2, out.descriptor());
  EXPECT_EQ(out.at(1, 1), sumOverRanks(1, 1));
}

} // namespace

int main(int argc, char **argv) {
  coco_rt_init(&argc, &argv);
  ::testing::InitGoogleTest(&argc, argv);
  int failed = RUN_ALL_TESTS() != 0;
  coco_rt_finalize();
  return failed;
}
