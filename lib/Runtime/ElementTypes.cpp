//===- ElementTypes.cpp - Element types and reductions --------------------===//

#include "ElementTypes.h"

#include "HalfFloat.h"
#include "Internal.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <type_traits>

#if defined(__x86_64__) && defined(__GNUC__)
#include <immintrin.h>
#endif

namespace coco::rt {
namespace {

//===----------------------------------------------------------------------===//
// 16-bit floats
//===----------------------------------------------------------------------===//

/// Storage types of f16 and bf16; arithmetic converts to float
/// (HalfFloat.h, shared with the host programs).
struct Half {
  uint16_t bits;
};
struct BFloat16 {
  uint16_t bits;
};

/// How the kernels compute on a storage type: natively, or in float for the
/// 16-bit floats.
template <typename T> struct Arith {
  using Compute = T;
  static T load(T v) { return v; }
  static T store(T v) { return v; }
};
template <> struct Arith<Half> {
  using Compute = float;
  static float load(Half v) { return f16ToFloat(v.bits); }
  static Half store(float v) { return {floatToF16(v)}; }
};
template <> struct Arith<BFloat16> {
  using Compute = float;
  static float load(BFloat16 v) { return bf16ToFloat(v.bits); }
  static BFloat16 store(float v) { return {floatToBf16(v)}; }
};

/// Integer sums and products wrap (as MPI's do) instead of being UB.
template <typename C>
using Wrapping = std::conditional_t<std::is_integral_v<C>,
                                    std::make_unsigned<C>, std::common_type<C>>;

struct SumOp {
  template <typename C> C operator()(C a, C b) const {
    using W = typename Wrapping<C>::type;
    return C(W(a) + W(b));
  }
};
struct ProdOp {
  template <typename C> C operator()(C a, C b) const {
    using W = typename Wrapping<C>::type;
    return C(W(a) * W(b));
  }
};
struct MinOp {
  template <typename C> C operator()(C a, C b) const { return b < a ? b : a; }
};
struct MaxOp {
  template <typename C> C operator()(C a, C b) const { return a < b ? b : a; }
};

/// acc[i] = acc[i] <op> x[i], inlined into each copy of the loop below.
template <typename T, typename Op>
__attribute__((always_inline)) inline void
combineLoop(T *__restrict acc, const T *__restrict x, size_t n) {
  Op op;
  for (size_t i = 0; i < n; ++i)
    acc[i] = Arith<T>::store(op(Arith<T>::load(acc[i]), Arith<T>::load(x[i])));
}

#if defined(__x86_64__) && defined(__GNUC__)
// The runtime is built for the x86-64 baseline (SSE2). The 16-bit floats
// convert per element with integer shifts and a rounding add, which AVX2
// does 8 at a time: a bf16 sum of 8M elements took 3.8 ms with it against
// 8.0 ms without (and f32's, bound by memory, 5 ms either way) on this
// machine, and it is the reduction of every bf16 reduce_scatter and
// all_reduce. So CPUs with AVX2 run a second copy of the loop.
template <typename T, typename Op>
__attribute__((target("avx2"))) void
combineAvx2(T *__restrict acc, const T *__restrict x, size_t n) {
  combineLoop<T, Op>(acc, x, n);
}

bool hasAvx2() {
  static const bool has = [] {
    __builtin_cpu_init();
    return __builtin_cpu_supports("avx2") != 0;
  }();
  return has;
}
#endif

#if defined(__x86_64__) && defined(__GNUC__)
// f16's portable conversion does not vectorize at all (its branches for
// subnormals, infinities and the rounding), even with AVX2: an f16
// reduce_scatter of 16 MiB took 36 ms against 3.9 ms for f32 and 5.1 ms for
// bf16 (coco-calibrate, 2 ranks, this machine). F16C, which every x86 CPU
// with AVX2 has, converts 8 at a time in one instruction, rounding to
// nearest even as the portable code does (NaNs stay NaN; their payload
// bits may differ).
bool hasF16c() {
  static const bool has = [] {
    __builtin_cpu_init();
    // AVX too: F16C's 256-bit forms need the OS to save the ymm registers.
    return __builtin_cpu_supports("avx") && __builtin_cpu_supports("f16c");
  }();
  return has;
}

__attribute__((target("avx,f16c"))) void
halfsToFloatsF16c(const uint16_t *__restrict in, float *__restrict out,
                  size_t n) {
  size_t i = 0;
  for (; i + 8 <= n; i += 8)
    _mm256_storeu_ps(out + i, _mm256_cvtph_ps(_mm_loadu_si128(
                                  reinterpret_cast<const __m128i *>(in + i))));
  for (; i < n; ++i)
    out[i] = f16ToFloat(in[i]);
}

__attribute__((target("avx,f16c"))) void
floatsToHalfsF16c(const float *__restrict in, uint16_t *__restrict out,
                  size_t n) {
  size_t i = 0;
  for (; i + 8 <= n; i += 8)
    _mm_storeu_si128(
        reinterpret_cast<__m128i *>(out + i),
        _mm256_cvtps_ph(_mm256_loadu_ps(in + i), _MM_FROUND_TO_NEAREST_INT));
  for (; i < n; ++i)
    out[i] = floatToF16(in[i]);
}

/// acc = acc <op> x on f16 through F16C: a block of each widened to float,
/// combined there as combineLoop does element by element, narrowed back.
template <typename Op>
void combineHalfF16c(Half *__restrict acc, const Half *__restrict x, size_t n) {
  constexpr size_t kBlock = 1024;
  float a[kBlock], b[kBlock];
  auto *accBits = reinterpret_cast<uint16_t *>(acc);
  const auto *xBits = reinterpret_cast<const uint16_t *>(x);
  for (size_t at = 0; at < n; at += kBlock) {
    size_t m = std::min(kBlock, n - at);
    halfsToFloatsF16c(accBits + at, a, m);
    halfsToFloatsF16c(xBits + at, b, m);
    combineLoop<float, Op>(a, b, m);
    floatsToHalfsF16c(a, accBits + at, m);
  }
}
#endif

template <typename T, typename Op>
void combine(T *__restrict acc, const T *__restrict x, size_t n) {
#if defined(__x86_64__) && defined(__GNUC__)
  if constexpr (std::is_same_v<T, Half>)
    if (hasF16c())
      return combineHalfF16c<Op>(acc, x, n);
  if (hasAvx2())
    return combineAvx2<T, Op>(acc, x, n);
#endif
  combineLoop<T, Op>(acc, x, n);
}

template <typename T> struct TypeTag {
  using type = T;
};

/// Calls f(TypeTag<storage type>) for a (validated) dtype code.
template <typename F> void visitDType(int32_t dtype, F &&f) {
  switch (dtype) {
  case COCO_DTYPE_F32:
    return f(TypeTag<float>{});
  case COCO_DTYPE_F64:
    return f(TypeTag<double>{});
  case COCO_DTYPE_F16:
    return f(TypeTag<Half>{});
  case COCO_DTYPE_BF16:
    return f(TypeTag<BFloat16>{});
  case COCO_DTYPE_I32:
    return f(TypeTag<int32_t>{});
  case COCO_DTYPE_I64:
    return f(TypeTag<int64_t>{});
  case COCO_DTYPE_I8:
    return f(TypeTag<int8_t>{});
  case COCO_DTYPE_I1: // copied only (checkReduction)
    return f(TypeTag<uint8_t>{});
  }
}

/// Calls f(op functor) for a (validated) reduction code; AVG is a SUM.
template <typename F> void visitReduction(int32_t reduction, F &&f) {
  switch (reduction) {
  case COCO_RED_SUM:
  case COCO_RED_AVG:
    return f(SumOp{});
  case COCO_RED_PROD:
    return f(ProdOp{});
  case COCO_RED_MIN:
    return f(MinOp{});
  case COCO_RED_MAX:
    return f(MaxOp{});
  }
}

//===----------------------------------------------------------------------===//
// MPI ops
//===----------------------------------------------------------------------===//

/// MPI_User_function computing inout = in <Op> inout on 16-bit floats.
template <typename T, typename Op>
void halfUserOp(void *in, void *inout, int *len, MPI_Datatype *) {
  combine<T, Op>(static_cast<T *>(inout), static_cast<const T *>(in),
                 size_t(*len));
}

constexpr int kNumReductionOps = 4; // SUM, PROD, MIN, MAX (AVG uses SUM)
MPI_Op halfOps[kNumReductionOps] = {MPI_OP_NULL, MPI_OP_NULL, MPI_OP_NULL,
                                    MPI_OP_NULL};
MPI_Op bfloat16Ops[kNumReductionOps] = {MPI_OP_NULL, MPI_OP_NULL, MPI_OP_NULL,
                                        MPI_OP_NULL};

template <typename T> void createOps(MPI_Op (&ops)[kNumReductionOps]) {
  MPI_User_function *functions[kNumReductionOps] = {
      halfUserOp<T, SumOp>, halfUserOp<T, ProdOp>, halfUserOp<T, MinOp>,
      halfUserOp<T, MaxOp>};
  for (int i = 0; i < kNumReductionOps; ++i)
    checkMpi(MPI_Op_create(functions[i], /*commute=*/1, &ops[i]),
             "MPI_Op_create");
}

void freeOps(MPI_Op (&ops)[kNumReductionOps]) {
  for (MPI_Op &op : ops)
    if (op != MPI_OP_NULL)
      checkMpi(MPI_Op_free(&op), "MPI_Op_free");
}

/// The MPI datatype of an element's storage type.
template <typename T> MPI_Datatype mpiStorageType() {
  if constexpr (std::is_same_v<T, float>)
    return MPI_FLOAT;
  else if constexpr (std::is_same_v<T, double>)
    return MPI_DOUBLE;
  else if constexpr (std::is_same_v<T, uint16_t>)
    return MPI_UINT16_T;
  else if constexpr (std::is_same_v<T, int32_t>)
    return MPI_INT32_T;
  else if constexpr (std::is_same_v<T, int64_t>)
    return MPI_INT64_T;
  else if constexpr (std::is_same_v<T, uint8_t>)
    return MPI_UINT8_T;
  else
    return MPI_INT8_T;
}

} // namespace

const DTypeInfo &dtypeInfo(int32_t dtype, const char *site) {
  // Indexed by CocoDType. 16-bit floats travel as 2-byte integers (no MPI
  // type); the user-defined ops compute on them in float.
  static const DTypeInfo infos[] = {
#define COCO_ELEMENT_TYPE(KIND, NAME, CODE, BYTES, STORAGE)                    \
  {NAME, BYTES, mpiStorageType<STORAGE>()},
#include "coco/Runtime/CocoElementTypes.def"
  };
  if (dtype < 0 || dtype >= int32_t(sizeof infos / sizeof infos[0]))
    fatalf(site, "invalid dtype code %d", int(dtype));
  return infos[dtype];
}

const char *dtypeName(int32_t dtype) { return dtypeInfo(dtype, nullptr).name; }

void checkReduction(int32_t dtype, int32_t reduction, const char *site) {
  if (reduction < COCO_RED_SUM || reduction > COCO_RED_AVG)
    fatalf(site, "invalid reduction code %d", int(reduction));
  if (dtype == COCO_DTYPE_I1)
    fatalf(site, "i1 values cannot be reduced across ranks");
}

const char *reductionName(int32_t reduction) {
  static const char *const names[] = {"sum", "prod", "min", "max", "avg"};
  return names[reduction];
}

MPI_Op mpiReductionOp(int32_t dtype, int32_t reduction) {
  int index = reduction == COCO_RED_AVG ? COCO_RED_SUM : reduction;
  if (dtype == COCO_DTYPE_F16)
    return halfOps[index];
  if (dtype == COCO_DTYPE_BF16)
    return bfloat16Ops[index];
  static const MPI_Op builtin[kNumReductionOps] = {MPI_SUM, MPI_PROD, MPI_MIN,
                                                   MPI_MAX};
  return builtin[index];
}

void combineInto(int32_t dtype, int32_t reduction, void *acc, const void *x,
                 size_t n) {
  visitDType(dtype, [&](auto tag) {
    using T = typename decltype(tag)::type;
    visitReduction(reduction, [&](auto op) {
      combine<T, decltype(op)>(static_cast<T *>(acc), static_cast<const T *>(x),
                               n);
    });
  });
}

void divideInPlace(int32_t dtype, void *data, size_t n, int64_t divisor) {
  visitDType(dtype, [&](auto tag) {
    using T = typename decltype(tag)::type;
    using C = typename Arith<T>::Compute;
    // Integers divide in int64 so that a divisor beyond the type's range
    // (e.g. 200 ranks with i8) still truncates correctly.
    using D = std::conditional_t<std::is_integral_v<C>, int64_t, C>;
    T *values = static_cast<T *>(data);
    D by = D(divisor);
    for (size_t i = 0; i < n; ++i)
      values[i] = Arith<T>::store(C(D(Arith<T>::load(values[i])) / by));
  });
}

void halfToFloat(int32_t dtype, const void *src, float *dst, size_t n) {
  visitDType(dtype, [&](auto tag) {
    using T = typename decltype(tag)::type;
#if defined(__x86_64__) && defined(__GNUC__)
    if constexpr (std::is_same_v<T, Half>)
      if (hasF16c())
        return halfsToFloatsF16c(static_cast<const uint16_t *>(src), dst, n);
#endif
    if constexpr (std::is_same_v<T, Half> || std::is_same_v<T, BFloat16>) {
      const T *in = static_cast<const T *>(src);
      for (size_t i = 0; i < n; ++i)
        dst[i] = Arith<T>::load(in[i]);
    }
  });
}

void floatToHalf(int32_t dtype, const float *src, void *dst, size_t n) {
  visitDType(dtype, [&](auto tag) {
    using T = typename decltype(tag)::type;
#if defined(__x86_64__) && defined(__GNUC__)
    if constexpr (std::is_same_v<T, Half>)
      if (hasF16c())
        return floatsToHalfsF16c(src, static_cast<uint16_t *>(dst), n);
#endif
    if constexpr (std::is_same_v<T, Half> || std::is_same_v<T, BFloat16>) {
      T *out = static_cast<T *>(dst);
      for (size_t i = 0; i < n; ++i)
        out[i] = Arith<T>::store(src[i]);
    }
  });
}

void createHalfOps() {
  createOps<Half>(halfOps);
  createOps<BFloat16>(bfloat16Ops);
}

void freeHalfOps() {
  freeOps(halfOps);
  freeOps(bfloat16Ops);
}

} // namespace coco::rt
