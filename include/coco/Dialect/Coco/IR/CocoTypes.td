//===- CocoTypes.td - coco types ----------------------------*- tablegen -*-===//

#ifndef COCO_DIALECT_COCO_IR_COCOTYPES_TD
#define COCO_DIALECT_COCO_IR_COCOTYPES_TD

include "mlir/IR/AttrTypeBase.td"
include "mlir/IR/BuiltinTypeInterfaces.td"
include "coco/Dialect/Coco/IR/CocoAttrs.td"

def Coco_DTensorType : TypeDef<Coco_Dialect, "DTensor"> {
  let mnemonic = "dtensor";
  let summary = "a tensor distributed over the axes of a process grid";
  let description = [{
    `!coco.dtensor<SHAPE x ELEMENT, [P0, P1, ...] on @GRID>` is a tensor of
    global shape SHAPE distributed over the grid `@GRID`, with one placement
    per grid axis (DTensor's `placements`, upstream shard's split and partial
    axes):
    - `replicated`: every rank along the axis holds the same values;
    - `local`: every rank along the axis holds whole values of its own
      (different data, or partial sums that a reduction completes);
    - `sliced<d>`: the ranks along the axis hold blocks of dimension d.

    Axes the list does not reach are `replicated`, so trailing `replicated`
    placements may be left out (and are, when printed). The one-axis form
    `P on @GRID[A]` (`P on @GRID` for axis 0) is sugar for P on axis A and
    `replicated` on every other axis; a type with at most one placement other
    than `replicated` prints that way.

    Blocks. A dimension of size n split over R ranks gives rank r a block of
    n / R elements, and one more to the first n % R ranks (numpy's
    `array_split`): sizes need not divide, a block may be empty. When several
    axes slice the same dimension, each splits the blocks of the previous
    one; the order is the order of the axes in the grid (DTensor's
    `[Shard(0), Shard(0)]`) unless written: `sliced<d> within A` makes the
    axis split the blocks of axis A (Megatron's distributed optimizer slices
    its state along data-parallel ranks *within* each tensor-parallel block).

    ```mlir
    !coco.dtensor<1024x768xf16, sliced<0> on @tp>
    !coco.dtensor<4096xf32, local on @dp>
    !coco.dtensor<f32, replicated on @g>                 // rank-0
    !coco.dtensor<8x16xf32, [local, sliced<1>] on @g>     // DP x TP gradient
    !coco.dtensor<16x16xf32, [sliced<0> within 1, sliced<0>] on @g>
    ```
  }];
  let parameters = (ins
    ArrayRefParameter<"int64_t", "global shape">:$shape,
    "::mlir::Type":$elementType,
    ArrayRefParameter<"int64_t",
        "per grid axis: -1 replicated, -2 local, d >= 0 sliced<d>; no "
        "trailing replicated">:$placements,
    ArrayRefParameter<"int64_t",
        "empty when every sliced dimension is split in grid-axis order; "
        "otherwise every slicing axis, by dimension, outer to inner">:$sliceOrder,
    "::mlir::FlatSymbolRefAttr":$grid
  );
  let hasCustomAssemblyFormat = 1;
  let genVerifyDecl = 1;
  let extraClassDeclaration = [{
    /// Builds the canonical type: trailing replicated placements dropped,
    /// `sliceOrder` (outer to inner axes of each sliced dimension; may be
    /// empty or partial, missing axes follow in grid order) normalized.
    static DTensorType getCanonical(::mlir::MLIRContext *context,
                                    ::llvm::ArrayRef<int64_t> shape,
                                    ::mlir::Type elementType,
                                    ::mlir::FlatSymbolRefAttr grid,
                                    ::llvm::ArrayRef<Placement> placements,
                                    ::llvm::ArrayRef<int64_t> sliceOrder = {});
    /// The same, as getChecked (for the parser).
    static DTensorType getCanonicalChecked(
        ::llvm::function_ref<::mlir::InFlightDiagnostic()> emitError,
        ::mlir::MLIRContext *context, ::llvm::ArrayRef<int64_t> shape,
        ::mlir::Type elementType, ::mlir::FlatSymbolRefAttr grid,
        ::llvm::ArrayRef<Placement> placements,
        ::llvm::ArrayRef<int64_t> sliceOrder = {});

    int64_t getRank() const { return getShape().size(); }
    int64_t getNumElements() const;

    /// The placement on grid axis `axis` (replicated beyond the list).
    Placement getPlacement(int64_t axis) const;
    /// The placements of axes 0..numAxes-1.
    ::llvm::SmallVector<Placement> getPlacementList(int64_t numAxes) const;
    /// How many axes the placement list reaches (1 + the last axis that is
    /// not replicated).
    int64_t getNumPlacedAxes() const { return getPlacements().size(); }
    /// The axes slicing dimension `dim`, outer to inner.
    ::llvm::SmallVector<int64_t> getSliceLevels(int64_t dim) const;
    /// The axes with a local / a sliced placement, in grid order.
    ::llvm::SmallVector<int64_t> getLocalAxes() const;
    ::llvm::SmallVector<int64_t> getSlicedAxes() const;

    /// Replicated on every axis.
    bool isReplicated() const { return getPlacements().empty(); }
    bool hasLocalAxis() const { return !getLocalAxes().empty(); }
    bool hasSlicedAxis() const { return !getSlicedAxes().empty(); }
    /// Same grid and placements (slice order included).
    bool hasSameDistribution(DTensorType other) const {
      return getGrid() == other.getGrid() &&
             getPlacements() == other.getPlacements() &&
             getSliceOrder() == other.getSliceOrder();
    }

    /// This type with placement `placement` on `axis`. A new slicing of
    /// dimension d splits the blocks of the axes already slicing d (it
    /// becomes the innermost level).
    DTensorType withPlacement(int64_t axis, Placement placement) const;
    /// This type with all `placements` (the slice order of dimensions whose
    /// slicing axes are unchanged is kept).
    DTensorType withPlacements(::llvm::ArrayRef<Placement> placements,
                               ::llvm::ArrayRef<int64_t> sliceOrder) const;
    /// Replicated on every axis.
    DTensorType asReplicated() const;
    DTensorType withShape(::llvm::ArrayRef<int64_t> shape) const;
    DTensorType withElementType(::mlir::Type elementType) const;
    /// The sliced dimensions renumbered through `dimMap` (old dim -> new dim,
    /// -1: the dimension is gone, its slicing axes become local).
    DTensorType withDimsMapped(::llvm::ArrayRef<int64_t> newShape,
                               ::llvm::ArrayRef<int64_t> dimMap) const;

    /// The per-rank shape on a grid of extents `gridShape` (kDynamic for
    /// '?'): kDynamic where a block size depends on the rank or the grid.
    ::llvm::SmallVector<int64_t>
    getLocalShape(::llvm::ArrayRef<int64_t> gridShape) const;

    /// For diagnostics: "[local, sliced<0> within 1] on @g",
    /// "sliced<0> on axis 1 of @g", "replicated on @g".
    std::string describePlacements() const;
  }];
}

#endif // COCO_DIALECT_COCO_IR_COCOTYPES_TD
