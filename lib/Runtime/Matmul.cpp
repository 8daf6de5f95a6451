//===- Matmul.cpp - matmul on a tuned BLAS --------------------------------===//
//
// coco-lower-to-cpu turns each linalg.matmul of f32, f64, f16 or bf16 on
// buffers with contiguous columns (C += A x B, row-major; coco-overlap's
// row blocks have a leading dimension larger than their width) into
// coco_rt_matmul, which runs OpenBLAS's gemm: 1.5-2x the GFLOP/s of the
// loops LLVM vectorizes. f16 and bf16 are widened to f32, multiplied with
// f32 accumulation and rounded back once (as cuBLAS does on the GPU path).
// BLAS threads: one per rank unless OPENBLAS_NUM_THREADS says otherwise (MPI
// ranks already use the cores).
//
// The kernels: OpenBLAS picks them for the CPU when it is loaded, and
// Debian 12's 0.3.21 does not know recent Xeons ("Intel(R) Xeon(R)
// Processor" in a VM): it falls back to its SSE3 kernels (Prescott), 4x
// slower than its AVX-512 ones on this machine (the layer at B=4 on 2 ranks:
// 208 ms against 56 ms). It reads OPENBLAS_CORETYPE only then, so the
// runtime loads OpenBLAS itself, at the first matmul, after naming the
// kernels for the vector units this CPU has (AVX-512: SkylakeX, AVX2 + FMA:
// Haswell, as OpenBLAS itself uses for Zen), unless the user named them.
//
//===----------------------------------------------------------------------===//

#include "ElementTypes.h"
#include "Internal.h"
#include "coco/Runtime/CocoRuntime.h"

#include <cblas.h>

#include <dlfcn.h>

#include <cstdlib>
#include <vector>

using namespace coco::rt;

MatrixView coco::rt::matrixView(int64_t rank, void *descriptor,
                                size_t elementBytes, const char *name) {
  if (rank != 2 || !descriptor)
    fatalf(nullptr, "matmul %s must be a 2-D memref, got rank %lld", name,
           (long long)rank);
  struct Header {
    char *allocated, *aligned;
    int64_t offset, sizes[2], strides[2];
  };
  const auto *d = static_cast<const Header *>(descriptor);
  if (d->strides[1] != 1 && d->sizes[1] > 1)
    fatalf(nullptr,
           "matmul %s columns are strided (stride %lld); the matmul library "
           "needs them contiguous",
           name, (long long)d->strides[1]);
  int64_t leading = d->sizes[0] > 1 ? d->strides[0] : d->sizes[1];
  if (leading < d->sizes[1])
    fatalf(nullptr, "matmul %s rows overlap (row stride %lld < width %lld)",
           name, (long long)leading, (long long)d->sizes[1]);
  return {d->aligned + size_t(d->offset) * elementBytes, d->sizes[0],
          d->sizes[1], leading > 0 ? leading : 1};
}

void coco::rt::checkMatmulShapes(const MatrixView &a, const MatrixView &b,
                                 const MatrixView &c) {
  if (a.columns != b.rows || c.rows != a.rows || c.columns != b.columns)
    fatalf(nullptr,
           "matmul shapes do not agree: [%lld, %lld] x [%lld, %lld] into "
           "[%lld, %lld]",
           (long long)a.rows, (long long)a.columns, (long long)b.rows,
           (long long)b.columns, (long long)c.rows, (long long)c.columns);
}

