// COCO_PROFILE=1: at the end each rank prints the time it spent in each
// runtime call site (lib/Runtime/CallTimes.cpp), the longest total first,
// each site named by its op and source location. 1 warm-up + 3 timed
// calls of the step: 4 calls of each collective.
//
// RUN: coco-compile %s -o %t.exe
// RUN: env COCO_PROFILE=1 %mpirun 2 %t.exe --quiet --warmup 1 --iters 3 2>&1 | FileCheck %s
// Rank 0's sites: coco_rt_init, the two collectives, the communicator
// lookups the step makes (3 per call), the harness's agreements on the
// program and scalars and on the local input's blocks (once each), its
// barrier and max over ranks (one each per timed call), and
// coco_rt_finalize's agreements that every rank finalizes and that every
// message sent was received (before the report is printed).
// CHECK-DAG: coco profile: rank 0: 9 sites, 31 calls, {{[0-9.]+}} ms in runtime calls
// CHECK-DAG: coco profile: rank 0: coco host program: 1 call,
// CHECK-DAG: coco profile: rank 0: coco host program (inputs' replicated blocks): 1 call,
// CHECK-DAG: coco profile: rank 0: coco_rt_finalize: 2 calls,
// CHECK-DAG: coco profile: rank 1: {{[0-9]+}} sites, {{[0-9]+}} calls, {{[0-9.]+}} ms in runtime calls
// CHECK-DAG: coco profile: rank 0: coco.all_reduce at {{.*}}call-times.mlir:[[@LINE+28]]:10: 4 calls, {{0*[1-9][0-9]*\.[0-9]+|0\.[0-9]*[1-9][0-9]*}} ms, {{0*[1-9][0-9]*\.[0-9]+|0\.[0-9]*[1-9][0-9]*}} us per call (longest {{0*[1-9][0-9]*\.[0-9]+|0\.[0-9]*[1-9][0-9]*}} us)
// CHECK-DAG: coco profile: rank 0: coco.all_gather at {{.*}}call-times.mlir:[[@LINE+28]]:12: 4 calls, {{0*[1-9][0-9]*\.[0-9]+|0\.[0-9]*[1-9][0-9]*}} ms, {{0*[1-9][0-9]*\.[0-9]+|0\.[0-9]*[1-9][0-9]*}} us per call (longest {{0*[1-9][0-9]*\.[0-9]+|0\.[0-9]*[1-9][0-9]*}} us)
// CHECK-DAG: coco profile: rank 1: coco.all_reduce at {{.*}}call-times.mlir:[[@LINE+26]]:10: 4 calls,
// CHECK-DAG: coco profile: rank 1: coco.all_gather at {{.*}}call-times.mlir:[[@LINE+26]]:12: 4 calls,
// The benchmark harness's own calls are runtime calls too.
// CHECK-DAG: coco profile: rank 0: coco_rt_barrier: 3 calls,
// Every rank prints its own sites: 3 ranks, an uneven slice (1024 / 3).
// RUN: env COCO_PROFILE=1 %mpirun 3 %t.exe --quiet --warmup 1 --iters 3 2>&1 | FileCheck %s --check-prefix=THREE
// THREE-DAG: coco profile: rank 0: 9 sites, 31 calls,
// THREE-DAG: coco profile: rank 1: coco.all_reduce at {{.*}}call-times.mlir:[[@LINE+19]]:10: 4 calls,
// THREE-DAG: coco profile: rank 2: coco.all_reduce at {{.*}}call-times.mlir:[[@LINE+18]]:10: 4 calls,
// THREE-DAG: coco profile: rank 2: coco.all_gather at {{.*}}call-times.mlir:[[@LINE+18]]:12: 4 calls,
//
// Unset or 0: nothing printed.
// RUN: %mpirun 2 %t.exe --quiet --iters 2 2>&1 | FileCheck %s --check-prefix=OFF --allow-empty
// RUN: env COCO_PROFILE=0 %mpirun 2 %t.exe --quiet --iters 2 2>&1 | FileCheck %s --check-prefix=OFF --allow-empty
// OFF-NOT: coco profile
//
// Anything else is an error at start-up.
// RUN: env COCO_PROFILE=yes not %mpirun 2 %t.exe --quiet 2>&1 | FileCheck %s --check-prefix=BAD
// BAD: coco runtime error: rank {{[01]}}: coco_rt_init: COCO_PROFILE must be 0 or 1 (1: print each call site's time at the end), not 'yes'

coco.grid @dp(shape = [?])

func.func @step(%g: !coco.dtensor<1024xf32, local on @dp> {coco.name = "g"},
                %s: !coco.dtensor<1024xf32, sliced<0> on @dp> {coco.name = "s"})
    -> (!coco.dtensor<1024xf32, replicated on @dp> {coco.name = "sum"},
        !coco.dtensor<1024xf32, replicated on @dp> {coco.name = "whole"}) {
  %sum = coco.all_reduce sum %g : !coco.dtensor<1024xf32, local on @dp>
  %whole = coco.all_gather %s : !coco.dtensor<1024xf32, sliced<0> on @dp>
  return %sum, %whole : !coco.dtensor<1024xf32, replicated on @dp>, !coco.dtensor<1024xf32, replicated on @dp>
}
