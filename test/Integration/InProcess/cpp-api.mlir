// Compiled coco programs called in-process from C++ (coco/Runtime/
// CocoLibrary.h): test/Integration/lib/inprocess_driver.cpp loads shared
// libraries built by coco-compile --emit=shared and calls their entries on
// its own buffers, on 1, 2, 3 and 4 ranks, against a plain C++ reference.
//
// Adam (../DataParallel/adam.mlir), AR-C, and RS-C-AG + shard-state, whose m
// and v are sliced (uneven 4096/3 blocks on 3 ranks): five steps with new
// gradients each.
// RUN: coco-compile %S/../DataParallel/adam.mlir --emit=shared -o %t.adam.so
// RUN: coco-compile %S/../DataParallel/adam.mlir --emit=shared -o %t.adam-ss.so --pre-pass=--coco-split --pre-pass=--coco-reorder --pre-pass=--coco-shard-state=args=m,v
// RUN: c++ -std=c++17 -O1 -pthread -I%coco_src_root/include %coco_src_root/test/Integration/lib/inprocess_driver.cpp -o %t.driver -ldl
// RUN: %mpirun 1 %t.driver adam %t.adam.so 5 | FileCheck %s --check-prefix=ADAM
// RUN: %mpirun 2 %t.driver adam %t.adam.so 5 | FileCheck %s --check-prefix=ADAM
// RUN: %mpirun 4 %t.driver adam %t.adam.so 5 | FileCheck %s --check-prefix=ADAM
// RUN: %mpirun 2 %t.driver adam %t.adam-ss.so 5 | FileCheck %s --check-prefix=SHARDED
// RUN: %mpirun 3 %t.driver adam %t.adam-ss.so 5 | FileCheck %s --check-prefix=SHARDED
// RUN: %mpirun 4 %t.driver adam %t.adam-ss.so 5 | FileCheck %s --check-prefix=SHARDED
// ADAM: adam: 5 steps on {{[124]}} ranks (m, v replicated): w, m, v match the reference
// SHARDED: adam: 5 steps on {{[234]}} ranks (m, v sliced): w, m, v match the reference
//
// Inside an MPI job the caller started: coco neither initializes nor
// finalizes MPI.
// RUN: mpicxx -std=c++17 -O1 -pthread -DDRIVER_OWNS_MPI -I%coco_src_root/include %coco_src_root/test/Integration/lib/inprocess_driver.cpp -o %t.mpi-driver -ldl
// RUN: %mpirun 2 %t.mpi-driver adam %t.adam-ss.so 3 | FileCheck %s --check-prefix=OWNED
// OWNED: adam: 3 steps on 2 ranks (m, v sliced): w, m, v match the reference
// OWNED-NEXT: MPI initialized and finalized by the driver
// Without lib.finalize() (MPI finalized by the driver alone) the job exits
// with 0: the runtime's watchdog thread is stopped at exit (it was a
// joinable std::thread destroyed at exit: std::terminate, SIGABRT on every
// rank after a correct run).
// RUN: %mpirun 2 env DRIVER_SKIP_LIB_FINALIZE=1 %t.mpi-driver adam %t.adam-ss.so 2 2>&1 | FileCheck %s --check-prefix=NOFINALIZE
// NOFINALIZE: adam: 2 steps on 2 ranks (m, v sliced): w, m, v match the reference
// NOFINALIZE-NEXT: MPI initialized and finalized by the driver
// NOFINALIZE-NOT: terminate
//
// Results (this file's @sgd_norm): copied out, their buffers released.
// RUN: coco-compile %s --emit=shared -o %t.sgd.so
// RUN: %mpirun 1 %t.driver results %t.sgd.so | FileCheck %s --check-prefix=RESULTS
// RUN: %mpirun 2 %t.driver results %t.sgd.so | FileCheck %s --check-prefix=RESULTS
// RUN: %mpirun 4 %t.driver results %t.sgd.so | FileCheck %s --check-prefix=RESULTS
// RESULTS: results: gnorm and gsum match the reference, w updated in place
//
// 1,000 calls of @sum_big, which returns 64 KiB each time: resident memory
// stays flat (a leaked result would add 64 MiB).
// RUN: %mpirun 2 %t.driver leak %t.sgd.so 1000 | FileCheck %s --check-prefix=LEAK
// LEAK: leak: 1000 calls, resident memory flat
//
// Calls that do not match the entry are refused before anything runs.
// RUN: %mpirun 2 %t.driver errors %t.adam-ss.so | FileCheck %s --check-prefix=ERR
// ERR: short g: @adam_step: argument 'g' (f32[4096], [local] on grid [?]): world rank 0 of 2 holds a block of shape [4096], got shape [4095]
// ERR-NEXT: 2-D g: @adam_step: argument 'g' (f32[4096], [local] on grid [?]): world rank 0 of 2 holds a block of shape [4096], got shape [64, 64]
// ERR-NEXT: f64 w: @adam_step: argument 'w' has element type f32, got f64
// ERR-NEXT: missing v: @adam_step: tensor argument 'v' (f32[4096], [sliced<0>] on grid [?]) is missing
// ERR-NEXT: unknown name: @adam_step has no argument 'learning_rate' (its arguments: w, g, m, v, step, lr, beta1, beta2, eps)
// ERR-NEXT: twice: @adam_step: argument 'w' is given twice
// ERR-NEXT: read-only w: @adam_step: argument 'w' is updated in place by the entry, but the buffer passed is read-only
// ERR-NEXT: aliased m, v: @adam_step: arguments 'm' and 'v' share memory, and the entry updates 'm' in place
// ERR-NEXT: scalar for g: @adam_step: argument 'g' is a tensor (f32[4096], [local] on grid [?]), got a scalar
// ERR-NEXT: tensor for lr: @adam_step: argument 'lr' is an f32 scalar, got a tensor
// ERR-NEXT: f32 lr beyond f32: @adam_step: argument 'lr': an f32 scalar takes values up to 3.4028235e+38 in magnitude, not 1e+39, which would become inf
// ERR-NEXT: whole m: @adam_step: argument 'm' (f32[4096], [sliced<0>] on grid [?]): world rank 0 of 2 holds a block of shape [2048], got shape [4096]
// ERR-NEXT: unknown entry: coco: the library has no entry @adam (it has @adam_step)
// ERR-NEXT: missing library: coco: cannot load /nonexistent/libnothing.so: {{.*}}
// ERR-NEXT: empty path: coco: the library path is empty
//
// Two threads per rank calling one entry: the runtime runs one call at a
// time (they interleaved their collectives: wrong sums, MPI_ERR_TRUNCATE,
// a deadlock on 4 ranks).
// RUN: %mpirun 2 %t.driver threads %t.sgd.so 3000 | FileCheck %s --check-prefix=THREADS
// RUN: %mpirun 4 %t.driver threads %t.sgd.so 1000 | FileCheck %s --check-prefix=THREADS
// THREADS: threads: 2 threads x {{[0-9]+}} calls on {{[24]}} ranks: every sum and w right
//
// Calls every rank refuses, naming the rank that differs: a scalar of -0
// on the last rank (w / lr would be -inf there, +inf elsewhere: it passed
// as 0), and the last rank's own refusal (Entry::refuse).
// RUN: %mpirun 2 %t.driver agree %t.sgd.so | FileCheck %s --check-prefix=AGREE
// RUN: %mpirun 3 %t.driver agree %t.sgd.so | FileCheck %s --check-prefix=AGREE
// AGREE: -0 on the last rank: ranks pass different scalar values to @sgd_norm (this rank: lr=0; world rank {{[12]}} passes lr=-0): scalars are replicated, every rank must pass the same
// AGREE-NEXT: the last rank's own refusal: refused on world rank {{[12]}}: the caller's own check failed
//
// A library rebuilt at a path the process loaded: loaded again, its new
// code runs (dlopen gave back the old library), from a copy deleted once
// mapped.
// RUN: coco-compile %coco_src_root/test/Integration/lib/inprocess_rebuilt.mlir --emit=shared -o %t.rebuilt.so
// RUN: %mpirun 2 %t.driver reload %t.sgd.so %t.rebuilt.so | FileCheck %s --check-prefix=RELOAD
// RELOAD: reload: the rebuilt library's code runs, the first load keeps its own, no copy left
//
// A program that ends without lib.finalize(): finalized at exit, as
// Python's coco module does (Open MPI reported the process "exiting
// improperly", exit code 1).
// RUN: %mpirun 2 env DRIVER_SKIP_LIB_FINALIZE=1 %t.driver results %t.sgd.so 2>&1 | FileCheck %s --check-prefix=ATEXIT
// ATEXIT: results: gnorm and gsum match the reference
// ATEXIT-NOT: improperly

