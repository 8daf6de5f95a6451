// RUN: coco-opt %s --coco-reorder --split-input-file -verify-diagnostics | FileCheck %s

coco.grid @dp(shape = [?])
!S = !coco.dtensor<16xf32, sliced<0> on @dp>
!R = !coco.dtensor<16xf32, replicated on @dp>

// A pointwise chain after an all_gather runs on the slices; the replicated
// operand is sliced (and its own pointwise producer runs on slices too);
// only the final value is gathered.
// CHECK-LABEL: func @chain
// CHECK-SAME: (%[[S:.*]]: !coco.dtensor<16xf32, sliced<0> on @dp>, %[[W:.*]]: !coco.dtensor<16xf32, replicated on @dp>, %[[LR:.*]]: f32)
// CHECK-NEXT: %[[WS:.*]] = coco.slice %[[W]] dim 0
// CHECK-NEXT: %[[WL:.*]] = coco.mul %[[WS]], %[[LR]] : !coco.dtensor<16xf32, sliced<0> on @dp>, f32
// CHECK-NEXT: %[[A:.*]] = coco.add %[[S]], %[[WL]] : !coco.dtensor<16xf32, sliced<0> on @dp>, !coco.dtensor<16xf32, sliced<0> on @dp>
// CHECK-NEXT: %[[N:.*]] = coco.neg %[[A]] : !coco.dtensor<16xf32, sliced<0> on @dp>
// CHECK-NEXT: %[[G:.*]] = coco.all_gather %[[N]]
// CHECK-NEXT: return %[[G]]
func.func @chain(%s: !S, %w: !R, %lr: f32) -> !R {
  %g = coco.all_gather %s : !S
  %wl = coco.mul %w, %lr : !R, f32
  %a = coco.add %g, %wl : !R, !R
  %n = coco.neg %a : !R
  return %n : !R
}

// A gathered value still needed whole keeps its all_gather.
// CHECK-LABEL: func @live_out
// CHECK-DAG: %[[G:.*]] = coco.all_gather %arg0
// CHECK-DAG: %[[E:.*]] = coco.exp %arg0 : !coco.dtensor<16xf32, sliced<0> on @dp>
// CHECK-DAG: %[[GE:.*]] = coco.all_gather %[[E]]
// CHECK: return %[[G]], %[[GE]]
func.func @live_out(%s: !S) -> (!R, !R) {
  %g = coco.all_gather %s : !S
  %e = coco.exp %g : !R
  return %g, %e : !R, !R
}

// Reductions: over the sliced dim, a partial reduction plus an all_reduce;
// over another dim, a sliced reduction plus an all_gather; a norm becomes
// sqrt(all_reduce(sum(s * s))).
// CHECK-LABEL: func @reductions
// CHECK-SAME: (%[[S:.*]]: !coco.dtensor<8x4xf32, sliced<0> on @dp>)
// CHECK-DAG: %[[P:.*]] = coco.reduce max %[[S]] dims [0] : !coco.dtensor<8x4xf32, sliced<0> on @dp>
// CHECK-DAG: %[[PAR:.*]] = coco.all_reduce max %[[P]] : !coco.dtensor<4xf32, local on @dp>
// CHECK-DAG: %[[K:.*]] = coco.reduce sum %[[S]] dims [1] : !coco.dtensor<8x4xf32, sliced<0> on @dp>
// CHECK-DAG: %[[KG:.*]] = coco.all_gather %[[K]] : !coco.dtensor<8xf32, sliced<0> on @dp>
// CHECK-DAG: %[[SQ:.*]] = coco.mul %[[S]], %[[S]]
// CHECK-DAG: %[[SS:.*]] = coco.reduce sum %[[SQ]] dims [0, 1]
// CHECK-DAG: %[[TOT:.*]] = coco.all_reduce sum %[[SS]] : !coco.dtensor<f32, local on @dp>
// CHECK-DAG: %[[NORM:.*]] = coco.sqrt %[[TOT]] : !coco.dtensor<f32, replicated on @dp>
// CHECK: return %[[PAR]], %[[KG]], %[[NORM]]
func.func @reductions(%s: !coco.dtensor<8x4xf32, sliced<0> on @dp>)
    -> (!coco.dtensor<4xf32, replicated on @dp>, !coco.dtensor<8xf32, replicated on @dp>,
        !coco.dtensor<f32, replicated on @dp>) {
  %g = coco.all_gather %s : !coco.dtensor<8x4xf32, sliced<0> on @dp>
  %0 = coco.reduce max %g dims [0] : !coco.dtensor<8x4xf32, replicated on @dp>
  %1 = coco.reduce sum %g dims [1] : !coco.dtensor<8x4xf32, replicated on @dp>
  %2 = coco.norm %g : !coco.dtensor<8x4xf32, replicated on @dp>
  return %0, %1, %2 : !coco.dtensor<4xf32, replicated on @dp>, !coco.dtensor<8xf32, replicated on @dp>,
                      !coco.dtensor<f32, replicated on @dp>
}

