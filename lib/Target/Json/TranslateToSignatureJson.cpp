//===- TranslateToSignatureJson.cpp - entries as a JSON manifest ----------===//
//
// One object per entry, from the same EntrySignature the C++ host emitters
// use, so the manifest cannot disagree with the host program or library:
//
//   {"version": 1, "entries": [{
//     "name": "adam",
//     "args": [{"name": "w", "kind": "tensor", "updated": true,
//               "type": "!coco.dtensor<...>", "element": "f32",
//               "shape": [4096], "grid": "dp", "grid_shape": [-1],
//               "placements": [{"kind": "sliced", "dim": 0}],
//               "init": "Uniform"},
//              {"name": "lr", "kind": "scalar", "element": "f32",
//               "default": 0.001}],
//     "results": [{"name": "loss", ...tensor fields...}]}]}
//
// A scalar's "default" is its coco.value (an integer exactly; "inf",
// "-inf" or "nan" as strings, which JSON cannot spell) or null.
// grid_shape: -1 for an extent fixed at run time ('?'). A placement is
// {"kind": "replicated" | "local"} or {"kind": "sliced", "dim": d} with
// "within": a when several axes slice d in another order than the grid's
// (axis a's blocks are split by this axis), as coco's type syntax spells it.
//
//===----------------------------------------------------------------------===//

#include "coco/Target/Json/TranslateToSignatureJson.h"
#include "coco/Target/Cpp/EntrySignature.h"

#include "llvm/Support/JSON.h"

#include <cmath>

using namespace mlir;
using namespace mlir::coco;

namespace {

std::string spell(Type type) {
  std::string text;
  llvm::raw_string_ostream os(text);
  os << type;
  return text;
}

void writeInts(llvm::json::OStream &json, llvm::StringRef key,
               ArrayRef<int64_t> values) {
  json.attributeArray(key, [&] {
    for (int64_t v : values)
      json.value(v);
  });
}

/// For every grid axis slicing a dimension: the axis whose blocks it splits,
/// when the levels of that dimension are not in grid-axis order (the order
/// coco's types spell with `within`).
llvm::DenseMap<int64_t, int64_t> withinOf(DTensorType type) {
  llvm::DenseMap<int64_t, int64_t> within;
  for (int64_t dim = 0; dim < type.getRank(); ++dim) {
    SmallVector<int64_t> levels = type.getSliceLevels(dim);
    if (llvm::is_sorted(levels))
      continue;
    for (size_t i = 1; i < levels.size(); ++i)
      within[levels[i]] = levels[i - 1];
  }
  return within;
}

void writeTensorFields(llvm::json::OStream &json,
                       const TensorSignature &tensor) {
  json.attribute("type", spell(tensor.type));
  json.attribute("element", spell(tensor.type.getElementType()));
  writeInts(json, "shape", tensor.shape);
  json.attribute("grid", tensor.type.getGrid().getValue());
  writeInts(json, "grid_shape", tensor.gridShape);
  llvm::DenseMap<int64_t, int64_t> within = withinOf(tensor.type);
  json.attributeArray("placements", [&] {
    for (auto [axis, code] : llvm::enumerate(tensor.placements)) {
      Placement placement = Placement::fromCode(code);
      json.object([&] {
        if (placement.isReplicated()) {
          json.attribute("kind", "replicated");
        } else if (placement.isLocal()) {
          json.attribute("kind", "local");
        } else {
          json.attribute("kind", "sliced");
          json.attribute("dim", placement.getDim());
          auto it = within.find(axis);
          if (it != within.end())
            json.attribute("within", it->second);
        }
      });
    }
  });
  json.attribute("init", tensor.init);
}

void writeEntry(llvm::json::OStream &json, const EntrySignature &entry) {
  FunctionType type = func::FuncOp(entry.func).getFunctionType();
  json.object([&] {
    json.attribute("name", entry.name);
    json.attributeArray("args", [&] {
      for (auto [i, arg] : llvm::enumerate(entry.args)) {
        json.object([&] {
          json.attribute("name", arg.name);
          json.attribute("kind", arg.tensor ? "tensor" : "scalar");
          json.attribute("updated", arg.updated);
          if (arg.tensor) {
            writeTensorFields(json, *arg.tensor);
            return;
          }
          json.attribute("element", spell(type.getInput(i)));
          if (arg.defaultInt)
            json.attribute("default", *arg.defaultInt);
          else if (arg.defaultValue && std::isfinite(*arg.defaultValue))
            json.attribute("default", *arg.defaultValue);
          else if (arg.defaultValue)
            // JSON has no infinities or NaN: "inf", "-inf", "nan", which
            // Python's float() reads.
            json.attribute("default", std::isnan(*arg.defaultValue) ? "nan"
                                      : *arg.defaultValue > 0       ? "inf"
                                                                    : "-inf");
          else
            json.attribute("default", nullptr);
        });
      }
    });
    json.attributeArray("results", [&] {
      for (const TensorSignature &result : entry.results)
        json.object([&] {
          json.attribute("name", result.name);
          json.attribute("kind", "tensor");
          writeTensorFields(json, result);
        });
    });
  });
}

} // namespace

LogicalResult mlir::coco::translateToSignatureJson(ModuleOp module,
                                                   StringRef entry,
                                                   raw_ostream &os) {
  FailureOr<std::vector<EntrySignature>> entries =
      describeEntries(module, entry, /*all=*/true);
  if (failed(entries))
    return failure();
  // JSON strings are UTF-8; a name that is not would come back changed,
  // and no longer name the host's files.
  for (const EntrySignature &signature : *entries) {
    auto check = [&](StringRef name) -> LogicalResult {
      if (llvm::json::isUTF8(name))
        return success();
      return mlir::emitError(signature.func->getLoc())
             << "the name of an argument or result is not valid UTF-8: the "
                "manifest cannot spell it";
    };
    for (const ArgSignature &arg : signature.args)
      if (failed(check(arg.name)))
        return failure();
    for (const TensorSignature &result : signature.results)
      if (failed(check(result.name)))
        return failure();
  }
  llvm::json::OStream json(os, /*IndentSize=*/2);
  json.object([&] {
    json.attribute("version", kSignatureManifestVersion);
    json.attributeArray("entries", [&] {
      for (const EntrySignature &signature : *entries)
        writeEntry(json, signature);
    });
  });
  os << "\n";
  return success();
}

void mlir::coco::registerToSignatureJsonTranslation() {
  registerEntryTranslation(
      "coco-to-signature-json",
      "Emit a JSON manifest of the entries' arguments and results as a host "
      "passes them (names, types, placements, defaults, updates)",
      "coco-signature-entry",
      "Entry function(s) for --coco-to-signature-json, comma separated "
      "(default: every public function)",
      translateToSignatureJson);
}
