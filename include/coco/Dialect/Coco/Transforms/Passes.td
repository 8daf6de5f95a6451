//===- Passes.td - coco transformation passes --------------*- tablegen -*-===//

#ifndef COCO_DIALECT_COCO_TRANSFORMS_PASSES_TD
#define COCO_DIALECT_COCO_TRANSFORMS_PASSES_TD

include "mlir/Pass/PassBase.td"

def CocoLocalizePass : Pass<"coco-localize", "ModuleOp"> {
  let summary = "Rewrites the global view into per-rank tensors";
  let description = [{
    Converts every `!coco.dtensor` into the builtin tensor of its per-rank
    shape (a `sliced<d>` dimension is divided by the axis size, dynamic when
    the grid extent is `?`), compute ops into linalg/arith/math/tensor ops,
    and collectives into destination-style `coco.comm.*` ops naming their
    grid axis. `coco.slice` becomes an `tensor.extract_slice` at this rank's
    offset; `coco.update` becomes a write into the argument's buffer when the
    function returns. Public functions get `llvm.emit_c_interface`.
  }];
  let dependentDialects = [
    "::mlir::arith::ArithDialect", "::mlir::bufferization::BufferizationDialect",
    "::mlir::linalg::LinalgDialect", "::mlir::math::MathDialect",
    "::mlir::scf::SCFDialect", "::mlir::tensor::TensorDialect"
  ];
}

//===----------------------------------------------------------------------===//
// Schedules (CoCoNet's transformations). Each is also a transform.coco op.
//===----------------------------------------------------------------------===//

