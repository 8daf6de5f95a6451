//===- Passes.h - generic linalg/scf/memref passes --------------*- C++ -*-===//
//
// Passes of coco's pipelines that touch no coco op (see Passes.td).
//
//===----------------------------------------------------------------------===//

#ifndef COCO_TRANSFORMS_PASSES_H
#define COCO_TRANSFORMS_PASSES_H

#include "mlir/Pass/Pass.h"

namespace mlir {
class RewriterBase;
namespace coco {

#define GEN_PASS_DECL
#include "coco/Transforms/Passes.h.inc"

#define GEN_PASS_REGISTRATION
#include "coco/Transforms/Passes.h.inc"

/// What coco-isolate-symbols puts before a compiled function's name; its
/// C interface (`_mlir_ciface_coco.fn.<name>` from convert-func-to-llvm)
/// is named `_mlir_ciface_<name>` again by coco-finalize-to-llvm.
constexpr llvm::StringLiteral kIsolatedPrefix = "coco.fn.";

/// Upstream's `pass` (a pipeline element: lower-affine, arith-expand,
/// expand-realloc or expand-strided-metadata, with options in braces),
/// run only where one of its patterns applies (coco-when-applicable).
std::unique_ptr<Pass> createWhenApplicable(StringRef pass);

/// The precondition of fuseElementwise: `root` holds no elementwise op on
/// values of a non-builtin type (coco's global view, whose pointwise ops are
/// not linalg and cannot fuse). Emits the error at the first such op.
LogicalResult checkFuseElementwise(Operation *root);

/// Merges every chain of elementwise linalg.generic ops inside `root` into
/// one loop, a producer with other users too (see coco-fuse-elementwise),
/// and with `reductions` each reduction to a scalar of such a loop's value
/// into that loop. Fails, changing nothing, when `root` holds values of a
/// non-builtin type (coco's global view: its pointwise ops are not linalg
/// and cannot fuse).
LogicalResult fuseElementwise(RewriterBase &rewriter, Operation *root,
                              bool reductions = true);

} // namespace coco
} // namespace mlir

#endif // COCO_TRANSFORMS_PASSES_H
