// RUN: coco-opt %s --coco-split="into=reduce-bcast root=1" --split-input-file -verify-diagnostics | FileCheck %s --check-prefix=RB
// RUN: not coco-opt %s --coco-split="into=bogus" 2>&1 | FileCheck %s --check-prefix=BADFORM
// BADFORM: Cannot find option named 'bogus'!

coco.grid @q(shape = [4])
!L = !coco.dtensor<8x6xf32, local on @q>

// RB-LABEL: func @split
// RB-NEXT: %[[R:.*]] = coco.reduce_to_root avg %{{.*}} root 1 : !coco.dtensor<8x6xf32, local on @q>
// RB-NEXT: %[[B:.*]] = coco.broadcast %[[R]] root 1 : !coco.dtensor<8x6xf32, local on @q>
// RB-NEXT: return %[[B]] : !coco.dtensor<8x6xf32, replicated on @q>
// RB-NOT: coco.all_reduce
func.func @split(%g: !L) -> !coco.dtensor<8x6xf32, replicated on @q> {
  %0 = coco.all_reduce avg %g : !L
  return %0 : !coco.dtensor<8x6xf32, replicated on @q>
}

// -----

coco.grid @one(shape = [1])

func.func @root_out_of_range(%a: !coco.dtensor<8xf32, local on @one>) {
  // expected-error @+1 {{cannot be split with root 1 on a group of 1 ranks}}
  %0 = coco.all_reduce sum %a : !coco.dtensor<8xf32, local on @one>
  return
}
