// coco-autoschedule prices every candidate schedule with the cost model and
// a machine profile, applies the fastest and remarks the ranking.
//
// Memory slow, collectives cheap, an exchange cheaper than a reduce_scatter
// (which also sums): the fewer bytes each rank's loop moves, the better, so
// RS-C-AG, with the caller's consent (state=m) sharded state on top, and
// the reduce_scatter fused into the update's loop (marked: the pipeline
// folds it). A remark at the function sums up, one at the all_reduce gives
// its class's ranking.
// RUN: coco-opt %s "--coco-autoschedule=profile=%S/Inputs/memory-bound.json state=m" --remarks-filter=coco-autoschedule 2>&1 | FileCheck %s --check-prefix=MEM
// MEM: coco-autoschedule.mlir:[[@LINE+57]]:1: remark: [Passed] applied | Category:coco-autoschedule | Function=step | Remark="chose fuse(RS-C-AG)+shard-state(m): predicted {{[0-9.]+}} ms per step with memory-bound (test) (ranking: fuse(RS-C-AG)+shard-state(m) {{[0-9.]+}} ms, RS-C-AG+shard-state(m) {{[0-9.]+}} ms, fuse(RS-C-AG) {{[0-9.]+}} ms, RS-C-AG {{[0-9.]+}} ms, AR-C {{[0-9.]+}} ms)"
// MEM: coco-autoschedule.mlir:[[@LINE+58]]:10: remark: [Passed] applied | Category:coco-autoschedule | Function=step | Remark="chose fuse(RS-C-AG)+shard-state(m) for 1 all_reduce of !coco.dtensor<4096xf32, local on @dp> sum along [0]: predicted {{[0-9.]+}} ms per step (ranking: fuse(RS-C-AG)+shard-state(m)
// MEM: func.func @step(%arg0
// MEM-SAME: !coco.dtensor<4096xf32, sliced<0> on @dp> {coco.name = "m"}
// MEM: coco.reduce_scatter sum %arg1 dim 0 {coco.fuse_reduce_scatter}
// MEM-NOT: coco.all_reduce
//
// Every collective costs a second: one all_reduce beats a reduce_scatter
// (or an exchange) and its all_gathers; nothing changes.
// RUN: coco-opt %s "--coco-autoschedule=profile=%S/Inputs/latency-bound.json state=m" --remarks-filter=coco-autoschedule 2>&1 | FileCheck %s --check-prefix=LAT
// LAT: remark: [Passed] applied | Category:coco-autoschedule | Function=step | Remark="chose AR-C: predicted 1000.{{[0-9]+}} ms per step with latency-bound (test) (ranking: AR-C 1000.{{[0-9]+}} ms, RS-C-AG+shard-state(m) 2000.{{[0-9]+}} ms, fuse(RS-C-AG)+shard-state(m) 2000.{{[0-9]+}} ms, RS-C-AG 3000.{{[0-9]+}} ms, fuse(RS-C-AG) 3000.{{[0-9]+}} ms)"
// LAT: coco.all_reduce sum
// LAT-NOT: coco.reduce_scatter
//
// The CPU pipeline's schedule=auto runs it first, and folds the marked
// reduce_scatter although its fuse-reduce-scatter option is off: the
// gradient is exchanged (all_to_all), never reduce-scattered.
// RUN: coco-opt %s "--coco-lower-to-cpu=schedule=auto profile=%S/Inputs/memory-bound.json state=m" --remarks-filter=coco-autoschedule 2>&1 | FileCheck %s --check-prefix=PIPE
// PIPE: Remark="chose fuse(RS-C-AG)+shard-state(m): predicted
// PIPE-NOT: coco_rt_reduce_scatter
// PIPE: llvm.call @coco_rt_all_to_all
// PIPE-NOT: coco_rt_reduce_scatter
//
// The fused exchange in chunks (exchange-chunk-bytes, as coco-lower-to-cpu
// cuts it) or whole (+whole-exchange): each further chunk costs a call's
// latency (1 us here), the whole exchange has the loop read the received
// block (8 KiB) from memory (8 us here). In chunks of 1 KiB per peer (8
// calls) chunked wins; of 512 bytes (16 calls) whole wins, and the
// reduce_scatter is marked coco.exchange_whole, which coco-chunk-exchange
// then leaves whole (a remark: a schedule chose it, although the user gave
// the chunk size).
// RUN: coco-opt %s "--coco-autoschedule=profile=%S/Inputs/memory-bound.json state=m exchange-chunk-bytes=1024" --remarks-filter=coco-autoschedule 2>&1 | FileCheck %s --check-prefix=CHUNKED
// CHUNKED: Function=step | Remark="chose fuse(RS-C-AG)+shard-state(m): predicted {{[0-9.]+}} ms per step with memory-bound (test) (ranking: fuse(RS-C-AG)+shard-state(m) {{[0-9.]+}} ms, fuse(RS-C-AG)+shard-state(m)+whole-exchange {{[0-9.]+}} ms,
// CHUNKED-NOT: coco.exchange_whole
// RUN: coco-opt %s "--coco-autoschedule=profile=%S/Inputs/memory-bound.json state=m exchange-chunk-bytes=512" --remarks-filter=coco-autoschedule 2>&1 | FileCheck %s --check-prefix=WHOLE
// WHOLE: Function=step | Remark="chose fuse(RS-C-AG)+shard-state(m)+whole-exchange: predicted {{[0-9.]+}} ms per step with memory-bound (test) (ranking: fuse(RS-C-AG)+shard-state(m)+whole-exchange {{[0-9.]+}} ms, RS-C-AG+shard-state(m) {{[0-9.]+}} ms, fuse(RS-C-AG)+shard-state(m) {{[0-9.]+}} ms,
// WHOLE: coco.reduce_scatter sum %arg1 dim 0 {coco.exchange_whole, coco.fuse_reduce_scatter}
// RUN: coco-opt %s "--coco-lower-to-cpu=schedule=auto profile=%S/Inputs/memory-bound.json state=m exchange-chunk-bytes=512" --remarks-filter=coco-chunk-exchange -o /dev/null 2>&1 | FileCheck %s --check-prefix=PIPEWHOLE --implicit-check-not=warning
// PIPEWHOLE: remark: [Missed] not-applied | Category:coco-chunk-exchange | Function=step | Remark="exchanged whole before its loop: a schedule keeps it whole (coco.exchange_whole)"
// RUN: coco-opt %s "--coco-lower-to-cpu=schedule=auto profile=%S/Inputs/memory-bound.json state=m exchange-chunk-bytes=1024" --remarks-filter=coco-chunk-exchange -o /dev/null 2>&1 | FileCheck %s --check-prefix=PIPECHUNKED
// PIPECHUNKED: remark: [Passed] applied | Category:coco-chunk-exchange | Function=step | Remark="exchanged in chunks of 256 of 2048 rows
//
// A misspelled mode is an error, not the program left as it is.
// RUN: not coco-opt %s "--coco-lower-to-cpu=schedule=atuo" 2>&1 | FileCheck %s --check-prefix=MODE
// MODE: for the --schedule option: Cannot find option named 'atuo'
//
// RUN: not coco-opt %s --coco-autoschedule 2>&1 | FileCheck %s --check-prefix=NOPROFILE
// NOPROFILE: error: coco-autoschedule: give the machine profile with profile=FILE
// RUN: not coco-opt %s --coco-autoschedule=profile=%s 2>&1 | FileCheck %s --check-prefix=BADPROFILE
// BADPROFILE: error: coco-autoschedule: {{.*}}coco-autoschedule.mlir: machine profile: not JSON
// RUN: not coco-opt %s --coco-autoschedule=profile=%t.missing.json 2>&1 | FileCheck %s --check-prefix=MISSING
// MISSING: error: coco-autoschedule: machine profile: cannot read {{.*}}missing.json

coco.grid @dp(shape = [2])
!Rep = !coco.dtensor<4096xf32, replicated on @dp>
!Loc = !coco.dtensor<4096xf32, local on @dp>

func.func @step(%w: !Rep {coco.name = "w"}, %g: !Loc {coco.name = "g"},
                %m: !Rep {coco.name = "m"}, %lr: f32 {coco.name = "lr"}) {
  %sum = coco.all_reduce sum %g : !Loc
  %mn = coco.add %m, %sum : !Rep, !Rep
  %d = coco.mul %mn, %lr : !Rep, f32
  %wn = coco.sub %w, %d : !Rep, !Rep
  coco.update %w, %wn : !Rep
  coco.update %m, %mn : !Rep
  return
}

// A declaration naming the state is passed over by shard-state's trials
// (reading its arguments segfaulted).
func.func private @decl(!Rep {coco.name = "m"})

// An error about an option or the whole program stands alone: the module is
// not printed after it (as coco-opt prints the op a diagnostic is emitted on).
// MISSING-NOT: see current operation
// NOPROFILE-NOT: see current operation
