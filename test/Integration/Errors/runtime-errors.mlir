// Failures at run time give one clear line naming the rank, the op and its
// source location, and a non-zero exit of the job; none hangs.
//
// RUN: coco-compile %s --entry=sum_small -o %t.small
// RUN: coco-compile %s --entry=sum_big -o %t.big
// RUN: coco-compile %s --entry=only_rank0 -o %t.rank0
// RUN: coco-compile %s --entry=four_ranks -o %t.four
// RUN: coco-compile %s --entry=sliced -o %t.sliced
// RUN: coco-compile %s --entry=needs_scalar -o %t.scalar
//
// A real MPI error (rank 1 passes an invalid count to MPI_Allreduce):
// RUN: env COCO_FAULT_INJECT=all_reduce:1 not %mpirun 2 %t.small 2>&1 | FileCheck %s --check-prefix=MPI
// MPI: coco runtime error: rank 1: coco.all_reduce at {{.*}}runtime-errors.mlir:[[@LINE+57]]:8: MPI_Allreduce failed: MPI_ERR_COUNT
//
// Ranks running executables of other entries (MPMD launch) are refused
// before they run (host-agreement.mlir); the per-collective check below
// (DIVERGE, at the end) meets ranks that take other paths of one program.
// RUN: not %mpirun 1 %t.small : -np 1 %t.big 2>&1 | FileCheck %s --check-prefix=SHAPE
// SHAPE: coco runtime error: rank {{[01]}}: coco host program: ranks run different entries (this rank runs @sum_{{small|big}}; world rank {{[01]}} runs @sum_{{small|big}})
//
// A rank that never reaches the collective: the watchdog ends the job.
// Rank 1 waits meanwhile in the host program's end-of-run check, watched
// with twice the limit, so that the rank stuck at the op is the one that
// reports it, and rank 1 says nothing.
// RUN: env COCO_TIMEOUT_S=4 not %mpirun 2 %t.rank0 2>&1 | FileCheck %s --check-prefix=HANG --implicit-check-not="rank 1"
// HANG: coco runtime error: rank 0: coco.all_reduce at {{.*}}runtime-errors.mlir:{{[0-9]+}}:{{[0-9]+}}: timed out after 4 s waiting for other ranks (a peer failed or took a different path)
// With rank 0's watchdog off (MPMD launch), rank 1's end-of-run check
// reports after twice its limit:
// RUN: not %mpirun 1 env COCO_TIMEOUT_S=0 %t.rank0 : -np 1 env COCO_TIMEOUT_S=2 %t.rank0 2>&1 | FileCheck %s --check-prefix=ARRIVE --implicit-check-not="rank 0"
// ARRIVE: coco runtime error: rank 1: coco_rt_max_over_ranks: timed out after 4 s (twice COCO_TIMEOUT_S) waiting for other ranks to arrive (a peer failed, took a different path, or is still working)
//
// A limit the watchdog cannot count (it counts twice it in nanoseconds):
// RUN: env COCO_TIMEOUT_S=1e9 not %mpirun 1 %t.small 2>&1 | FileCheck %s --check-prefix=LIMIT
// LIMIT: coco runtime error: rank 0: coco_rt_init: COCO_TIMEOUT_S must be a number of seconds from 0 to 1e8 (0 disables the watchdog), not '1e9'
//
// A fault aimed at a rank beyond int: refused, not wrapped onto rank 0.
// RUN: env COCO_FAULT_INJECT=all_reduce:4294967296 not %mpirun 1 %t.small 2>&1 | FileCheck %s --check-prefix=FAULTRANK
// FAULTRANK: coco runtime error: rank 0: coco_rt_init: COCO_FAULT_INJECT must be <op>:<world rank> {{.*}}; not 'all_reduce:4294967296'
//
// COCO_CHECK set on one rank only: every rank says so at start-up, none
// waits (the check-less rank would skip the agreements the other waits in).
// (Under a 50 s timeout with COCO_TIMEOUT_S=60: the watchdog cannot be what
// ends it.)
// RUN: env COCO_TIMEOUT_S=60 not timeout 50 %mpirun 1 env COCO_CHECK=0 %t.small : -np 1 %t.small 2>&1 | FileCheck %s --check-prefix=CHECKDIFF
// CHECKDIFF: coco runtime error: rank {{[01]}}: coco_rt_init: COCO_CHECK differs between ranks (this rank has {{[01]}}, another {{[01]}}): set it the same on every rank (mpirun -x COCO_CHECK)
//
// A grid that does not cover the job:
// RUN: not %mpirun 2 %t.four 2>&1 | FileCheck %s --check-prefix=GRID
// GRID: coco runtime error: rank 0: {{.*}}grid [4] needs 4 ranks but the job has 2
//
// A sliced dimension the ranks do not divide is no error: 8 elements over 3
// ranks are blocks of 3, 3 and 2, and gathering them gives the same tensor
// as one rank holding it whole (the inputs come from a seeded generator).
// RUN: %mpirun 3 %t.sliced 2>&1 | FileCheck %s --check-prefix=UNEVEN
// RUN: %mpirun 1 %t.sliced 2>&1 | FileCheck %s --check-prefix=UNEVEN
// UNEVEN: result0: 8xf32 replicated, rank 0 holds 8xf32: [-0.597583, 0.617054, 0.286647, 0.656219, ...] sum 2.16821334
//
// Inputs of the wrong size, and a scalar without a value:
// RUN: rm -rf %t.in && mkdir -p %t.in && printf '0123' > %t.in/x.rank0.bin && printf '0123' > %t.in/x.rank1.bin
// RUN: not %mpirun 2 %t.small --in %t.in 2>&1 | FileCheck %s --check-prefix=SIZE
// SIZE: x.rank{{[01]}}.bin holds 4 bytes, but 'x' (1024xf32) needs 4096
// RUN: not %mpirun 2 %t.scalar 2>&1 | FileCheck %s --check-prefix=SCALAR
// SCALAR: scalar argument 'alpha' has no value: pass --set alpha=VALUE

