//===- CocoOps.h - coco operations ------------------------------*- C++ -*-===//

#ifndef COCO_DIALECT_COCO_IR_COCOOPS_H
#define COCO_DIALECT_COCO_IR_COCOOPS_H

#include "coco/Dialect/Coco/IR/CocoDialect.h"
#include "coco/Dialect/Coco/IR/CocoTypes.h"

#include "mlir/Bytecode/BytecodeOpInterface.h"
#include "mlir/IR/BuiltinOps.h"
#include "mlir/IR/OpDefinition.h"
#include "mlir/IR/SymbolTable.h"
#include "mlir/Interfaces/DestinationStyleOpInterface.h"
#include "mlir/Interfaces/InferTypeOpInterface.h"
#include "mlir/Interfaces/SideEffectInterfaces.h"

namespace mlir::coco {

/// The side-effect resource of communication: collectives and point-to-point
/// ops write it, so they keep their order and are never removed.
struct CommunicationResource
    : public SideEffects::Resource::Base<CommunicationResource> {
  StringRef getName() final { return "coco.communication"; }
};

class GridOp;

namespace CocoTrait {
/// Marks the ops of the global view (declared in ODS): coco-localize
/// rewrites every op that has it.
template <typename ConcreteType>
class GlobalViewOp
    : public ::mlir::OpTrait::TraitBase<ConcreteType, GlobalViewOp> {};
/// Ops that divide each element, and ops that take each element's square
/// root (declared in ODS): the cost model prices that work per element.
template <typename ConcreteType>
class Divides : public ::mlir::OpTrait::TraitBase<ConcreteType, Divides> {};
template <typename ConcreteType>
class SquareRoots
    : public ::mlir::OpTrait::TraitBase<ConcreteType, SquareRoots> {};
} // namespace CocoTrait

/// The largest group whose reduce_scatter coco-fuse-reduce-scatter folds
/// into its consumers' loop: the loop reads one block per rank (an input
/// of the linalg.generic each), so its size grows with the group.
inline constexpr int64_t kMaxFoldRanks = 1024;

/// Why a group of `ranks` is too large for that fold (the refusal both the
/// global-view check and the rank-local pass give), or nothing.
std::optional<std::string> whyFoldGroupTooLarge(int64_t ranks);

/// The attribute by which a schedule asks coco-overlap (which runs on
/// buffers, inside coco-lower-to-cpu) to chunk a collective and its
/// producer matmul; coco-localize carries it to the rank-local op. Declared
/// (verified) by the dialect, like the argument attributes.
constexpr llvm::StringLiteral kOverlapChunksAttr = "coco.overlap_chunks";

/// The attribute (unit) by which a schedule asks coco-fuse-reduce-scatter
/// (which runs on the rank-local view, inside the pipelines) to fold a
/// reduce_scatter into its consumers' loop, whatever the pipelines'
/// fuse-reduce-scatter option says; coco-localize carries it to the
/// rank-local op.
constexpr llvm::StringLiteral kFuseReduceScatterAttr =
    "coco.fuse_reduce_scatter";

/// The attribute (unit) by which a schedule (coco-autoschedule, where the
/// cost model prices the exchange whole cheaper) keeps a fused
/// reduce_scatter's exchange whole: coco-chunk-exchange leaves it, whatever
/// the pipeline's exchange-chunk-bytes says. On a reduce_scatter, carried
/// to the rank-local op and to the all_to_all the fold makes.
constexpr llvm::StringLiteral kExchangeWholeAttr = "coco.exchange_whole";

/// The attribute (array<i64>) by which the transform.coco ops mark the
/// copies transform.alternatives makes of its scope while the interpreter
/// runs, to report the applied remarks of the copies that stay (see
/// CocoTransformOps.cpp); removed when the interpreter is done.
constexpr llvm::StringLiteral kBranchRemarksAttr = "coco.branch_remarks";

/// The number of ranks of the group over `axes` of a grid of `extents`
/// (ShapedType::kDynamic if one of them is '?'). The axes must be in range.
int64_t groupSize(ArrayRef<int64_t> extents, ArrayRef<int64_t> axes);

/// Verifies that every grid named by `op` (in a `grid` attribute with its
/// `axis` or `axes`, or in a distributed tensor type of an operand or
/// result) exists and has the axes, that a collective's default axes are
/// unambiguous, and that roots are in range.
LogicalResult verifyGridUses(Operation *op, SymbolTableCollection &symbols);

/// Checks the extents of a grid (coco.grid's verifier, and the shard import
/// before it changes anything): 1 to kMaxGridAxes axes, at most one '?',
/// positive extents, at most kMaxRanks ranks. `emitError` starts the
/// diagnostic at the op being checked.
LogicalResult
verifyGridShape(ArrayRef<int64_t> shape,
                llvm::function_ref<InFlightDiagnostic()> emitError);

/// The extents of the grid `grid` as seen from `from` (ShapedType::kDynamic
/// for '?'), or failure if there is no such coco.grid.
FailureOr<SmallVector<int64_t>> lookupGridShape(Operation *from,
                                                FlatSymbolRefAttr grid,
                                                SymbolTableCollection &symbols);

/// The axis a send or recv of a value of `type` runs along when it does not
/// say: the one axis the value is not replicated on, else axis 0.
int64_t defaultPeerAxis(DTensorType type);

/// Removes the `along` axes of a global-view collective where they are the
/// ones it would infer from its operand, so that schedules building
/// collectives with explicit axes print one-axis programs as they were.
void omitDefaultAxes(Operation *collective);

/// Why values of `elementType` cannot be combined across ranks (all_reduce,
/// reduce_scatter, reduce), or "" where they can: the collectives' verifiers
/// and importers say the same.
StringRef whyNotReducibleAcrossRanks(Type elementType);

/// For diagnostics: "[0, 1]".
std::string describeAxes(ArrayRef<int64_t> axes);
/// For diagnostics: "axis 1 of @g".
std::string describeAxis(FlatSymbolRefAttr grid, int64_t axis);

} // namespace mlir::coco

#include "coco/Dialect/Coco/IR/CocoOpInterfaces.h.inc"

#define GET_OP_CLASSES
#include "coco/Dialect/Coco/IR/CocoOps.h.inc"

namespace mlir::coco {
/// Why coco-fuse-reduce-scatter will leave the global-view `op` unfused
/// once it is localized, or std::nullopt when it folds: it needs dim 0 of a
/// static shape, split by the axes slicing it already (if any) in equal
/// blocks, and grid axes of static extent; the reduce_scatter's own blocks
/// may be uneven (the fold receives into slots of the largest). The schedule
/// that marks it, the cost model and the rank-local pass agree through it.
std::optional<std::string> whyStaysUnfused(ReduceScatterOp op,
                                           SymbolTableCollection &symbols);
/// Why the fold cannot average over `ranks` in `elementType`: an integer
/// average divides by the number of ranks in that (signed) type, which must
/// hold it (i1 never does); std::nullopt otherwise.
std::optional<std::string> whyAverageOverflows(ReductionKind kind,
                                               Type elementType, int64_t ranks);
} // namespace mlir::coco

#endif // COCO_DIALECT_COCO_IR_COCOOPS_H
