//===- CocoInterfaces.td - coco op interfaces --------------*- tablegen -*-===//

#ifndef COCO_DIALECT_COCO_IR_COCOINTERFACES_TD
#define COCO_DIALECT_COCO_IR_COCOINTERFACES_TD

include "mlir/IR/OpBase.td"

def Coco_CollectiveOpInterface : OpInterface<"CollectiveOpInterface"> {
  let cppNamespace = "::mlir::coco";
  let description = [{
    An op that communicates between the ranks of one grid axis (global view),
    or the rank-local `coco.comm.*` form of one. Schedules and the cost model
    use it to find communication without listing op names.
  }];
  let methods = [
    InterfaceMethod<[{
      Whether the op moves data between ranks (`coco.slice` does not).
    }], "bool", "movesData", (ins), [{}], [{ return true; }]>
  ];
}

#endif // COCO_DIALECT_COCO_IR_COCOINTERFACES_TD
