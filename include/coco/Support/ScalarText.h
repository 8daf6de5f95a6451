//===- ScalarText.h - a real scalar as ranks compare it ----------*- C++
//-*-===//
//
// Scalars are replicated in coco's global view, so ranks agree on them before
// a run (lib/Runtime/Library.cpp for in-process calls, lib/Runtime/CocoHost.cpp
// for host programs) and name the one that differs. Both compare and print
// this text: enough digits to round-trip the type, "nan" for every NaN (their
// payloads compute alike), and -0 apart from 0 (1/x tells them apart).
// Header-only and free of MLIR, like Blocks.h.
//
//===----------------------------------------------------------------------===//

#ifndef COCO_SUPPORT_SCALARTEXT_H
#define COCO_SUPPORT_SCALARTEXT_H

#include <cmath>
#include <cstdio>
#include <string>

namespace coco_support {

/// `value` as an f32 (bits = 32) or f64 entry argument gets it.
inline std::string realScalarText(double value, int bits) {
  if (std::isnan(value))
    return "nan";
  char text[64];
  if (bits == 32)
    std::snprintf(text, sizeof text, "%.9g", double(float(value)));
  else
    std::snprintf(text, sizeof text, "%.17g", value);
  return text;
}

} // namespace coco_support

#endif // COCO_SUPPORT_SCALARTEXT_H
