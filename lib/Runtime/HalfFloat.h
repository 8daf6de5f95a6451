//===- HalfFloat.h - f16 and bf16 <-> float, round to nearest even
//---------===//
//
// The one implementation of the 16-bit float conversions, header-only so that
// the runtime (a shared library exporting only its C ABI) and the host
// programs' support library (CocoHost) both use it.
//
//===----------------------------------------------------------------------===//

#ifndef COCO_LIB_RUNTIME_HALFFLOAT_H
#define COCO_LIB_RUNTIME_HALFFLOAT_H

#include <cmath>
#include <cstdint>
#include <cstring>

namespace coco::rt {

inline uint32_t floatBits(float f) {
  uint32_t u;
  std::memcpy(&u, &f, sizeof u);
  return u;
}

inline float bitsToFloat(uint32_t u) {
  float f;
  std::memcpy(&f, &u, sizeof f);
  return f;
}

inline float f16ToFloat(uint16_t bits) {
  uint32_t sign = uint32_t(bits & 0x8000u) << 16;
  uint32_t exponent = (bits >> 10) & 0x1fu;
  uint32_t mantissa = bits & 0x3ffu;
  if (exponent == 0x1f) // inf / NaN
    return bitsToFloat(sign | 0x7f800000u | (mantissa << 13));
  if (exponent != 0) // normal: rebias 15 -> 127
    return bitsToFloat(sign | ((exponent + 112) << 23) | (mantissa << 13));
  // Zero or subnormal: mantissa * 2^-24, exact in float.
  float magnitude = float(mantissa) * 0x1p-24f;
  return sign ? -magnitude : magnitude;
}

/// Round to nearest, ties to even.
inline uint16_t floatToF16(float f) {
  uint32_t x = floatBits(f);
  uint16_t sign = uint16_t((x >> 16) & 0x8000u);
  uint32_t magnitude = x & 0x7fffffffu;
  if (magnitude >= 0x7f800000u) { // inf / NaN (kept quiet)
    bool isNan = magnitude > 0x7f800000u;
    return uint16_t(sign | 0x7c00u | (isNan ? 0x200u : 0u));
  }
  if (magnitude >= 0x477ff000u) // >= 65520 rounds to inf
    return uint16_t(sign | 0x7c00u);
  if (magnitude < 0x38800000u) { // below 2^-14: subnormal or zero
    // In units of 2^-24 the value is < 1024; nearbyint rounds ties to even
    // and 1024 correctly becomes the smallest normal.
    float units = bitsToFloat(magnitude) * 0x1p24f;
    return uint16_t(sign | uint16_t(std::nearbyint(units)));
  }
  uint32_t half =
      ((magnitude >> 23) - 112) << 10 | ((magnitude >> 13) & 0x3ffu);
  uint32_t rest = magnitude & 0x1fffu;
  if (rest > 0x1000u || (rest == 0x1000u && (half & 1u)))
    ++half; // a carry into the exponent is the correct rounding
  return uint16_t(sign | half);
}

inline float bf16ToFloat(uint16_t bits) {
  return bitsToFloat(uint32_t(bits) << 16);
}

/// Round to nearest, ties to even.
inline uint16_t floatToBf16(float f) {
  uint32_t x = floatBits(f);
  if ((x & 0x7fffffffu) > 0x7f800000u) // NaN: truncate, keep it quiet
    return uint16_t((x >> 16) | 0x40u);
  x += 0x7fffu + ((x >> 16) & 1u);
  return uint16_t(x >> 16);
}

} // namespace coco::rt

#endif // COCO_LIB_RUNTIME_HALFFLOAT_H