// bf16: a sum to a scalar and a norm add the ranks' partial sums in f64
// and round to bf16 once, as the whole reduction does; a max is exact in
// bf16, and a sum over another dim adds nothing across ranks. A sum over
// the sliced dim that keeps another dim stays after the all_gather (exact
// partial sums would need its input widened to f64 in memory).
// CHECK-LABEL: func @bf16_reductions
// CHECK-SAME: (%[[S:.*]]: !coco.dtensor<8x4xbf16, sliced<0> on @dp>)
// CHECK-DAG: %[[G:.*]] = coco.all_gather %[[S]]
// CHECK-DAG: %[[COLS:.*]] = coco.reduce sum %[[G]] dims [0] : !coco.dtensor<8x4xbf16, replicated on @dp>
// CHECK-DAG: %[[WS:.*]] = coco.cast %[[S]] : !coco.dtensor<8x4xbf16, sliced<0> on @dp> to !coco.dtensor<8x4xf64, sliced<0> on @dp>
// CHECK-DAG: %[[P:.*]] = coco.reduce sum %[[WS]] dims [0, 1] : !coco.dtensor<8x4xf64, sliced<0> on @dp>
// CHECK-DAG: %[[PAR:.*]] = coco.all_reduce sum %[[P]] : !coco.dtensor<f64, local on @dp>
// CHECK-DAG: %[[SUM:.*]] = coco.cast %[[PAR]] : !coco.dtensor<f64, replicated on @dp> to !coco.dtensor<bf16, replicated on @dp>
// CHECK-DAG: %[[M:.*]] = coco.reduce max %[[S]] dims [0] : !coco.dtensor<8x4xbf16, sliced<0> on @dp>
// CHECK-DAG: %[[MAX:.*]] = coco.all_reduce max %[[M]] : !coco.dtensor<4xbf16, local on @dp>
// CHECK-DAG: %[[K:.*]] = coco.reduce sum %[[S]] dims [1] : !coco.dtensor<8x4xbf16, sliced<0> on @dp>
// CHECK-DAG: %[[KG:.*]] = coco.all_gather %[[K]] : !coco.dtensor<8xbf16, sliced<0> on @dp>
// CHECK-DAG: %[[SQ:.*]] = coco.mul %[[S]], %[[S]]
// CHECK-DAG: %[[WSQ:.*]] = coco.cast %[[SQ]] : !coco.dtensor<8x4xbf16, sliced<0> on @dp> to !coco.dtensor<8x4xf64, sliced<0> on @dp>
// CHECK-DAG: %[[SS:.*]] = coco.reduce sum %[[WSQ]] dims [0, 1]
// CHECK-DAG: %[[TOT:.*]] = coco.all_reduce sum %[[SS]] : !coco.dtensor<f64, local on @dp>
// CHECK-DAG: %[[NTOT:.*]] = coco.cast %[[TOT]] : !coco.dtensor<f64, replicated on @dp> to !coco.dtensor<bf16, replicated on @dp>
// CHECK-DAG: %[[NORM:.*]] = coco.sqrt %[[NTOT]] : !coco.dtensor<bf16, replicated on @dp>
// CHECK: return %[[SUM]], %[[MAX]], %[[KG]], %[[NORM]], %[[COLS]]
func.func @bf16_reductions(%s: !coco.dtensor<8x4xbf16, sliced<0> on @dp>)
    -> (!coco.dtensor<bf16, replicated on @dp>, !coco.dtensor<4xbf16, replicated on @dp>,
        !coco.dtensor<8xbf16, replicated on @dp>, !coco.dtensor<bf16, replicated on @dp>,
        !coco.dtensor<4xbf16, replicated on @dp>) {
  %g = coco.all_gather %s : !coco.dtensor<8x4xbf16, sliced<0> on @dp>
  %0 = coco.reduce sum %g dims [0, 1] : !coco.dtensor<8x4xbf16, replicated on @dp>
  %1 = coco.reduce max %g dims [0] : !coco.dtensor<8x4xbf16, replicated on @dp>
  %2 = coco.reduce sum %g dims [1] : !coco.dtensor<8x4xbf16, replicated on @dp>
  %3 = coco.norm %g : !coco.dtensor<8x4xbf16, replicated on @dp>
  %4 = coco.reduce sum %g dims [0] : !coco.dtensor<8x4xbf16, replicated on @dp>
  return %0, %1, %2, %3, %4 : !coco.dtensor<bf16, replicated on @dp>, !coco.dtensor<4xbf16, replicated on @dp>,
                              !coco.dtensor<8xbf16, replicated on @dp>, !coco.dtensor<bf16, replicated on @dp>,
                              !coco.dtensor<4xbf16, replicated on @dp>
}

