//===- ElementTypes.h - MLIR element types as the runtime's -----*- C++ -*-===//
//
// The compiler's side of coco/Runtime/CocoElementTypes.def: which MLIR
// element type is which runtime element type. The lowering passes its code
// to the runtime; the translators spell its kind and C storage type in the
// host programs and libraries they write.
//
//===----------------------------------------------------------------------===//

#ifndef COCO_SUPPORT_ELEMENTTYPES_H
#define COCO_SUPPORT_ELEMENTTYPES_H

#include "mlir/IR/Types.h"

#include <cstdint>
#include <optional>
#include <string>

namespace mlir::coco {

struct RuntimeElementType {
  int32_t code;        // CocoDType / ElementKind value
  const char *kind;    // "F32": COCO_DTYPE_F32, ElementKind::F32
  const char *name;    // "f32"
  const char *cppType; // the C storage type of one element
  unsigned bytes;
};

/// The runtime's element type of `type`, or none (e.g. index, f8, complex).
inline std::optional<RuntimeElementType> runtimeElementType(Type type) {
  const char *kind = type.isF32()         ? "F32"
                     : type.isF64()       ? "F64"
                     : type.isF16()       ? "F16"
                     : type.isBF16()      ? "BF16"
                     : type.isInteger(32) ? "I32"
                     : type.isInteger(64) ? "I64"
                     : type.isInteger(8)  ? "I8"
                     : type.isInteger(1)  ? "I1"
                                          : nullptr;
  if (!kind)
    return std::nullopt;
  static const RuntimeElementType table[] = {
#define COCO_ELEMENT_TYPE(KIND, NAME, CODE, BYTES, STORAGE)                    \
  {CODE, #KIND, NAME, #STORAGE, BYTES},
#include "coco/Runtime/CocoElementTypes.def"
  };
  for (const RuntimeElementType &entry : table)
    if (std::string_view(entry.kind) == kind)
      return entry;
  return std::nullopt;
}

/// "f32, f64, f16, bf16, i32, i64, i8, i1": the element types the runtime
/// carries, for messages.
inline std::string runtimeElementTypeNames() {
  std::string names;
#define COCO_ELEMENT_TYPE(KIND, NAME, CODE, BYTES, STORAGE)                    \
  names += std::string(names.empty() ? "" : ", ") + NAME;
#include "coco/Runtime/CocoElementTypes.def"
  return names;
}

} // namespace mlir::coco

#endif // COCO_SUPPORT_ELEMENTTYPES_H
