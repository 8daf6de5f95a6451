//===- CompilerBuiltins.cpp - conversions LLVM calls and libgcc may lack --===//
//
// Compiled coco code converts f32 to bf16 (a mixed-precision step's bf16
// copy of the weights, its bf16 gradients). Where the CPU has no such
// instruction (x86 without AVX512-BF16: most AMD and older Intel parts),
// llc emits a call to __truncsfbf2, which libgcc has only from GCC 13 and
// compiler-rt only where it is linked; with g++ 12 (Debian 12) such a
// program does not link. It also converts f64 to bf16 (a bf16 reduction's
// f64 sum, coco.norm of bf16 data), for which no x86 CPU has an
// instruction: __truncdfbf2, absent from libgcc 12 too. The runtime, which
// every coco program links, provides both, weak so that a toolchain's own
// copy wins. (f16's __truncsfhf2 and __truncdfhf2 are in libgcc 12.)
//
// The ABI (x86-64 and AArch64 alike): the float argument in the first FP
// register, the bf16 result in the low 16 bits of the same register. A
// float whose bit pattern holds the bf16 in its low half is returned there
// unchanged (returning moves bits, it does no arithmetic).
//
//===----------------------------------------------------------------------===//

#include "HalfFloat.h"

#include <cfloat>
#include <cmath>
#include <cstring>

extern "C" __attribute__((weak, visibility("default"))) float
__truncsfbf2(float value) {
  return coco::rt::bitsToFloat(coco::rt::floatToBf16(value));
}

/// f64 to bf16, rounded to nearest-even once: rounding to f32 first and
/// then to bf16 could round twice (a value just above a halfway point
/// between two bf16 numbers rounds down to it in f32, then to even).
/// Instead the f32 step rounds to odd (toward zero, then the last bit set
/// where it was inexact), which keeps the information the second rounding
/// needs as long as f32 has two more bits than bf16 (it has 16).
extern "C" __attribute__((weak, visibility("default"))) float
__truncdfbf2(double value) {
  // (Past f32's range the conversion is undefined in C++: clamp to the
  // largest float, inexact, which rounds to infinity in bf16 as it should.)
  float nearest =
      std::isfinite(value) && std::fabs(value) > FLT_MAX
          ? std::copysign(FLT_MAX, static_cast<float>(value < 0 ? -1 : 1))
          : static_cast<float>(value);
  if (std::isfinite(value) && static_cast<double>(nearest) != value) {
    uint32_t bits = coco::rt::floatBits(nearest);
    // Rounded away from zero (to the next float up in magnitude): one
    // step back toward zero.
    if (std::fabs(static_cast<double>(nearest)) > std::fabs(value))
      bits -= 1;
    nearest = coco::rt::bitsToFloat(bits | 1u);
  }
  return coco::rt::bitsToFloat(coco::rt::floatToBf16(nearest));
}
