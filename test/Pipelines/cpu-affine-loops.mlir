// RUN: coco-opt %s --coco-lower-to-cpu | FileCheck %s --implicit-check-not=affine. --implicit-check-not=scf. --implicit-check-not=memref.

// coco-opt accepts the affine dialect: an affine loop in the input is
// lowered (lower-affine) before loops become branches (coco-scf-to-cf), so
// nothing but the LLVM dialect is left. The loop: a compare, a branch back.
// CHECK-LABEL: llvm.func @coco.fn.scale(
// CHECK: llvm.br ^[[HEAD:bb[0-9]+]]
// CHECK: ^[[HEAD]](%[[I:.*]]: i64):
// CHECK: llvm.icmp "slt" %[[I]]
// CHECK: llvm.cond_br
// CHECK: llvm.fmul
// CHECK: llvm.br ^[[HEAD]]
// CHECK: llvm.return
func.func @scale(%a: memref<16xf32>, %s: f32) {
  affine.for %i = 0 to 16 {
    %x = affine.load %a[%i] : memref<16xf32>
    %y = arith.mulf %x, %s : f32
    affine.store %y, %a[%i] : memref<16xf32>
  }
  return
}
