//===- CocoDialect.cpp - coco dialect registration ------------------------===//

#include "coco/Dialect/Coco/IR/CocoDialect.h"
#include "coco/Dialect/Coco/IR/CocoOps.h"
#include "coco/Dialect/Coco/IR/CocoTypes.h"

#include "llvm/ADT/StringSwitch.h"

using namespace mlir;
using namespace mlir::coco;

#include "coco/Dialect/Coco/IR/CocoDialect.cpp.inc"

void CocoDialect::initialize() {
  registerTypes();
  addOperations<
#define GET_OP_LIST
#include "coco/Dialect/Coco/IR/CocoOps.cpp.inc"
      >();
}

//===----------------------------------------------------------------------===//
// Declared attributes
//===----------------------------------------------------------------------===//
//
// The coco.* attributes coco reads. An undeclared one (`coco.nmae`) or one
// with a value of the wrong kind is an error at the op that carries it,
// instead of a value the program asks for at run time.
//
//   argument   coco.name         string: the entry argument's name for
//                                callers (host program, in-process library)
//              coco.value        number: a scalar argument's default
//              coco.init         "Uniform" | "Positive" | "Zeros" | "Ones":
//                                how the generated host program fills it
//              coco.distribution !coco.dtensor type: the global tensor a
//                                rank-local argument is a block of
//   result     coco.name, coco.distribution (as for arguments)
//   operation  coco.overlap_chunks  integer >= 2 (transform.coco.overlap)

namespace {
enum class AttrSite { Argument, Result };
} // namespace

static LogicalResult verifyValueAttr(Operation *op, NamedAttribute attr,
                                     AttrSite site, unsigned index) {
  StringRef name = attr.getName().getValue();
  Attribute value = attr.getValue();
  std::string where = (site == AttrSite::Argument ? "argument " : "result ") +
                      std::to_string(index);
  auto wrongKind = [&](StringRef expected) {
    return op->emitOpError() << name << " of " << where << " must be "
                             << expected << ", got " << value;
  };
  if (name == "coco.name") {
    auto string = dyn_cast<StringAttr>(value);
    if (!string || string.getValue().empty())
      return wrongKind("a non-empty string");
    return success();
  }
  if (name == "coco.distribution") {
    auto type = dyn_cast<TypeAttr>(value);
    if (!type || !isa<DTensorType>(type.getValue()))
      return wrongKind("a !coco.dtensor type");
    return success();
  }
  if (site == AttrSite::Argument && name == "coco.value") {
    if (!isa<FloatAttr, IntegerAttr>(value))
      return wrongKind("a number");
    return success();
  }
  if (site == AttrSite::Argument && name == "coco.init") {
    auto string = dyn_cast<StringAttr>(value);
    if (!string || !llvm::is_contained({"Uniform", "Positive", "Zeros", "Ones"},
                                       string.getValue()))
      return wrongKind("one of \"Uniform\", \"Positive\", \"Zeros\", "
                       "\"Ones\"");
    return success();
  }
  return op->emitOpError()
         << "has unknown attribute " << name << " on " << where << "; coco's "
         << (site == AttrSite::Argument
                 ? "argument attributes are coco.name, coco.value, "
                   "coco.init and coco.distribution"
                 : "result attributes are coco.name and coco.distribution");
}

LogicalResult CocoDialect::verifyRegionArgAttribute(Operation *op, unsigned,
                                                    unsigned argIndex,
                                                    NamedAttribute attr) {
  return verifyValueAttr(op, attr, AttrSite::Argument, argIndex);
}

LogicalResult CocoDialect::verifyRegionResultAttribute(Operation *op, unsigned,
                                                       unsigned resultIndex,
                                                       NamedAttribute attr) {
  return verifyValueAttr(op, attr, AttrSite::Result, resultIndex);
}

LogicalResult CocoDialect::verifyOperationAttribute(Operation *op,
                                                    NamedAttribute attr) {
  StringRef name = attr.getName().getValue();
  if (name == kOverlapChunksAttr) {
    auto chunks = dyn_cast<IntegerAttr>(attr.getValue());
    if (!chunks || chunks.getInt() < 2)
      return op->emitOpError()
             << name << " must be an integer >= 2, got " << attr.getValue();
    return success();
  }
  if (name == kFuseReduceScatterAttr) {
    if (!isa<UnitAttr>(attr.getValue()))
      return op->emitOpError()
             << name << " must be a unit attribute, got " << attr.getValue();
    if (!isa<ReduceScatterOp, CommReduceScatterOp>(op))
      return op->emitOpError()
             << name << " marks a reduce_scatter; it means nothing here";
    return success();
  }
  if (name == kExchangeWholeAttr) {
    if (!isa<UnitAttr>(attr.getValue()))
      return op->emitOpError()
             << name << " must be a unit attribute, got " << attr.getValue();
    auto exchange = dyn_cast<CommAllToAllOp>(op);
    if (!isa<ReduceScatterOp, CommReduceScatterOp>(op) &&
        !(exchange && exchange.getSkipSelf()))
      return op->emitOpError()
             << name
             << " marks a reduce_scatter (or the exchange its fold makes: an "
                "all_to_all skip_self); it means nothing here";
    return success();
  }
  if (name == kBranchRemarksAttr) {
    if (!isa<DenseI64ArrayAttr>(attr.getValue()))
      return op->emitOpError()
             << name << " must be an array<i64>, got " << attr.getValue();
    return success();
  }
  return op->emitOpError() << "has unknown attribute " << name
                           << "; coco's operation attributes are "
                           << kOverlapChunksAttr << ", "
                           << kFuseReduceScatterAttr << ", "
                           << kExchangeWholeAttr << " and "
                           << kBranchRemarksAttr
                           << " (the transform ops', while they run)";
}
