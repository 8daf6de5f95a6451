//===- EntrySignature.cpp - what a host needs to call an entry ------------===//

#include "coco/Target/Cpp/EntrySignature.h"
#include "coco/Dialect/Coco/IR/CocoOps.h"
#include "coco/InitAll.h"
#include "coco/Support/CSymbols.h"
#include "coco/Support/ElementTypes.h"

#include "mlir/Tools/mlir-translate/Translation.h"
#include "llvm/ADT/StringMap.h"
#include "llvm/Support/CommandLine.h"

#include "llvm/Support/Format.h"
#include "llvm/Support/FormatVariadic.h"

#include <cmath>
#include <cstdint>
#include <cstdio>

using namespace mlir;
using namespace mlir::coco;

namespace {

/// An error about `entry`'s signature, at its location and naming it (the
/// function is not printed after it: it may be a whole model's step).
InFlightDiagnostic entryError(func::FuncOp entry) {
  InFlightDiagnostic diagnostic = mlir::emitError(entry.getLoc());
  diagnostic << "entry @" << entry.getSymName() << ": ";
  return diagnostic;
}

/// A coco.name names files (NAME.bin, NAME.rankR.bin under --in and --out)
/// and, for a scalar, a --set NAME=VALUE key: it must stay in its
/// directory ("../x" once wrote outside --out) and, for a scalar, be
/// settable ("a=b" could never be set).
LogicalResult checkName(func::FuncOp entry, StringRef name, StringRef what,
                        bool scalar) {
  if (name.empty() || name == "." || name == ".." ||
      name.find_first_of(StringRef("/\0", 2)) != StringRef::npos)
    return entryError(entry)
           << "coco.name of " << what << " ('" << name
           << "') must name a file in --in/--out: not empty, '.' or '..', and "
              "without '/'";
  if (scalar && name.contains('='))
    return entryError(entry) << "coco.name of " << what << " ('" << name
                             << "') is a scalar's --set key: no '='";
  return success();
}

struct ElementSpelling {
  const char *cppType;
  const char *kind;
};

std::optional<ElementSpelling> spellElement(Type type) {
  std::optional<RuntimeElementType> element = runtimeElementType(type);
  if (!element)
    return std::nullopt;
  return ElementSpelling{element->cppType, element->kind};
}

/// Scalars passed by value (index crosses the C interface as int64_t).
std::optional<ElementSpelling> spellScalar(Type type) {
  if (type.isF32())
    return ElementSpelling{"float", "F32"};
  if (type.isF64())
    return ElementSpelling{"double", "F64"};
  if (type.isInteger(32))
    return ElementSpelling{"int32_t", "I32"};
  if (type.isInteger(64) || type.isIndex())
    return ElementSpelling{"int64_t", "I64"};
  return std::nullopt;
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
/// rank's block must be exactly the static local type, or dynamic where the
/// type leaves an extent to the distribution: an error otherwise.
FailureOr<DTensorType> recordedDistribution(func::FuncOp entry, Attribute attr,
                                            Type local, StringRef what) {
  if (!attr)
    return DTensorType();
  auto typeAttr = dyn_cast<TypeAttr>(attr);
  auto dtensor =
      typeAttr ? dyn_cast<DTensorType>(typeAttr.getValue()) : DTensorType();
  auto tensor = dyn_cast<RankedTensorType>(local);
  if (!dtensor || !tensor || dtensor.getRank() != tensor.getRank() ||
      dtensor.getElementType() != tensor.getElementType())
    return entryError(entry) << "coco.distribution of " << what << " must be "
                             << "a !coco.dtensor of the same rank and element "
                                "type as its "
                             << local;
  auto grid =
      SymbolTable::lookupNearestSymbolFrom<GridOp>(entry, dtensor.getGrid());
  if (!grid)
    return entryError(entry) << "coco.distribution of " << what
                             << " refers to unknown grid " << dtensor.getGrid();
  for (int64_t dim = 0; dim < dtensor.getRank(); ++dim) {
    // A dynamic extent: each rank's block is the distribution's (upstream's
    // shard-partition types blocks at sharded_dims_offsets dynamically, and
    // coco-shard-placements accepts only offsets that are coco's blocks).
    // The host passes that block and checks a result's sizes against it.
    bool dynamicBlock = tensor.isDynamicDim(dim);
    int64_t shards = 1;
    for (int64_t axis : dtensor.getSliceLevels(dim)) {
      if (axis >= grid.getRank())
        return entryError(entry)
               << "coco.distribution of " << what << " slices dimension " << dim
               << " over grid axis " << axis << ", which " << dtensor.getGrid()
               << " does not have";
      if (dynamicBlock)
        continue;
      int64_t extent = grid.getShape()[axis];
      if (ShapedType::isDynamic(extent))
        return entryError(entry)
               << "coco.distribution of " << what << " slices dimension " << dim
               << " over grid axis " << axis
               << ", whose extent is not static: the block of its static "
                  "type "
               << local << " cannot be checked";
      shards *= extent;
    }
    if (dynamicBlock)
      continue;
    int64_t global = dtensor.getShape()[dim];
    if (global % shards != 0 || global / shards != tensor.getDimSize(dim))
      return entryError(entry)
             << "coco.distribution of " << what << " is " << dtensor
             << ", whose blocks of dimension " << dim << " are not the "
             << tensor.getDimSize(dim) << " elements of its type " << local;
  }
  return dtensor;
}

/// The host's description of a distributed argument or result of `entry`
/// (its recorded distribution if it has one, else its type).
FailureOr<TensorSignature> describeTensor(func::FuncOp entry,
                                          SymbolTableCollection &symbols,
                                          Type type, Attribute distribution,
                                          StringRef name, StringRef what) {
  FailureOr<DTensorType> recorded =
      recordedDistribution(entry, distribution, type, what);
  if (failed(recorded))
    return failure();
  DTensorType dtensor = *recorded ? *recorded : asDistributed(type);
  if (!dtensor)
    return entryError(entry) << what << " of type " << type
                             << " cannot be passed from a host program";
  auto element = spellElement(dtensor.getElementType());
  if (!element)
    return entryError(entry)
           << what << " has element type " << dtensor.getElementType()
           << ", which has no host representation";
  TensorSignature tensor;
  tensor.name = name.str();
  tensor.type = dtensor;
  tensor.cppElement = element->cppType;
  tensor.kind = element->kind;
  tensor.shape.assign(dtensor.getShape().begin(), dtensor.getShape().end());
  tensor.gridShape = {-1};
  if (dtensor.getGrid().getValue() != kRankLocalGrid) {
    auto grid =
        symbols.lookupNearestSymbolFrom<GridOp>(entry, dtensor.getGrid());
    if (!grid)
      return entryError(entry) << "unknown grid " << dtensor.getGrid();
    tensor.gridShape.clear();
    for (int64_t extent : grid.getShape())
      tensor.gridShape.push_back(ShapedType::isDynamic(extent) ? -1 : extent);
  }
  if (dtensor.getNumPlacedAxes() > (int64_t)tensor.gridShape.size())
    return entryError(entry) << dtensor << " places the tensor on more axes "
                             << "than " << dtensor.getGrid() << " has";
  for (Placement placement : dtensor.getPlacementList(tensor.gridShape.size()))
    tensor.placements.push_back(placement.getCode());
  for (int64_t dim = 0; dim < dtensor.getRank(); ++dim)
    llvm::append_range(tensor.sliceOrder, dtensor.getSliceLevels(dim));
  tensor.init = "Uniform";
  return tensor;
}

} // namespace

std::string mlir::coco::joinInts(ArrayRef<int64_t> values) {
  std::string text;
  for (auto [i, v] : llvm::enumerate(values))
    text += (i ? ", " : "") + std::to_string(v);
  return text;
}

std::string mlir::coco::cppString(StringRef text) {
  std::string literal = "\"";
  for (unsigned char c : text) {
    if (c == '"' || c == '\\') {
      literal += '\\';
      literal += char(c);
    } else if (c < 0x20 || c >= 0x7f) {
      // Three octal digits: an escape that cannot run into what follows.
      char escape[5];
      std::snprintf(escape, sizeof(escape), "\\%03o", unsigned(c));
      literal += escape;
    } else {
      literal += char(c);
    }
  }
  return literal + "\"";
}

std::string mlir::coco::cppDouble(double value) {
  if (std::isnan(value))
    return "__builtin_nan(\"\")";
  if (std::isinf(value))
    return value > 0 ? "__builtin_inf()" : "-__builtin_inf()";
  if (value == 0 && std::signbit(value))
    return "-0.0";
  return llvm::formatv("{0}", llvm::format("%.17g", value)).str();
}

std::string mlir::coco::cppInt64(int64_t value) {
  if (value == INT64_MIN)
    return "(-9223372036854775807LL - 1)";
  return std::to_string(value) + "LL";
}

std::string TensorSignature::descriptorType() const {
  return llvm::formatv("MemRef<{0}, {1}>", cppElement, shape.size());
}

FailureOr<SmallVector<func::FuncOp>>
mlir::coco::selectEntries(ModuleOp module, StringRef wanted, bool all) {
  // Entries of plain tensors (a module imported from shard, or one with no
  // coco op) are described as coco types: the dialect must be loaded.
  module.getContext()->getOrLoadDialect<CocoDialect>();
  // "a, b" and "@a" name @a and @b, as a user writes them.
  SmallVector<StringRef> pieces, names;
  wanted.split(pieces, ',', /*MaxSplit=*/-1, /*KeepEmpty=*/false);
  for (StringRef piece : pieces) {
    StringRef name = piece.trim();
    name.consume_front("@");
    if (!name.empty())
      names.push_back(name);
  }
  // ("@" or " , " named nothing, and the only public function ran.)
  if (names.empty() && !wanted.trim().empty())
    return mlir::emitError(module.getLoc())
           << "the entry list '" << wanted << "' names no function";
  SmallVector<func::FuncOp> entries;
  for (auto candidate : module.getOps<func::FuncOp>()) {
    if (candidate.isExternal() || !candidate.isPublic())
      continue;
    if (!names.empty() && !llvm::is_contained(names, candidate.getSymName()))
      continue;
    if (names.empty() && !all && !entries.empty())
      return mlir::emitError(candidate.getLoc())
             << "several public functions could be the entry (@"
             << entries.front().getSymName() << ", @" << candidate.getSymName()
             << "): choose with --coco-entry=NAME[,NAME...] (coco-compile: "
                "--entry=NAME)";
    entries.push_back(candidate);
  }
  for (StringRef name : names) {
    if (llvm::any_of(entries,
                     [&](func::FuncOp f) { return f.getSymName() == name; }))
      continue;
    auto named = module.lookupSymbol<func::FuncOp>(name);
    InFlightDiagnostic error = mlir::emitError(module.getLoc())
                               << "no public function @" << name;
    if (named && named.isExternal())
      error << ": @" << name << " is only declared here";
    else if (named)
      error << ": @" << name << " is private (an entry must be public)";
    return error;
  }
  if (entries.empty())
    return mlir::emitError(module.getLoc()) << "no public function to run";
  return entries;
}

FailureOr<EntrySignature>
mlir::coco::describeEntry(func::FuncOp entry, SymbolTableCollection &symbols) {
  // The entry becomes C symbols (_mlir_ciface_<name>).
  StringRef symbol = entry.getSymName();
  if (!isCIdentifier(symbol))
    return mlir::emitError(entry.getLoc())
           << "entry @" << symbol
           << " cannot be called from C: its name must be "
              "a C identifier (letters, digits, '_')";
  EntrySignature signature;
  signature.func = entry;
  signature.name = entry.getSymName().str();
  FunctionType type = entry.getFunctionType();
  for (auto [i, argType] : llvm::enumerate(type.getInputs())) {
    ArgSignature arg;
    auto nameAttr = entry.getArgAttrOfType<StringAttr>(i, "coco.name");
    arg.name = nameAttr ? nameAttr.getValue().str() : "arg" + std::to_string(i);
    std::string what = "argument " + std::to_string(i);
    if (failed(checkName(entry, arg.name, what, /*scalar=*/false)))
      return failure();
    Attribute distribution = entry.getArgAttr(i, "coco.distribution");
    if (distribution || asDistributed(argType)) {
      FailureOr<TensorSignature> tensor =
          describeTensor(entry, symbols, argType, distribution, arg.name, what);
      if (failed(tensor))
        return failure();
      if (auto init = entry.getArgAttrOfType<StringAttr>(i, "coco.init")) {
        if (!llvm::is_contained({"Uniform", "Positive", "Zeros", "Ones"},
                                init.getValue()))
          return entryError(entry)
                 << "coco.init of argument " << i << " must be one of "
                 << "\"Uniform\", \"Positive\", \"Zeros\", \"Ones\"";
        tensor->init = init.getValue().str();
      }
      arg.tensor = std::move(*tensor);
    } else if (auto scalar = spellScalar(argType)) {
      if (failed(checkName(entry, arg.name, what, /*scalar=*/true)))
        return failure();
      arg.scalarCppType = scalar->cppType;
      arg.scalarKind = scalar->kind;
      Attribute value = entry.getArgAttr(i, "coco.value");
      bool integer = arg.scalarKind[0] == 'I';
      if (auto floatValue = dyn_cast_or_null<FloatAttr>(value)) {
        double x = floatValue.getValueAsDouble();
        arg.defaultValue = x;
        if (integer) {
          if (x != std::floor(x) ||
              !(x >= -9223372036854775808.0 && x < 9223372036854775808.0))
            return entryError(entry) << "coco.value of argument " << i << " ("
                                     << argType << ") is not an integer: " << x;
          arg.defaultInt = int64_t(x);
        }
      } else if (auto intValue = dyn_cast_or_null<IntegerAttr>(value)) {
        // The attribute's own type says how to read its bits: `true` is an
        // i1 1 (not -1), a ui64 is unsigned, an i128 may not fit.
        const APInt &bits = intValue.getValue();
        Type valueType = intValue.getType();
        bool isUnsigned =
            valueType.isUnsignedInteger() || bits.getBitWidth() == 1;
        if (isUnsigned ? bits.getActiveBits() > 63
                       : bits.getSignificantBits() > 64)
          return entryError(entry) << "coco.value of argument " << i
                                   << " does not fit in i64: " << value;
        int64_t x =
            isUnsigned ? int64_t(bits.getZExtValue()) : bits.getSExtValue();
        arg.defaultValue = double(x);
        arg.defaultInt = x;
      } else if (value) {
        return entryError(entry) << "coco.value of argument " << i
                                 << " must be a number, got " << value;
      }
      if (arg.defaultInt && arg.scalarKind == "I32" &&
          (*arg.defaultInt < INT32_MIN || *arg.defaultInt > INT32_MAX))
        return entryError(entry) << "coco.value of argument " << i
                                 << " does not fit in i32: " << *arg.defaultInt;
    } else {
      // A 16-bit float scalar (an lr in bf16, say) has no C ABI slot: the
      // host passes f32 and the program converts where it needs to.
      InFlightDiagnostic diag = entryError(entry)
                                << what << " of type " << argType
                                << " cannot be passed from a host program";
      if (isa<FloatType>(argType))
        diag << ": scalar arguments are f32, f64, i32, i64 or index (take "
                "an f32 and convert it in the program)";
      return diag;
    }
    signature.args.push_back(std::move(arg));
  }
  entry.walk([&](UpdateOp update) {
    signature.args[cast<BlockArgument>(update.getParam()).getArgNumber()]
        .updated = true;
  });
  for (auto [i, resultType] : llvm::enumerate(type.getResults())) {
    auto nameAttr = entry.getResultAttrOfType<StringAttr>(i, "coco.name");
    std::string name =
        nameAttr ? nameAttr.getValue().str() : "result" + std::to_string(i);
    if (failed(checkName(entry, name, "result " + std::to_string(i),
                         /*scalar=*/false)))
      return failure();
    FailureOr<TensorSignature> tensor = describeTensor(
        entry, symbols, resultType, entry.getResultAttr(i, "coco.distribution"),
        name, "result " + std::to_string(i));
    if (failed(tensor))
      return failure();
    tensor->init = "Zeros";
    signature.results.push_back(std::move(*tensor));
  }
  // Each name is a file in --in/--out and a key of a call: two arguments or
  // results of one name could never both be passed (a call took one for
  // both, or refused the other as given twice), and shared one file.
  llvm::StringMap<std::string> named;
  auto claim = [&](StringRef name, std::string what) -> LogicalResult {
    auto [it, inserted] = named.try_emplace(name, what);
    if (inserted)
      return success();
    return entryError(entry)
           << "coco.name '" << name << "' names both " << it->second << " and "
           << what
           << ": each argument and result needs a name of its own (its file "
              "in --in/--out, its key in a call)";
  };
  for (auto [i, arg] : llvm::enumerate(signature.args))
    if (failed(claim(arg.name, "argument " + std::to_string(i))))
      return failure();
  for (auto [i, result] : llvm::enumerate(signature.results))
    if (failed(claim(result.name, "result " + std::to_string(i))))
      return failure();
  return signature;
}

FailureOr<std::vector<EntrySignature>>
mlir::coco::describeEntries(ModuleOp module, StringRef wanted, bool all) {
  FailureOr<SmallVector<func::FuncOp>> funcs =
      selectEntries(module, wanted, all);
  if (failed(funcs))
    return failure();
  SymbolTableCollection symbols;
  std::vector<EntrySignature> entries;
  for (func::FuncOp func : *funcs) {
    FailureOr<EntrySignature> signature = describeEntry(func, symbols);
    if (failed(signature))
      return failure();
    entries.push_back(std::move(*signature));
  }
  return entries;
}

void mlir::coco::emitEntryDeclaration(const EntrySignature &signature,
                                      StringRef resultsStruct,
                                      raw_ostream &os) {
  SmallVector<std::string> params;
  if (!signature.results.empty()) {
    os << "struct " << resultsStruct << " {\n";
    for (auto [i, result] : llvm::enumerate(signature.results))
      os << "  " << result.descriptorType() << " r" << i << ";\n";
    os << "};\n";
    // One result is passed as a pointer to its descriptor, several as a
    // pointer to the struct of descriptors: the same address either way.
    params.push_back(resultsStruct.str() + " *");
  }
  for (const ArgSignature &arg : signature.args)
    params.push_back(arg.tensor ? arg.tensor->descriptorType() + " *"
                                : arg.scalarCppType);
  os << "extern \"C\" void " << kCInterfacePrefix << signature.name << "(";
  llvm::interleaveComma(params, os);
  os << ");\n\n";
}

void mlir::coco::registerEntryTranslation(StringRef name, StringRef description,
                                          StringRef entryOption,
                                          StringRef entryHelp,
                                          EntryTranslation translate) {
  // Options live as long as the tool (registered once, at start-up).
  auto *entries = new llvm::cl::opt<std::string>(
      entryOption, llvm::cl::desc(entryHelp), llvm::cl::init(""));
  TranslateFromMLIRRegistration registration(
      name, description,
      [entries, translate](Operation *op, raw_ostream &os) -> LogicalResult {
        auto module = dyn_cast<ModuleOp>(op);
        if (!module)
          return op->emitError() << "expected a builtin.module";
        return translate(module, entries->getValue(), os);
      },
      [](DialectRegistry &registry) {
        registerCocoAndUpstreamDialects(registry);
      });
}