namespace {

/// The OpenBLAS kernels for this CPU's vector units (nullptr: let OpenBLAS
/// detect them).
const char *coreTypeForThisCpu() {
#if defined(__x86_64__)
  __builtin_cpu_init();
  if (__builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512bw") &&
      __builtin_cpu_supports("avx512vl") && __builtin_cpu_supports("avx512dq"))
    return "SkylakeX";
  if (__builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma"))
    return "Haswell";
#endif
  return nullptr;
}

/// OpenBLAS, loaded at the first matmul (see the top of this file).
struct Blas {
  decltype(&cblas_sgemm) sgemm;
  decltype(&cblas_dgemm) dgemm;
};

template <typename F> F symbol(void *library, const char *name) {
  void *address = dlsym(library, name);
  if (!address)
    fatalf(nullptr, "OpenBLAS (%s) has no %s", COCO_BLAS_SONAME, name);
  return reinterpret_cast<F>(address);
}

/// Sets `name` to `value` unless the user set it; puts it back as it was
/// when it goes out of scope, so that the choice does not reach another
/// OpenBLAS the process loads later (numpy's, with coco.load) or children.
class DefaultEnv {
public:
  DefaultEnv(const char *name, const char *value) : name(name) {
    if (value && !std::getenv(name))
      set = setenv(name, value, /*overwrite=*/0) == 0;
  }
  ~DefaultEnv() {
    if (set)
      unsetenv(name);
  }

private:
  const char *name;
  bool set = false;
};

void *loadOpenBlas() {
  // OpenBLAS reads both when it is loaded (one thread: no pool to start).
  DefaultEnv core("OPENBLAS_CORETYPE", coreTypeForThisCpu());
  DefaultEnv threads("OPENBLAS_NUM_THREADS", "1");
  if (void *library = dlopen(COCO_BLAS_SONAME, RTLD_NOW | RTLD_LOCAL))
    return library;
  // An OpenBLAS outside the loader's path (Spack, conda, /opt): the file
  // the build found.
  if (void *library = dlopen(COCO_BLAS_PATH, RTLD_NOW | RTLD_LOCAL))
    return library;
  fatalf(nullptr, "cannot load OpenBLAS for matmul (%s, %s): %s",
         COCO_BLAS_SONAME, COCO_BLAS_PATH, dlerror());
}

const Blas &blas() {
  // Thread-safe (a function-local static); the first matmul pays the load.
  static const Blas loaded = [] {
    void *library = loadOpenBlas();
    Blas blas{symbol<decltype(&cblas_sgemm)>(library, "cblas_sgemm"),
              symbol<decltype(&cblas_dgemm)>(library, "cblas_dgemm")};
    // One BLAS thread per rank, unless the user chose (also when the
    // process had OpenBLAS loaded already).
    if (!std::getenv("OPENBLAS_NUM_THREADS"))
      symbol<void (*)(int)>(library, "openblas_set_num_threads")(1);
    return blas;
  }();
  return loaded;
}

/// A 16-bit matrix widened to a dense f32 one (leading = columns).
std::vector<float> widen(int32_t dtype, const MatrixView &m) {
  std::vector<float> out(size_t(m.rows * m.columns));
  for (int64_t r = 0; r < m.rows; ++r)
    halfToFloat(dtype, m.data + size_t(r * m.leading) * 2,
                out.data() + r * m.columns, size_t(m.columns));
  return out;
}

} // namespace

extern "C" __attribute__((visibility("default"))) void
coco_rt_matmul(const char *site, int32_t dtype, int64_t aRank, void *a,
               int64_t bRank, void *b, int64_t cRank, void *c) {
  CallScope scope(siteName(site), Waits::Never);
  const Blas &lib = blas();
  size_t bytes = dtypeInfo(dtype, nullptr).bytes;
  if (dtype != COCO_DTYPE_F32 && dtype != COCO_DTYPE_F64 &&
      dtype != COCO_DTYPE_F16 && dtype != COCO_DTYPE_BF16)
    fatalf(nullptr, "matmul supports f16, bf16, f32 and f64, not %s",
           dtypeName(dtype));
  MatrixView A = matrixView(aRank, a, bytes, "lhs");
  MatrixView B = matrixView(bRank, b, bytes, "rhs");
  MatrixView C = matrixView(cRank, c, bytes, "result");
  checkMatmulShapes(A, B, C);
  if (C.rows == 0 || C.columns == 0 || A.columns == 0)
    return;
  int m = int(C.rows), n = int(C.columns), k = int(A.columns);
  // linalg.matmul accumulates into C: beta = 1.
  switch (dtype) {
  case COCO_DTYPE_F32:
    lib.sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, m, n, k, 1.0f,
              reinterpret_cast<const float *>(A.data), int(A.leading),
              reinterpret_cast<const float *>(B.data), int(B.leading), 1.0f,
              reinterpret_cast<float *>(C.data), int(C.leading));
    return;
  case COCO_DTYPE_F64:
    lib.dgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, m, n, k, 1.0,
              reinterpret_cast<const double *>(A.data), int(A.leading),
              reinterpret_cast<const double *>(B.data), int(B.leading), 1.0,
              reinterpret_cast<double *>(C.data), int(C.leading));
    return;
  default: {
    std::vector<float> wa = widen(dtype, A), wb = widen(dtype, B),
                       wc = widen(dtype, C);
    lib.sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, m, n, k, 1.0f,
              wa.data(), k, wb.data(), n, 1.0f, wc.data(), n);
    for (int64_t r = 0; r < C.rows; ++r)
      floatToHalf(dtype, wc.data() + r * n, C.data + size_t(r * C.leading) * 2,
                  size_t(n));
  }
  }
}
