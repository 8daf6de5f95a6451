//===- CocoTypes.h - coco types and enums -----------------------*- C++ -*-===//

#ifndef COCO_DIALECT_COCO_IR_COCOTYPES_H
#define COCO_DIALECT_COCO_IR_COCOTYPES_H

#include "mlir/IR/BuiltinAttributes.h"
#include "mlir/IR/BuiltinTypes.h"
#include "mlir/IR/Types.h"

#include "coco/Support/Blocks.h"

#include <string>

#include "coco/Dialect/Coco/IR/CocoEnums.h.inc"

namespace mlir::coco {

/// How a distributed tensor lies on one axis of its grid: `replicated`,
/// `local` or `sliced<d>`. Stored in a DTensorType as one int64_t code.
class Placement {
public:
  static constexpr int64_t kReplicatedCode = -1;
  static constexpr int64_t kLocalCode = -2;

  static Placement replicated() { return Placement(kReplicatedCode); }
  static Placement local() { return Placement(kLocalCode); }
  static Placement sliced(int64_t dim) { return Placement(dim); }
  static Placement fromCode(int64_t code) { return Placement(code); }

  int64_t getCode() const { return code; }
  bool isReplicated() const { return code == kReplicatedCode; }
  bool isLocal() const { return code == kLocalCode; }
  bool isSliced() const { return code >= 0; }
  /// The sliced dimension (sliced placements only).
  int64_t getDim() const { return code; }
  bool isSlicedAlong(int64_t dim) const { return code == dim; }

  bool operator==(Placement other) const { return code == other.code; }
  bool operator!=(Placement other) const { return code != other.code; }

  /// "replicated", "local", "sliced<0>".
  std::string str() const;

private:
  explicit Placement(int64_t code) : code(code) {}
  int64_t code;
};

} // namespace mlir::coco

#define GET_TYPEDEF_CLASSES
#include "coco/Dialect/Coco/IR/CocoTypes.h.inc"

namespace mlir::coco {

/// A coco.grid has 1 to kMaxGridAxes axes; placements and `along` axes
/// beyond it are rejected before any type is built.
inline constexpr int64_t kMaxGridAxes = 4;
/// A program runs on at most this many ranks (MPI and NCCL number them with
/// an int): the grid verifier bounds the product of its static extents, the
/// cost model's ranks=N, and so every group size and rank product.
inline constexpr int64_t kMaxRanks = 2147483647;

using ::coco_support::balancedBlock;

} // namespace mlir::coco

#endif // COCO_DIALECT_COCO_IR_COCOTYPES_H
