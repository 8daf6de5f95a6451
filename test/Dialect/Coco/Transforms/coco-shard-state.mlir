// RUN: coco-opt %s --coco-shard-state="args=m" --split-input-file -verify-diagnostics | FileCheck %s

coco.grid @dp(shape = [?])
!S = !coco.dtensor<16xf32, sliced<0> on @dp>
!R = !coco.dtensor<16xf32, replicated on @dp>

// m is read only as a slice and written back gathered: it becomes a sliced
// argument, the slice and the all_gather disappear.
// CHECK-LABEL: func @step
// CHECK-SAME: (%[[M:.*]]: !coco.dtensor<16xf32, sliced<0> on @dp> {coco.name = "m"}, %[[G:.*]]: !coco.dtensor<16xf32, sliced<0> on @dp>)
// CHECK-NEXT: %[[MN:.*]] = coco.add %[[M]], %[[G]] : !coco.dtensor<16xf32, sliced<0> on @dp>, !coco.dtensor<16xf32, sliced<0> on @dp>
// CHECK-NEXT: coco.update %[[M]], %[[MN]] : !coco.dtensor<16xf32, sliced<0> on @dp>
// CHECK-NEXT: return
// CHECK-NOT: coco.all_gather
// CHECK-NOT: coco.slice
func.func @step(%m: !R {coco.name = "m"}, %g: !S) {
  %ms = coco.slice %m dim 0 : !R
  %mn = coco.add %ms, %g : !S, !S
  %gathered = coco.all_gather %mn : !S
  coco.update %m, %gathered : !R
  return
}

// -----

// Sharding changes the signature: a function the module calls is refused,
// and nothing changes (the caller would pass the whole state).
coco.grid @dp(shape = [?])
!S = !coco.dtensor<16xf32, sliced<0> on @dp>
!R = !coco.dtensor<16xf32, replicated on @dp>
// expected-error @+1 {{cannot shard argument 'm': the module calls this function, and sharding changes its signature; shard the state where it enters the program (the caller's argument)}}
func.func private @called(%m: !R {coco.name = "m"}, %g: !S) {
  %ms = coco.slice %m dim 0 : !R
  %mn = coco.add %ms, %g : !S, !S
  %gathered = coco.all_gather %mn : !S
  coco.update %m, %gathered : !R
  return
}
func.func @caller(%m: !R, %g: !S) {
  // The note points at the first use, call or not.
  // expected-note @+1 {{the function is used here}}
  func.call @called(%m, %g) : (!R, !S) -> ()
  %f = func.constant @called : (!R, !S) -> ()
  return
}

// -----

coco.grid @dp(shape = [?])

// expected-note @+1 {{sharding was requested here}}
func.func @used_whole(%m: !coco.dtensor<16xf32, replicated on @dp> {coco.name = "m"}) -> !coco.dtensor<16xf32, replicated on @dp> {
  %ms = coco.slice %m dim 0 : !coco.dtensor<16xf32, replicated on @dp>
  // expected-error @+1 {{uses argument 'm' whole, so it cannot be kept sliced}}
  %e = coco.exp %m : !coco.dtensor<16xf32, replicated on @dp>
  return %e : !coco.dtensor<16xf32, replicated on @dp>
}

// -----

coco.grid @dp(shape = [?])

// A norm alone does not say how to slice the argument.
// expected-error @+1 {{cannot shard argument 'm': the function never uses it sliced}}
func.func @only_a_norm(%m: !coco.dtensor<16xf32, replicated on @dp> {coco.name = "m"}) -> !coco.dtensor<f32, replicated on @dp> {
  %n = coco.norm %m : !coco.dtensor<16xf32, replicated on @dp>
  return %n : !coco.dtensor<f32, replicated on @dp>
}

// -----

coco.grid @dp(shape = [?])
!S = !coco.dtensor<16xf32, sliced<0> on @dp>
!R = !coco.dtensor<16xf32, replicated on @dp>

