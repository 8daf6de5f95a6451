//===- Passes.td - coco transformation passes --------------*- tablegen -*-===//

#ifndef COCO_DIALECT_COCO_TRANSFORMS_PASSES_TD
#define COCO_DIALECT_COCO_TRANSFORMS_PASSES_TD

include "mlir/Pass/PassBase.td"

def CocoLocalizePass : Pass<"coco-localize", "ModuleOp"> {
  let summary = "Rewrites the global view into per-rank tensors";
  let description = [{
    Converts every `!coco.dtensor` into the builtin tensor of its per-rank
    shape (a `sliced<d>` dimension is divided by the axis size, dynamic when
    the grid extent is `?`), compute ops into linalg/arith/math/tensor ops,
    and collectives into destination-style `coco.comm.*` ops naming their
    grid axis. `coco.slice` becomes an `tensor.extract_slice` at this rank's
    offset; `coco.update` becomes a write into the argument's buffer when the
    function returns. Public functions get `llvm.emit_c_interface`.
  }];
  let dependentDialects = [
    "::mlir::arith::ArithDialect", "::mlir::bufferization::BufferizationDialect",
    "::mlir::linalg::LinalgDialect", "::mlir::math::MathDialect",
    "::mlir::scf::SCFDialect", "::mlir::tensor::TensorDialect"
  ];
}

#endif // COCO_DIALECT_COCO_TRANSFORMS_PASSES_TD
