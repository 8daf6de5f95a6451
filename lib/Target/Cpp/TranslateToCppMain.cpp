//===- TranslateToCppMain.cpp - coco module -> C++ host main --------------===//
//
// The generated program calls `_mlir_ciface_<entry>`, the C interface that
// coco-localize requests for public functions: distributed tensors are
// passed as pointers to ranked memref descriptors of the per-rank buffer,
// scalars by value, and results through a pointer to their descriptor(s)
// in front of the arguments.
//
//===----------------------------------------------------------------------===//

#include "coco/Target/Cpp/TranslateToCppMain.h"
#include "coco/Dialect/Coco/IR/CocoOps.h"
#include "coco/InitAll.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/IR/BuiltinOps.h"
#include "mlir/Tools/mlir-translate/Translation.h"
#include "llvm/Support/CommandLine.h"
#include "llvm/Support/Format.h"
#include "llvm/Support/FormatVariadic.h"

using namespace mlir;
using namespace mlir::coco;

namespace {

struct ElementSpelling {
  const char *cppType;
  const char *kind;
};

std::optional<ElementSpelling> spellElement(Type type) {
  if (type.isF32())
    return ElementSpelling{"float", "F32"};
  if (type.isF64())
    return ElementSpelling{"double", "F64"};
  if (type.isF16())
    return ElementSpelling{"uint16_t", "F16"};
  if (type.isBF16())
    return ElementSpelling{"uint16_t", "BF16"};
  if (type.isInteger(32))
    return ElementSpelling{"int32_t", "I32"};
  if (type.isInteger(64))
    return ElementSpelling{"int64_t", "I64"};
  if (type.isInteger(8) || type.isInteger(1))
    return ElementSpelling{"int8_t", "I8"};
  return std::nullopt;
}

/// C++ spelling of a scalar argument passed by value.
std::optional<StringRef> spellScalar(Type type) {
  if (type.isF32())
    return StringRef("float");
  if (type.isF64())
    return StringRef("double");
  if (type.isInteger(32))
    return StringRef("int32_t");
  if (type.isInteger(64) || type.isIndex())
    return StringRef("int64_t");
  return std::nullopt;
}

std::string joinInts(ArrayRef<int64_t> values) {
  std::string text;
  for (auto [i, v] : llvm::enumerate(values))
    text += (i ? ", " : "") + std::to_string(v);
  return text;
}

/// Builtin tensors in an entry's signature (e.g. a program imported from
/// upstream shard) are per-rank values: treated as local on the world.
constexpr StringLiteral kRankLocalGrid = "__rank_local__";

DTensorType asDistributed(Type type) {
  if (auto dtensor = dyn_cast<DTensorType>(type))
    return dtensor;
  auto tensor = dyn_cast<RankedTensorType>(type);
  if (!tensor || !tensor.hasStaticShape())
    return {};
  return DTensorType::getCanonical(
      type.getContext(), tensor.getShape(), tensor.getElementType(),
      FlatSymbolRefAttr::get(type.getContext(), kRankLocalGrid),
      {Placement::local()});
}

/// The distribution of a rank-local tensor an entry's argument or result
/// carries as `coco.distribution` (recorded from an upstream sharding by
/// coco-shard-placements), when its block is `local`; null when there is
/// none. The host cuts and allocates blocks by the distribution, so every
/// rank's block must be exactly the static local type: an error otherwise.
FailureOr<DTensorType> recordedDistribution(func::FuncOp entry,
                                            Attribute attr, Type local,
                                            StringRef what) {
  if (!attr)
    return DTensorType();
  auto typeAttr = dyn_cast<TypeAttr>(attr);
  auto dtensor = typeAttr ? dyn_cast<DTensorType>(typeAttr.getValue())
                          : DTensorType();
  auto tensor = dyn_cast<RankedTensorType>(local);
  if (!dtensor || !tensor || dtensor.getRank() != tensor.getRank() ||
      dtensor.getElementType() != tensor.getElementType())
    return entry.emitError() << "coco.distribution of " << what << " must be "
                             << "a !coco.dtensor of the same rank and element "
                                "type as its "
                             << local;
  auto grid =
      SymbolTable::lookupNearestSymbolFrom<GridOp>(entry, dtensor.getGrid());
  if (!grid)
    return entry.emitError() << "coco.distribution of " << what
                             << " refers to unknown grid "
                             << dtensor.getGrid();
  for (int64_t dim = 0; dim < dtensor.getRank(); ++dim) {
    int64_t shards = 1;
    for (int64_t axis : dtensor.getSliceLevels(dim)) {
      int64_t extent = axis < grid.getRank() ? grid.getShape()[axis]
                                             : ShapedType::kDynamic;
      if (ShapedType::isDynamic(extent))
        return entry.emitError()
               << "coco.distribution of " << what << " slices dimension "
               << dim << " over grid axis " << axis
               << ", whose extent is not static: the block of its static "
                  "type "
               << local << " cannot be checked";
      shards *= extent;
    }
    int64_t global = dtensor.getShape()[dim];
    if (global % shards != 0 || global / shards != tensor.getDimSize(dim))
      return entry.emitError()
             << "coco.distribution of " << what << " is " << dtensor
             << ", whose blocks of dimension " << dim << " are not the "
             << tensor.getDimSize(dim) << " elements of its type " << local;
  }
  return dtensor;
}

class MainEmitter {
public:
  MainEmitter(ArrayRef<func::FuncOp> entries, raw_ostream &os)
      : entries(entries), os(os) {}

