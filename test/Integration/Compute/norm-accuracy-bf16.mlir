// A bf16 sum (coco.norm, coco.reduce sum to a scalar) rounds to bf16 once,
// whole or computed from slices (coco-reorder: each rank's partial sum is
// added to the others' in f64, and the total rounded to bf16 once).
//
// @f: 22,007 elements of bf16 0.248046875 (uneven on 2, 3 and 4 ranks), by
// numpy's steps: each square rounds to bf16 0.0615234, their f64 sum
// 1353.95 to 1352, and sqrt(1352) = 36.77 to 36.75; the sum of the
// elements, 5458.77, rounds to 5472. Partial sums rounded to bf16 and
// added in bf16 (as reorder did for the sum, before) give 37 and 5440 on
// 3 ranks.
//
// @ties: sums of 2 + 2^-7 + 2^-30, just above the tie between the bf16
// neighbours 2 and 2.015625: rounded once, 2.015625 (and its root 1.421875);
// through f32 (whose ulp at 2 is 2^-22) it lands on the tie and rounds to
// even, 2 (root 1.4140625), even on one rank.
//
// (Before, no bf16 sum linked at all: its f64 -> bf16 conversion calls
// __truncdfbf2, which libgcc 12 lacks; the runtime provides it.)
//
// RUN: rm -rf %t.in %t.ties && mkdir -p %t.in %t.ties
// RUN: %coco_python -c "import numpy as np; np.full(22007, 0x3E7E, np.uint16).tofile('%t.in/x.bin')"
// RUN: %coco_python -c "import numpy as np; b = lambda v: (np.array(v, np.float32).view(np.uint32) >> 16).astype(np.uint16); b([1, 1, 2**-4, 2**-4, 2**-15, 0, 0, 0]).tofile('%t.ties/x.bin'); b([1, 1, 2**-7, 0, 2**-30, 0, 0, 0]).tofile('%t.ties/y.bin')"
// RUN: coco-compile %s --entry=f -o %t.whole.exe
// RUN: coco-compile %s --entry=f --pre-pass=--coco-reorder -o %t.sliced.exe
// RUN: %mpirun 1 %t.whole.exe --in %t.in | FileCheck %s
// RUN: %mpirun 3 %t.whole.exe --in %t.in | FileCheck %s
// RUN: %mpirun 2 %t.sliced.exe --in %t.in | FileCheck %s
// RUN: %mpirun 3 %t.sliced.exe --in %t.in | FileCheck %s
// RUN: %mpirun 4 %t.sliced.exe --in %t.in | FileCheck %s
// CHECK: n: bf16 replicated, rank 0 holds bf16: [36.75] sum 36.75
// CHECK: t: bf16 replicated, rank 0 holds bf16: [5472] sum 5472
//
// RUN: coco-compile %s --entry=ties -o %t.ties-whole.exe
// RUN: coco-compile %s --entry=ties --pre-pass=--coco-reorder -o %t.ties-sliced.exe
// RUN: %mpirun 1 %t.ties-whole.exe --in %t.ties | FileCheck %s --check-prefix=TIES
// RUN: %mpirun 1 %t.ties-sliced.exe --in %t.ties | FileCheck %s --check-prefix=TIES
// RUN: %mpirun 2 %t.ties-sliced.exe --in %t.ties | FileCheck %s --check-prefix=TIES
// RUN: %mpirun 3 %t.ties-sliced.exe --in %t.ties | FileCheck %s --check-prefix=TIES
// TIES: n: bf16 replicated, rank 0 holds bf16: [1.42188] sum 1.421875
// TIES: t: bf16 replicated, rank 0 holds bf16: [2.01562] sum 2.015625
//
// The sliced builds really sum in f64 across the ranks (the numbers above
// would also come out of a norm left whole): both sums of each function.
// RUN: coco-opt %s --coco-reorder | FileCheck %s --check-prefix=IR
// IR-LABEL: func.func @f(
// IR-COUNT-2: coco.all_reduce sum %{{.*}} : !coco.dtensor<f64, local on @g>
// IR-NOT: coco.norm
// IR-LABEL: func.func @ties(
// IR-COUNT-2: coco.all_reduce sum %{{.*}} : !coco.dtensor<f64, local on @g>
// IR-NOT: coco.norm

coco.grid @g(shape = [?])

!X = !coco.dtensor<22007xbf16, replicated on @g>
!S = !coco.dtensor<22007xbf16, sliced<0> on @g>

func.func @f(%x: !X {coco.name = "x"})
    -> (!coco.dtensor<bf16, replicated on @g> {coco.name = "n"},
        !coco.dtensor<bf16, replicated on @g> {coco.name = "t"}) {
  %s = coco.slice %x dim 0 : !X
  %n = coco.norm %x : !X
  // Reordered: a partial sum on each rank and an all_reduce.
  %gathered = coco.all_gather %s : !S
  %t = coco.reduce sum %gathered dims [0] : !X
  return %n, %t : !coco.dtensor<bf16, replicated on @g>, !coco.dtensor<bf16, replicated on @g>
}

!X8 = !coco.dtensor<8xbf16, replicated on @g>
!S8 = !coco.dtensor<8xbf16, sliced<0> on @g>

func.func @ties(%x: !X8 {coco.name = "x"}, %y: !X8 {coco.name = "y"})
    -> (!coco.dtensor<bf16, replicated on @g> {coco.name = "n"},
        !coco.dtensor<bf16, replicated on @g> {coco.name = "t"}) {
  %s = coco.slice %x dim 0 : !X8
  %n = coco.norm %x : !X8
  %ys = coco.slice %y dim 0 : !X8
  %gathered = coco.all_gather %ys : !S8
  %t = coco.reduce sum %gathered dims [0] : !X8
  return %n, %t : !coco.dtensor<bf16, replicated on @g>, !coco.dtensor<bf16, replicated on @g>
}
