// coco.norm sums its squares in float64 and rounds once: the norm of
// 3,000,017 elements of 0.1f is sqrt(3000017 * 0.1f^2) = 173.205582 (in
// float32). Summed one after the other in float32 it came out 171.45 (1%
// low), and depended on how the elements were split into blocks.
//
// RUN: rm -rf %t.in && mkdir -p %t.in
// RUN: %coco_python -c "import numpy as np; np.full(3000017, 0.1, np.float32).tofile('%t.in/x.bin')"
// RUN: coco-compile %s -o %t.exe
// RUN: %mpirun 1 %t.exe --in %t.in | FileCheck %s
// RUN: %mpirun 3 %t.exe --in %t.in | FileCheck %s
// CHECK: n: f32 replicated, rank 0 holds f32: [173.206] sum 173.205582

coco.grid @g(shape = [?])

func.func @f(%x: !coco.dtensor<3000017xf32, replicated on @g> {coco.name = "x"})
    -> (!coco.dtensor<f32, replicated on @g> {coco.name = "n"}) {
  %n = coco.norm %x : !coco.dtensor<3000017xf32, replicated on @g>
  return %n : !coco.dtensor<f32, replicated on @g>
}
