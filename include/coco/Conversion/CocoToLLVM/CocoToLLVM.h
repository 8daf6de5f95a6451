//===- CocoToLLVM.h - coco.comm -> runtime calls ----------------*- C++ -*-===//

#ifndef COCO_CONVERSION_COCOTOLLVM_COCOTOLLVM_H
#define COCO_CONVERSION_COCOTOLLVM_COCOTOLLVM_H

#include "mlir/IR/BuiltinOps.h"
#include "mlir/IR/SymbolTable.h"
#include "mlir/IR/ValueRange.h"
#include "llvm/ADT/DenseMap.h"
#include "llvm/ADT/StringMap.h"

namespace mlir {
class LLVMTypeConverter;
class OpBuilder;
class RewritePatternSet;
namespace coco {

/// The runtime a module's communication is lowered to.
enum class RuntimeTarget {
  CPU, ///< coco_rt_* over MPI (include/coco/Runtime/CocoRuntime.h)
  GPU, ///< coco_gpu_* over NCCL, matmuls into cuBLAS (CocoRuntimeGPU.h)
};

/// What the lowering patterns of one module share: the runtime's names,
/// the module's symbol table, and the site strings made so far. Declaring a
/// function or a string looks it up by hash, so a module with thousands of
/// collectives lowers in time linear in their number.
class RuntimeCalls {
public:
  RuntimeCalls(ModuleOp module, RuntimeTarget target);

  RuntimeTarget getTarget() const { return target; }
  SymbolTableCollection &getSymbols() { return symbols; }

  /// The entry point of communication op `op` ("all_reduce"): coco_rt_op,
  /// or coco_gpu_op on the GPU runtime, which has the same ABI.
  std::string communication(StringRef op) const;

  /// Calls the runtime function `name(args) -> result` (void when `result`
  /// is null), declaring it on first use, and returns the result (null for
  /// void). When the module declares `name` with another type, reports it
  /// at `op` and hadMismatchedDeclaration() becomes true.
  Value call(OpBuilder &b, Operation *op, StringRef name, ValueRange args,
             Type result = {});

  /// A pointer to a NUL-terminated string naming `op` and its location
  /// ("coco.all_reduce at step.mlir:12:5"), one per distinct text. The
  /// strings of one lowering lie one after another in one global (a
  /// `__coco_sites` table; those of an earlier lowering are reused): a
  /// global each made every symbol lookup that scans the module (the GPU
  /// dialect's verifier, gpu-to-llvm's declarations) quadratic in the
  /// program. finishSites() creates the table.
  Value site(OpBuilder &b, Operation *op);

  /// Creates the global the pointers of site() point into.
  void finishSites();

  /// Whether a call met a declaration of another type: the lowered module
  /// is then invalid and the conversion must fail.
  bool hadMismatchedDeclaration() const { return mismatchedDeclaration; }

private:
  ModuleOp module;
  RuntimeTarget target;
  SymbolTableCollection symbols;
  /// Site text -> the table holding it and its offset there.
  llvm::StringMap<std::pair<StringAttr, int64_t>> sites;
  /// The table of this lowering: its name and contents so far.
  StringAttr newTable;
  std::string newSites;
  /// The pointers site() made: (function entry, table, offset) -> pointer;
  /// offset -1 is the table's address.
  DenseMap<std::tuple<Block *, StringAttr, int64_t>, Value> sitePointers;
  bool mismatchedDeclaration = false;
};

/// Patterns lowering bufferized `coco.comm.*`, `coco.axis_rank`,
/// `coco.axis_size` and `coco.local_block` to `llvm.call`s into the runtime
/// `runtime` targets, and `linalg.matmul` on memrefs that isLibraryMatmul
/// accepts to `coco_rt_matmul` (OpenBLAS) or `coco_gpu_matmul` (cuBLAS).
/// `runtime` must outlive them.
void populateCocoToLLVMConversionPatterns(LLVMTypeConverter &converter,
                                          RewritePatternSet &patterns,
                                          RuntimeCalls &runtime);

/// Whether the runtime's BLAS call computes `op`: a plain linalg.matmul on
/// buffers of one element type (f16, bf16, f32, f64) with contiguous
/// columns (rows may be strided). Others stay linalg (loops or kernels).
bool isLibraryMatmul(Operation *op);

} // namespace coco
} // namespace mlir

#endif // COCO_CONVERSION_COCOTOLLVM_COCOTOLLVM_H
