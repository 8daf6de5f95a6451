//===- CopiesToLinalg.cpp - memref.copy as linalg.copy
//---------------------===//
//
// On the GPU path every buffer is managed memory, and a memref.copy lowers
// to a memcpy on the host: the pages the kernels just wrote migrate to the
// CPU and back. As linalg.copy, a copy goes the way of the rest of linalg
// (parallel loops, then a kernel). Copies of a buffer yielded out of a
// pipeline stage's branch (bufferization's clones) are the usual ones.
//
//===----------------------------------------------------------------------===//

#include "coco/Transforms/Passes.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/GPU/IR/GPUDialect.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"

namespace mlir::coco {
#define GEN_PASS_DEF_COCOCOPIESTOLINALGPASS
#include "coco/Transforms/Passes.h.inc"
} // namespace mlir::coco

using namespace mlir;

namespace {
struct CocoCopiesToLinalgPass
    : public coco::impl::CocoCopiesToLinalgPassBase<CocoCopiesToLinalgPass> {
  void runOnOperation() override {
    SmallVector<memref::CopyOp> copies;
    getOperation().walk([&](memref::CopyOp copy) {
      // Host code only; ranked buffers (linalg's operands).
      if (!copy->getParentOfType<gpu::LaunchOp>() &&
          isa<MemRefType>(copy.getSource().getType()) &&
          isa<MemRefType>(copy.getTarget().getType()))
        copies.push_back(copy);
    });
    IRRewriter rewriter(&getContext());
    for (memref::CopyOp copy : copies) {
      rewriter.setInsertionPoint(copy);
      rewriter.replaceOpWithNewOp<linalg::CopyOp>(copy, copy.getSource(),
                                                  copy.getTarget());
    }
  }
};
} // namespace
