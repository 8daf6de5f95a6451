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
// A private function named abort: cf.assert's call (coco's fused
// reduce-scatter asserts its chunking) went to it, and the rank ran on into
// `unreachable` (a segfault) instead of aborting with the message.
// RUN: coco-compile %s --entry=checked -o %t.checked
// RUN: %mpirun 2 %t.checked --set n=20 | FileCheck %s --check-prefix=HOLDS
// HOLDS: result0: 8xf64 replicated, rank 0 holds 8xf64: [2, 2, 2, 2, ...] sum 16
// RUN: not %mpirun 2 %t.checked --set n=200 2>&1 | FileCheck %s --check-prefix=FAILS
// FAILS: n must be below 100
// FAILS: signal 6 (Aborted)
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
// A private function has internal linkage: no symbol of the object (here
// inlined and gone; nm would list a kept one with a lowercase t).
// RUN: nm %t.exe | not grep -E ' [A-Z] coco.fn.helper$'
// RUN: nm %t.checked | not grep -E ' [A-Z] coco.fn.abort$'
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

func.func private @abort(%x: !D) -> !D {
  return %x : !D
}
func.func @checked(%x: !D {coco.init = "Ones"}, %n: i64 {coco.name = "n", coco.value = 1 : i64}) -> !DR {
  %limit = arith.constant 100 : i64
  %ok = arith.cmpi slt, %n, %limit : i64
  cf.assert %ok, "n must be below 100"
  %a = func.call @abort(%x) : (!D) -> !D
  %y = coco.all_reduce sum %a : !D
  return %y : !DR
}
