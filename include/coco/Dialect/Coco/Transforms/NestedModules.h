//===- NestedModules.h - coco ops a module pass would not reach -*- C++ -*-===//
//
// coco's module passes that work function by function on the functions of
// the module they run on (coco-localize, the first pass of both lowering
// pipelines; coco-shard-state; coco-autoschedule; coco-predict; those that
// walk every op, as coco-split and coco-reorder do, reach nested modules). A
// builtin.module nested in it (a compiler that embeds coco keeps its program in
// one) is a scope of its own (its grids and functions are its symbols): those
// passes do not reach its functions. Left as they are, its coco ops made a
// later pass fail without saying why ("failed to legalize operation
// 'bufferization.to_buffer'"), or a pass report that no argument has the
// coco.name the user gave. The passes check first and say where to anchor the
// pass instead.
//
//===----------------------------------------------------------------------===//

#ifndef COCO_DIALECT_COCO_TRANSFORMS_NESTEDMODULES_H
#define COCO_DIALECT_COCO_TRANSFORMS_NESTEDMODULES_H

#include "mlir/IR/BuiltinOps.h"

namespace mlir::coco {

/// Fails with an error on a builtin.module nested (at any depth) in `module`
/// whose own ops (not those of a module nested in it in turn) include a coco
/// op or a value or signature of a coco type: the module to anchor the pass
/// on. `pass` is the pass's argument, named in the message.
LogicalResult checkNoNestedCocoModule(ModuleOp module, StringRef pass);

} // namespace mlir::coco

#endif // COCO_DIALECT_COCO_TRANSFORMS_NESTEDMODULES_H
