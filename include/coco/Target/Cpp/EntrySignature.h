//===- EntrySignature.h - what a host needs to call an entry ----*- C++ -*-===//
//
// The entry functions of a global-view coco module as a host program sees
// them through their C interface (`_mlir_ciface_<entry>`): each argument is
// a distributed tensor (passed as a pointer to the ranked memref descriptor
// of this rank's block) or a scalar (passed by value), and results come back
// through a pointer to their descriptor(s) in front of the arguments. Both
// C++ emitters (the generated main, --coco-to-cpp-main, and the in-process
// library, --coco-to-cpp-library) read entries through this one description.
//
//===----------------------------------------------------------------------===//

#ifndef COCO_TARGET_CPP_ENTRYSIGNATURE_H
#define COCO_TARGET_CPP_ENTRYSIGNATURE_H

#include "coco/Dialect/Coco/IR/CocoTypes.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/IR/BuiltinOps.h"
#include "mlir/Support/LLVM.h"

#include <functional>
#include <string>
#include <vector>

namespace mlir::coco {

/// A distributed tensor argument or result, as the host lays it out.
struct TensorSignature {
  std::string name;
  DTensorType type;
  /// C++ element type of the buffer ("float", "uint16_t" for f16/bf16...)
  /// and the element kind's name ("F32", "BF16", ...).
  std::string cppElement, kind;
  SmallVector<int64_t> shape;
  /// One per grid axis: -1 replicated, -2 local, d >= 0 sliced dimension d.
  SmallVector<int64_t> placements;
  /// Every slicing axis, by dimension, outer to inner.
  SmallVector<int64_t> sliceOrder;
  /// The grid's extents, -1 for '?'.
  SmallVector<int64_t> gridShape;
  /// coco.init of an argument ("Uniform" when absent).
  std::string init;

  /// `MemRef<float, 2>`: the descriptor type of coco/Runtime/CocoHost.h.
  std::string descriptorType() const;
};

struct ArgSignature {
  std::string name;
  /// Set for a tensor argument; a scalar otherwise.
  std::optional<TensorSignature> tensor;
  /// Scalars: the C++ type passed by value ("float", "int64_t", ...), the
  /// runtime's dtype name of it ("F32", ...), and the coco.value default.
  std::string scalarCppType, scalarKind;
  std::optional<double> defaultValue;
  /// The default exactly, for an integer coco.value.
  std::optional<int64_t> defaultInt;
  /// Written in place by a coco.update of the entry.
  bool updated = false;
};

struct EntrySignature {
  func::FuncOp func;
  std::string name; ///< the function's symbol name
  std::vector<ArgSignature> args;
  std::vector<TensorSignature> results;
};

/// The public, defined functions of `module` named in `wanted` (comma
/// separated; empty: every one when `all`, else the only one). Errors name
/// the candidates.
FailureOr<SmallVector<func::FuncOp>> selectEntries(ModuleOp module,
                                                   StringRef wanted, bool all);

/// The host's view of `entry`; an error at the entry when an argument or
/// result cannot cross the C interface.
FailureOr<EntrySignature> describeEntry(func::FuncOp entry,
                                        SymbolTableCollection &symbols);

/// selectEntries, then describeEntry for each.
FailureOr<std::vector<EntrySignature>>
describeEntries(ModuleOp module, StringRef wanted, bool all);

/// Translates a module's entries to text (C++ or JSON).
using EntryTranslation =
    std::function<LogicalResult(ModuleOp, StringRef entries, raw_ostream &)>;

/// Registers translation `--<name>` of a module's entries, with option
/// `--<entryOption>=NAMES` (comma separated) choosing them, described by
/// `entryHelp`.
void registerEntryTranslation(StringRef name, StringRef description,
                              StringRef entryOption, StringRef entryHelp,
                              EntryTranslation translate);

/// Writes `struct <resultsStruct> {...};` (if the entry has results) and the
/// extern "C" prototype of `_mlir_ciface_<entry>`.
void emitEntryDeclaration(const EntrySignature &signature,
                          StringRef resultsStruct, raw_ostream &os);

/// "1, 2, 3".
std::string joinInts(ArrayRef<int64_t> values);

/// A C++ string literal of `text` (quotes, backslashes and unprintable
/// bytes escaped): names come from the user's coco.name attributes.
std::string cppString(StringRef text);

/// A C++ expression of `value`, exact (%.17g), infinities and NaN
/// included.
std::string cppDouble(double value);

/// A C++ expression of `value` as an int64_t (INT64_MIN has no literal).
std::string cppInt64(int64_t value);

} // namespace mlir::coco

#endif // COCO_TARGET_CPP_ENTRYSIGNATURE_H
