//===- TranslateToCppLibrary.cpp - coco module -> in-process library ------===//
//
// The C++ source that `coco-compile --emit=shared` compiles into the shared
// library next to the entries' object code: `coco_library()`, describing
// every public entry (coco/Runtime/CocoLibrary.h), and for each entry a
// caller that passes the caller's descriptors and scalars to
// `_mlir_ciface_<entry>` (EntrySignature.h) and hands its results back.
//
//===----------------------------------------------------------------------===//

#include "coco/Target/Cpp/TranslateToCppLibrary.h"
#include "coco/Support/CSymbols.h"
#include "coco/Support/ExactPrinting.h"
#include "coco/Target/Cpp/EntrySignature.h"

#include "llvm/Support/CommandLine.h"
#include "llvm/Support/Format.h"
#include "llvm/Support/FormatVariadic.h"
#include "llvm/Support/xxhash.h"

#include <cstdint>

using namespace mlir;
using namespace mlir::coco;

namespace {

/// Must match COCO_MAX_RESULT_RANK of CocoLibrary.h.
constexpr int64_t kMaxResultRank = 8;

class LibraryEmitter {
public:
  LibraryEmitter(ArrayRef<EntrySignature> entries, uint64_t programDigest,
                 raw_ostream &os)
      : entries(entries), programDigest(programDigest), os(os) {}

  void emit();

private:
  /// `static const int64_t <name>[] = {...};`, or nullptr when empty.
  std::string array(const std::string &name, ArrayRef<int64_t> values);
  /// The CocoTensorSpec initializer of `tensor` (its arrays emitted first,
  /// prefixed with `prefix`).
  std::string tensorSpec(const TensorSignature &tensor,
                         const std::string &prefix);
  void emitCaller(const EntrySignature &entry, unsigned index);
  void emitDescription(const EntrySignature &entry, unsigned index);

  ArrayRef<EntrySignature> entries;
  uint64_t programDigest;
  raw_ostream &os;
};

std::string LibraryEmitter::array(const std::string &name,
                                  ArrayRef<int64_t> values) {
  if (values.empty())
    return "nullptr";
  os << "const int64_t " << name << "[] = {" << joinInts(values) << "};\n";
  return name;
}

std::string LibraryEmitter::tensorSpec(const TensorSignature &tensor,
                                       const std::string &prefix) {
  std::string shape = array(prefix + "shape", tensor.shape);
  std::string grid = array(prefix + "grid", tensor.gridShape);
  std::string placements = array(prefix + "placements", tensor.placements);
  std::string slices = array(prefix + "slices", tensor.sliceOrder);
  return llvm::formatv("{{{0}, COCO_DTYPE_{1}, {2}, {3}, {4}, {5}, {6}, "
                       "{7}, {8}}",
                       cppString(tensor.name), tensor.kind, tensor.shape.size(),
                       shape, tensor.gridShape.size(), grid, placements,
                       tensor.sliceOrder.size(), slices);
}

void LibraryEmitter::emitCaller(const EntrySignature &entry, unsigned index) {
  std::string results = "EntryResults" + std::to_string(index);
  // Parameters named only when used (no -Wunused-parameter).
  os << "void call" << index << "(void *const *"
     << (entry.args.empty() ? "" : "args") << ", CocoReturned *"
     << (entry.results.empty() ? "" : "results") << ") {\n";
  SmallVector<std::string> callArgs;
  if (!entry.results.empty()) {
    os << "  " << results << " returned;\n";
    callArgs.push_back("&returned");
  }
  for (auto [i, arg] : llvm::enumerate(entry.args))
    callArgs.push_back(
        arg.tensor ? llvm::formatv("static_cast<{0} *>(args[{1}])",
                                   arg.tensor->descriptorType(), i)
                         .str()
                   : llvm::formatv("*static_cast<const {0} *>(args[{1}])",
                                   arg.scalarCppType, i)
                         .str());
  os << "  " << kCInterfacePrefix << entry.name << "(";
  llvm::interleaveComma(callArgs, os);
  os << ");\n";
  for (unsigned i = 0; i < entry.results.size(); ++i)
    os << "  returnTo(results[" << i << "], returned.r" << i << ");\n";
  os << "}\n\n";
}

void LibraryEmitter::emitDescription(const EntrySignature &entry,
                                     unsigned index) {
  std::string p = "e" + std::to_string(index) + "_";
  SmallVector<std::string> args, results;
  for (auto [i, arg] : llvm::enumerate(entry.args)) {
    if (arg.tensor) {
      std::string spec =
          tensorSpec(*arg.tensor, p + "a" + std::to_string(i) + "_");
      args.push_back(llvm::formatv("{{{0}, 1, {1}, {2}, 0, 0, 0.0, 0}",
                                   cppString(arg.name), arg.updated ? 1 : 0,
                                   spec));
    } else {
      args.push_back(llvm::formatv(
          "{{{0}, 0, 0, {{}, COCO_DTYPE_{1}, {2}, {3}, {4}}",
          cppString(arg.name), arg.scalarKind, arg.defaultValue ? 1 : 0,
          cppDouble(arg.defaultValue.value_or(0)),
          arg.defaultInt ? cppInt64(*arg.defaultInt) : std::string("0")));
    }
  }
  for (auto [i, result] : llvm::enumerate(entry.results))
    results.push_back(tensorSpec(result, p + "r" + std::to_string(i) + "_"));
  auto list = [&](const std::string &name, const char *type,
                  ArrayRef<std::string> items) -> std::string {
    if (items.empty())
      return "nullptr";
    os << "const " << type << " " << name << "[] = {\n";
    for (const std::string &item : items)
      os << "    " << item << ",\n";
    os << "};\n";
    return name;
  };
  std::string argList = list(p + "args", "CocoArgSpec", args);
  std::string resultList = list(p + "results", "CocoTensorSpec", results);
  os << llvm::formatv("const CocoEntrySpec {0}entry = {{{1}, {2}, {3}, "
                      "{4}, {5}, call{6}, {7:x16}ULL};\n\n",
                      p, cppString(entry.name), entry.args.size(), argList,
                      entry.results.size(), resultList, index, programDigest);
}

void LibraryEmitter::emit() {
  os << "// Generated by coco-translate --coco-to-cpp-library: the in-process\n"
     << "// interface of";
  for (const EntrySignature &entry : entries)
    os << " @" << entry.name;
  os << " (coco/Runtime/CocoLibrary.h).\n"
     << "#include \"coco/Runtime/CocoHost.h\"\n"
     << "#include \"coco/Runtime/CocoLibrary.h\"\n\n"
     << "using coco::host::MemRef;\n\n";
  for (auto [i, entry] : llvm::enumerate(entries))
    emitEntryDeclaration(entry, "EntryResults" + std::to_string(i), os);
  os << "namespace {\n\n"
     << "template <typename T, int N>\n"
     << "void returnTo(CocoReturned &to, const MemRef<T, N> &from) {\n"
     << "  to.allocated = from.allocated;\n"
     << "  to.aligned = from.aligned;\n"
     << "  to.offset = from.offset;\n"
     << "  to.rank = N;\n"
     << "  if constexpr (N > 0)\n"
     << "    for (int d = 0; d < N; ++d) {\n"
     << "      to.sizes[d] = from.sizes[d];\n"
     << "      to.strides[d] = from.strides[d];\n"
     << "    }\n"
     << "}\n\n";
  for (auto [i, entry] : llvm::enumerate(entries)) {
    emitCaller(entry, i);
    emitDescription(entry, i);
  }
  os << "const CocoEntrySpec entries[] = {";
  for (unsigned i = 0; i < entries.size(); ++i)
    os << (i ? ", " : "") << "e" << i << "_entry";
  os << "};\n"
     << "const CocoLibrarySpec library = {COCO_LIBRARY_ABI_VERSION, "
     << entries.size() << ", entries};\n\n"
     << "} // namespace\n\n"
     << "extern \"C\" __attribute__((visibility(\"default\"))) const "
        "CocoLibrarySpec *\n"
     << "coco_library(void) {\n  return &library;\n}\n";
}

/// --coco-library-lowering (registered once, at start-up).
llvm::cl::opt<std::string> *loweringOption = nullptr;

} // namespace