  LogicalResult emit();

private:
  /// The extern "C" prototype of entry `index` (and its results struct).
  LogicalResult emitDeclaration(func::FuncOp entry, unsigned index);
  /// main's code building the arguments of entry `index` and registering
  /// its call with the session.
  LogicalResult emitSetup(func::FuncOp entry, unsigned index);
  /// `coco::host::TensorInfo{...}` for a distributed type.
  FailureOr<std::string> tensorInfo(Operation *at, DTensorType type,
                                    StringRef name, StringRef init);
  std::string descriptorType(DTensorType type) {
    return llvm::formatv("MemRef<{0}, {1}>",
                         spellElement(type.getElementType())->cppType,
                         type.getRank());
  }

  ArrayRef<func::FuncOp> entries;
  raw_ostream &os;
  SymbolTableCollection symbols;
};

FailureOr<std::string> MainEmitter::tensorInfo(Operation *at, DTensorType type,
                                               StringRef name, StringRef init) {
  auto element = spellElement(type.getElementType());
  if (!element)
    return at->emitError() << "element type " << type.getElementType()
                           << " has no host representation";
  SmallVector<int64_t> gridShape = {-1};
  if (type.getGrid().getValue() != kRankLocalGrid) {
    auto grid = symbols.lookupNearestSymbolFrom<GridOp>(at, type.getGrid());
    if (!grid)
      return at->emitError() << "unknown grid " << type.getGrid();
    gridShape.clear();
    for (int64_t extent : grid.getShape())
      gridShape.push_back(ShapedType::isDynamic(extent) ? -1 : extent);
  }
  if (type.getNumPlacedAxes() > (int64_t)gridShape.size())
    return at->emitError() << type << " places the tensor on more axes than "
                           << type.getGrid() << " has";
  // Placements of every grid axis, and the slicing axes outer to inner.
  SmallVector<int64_t> placements, sliceOrder;
  for (Placement placement : type.getPlacementList(gridShape.size()))
    placements.push_back(placement.getCode());
  for (int64_t dim = 0; dim < type.getRank(); ++dim)
    llvm::append_range(sliceOrder, type.getSliceLevels(dim));
  std::string initKind = init.empty() ? "Uniform" : init.str();
  return std::string(llvm::formatv(
      "TensorInfo{{\"{0}\", ElementKind::{1}, {{{2}}, {{{3}}, {{{4}}, "
      "{{{5}}, InitKind::{6}}",
      name, element->kind, joinInts(type.getShape()), joinInts(placements),
      joinInts(sliceOrder), joinInts(gridShape), initKind));
}

LogicalResult MainEmitter::emitDeclaration(func::FuncOp entry,
                                           unsigned index) {
  FunctionType type = entry.getFunctionType();
  SmallVector<std::string> params;
  std::string results = "EntryResults" + std::to_string(index);
  if (type.getNumResults() > 0) {
    os << "struct " << results << " {\n";
    for (auto [i, resultType] : llvm::enumerate(type.getResults())) {
      DTensorType result = asDistributed(resultType);
      if (!result || !spellElement(result.getElementType()))
        return entry.emitError() << "results must be distributed tensors";
      os << "  " << descriptorType(result) << " r" << i << ";\n";
    }
    os << "};\n";
    // One result is passed as a pointer to its descriptor, several as a
    // pointer to the struct of descriptors: the same address either way.
    params.push_back(results + " *");
  }
  for (auto [i, argType] : llvm::enumerate(type.getInputs())) {
    if (DTensorType dtensor = asDistributed(argType)) {
      if (!spellElement(dtensor.getElementType()))
        return entry.emitError() << "argument " << i << " has element type "
                                 << dtensor.getElementType()
                                 << ", which has no host representation";
      params.push_back(descriptorType(dtensor) + " *");
    } else if (auto scalar = spellScalar(argType)) {
      params.push_back(scalar->str());
    } else {
      return entry.emitError() << "argument " << i << " of type " << argType
                               << " cannot be passed from a host program";
    }
  }
  os << "extern \"C\" void _mlir_ciface_" << entry.getSymName() << "(";
  llvm::interleaveComma(params, os);
  os << ");\n\n";
  return success();
}

LogicalResult MainEmitter::emitSetup(func::FuncOp entry, unsigned index) {
  FunctionType type = entry.getFunctionType();
  std::string p = "e" + std::to_string(index) + "_";
  // With several entries, outputs are named "<entry>.<name>".
  std::string prefix =
      entries.size() > 1 ? (entry.getSymName() + ".").str() : "";
  os << "  // @" << entry.getSymName() << "\n";
  SmallVector<std::string> callArgs;
  for (auto [i, argType] : llvm::enumerate(type.getInputs())) {
    auto nameAttr = entry.getArgAttrOfType<StringAttr>(i, "coco.name");
    std::string argName =
        nameAttr ? nameAttr.getValue().str() : "arg" + std::to_string(i);
    std::string var = p + "a" + std::to_string(i);
    FailureOr<DTensorType> recorded = recordedDistribution(
        entry, entry.getArgAttr(i, "coco.distribution"), argType,
        "argument " + std::to_string(i));
    if (failed(recorded))
      return failure();
    DTensorType dtensor = *recorded;
    if (!dtensor)
      dtensor = asDistributed(argType);
    if (dtensor) {
      auto initAttr = entry.getArgAttrOfType<StringAttr>(i, "coco.init");
      StringRef init = initAttr ? initAttr.getValue() : "";
      if (!init.empty() && init != "Uniform" && init != "Positive" &&
          init != "Zeros" && init != "Ones")
        return entry.emitError()
               << "coco.init of argument " << i << " must be one of "
               << "\"Uniform\", \"Positive\", \"Zeros\", \"Ones\"";
      FailureOr<std::string> info = tensorInfo(entry, dtensor, argName, init);
      if (failed(info))
        return failure();
      os << "  LocalTensor &" << var << " = session.input(" << *info
         << ");\n"
         << "  auto " << p << "d" << i << " = " << var << ".descriptor<"
         << spellElement(dtensor.getElementType())->cppType << ", "
         << dtensor.getRank() << ">();\n";
      callArgs.push_back("&" + p + "d" + std::to_string(i));
    } else {
      Attribute value = entry.getArgAttr(i, "coco.value");
      std::string defaultValue = "0";
      if (auto floatValue = dyn_cast_or_null<FloatAttr>(value))
        defaultValue = llvm::formatv("{0}", llvm::format("%.17g",
                                     floatValue.getValueAsDouble()));
      else if (auto intValue = dyn_cast_or_null<IntegerAttr>(value))
        defaultValue = std::to_string(intValue.getInt());
      os << "  " << *spellScalar(argType) << " " << p << "s" << i
         << " = static_cast<" << *spellScalar(argType)
         << ">(session.scalar(\"" << argName << "\", "
         << (value ? "true" : "false") << ", " << defaultValue << "));\n";
      callArgs.push_back(p + "s" + std::to_string(i));
    }
  }
  for (auto [i, resultType] : llvm::enumerate(type.getResults())) {
    auto nameAttr = entry.getResultAttrOfType<StringAttr>(i, "coco.name");
    std::string resultName =
        nameAttr ? nameAttr.getValue().str() : "result" + std::to_string(i);
    FailureOr<DTensorType> recorded = recordedDistribution(
        entry, entry.getResultAttr(i, "coco.distribution"), resultType,
        "result " + std::to_string(i));
    if (failed(recorded))
      return failure();
    DTensorType dtensor = *recorded;
    FailureOr<std::string> info = tensorInfo(
        entry, dtensor ? dtensor : asDistributed(resultType), resultName,
        "Zeros");
    if (failed(info))
      return failure();
    os << "  LocalTensor &" << p << "r" << i << " = session.result(" << *info
       << ");\n";
  }
  std::string returned = p + "returned";
  if (type.getNumResults() > 0) {
    os << "  EntryResults" << index << " " << returned << ";\n";
    callArgs.insert(callArgs.begin(), "&" + returned);
  }

  // The call, repeated by the session; results are kept from the last run.
  os << "  session.addEntry(\"" << entry.getSymName() << "\", [&](bool last) {\n"
     << "    _mlir_ciface_" << entry.getSymName() << "(";
  llvm::interleaveComma(callArgs, os);
  os << ");\n";
  SmallVector<std::string> allocated;
  for (unsigned i = 0; i < type.getNumResults(); ++i) {
    std::string field = returned + ".r" + std::to_string(i);
    os << "    if (last) session.takeResult(" << p << "r" << i << ", " << field
       << ");\n";
    allocated.push_back(field + ".allocated");
  }
  // Results may share one buffer (`return %x, %x`): freed once.
  if (!allocated.empty()) {
    os << "    session.freeReturned({";
    llvm::interleaveComma(allocated, os);
    os << "});\n";
  }
  os << "  }, [&] {\n";
  entry.walk([&](UpdateOp update) {
    os << "    session.output(" << p << "a"
       << cast<BlockArgument>(update.getParam()).getArgNumber() << ", \""
       << prefix << "\");\n";
  });
  for (unsigned i = 0; i < type.getNumResults(); ++i)
    os << "    session.output(" << p << "r" << i << ", \"" << prefix
       << "\");\n";
  os << "  });\n";
  return success();
}

LogicalResult MainEmitter::emit() {
  os << "// Generated by coco-translate --coco-to-cpp-main: runs";
  for (func::FuncOp entry : entries)
    os << " @" << entry.getSymName();
  os << " on MPI ranks.\n"
     << "#include \"coco/Runtime/CocoHost.h\"\n"
     << "#include <cstdlib>\n\n"
     << "using namespace coco::host;\n\n";
  for (auto [i, entry] : llvm::enumerate(entries))
    if (failed(emitDeclaration(entry, i)))
      return failure();
  os << "int main(int argc, char **argv) {\n"
     << "  Session session(argc, argv);\n";
  for (auto [i, entry] : llvm::enumerate(entries))
    if (failed(emitSetup(entry, i)))
      return failure();
  os << "  // Every entry runs --warmup + --iters times, interleaved; then\n"
     << "  // its outputs are written or printed.\n"
     << "  session.runAll();\n"
     << "  return session.finish();\n}\n";
  return success();
}

} // namespace