// LAMB's ||w|| with w kept sliced: the norm is computed from the slices
// (each rank's sum of squares, an all_reduce of the partial sums, the root).
// CHECK-LABEL: func @norm_from_slices
// CHECK-SAME: (%[[W:.*]]: !coco.dtensor<16xf32, sliced<0> on @dp> {coco.name = "m"}, %[[G:.*]]: !coco.dtensor<16xf32, sliced<0> on @dp>)
// CHECK-NEXT: %[[SQ:.*]] = coco.mul %[[W]], %[[W]] : !coco.dtensor<16xf32, sliced<0> on @dp>, !coco.dtensor<16xf32, sliced<0> on @dp>
// CHECK-NEXT: %[[PART:.*]] = coco.reduce sum %[[SQ]] dims [0] : !coco.dtensor<16xf32, sliced<0> on @dp>
// CHECK-NEXT: %[[TOTAL:.*]] = coco.all_reduce sum %[[PART]] : !coco.dtensor<f32, local on @dp>
// CHECK-NEXT: %[[NORM:.*]] = coco.sqrt %[[TOTAL]] : !coco.dtensor<f32, replicated on @dp>
// CHECK-NEXT: %[[SCALAR:.*]] = coco.extract %[[NORM]]
// CHECK-NEXT: %[[WN:.*]] = coco.mul %[[W]], %[[SCALAR]]
// CHECK-NEXT: coco.update %[[W]], %[[WN]] : !coco.dtensor<16xf32, sliced<0> on @dp>
// CHECK-NEXT: return %[[NORM]]
func.func @norm_from_slices(%w: !R {coco.name = "m"}, %g: !S) -> !coco.dtensor<f32, replicated on @dp> {
  %n = coco.norm %w : !R
  %scalar = coco.extract %n : !coco.dtensor<f32, replicated on @dp> -> f32
  %ws = coco.slice %w dim 0 : !R
  %wn = coco.mul %ws, %scalar : !S, f32
  %gathered = coco.all_gather %wn : !S
  coco.update %w, %gathered : !R
  return %n : !coco.dtensor<f32, replicated on @dp>
}

// -----

coco.grid @dp(shape = [?])
!S = !coco.dtensor<16xf32, sliced<0> on @dp>
!R = !coco.dtensor<16xf32, replicated on @dp>

// A norm in a branch on the rank (only rank 0 takes it): its all_reduce
// goes before the branch, where every rank runs, from the blocks every
// rank holds; inside, rank 0 would wait for ranks that never come.
// CHECK-LABEL: func @norm_in_a_branch
// CHECK-SAME: (%[[W:.*]]: !coco.dtensor<16xf32, sliced<0> on @dp> {coco.name = "m"})
// CHECK: %[[SQ:.*]] = coco.mul %[[W]], %[[W]]
// CHECK-NEXT: %[[PART:.*]] = coco.reduce sum %[[SQ]] dims [0]
// CHECK-NEXT: %[[TOTAL:.*]] = coco.all_reduce sum %[[PART]]
// CHECK-NEXT: %[[NORM:.*]] = coco.sqrt %[[TOTAL]]
// CHECK-NEXT: %[[R:.*]] = scf.if
// CHECK-NOT: coco.all_reduce
// CHECK: coco.extract %[[NORM]]
// CHECK: return %[[R]]
func.func @norm_in_a_branch(%w: !R {coco.name = "m"}) -> f32 {
  %zero = arith.constant 0.0 : f32
  %c0 = arith.constant 0 : index
  %rank = coco.axis_rank @dp[0]
  %first = arith.cmpi eq, %rank, %c0 : index
  %r = scf.if %first -> f32 {
    %n = coco.norm %w : !R
    %x = coco.extract %n : !coco.dtensor<f32, replicated on @dp> -> f32
    scf.yield %x : f32
  } else {
    scf.yield %zero : f32
  }
  %ws = coco.slice %w dim 0 : !R
  %wn = coco.mul %ws, %r : !S, f32
  %gathered = coco.all_gather %wn : !S
  coco.update %w, %gathered : !R
  return %r : f32
}

// -----

coco.grid @dp(shape = [?])
!S = !coco.dtensor<16xf32, sliced<0> on @dp>
!R = !coco.dtensor<16xf32, replicated on @dp>

