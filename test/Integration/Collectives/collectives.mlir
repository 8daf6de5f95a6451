// Every collective, lowered to the MPI runtime and run on 2 and 4 ranks;
// check_collectives.py computes each result from all ranks' inputs with numpy.
//
// RUN: coco-compile %s -o %t.exe
// RUN: %coco_python %S/../lib/check_collectives.py %t.exe 2 | FileCheck %s
// RUN: %coco_python %S/../lib/check_collectives.py %t.exe 4 | FileCheck %s
// CHECK: collectives on {{[24]}} ranks: 20 results match numpy

coco.grid @dp(shape = [?])

!L = !coco.dtensor<8x12xf32, local on @dp>
!R = !coco.dtensor<8x12xf32, replicated on @dp>
!S0 = !coco.dtensor<8x12xf32, sliced<0> on @dp>
!S1 = !coco.dtensor<8x12xf32, sliced<1> on @dp>

func.func @collectives(%x: !L {coco.name = "x"},
                       %s0: !S0 {coco.name = "s0"},
                       %s1: !S1 {coco.name = "s1"},
                       %rep: !R {coco.name = "rep"},
                       %xi: !coco.dtensor<8x12xi32, local on @dp> {coco.name = "xi"})
    -> (!R {coco.name = "ar_sum"}, !R {coco.name = "ar_prod"},
        !R {coco.name = "ar_min"}, !R {coco.name = "ar_max"},
        !R {coco.name = "ar_avg"}, !S0 {coco.name = "rs_dim0"},
        !S1 {coco.name = "rs_dim1"}, !R {coco.name = "ag_dim0"},
        !R {coco.name = "ag_dim1"}, !R {coco.name = "bcast"},
        !L {coco.name = "reduce"}, !S1 {coco.name = "a2a"},
        !S1 {coco.name = "slice"}, !L {coco.name = "ring"},
        !coco.dtensor<8x12xi32, replicated on @dp> {coco.name = "ar_i32"},
        !coco.dtensor<8x12xf16, replicated on @dp> {coco.name = "ar_f16"},
        !R {coco.name = "ar_bf16"},
        !coco.dtensor<8x12xf64, replicated on @dp> {coco.name = "ar_f64_max"},
        !S0 {coco.name = "rs_max"}, !R {coco.name = "ag_of_column_slice"}) {
  %0 = coco.all_reduce sum %x : !L
  %1 = coco.all_reduce prod %x : !L
  %2 = coco.all_reduce min %x : !L
  %3 = coco.all_reduce max %x : !L
  %4 = coco.all_reduce avg %x : !L
  %5 = coco.reduce_scatter sum %x dim 0 : !L
  %6 = coco.reduce_scatter sum %x dim 1 : !L
  %7 = coco.all_gather %s0 : !S0
  %8 = coco.all_gather %s1 : !S1
  %9 = coco.broadcast %x root 1 : !L
  %10 = coco.reduce_to_root sum %x root 0 : !L
  %11 = coco.all_to_all %s0 dim 1 : !S0
  %12 = coco.slice %rep dim 1 : !R
  // Ring exchange: send to the next rank, receive from the previous one.
  %r = coco.axis_rank @dp[0]
  %n = coco.axis_size @dp[0]
  %c1 = arith.constant 1 : index
  %r1 = arith.addi %r, %c1 : index
  %next = arith.remui %r1, %n : index
  %rn = arith.addi %r, %n : index
  %rn1 = arith.subi %rn, %c1 : index
  %prev = arith.remui %rn1, %n : index
  coco.send %x to %next : !L
  %13 = coco.recv from %prev : !L
  // Other element types.
  %14 = coco.all_reduce sum %xi : !coco.dtensor<8x12xi32, local on @dp>
  %xh = coco.cast %x : !L to !coco.dtensor<8x12xf16, local on @dp>
  %15 = coco.all_reduce sum %xh : !coco.dtensor<8x12xf16, local on @dp>
  %xb = coco.cast %x : !L to !coco.dtensor<8x12xbf16, local on @dp>
  %sb = coco.all_reduce sum %xb : !coco.dtensor<8x12xbf16, local on @dp>
  %16 = coco.cast %sb : !coco.dtensor<8x12xbf16, replicated on @dp> to !R
  %xd = coco.cast %x : !L to !coco.dtensor<8x12xf64, local on @dp>
  %17 = coco.all_reduce max %xd : !coco.dtensor<8x12xf64, local on @dp>
  %18 = coco.reduce_scatter max %x dim 0 : !L
  // A column slice is a strided view: gathered through a contiguous copy.
  %19 = coco.all_gather %12 : !S1
  return %0, %1, %2, %3, %4, %5, %6, %7, %8, %9, %10, %11, %12, %13, %14, %15, %16, %17, %18, %19
      : !R, !R, !R, !R, !R, !S0, !S1, !R, !R, !R, !L, !S1, !S1, !L,
        !coco.dtensor<8x12xi32, replicated on @dp>, !coco.dtensor<8x12xf16, replicated on @dp>,
        !R, !coco.dtensor<8x12xf64, replicated on @dp>, !S0, !R
}
