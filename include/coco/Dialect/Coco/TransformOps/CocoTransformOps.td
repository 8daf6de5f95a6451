//===- CocoTransformOps.td - the scheduling language -------*- tablegen -*-===//
//
// transform.coco.* ops: CoCoNet's schedules as a transform-dialect
// extension. A schedule is a few lines of transform IR applied with
// --transform-interpreter; each op drives the same C++ rewrite as the
// matching coco-* pass (include/coco/Dialect/Coco/Transforms/Schedules.h).
//
//===----------------------------------------------------------------------===//

#ifndef COCO_DIALECT_COCO_TRANSFORMOPS_COCOTRANSFORMOPS_TD
#define COCO_DIALECT_COCO_TRANSFORMOPS_COCOTRANSFORMOPS_TD

include "mlir/Dialect/Transform/IR/TransformDialect.td"
include "mlir/Dialect/Transform/Interfaces/TransformInterfaces.td"
include "mlir/Dialect/Transform/IR/TransformTypes.td"
include "mlir/Interfaces/SideEffectInterfaces.td"
include "mlir/IR/OpBase.td"
include "coco/Dialect/Coco/IR/CocoAttrs.td"

// Every coco schedule reports a live handle it leaves without a payload op
// (ReportTrackingListenerFailuresOpTrait): a handle to the all_reduce whose
// result pipeline_send's target sends, which it replaces by other ops.
// Without it the handle went empty and the next schedule on it did
// nothing, without a word.
class Coco_TransformOp<string mnemonic, list<Trait> traits = []>
    : Op<Transform_Dialect, "coco." # mnemonic, !listconcat(traits, [
        FunctionalStyleTransformOpTrait, MemoryEffectsOpInterface,
        TransformOpInterface, TransformEachOpTrait,
        ReportTrackingListenerFailuresOpTrait])> {
  let extraClassDeclaration = [{
    ::mlir::DiagnosedSilenceableFailure applyToOne(
        ::mlir::transform::TransformRewriter &rewriter,
        ::mlir::Operation *target,
        ::mlir::transform::ApplyToEachResultList &results,
        ::mlir::transform::TransformState &state);
  }];
}

/// Ops that check every target before changing any: a failed precondition
/// on one target leaves all of them unchanged.
class Coco_AtomicTransformOp<string mnemonic, list<Trait> traits = []>
    : Op<Transform_Dialect, "coco." # mnemonic, !listconcat(traits, [
        FunctionalStyleTransformOpTrait, MemoryEffectsOpInterface,
        DeclareOpInterfaceMethods<TransformOpInterface>,
        ReportTrackingListenerFailuresOpTrait])>;

def CocoSplitOp : Coco_AtomicTransformOp<"split"> {
  let summary = "Splits coco.all_reduce ops (see coco-split)";
  let description = [{
    `into rs_ag` (default): each targeted `coco.all_reduce` becomes
    `reduce_scatter` along `dim` + `all_gather`; returns the all_gathers.
    `into reduce_bcast`: `reduce_to_root` + `broadcast` from `root`;
    returns the broadcasts. Every target is checked before any changes: a
    failed precondition is a silenceable failure with the op's diagnostic
    (also a not-applied remark; `failures(suppress)` and
    `transform.alternatives` can take it), and the payload is unchanged.
  }];
  let arguments = (ins TransformHandleTypeInterface:$target,
                   DefaultValuedAttr<Coco_SplitForm,
                     "::mlir::coco::SplitForm::ReduceScatterAllGather">:$into,
                   DefaultValuedAttr<I64Attr, "0">:$dim,
                   DefaultValuedAttr<I64Attr, "0">:$root);
  let results = (outs TransformHandleTypeInterface:$result);
  let assemblyFormat = [{
    $target (`into` $into^)? attr-dict `:` functional-type(operands, results)
  }];
}