// In a loop whose trip count is an argument (it may differ between ranks)
// the norm goes before the loop; in a later block, before the entry
// block's branch.
// CHECK-LABEL: func @norm_in_a_loop
// CHECK-SAME: (%[[W:.*]]: !coco.dtensor<16xf32, sliced<0> on @dp> {coco.name = "m"}, %[[N:.*]]: index)
// CHECK: %[[SQ:.*]] = coco.mul %[[W]], %[[W]]
// CHECK-NEXT: %[[PART:.*]] = coco.reduce sum %[[SQ]] dims [0]
// CHECK-NEXT: %[[TOTAL:.*]] = coco.all_reduce sum %[[PART]]
// CHECK-NEXT: %[[NORM:.*]] = coco.sqrt %[[TOTAL]]
// CHECK-NEXT: scf.for {{.*}} to %[[N]]
// CHECK-NOT: coco.all_reduce
// CHECK: coco.extract %[[NORM]]
// CHECK: scf.yield
func.func @norm_in_a_loop(%w: !R {coco.name = "m"}, %n: index) -> f32 {
  %zero = arith.constant 0.0 : f32
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %r = scf.for %i = %c0 to %n step %c1 iter_args(%acc = %zero) -> f32 {
    %nm = coco.norm %w : !R
    %x = coco.extract %nm : !coco.dtensor<f32, replicated on @dp> -> f32
    %y = arith.addf %acc, %x : f32
    scf.yield %y : f32
  }
  %ws = coco.slice %w dim 0 : !R
  %wn = coco.mul %ws, %r : !S, f32
  %gathered = coco.all_gather %wn : !S
  coco.update %w, %gathered : !R
  return %r : f32
}

// CHECK-LABEL: func @norm_in_a_later_block
// CHECK-SAME: (%[[W:.*]]: !coco.dtensor<16xf32, sliced<0> on @dp> {coco.name = "m"}, %[[C:.*]]: i1)
// CHECK: coco.all_reduce sum
// CHECK-NEXT: %[[NORM:.*]] = coco.sqrt
// CHECK-NEXT: cf.cond_br %[[C]]
// CHECK: ^bb1:
// CHECK-NOT: coco.all_reduce
// CHECK: coco.extract %[[NORM]]
func.func @norm_in_a_later_block(%w: !R {coco.name = "m"}, %c: i1) -> f32 {
  %zero = arith.constant 0.0 : f32
  %ws = coco.slice %w dim 0 : !R
  %wn = coco.mul %ws, %zero : !S, f32
  %gathered = coco.all_gather %wn : !S
  coco.update %w, %gathered : !R
  cf.cond_br %c, ^bb1, ^bb2
^bb1:
  %nm = coco.norm %w : !R
  %x = coco.extract %nm : !coco.dtensor<f32, replicated on @dp> -> f32
  return %x : f32
^bb2:
  return %zero : f32
}

// -----

coco.grid @dp(shape = [?])
!S16 = !coco.dtensor<16xbf16, sliced<0> on @dp>
!R16 = !coco.dtensor<16xbf16, replicated on @dp>

