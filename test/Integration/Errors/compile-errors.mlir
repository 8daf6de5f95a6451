// An invalid program stops coco-compile with the verifier's diagnostic and a
// non-zero exit; nothing is linked.
//
// RUN: not coco-compile %s -o %t.exe 2>&1 | FileCheck %s
// RUN: not test -e %t.exe
// CHECK: compile-errors.mlir:[[@LINE+6]]:8: error: 'coco.all_reduce' along [0] needs a local operand on axis 0 of @dp (per-rank values to combine), got replicated
// CHECK: coco-compile: error: coco-opt failed (exit 1)

coco.grid @dp(shape = [?])

func.func @f(%x: !coco.dtensor<16xf32, replicated on @dp>) {
  %0 = coco.all_reduce sum %x : !coco.dtensor<16xf32, replicated on @dp>
  return
}
