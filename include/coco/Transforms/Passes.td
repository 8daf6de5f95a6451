//===- Passes.td - generic linalg/scf/memref passes ---------*- tablegen -*-===//
//
// Passes of coco's pipelines that touch no coco op: they work on upstream
// linalg, tensor, scf and memref IR and could serve any MLIR pipeline. The
// schedule passes that rewrite coco ops are in
// coco/Dialect/Coco/Transforms/Passes.td.
//
//===----------------------------------------------------------------------===//

#ifndef COCO_TRANSFORMS_PASSES_TD
#define COCO_TRANSFORMS_PASSES_TD

include "mlir/Pass/PassBase.td"

def CocoDistinctDestinationsPass
    : Pass<"coco-distinct-destinations", "::mlir::func::FuncOp"> {
  let summary = "Gives every destination-passing op a tensor.empty of its own";
  let description = [{
    Right before one-shot bufferization. CSE folds every `tensor.empty` of
    one shape into one SSA value, so hundreds of loops and collectives write
    "into" the same value. One-shot bufferization's analysis then checks
    each in-place write against every other use of that value and its
    aliases: compile time grows with the cube of the program (an optimizer
    step over 4,000 ops took 18 s, 80% of it in the analysis). Each use gets
    a `tensor.empty` of its own, with the same dynamic sizes, placed in the
    original's block right before the op that holds the use (so not inside
    a loop); the alias sets of unrelated ops stay apart and the analysis
    grows linearly. Ops that did not conflict may no longer share one
    buffer; each still gets at most the one it writes.
  }];
  let dependentDialects = ["::mlir::tensor::TensorDialect"];
}


