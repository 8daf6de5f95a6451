//===- TranslateToSignatureJson.h - entries as a JSON manifest --*- C++ -*-===//
//
// The host's view of a coco module's entries (EntrySignature.h) as JSON, for
// tools outside C++: the Python front end reads it to cut inputs into
// per-rank blocks and to assemble outputs, instead of parsing the printed
// signature. The format is documented in docs/Overview.md ("Signature
// manifest") and versioned by its "version" field.
//
//===----------------------------------------------------------------------===//

#ifndef COCO_TARGET_JSON_TRANSLATETOSIGNATUREJSON_H
#define COCO_TARGET_JSON_TRANSLATETOSIGNATUREJSON_H

#include "mlir/Support/LLVM.h"

namespace mlir {
class ModuleOp;
namespace coco {

/// The manifest's format version; a reader refuses any other.
inline constexpr int64_t kSignatureManifestVersion = 1;

/// Writes the JSON manifest of `module`'s entries. `entry`: comma-separated
/// names, empty = every public function.
LogicalResult translateToSignatureJson(ModuleOp module, StringRef entry,
                                       raw_ostream &os);

/// Registers `--coco-to-signature-json` (with `--coco-signature-entry=NAMES`).
void registerToSignatureJsonTranslation();

} // namespace coco
} // namespace mlir

#endif // COCO_TARGET_JSON_TRANSLATETOSIGNATUREJSON_H
