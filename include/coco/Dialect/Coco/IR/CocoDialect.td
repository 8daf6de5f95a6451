//===- CocoDialect.td - coco dialect definition ------------*- tablegen -*-===//

#ifndef COCO_DIALECT_COCO_IR_COCODIALECT_TD
#define COCO_DIALECT_COCO_IR_COCODIALECT_TD

include "mlir/IR/OpBase.td"

def Coco_Dialect : Dialect {
  let name = "coco";
  let cppNamespace = "::mlir::coco";
  let summary = "Collective-aware distributed tensor programs";
  let description = [{
    The `coco` dialect makes computation and communication first-class in one
    IR. At the *global view*, values are distributed tensors
    (`!coco.dtensor`) whose type carries the global shape, the element type,
    the layout (`replicated`, `local`, `sliced<d>`) and the process-grid axis
    the value is distributed over. Compute ops and collectives infer their
    result layouts with CoCoNet's rules, and their verifiers reject every
    illegal combination.

    After `coco-localize`, programs are at the *rank-local view*: builtin
    tensors of the per-rank shape, compute as linalg/arith/math, and
    communication as destination-style `coco.comm.*` ops that name their
    grid axis explicitly. Those bufferize in place and lower to calls into the
    coco runtime (MPI on the CPU path).
  }];
  let useDefaultTypePrinterParser = 1;
  let useDefaultAttributePrinterParser = 0;
  let dependentDialects = [
    "::mlir::arith::ArithDialect",
    "::mlir::linalg::LinalgDialect",
    "::mlir::math::MathDialect",
    "::mlir::memref::MemRefDialect", // one-rank collectives on buffers fold to copies
    "::mlir::tensor::TensorDialect",
    "::mlir::bufferization::BufferizationDialect"
  ];
  // coco.* attributes are declared: a misspelt name or a value of the
  // wrong kind is an error where it is written (CocoDialect.cpp).
  let hasOperationAttrVerify = 1;
  let hasRegionArgAttrVerify = 1;
  let hasRegionResultAttrVerify = 1;
  let extraClassDeclaration = [{
    void registerTypes();
  }];
}

class Coco_Op<string mnemonic, list<Trait> traits = []>
    : Op<Coco_Dialect, mnemonic, traits>;

#endif // COCO_DIALECT_COCO_IR_COCODIALECT_TD
