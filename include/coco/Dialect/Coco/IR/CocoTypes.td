//===- CocoTypes.td - coco types ----------------------------*- tablegen -*-===//

#ifndef COCO_DIALECT_COCO_IR_COCOTYPES_TD
#define COCO_DIALECT_COCO_IR_COCOTYPES_TD

include "mlir/IR/AttrTypeBase.td"
include "mlir/IR/BuiltinTypeInterfaces.td"
include "coco/Dialect/Coco/IR/CocoAttrs.td"

def Coco_DTensorType : TypeDef<Coco_Dialect, "DTensor"> {
  let mnemonic = "dtensor";
  let summary = "a tensor distributed over one axis of a process grid";
  let description = [{
    `!coco.dtensor<SHAPE x ELEMENT, LAYOUT on @GRID[AXIS]>` is a tensor of
    global shape SHAPE distributed over axis AXIS of the grid `@GRID`
    (`on @GRID` means axis 0). LAYOUT is one of
    - `replicated`: every rank of the axis holds the same whole tensor;
    - `local`: every rank holds a whole tensor of its own values (e.g. a
      gradient, or partial sums);
    - `sliced<d>`: rank i holds the i-th of R equal slices along dimension d.

    ```mlir
    !coco.dtensor<1024x768xf16, sliced<0> on @tp>
    !coco.dtensor<4096xf32, local on @dp>
    !coco.dtensor<f32, replicated on @g[1]>   // rank-0
    ```
  }];
  let parameters = (ins
    ArrayRefParameter<"int64_t", "global shape">:$shape,
    "::mlir::Type":$elementType,
    "::mlir::coco::LayoutKind":$layout,
    "int64_t":$slicedDim,
    "::mlir::FlatSymbolRefAttr":$grid,
    "int64_t":$axis
  );
  let hasCustomAssemblyFormat = 1;
  let genVerifyDecl = 1;
  let builders = [
    TypeBuilderWithInferredContext<(ins "::llvm::ArrayRef<int64_t>":$shape,
        "::mlir::Type":$elementType, "::mlir::coco::LayoutKind":$layout,
        "int64_t":$slicedDim, "::mlir::FlatSymbolRefAttr":$grid,
        "int64_t":$axis), [{
      return $_get(elementType.getContext(), shape, elementType, layout,
                   slicedDim, grid, axis);
    }]>
  ];
  let extraClassDeclaration = [{
    int64_t getRank() const { return getShape().size(); }
    bool isReplicated() const { return getLayout() == LayoutKind::replicated; }
    bool isLocal() const { return getLayout() == LayoutKind::local; }
    bool isSliced() const { return getLayout() == LayoutKind::sliced; }
    int64_t getNumElements() const;
    /// Same grid and axis.
    bool isOnSameAxis(DTensorType other) const {
      return getGrid() == other.getGrid() && getAxis() == other.getAxis();
    }
    /// Same grid axis and layout (kind and sliced dim).
    bool hasSameDistribution(DTensorType other) const {
      return isOnSameAxis(other) && getLayout() == other.getLayout() &&
             getSlicedDim() == other.getSlicedDim();
    }
    /// This type with another layout / shape / element type.
    DTensorType withLayout(LayoutKind layout, int64_t slicedDim = -1) const;
    DTensorType withShape(::llvm::ArrayRef<int64_t> shape) const;
    DTensorType withElementType(::mlir::Type elementType) const;
    /// The per-rank shape, for an axis of `axisSize` ranks
    /// (ShapedType::kDynamic when unknown).
    ::llvm::SmallVector<int64_t> getLocalShape(int64_t axisSize) const;
  }];
}

#endif // COCO_DIALECT_COCO_IR_COCOTYPES_TD