// A bf16 state's norm: the squares are summed and all_reduced in f64, and
// the total rounded to bf16 once (as the whole norm rounds its sum), not
// once per rank and again by each of the all_reduce's adds.
// CHECK-LABEL: func @bf16_norm_from_slices
// CHECK-SAME: (%[[W:.*]]: !coco.dtensor<16xbf16, sliced<0> on @dp> {coco.name = "m"})
// CHECK-NEXT: %[[SQ:.*]] = coco.mul %[[W]], %[[W]] : !coco.dtensor<16xbf16, sliced<0> on @dp>, !coco.dtensor<16xbf16, sliced<0> on @dp>
// CHECK-NEXT: %[[WIDE:.*]] = coco.cast %[[SQ]] : !coco.dtensor<16xbf16, sliced<0> on @dp> to !coco.dtensor<16xf64, sliced<0> on @dp>
// CHECK-NEXT: %[[PART:.*]] = coco.reduce sum %[[WIDE]] dims [0] : !coco.dtensor<16xf64, sliced<0> on @dp>
// CHECK-NEXT: %[[TOTAL:.*]] = coco.all_reduce sum %[[PART]] : !coco.dtensor<f64, local on @dp>
// CHECK-NEXT: %[[NARROW:.*]] = coco.cast %[[TOTAL]] : !coco.dtensor<f64, replicated on @dp> to !coco.dtensor<bf16, replicated on @dp>
// CHECK-NEXT: %[[NORM:.*]] = coco.sqrt %[[NARROW]] : !coco.dtensor<bf16, replicated on @dp>
// CHECK: return %[[NORM]]
func.func @bf16_norm_from_slices(%w: !R16 {coco.name = "m"}) -> !coco.dtensor<bf16, replicated on @dp> {
  %n = coco.norm %w : !R16
  %scalar = coco.extract %n : !coco.dtensor<bf16, replicated on @dp> -> bf16
  %ws = coco.slice %w dim 0 : !R16
  %wn = coco.mul %ws, %scalar : !S16, bf16
  %gathered = coco.all_gather %wn : !S16
  coco.update %w, %gathered : !R16
  return %n : !coco.dtensor<bf16, replicated on @dp>
}

// -----

coco.grid @dp(shape = [?])

// expected-error @+1 {{cannot shard argument 'm': it is replicated on no grid axis (local on axis 0 of @dp)}}
func.func @not_replicated(%m: !coco.dtensor<16xf32, local on @dp> {coco.name = "m"}) {
  return
}

// -----

coco.grid @dp(shape = [?])

func.func @not_gathered(%m: !coco.dtensor<16xf32, replicated on @dp> {coco.name = "m"}) {
  %0 = coco.constant 1.0 : !coco.dtensor<16xf32, replicated on @dp>
  %1 = coco.slice %m dim 0 : !coco.dtensor<16xf32, replicated on @dp>
  // expected-error @+1 {{writes argument 'm' with a value that is not gathered from slices; run coco-split and coco-reorder first}}
  coco.update %m, %0 : !coco.dtensor<16xf32, replicated on @dp>
  return
}

// -----

coco.grid @dp(shape = [?])

// expected-error @+1 {{cannot shard argument 'm': the function never uses it sliced}}
func.func @unused(%m: !coco.dtensor<16xf32, replicated on @dp> {coco.name = "m"}) {
  return
}

// -----

coco.grid @dp(shape = [?])

func.func @two_dims(%m: !coco.dtensor<4x4xf32, replicated on @dp> {coco.name = "m"}) {
  %0 = coco.slice %m dim 0 : !coco.dtensor<4x4xf32, replicated on @dp>
  // expected-error @+1 {{uses argument 'm' as sliced<1> on axis 0 of @dp, elsewhere as sliced<0> on axis 0 of @dp: it cannot be kept sliced}}
  %1 = coco.slice %m dim 1 : !coco.dtensor<4x4xf32, replicated on @dp>
  return
}

// -----

// expected-error @+1 {{coco-shard-state: no function argument has coco.name = "m"}}
module {
  func.func @f() { return }
}

// -----

// A declaration that names the state, beside the step: passed over (its
// body is elsewhere), the step's m is sharded (reading the declaration's
// arguments segfaulted).
// CHECK-LABEL: func.func private @decl(!coco.dtensor<16xf32, replicated on @dp> {coco.name = "m"})
// CHECK-LABEL: func @step2
// CHECK-SAME: !coco.dtensor<16xf32, sliced<0> on @dp> {coco.name = "m"}
coco.grid @dp(shape = [?])
!S = !coco.dtensor<16xf32, sliced<0> on @dp>
!R = !coco.dtensor<16xf32, replicated on @dp>
func.func private @decl(!R {coco.name = "m"})
func.func @step2(%m: !R {coco.name = "m"}, %g: !S) {
  %ms = coco.slice %m dim 0 : !R
  %mn = coco.add %ms, %g : !S, !S
  %gathered = coco.all_gather %mn : !S
  coco.update %m, %gathered : !R
  return
}
