// Every compute op, lowered through linalg to native code and run on 2 and 4
// ranks; check_compute.py recomputes each result with numpy from the inputs.
//
// RUN: coco-compile %s -o %t.exe
// RUN: %coco_python %S/../lib/check_compute.py %t.exe 2 | FileCheck %s
// RUN: %coco_python %S/../lib/check_compute.py %t.exe 4 | FileCheck %s
// CHECK: compute on {{[24]}} ranks: 32 results match numpy

coco.grid @dp(shape = [?])

!R = !coco.dtensor<8x6xf32, replicated on @dp>
!I = !coco.dtensor<8x6xi32, replicated on @dp>
!X = !coco.dtensor<2x4x8xf32, sliced<2> on @dp>
!W = !coco.dtensor<8x6xf32, sliced<0> on @dp>
!Wc = !coco.dtensor<6x4xf32, sliced<1> on @dp>
!S = !coco.dtensor<8x6xf32, sliced<0> on @dp>
!B = !coco.dtensor<8x6xbf16, replicated on @dp>

func.func @compute(%a: !R {coco.name = "a"}, %b: !R {coco.name = "b"},
                   %i: !I {coco.name = "i"}, %j: !I {coco.name = "j"},
                   %x: !X {coco.name = "x"}, %w: !W {coco.name = "w"},
                   %wc: !Wc {coco.name = "wc"}, %s: !S {coco.name = "s"},
                   %sp: !R {coco.name = "special"},
                   %p: f32 {coco.name = "p", coco.value = 0.25 : f32},
                   %seed: i64 {coco.name = "seed", coco.value = 7 : i64},
                   %e: f32 {coco.name = "e", coco.value = 1.5 : f32})
    -> (!R {coco.name = "add"}, !R {coco.name = "sub"}, !R {coco.name = "mul"},
        !R {coco.name = "div"}, !R {coco.name = "max"}, !R {coco.name = "min"},
        !R {coco.name = "pow"}, !R {coco.name = "neg"}, !R {coco.name = "abs"},
        !R {coco.name = "sqrt"}, !R {coco.name = "rsqrt"}, !R {coco.name = "exp"},
        !R {coco.name = "log"}, !R {coco.name = "select"},
        !coco.dtensor<8x6xf16, replicated on @dp> {coco.name = "cast"},
        !R {coco.name = "const"},
        !coco.dtensor<8xf32, replicated on @dp> {coco.name = "sum1"},
        !coco.dtensor<6xf32, replicated on @dp> {coco.name = "max0"},
        !coco.dtensor<f32, replicated on @dp> {coco.name = "norm"},
        !coco.dtensor<2x4x6xf32, replicated on @dp> {coco.name = "mm_k"},
        !coco.dtensor<8x4xf32, sliced<1> on @dp> {coco.name = "mm_cols"},
        !R {coco.name = "dropout"},
        !coco.dtensor<6xf32, replicated on @dp> {coco.name = "sum_sliced"},
        !I {coco.name = "iadd"}, !I {coco.name = "imul"}, !I {coco.name = "imax"},
        !I {coco.name = "ineg"}, !R {coco.name = "bool_to_f32"},
        !coco.dtensor<8x6xi32, replicated on @dp> {coco.name = "bool_lt"},
        !B {coco.name = "cast_bf16"},
        !B {coco.name = "f16_to_bf16"},
        !coco.dtensor<8x6xf16, replicated on @dp> {coco.name = "bf16_to_f16"}) {
  %0 = coco.add %a, %b : !R, !R
  %1 = coco.sub %a, %b : !R, !R
  %2 = coco.mul %a, %b : !R, !R
  %3 = coco.div %a, %b : !R, !R
  %4 = coco.max %a, %b : !R, !R
  %5 = coco.min %a, %b : !R, !R
  %6 = coco.pow %a, %e : !R, f32
  %7 = coco.neg %a : !R
  %one = arith.constant 1.0 : f32
  %bm1 = coco.sub %b, %one : !R, f32
  %8 = coco.abs %bm1 : !R
  %9 = coco.sqrt %a : !R
  %10 = coco.rsqrt %a : !R
  %11 = coco.exp %a : !R
  %12 = coco.log %a : !R
  %gt = coco.cmp gt %a, %b : !R, !R
  %gt2 = coco.cmp gt %b, %a : !R, !R
  %13 = coco.select %gt, %a, %b : !coco.dtensor<8x6xi1, replicated on @dp>, !R, !R
  %14 = coco.cast %a : !R to !coco.dtensor<8x6xf16, replicated on @dp>
  %c = coco.constant 0.25 : !R
  %15 = coco.add %a, %c : !R, !R
  %16 = coco.reduce sum %a dims [1] : !R
  %17 = coco.reduce max %a dims [0] : !R
  %18 = coco.norm %a : !R
  // Row-parallel matmul: partial sums over the sliced K, completed by all_reduce.
  %partial = coco.matmul %x, %w : !X, !W
  %19 = coco.all_reduce sum %partial : !coco.dtensor<2x4x6xf32, local on @dp>
  // Column-parallel matmul: each rank computes its columns.
  %20 = coco.matmul %a, %wc : !R, !Wc
  // Dropout on slices, gathered: the same mask as on the whole tensor.
  %ds = coco.dropout %s, %p, %seed : !S
  %21 = coco.all_gather %ds : !S
  // A sum over the sliced dim is a per-rank partial sum.
  %ps = coco.reduce sum %s dims [0] : !S
  %22 = coco.all_reduce sum %ps : !coco.dtensor<6xf32, local on @dp>
  %23 = coco.add %i, %j : !I, !I
  %24 = coco.mul %i, %j : !I, !I
  %25 = coco.max %i, %j : !I, !I
  %26 = coco.neg %i : !I
  // Booleans: true converts to 1 (not -1) and false < true.
  %27 = coco.cast %gt : !coco.dtensor<8x6xi1, replicated on @dp> to !R
  %lt = coco.cmp lt %gt, %gt2 : !coco.dtensor<8x6xi1, replicated on @dp>, !coco.dtensor<8x6xi1, replicated on @dp>
  %28 = coco.cast %lt : !coco.dtensor<8x6xi1, replicated on @dp> to !I
  // f32 to bf16 on values that test the rounding (ties, subnormals,
  // overflow, NaNs; coco-expand-bf16-truncf on the CPU).
  %29 = coco.cast %sp : !R to !B
  // Between the two 16-bit formats (through f32, which holds both exactly:
  // one rounding).
  %30 = coco.cast %14 : !coco.dtensor<8x6xf16, replicated on @dp> to !B
  %31 = coco.cast %29 : !B to !coco.dtensor<8x6xf16, replicated on @dp>
  return %0, %1, %2, %3, %4, %5, %6, %7, %8, %9, %10, %11, %12, %13, %14, %15, %16,
         %17, %18, %19, %20, %21, %22, %23, %24, %25, %26, %27, %28, %29, %30, %31
      : !R, !R, !R, !R, !R, !R, !R, !R, !R, !R, !R, !R, !R, !R,
        !coco.dtensor<8x6xf16, replicated on @dp>, !R,
        !coco.dtensor<8xf32, replicated on @dp>, !coco.dtensor<6xf32, replicated on @dp>,
        !coco.dtensor<f32, replicated on @dp>, !coco.dtensor<2x4x6xf32, replicated on @dp>,
        !coco.dtensor<8x4xf32, sliced<1> on @dp>, !R,
        !coco.dtensor<6xf32, replicated on @dp>, !I, !I, !I, !I, !R,
        !coco.dtensor<8x6xi32, replicated on @dp>, !B, !B,
        !coco.dtensor<8x6xf16, replicated on @dp>
}
