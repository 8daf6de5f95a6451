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

// What coco-split and transform.coco.split make of an all_reduce. The
// transform op spells the cases as keywords (`into rs_ag`); the pass option,
// like every pass option, with hyphens (`into=rs-ag`).
def Coco_SplitForm : I32EnumAttr<"SplitForm",
    "the two collectives an all_reduce is split into", [
      I32EnumAttrCase<"ReduceScatterAllGather", 0, "rs_ag">,
      I32EnumAttrCase<"ReduceBroadcast", 1, "reduce_bcast">
    ]> {
  let cppNamespace = "::mlir::coco";
}

#endif // COCO_DIALECT_COCO_IR_COCOATTRS_TD
