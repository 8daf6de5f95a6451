//===- LowerDeallocations.cpp - the deallocation pipeline's end, if needed
//-===//
//
// Upstream's buffer deallocation pipeline ends with passes that simplify
// and lower bufferization.dealloc ops, then clean up; the pipelines then
// turn clones into copies. After coco-free-after-last-use most programs
// have no bufferization op left, and those five passes only walk and
// verify the module. This pass runs them as a nested pipeline when there
// is something to lower, and otherwise changes nothing and says so (all
// analyses preserved, so the pass manager does not verify again).
//
//===----------------------------------------------------------------------===//

#include "coco/Transforms/Passes.h"

#include "mlir/Conversion/BufferizationToMemRef/BufferizationToMemRef.h"
#include "mlir/Dialect/Bufferization/IR/Bufferization.h"
#include "mlir/Dialect/Bufferization/Transforms/Passes.h"
#include "mlir/IR/BuiltinOps.h"
#include "mlir/Pass/PassManager.h"
#include "mlir/Transforms/Passes.h"

namespace mlir::coco {
#define GEN_PASS_DEF_COCOLOWERDEALLOCATIONSPASS
#include "coco/Transforms/Passes.h.inc"
} // namespace mlir::coco

using namespace mlir;

namespace {
struct CocoLowerDeallocationsPass
    : public coco::impl::CocoLowerDeallocationsPassBase<
          CocoLowerDeallocationsPass> {
  CocoLowerDeallocationsPass() : lowering(ModuleOp::getOperationName()) {
    lowering.addPass(
        bufferization::createBufferDeallocationSimplificationPass());
    lowering.addPass(bufferization::createLowerDeallocationsPass());
    lowering.addPass(createCSEPass());
    lowering.addPass(createCanonicalizerPass());
    lowering.addPass(createConvertBufferizationToMemRefPass());
  }
  CocoLowerDeallocationsPass(const CocoLowerDeallocationsPass &other)
      : CocoLowerDeallocationsPassBase(other), lowering(other.lowering) {}

  void getDependentDialects(DialectRegistry &registry) const override {
    lowering.getDependentDialects(registry);
  }

  void runOnOperation() override {
    auto *bufferization =
        getContext().getLoadedDialect<bufferization::BufferizationDialect>();
    bool anyLeft =
        bufferization && getOperation()
                             ->walk([&](Operation *op) {
                               return op->getDialect() == bufferization
                                          ? WalkResult::interrupt()
                                          : WalkResult::advance();
                             })
                             .wasInterrupted();
    if (!anyLeft)
      return markAllAnalysesPreserved();
    if (failed(runPipeline(lowering, getOperation())))
      return signalPassFailure();
    // Verified after each nested pass, and the module's analyses cleared
    // when the nested pipeline ended: no second verification.
    markAllAnalysesPreserved();
  }

  OpPassManager lowering;
};
} // namespace