coco.grid @dp(shape = [?])
coco.grid @quad(shape = [4])

func.func @sum_small(%x: !coco.dtensor<1024xf32, local on @dp> {coco.name = "x"})
    -> !coco.dtensor<1024xf32, replicated on @dp> {
  %0 = coco.all_reduce sum %x : !coco.dtensor<1024xf32, local on @dp>
  return %0 : !coco.dtensor<1024xf32, replicated on @dp>
}

func.func @sum_big(%x: !coco.dtensor<2048xf32, local on @dp> {coco.name = "x"})
    -> !coco.dtensor<2048xf32, replicated on @dp> {
  %0 = coco.all_reduce sum %x : !coco.dtensor<2048xf32, local on @dp>
  return %0 : !coco.dtensor<2048xf32, replicated on @dp>
}

// Only rank 0 takes part in the all_reduce.
func.func @only_rank0(%x: !coco.dtensor<16xf32, local on @dp> {coco.name = "x"}) {
  %r = coco.axis_rank @dp[0]
  %c0 = arith.constant 0 : index
  %is0 = arith.cmpi eq, %r, %c0 : index
  scf.if %is0 {
    %0 = coco.all_reduce sum %x : !coco.dtensor<16xf32, local on @dp>
  }
  return
}

func.func @four_ranks(%x: !coco.dtensor<16xf32, local on @quad> {coco.name = "x"})
    -> !coco.dtensor<16xf32, replicated on @quad> {
  %0 = coco.all_reduce sum %x : !coco.dtensor<16xf32, local on @quad>
  return %0 : !coco.dtensor<16xf32, replicated on @quad>
}

func.func @sliced(%x: !coco.dtensor<8xf32, sliced<0> on @dp> {coco.name = "x"})
    -> !coco.dtensor<8xf32, replicated on @dp> {
  %0 = coco.all_gather %x : !coco.dtensor<8xf32, sliced<0> on @dp>
  return %0 : !coco.dtensor<8xf32, replicated on @dp>
}

func.func @needs_scalar(%x: !coco.dtensor<4xf32, replicated on @dp> {coco.name = "x"},
                        %a: f32 {coco.name = "alpha"})
    -> !coco.dtensor<4xf32, replicated on @dp> {
  %0 = coco.mul %x, %a : !coco.dtensor<4xf32, replicated on @dp>, f32
  return %0 : !coco.dtensor<4xf32, replicated on @dp>
}