def CocoHierarchicalAllReduceOp : Coco_AtomicTransformOp<"hierarchical_all_reduce"> {
  let summary = "Two-level all_reduce (see coco-hierarchical-all-reduce)";
  let description = [{
    Each targeted `coco.all_reduce`, running along the axes `inner` and
    others (`outer`, when given), becomes `reduce_scatter` along `dim` over
    `inner` + `all_reduce` over the outer axes + `all_gather` over `inner`.
    Returns the all_gathers. Every target is checked before any changes: a
    failed precondition is a silenceable failure with the op's diagnostic
    (also a not-applied remark; `failures(suppress)` and
    `transform.alternatives` can take it), and the payload is unchanged.
  }];
  let arguments = (ins TransformHandleTypeInterface:$target,
                   DenseI64ArrayAttr:$inner,
                   DefaultValuedAttr<DenseI64ArrayAttr, "{}">:$outer,
                   DefaultValuedAttr<I64Attr, "0">:$dim);
  let results = (outs TransformHandleTypeInterface:$result);
  let assemblyFormat = "$target attr-dict `:` functional-type(operands, results)";
}

def CocoReorderOp : Coco_TransformOp<"reorder"> {
  let summary = "Moves pointwise work before all_gathers (see coco-reorder)";
  let description = [{
    Applies CoCoNet's reorder to a fixed point inside each targeted op
    isolated from above (a function: a loop's body reads values from
    outside, whose producers the reorder would change where a failure could
    not put them back): pointwise ops and reductions consuming
    all_gathers run on slices (with `axes`: only all_gathers along exactly
    those grid axes), and a `coco.norm` of a replicated value the function
    also reads sliced is computed from that slice (`norms_from_slices =
    false` keeps such norms whole, as coco-reorder's option does). Returns
    the targets. If some op cannot be reordered, the diagnostic is reported
    and the target is unchanged (its applied remarks are dropped with the
    changes). With `axes`, a target that has all_gathers, none along exactly
    those axes, gets a warning. A declaration is left as it is; targets
    that hold one another (a function and its module) are refused.
  }];
  let arguments = (ins TransformHandleTypeInterface:$target,
                   DefaultValuedAttr<DenseI64ArrayAttr, "{}">:$axes,
                   DefaultValuedAttr<BoolAttr, "true">:$norms_from_slices);
  let results = (outs TransformHandleTypeInterface:$result);
  let assemblyFormat = "$target attr-dict `:` functional-type(operands, results)";
  // axes: no axis negative or named twice.
  let hasVerifier = 1;
  // apply: the targets' nesting is checked once over the whole handle,
  // then each target is reordered (applyToOne).
  let extraClassDeclaration = [{
    ::mlir::DiagnosedSilenceableFailure apply(
        ::mlir::transform::TransformRewriter &rewriter,
        ::mlir::transform::TransformResults &results,
        ::mlir::transform::TransformState &state);
    ::mlir::DiagnosedSilenceableFailure applyToOne(
        ::mlir::transform::TransformRewriter &rewriter,
        ::mlir::Operation *target,
        ::mlir::transform::ApplyToEachResultList &results,
        ::mlir::transform::TransformState &state);
  }];
}

def CocoShardStateOp : Coco_AtomicTransformOp<"shard_state"> {
  let summary = "Keeps named arguments sliced (see coco-shard-state)";
  let description = [{
    In the targeted `func.func`s, the arguments whose `coco.name` is in
    `args` stay sliced across calls (with `axes`: only if their slices are
    along exactly those grid axes), as coco-shard-state does in the whole
    module: a target without any of the names (a helper matched with the
    step) is left alone, and a name that no target has is an error. Every
    argument is checked before any changes: a failed precondition leaves
    every target unchanged. Returns the targets.
  }];
  let arguments = (ins TransformHandleTypeInterface:$target,
                   ConfinedAttr<StrArrayAttr, [ArrayMinCount<1>]>:$args,
                   DefaultValuedAttr<DenseI64ArrayAttr, "{}">:$axes);
  let results = (outs TransformHandleTypeInterface:$result);
  let assemblyFormat = "$target attr-dict `:` functional-type(operands, results)";
  // axes: no axis negative or named twice.
  let hasVerifier = 1;
}

def CocoFuseReduceScatterOp : Coco_TransformOp<"fuse_reduce_scatter"> {
  let summary = "Folds a reduce_scatter into its consumers";
  let description = [{
    Targets `coco.comm.reduce_scatter` ops of the rank-local view (after
    coco-localize): each becomes an all_to_all plus an elementwise sum that
    elementwise fusion merges into the consumers (see
    coco-fuse-reduce-scatter). Returns the elementwise sums.

    Or `coco.reduce_scatter` ops of the global view: each is marked
    `coco.fuse_reduce_scatter`, and the pipelines fold it once localized,
    whatever their fuse-reduce-scatter option says. Returns the targets.
    A target the fold cannot take (not along dim 0, a dynamic shape or
    axis, a dim 0 already split unevenly by other axes) is a silenceable
    failure saying why; uneven blocks of the reduce_scatter's own split fold
    (into slots of the largest block).

    With `exchange_whole`, the fold's exchange is also marked
    `coco.exchange_whole` (at the global view, the target; carried to the
    exchange): coco-chunk-exchange leaves it whole rather than cutting it
    into chunks, as coco-autoschedule's `+whole-exchange` does.
  }];
  let arguments = (ins TransformHandleTypeInterface:$target,
                   UnitAttr:$exchange_whole);
  let results = (outs TransformHandleTypeInterface:$result);
  let assemblyFormat = "$target attr-dict `:` functional-type(operands, results)";
}

def CocoFuseElementwiseOp : Coco_TransformOp<"fuse_elementwise"> {
  let summary = "Fuses elementwise chains into one loop (see coco-fuse-elementwise)";
  let description = [{
    Targets ops of the rank-local view (typically functions after
    coco-localize): every chain of elementwise `linalg.generic` ops inside
    becomes one loop, producers with several users included. Returns the
    targets. The targets must be isolated from above (functions, modules):
    a loop as target could be merged away while the handle holds it. On the
    global view (no linalg to fuse yet), or with another target, it is a
    silenceable failure.
  }];
  let arguments = (ins TransformHandleTypeInterface:$target);
  let results = (outs TransformHandleTypeInterface:$result);
  let assemblyFormat = "$target attr-dict `:` functional-type(operands, results)";
}

def CocoPipelineSendOp : Coco_AtomicTransformOp<"pipeline_send"> {
  let summary = "Sends slices to the next pipeline stage (see coco-pipeline-send)";
  let description = [{
    Targets `coco.send` ops of a value all_reduced or all_gathered along
    other grid axes than the one it is sent along. The sends of each target's channel send the slices of
    the all_reduce (split along `dim`) or all_gather they came from, and the
    channel's recvs all_gather what they receive. Returns the targets. Every
    target is checked before any changes: a failed precondition is a
    silenceable failure with the op's diagnostic and the payload is
    unchanged. A target that already sends slices (no all_reduce or
    all_gather result) gets a warning and stays as it is.
  }];
  let arguments = (ins TransformHandleTypeInterface:$target,
                   DefaultValuedAttr<I64Attr, "0">:$dim);
  let results = (outs TransformHandleTypeInterface:$result);
  let assemblyFormat = "$target attr-dict `:` functional-type(operands, results)";
}

def CocoOverlapOp : Coco_AtomicTransformOp<"overlap"> {
  let summary = "Overlaps a matmul with the collective consuming it";
  let description = [{
    Targets global-view `coco.all_reduce` ops, or `coco.reduce_scatter` ops
    along the last dim, whose input is a `coco.matmul` used by them alone.
    Each is marked `coco.overlap_chunks = chunks`; the CPU pipeline's
    coco-overlap then computes the matmul in `chunks` row blocks and starts
    each block's collective without blocking while the next block computes
    (CoCoNet's overlap). Returns the targets. Every target is checked
    before any is marked: a failed precondition (no producer matmul, rows
    not divisible, a reduce_scatter along the rows) is a silenceable
    failure with the op's diagnostic and the payload is unchanged.
  }];
  let arguments = (ins TransformHandleTypeInterface:$target,
                   DefaultValuedAttr<I64Attr, "2">:$chunks);
  let results = (outs TransformHandleTypeInterface:$result);
  let assemblyFormat = "$target attr-dict `:` functional-type(operands, results)";
}

#endif // COCO_DIALECT_COCO_TRANSFORMOPS_COCOTRANSFORMOPS_TD
