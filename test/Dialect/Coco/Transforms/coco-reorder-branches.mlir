// coco-reorder makes a collective where the op it moves was: an all_gather
// of a pointwise op's result, an all_reduce of a reduction's partial sums.
// Where that op sits in a branch (an scf.if on the rank, a later block) and
// the all_gather it reads before it, every rank ran the all_gather but only
// some would reach the new collective, and would wait there for the others.
// Such an op stays after the all_gather, with a remark. It moves in the
// all_gather's own block (both inside one branch), and where every branch
// condition and loop bound around it is provably the same on the ranks of
// the all_gather's group (a pipeline stage's branch, on the rank along
// another axis; a loop with constant bounds).
//
// RUN: coco-opt %s --split-input-file --coco-reorder | FileCheck %s
// RUN: coco-opt %s --split-input-file --coco-reorder --remarks-filter=coco-reorder -o /dev/null 2>&1 | FileCheck %s --check-prefix=REMARK
// RUN: coco-opt %s --split-input-file --coco-reorder=axes=1 --remarks-filter=coco-reorder -o /dev/null 2>&1 | FileCheck %s --check-prefix=AXIS1

coco.grid @dp(shape = [?])
!R = !coco.dtensor<16xf32, replicated on @dp>
!S = !coco.dtensor<16xf32, sliced<0> on @dp>
!N = !coco.dtensor<f32, replicated on @dp>

// CHECK-LABEL: func @gather_outside
// CHECK: %[[G:.*]] = coco.all_gather %arg0
// CHECK: scf.if
// CHECK-NEXT: coco.norm %[[G]]
// CHECK-NEXT: coco.exp %[[G]]
// CHECK-NOT: coco.all_reduce
// REMARK-DAG: coco-reorder-branches.mlir:[[@LINE+9]]:10: remark: [Missed] not-applied | Category:coco-reorder | Function=gather_outside | Remark="'coco.norm' stays after the all_gather: it is in a region (an scf.if, a loop) or a later block that not every rank running the all_gather may run as often, and the collective reordering makes there could wait for ranks that never arrive"
// REMARK-DAG: coco-reorder-branches.mlir:[[@LINE+9]]:10: remark: [Missed] not-applied | Category:coco-reorder | Function=gather_outside | Remark="'coco.exp' stays after the all_gather: it is in a region
func.func @gather_outside(%s: !S) -> (f32, !R) {
  %zero = arith.constant 0.0 : f32
  %c0 = arith.constant 0 : index
  %g = coco.all_gather %s : !S
  %rank = coco.axis_rank @dp[0]
  %first = arith.cmpi eq, %rank, %c0 : index
  %r:2 = scf.if %first -> (f32, !R) {
    %n = coco.norm %g : !R
    %e = coco.exp %g : !R
    %x = coco.extract %n : !N -> f32
    scf.yield %x, %e : f32, !R
  } else {
    scf.yield %zero, %g : f32, !R
  }
  return %r#0, %r#1 : f32, !R
}

// CHECK-LABEL: func @gather_inside
// CHECK: scf.if
// CHECK-NEXT: %[[E:.*]] = coco.exp %arg0 : !coco.dtensor<16xf32, sliced<0> on @dp>
// CHECK-NEXT: %[[G:.*]] = coco.all_gather %[[E]]
// CHECK-NEXT: scf.yield %[[G]]
func.func @gather_inside(%s: !S, %c: i1) -> !R {
  %r = scf.if %c -> !R {
    %g = coco.all_gather %s : !S
    %e = coco.exp %g : !R
    scf.yield %e : !R
  } else {
    %g = coco.all_gather %s : !S
    scf.yield %g : !R
  }
  return %r : !R
}

// In a loop, an op reading an all_gather from outside the loop stays after
// it too: the collective it would make runs once per iteration (and here
// the trip count, an argument, may differ between ranks).
// CHECK-LABEL: func @loop_body
// CHECK: %[[G:.*]] = coco.all_gather %arg0
// CHECK: scf.for
// CHECK-NEXT: coco.add %{{.*}}, %[[G]] : !coco.dtensor<16xf32, replicated on @dp>, !coco.dtensor<16xf32, replicated on @dp>
// REMARK-DAG: coco-reorder-branches.mlir:[[@LINE+6]]:10: remark: [Missed] not-applied | Category:coco-reorder | Function=loop_body | Remark="'coco.add' stays after the all_gather: it is in a loop that the all_gather runs outside of: the collective reordering makes there would run once per iteration"
func.func @loop_body(%s: !S, %n: index) -> !R {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %g = coco.all_gather %s : !S
  %r = scf.for %i = %c0 to %n step %c1 iter_args(%acc = %g) -> !R {
    %e = coco.add %acc, %g : !R, !R
    scf.yield %e : !R
  }
  return %r : !R
}