// A rank that never starts the overlapped chunks' non-blocking all_reduce:
// the other rank's coco_rt_wait is watched like any blocking call (by the
// watchdog, with the limit as validated at init: 2.5 s, not rounded).
// RUN: coco-compile %s --entry=only_rank0_overlapped --pipeline 'coco-lower-to-cpu{overlap-chunks=2}' -o %t.overlapped
// RUN: env COCO_TIMEOUT_S=2.5 not %mpirun 2 %t.overlapped 2>&1 | FileCheck %s --check-prefix=WAIT --implicit-check-not="rank 1"
// WAIT: coco runtime error: rank 0: coco.iall_reduce at {{.*}}runtime-errors.mlir:[[@LINE+8]]:10: timed out after 2.5 s waiting for other ranks (a peer failed or took a different path)
func.func @only_rank0_overlapped(%a: !coco.dtensor<8x4xf32, sliced<1> on @dp> {coco.name = "a"},
                                 %b: !coco.dtensor<4x8xf32, sliced<0> on @dp> {coco.name = "b"}) {
  %r = coco.axis_rank @dp[0]
  %c0 = arith.constant 0 : index
  %is0 = arith.cmpi eq, %r, %c0 : index
  scf.if %is0 {
    %p = coco.matmul %a, %b : !coco.dtensor<8x4xf32, sliced<1> on @dp>, !coco.dtensor<4x8xf32, sliced<0> on @dp>
    %0 = coco.all_reduce sum %p : !coco.dtensor<8x8xf32, local on @dp>
  }
  return
}

// Command-line values the host program once took silently: a --set of a
// name no entry has (a typo, the default ran), counts atoi read as 0 or
// wrapped, and integer scalars cast from a double (1.5 ran as 1, 1e12 as 0).
// RUN: not %mpirun 1 %t.scalar --set alpha=2 --set alhpa=3 2>&1 | FileCheck %s --check-prefix=TYPO
// TYPO: --set alhpa=3: no entry has a scalar argument 'alhpa' (they have: alpha)
// RUN: not %mpirun 1 %t.scalar --set alpha=2 --iters abc 2>&1 | FileCheck %s --check-prefix=ITERS
// ITERS: --iters needs a whole number from 1 to 2147483647, not 'abc'
// RUN: not %mpirun 1 %t.scalar --set alpha=2 --warmup 99999999999999 2>&1 | FileCheck %s --check-prefix=WARMUP
// WARMUP: --warmup needs a whole number from 0 to 2147483647, not '99999999999999'
// RUN: coco-compile %s --entry=scaled_count -o %t.count
// RUN: not %mpirun 1 %t.count --set n=1.5 2>&1 | FileCheck %s --check-prefix=FRACTION
// FRACTION: --set n=1.5: not a whole number (argument 'n' is an i32)
// RUN: not %mpirun 1 %t.count --set n=1000000000000 2>&1 | FileCheck %s --check-prefix=RANGE
// RANGE: --set n=1000000000000: out of range for an i32
// A finite f32 value beyond f32's range became inf quietly; inf itself is
// taken (x is generated: "Uniform" in [-1, 1), so x * inf has infinities).
// RUN: not %mpirun 1 %t.scalar --set alpha=1e39 2>&1 | FileCheck %s --check-prefix=F32RANGE
// F32RANGE: --set alpha=1e39: out of range for an f32
// RUN: %mpirun 1 %t.scalar --set alpha=-inf 2>&1 | FileCheck %s --check-prefix=F32INF
// F32INF: result0: 4xf32 replicated, rank 0 holds 4xf32: [{{-?inf}}, {{-?inf}}, {{-?inf}}, {{-?inf}}]
// One scalar set twice (a script appending an override): the last value,
// said once (on rank 0). x is "Uniform"; with alpha = 0 the result is 0.
// (stderr's warning and stdout's result come in either order.)
// RUN: %mpirun 2 %t.scalar --set alpha=1 --set alpha=0 2>&1 | FileCheck %s --check-prefix=TWICE
// TWICE-DAG: coco host program: --set alpha is given twice (alpha=1, then alpha=0): using the last
// TWICE-DAG: result0: 4xf32 replicated, rank 0 holds 4xf32: [{{-?}}0, {{-?}}0, {{-?}}0, {{-?}}0] sum 0
// RUN: %mpirun 2 %t.scalar --set alpha=1 --set alpha=0 2>&1 | grep -c "given twice" | FileCheck %s --check-prefix=ONCE
// ONCE: {{^}}1{{$}}
// A --csv path that cannot be written fails before the runs, not after
// them (no result is printed).
// RUN: not %mpirun 1 %t.scalar --set alpha=2 --csv %t.no-such-dir/times.csv 2>&1 | FileCheck %s --check-prefix=CSV --implicit-check-not=result0
// CSV: --csv {{.*}}no-such-dir/times.csv: cannot write it (no directory {{.*}}no-such-dir)
// An input "file" that is a directory: a message, not an uncaught
// std::ios_base::failure (an abort with stack dumps on every rank).
// RUN: rm -rf %t.dirin && mkdir -p %t.dirin/x.bin
// RUN: not %mpirun 2 %t.scalar --set alpha=2 --in %t.dirin 2>&1 | FileCheck %s --check-prefix=DIRIN --implicit-check-not=terminate
// DIRIN: cannot read input 'x' from {{.*}}dirin/x.bin: it is a directory
// An exact one runs: (1..4 + 10..40) * -3.
// RUN: rm -rf %t.ints && mkdir -p %t.ints
// RUN: %coco_python -c "import numpy as n; n.array([1,2,3,4],'i4').tofile('%t.ints/x.rank0.bin'); n.array([10,20,30,40],'i4').tofile('%t.ints/x.rank1.bin')"
// RUN: %mpirun 2 %t.count --in %t.ints --set n=-3 2>&1 | FileCheck %s --check-prefix=COUNT
// COUNT: result0: 4xi32 replicated, rank 0 holds 4xi32: [-33, -66, -99, -132] sum -330
func.func @scaled_count(%x: !coco.dtensor<4xi32, local on @dp> {coco.name = "x"},
                        %n: i32 {coco.name = "n"})
    -> !coco.dtensor<4xi32, replicated on @dp> {
  %0 = coco.all_reduce sum %x : !coco.dtensor<4xi32, local on @dp>
  %1 = coco.mul %0, %n : !coco.dtensor<4xi32, replicated on @dp>, i32
  return %1 : !coco.dtensor<4xi32, replicated on @dp>
}