def CocoBufferizePass : Pass<"coco-bufferize", "::mlir::ModuleOp"> {
  let summary = "One-shot module bufferization whose cost does not grow with "
                "the square of a function's arguments";
  let description = [{
    What upstream's `one-shot-bufferize{bufferize-function-boundaries
    function-boundary-type-conversion=identity-layout-map}` does, in the same
    two steps (the analysis, which resolves every conflict with a copy, then
    the rewrite to memrefs), with one more between them: the arguments'
    `bufferization.writable` attributes, which only the analysis reads, are
    removed from each function in one step.

    Upstream removes them after the rewrite one argument at a time, and each
    removal makes a new array of all the function's argument attributes:
    time and context memory grow with the square of the arguments. An
    optimizer step over 2,000 parameters (6,000 arguments; coco-localize
    marks each tensor argument writable or not) spent 11% of
    `coco-lower-to-cpu`'s instructions there and kept 6,000 arrays of 6,000
    entries (275 MiB) in the context.
  }];
  let statistics = [
    Statistic<"numBufferAlloc", "num-buffer-alloc",
              "Number of buffer allocations">,
    Statistic<"numTensorInPlace", "num-tensor-in-place",
              "Number of tensor OpOperands that bufferized in-place">,
    Statistic<"numTensorOutOfPlace", "num-tensor-out-of-place",
              "Number of tensor OpOperands that bufferized out-of-place">
  ];
  let dependentDialects = [
    "::mlir::bufferization::BufferizationDialect",
    "::mlir::memref::MemRefDialect"
  ];
}

def CocoFreeAfterLastUsePass
    : Pass<"coco-free-after-last-use", "::mlir::func::FuncOp"> {
  let summary = "Frees each temporary buffer right after its last use";
  let description = [{
    Runs right after ownership-based-buffer-deallocation. That pass frees
    every buffer at the end of the block that allocated it, in one
    `bufferization.dealloc` listing all of them; for an optimizer step over
    hundreds of parameters the list holds thousands of buffers, and
    buffer-deallocation-simplification compares each with every other (an
    optimizer step over 16,000 ops: 2 s, growing with the square). Every
    temporary also stays allocated until the block ends, so the step's peak
    memory is the sum of all of them.

    A `memref.alloc` whose ownership is certain (its entry's condition is a
    constant true) and whose buffer cannot escape is taken out of the list
    and freed with `memref.dealloc` right after its last use in its block:
    the last op of the block holding a use of it or of an alias (any memref
    result of an op with side effects that uses it, or non-scalar result of
    a pure one), loops and branches counted as a whole. So the wait of a
    non-blocking collective, which uses its request, counts. It cannot
    escape when no alias reaches a terminator, a pointer extraction, an op
    that frees memory or does not declare its memory effects (a call), or
    another operand of any `bufferization.dealloc` (retained values
    included). Other entries stay in the list for the simplification.

    With `at-block-end`, such a buffer is freed where the block ends, as
    before (its own `memref.dealloc` in place of the list's entry): the
    simplification is linear again, and no buffer is freed earlier than
    the deallocation pass placed it (coco-lower-to-gpu, whose kernels and
    library calls the host does not wait for).
  }];
  let options = [
    Option<"atBlockEnd", "at-block-end", "bool", /*default=*/"false",
           "free at the end of the block rather than after the last use">,
  ];
  let dependentDialects = ["::mlir::memref::MemRefDialect"];
}

def CocoLowerDeallocationsPass
    : Pass<"coco-lower-deallocations", "::mlir::ModuleOp"> {
  let summary = "The end of upstream's deallocation pipeline, where there is "
                "something for it";
  let description = [{
    Runs buffer-deallocation-simplification, lower-deallocations, cse,
    canonicalize and convert-bufferization-to-memref (the end of upstream's
    buffer deallocation pipeline, then clones to copies), but only when an
    op of the bufferization dialect is left: after
    coco-free-after-last-use an optimizer step usually has none, and the
    five passes then changed nothing but still walked the module and (in
    coco-opt) verified it, five times (about 5% of coco-lower-to-cpu on an
    optimizer step of 10,000 ops).
  }];
}

def CocoCanonicalizePass : Pass<"coco-canonicalize"> {
  let summary = "canonicalize, keeping every analysis when it changed nothing";
  let description = [{
    Upstream's canonicalizer (every loaded dialect's and registered op's
    canonicalization patterns, applied greedily with folding), except that
    when the rewrite changed nothing the pass says so: it keeps every
    analysis, and the pass manager then does not verify the IR again.
    "Nothing" means the driver reported no change and the ops, their
    blocks and their order hash the same before and after (the driver
    hoists and merges constants without reporting it).
    Upstream's pass never says so, and in coco-lower-to-cpu two of its four
    runs change nothing on an optimizer step: each was a verification of
    the whole module for nothing.
  }];
  let options = [
    Option<"topDown", "top-down", "bool", /*default=*/"true",
           "Seed the worklist in pre-order (upstream's default)">,
    Option<"regionSimplify", "region-simplify", "bool", /*default=*/"true",
           "Erase unreachable blocks and unused block arguments">,
  ];
}

def CocoWhenApplicablePass
    : Pass<"coco-when-applicable", "::mlir::ModuleOp"> {
  let summary = "Runs an upstream lowering only where its patterns apply";
  let description = [{
    Runs `pass` (lower-affine, arith-expand, expand-realloc or
    expand-strided-metadata, with its options) as a nested pipeline when
    some op of the module is the root of one of that pass's rewrite
    patterns (from the populate functions upstream's pass calls, in a
    table that a new LLVM must be checked against); otherwise touches
    nothing and keeps
    every analysis, so the pass manager does not verify the module again.
    (Upstream's drivers may also fold or erase dead ops they pass by; that
    is left to the canonicalizations.) When the pass runs, the nested
    pipeline verifies the module once and the outer pass does not again.
    On an optimizer step none of the four has anything to do, and each
    verified the module, three of them in its largest form (about 10% of
    coco-lower-to-cpu at 10,000 ops). A pass whose patterns include one
    that matches any op always runs.
  }];
  let options = [
    Option<"pass", "pass", "std::string", /*default=*/"\"\"",
           "The pass to run, as in a pipeline: one of lower-affine, "
           "arith-expand, expand-realloc, expand-strided-metadata, with "
           "options in braces">,
  ];
}

def CocoSCFToCFPass : Pass<"coco-scf-to-cf"> {
  let summary = "convert-scf-to-cf, the last structured op of a block first";
  let description = [{
    Upstream's patterns (populateSCFToControlFlowConversionPatterns) and
    target, applied without rollback, to the outermost structured ops in
    reverse order. Lowering a loop splits its block after it; upstream
    converts in program order, so every split moves all the rest of a long
    block into a new one, whose op order is then recomputed for the next
    dominance query: quadratic in the block (an optimizer step over 16,000
    ops: 1.4 s, 10x from 8,000). Last first, each split moves only the ops
    up to the block already lowered after it.
  }];
  let dependentDialects = ["::mlir::cf::ControlFlowDialect"];
}

def CocoPromoteBF16ArithPass : Pass<"coco-promote-bf16-arith"> {
  let summary = "Computes bf16 arithmetic in f32, rounding each result to bf16";
  let description = [{
    Every arith or math op with fastmath flags that computes in bf16 (its
    float operands and results all bf16; extf and truncf change type and
    are left alone) becomes `arith.extf` of its operands, the same op
    in f32, and `arith.truncf` of each result back to bf16. Each op's
    result is rounded to bf16 as before, and the extf/truncf carry no
    fastmath flags, so a chain of bf16 sums (a reduce-scatter's blocks
    added one by one) keeps its roundings: an extf of a contracted truncf
    would fold away. For +, -, *, / and sqrt the bits of every non-NaN
    result are the exact bf16 results (f32's 24 bits are more than
    2 * 8 + 2, so rounding twice cannot differ); for every op they are the
    bits LLVM's own promotion gives. The ops that only change the sign bit
    (negf, absf, copysign) are left alone: LLVM lowers them to bit
    operations that keep a NaN's payload.

    Why: x86 without AVX512-BF16 has no bf16 arithmetic. LLVM promotes each
    scalar bf16 op itself, rounding back through a compiler-rt call
    (`__truncsfbf2`) that keeps the loop from vectorizing; after this pass,
    `arith-expand{include-bf16}` turns the truncf into integer ops that
    vectorize. Mixed-precision Adam's fused reduce-scatter step at 16M:
    see benchmarks/README.md. f16 is not promoted: with F16C LLVM converts it
    inline.
  }];
  let dependentDialects = ["::mlir::arith::ArithDialect"];
}

def CocoExpandBF16TruncFPass : Pass<"coco-expand-bf16-truncf"> {
  let summary = "Rounds f32 to bf16 with integer ops that vectorize";
  let description = [{
    Every `arith.truncf` from f32 (or a vector of f32; not tensors) to bf16
    that rounds to nearest even (the default) becomes integer ops: the float's bits,
    plus 0x7fff and the lowest kept bit, shifted right by 16; a NaN
    (magnitude above 0x7f800000) keeps its sign and upper payload and is
    made quiet (| 0x40). These are the bits of the runtime's conversion
    (lib/Runtime/HalfFloat.h) and of upstream's `arith-expand{include-bf16}`
    for every non-NaN input; upstream returns one canonical NaN.

    Why: upstream's expansion tests for NaN with a float comparison
    (`cmpf une x, x`) selecting between i16 values, and LLVM's x86 cost model
    scalarizes that: in a mixed-precision step's loop, which writes the bf16
    copy of the updated f32 weights, every element took a `vucomiss`, a
    `cmovp` and a 16-bit store, and sgd-mixed's AR-C step at 1M elements
    took longer than the f32 step's, whose all_reduce moves twice the
    bytes. With the NaN test on the integer bits the loop vectorizes (AVX2:
    8 elements per `vpcmpgtd`). x86 without AVX512-BF16 has no conversion
    instruction; f16 is left alone (F16C converts it).
  }];
  let dependentDialects = ["::mlir::arith::ArithDialect"];
}

def CocoFinalizeToLLVMPass
    : Pass<"coco-finalize-to-llvm", "::mlir::ModuleOp"> {
  let summary = "memref, arith, math, func and cf to LLVM in one conversion, "
                "casts reconciled";
  let description = [{
    The end of both pipelines (in coco-lower-to-gpu, after gpu-to-llvm):
    upstream's patterns of
    finalize-memref-to-llvm (allocations through the generic
    `_mlir_memref_to_llvm_alloc`/`free`, which the runtime's caching
    allocator provides), convert-math-to-llvm, convert-arith-to-llvm,
    convert-func-to-llvm (C interfaces included) and convert-cf-to-llvm
    (cf.assert included), applied in one partial conversion without
    rollback. Five passes walked and legalized the whole module five times
    and verified it in between. While function signatures convert, each
    function's body sits in a block of its own after a branch from the
    entry block, and is merged back afterwards: converting a signature
    inserts a cast per argument at the top of the entry block and checks
    every use in that block against it, renumbering the block after each
    insertion, which in a long entry block was quadratic. Then the casts
    the conversion left are reconciled (reconcile-unrealized-casts, which
    as a pass of its own would walk and verify the module's largest form
    once more). Last, the C interface of a function coco-isolate-symbols
    renamed (`_mlir_ciface_coco.fn.step`) is named after the function's own
    name again (`_mlir_ciface_step`), and the pass fails at the first op
    that is not LLVM (nested symbol tables and gpu.launch_func aside): the
    conversion is partial, and a program the pipeline cannot lower (a
    scalar of a type without an LLVM rule, a signature type without an
    LLVM type, a transform schedule left unapplied) came out for
    coco-translate to refuse at IR the user never wrote. Run arith-expand
    first.
  }];
  let dependentDialects = ["::mlir::LLVM::LLVMDialect"];
}

def CocoIsolateSymbolsPass
    : Pass<"coco-isolate-symbols", "::mlir::ModuleOp"> {
  let summary = "Renames every compiled function coco.fn.<name>, so that no "
                "name a program picks can be a library's symbol";
  let description = [{
    Runs before anything is lowered to LLVM (in coco-lower-to-gpu, after
    kernel outlining). A function's name was its symbol in the object, where
    it met every library the program links and every function the lowering
    looks up by name: a function named `exp` in an f64 program was called
    by LLVM's `exp` libcall and recursed until it crashed, `memcpy` took the
    `llvm.memcpy` lowering's calls, an executable's `free` or `send`
    interposed libc's for libc itself and for MPI, `abort` took
    `cf.assert`'s call, and `main` met the host program's. Every defined
    function whose name is a C identifier becomes `coco.fn.<name>` (a dot:
    no C symbol has one), and every reference follows; a second run
    changes nothing. Declarations keep their names (functions defined
    elsewhere: one defined in another coco object is declared as
    `coco.fn.<name>`). coco-finalize-to-llvm names the C interfaces of
    public functions `_mlir_ciface_<name>` again: host programs and
    in-process libraries call them by the entry's name. A module that has
    a symbol of a new name already is an error. Private functions (called
    from the module only) get internal linkage: they are not symbols of the
    object at all.
  }];
  let dependentDialects = ["::mlir::func::FuncDialect",
                           "::mlir::LLVM::LLVMDialect"];
}

def CocoMatmulLoopOrderPass
    : Pass<"coco-matmul-loop-order", "::mlir::func::FuncOp"> {
  let summary = "Orders matmul loops i, k, j so the innermost loop vectorizes";
  let description = [{
    A `linalg.matmul` lowered as is runs its reduction (k) innermost, over a
    column of B: strided, not vectorized. As a `linalg.generic` iterating
    (i, k, j), the innermost loop streams a row of B and of C with one
    broadcast multiply-add per element, which LLVM vectorizes. Runs on
    buffers, after coco-overlap (which looks for linalg.matmul).
  }];
  let dependentDialects = ["::mlir::linalg::LinalgDialect"];
}

def CocoPromoteLoopAccumulatorsPass
    : Pass<"coco-promote-loop-accumulators", "::mlir::func::FuncOp"> {
  let summary = "Carries a loop's scalar accumulator in a register";
  let description = [{
    On scf loops over buffers (after convert-linalg-to-loops). A 0-d buffer
    that a loop's body loads and then stores, once each and nowhere else in
    the loop, and that nothing can alias (an allocation used only by loads,
    stores, copies and its deallocation), becomes an iteration argument of
    the loop: loaded once before it, stored once after it. A reduction to a
    scalar is then a chain of values LLVM can split into vector lanes (the
    adds of coco's sums carry `reassoc`), also when the loop writes other
    buffers, where LLVM cannot prove the accumulator's stores apart from
    theirs (a norm fused with the loop producing its operand).
  }];
  let dependentDialects = ["::mlir::memref::MemRefDialect",
                           "::mlir::scf::SCFDialect"];
}

def CocoFuseElementwisePass
    : Pass<"coco-fuse-elementwise", "::mlir::func::FuncOp"> {
  let summary = "Fuses every chain of elementwise linalg ops into one loop";
  let description = [{
    Rank-local view. Like upstream's linalg-fuse-elementwise-ops, but a
    producer with several users is fused too: the fused op also returns the
    producer's value where it is still needed, so an optimizer step that
    updates w, m and v becomes one linalg.generic with three results (one
    sweep over memory) instead of one loop per value. Nothing is computed
    twice. Inputs may be read through broadcasts or transposes (projected
    permutations; each keeps its map in the merged loop), so a bias
    broadcast fuses into the add that consumes it; a producer's result must
    be read elementwise. A slice of an elementwise op's only result (the
    bias broadcast sliced for this rank after coco-reorder) first becomes
    the op on slices of its operands, unless the op uses linalg.index.
    A reduction to a scalar (linalg.reduce over every dim) of such a loop's
    result joins the loop as a 0-d accumulator, so LAMB's norm of its
    update is summed as the update is made, and the squares are never
    stored and read back; the merged loop's iterators are then reductions
    (each elementwise result is still written once per element).

    Then siblings merge: a loop (or a reduction to a scalar) that reads an
    array an earlier loop reads, both with the identity map, joins the
    earlier loop when it reads nothing that loop computes, directly or
    through the ops in between (it moves up, with the pure ops it needs,
    to the earlier loop's place). The array is then read once: LAMB's
    norm of its weights (of its slice, after coco-reorder) is summed in the
    loop that reads them for the update. A reduction of a value no loop
    reads stays on its own. Without `reductions`, only elementwise loops
    merge as siblings, and a reduction to a scalar takes in only an
    elementwise loop that nothing else reads (a norm's squares): the merged
    loop is still a reduction on its own, which coco-gpu-reductions makes
    a kernel of, and the squares are not stored.
  }];
  let options = [
    Option<"reductions", "reductions", "bool", /*default=*/"true",
           "Fold reductions to a scalar into the loop of their operand "
           "(coco-lower-to-gpu turns this off: its reduction kernels take "
           "a reduction on its own)">
  ];
  let dependentDialects = ["::mlir::linalg::LinalgDialect"];
}

def CocoGPUReductionsPass
    : Pass<"coco-gpu-reductions", "::mlir::func::FuncOp"> {
  let summary = "Runs reductions to a scalar as two GPU kernels";
  let description = [{
    On buffers, in coco-lower-to-gpu. A linalg op whose loops are all
    reductions into a 0-d buffer (LAMB's norms) has no parallel loop for
    threads; left alone it runs on the host over managed memory. It becomes
    two `gpu.launch`es: up to `max-blocks` blocks of `block-size` threads
    fold the iterations grid-stride with the op's payload and combine each
    block with `gpu.all_reduce` into one partial per block; one block then
    folds the partials into the output. No atomics: the result depends only
    on the sizes, so runs are reproducible. Payloads must be
    `yield combine(out, f(inputs))` with an add, mul, min, max, and, or or
    xor combiner on f32, f64, i32 or i64; other reductions stay as they are.
  }];
  let options = [
    Option<"blockSize", "block-size", "int64_t", /*default=*/"256",
           "Threads per block (a multiple of 32, at most 1024)">,
    Option<"maxBlocks", "max-blocks", "int64_t", /*default=*/"1024",
           "Most blocks of the first kernel (partials combined by the second)">,
  ];
  let dependentDialects = ["::mlir::gpu::GPUDialect",
                           "::mlir::scf::SCFDialect",
                           "::mlir::memref::MemRefDialect",
                           "::mlir::affine::AffineDialect",
                           "::mlir::arith::ArithDialect"];
}

def CocoCopiesToLinalgPass
    : Pass<"coco-copies-to-linalg", "::mlir::func::FuncOp"> {
  let summary = "Turns host memref.copy ops into linalg.copy";
  let description = [{
    On buffers, in coco-lower-to-gpu. A memref.copy lowers to a memcpy on
    the host, which on managed memory migrates the pages kernels wrote; as
    linalg.copy it becomes a parallel loop and then a kernel like the rest
    of linalg.
  }];
  let dependentDialects = ["::mlir::linalg::LinalgDialect"];
}

def CocoFlattenParallelLoopsPass
    : Pass<"coco-flatten-parallel-loops", "::mlir::func::FuncOp"> {
  let summary = "Collapses every outermost scf.parallel into one dimension";
  let description = [{
    In coco-lower-to-gpu, before the loops are tiled onto blocks of threads
    (which tiles only the first dimension): broadcasts, fills, copies and
    any loop nest left with several parallel dimensions run over all their
    iterations as one, with the indices rebuilt by div/rem.
  }];
  // collapseParallelLoops normalizes bounds with affine.apply.
  let dependentDialects = ["::mlir::affine::AffineDialect",
                           "::mlir::arith::ArithDialect",
                           "::mlir::scf::SCFDialect"];
}

def CocoDedupGPUModulesPass
    : Pass<"coco-dedup-gpu-modules", "::mlir::ModuleOp"> {
  let summary = "Keeps one of each set of identical outlined GPU modules";
  let description = [{
    After `gpu-kernel-outlining`, every launch has a `gpu.module` of its own,
    and each is compiled to a binary of its own (NVVM, LLVM's NVPTX backend,
    ptxas: about 25 ms each here). An optimizer step runs the same update
    over every parameter of a shape, so most of those modules are the same
    code. Modules whose attributes (but the name) and bodies print the same,
    locations aside, are one: launches of the others are redirected to the
    first, and the others are erased, in one walk over the module.

    The modules kept move to the top of the module, before the host's
    globals and functions. A symbol lookup without a table scans the
    module from the top, and the GPU dialect's verifier looks up the
    module of every `gpu.launch_func` that way: after the string globals of
    thousands of collectives, that was quadratic (16,000 ops: 0.3 s per
    verification, after each of the remaining passes).
  }];
  let dependentDialects = ["::mlir::gpu::GPUDialect"];
}

#endif // COCO_TRANSFORMS_PASSES_TD