// Two all_gathers along the same axes, one before the branch and one in
// it: the op moves, its new all_gather runs where the branch's one ran.
// CHECK-LABEL: func @two_gathers
// CHECK: scf.if
// CHECK-NEXT: %[[E:.*]] = coco.add %arg0, %arg1 : !coco.dtensor<16xf32, sliced<0> on @dp>, !coco.dtensor<16xf32, sliced<0> on @dp>
// CHECK-NEXT: %[[G:.*]] = coco.all_gather %[[E]]
// CHECK-NEXT: scf.yield %[[G]]
func.func @two_gathers(%a: !S, %b: !S, %c: i1) -> !R {
  %ga = coco.all_gather %a : !S
  %r = scf.if %c -> !R {
    %gb = coco.all_gather %b : !S
    %e = coco.add %ga, %gb : !R, !R
    scf.yield %e : !R
  } else {
    scf.yield %ga : !R
  }
  return %r : !R
}

// A later block: only the ranks that branch there would reach the new
// collective.
// CHECK-LABEL: func @later_block
// CHECK: %[[G:.*]] = coco.all_gather %arg0
// CHECK: ^bb1:
// CHECK-NEXT: coco.exp %[[G]] : !coco.dtensor<16xf32, replicated on @dp>
// REMARK-DAG: coco-reorder-branches.mlir:[[@LINE+5]]:8: remark: [Missed] not-applied | Category:coco-reorder | Function=later_block | Remark="'coco.exp' stays after the all_gather: it is in a region
func.func @later_block(%s: !S, %c: i1) -> !R {
  %g = coco.all_gather %s : !S
  cf.cond_br %c, ^bb1, ^bb2
^bb1:
  %e = coco.exp %g : !R
  return %e : !R
^bb2:
  return %g : !R
}

// -----

// Pipeline stages on axis 0, the all_gather along axis 1 before the stage
// branches: every rank of a gather's group (one stage) takes the same
// branch, so the op moves into it. The op in the loop (constant bounds, the
// same on every rank) stays: it would gather once per iteration, where the
// all_gather before the loop runs once.
coco.grid @pp(shape = [2, ?])
!R = !coco.dtensor<16xf32, replicated on @pp[1]>
!S = !coco.dtensor<16xf32, sliced<0> on @pp[1]>
!N = !coco.dtensor<f32, replicated on @pp[1]>

// CHECK-LABEL: func @stage_branch
// CHECK: scf.if
// CHECK-NEXT: %[[E:.*]] = coco.exp %arg0 : !coco.dtensor<16xf32, sliced<0> on @pp[1]>
// CHECK-NEXT: %[[G:.*]] = coco.all_gather %[[E]]
// CHECK-NEXT: scf.yield %[[G]]
// CHECK: } else {
// CHECK: scf.for
// CHECK-NEXT: coco.add {{.*}} : !coco.dtensor<16xf32, replicated on @pp>, !coco.dtensor<16xf32, replicated on @pp>
// CHECK-NEXT: scf.yield
// REMARK-DAG: coco-reorder-branches.mlir:[[@LINE+10]]:10: remark: [Passed] applied | Category:coco-reorder | Function=stage_branch | Remark="coco.exp now runs on the slices
// REMARK-DAG: coco-reorder-branches.mlir:[[@LINE+13]]:12: remark: [Missed] not-applied | Category:coco-reorder | Function=stage_branch | Remark="'coco.add' stays after the all_gather: it is in a loop that the all_gather runs outside of
func.func @stage_branch(%s: !S) -> !R {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c3 = arith.constant 3 : index
  %g = coco.all_gather %s : !S
  %stage = coco.axis_rank @pp[0]
  %first = arith.cmpi eq, %stage, %c0 : index
  %r = scf.if %first -> !R {
    %e = coco.exp %g : !R
    scf.yield %e : !R
  } else {
    %l = scf.for %i = %c0 to %c3 step %c1 iter_args(%acc = %g) -> !R {
      %a = coco.add %acc, %g : !R, !R
      scf.yield %a : !R
    }
    scf.yield %l : !R
  }
  return %r : !R
}

// -----

