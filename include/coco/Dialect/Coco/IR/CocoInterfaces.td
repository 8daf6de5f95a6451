//===- CocoInterfaces.td - coco op interfaces --------------*- tablegen -*-===//

#ifndef COCO_DIALECT_COCO_IR_COCOINTERFACES_TD
#define COCO_DIALECT_COCO_IR_COCOINTERFACES_TD

include "mlir/IR/OpBase.td"

def Coco_CollectiveOpInterface : OpInterface<"CollectiveOpInterface"> {
  let cppNamespace = "::mlir::coco";
  let description = [{
    An op that communicates between the ranks of a group of grid axes
    (global view), or the rank-local `coco.comm.*` form of one. Schedules,
    the lowering and the cost model use it to find communication without
    listing op names.
  }];
  let methods = [
    InterfaceMethod<[{
      Whether the op moves data between ranks (`coco.slice` does not).
    }], "bool", "movesData", (ins), [{}], [{ return true; }]>,
    InterfaceMethod<[{
      Whether the result is one global-view value of the group, laid out as
      its type says (a replicated result is then the same on every rank of
      the group). Not a point-to-point op's: its result is what its peer
      sent, which differs between ranks whatever its type says.
    }], "bool", "agreesOnGroup", (ins), [{}], [{ return true; }]>,
    InterfaceMethod<[{
      The grid axes the op communicates along, outer to inner (the group is
      their flattened product).
    }], "::llvm::SmallVector<int64_t>", "getCommAxes", (ins), [{}], [{
      return ::llvm::SmallVector<int64_t>(
          $_op->template getAttrOfType<::mlir::DenseI64ArrayAttr>("axes")
              .asArrayRef());
    }]>,
    InterfaceMethod<[{
      The grid the op communicates on.
    }], "::mlir::FlatSymbolRefAttr", "getCommGrid", (ins), [{}], [{
      return $_op->template getAttrOfType<::mlir::FlatSymbolRefAttr>("grid");
    }]>
  ];
}

#endif // COCO_DIALECT_COCO_IR_COCOINTERFACES_TD
