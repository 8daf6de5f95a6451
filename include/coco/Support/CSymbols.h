//===- CSymbols.h - compiled functions as C symbols --------------*- C++
//-*-===//
//
// A public coco function is called from C through the interface MLIR's
// convert-func-to-llvm makes for it (llvm.emit_c_interface),
// `_mlir_ciface_<name>`: host programs (coco-translate), in-process
// libraries and the Python front end call entries by that name, and
// coco-isolate-symbols renames every function whose name could be a
// library's symbol. Both ask the same questions here.
//
//===----------------------------------------------------------------------===//

#ifndef COCO_SUPPORT_CSYMBOLS_H
#define COCO_SUPPORT_CSYMBOLS_H

#include "llvm/ADT/STLExtras.h"
#include "llvm/ADT/StringExtras.h"
#include "llvm/ADT/StringRef.h"

namespace mlir::coco {

/// MLIR's prefix of a function's C interface.
inline constexpr llvm::StringLiteral kCInterfacePrefix = "_mlir_ciface_";

/// Whether `name` is a C identifier (letters, digits, '_', not starting with
/// a digit): a name C code can call, and a library's symbol may have.
inline bool isCIdentifier(llvm::StringRef name) {
  return !name.empty() && !llvm::isDigit(name.front()) &&
         llvm::all_of(name,
                      [](char c) { return llvm::isAlnum(c) || c == '_'; });
}

} // namespace mlir::coco

#endif // COCO_SUPPORT_CSYMBOLS_H