LogicalResult mlir::coco::translateToCppLibrary(ModuleOp module,
                                                StringRef entry,
                                                raw_ostream &os) {
  FailureOr<std::vector<EntrySignature>> entries =
      describeEntries(module, entry, /*all=*/true);
  if (failed(entries))
    return failure();
  for (const EntrySignature &signature : *entries)
    for (const TensorSignature &result : signature.results)
      if ((int64_t)result.shape.size() > kMaxResultRank)
        return mlir::emitError(signature.func->getLoc())
               << "result '" << result.name << "' has rank "
               << result.shape.size() << ": an in-process library returns "
               << "results of rank at most " << kMaxResultRank;
  LibraryEmitter(*entries, programDigest(module), os).emit();
  return success();
}

uint64_t mlir::coco::programDigest(ModuleOp module) {
  // The program as scheduled, without locations (a rank's copy may come
  // from another path), and how it is lowered (fuse and overlap are
  // pipeline options): what ranks must agree on besides the signature.
  std::string text =
      (loweringOption ? loweringOption->getValue() : std::string()) + "\n";
  llvm::raw_string_ostream printed(text);
  module->print(printed, exactPrintingFlags());
  return llvm::xxh3_64bits(text);
}

void mlir::coco::registerToCppLibraryTranslation() {
  loweringOption = new llvm::cl::opt<std::string>(
      "coco-library-lowering",
      llvm::cl::desc("How the code is lowered (coco-compile passes its "
                     "target and pipeline): part of the program digest "
                     "ranks agree on, in libraries and host programs"),
      llvm::cl::init(""));
  registerEntryTranslation(
      "coco-to-cpp-library",
      "Emit the C++ interface of a shared library that calls coco entry "
      "functions in-process (coco/Runtime/CocoLibrary.h)",
      "coco-library-entry",
      "Entry function(s) for --coco-to-cpp-library, comma separated "
      "(default: every public function)",
      translateToCppLibrary);
}
