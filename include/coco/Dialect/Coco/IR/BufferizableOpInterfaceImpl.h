//===- BufferizableOpInterfaceImpl.h - bufferizing comm ---------*- C++ -*-===//

#ifndef COCO_DIALECT_COCO_IR_BUFFERIZABLEOPINTERFACEIMPL_H
#define COCO_DIALECT_COCO_IR_BUFFERIZABLEOPINTERFACEIMPL_H

namespace mlir {
class DialectRegistry;
namespace coco {
/// Attaches BufferizableOpInterface to the rank-local `coco.comm.*` ops, so
/// one-shot bufferization turns them into the same ops on memrefs (in place
/// where the analysis allows, e.g. an all_reduce into its own input).
void registerBufferizableOpInterfaceExternalModels(DialectRegistry &registry);
} // namespace coco
} // namespace mlir

#endif // COCO_DIALECT_COCO_IR_BUFFERIZABLEOPINTERFACEIMPL_H