// A local matmul longer than COCO_TIMEOUT_S: timed, never ended by the
// watchdog, which is for ranks waiting on peers (it ended this 1-rank
// program, "waiting for other ranks").
// RUN: coco-compile %s --entry=local_matmul -o %t.matmul
// RUN: env COCO_TIMEOUT_S=0.05 %mpirun 1 %t.matmul --quiet 2>&1 | FileCheck %s --check-prefix=MATMUL --allow-empty --implicit-check-not="timed out"
// MATMUL-NOT: coco runtime error
func.func @local_matmul(%a: !coco.dtensor<2048x2048xf32, local on @dp> {coco.name = "a"},
                        %b: !coco.dtensor<2048x2048xf32, replicated on @dp> {coco.name = "b"})
    -> !coco.dtensor<2048x2048xf32, local on @dp> {
  %0 = coco.matmul %a, %b : !coco.dtensor<2048x2048xf32, local on @dp>, !coco.dtensor<2048x2048xf32, replicated on @dp>
  return %0 : !coco.dtensor<2048x2048xf32, local on @dp>
}

// --out is checked before the runs (it was found after all of them); a
// write that fails (a full disk: /dev/full) is an error, for --out and
// --csv (both exited 0, the files short or empty).
// RUN: not %mpirun 2 %t.scalar --set alpha=2 --out %t.no-such-dir 2>&1 | FileCheck %s --check-prefix=OUTDIR --implicit-check-not=result0
// OUTDIR: --out {{.*}}no-such-dir: cannot write into it (no directory {{.*}}no-such-dir)
// RUN: rm -rf %t.full && mkdir -p %t.full && ln -s /dev/full %t.full/result0.rank0.bin
// RUN: not %mpirun 1 %t.scalar --set alpha=2 --out %t.full 2>&1 | FileCheck %s --check-prefix=FULL
// FULL: cannot write output 'result0' to {{.*}}full/result0.rank0.bin (No space left on device)
// RUN: not %mpirun 1 %t.scalar --set alpha=2 --csv /dev/full 2>&1 | FileCheck %s --check-prefix=FULLCSV
// FULLCSV: cannot write /dev/full (No space left on device)

