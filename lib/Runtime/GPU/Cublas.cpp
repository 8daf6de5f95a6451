//===- Cublas.cpp - matmul on cuBLAS --------------------------------------===//
//
// coco-lower-to-gpu turns each linalg.matmul (C += A x B, row-major memrefs)
// into coco_gpu_matmul. cuBLAS is column-major: the row-major product is
// computed as C^T = B^T x A^T, which is the same memory with the operands
// swapped. Row blocks (coco-overlap's chunks) have a leading dimension
// larger than their width; columns must be contiguous.
//
//===----------------------------------------------------------------------===//

#include "Device.h"

#include <climits>

#include "../Internal.h"
#include "coco/Runtime/CocoRuntime.h"
#include "coco/Runtime/CocoRuntimeGPU.h"

#include <cstring>

using namespace coco::rt;
using namespace coco::rt::gpu;

namespace {

cublasHandle_t handle() {
  static cublasHandle_t instance = [] {
    ensureDevice();
    cublasHandle_t h = nullptr;
    checkCublas(cublasCreate(&h), "cublasCreate");
    checkCublas(cublasSetStream(h, computeStream()), "cublasSetStream");
    return h;
  }();
  return instance;
}

} // namespace

extern "C" __attribute__((visibility("default"))) void
coco_gpu_matmul(const char *site, int32_t dtype, int64_t aRank, void *a,
                int64_t bRank, void *b, int64_t cRank, void *c) {
  CallScope scope(siteName(site), Waits::Never);
  cudaDataType_t type;
  cublasComputeType_t compute = CUBLAS_COMPUTE_32F;
  size_t bytes = 4;
  switch (dtype) {
  case COCO_DTYPE_F32:
    type = CUDA_R_32F;
    break;
  case COCO_DTYPE_F16:
    type = CUDA_R_16F, bytes = 2;
    break;
  case COCO_DTYPE_BF16:
    type = CUDA_R_16BF, bytes = 2;
    break;
  case COCO_DTYPE_F64:
    type = CUDA_R_64F, bytes = 8, compute = CUBLAS_COMPUTE_64F;
    break;
  default:
    fatalf(nullptr,
           "matmul on the GPU supports f16, bf16, f32 and f64, not "
           "dtype %d",
           int(dtype));
  }
  MatrixView A = matrixView(aRank, a, bytes, "lhs"),
             B = matrixView(bRank, b, bytes, "rhs"),
             C = matrixView(cRank, c, bytes, "result");
  checkMatmulShapes(A, B, C);
  if (C.rows == 0 || C.columns == 0 || A.columns == 0)
    return;
  // cublasGemmEx takes int sizes and leading dimensions: a larger one would
  // be cut to another matrix without a word.
  for (int64_t extent :
       {C.rows, C.columns, A.columns, A.leading, B.leading, C.leading})
    if (extent > INT_MAX)
      fatalf(nullptr,
             "matmul: a size or leading dimension of %lld exceeds cuBLAS's "
             "int range (split the matmul)",
             (long long)extent);
  // linalg.matmul accumulates into C: beta = 1.
  float alpha32 = 1.0f, beta32 = 1.0f;
  double alpha64 = 1.0, beta64 = 1.0;
  const void *alpha = compute == CUBLAS_COMPUTE_64F
                          ? static_cast<const void *>(&alpha64)
                          : static_cast<const void *>(&alpha32);
  const void *beta = compute == CUBLAS_COMPUTE_64F
                         ? static_cast<const void *>(&beta64)
                         : static_cast<const void *>(&beta32);
  checkCublas(cublasGemmEx(handle(), CUBLAS_OP_N, CUBLAS_OP_N, int(C.columns),
                           int(C.rows), int(A.columns), alpha, B.data, type,
                           int(B.leading), A.data, type, int(A.leading), beta,
                           C.data, type, int(C.leading), compute,
                           CUBLAS_GEMM_DEFAULT),
              "cublasGemmEx");
  waitStream(computeStream(), nullptr, "cublasGemmEx");
}
