//===- SCFToCF.cpp - scf to cf, the last structured op first --------------===//
//
// Upstream's convert-scf-to-cf converts in program order. Lowering a loop
// splits its block right after it, so in a long block (an optimizer step
// over hundreds of parameters is one block with a loop per parameter) each
// split moves every op that follows into a new block, and the next
// dominance query recomputes that block's op order: quadratic. Converting
// the outermost structured ops last first, each split moves only the ops
// between this op and the one lowered before it.
//
//===----------------------------------------------------------------------===//

#include "coco/Transforms/Passes.h"

#include "mlir/Conversion/SCFToControlFlow/SCFToControlFlow.h"
#include "mlir/Dialect/ControlFlow/IR/ControlFlow.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Transforms/DialectConversion.h"

namespace mlir::coco {
#define GEN_PASS_DEF_COCOSCFTOCFPASS
#include "coco/Transforms/Passes.h.inc"
} // namespace mlir::coco

using namespace mlir;

namespace {
struct CocoSCFToCFPass
    : public coco::impl::CocoSCFToCFPassBase<CocoSCFToCFPass> {
  void runOnOperation() override {
    MLIRContext *context = &getContext();
    RewritePatternSet patterns(context);
    populateSCFToControlFlowConversionPatterns(patterns);
    // The same target as upstream's pass.
    ConversionTarget target(*context);
    target
        .addIllegalOp<scf::ForallOp, scf::ForOp, scf::IfOp, scf::IndexSwitchOp,
                      scf::ParallelOp, scf::WhileOp, scf::ExecuteRegionOp>();
    target.markUnknownOpDynamicallyLegal([](Operation *) { return true; });

    // The outermost structured ops (their nested ones are converted with
    // them, in their own small blocks), last first.
    SmallVector<Operation *> outermost;
    getOperation()->walk<WalkOrder::PreOrder>([&](Operation *op) {
      if (!isa_and_nonnull<scf::SCFDialect>(op->getDialect()))
        return WalkResult::advance();
      outermost.push_back(op);
      return WalkResult::skip();
    });
    std::reverse(outermost.begin(), outermost.end());

    // Without rollback: its log records every op a split moves.
    ConversionConfig config;
    config.allowPatternRollback = false;
    if (failed(applyPartialConversion(outermost, target, std::move(patterns),
                                      config)))
      signalPassFailure();
  }
};
} // namespace
