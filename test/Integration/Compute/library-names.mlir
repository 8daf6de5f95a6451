// Functions named as symbols of the libraries a program links. Their names
// were their symbols: @exp (f64) was called by LLVM's exp libcall and
// recursed until it crashed, @memcpy and @free took the C library's calls
// (from the runtime and MPI too: an executable's definitions interpose a
// shared library's), @send took OpenMPI's socket sends, and @main met the
// host program's main (a link error). coco-isolate-symbols renames every
// compiled function coco.fn.<name>; the C interfaces keep their names.
//
// RUN: coco-compile %s --entry=exp,memcpy,free,send,main -o %t.exe
// RUN: %mpirun 2 %t.exe | FileCheck %s --check-prefix=TWO
// RUN: %mpirun 3 %t.exe | FileCheck %s --check-prefix=THREE
// TWO: exp.result0: 8xf64 replicated, rank 0 holds 8xf64: [5.43656, 5.43656, 5.43656, 5.43656, ...] sum 43.4925093
// TWO: memcpy.result0: 8xf32 replicated, rank 0 holds 8xf32: [2, 2, 2, 2, ...] sum 16
// TWO: free.result0: 8xf32 replicated, rank 0 holds 8xf32: [4, 4, 4, 4, ...] sum 32
// TWO: send.result0: 8xi32 replicated, rank 0 holds 8xi32: [2, 2, 2, 2, ...] sum 16
// TWO: main.result0: 8xf64 replicated, rank 0 holds 8xf64: [2, 2, 2, 2, ...] sum 16
// THREE: exp.result0: 8xf64 replicated, rank 0 holds 8xf64: [8.15485, 8.15485, 8.15485, 8.15485, ...] sum 65.2387639
// THREE: memcpy.result0: 8xf32 replicated, rank 0 holds 8xf32: [3, 3, 3, 3, ...] sum 24
// THREE: free.result0: 8xf32 replicated, rank 0 holds 8xf32: [6, 6, 6, 6, ...] sum 48
// THREE: send.result0: 8xi32 replicated, rank 0 holds 8xi32: [3, 3, 3, 3, ...] sum 24
// THREE: main.result0: 8xf64 replicated, rank 0 holds 8xf64: [3, 3, 3, 3, ...] sum 24
//
// The executable defines none of those names (main is the host program's),
// and a library exports only its C interfaces and its description:
// RUN: nm %t.exe | FileCheck %s --check-prefix=EXE
// EXE-NOT: {{ T (exp|memcpy|free|send)$}}
// EXE-DAG: {{ T coco.fn.exp$}}
// EXE-DAG: {{ T coco.fn.main$}}
// EXE-DAG: {{ T _mlir_ciface_exp$}}
// EXE-DAG: {{ T _mlir_ciface_main$}}
// EXE-DAG: {{ T main$}}
// RUN: coco-compile %s --emit=shared -o %t.so
// RUN: nm -D --defined-only %t.so | FileCheck %s --check-prefix=SO
// SO-NOT: {{ (exp|memcpy|free|send|main|coco.fn.[a-z]*)$}}
// SO-DAG: {{ _mlir_ciface_exp$}}
// SO-DAG: {{ _mlir_ciface_send$}}
// SO-DAG: {{ coco_library$}}

coco.grid @dp(shape = [?])
!D = !coco.dtensor<8xf64, local on @dp>
!DR = !coco.dtensor<8xf64, replicated on @dp>
!F = !coco.dtensor<8xf32, local on @dp>
!FR = !coco.dtensor<8xf32, replicated on @dp>
!I = !coco.dtensor<8xi32, local on @dp>
!IR = !coco.dtensor<8xi32, replicated on @dp>

func.func @exp(%x: !D {coco.init = "Ones"}) -> !DR {
  %e = coco.exp %x : !D
  %y = coco.all_reduce sum %e : !D
  return %y : !DR
}

func.func @memcpy(%x: !F {coco.init = "Ones"}) -> !FR {
  %y = coco.all_reduce sum %x : !F
  return %y : !FR
}

// Calls a private function named as the C library's free.
func.func private @helper(%x: !F) -> !F {
  %d = coco.add %x, %x : !F, !F
  return %d : !F
}
func.func @free(%x: !F {coco.init = "Ones"}) -> !FR {
  %d = func.call @helper(%x) : (!F) -> !F
  %y = coco.all_reduce sum %d : !F
  return %y : !FR
}

func.func @send(%x: !I {coco.init = "Ones"}) -> !IR {
  %y = coco.all_reduce sum %x : !I
  return %y : !IR
}

func.func @main(%x: !D {coco.init = "Ones"}) -> !DR {
  %y = coco.all_reduce sum %x : !D
  return %y : !DR
}
