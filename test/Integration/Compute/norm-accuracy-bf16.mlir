// A bf16 sum (coco.norm, coco.reduce sum) rounds to bf16 once, whole or
// computed from slices. 22,007 elements of bf16 0.248046875 (uneven on 2,
// 3 and 4 ranks), by numpy's steps: each square rounds to bf16 0.0615234,
// their f64 sum 1353.95 to 1352, and sqrt(1352) = 36.77 to 36.75; the sum
// of the elements, 5458.77, rounds to 5472. From the slices (coco-reorder)
// each rank's partial sum is now added to the others in f32 and rounded to
// bf16 once. When each rank rounded its partial sum to bf16 and the
// all_reduce added bf16 values, 3 ranks got 37 and 5440. (Before, no bf16
// sum linked at all: its f64 -> bf16 conversion calls __truncdfbf2, which
// libgcc 12 lacks; the runtime provides it.)
//
// RUN: rm -rf %t.in && mkdir -p %t.in
// RUN: %coco_python -c "import numpy as np; np.full(22007, 0x3E7E, np.uint16).tofile('%t.in/x.bin')"
// RUN: coco-compile %s -o %t.whole.exe
// RUN: coco-compile %s --pre-pass=--coco-reorder -o %t.sliced.exe
// RUN: %mpirun 1 %t.whole.exe --in %t.in | FileCheck %s
// RUN: %mpirun 3 %t.whole.exe --in %t.in | FileCheck %s
// RUN: %mpirun 2 %t.sliced.exe --in %t.in | FileCheck %s
// RUN: %mpirun 3 %t.sliced.exe --in %t.in | FileCheck %s
// RUN: %mpirun 4 %t.sliced.exe --in %t.in | FileCheck %s
// CHECK: n: bf16 replicated, rank 0 holds bf16: [36.75] sum 36.75
// CHECK: t: bf16 replicated, rank 0 holds bf16: [5472] sum 5472

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