// On the rank along the gather's own axis the branch is refused; along
// axes=1 it is the only op that reads an all_gather, so the pass warns
// that nothing changed and reports the op's reason.
coco.grid @pp(shape = [2, ?])
!R = !coco.dtensor<16xf32, replicated on @pp[1]>
!S = !coco.dtensor<16xf32, sliced<0> on @pp[1]>
// CHECK-LABEL: func @branch_on_gather_axis
// CHECK: %[[G:.*]] = coco.all_gather %arg0
// CHECK: scf.if
// CHECK-NEXT: coco.exp %[[G]] : !coco.dtensor<16xf32, replicated on @pp>
// Two warnings: the first module (a grid of one axis) and this one.
// AXIS1-COUNT-2: warning: coco-reorder: no pointwise op or reduction that reads an all_gather along exactly [1] can move before it; nothing changed (each op that reads one is reported with its reason)
// AXIS1: coco-reorder-branches.mlir:[[@LINE+7]]:10: remark: [Missed] not-applied | Category:coco-reorder | Function=branch_on_gather_axis | Remark="'coco.exp' stays after the all_gather: it is in a region
func.func @branch_on_gather_axis(%s: !S) -> !R {
  %c0 = arith.constant 0 : index
  %g = coco.all_gather %s : !S
  %tp = coco.axis_rank @pp[1]
  %first = arith.cmpi eq, %tp, %c0 : index
  %r = scf.if %first -> !R {
    %e = coco.exp %g : !R
    scf.yield %e : !R
  } else {
    scf.yield %g : !R
  }
  return %r : !R
}

// -----

// Dynamic loss scaling: the step is skipped unless the gradients' norm,
// all_reduced (replicated on the gather's axis), is finite. The condition
// is the same on every rank by the type's promise, so the update moves
// into the branch. A condition from a value local to each rank is refused.
coco.grid @dp(shape = [?])
!R = !coco.dtensor<16xf32, replicated on @dp>
!S = !coco.dtensor<16xf32, sliced<0> on @dp>
!L = !coco.dtensor<16xf32, local on @dp>
!N = !coco.dtensor<f32, replicated on @dp>
!NL = !coco.dtensor<f32, local on @dp>

// CHECK-LABEL: func @finite_norm
// CHECK: scf.if
// CHECK-NEXT: %[[E:.*]] = coco.exp %arg0 : !coco.dtensor<16xf32, sliced<0> on @dp>
// CHECK-NEXT: %[[G:.*]] = coco.all_gather %[[E]]
// CHECK-NEXT: scf.yield %[[G]]
// REMARK-DAG: coco-reorder-branches.mlir:[[@LINE+9]]:10: remark: [Passed] applied | Category:coco-reorder | Function=finite_norm | Remark="coco.exp now runs on the slices
func.func @finite_norm(%s: !S, %g: !L, %r: !R) -> !R {
  %inf = arith.constant 0x7F800000 : f32
  %sum = coco.all_reduce sum %g : !L
  %n = coco.norm %sum : !R
  %nv = coco.extract %n : !N -> f32
  %finite = arith.cmpf olt, %nv, %inf : f32
  %w = coco.all_gather %s : !S
  %out = scf.if %finite -> !R {
    %e = coco.exp %w : !R
    scf.yield %e : !R
  } else {
    scf.yield %r : !R
  }
  return %out : !R
}

// CHECK-LABEL: func @local_flag
// CHECK: %[[G:.*]] = coco.all_gather %arg0
// CHECK: scf.if
// CHECK-NEXT: coco.exp %[[G]]
// REMARK-DAG: coco-reorder-branches.mlir:[[@LINE+8]]:10: remark: [Missed] not-applied | Category:coco-reorder | Function=local_flag | Remark="'coco.exp' stays after the all_gather: it is in a region
func.func @local_flag(%s: !S, %g: !L, %r: !R) -> !R {
  %inf = arith.constant 0x7F800000 : f32
  %n = coco.norm %g : !L
  %nv = coco.extract %n : !NL -> f32
  %finite = arith.cmpf olt, %nv, %inf : f32
  %w = coco.all_gather %s : !S
  %out = scf.if %finite -> !R {
    %e = coco.exp %w : !R
    scf.yield %e : !R
  } else {
    scf.yield %r : !R
  }
  return %out : !R
}

// -----

// The type alone proves nothing: an scf.if on the rank yields different
// replicated constants, so the flag differs between the gather's ranks.
coco.grid @dp(shape = [?])
!R = !coco.dtensor<16xf32, replicated on @dp>
!S = !coco.dtensor<16xf32, sliced<0> on @dp>
!N = !coco.dtensor<f32, replicated on @dp>

