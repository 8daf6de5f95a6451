//===- CompilerBuiltins.cpp - conversions LLVM calls and libgcc may lack --===//
//
// Compiled coco code converts f32 to bf16 (a mixed-precision step's bf16
// copy of the weights, its bf16 gradients). Where the CPU has no such
// instruction (x86 without AVX512-BF16: most AMD and older Intel parts),
// llc emits a call to __truncsfbf2, which libgcc has only from GCC 13 and
// compiler-rt only where it is linked; with g++ 12 (Debian 12) such a
// program does not link. The runtime, which every coco program links,
// provides it, weak so that a toolchain's own copy wins.
//
// The ABI (x86-64 and AArch64 alike): the float argument in the first FP
// register, the bf16 result in the low 16 bits of the same register. A
// float whose bit pattern holds the bf16 in its low half is returned there
// unchanged (returning moves bits, it does no arithmetic).
//
//===----------------------------------------------------------------------===//

#include "HalfFloat.h"

extern "C" __attribute__((weak, visibility("default"))) float
__truncsfbf2(float value) {
  return coco::rt::bitsToFloat(coco::rt::floatToBf16(value));
}