LogicalResult mlir::coco::translateToCppMain(ModuleOp module, StringRef entry,
                                             raw_ostream &os) {
  SmallVector<StringRef> wanted;
  entry.split(wanted, ',', /*MaxSplit=*/-1, /*KeepEmpty=*/false);
  SmallVector<func::FuncOp> entries;
  for (auto candidate : module.getOps<func::FuncOp>()) {
    if (candidate.isExternal() || !candidate.isPublic())
      continue;
    if (!wanted.empty() && !llvm::is_contained(wanted, candidate.getSymName()))
      continue;
    if (wanted.empty() && !entries.empty())
      return candidate.emitError()
             << "several public functions could be the entry (@"
             << entries.front().getSymName() << ", @"
             << candidate.getSymName()
             << "): choose with --coco-entry=NAME[,NAME...]";
    entries.push_back(candidate);
  }
  for (StringRef name : wanted)
    if (llvm::none_of(entries, [&](func::FuncOp f) {
          return f.getSymName() == name;
        }))
      return module.emitError() << "no public function @" << name;
  if (entries.empty())
    return module.emitError() << "no public function to run";
  return MainEmitter(entries, os).emit();
}

void mlir::coco::registerToCppMainTranslation() {
  static llvm::cl::opt<std::string> entryName(
      "coco-entry",
      llvm::cl::desc("Entry function(s) for --coco-to-cpp-main, comma "
                     "separated; several run interleaved (benchmarks)"),
      llvm::cl::init(""));
  TranslateFromMLIRRegistration registration(
      "coco-to-cpp-main",
      "Emit a C++ host program that runs a coco entry function on MPI ranks",
      [](Operation *op, raw_ostream &os) -> LogicalResult {
        auto module = dyn_cast<ModuleOp>(op);
        if (!module)
          return op->emitError() << "expected a builtin.module";
        return translateToCppMain(module, entryName, os);
      },
      [](DialectRegistry &registry) {
        registerCocoAndUpstreamDialects(registry);
      });
}