// -----

coco.grid @dp(shape = [?])

func.func @local_operand(%s: !coco.dtensor<16xf32, sliced<0> on @dp>, %l: !coco.dtensor<16xf32, local on @dp>) {
  %g = coco.all_gather %s : !coco.dtensor<16xf32, sliced<0> on @dp>
  // expected-error @+1 {{cannot be reordered before the all_gather: operand #1 is local on axis 0 of @dp; only operands replicated on the gathered axes, or sliced along the gathered dimension, can be sliced}}
  %0 = coco.add %g, %l : !coco.dtensor<16xf32, replicated on @dp>, !coco.dtensor<16xf32, local on @dp>
  return
}

// -----

// An operand sliced along the gathered dim as the gathered input is its own
// slice: the op runs on the slices and its result, sliced already, needs no
// all_gather (the all_gather goes; the docs listed only "local or sliced
// along another dim" as refused, and this was refused too).
coco.grid @dp(shape = [?])
// CHECK-LABEL: func @sliced_same_dim
// CHECK-SAME: (%[[X:.*]]: !coco.dtensor<16xf32, sliced<0> on @dp>, %[[W:.*]]: !coco.dtensor<16xf32, sliced<0> on @dp>)
// CHECK-NEXT: %[[Y:.*]] = coco.add %[[X]], %[[W]] : !coco.dtensor<16xf32, sliced<0> on @dp>, !coco.dtensor<16xf32, sliced<0> on @dp>
// CHECK-NEXT: return %[[Y]]
func.func @sliced_same_dim(%x: !coco.dtensor<16xf32, sliced<0> on @dp>, %w: !coco.dtensor<16xf32, sliced<0> on @dp>) -> !coco.dtensor<16xf32, sliced<0> on @dp> {
  %g = coco.all_gather %x : !coco.dtensor<16xf32, sliced<0> on @dp>
  %y = coco.add %g, %w : !coco.dtensor<16xf32, replicated on @dp>, !coco.dtensor<16xf32, sliced<0> on @dp>
  return %y : !coco.dtensor<16xf32, sliced<0> on @dp>
}

// -----

