//===- coco-opt.cpp - the coco optimizer driver ---------------------------===//

#include "coco/InitAll.h"

#include "mlir/IR/DialectRegistry.h"
#include "mlir/Tools/mlir-opt/MlirOptMain.h"

#include "llvm/Support/CommandLine.h"

/// The printer verifies the whole module before printing it, unless told
/// that it was verified (--mlir-print-assume-verified). When the input was
/// verified on parsing and after every pass that changed it (coco-opt's
/// default), that last verification repeats the pass manager's; on a
/// lowered optimizer step of 10,000 ops it costs as much as any pass. So
/// it is skipped then, unless the user set the flag either way.
static void assumeVerifiedWhenAlreadyVerified() {
  mlir::MlirOptMainConfig config =
      mlir::MlirOptMainConfig::createFromCLOptions();
  if (!config.shouldVerifyPasses() || !config.shouldVerifyOnParsing())
    return;
  auto &options = llvm::cl::getRegisteredOptions();
  auto found = options.find("mlir-print-assume-verified");
  if (found == options.end() || found->second->getNumOccurrences() > 0)
    return;
  if (auto *flag = static_cast<llvm::cl::opt<bool> *>(found->second))
    flag->setValue(true);
}

int main(int argc, char **argv) {
  mlir::DialectRegistry registry;
  mlir::coco::registerCocoAndUpstreamDialects(registry);
  mlir::coco::registerAllCocoPasses();
  auto [inputFilename, outputFilename] = mlir::registerAndParseCLIOptions(
      argc, argv, "coco optimizer driver\n", registry);
  assumeVerifiedWhenAlreadyVerified();
  return mlir::asMainReturnCode(
      mlir::MlirOptMain(argc, argv, inputFilename, outputFilename, registry));
}
