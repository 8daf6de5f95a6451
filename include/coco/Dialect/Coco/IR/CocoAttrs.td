//===- CocoAttrs.td - coco enums and attributes ------------*- tablegen -*-===//

#ifndef COCO_DIALECT_COCO_IR_COCOATTRS_TD
#define COCO_DIALECT_COCO_IR_COCOATTRS_TD

include "mlir/IR/EnumAttr.td"
include "coco/Dialect/Coco/IR/CocoDialect.td"

// The numbering is the runtime ABI's (CocoReduction in CocoRuntime.h).
def Coco_ReductionKind : I32EnumAttr<"ReductionKind",
    "how a collective or reduction combines values", [
      I32EnumAttrCase<"sum", 0>,
      I32EnumAttrCase<"prod", 1>,
      I32EnumAttrCase<"min", 2>,
      I32EnumAttrCase<"max", 3>,
      I32EnumAttrCase<"avg", 4>
    ]> {
  let cppNamespace = "::mlir::coco";
}

def Coco_CmpPredicate : I32EnumAttr<"CmpPredicate",
    "elementwise comparison", [
      I32EnumAttrCase<"eq", 0>,
      I32EnumAttrCase<"ne", 1>,
      I32EnumAttrCase<"lt", 2>,
      I32EnumAttrCase<"le", 3>,
      I32EnumAttrCase<"gt", 4>,
      I32EnumAttrCase<"ge", 5>
    ]> {
  let cppNamespace = "::mlir::coco";
}

#endif // COCO_DIALECT_COCO_IR_COCOATTRS_TD