// Memory that runs out: said (the compiled code's null buffer was a
// segfault at address 0, the host program's an uncaught std::bad_alloc).
// Both ranks run out here, but the first to say so ends the job with
// MPI_Abort, which may stop the other before it prints: one message is
// certain (CI saw rank 1's cut off once). Each rank generates only its
// block of a sliced input.
// RUN: coco-compile %s --entry=gather_big -o %t.gather
// RUN: not sh -c 'ulimit -v 1000000; exec %mpirun 2 %t.gather --quiet' 2>&1 | FileCheck %s --check-prefix=OOM
// OOM: coco runtime error: rank {{[01]}}: {{.*}}out of memory allocating {{[0-9]+}} bytes
func.func @gather_big(%x: !coco.dtensor<67108864xf32, sliced<0> on @dp> {coco.name = "x"})
    -> !coco.dtensor<67108864xf32, replicated on @dp> {
  %0 = coco.all_gather %x : !coco.dtensor<67108864xf32, sliced<0> on @dp>
  %1 = coco.mul %0, %0 : !coco.dtensor<67108864xf32, replicated on @dp>, !coco.dtensor<67108864xf32, replicated on @dp>
  return %1 : !coco.dtensor<67108864xf32, replicated on @dp>
}

// A rank the job does not have injected nothing, silently; COCO_HUGE_PAGES
// other than 0 or 1 meant on; an empty COCO_TIMEOUT_S or COCO_FAULT_INJECT
// is unset, as an empty COCO_CHECK is (they were errors).
// RUN: env COCO_FAULT_INJECT=all_reduce:5 not %mpirun 2 %t.small 2>&1 | FileCheck %s --check-prefix=FAULTSIZE
// FAULTSIZE: coco_rt_init: COCO_FAULT_INJECT names world rank 5, but the job has 2 rank(s): no fault would be injected
// RUN: env COCO_HUGE_PAGES=yes not %mpirun 1 %t.small 2>&1 | FileCheck %s --check-prefix=HUGE
// HUGE: coco_rt_init: COCO_HUGE_PAGES must be 0 or 1 (0: no transparent huge pages for large buffers), not 'yes'
// RUN: env COCO_TIMEOUT_S= COCO_FAULT_INJECT= %mpirun 2 %t.small 2>&1 | FileCheck %s --check-prefix=EMPTYENV
// EMPTYENV: result0: 1024xf32 replicated

// An injected fault on the uneven all_gather's MPI_Allgatherv (8 elements
// on 3 ranks) is MPI's count error, as on the other ops (every rank hung:
// Open MPI ignores the count of MPI_IN_PLACE).
// RUN: env COCO_FAULT_INJECT=all_gather:1 COCO_AG_ALGO=mpi not %mpirun 3 %t.sliced 2>&1 | FileCheck %s --check-prefix=GATHERV
// GATHERV: coco runtime error: rank 1: coco.all_gather at {{.*}}runtime-errors.mlir:{{[0-9]+}}:{{[0-9]+}}: MPI_Allgatherv failed: MPI_ERR_COUNT

// Ranks that take other branches of one program meet at collectives of
// other shapes: the consistency check names both. (The else branch's site
// is not the first string of the module's site table: the exact line shows
// that its pointer lands on its own string.)
// RUN: coco-compile %s --entry=diverge -o %t.diverge
// RUN: not %mpirun 2 %t.diverge 2>&1 | FileCheck %s --check-prefix=DIVERGE
// DIVERGE: coco runtime error: rank 1: coco.all_reduce at {{.*}}runtime-errors.mlir:[[@LINE+9]]:10: shape mismatch across ranks: this rank has 2048 elements, rank 0 has 1024
func.func @diverge(%x: !coco.dtensor<1024xf32, local on @dp> {coco.name = "x"},
                   %y: !coco.dtensor<2048xf32, local on @dp> {coco.name = "y"}) {
  %r = coco.axis_rank @dp[0]
  %c0 = arith.constant 0 : index
  %is0 = arith.cmpi eq, %r, %c0 : index
  scf.if %is0 {
    %0 = coco.all_reduce sum %x : !coco.dtensor<1024xf32, local on @dp>
  } else {
    %1 = coco.all_reduce sum %y : !coco.dtensor<2048xf32, local on @dp>
  }
  return
}