coco.grid @dp(shape = [?])

!Rep = !coco.dtensor<10xf32, replicated on @dp>
!Loc = !coco.dtensor<10xf32, local on @dp>

// SGD that also returns the summed gradient and its norm.
func.func @sgd_norm(%w: !Rep {coco.name = "w"}, %g: !Loc {coco.name = "g"},
                    %lr: f32 {coco.name = "lr", coco.value = 0.5 : f32})
    -> (!coco.dtensor<f32, replicated on @dp> {coco.name = "gnorm"},
        !Rep {coco.name = "gsum"}) {
  %gsum = coco.all_reduce sum %g : !Loc
  %norm = coco.norm %gsum : !Rep
  %step = coco.mul %gsum, %lr : !Rep, f32
  %wn = coco.sub %w, %step : !Rep, !Rep
  coco.update %w, %wn : !Rep
  return %norm, %gsum
      : !coco.dtensor<f32, replicated on @dp>, !Rep
}

!Big = !coco.dtensor<16384xf32, replicated on @dp>

func.func @sum_big(%g: !coco.dtensor<16384xf32, local on @dp> {coco.name = "g"})
    -> (!Big {coco.name = "sum"}) {
  %sum = coco.all_reduce sum %g : !coco.dtensor<16384xf32, local on @dp>
  return %sum : !Big
}
