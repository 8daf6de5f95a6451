//===- CocoToLLVM.h - coco.comm -> runtime calls -----------------*- C++ -*-===//

#ifndef COCO_CONVERSION_COCOTOLLVM_COCOTOLLVM_H
#define COCO_CONVERSION_COCOTOLLVM_COCOTOLLVM_H

namespace mlir {
class LLVMTypeConverter;
class RewritePatternSet;
class SymbolTableCollection;
namespace coco {
/// Patterns lowering bufferized `coco.comm.*`, `coco.axis_rank` and
/// `coco.axis_size` to `llvm.call`s into the coco runtime.
void populateCocoToLLVMConversionPatterns(LLVMTypeConverter &converter,
                                          RewritePatternSet &patterns,
                                          SymbolTableCollection &symbols);

/// For the GPU runtime: `linalg.matmul` on memrefs to `coco_gpu_matmul`.
void populateMatmulToGPURuntimePatterns(LLVMTypeConverter &converter,
                                        RewritePatternSet &patterns,
                                        SymbolTableCollection &symbols);
} // namespace coco
} // namespace mlir

#endif // COCO_CONVERSION_COCOTOLLVM_COCOTOLLVM_H
