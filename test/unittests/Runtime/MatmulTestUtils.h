//===- MatmulTestUtils.h - matmul test matrices -----------------*- C++ -*-===//
//
// Shared by the CPU (OpenBLAS) and GPU (cuBLAS) runtime tests.
//
//===----------------------------------------------------------------------===//

#ifndef COCO_TEST_UNITTESTS_RUNTIME_MATMULTESTUTILS_H
#define COCO_TEST_UNITTESTS_RUNTIME_MATMULTESTUTILS_H

#include "coco/Runtime/CocoRuntime.h"

#include <gtest/gtest.h>

#include <cmath>
#include <cstdint>
#include <cstring>
#include <vector>

extern "C" void *_mlir_memref_to_llvm_alloc(size_t size);
extern "C" void _mlir_memref_to_llvm_free(void *ptr);

namespace coco_test {

using Matmul = void (*)(const char *, int32_t, int64_t, void *, int64_t, void *,
                        int64_t, void *);

/// A row-major 2-D memref from the runtime's allocator (CUDA managed memory
/// in the GPU runtime); `leading` > columns makes the
/// rows strided (a row block of a wider buffer).
template <typename T> struct Matrix {
  Matrix(int64_t rows, int64_t columns, int64_t leading = 0)
      : rows(rows), columns(columns), leading(leading ? leading : columns) {
    data = static_cast<T *>(
        _mlir_memref_to_llvm_alloc(size_t(rows * this->leading) * sizeof(T)));
    std::memset(data, 0, size_t(rows * this->leading) * sizeof(T));
    words = {int64_t(intptr_t(data)),
             int64_t(intptr_t(data)),
             0,
             rows,
             columns,
             this->leading,
             1};
  }
  ~Matrix() { _mlir_memref_to_llvm_free(data); }
  T &at(int64_t i, int64_t j) { return data[i * leading + j]; }
  void *descriptor() { return words.data(); }
  int64_t rows, columns, leading;
  T *data;
  std::vector<int64_t> words;
};

inline uint16_t toHalf(int v) { // exact small integers only
  if (v == 0)
    return 0;
  int e = 0;
  while ((1 << (e + 1)) <= v)
    ++e;
  return uint16_t((e + 15) << 10 | ((v - (1 << e)) << (10 - e)));
}
inline uint16_t toBF16(int v) {
  float f = float(v);
  uint32_t bits;
  std::memcpy(&bits, &f, 4);
  return uint16_t(bits >> 16);
}
inline float fromBF16(uint16_t b) {
  uint32_t bits = uint32_t(b) << 16;
  float f;
  std::memcpy(&f, &bits, 4);
  return f;
}

/// C[m,n] += A x B by `matmul` (coco_rt_matmul, coco_gpu_matmul), A's rows
/// strided, against loops here; small integers, so every type is exact.
template <typename T, typename Make, typename Read>
void checkMatmul(Matmul matmul, int32_t dtype, Make make, Read read,
                 const char *what) {
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
  matmul(what, dtype, 2, a.descriptor(), 2, b.descriptor(), 2, c.descriptor());
  for (int64_t i = 0; i < m; ++i)
    for (int64_t j = 0; j < n; ++j) {
      int expected = 1;
      for (int64_t p = 0; p < k; ++p)
        expected += int((i + 2 * p) % 3) * int((p * j + 1) % 4);
      EXPECT_EQ(read(c.at(i, j)), double(expected))
          << what << " at " << i << "," << j;
    }
}

/// checkMatmul in f32, f64, bf16 and f16.
inline void checkEveryElementType(Matmul matmul) {
  checkMatmul<float>(
      matmul, COCO_DTYPE_F32, [](int v) { return float(v); },
      [](float v) { return double(v); }, "matmul f32");
  checkMatmul<double>(
      matmul, COCO_DTYPE_F64, [](int v) { return double(v); },
      [](double v) { return v; }, "matmul f64");
  checkMatmul<uint16_t>(
      matmul, COCO_DTYPE_BF16, toBF16,
      [](uint16_t v) { return double(fromBF16(v)); }, "matmul bf16");
  checkMatmul<uint16_t>(
      matmul, COCO_DTYPE_F16, toHalf,
      [](uint16_t v) { // small exact halves back to double
        int e = (v >> 10) & 31, f = v & 1023;
        return v == 0 ? 0.0 : std::ldexp(1.0 + f / 1024.0, e - 15);
      },
      "matmul f16");
}

} // namespace coco_test

#endif // COCO_TEST_UNITTESTS_RUNTIME_MATMULTESTUTILS_H
