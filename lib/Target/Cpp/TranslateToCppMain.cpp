//===- TranslateToCppMain.cpp - coco module -> C++ host main --------------===//
//
// The generated program calls `_mlir_ciface_<entry>`, the C interface that
// coco-localize requests for public functions (see EntrySignature.h), with
// inputs read from files or generated, and writes or prints the outputs.
//
//===----------------------------------------------------------------------===//

#include "coco/Target/Cpp/TranslateToCppMain.h"
#include "coco/Dialect/Coco/IR/CocoOps.h"
#include "coco/Support/CSymbols.h"
#include "coco/Target/Cpp/EntrySignature.h"
#include "coco/Target/Cpp/TranslateToCppLibrary.h"

#include "llvm/Support/Format.h"
#include "llvm/Support/FormatVariadic.h"

using namespace mlir;
using namespace mlir::coco;

namespace {

/// `TensorInfo{...}` of coco/Runtime/CocoHost.h.
std::string tensorInfo(const TensorSignature &tensor) {
  return llvm::formatv(
      "TensorInfo{{{0}, ElementKind::{1}, {{{2}}, {{{3}}, {{{4}}, "
      "{{{5}}, InitKind::{6}}",
      cppString(tensor.name), tensor.kind, joinInts(tensor.shape),
      joinInts(tensor.placements), joinInts(tensor.sliceOrder),
      joinInts(tensor.gridShape), tensor.init);
}

class MainEmitter {
public:
  MainEmitter(ArrayRef<EntrySignature> entries, uint64_t programDigest,
              raw_ostream &os)
      : entries(entries), programDigest(programDigest), os(os) {}

  void emit();

private:
  /// main's code building the arguments of entry `index` and registering
  /// its call with the session.
  void emitSetup(const EntrySignature &entry, unsigned index);

  ArrayRef<EntrySignature> entries;
  uint64_t programDigest;
  raw_ostream &os;
};

void MainEmitter::emitSetup(const EntrySignature &entry, unsigned index) {
  StringRef entryName = entry.name;
  std::string p = "e" + std::to_string(index) + "_";
  // With several entries, outputs are named "<entry>.<name>".
  std::string prefix = entries.size() > 1 ? (entryName + ".").str() : "";
  os << "  // @" << entryName << "\n";
  SmallVector<std::string> callArgs;
  for (auto [i, arg] : llvm::enumerate(entry.args)) {
    std::string var = p + "a" + std::to_string(i);
    if (arg.tensor) {
      os << "  LocalTensor &" << var << " = session.input("
         << tensorInfo(*arg.tensor) << ");\n"
         << "  auto " << p << "d" << i << " = " << var << ".descriptor<"
         << arg.tensor->cppElement << ", " << arg.tensor->shape.size()
         << ">();\n";
      callArgs.push_back("&" + p + "d" + std::to_string(i));
    } else if (arg.scalarKind[0] == 'I') {
      // Integers exactly, in range of their type (not through a double).
      std::string defaultValue =
          arg.defaultInt ? cppInt64(*arg.defaultInt) : std::string("0");
      os << "  " << arg.scalarCppType << " " << p << "s" << i
         << " = static_cast<" << arg.scalarCppType << ">(session.integerScalar("
         << cppString(arg.name) << ", " << (arg.defaultInt ? "true" : "false")
         << ", " << defaultValue << ", " << (arg.scalarKind == "I32" ? 32 : 64)
         << "));\n";
      callArgs.push_back(p + "s" + std::to_string(i));
    } else {
      std::string defaultValue =
          arg.defaultValue ? cppDouble(*arg.defaultValue) : "0";
      os << "  " << arg.scalarCppType << " " << p << "s" << i
         << " = static_cast<" << arg.scalarCppType << ">(session.scalar("
         << cppString(arg.name) << ", " << (arg.defaultValue ? "true" : "false")
         << ", " << defaultValue << ", " << (arg.scalarKind == "F32" ? 32 : 64)
         << "));\n";
      callArgs.push_back(p + "s" + std::to_string(i));
    }
  }
  for (auto [i, result] : llvm::enumerate(entry.results))
    os << "  LocalTensor &" << p << "r" << i << " = session.result("
       << tensorInfo(result) << ");\n";
  std::string returned = p + "returned";
  if (!entry.results.empty()) {
    os << "  EntryResults" << index << " " << returned << ";\n";
    callArgs.insert(callArgs.begin(), "&" + returned);
  }

  // The call, repeated by the session; results are kept from the last run.
  os << "  session.addEntry(" << cppString(entryName) << ", [&](bool last) {\n"
     << "    " << kCInterfacePrefix << entryName << "(";
  llvm::interleaveComma(callArgs, os);
  os << ");\n";
  SmallVector<std::string> allocated;
  for (unsigned i = 0; i < entry.results.size(); ++i) {
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
  // Updated parameters, in the order of their updates.
  func::FuncOp func = entry.func;
  func.walk([&](UpdateOp update) {
    os << "    session.output(" << p << "a"
       << cast<BlockArgument>(update.getParam()).getArgNumber() << ", "
       << cppString(prefix) << ");\n";
  });
  for (unsigned i = 0; i < entry.results.size(); ++i)
    os << "    session.output(" << p << "r" << i << ", " << cppString(prefix)
       << ");\n";
  os << "  });\n";
}

void MainEmitter::emit() {
  os << "// Generated by coco-translate --coco-to-cpp-main: runs";
  for (const EntrySignature &entry : entries)
    os << " @" << entry.name;
  os << " on MPI ranks.\n"
     << "#include \"coco/Runtime/CocoHost.h\"\n"
     << "#include <cstdlib>\n\n"
     << "using namespace coco::host;\n\n";
  for (auto [i, entry] : llvm::enumerate(entries))
    emitEntryDeclaration(entry, "EntryResults" + std::to_string(i), os);
  os << "int main(int argc, char **argv) {\n"
     << "  Session session(argc, argv);\n"
     << "  // What the ranks agree they run (with the scalars) before any "
        "run.\n"
     << "  session.setProgramDigest(" << llvm::format_hex(programDigest, 18)
     << "ULL);\n";
  for (auto [i, entry] : llvm::enumerate(entries))
    emitSetup(entry, i);
  os << "  // Every entry runs --warmup + --iters times, interleaved; then\n"
     << "  // its outputs are written or printed.\n"
     << "  session.runAll();\n"
     << "  return session.finish();\n}\n";
}

} // namespace

LogicalResult mlir::coco::translateToCppMain(ModuleOp module, StringRef entry,
                                             raw_ostream &os) {
  FailureOr<std::vector<EntrySignature>> entries =
      describeEntries(module, entry, /*all=*/false);
  if (failed(entries))
    return failure();
  MainEmitter(*entries, programDigest(module), os).emit();
  return success();
}

void mlir::coco::registerToCppMainTranslation() {
  registerEntryTranslation(
      "coco-to-cpp-main",
      "Emit a C++ host program that runs a coco entry function on MPI ranks",
      "coco-entry",
      "Entry function(s) for --coco-to-cpp-main, comma separated; several "
      "run interleaved (benchmarks)",
      translateToCppMain);
}
