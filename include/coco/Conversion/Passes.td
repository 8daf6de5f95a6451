//===- Passes.td - coco conversion passes ------------------*- tablegen -*-===//

#ifndef COCO_CONVERSION_PASSES_TD
#define COCO_CONVERSION_PASSES_TD

include "mlir/Pass/PassBase.td"

def ConvertCocoToLLVMPass : Pass<"convert-coco-to-llvm", "ModuleOp"> {
  let summary = "Lowers bufferized coco.comm ops to calls into the coco runtime";
  let description = [{
    Replaces each `coco.comm.*` op on memrefs (and `coco.axis_rank`,
    `coco.axis_size`) with an `llvm.call` into the runtime's C ABI
    (`include/coco/Runtime/CocoRuntime.h`). Buffers are passed the way MLIR
    passes unranked memrefs (rank, pointer to the ranked descriptor), so one
    runtime entry point serves every element type and rank; the grid is
    passed as its extents (-1 for `?`) and axis; each call passes a string
    naming the op and its source location for runtime error messages.
    `coco.grid` declarations are erased. Other memref users are left for
    `finalize-memref-to-llvm`; casts between the two are reconciled later.
    A `linalg.matmul` on memrefs of f16, bf16, f32 or f64 with contiguous
    columns (rows may be strided: a row block) becomes `coco_rt_matmul`
    (OpenBLAS), so run it before linalg is lowered to loops; other matmuls
    stay linalg.

    `runtime=gpu` targets the GPU runtime
    (`include/coco/Runtime/CocoRuntimeGPU.h`): the communication calls are
    the same under `coco_gpu_*` names (NCCL), and matmuls become
    `coco_gpu_matmul` (cuBLAS).
  }];
  let options = [
    Option<"runtime", "runtime", "::mlir::coco::RuntimeTarget",
           /*default=*/"::mlir::coco::RuntimeTarget::CPU",
           "The runtime the calls go to",
           [{::llvm::cl::values(
             clEnumValN(::mlir::coco::RuntimeTarget::CPU, "cpu",
                        "coco_rt_* (MPI), matmuls into OpenBLAS"),
             clEnumValN(::mlir::coco::RuntimeTarget::GPU, "gpu",
                        "coco_gpu_* (NCCL), matmuls into cuBLAS"))}]>
  ];
  let dependentDialects = ["::mlir::LLVM::LLVMDialect"];
}

def ConvertShardToCocoPass : Pass<"convert-shard-to-coco", "ModuleOp"> {
  let summary = "Imports a program partitioned by upstream shard into coco";
  let description = [{
    Takes the output of upstream's `sharding-propagation` + `shard-partition`
    (per-rank tensors and `shard.*` collectives on a `shard.grid`) to coco's
    rank-local form: `shard.grid` becomes `coco.grid`, every collective the
    partitioner emits becomes the `coco.comm.*` op (or, for all_slice,
    scatter and gather, a combination) on the same grid axis, and
    `process_multi_index` / `process_linear_index` / `grid_shape` become
    `coco.axis_rank` / `coco.axis_size` arithmetic. From there coco's CPU
    pipeline (`coco-lower-to-cpu`) and runtime take over, with communicators
    cached per grid axis. A collective over several grid axes runs on
    coco's group of those axes (the first outermost, as shard orders a
    multi-index); a shift rotates modulo the axis size for any size. A
    reduction (all_reduce, reduce_scatter, reduce) whose result has another
    element type than its operand accumulates in the result's type, as
    upstream defines it: the operand is converted first (a `linalg.generic`
    of `arith` casts, signless integers as signed). One conversion pattern
    per op (`populateShardToCocoConversionPatterns`).
    Dynamic roots, point to point over several axes and non-rotating shifts
    are rejected with a diagnostic.
  }];
  let dependentDialects = [
    "::mlir::arith::ArithDialect", "::mlir::coco::CocoDialect",
    "::mlir::linalg::LinalgDialect", "::mlir::tensor::TensorDialect"
  ];
}

def CocoShardPlacementsPass : Pass<"coco-shard-placements", "ModuleOp"> {
  let summary = "Records an entry's shard shardings as coco placements";
  let description = [{
    Run before upstream's `shard-partition` (which forgets how the rank-local
    blocks of an entry's arguments make up the global tensors): every
    argument or result of a public function that a `shard.shard` annotates
    gets `coco.distribution = !coco.dtensor<...>`, the global tensor under
    that sharding: split axes become `sliced` placements (several axes on
    one dim keep their order, the first outermost), other axes stay
    replicated. An argument annotated only `annotate_for_users` takes that
    sharding, as shard-partition types it (two such annotations that
    disagree are an error). The host program of coco-compile then reads
    global inputs and cuts each rank's block. Explicit shard offsets are
    accepted where they are coco's blocks (shard-partition types those
    blocks dynamically; the host passes each rank's). That reaches only
    code without collectives on those blocks: convert-shard-to-coco
    imports static shapes, and upstream 22.1's shard-partition crashes on
    most ops over such tensors. Shardings with halos, or other offsets,
    are rejected with a diagnostic.
    (Upstream's sharding has no partial axes in this MLIR: partial sums
    appear as the partitioner's `shard.all_reduce`.)
  }];
  let dependentDialects = ["::mlir::coco::CocoDialect"];
}

#endif // COCO_CONVERSION_PASSES_TD