// CHECK-LABEL: func @replicated_by_type_only
// CHECK: %[[G:.*]] = coco.all_gather %arg0
// CHECK: scf.if
// CHECK: scf.if
// CHECK-NEXT: coco.exp %[[G]]
// REMARK-DAG: coco-reorder-branches.mlir:[[@LINE+17]]:10: remark: [Missed] not-applied | Category:coco-reorder | Function=replicated_by_type_only | Remark="'coco.exp' stays after the all_gather: it is in a region
func.func @replicated_by_type_only(%s: !S, %r: !R) -> !R {
  %c0 = arith.constant 0 : index
  %half = arith.constant 0.5 : f32
  %w = coco.all_gather %s : !S
  %rank = coco.axis_rank @dp[0]
  %first = arith.cmpi eq, %rank, %c0 : index
  %t = scf.if %first -> !N {
    %one = coco.constant 1.0 : !N
    scf.yield %one : !N
  } else {
    %zero = coco.constant 0.0 : !N
    scf.yield %zero : !N
  }
  %v = coco.extract %t : !N -> f32
  %take = arith.cmpf ogt, %v, %half : f32
  %out = scf.if %take -> !R {
    %e = coco.exp %w : !R
    scf.yield %e : !R
  } else {
    scf.yield %r : !R
  }
  return %out : !R
}

// -----

// A private function's argument is what its calls pass only if every rank
// of the group makes each call: here rank 0 passes true and rank 1 false,
// from two calls each made by one rank. The op stays after its gather.
coco.grid @dp(shape = [2])
!R = !coco.dtensor<16xf32, replicated on @dp>
!S = !coco.dtensor<16xf32, sliced<0> on @dp>

// CHECK-LABEL: func private @step
// CHECK: %[[G:.*]] = coco.all_gather %arg0
// CHECK: scf.if
// CHECK-NEXT: coco.exp %[[G]]
// REMARK-DAG: coco-reorder-branches.mlir:[[@LINE+4]]:10: remark: [Missed] not-applied | Category:coco-reorder | Function=step | Remark="'coco.exp' stays after the all_gather: it is in a region
func.func private @step(%s: !S, %r: !R, %c: i1) -> !R {
  %w = coco.all_gather %s : !S
  %o = scf.if %c -> !R {
    %e = coco.exp %w : !R
    scf.yield %e : !R
  } else {
    scf.yield %r : !R
  }
  return %o : !R
}
func.func @parted_calls(%s: !S, %r: !R) -> !R {
  %t = arith.constant true
  %f = arith.constant false
  %c0 = arith.constant 0 : index
  %k = coco.axis_rank @dp[0]
  %is0 = arith.cmpi eq, %k, %c0 : index
  %o = scf.if %is0 -> !R {
    %a = func.call @step(%s, %r, %t) : (!S, !R, i1) -> !R
    scf.yield %a : !R
  } else {
    %b = func.call @step(%s, %r, %f) : (!S, !R, i1) -> !R
    scf.yield %b : !R
  }
  return %o : !R
}

// -----

// A received value is the peer's, however its type reads: a branch on it
// may part the ranks (rank 0 receives -1, rank 1 receives +1), so the mul
// stays after the all_gather. coco-reorder moved it once, and the job then
// waited in the new all_gather of one rank only.
coco.grid @pair(shape = [2])
!PS = !coco.dtensor<8xf32, sliced<0> on @pair>
!PR = !coco.dtensor<8xf32, replicated on @pair>
!PN = !coco.dtensor<f32, replicated on @pair>

// CHECK-LABEL: func @on_received
// CHECK: %[[G:.*]] = coco.all_gather %arg0
// CHECK: scf.if
// CHECK-NEXT: coco.mul %[[G]], %[[G]]
// CHECK-NOT: coco.all_gather
// CHECK: return
// REMARK: coco-reorder-branches.mlir:[[@LINE+8]]:10: remark: [Missed] not-applied | Category:coco-reorder | Function=on_received | Remark="'coco.mul' stays after the all_gather: it is in a region (an scf.if, a loop) or a later block that not every rank running the all_gather may run as often
func.func @on_received(%s: !PS, %peer: index) -> !PR {
  %x = coco.recv from %peer along 0 : !PN
  %c = coco.extract %x : !PN -> f32
  %zero = arith.constant 0.0 : f32
  %cond = arith.cmpf ogt, %c, %zero : f32
  %g = coco.all_gather %s : !PS
  %r = scf.if %cond -> !PR {
    %y = coco.mul %g, %g : !PR, !PR
    scf.yield %y : !PR
  } else {
    scf.yield %g : !PR
  }
  return %r : !PR
}