def CocoSplitPass : Pass<"coco-split", "ModuleOp"> {
  let summary = "Splits every all_reduce into two collectives";
  let description = [{
    `into=rs-ag` (default): `all_reduce K x` becomes
    `all_gather(reduce_scatter K x dim D)` along the same axes, the first
    half of CoCoNet's RS-C-AG schedules; blocks need not be equal. 
    `into=reduce-bcast`: `broadcast(reduce_to_root K x root R) root R`.
    `axes` restricts the split to the all_reduces along exactly those axes.
    Fails, leaving the IR unchanged, when dimension D is missing or the root
    is out of range; `root` with `into=rs-ag` and `dim` with
    `into=reduce-bcast` are errors (the other form's options).
  }];
  let options = [
    Option<"into", "into", "::mlir::coco::SplitForm",
           /*default=*/"::mlir::coco::SplitForm::ReduceScatterAllGather",
           "the two collectives an all_reduce becomes", [{::llvm::cl::values(
             clEnumValN(::mlir::coco::SplitForm::ReduceScatterAllGather,
                        "rs-ag", "reduce_scatter + all_gather"),
             clEnumValN(::mlir::coco::SplitForm::ReduceBroadcast,
                        "reduce-bcast", "reduce_to_root + broadcast"))}]>,
    Option<"dim", "dim", "int64_t", /*default=*/"0",
           "dimension the reduce_scatter slices">,
    Option<"root", "root", "int64_t", /*default=*/"0",
           "root rank of reduce + broadcast">,
    ListOption<"axes", "axes", "int64_t",
               "only collectives along exactly these grid axes (default: all)">
  ];
}

def CocoHierarchicalAllReducePass
    : Pass<"coco-hierarchical-all-reduce", "ModuleOp"> {
  let summary = "Splits an all_reduce over two axis groups into three steps";
  let description = [{
    The two-level all-reduce of multi-node jobs: an `all_reduce` along the
    axes `inner` plus others (the outer ones) becomes
    `all_gather(all_reduce(reduce_scatter(x, dim) along inner) along outer)
    along inner`: ranks sharing the outer coordinates (a node) reduce-scatter
    among themselves, each block is all-reduced across the outer axes (1/R
    of the bytes cross the slow links), and the blocks are gathered back.
    The result equals the flat all_reduce (the sum is regrouped). coco-reorder
    can then run the consumers on the inner blocks and coco-shard-state keep
    state sliced along `inner`. Applies to the all_reduces (of rank > 0)
    that run along all of `inner` and at least one other axis, and warns
    when there is none. Fails, leaving the IR unchanged, when `inner` names
    an axis twice, or for one of those all_reduces `outer` is given and is
    not exactly its other axes, or `dim` is out of range.
  }];
  let options = [
    ListOption<"inner", "inner", "int64_t",
               "the inner grid axes (within a node); required">,
    ListOption<"outer", "outer", "int64_t",
               "the outer axes; default: the all_reduce's other axes">,
    Option<"dim", "dim", "int64_t", /*default=*/"0",
           "dimension the inner reduce_scatter slices">
  ];
}

def CocoReorderPass : Pass<"coco-reorder", "ModuleOp"> {
  let summary = "Moves pointwise work and reductions before all_gathers";
  let description = [{
    CoCoNet's reorder: a pointwise op consuming an `all_gather` runs on the
    slices instead (replicated operands are `coco.slice`d, scalars stay) and
    one `all_gather` follows it; repeated to a fixed point, so a whole chain
    runs sliced and only values still needed whole are gathered. Slices
    of replicated values move up through pointwise ops whose results are only
    used sliced, so replicated state is also computed on 1/R. A
    reduction over a gathered value becomes a partial reduction of the slice
    completed by an `all_reduce` (for `coco.norm`: sum of squares,
    all_reduce, sqrt; a sum of bf16/f16 data is added across the ranks in
    f64 and rounded back once, as the whole sum is, and one that keeps
    other dims stays after the all_gather). An op in a branch that not every
    rank running its all_gather may take stays after it too: the collective
    reordering makes there could wait for ranks that never arrive. With
    `axes`, only
    gathers along exactly those axes
    move. Fails, leaving the IR unchanged, when an op consuming a gathered
    value has an operand that cannot be sliced (not replicated on the
    gather's axes).

    Then a `coco.norm` of a replicated value that the function also reads
    sliced (LAMB's ||w||, once its update runs on this rank's slice of w)
    is computed from that slice the same way: each rank reads 1/R of the
    tensor, in the loop that reads the slice anyway (coco-fuse-elementwise
    merges the two), for one more scalar all_reduce. That trade loses only
    where the tensor is so small that the all_reduce's latency exceeds the
    time to read it whole; `norms-from-slices=false` keeps such norms
    whole. A norm left whole gets a remark saying why.
  }];
  let options = [
    ListOption<"axes", "axes", "int64_t",
               "only collectives along exactly these grid axes (default: all)">,
    Option<"normsFromSlices", "norms-from-slices", "bool", /*default=*/"true",
           "compute the norm of a replicated value from the slice of it the "
           "function reads (one more scalar all_reduce)">
  ];
}

def CocoAutoschedulePass : Pass<"coco-autoschedule", "ModuleOp"> {
  let summary = "Chooses the schedule with a calibrated cost model";
  let description = [{
    Predicts, with the machine profile (coco-calibrate's JSON, or a shipped
    one) and the cost model (coco/CostModel), the time of the program under
    each candidate schedule, applies the fastest (possibly none) and
    remarks the ranking with the predicted times (category
    coco-autoschedule; `--remarks-filter='coco-.*'`). It chooses for each
    class of all_reduces (one input type, reduction, grid axes and kind of
    producer), class by class in program order, pricing the whole program
    as chosen so far. Candidates: AR-C (no change); RS-C-AG (split +
    reorder); fuse(RS-C-AG) (its reduce_scatters marked
    `coco.fuse_reduce_scatter`, which the pipelines fold), with
    `exchange-chunk-bytes` > 0 also as `+whole-exchange` (marked
    `coco.exchange_whole` too: its exchange not cut into chunks, where
    that is another program: the exchange takes more than one chunk); both with
    shard-state of the arguments named in `state` that the split leaves
    sliced (the caller agrees to pass their blocks), and, where the program
    has a norm, each of those also with `+whole-norms` (reorder's
    norms-from-slices=false: a norm of a replicated tensor read whole
    rather than from its slice plus a scalar all_reduce); the hierarchical
    all-reduce over the last axis of a multi-axis all_reduce (+ reorder);
    the overlap of a matmul + all_reduce in 2, 4 and 8 chunks. A candidate
    whose preconditions fail is left out with a remark saying why. A
    function already in the rank-local form (after coco-localize, or
    imported by convert-shard-to-coco) has nothing of the global view to
    choose for: a warning says so and leaves it.
  }];
  let options = [
    Option<"profile", "profile", "std::string", "\"\"",
           "machine profile (JSON)">,
    Option<"ranks", "ranks", "int64_t", "0",
           "number of ranks the program runs on (for '?' grid extents)">,
    ListOption<"state", "state", "std::string",
               "coco.name of arguments the caller lets a schedule shard "
               "(their per-rank shape changes)">,
    Option<"fuseElementwise", "fuse-elementwise", "bool", "true",
           "price as the pipeline will lower: one loop per elementwise "
           "group (false: per op)">,
    Option<"overlapChunks", "overlap-chunks", "int64_t", "0",
           "price as the pipeline will lower: matmul + collective pairs "
           "overlapped in this many chunks">,
    Option<"fuseReduceScatter", "fuse-reduce-scatter", "bool", "false",
           "price as the pipeline will lower: reduce_scatter by all_to_all">,
    Option<"fuseReductions", "fuse-reductions", "bool", "true",
           "price as the pipeline will lower: a norm summed in the loop of "
           "its operand (coco-lower-to-cpu; false: in a loop or kernel of "
           "its own, as coco-lower-to-gpu)">,
    Option<"exchangeChunkBytes", "exchange-chunk-bytes", "int64_t",
           "1048576",
           "price as the pipeline will lower: a fused reduce_scatter's "
           "exchange in chunks of this many bytes received from all peers "
           "together (coco-chunk-exchange, as coco-lower-to-cpu; 0: whole, as "
           "coco-lower-to-gpu)">,
    Option<"callerBytes", "caller-bytes", "int64_t", "0",
           "bytes per rank the caller touches between two calls (a training "
           "loop's forward and backward), which share the caches with the "
           "program's arrays (0: called in a loop of its own)">
  ];
}

def CocoPredictPass : Pass<"coco-predict", "ModuleOp"> {
  let summary = "Reports the cost model's predicted time of each function";
  let description = [{
    An analysis: for every public function, a remark (category
    coco-predict; `--remarks-filter=coco-predict`) with the predicted time
    of one call on `ranks` ranks under the machine profile, split into
    collectives, fused loops, matmuls and overlapped pairs. The IR is not
    changed. What the benchmarks print next to their measurements. The
    model prices the global view: a rank-local function (after
    coco-localize, or imported by convert-shard-to-coco) gets a warning
    instead of a prediction of nothing.
  }];
  let options = [
    Option<"profile", "profile", "std::string", "\"\"",
           "machine profile (JSON)">,
    Option<"ranks", "ranks", "int64_t", "0",
           "number of ranks (for '?' grid extents)">,
    Option<"fuseElementwise", "fuse-elementwise", "bool", "true",
           "as the pipeline option: one loop per elementwise group"
           " (false: one loop per op)">,
    Option<"overlapChunks", "overlap-chunks", "int64_t", "0",
           "as the pipeline option: matmul + collective pairs overlapped in"
           " this many chunks">,
    Option<"fuseReduceScatter", "fuse-reduce-scatter", "bool", "false",
           "as the pipeline option: reduce_scatter exchanges by all_to_all">,
    Option<"fuseReductions", "fuse-reductions", "bool", "true",
           "as the pipeline lowers: a norm summed in the loop of its operand "
           "(coco-lower-to-cpu; false: a loop or kernel of its own, as "
           "coco-lower-to-gpu)">,
    Option<"exchangeChunkBytes", "exchange-chunk-bytes", "int64_t",
           "1048576",
           "as the pipeline option: a fused reduce_scatter's exchange in "
           "chunks of this many bytes received from all peers together "
           "(coco-lower-to-cpu's default; "
           "0: whole, as coco-lower-to-gpu)">,
    Option<"callerBytes", "caller-bytes", "int64_t", "0",
           "bytes per rank the caller touches between two calls (a training "
           "loop's forward and backward), which share the caches with the "
           "program's arrays (0: called in a loop of its own)">
  ];
}

def CocoShardStatePass : Pass<"coco-shard-state", "ModuleOp"> {
  let summary = "Keeps optimizer state sliced across steps (CoCoNet's asSlice)";
  let description = [{
    For each named replicated function argument that the function only uses
    sliced (`coco.slice` along one dim) and updates with an `all_gather` of a
    sliced value, the argument becomes sliced: the slices disappear, the
    update stores the slice and its all_gather is removed (ZeRO-style
    sharded state; the caller passes and keeps only its slice). A
    `coco.norm` of the argument is computed from the slices instead (each
    rank's sum of squares, an all_reduce, the root: LAMB's ||w||). Fails,
    leaving the IR unchanged, if a named argument is used whole otherwise.
  }];
  let options = [
    ListOption<"args", "args", "std::string",
               "coco.name of the arguments to shard (e.g. m,v)">,
    ListOption<"axes", "axes", "int64_t",
               "the grid axes the state newly becomes sliced along, those "
               "its coco.slice ops slice along (default: all of them); axes "
               "it is sliced along already (a Megatron shard) are not "
               "named">
  ];
}

def CocoPipelineSendPass : Pass<"coco-pipeline-send", "ModuleOp"> {
  let summary = "Sends slices to the next pipeline stage (RS-P2P-C-AG)";
  let description = [{
    CoCoNet's pipeline send. A replicated value sent along another grid axis
    than its layout's (`coco.send %y to %peer along 0` with `%y` replicated
    on `@g[1]`) that is the result of an `all_reduce` becomes
    `reduce_scatter` along `dim` + a send of the slice (1/R of the bytes);
    an `all_gather` result sends the gathered slices. Every `coco.recv` of
    the same channel (grid, peer axis, type) receives the slice and
    `all_gather`s it, so coco-reorder can then run the receiver's pointwise
    work on slices. Fails, leaving the IR unchanged, when a send of the
    channel sends some other value, the sends disagree on the dimension, or
    no recv receives them. A `dim` the ranks do not divide is sliced
    unevenly, as numpy.array_split does (5 rows on 2 ranks: 3 and 2).
  }];
  let options = [
    Option<"dim", "dim", "int64_t", /*default=*/"0",
           "dimension an all_reduce's reduce_scatter slices">,
    ListOption<"axes", "axes", "int64_t",
               "only values reduced or gathered along exactly these grid axes (default: all)">
  ];
}

def CocoFuseReduceScatterPass
    : Pass<"coco-fuse-reduce-scatter", "::mlir::func::FuncOp"> {
  let summary = "Folds rank-local reduce_scatters into their consumers' loop";
  let description = [{
    Rank-local view. A `coco.comm.reduce_scatter` along dim 0 on a group of
    grid axes of static size R becomes an `all_to_all` that only moves data
    (each rank receives its chunk from every rank) plus an elementwise
    `linalg.generic` adding the R chunks, which elementwise fusion then
    merges with the pointwise consumers: the reduction happens inside the
    consumer's loop instead of a separate sweep over memory (CoCoNet's
    fused reduce-scatter + compute). Blocks may differ in size
    (`!coco.dtensor`'s rule): each rank then receives into slots as large as
    the largest block (a static result's dim 0 must then be every rank's
    block). Reduce-scatters on other dims or dynamic axes stay as
    they are, with a warning saying why. With `marked-only`, only the reduce_scatters a schedule marked
    `coco.fuse_reduce_scatter` at the global view (coco-autoschedule,
    `transform.coco.fuse_reduce_scatter`) fold; the pipelines run it so
    when their fuse-reduce-scatter option is off; a marked one folds
    whatever `axes` says too. With `axes`, a function whose unmarked
    reduce_scatters all run along other axes gets a warning. A
    reduce_scatter marked `coco.exchange_whole` passes the mark to its
    exchange (for coco-chunk-exchange).
  }];
  let options = [
    ListOption<"axes", "axes", "int64_t",
               "only collectives along exactly these grid axes (default: "
               "all; marked ones fold whatever it says)">,
    Option<"markedOnly", "marked-only", "bool", "false",
           "only the reduce_scatters marked coco.fuse_reduce_scatter">
  ];
  let dependentDialects = ["::mlir::cf::ControlFlowDialect",
                           "::mlir::linalg::LinalgDialect",
                           "::mlir::tensor::TensorDialect"];
}

def CocoChunkExchangePass
    : Pass<"coco-chunk-exchange", "::mlir::func::FuncOp"> {
  let summary = "Exchanges a fused reduce-scatter's blocks chunk by chunk, "
                "inside the loop that sums them";
  let description = [{
    Rank-local view, on buffers (after bufferization, before buffer
    deallocation). coco-fuse-reduce-scatter's exchange, a
    `coco.comm.all_to_all skip_self` of dim 0 into a fresh buffer whose
    blocks one `linalg.generic` reads (the sum of the blocks, fused with
    its consumers: the optimizer's update), receives every other rank's
    block whole before the loop starts: on the CPU the received bytes go
    out to memory and come back when the loop reads them. This pass makes
    it a loop over chunks of the block's rows: exchange rows [s, s + n) of
    every rank's block into a small buffer (`chunk-bytes` from all peers
    together: n rows of each of the R - 1 peers), run
    the generic on those rows, next chunk. The received rows are read while
    they are still in the cache, and the buffer is reused for every chunk.
    Each element is computed from the same operands as before; a
    reduction into a scalar (LAMB's norms) still goes over the rows in
    order, chunk after chunk, but a sum marked reassociable may be
    vectorized per chunk, so its last bits can differ. A `linalg.index 0`
    in the generic (a dropout's element index) gets the chunk's first row
    added, so it still counts the block's rows.
    Uneven blocks (n rows over R ranks, n % R != 0; received into slots of
    the largest block's ceil(n / R) rows) lie at offsets no strided view
    describes: there each chunk is a window of every block (the
    all_to_all's `window %s`: rows [s, s + rows) of each block, cut to its
    end, into a buffer of one `rows`-row slot per rank). The loop walks
    the largest block on every rank, so every rank makes the same calls;
    this rank's rows of a chunk are min(rows, its block - s), none past
    its block's end.
    The exchange moves down to the generic: ops in between may not write
    the buffer it sends (an allocation or a public function's argument,
    whose aliases are its views; an entry's arguments are taken not to
    alias each other), and may hold collectives only outside regions (those keep
    their order on every rank: another parameter's exchange or all_gather).
    An exchange whose blocks are read by anything else or through views
    that do not provably start at a slot (with uneven blocks: of this
    rank's dynamic size), whose sent buffer may have other
    names, whose generic indexes dim 0 other than as its outermost loop,
    whose generic also reads another exchange's
    blocks that is chunked, or whose block fits one chunk stays as it is,
    with a remark saying why; so does one a schedule marked
    `coco.exchange_whole` (coco-autoschedule's +whole-exchange, carried
    from the reduce_scatter), never with a warning.
  }];
  let options = [
    Option<"chunkBytes", "chunk-bytes", "int64_t", /*default=*/"1048576",
           "bytes received per chunk from all peers together (0: no "
           "chunking)">,
    Option<"warnNotApplied", "warn-not-applied", "bool", "false",
           "an exchange left whole is a warning, not only a remark (the "
           "pipelines set it when exchange-chunk-bytes is given)">
  ];
  let dependentDialects = ["::mlir::arith::ArithDialect",
                           "::mlir::memref::MemRefDialect",
                           "::mlir::scf::SCFDialect"];
}

def CocoOverlapPass : Pass<"coco-overlap", "::mlir::func::FuncOp"> {
  let summary = "Overlaps a matmul with the collective consuming its result";
  let description = [{
    Rank-local view, on buffers (after bufferization, before buffer
    deallocation). A `linalg.matmul` whose result (possibly through
    `memref.expand_shape`) is the input of a `coco.comm.all_reduce`, or of a
    `coco.comm.reduce_scatter` along the last dim (the matmul's columns),
    becomes a pipeline of `chunks` row blocks: the matmul of block k, then a
    non-blocking collective of block k (`coco.comm.iall_reduce` /
    `coco.comm.ireduce_scatter` into row block k of the result), so block
    k's communication is in flight while block k+1 computes; the waits
    follow. CoCoNet's ol(MM, AR) and ol(MM, RS). Matmuls whose row count is
    not divisible by `chunks`, results read before the collective, and
    reduce_scatters along the rows are left alone, each with a remark
    saying why (a collective no matmul feeds is not a candidate and passes
    silently). A collective marked
    `coco.overlap_chunks = N` (by `transform.coco.overlap` at the global
    view) is chunked in N blocks whatever `chunks` and `axes` say, with a
    warning if it cannot be. With `axes` (and `chunks` >= 2), a function
    whose unmarked all_reduces and reduce_scatters all run along other
    axes gets a warning.
  }];
  let options = [
    Option<"chunks", "chunks", "int64_t", /*default=*/"2",
           "number of row blocks (>= 2), or 0: only marked collectives">,
    ListOption<"axes", "axes", "int64_t",
               "only collectives along exactly these grid axes (default: "
               "all; marked ones are chunked whatever it says)">
  ];
  let dependentDialects = ["::mlir::memref::MemRefDialect",
                           "::mlir::linalg::LinalgDialect"];
}

def CocoUpdateInPlacePass
    : Pass<"coco-update-in-place", "::mlir::func::FuncOp"> {
  let summary = "Writes updated parameters into their arguments directly";
  let description = [{
    On buffers. `coco.update` bufferizes to a copy of a temporary into the
    parameter's argument at the end of the step; when the op that produces
    the temporary overwrites all of it and nothing from there on reads the
    argument (except that op itself, reading it elementwise, as an optimizer
    update does), that op writes the argument instead and the copy goes
    away: Adam's step reads g, w, m, v and writes w, m, v once, and an
    all_gather of the updated slices lands in the weights directly. Then,
    when the loop producing a gathered slice reads this rank's block of
    the gathered buffer elementwise (a sharded update of w reads w's
    slice), it writes that block and the all_gather runs in place. Cases
    that do not qualify keep their copy or temporary.
  }];
}

#endif // COCO_DIALECT_COCO_TRANSFORMS_PASSES_TD