// Sliced on the outer level only: sliced over the inner one too, and the
// result gathered back along the inner axis alone.
coco.grid @g(shape = [2, 2])
// CHECK-LABEL: func @sliced_outer_level
// CHECK-SAME: (%[[X:.*]]: !coco.dtensor<16xf32, [sliced<0>, sliced<0>] on @g>, %[[W:.*]]: !coco.dtensor<16xf32, sliced<0> on @g>)
// CHECK-NEXT: %[[WS:.*]] = coco.slice %[[W]] dim 0 along [1]
// CHECK-NEXT: %[[Y:.*]] = coco.add %[[X]], %[[WS]] : !coco.dtensor<16xf32, [sliced<0>, sliced<0>] on @g>, !coco.dtensor<16xf32, [sliced<0>, sliced<0>] on @g>
// CHECK-NEXT: %[[G:.*]] = coco.all_gather %[[Y]] along [1]
// CHECK-NEXT: return %[[G]]
func.func @sliced_outer_level(%x: !coco.dtensor<16xf32, [sliced<0>, sliced<0>] on @g>, %w: !coco.dtensor<16xf32, [sliced<0>, replicated] on @g>) -> !coco.dtensor<16xf32, [sliced<0>, replicated] on @g> {
  %g = coco.all_gather %x along [1] : !coco.dtensor<16xf32, [sliced<0>, sliced<0>] on @g>
  %y = coco.add %g, %w : !coco.dtensor<16xf32, [sliced<0>, replicated] on @g>, !coco.dtensor<16xf32, [sliced<0>, replicated] on @g>
  return %y : !coco.dtensor<16xf32, [sliced<0>, replicated] on @g>
}

// -----

// Gathered along both axes, with an operand sliced on the outer one: the
// result stays sliced there, and is gathered back along the inner axis only.
coco.grid @g(shape = [2, 2])
// CHECK-LABEL: func @sliced_on_a_gathered_axis
// CHECK-SAME: (%[[X:.*]]: !coco.dtensor<16xf32, [sliced<0>, sliced<0>] on @g>, %[[W:.*]]: !coco.dtensor<16xf32, sliced<0> on @g>)
// CHECK-NEXT: %[[WS:.*]] = coco.slice %[[W]] dim 0 along [1]
// CHECK-NEXT: %[[Y:.*]] = coco.add %[[X]], %[[WS]] : !coco.dtensor<16xf32, [sliced<0>, sliced<0>] on @g>, !coco.dtensor<16xf32, [sliced<0>, sliced<0>] on @g>
// CHECK-NEXT: %[[G:.*]] = coco.all_gather %[[Y]] along [1]
// CHECK-NEXT: return %[[G]] : !coco.dtensor<16xf32, sliced<0> on @g>
func.func @sliced_on_a_gathered_axis(%x: !coco.dtensor<16xf32, [sliced<0>, sliced<0>] on @g>, %w: !coco.dtensor<16xf32, [sliced<0>, replicated] on @g>) -> !coco.dtensor<16xf32, [sliced<0>, replicated] on @g> {
  %g = coco.all_gather %x along [0, 1] : !coco.dtensor<16xf32, [sliced<0>, sliced<0>] on @g>
  %y = coco.add %g, %w : !coco.dtensor<16xf32, replicated on @g>, !coco.dtensor<16xf32, [sliced<0>, replicated] on @g>
  return %y : !coco.dtensor<16xf32, [sliced<0>, replicated] on @g>
}

// -----

coco.grid @dp(shape = [?])

func.func @sliced_other_dim(%x: !coco.dtensor<4x4xf32, sliced<0> on @dp>, %w: !coco.dtensor<4x4xf32, sliced<1> on @dp>) {
  %g = coco.all_gather %x : !coco.dtensor<4x4xf32, sliced<0> on @dp>
  // expected-error @+1 {{cannot be reordered before the all_gather: operand #1 is sliced<1> on axis 0 of @dp; only operands replicated on the gathered axes, or sliced along the gathered dimension, can be sliced}}
  %0 = coco.add %g, %w : !coco.dtensor<4x4xf32, replicated on @dp>, !coco.dtensor<4x4xf32, sliced<1> on @dp>
  return
}

// -----

coco.grid @dp(shape = [?])

func.func @different_dims(%a: !coco.dtensor<4x4xf32, sliced<0> on @dp>, %b: !coco.dtensor<4x4xf32, sliced<1> on @dp>) {
  %ga = coco.all_gather %a : !coco.dtensor<4x4xf32, sliced<0> on @dp>
  %gb = coco.all_gather %b : !coco.dtensor<4x4xf32, sliced<1> on @dp>
  // expected-error @+1 {{cannot be reordered before its all_gathers: they gather along different dimensions or axes (dimension 0 along [0], dimension 1 along [0])}}
  %0 = coco.mul %ga, %gb : !coco.dtensor<4x4xf32, replicated on @dp>, !coco.dtensor<4x4xf32, replicated on @dp>
  return
}
