// coco-reorder computes the norm of a replicated value from the slice of it
// the function reads (LAMB's ||w||, whose update reads this rank's slice of
// w after split + reorder): sqrt(all_reduce(sum(slice * slice))), so each
// rank reads 1/R of the tensor. Where the function reads no slice of it
// (along the axes asked for), the norm stays whole, with a remark.
//
// RUN: coco-opt %s --split-input-file --coco-reorder | FileCheck %s
// RUN: coco-opt %s --split-input-file --coco-reorder=norms-from-slices=false | FileCheck %s --check-prefix=WHOLE
// RUN: coco-opt %s --split-input-file --coco-reorder --remarks-filter=coco-reorder -o /dev/null 2>&1 | FileCheck %s --check-prefix=REMARK
// RUN: coco-opt %s --split-input-file --coco-reorder --remarks-filter=coco-reorder -o /dev/null 2>&1 | FileCheck %s --check-prefix=BF16
// RUN: coco-opt %s --split-input-file --coco-reorder=axes=0 | FileCheck %s --check-prefix=AXIS0
// RUN: coco-opt %s --split-input-file --coco-reorder=axes=1 --remarks-filter=coco-reorder -o /dev/null 2>&1 | FileCheck %s --check-prefix=AXIS1

coco.grid @dp(shape = [?])

!Rep = !coco.dtensor<10xf32, replicated on @dp>
!Sl = !coco.dtensor<10xf32, sliced<0> on @dp>
!N = !coco.dtensor<f32, replicated on @dp>

// The slice before the norm is the one it reads.
// CHECK-LABEL: func @slice_before
// CHECK-SAME: (%[[W:.*]]: !coco.dtensor<10xf32, replicated on @dp>
// CHECK: %[[S:.*]] = coco.slice %[[W]] dim 0
// CHECK-NEXT: %[[U:.*]] = coco.mul %[[S]], %{{.*}}
// CHECK-NEXT: %[[SQ:.*]] = coco.mul %[[S]], %[[S]] : !coco.dtensor<10xf32, sliced<0> on @dp>
// CHECK-NEXT: %[[P:.*]] = coco.reduce sum %[[SQ]] dims [0] : !coco.dtensor<10xf32, sliced<0> on @dp>
// CHECK-NEXT: %[[T:.*]] = coco.all_reduce sum %[[P]] : !coco.dtensor<f32, local on @dp>
// CHECK-NEXT: %[[N:.*]] = coco.sqrt %[[T]] : !coco.dtensor<f32, replicated on @dp>
// CHECK-NOT: coco.norm
// CHECK: return %[[U]], %[[N]]
// WHOLE-LABEL: func @slice_before
// WHOLE: coco.norm %arg0
// REMARK: coco-reorder-norms.mlir:[[@LINE+4]]:8: remark: [Passed] applied | Category:coco-reorder | Function=slice_before | Remark="coco.norm of the replicated tensor now sums the squares of this rank's slice along [0] (which the function reads already) and completes them with an all_reduce"
func.func @slice_before(%w: !Rep, %g: !Sl) -> (!Sl, !N) {
  %s = coco.slice %w dim 0 : !Rep
  %u = coco.mul %s, %g : !Sl, !Sl
  %n = coco.norm %w : !Rep
  return %u, %n : !Sl, !N
}

// A slice after the norm: the norm reads a copy of it.
// CHECK-LABEL: func @slice_after
// CHECK-SAME: (%[[W:.*]]: !coco.dtensor<10xf32, replicated on @dp>
// CHECK-NEXT: %[[S:.*]] = coco.slice %[[W]] dim 0
// CHECK-NEXT: coco.mul %[[S]], %[[S]]
// CHECK-NEXT: coco.reduce sum
// CHECK-NEXT: coco.all_reduce sum
// CHECK-NEXT: %[[N:.*]] = coco.sqrt
// CHECK-NEXT: %[[S2:.*]] = coco.slice %[[W]] dim 0
// CHECK-NEXT: %[[U:.*]] = coco.mul %[[S2]], %{{.*}}
// CHECK-NEXT: return %[[U]], %[[N]]
func.func @slice_after(%w: !Rep, %g: !Sl) -> (!Sl, !N) {
  %n = coco.norm %w : !Rep
  %s = coco.slice %w dim 0 : !Rep
  %u = coco.mul %s, %g : !Sl, !Sl
  return %u, %n : !Sl, !N
}

// No slice of the input: the norm stays whole, and a remark says why.
// CHECK-LABEL: func @not_sliced
// CHECK: coco.norm %arg0
// REMARK: coco-reorder-norms.mlir:[[@LINE+3]]:8: remark: [Missed] not-applied | Category:coco-reorder | Function=not_sliced | Remark="coco.norm reads the whole replicated tensor: the function reads no slice of it"
func.func @not_sliced(%w: !Rep, %x: !Rep) -> !N {
  %s = coco.slice %x dim 0 : !Rep
  %n = coco.norm %w : !Rep
  return %n : !N
}

// In the fixed point: once the norm reads a slice of p = r * r, every use
// of p is a slice, so p itself is computed on the slice of r.
// CHECK-LABEL: func @hoists_producer
// CHECK-SAME: (%[[R:[^:]*]]: !coco.dtensor<10xf32, replicated on @dp>
// CHECK: coco.slice %[[R]] dim 0
// CHECK: %[[P:.*]] = coco.mul %{{.*}}, %{{.*}} : !coco.dtensor<10xf32, sliced<0> on @dp>
// CHECK: coco.mul %[[P]], %[[P]] : !coco.dtensor<10xf32, sliced<0> on @dp>
// CHECK-NOT: coco.norm
func.func @hoists_producer(%r: !Rep, %g: !Sl) -> (!Sl, !N) {
  %p = coco.mul %r, %r : !Rep, !Rep
  %n = coco.norm %p : !Rep
  %s = coco.slice %p dim 0 : !Rep
  %u = coco.mul %s, %g : !Sl, !Sl
  return %u, %n : !Sl, !N
}

// A norm inside a branch that only some ranks may take stays whole: an
// all_reduce there could wait for ranks that never arrive.
// CHECK-LABEL: func @in_a_branch
// CHECK: scf.if
// CHECK: coco.norm %arg0
// REMARK: coco-reorder-norms.mlir:[[@LINE+5]]:10: remark: [Missed] not-applied | Category:coco-reorder | Function=in_a_branch | Remark="coco.norm stays whole: it (or a call of its function) is in a region (an scf.if, a loop) or a later block that not every rank of its slice's group [0] may run as often, so the all_reduce of its slices could wait for ranks that never arrive"
func.func @in_a_branch(%w: !Rep, %g: !Sl, %c: i1) -> (!Sl, !N) {
  %s = coco.slice %w dim 0 : !Rep
  %u = coco.mul %s, %g : !Sl, !Sl
  %n = scf.if %c -> !N {
    %x = coco.norm %w : !Rep
    scf.yield %x : !N
  } else {
    %z = coco.constant 0.0 : !N
    scf.yield %z : !N
  }
  return %u, %n : !Sl, !N
}

// So does one in a later block of the function, behind a branch; and a
// norm of a local value (a gradient's, for clipping) gets no remark.
// CHECK-LABEL: func @later_block
// CHECK: ^bb1:
// CHECK-NEXT: coco.norm %arg0
// REMARK: coco-reorder-norms.mlir:[[@LINE+6]]:8: remark: [Missed] not-applied | Category:coco-reorder | Function=later_block | Remark="coco.norm stays whole: it (or a call of its function) is in a region (an scf.if, a loop) or a later block
// REMARK-NOT: Function=later_block
func.func @later_block(%w: !Rep, %g: !Sl, %l: !coco.dtensor<10xf32, local on @dp>, %c: i1) -> !Sl {
  %s = coco.slice %w dim 0 : !Rep
  cf.cond_br %c, ^bb1, ^bb2
^bb1:
  %n = coco.norm %w : !Rep
  %m = coco.norm %l : !coco.dtensor<10xf32, local on @dp>
  cf.br ^bb2
^bb2:
  %u = coco.mul %s, %g : !Sl, !Sl
  return %u : !Sl
}

// A 16-bit norm is computed from the slice too, with its squares summed and
// all_reduced in f64 and the total rounded to bf16 once, as the whole norm
// rounds its sum (not once per rank and per add).
// CHECK-LABEL: func @bf16
// CHECK-SAME: (%[[W:.*]]: !coco.dtensor<10xbf16, replicated on @dp>, %[[G:.*]]: !coco.dtensor<10xbf16, sliced<0> on @dp>)
// CHECK-NEXT: %[[S:.*]] = coco.slice %[[W]] dim 0
// CHECK-NEXT: %[[U:.*]] = coco.mul %[[S]], %[[G]]
// CHECK-NEXT: %[[SQ:.*]] = coco.mul %[[S]], %[[S]] : !coco.dtensor<10xbf16, sliced<0> on @dp>
// CHECK-NEXT: %[[WIDE:.*]] = coco.cast %[[SQ]] : !coco.dtensor<10xbf16, sliced<0> on @dp> to !coco.dtensor<10xf64, sliced<0> on @dp>
// CHECK-NEXT: %[[P:.*]] = coco.reduce sum %[[WIDE]] dims [0] : !coco.dtensor<10xf64, sliced<0> on @dp>
// CHECK-NEXT: %[[T:.*]] = coco.all_reduce sum %[[P]] : !coco.dtensor<f64, local on @dp>
// CHECK-NEXT: %[[N:.*]] = coco.cast %[[T]] : !coco.dtensor<f64, replicated on @dp> to !coco.dtensor<bf16, replicated on @dp>
// CHECK-NEXT: %[[R:.*]] = coco.sqrt %[[N]] : !coco.dtensor<bf16, replicated on @dp>
// CHECK-NEXT: return %[[U]], %[[R]]
// BF16: coco-reorder-norms.mlir:[[@LINE+5]]:8: remark: [Passed] applied | Category:coco-reorder | Function=bf16 | Remark="coco.norm of the replicated tensor
func.func @bf16(%w: !coco.dtensor<10xbf16, replicated on @dp>, %g: !coco.dtensor<10xbf16, sliced<0> on @dp>)
    -> (!coco.dtensor<10xbf16, sliced<0> on @dp>, !coco.dtensor<bf16, replicated on @dp>) {
  %s = coco.slice %w dim 0 : !coco.dtensor<10xbf16, replicated on @dp>
  %u = coco.mul %s, %g : !coco.dtensor<10xbf16, sliced<0> on @dp>, !coco.dtensor<10xbf16, sliced<0> on @dp>
  %n = coco.norm %w : !coco.dtensor<10xbf16, replicated on @dp>
  return %u, %n : !coco.dtensor<10xbf16, sliced<0> on @dp>, !coco.dtensor<bf16, replicated on @dp>
}

// -----

// In a pipeline stage's branch (on the rank along axis 0), a norm whose
// slice runs along axis 1 is computed from it: every rank of the slice's
// group takes the branch together. On the rank along axis 1 it stays whole.
coco.grid @pp(shape = [2, 2])
!RepP = !coco.dtensor<12xf32, replicated on @pp>
!SlP = !coco.dtensor<12xf32, sliced<0> on @pp[1]>
!NP = !coco.dtensor<f32, replicated on @pp>

// CHECK-LABEL: func @stage_branch
// CHECK: scf.if
// CHECK-NEXT: %[[SL:.*]] = coco.slice %arg0 dim 0 along [1]
// CHECK-NEXT: %[[SQ:.*]] = coco.mul %[[SL]], %[[SL]] : !coco.dtensor<12xf32, sliced<0> on @pp[1]>
// CHECK-NEXT: %[[P:.*]] = coco.reduce sum %[[SQ]] dims [0]
// CHECK-NEXT: coco.all_reduce sum %[[P]] : !coco.dtensor<f32, local on @pp[1]>
// CHECK-NOT: coco.norm
// CHECK-LABEL: func @branch_on_slice_axis
// CHECK: scf.if
// CHECK-NEXT: coco.norm %arg0
// REMARK: coco-reorder-norms.mlir:[[@LINE+29]]:10: remark: [Missed] not-applied | Category:coco-reorder | Function=branch_on_slice_axis | Remark="coco.norm stays whole: it (or a call of its function) is in a region (an scf.if, a loop) or a later block that not every rank of its slice's group [1] may run as often
// With axes=1: the first module (a grid of one axis) has nothing along it.
// AXIS1: warning: coco-reorder: no pointwise op or reduction that reads an all_gather along exactly [1] can move before it
// AXIS1-NOT: remark
// AXIS1: remark: [Passed] applied | Category:coco-reorder | Function=stage_branch
// AXIS1: remark: [Missed] not-applied | Category:coco-reorder | Function=branch_on_slice_axis
func.func @stage_branch(%w: !RepP, %g: !SlP) -> (!SlP, !NP) {
  %c0 = arith.constant 0 : index
  %s = coco.slice %w dim 0 along [1] : !RepP
  %u = coco.mul %s, %g : !SlP, !SlP
  %stage = coco.axis_rank @pp[0]
  %first = arith.cmpi eq, %stage, %c0 : index
  %n = scf.if %first -> !NP {
    %x = coco.norm %w : !RepP
    scf.yield %x : !NP
  } else {
    %z = coco.constant 0.0 : !NP
    scf.yield %z : !NP
  }
  return %u, %n : !SlP, !NP
}

func.func @branch_on_slice_axis(%w: !RepP, %g: !SlP) -> (!SlP, !NP) {
  %c0 = arith.constant 0 : index
  %s = coco.slice %w dim 0 along [1] : !RepP
  %u = coco.mul %s, %g : !SlP, !SlP
  %tp = coco.axis_rank @pp[1]
  %first = arith.cmpi eq, %tp, %c0 : index
  %n = scf.if %first -> !NP {
    %x = coco.norm %w : !RepP
    scf.yield %x : !NP
  } else {
    %z = coco.constant 0.0 : !NP
    scf.yield %z : !NP
  }
  return %u, %n : !SlP, !NP
}

// -----

// On a 2-D grid, the slice's axes are the all_reduce's; with `axes`, only
// slices along exactly those axes count.
coco.grid @g(shape = [2, 3])

!Rep2 = !coco.dtensor<12xf32, replicated on @g>
!Sl2 = !coco.dtensor<12xf32, sliced<0> on @g[1]>
!N2 = !coco.dtensor<f32, replicated on @g>

// CHECK-LABEL: func @second_axis
// CHECK: %[[S:.*]] = coco.slice %arg0 dim 0 along [1]
// CHECK: %[[SQ:.*]] = coco.mul %[[S]], %[[S]]
// CHECK: %[[P:.*]] = coco.reduce sum %[[SQ]] dims [0]
// CHECK: coco.all_reduce sum %[[P]] : !coco.dtensor<f32, local on @g[1]>
// CHECK-NOT: coco.norm
// AXIS0-LABEL: func @second_axis
// AXIS0: coco.norm %arg0
// AXIS1: remark: [Passed] applied | Category:coco-reorder | Function=second_axis | Remark="coco.norm of the replicated tensor now sums the squares of this rank's slice along [1]
func.func @second_axis(%w: !Rep2, %g: !Sl2) -> (!Sl2, !N2) {
  %s = coco.slice %w dim 0 along [1] : !Rep2
  %u = coco.mul %s, %g : !Sl2, !Sl2
  %n = coco.norm %w : !Rep2
  return %u, %n : !Sl2, !N2
}

// -----

// A norm in a function of its own: its calls are followed. @from_stage is
// called in a branch on axis 0 (the same on the slice's group): computed
// from the slice. @from_tp is called in a branch on axis 1, the slice's
// axis: the all_reduce of the slices would wait for the ranks that do not
// call it, so it stays whole.
coco.grid @pp(shape = [2, 2])

!RepP = !coco.dtensor<12xf32, replicated on @pp>
!SlP = !coco.dtensor<12xf32, sliced<0> on @pp[1]>
!NP = !coco.dtensor<f32, replicated on @pp>

// CHECK-LABEL: func private @from_stage
// CHECK: coco.all_reduce sum
// CHECK-NOT: coco.norm
// CHECK-LABEL: func private @from_tp
// CHECK: coco.norm %arg0
// REMARK: coco-reorder-norms.mlir:[[@LINE+11]]:8: remark: [Missed] not-applied | Category:coco-reorder | Function=from_tp | Remark="coco.norm stays whole: it (or a call of its function) is in a region (an scf.if, a loop) or a later block that not every rank of its slice's group [1] may run as often
func.func private @from_stage(%w: !RepP, %g: !SlP) -> (!SlP, !NP) {
  %s = coco.slice %w dim 0 along [1] : !RepP
  %u = coco.mul %s, %g : !SlP, !SlP
  %n = coco.norm %w : !RepP
  return %u, %n : !SlP, !NP
}

func.func private @from_tp(%w: !RepP, %g: !SlP) -> (!SlP, !NP) {
  %s = coco.slice %w dim 0 along [1] : !RepP
  %u = coco.mul %s, %g : !SlP, !SlP
  %n = coco.norm %w : !RepP
  return %u, %n : !SlP, !NP
}

func.func @caller(%w: !RepP, %g: !SlP) {
  %c0 = arith.constant 0 : index
  %stage = coco.axis_rank @pp[0]
  %tp = coco.axis_rank @pp[1]
  %first_stage = arith.cmpi eq, %stage, %c0 : index
  %first_tp = arith.cmpi eq, %tp, %c0 : index
  scf.if %first_stage {
    %r:2 = func.call @from_stage(%w, %g) : (!RepP, !SlP) -> (!SlP, !NP)
  }
  scf.if %first_tp {
    %r:2 = func.call @from_tp(%w, %g) : (!RepP, !SlP) -> (!SlP, !NP)
  }
  return
}

// -----

// A norm waits until no op moves and no slice hoists: the move of %q lets
// the slice of %p hoist to %x, and the norm reads that slice (the one the
// function reads) rather than the later %s0, whichever the fixed point met
// first.
coco.grid @dp(shape = [?])
!S = !coco.dtensor<16xf32, sliced<0> on @dp>
!R = !coco.dtensor<16xf32, replicated on @dp>
!T = !coco.dtensor<f32, replicated on @dp>

// CHECK-LABEL: func @norm_after_hoist
// CHECK-SAME: (%[[S:.*]]: !coco.dtensor<16xf32, sliced<0> on @dp>, %[[X:.*]]: !coco.dtensor<16xf32, replicated on @dp>, %[[C:.*]]: f32)
// CHECK-NEXT: %[[XS:.*]] = coco.slice %[[X]] dim 0
// CHECK-NEXT: %[[P:.*]] = coco.mul %[[XS]], %[[C]]
// CHECK-NEXT: %[[Q:.*]] = coco.add %[[S]], %[[P]]
// CHECK-NEXT: %[[G:.*]] = coco.all_gather %[[Q]]
// CHECK-NEXT: %[[SQ:.*]] = coco.mul %[[XS]], %[[XS]]
// CHECK-NEXT: %[[PART:.*]] = coco.reduce sum %[[SQ]] dims [0]
// CHECK-NEXT: %[[T:.*]] = coco.all_reduce sum %[[PART]]
// CHECK-NEXT: %[[N:.*]] = coco.sqrt %[[T]]
// CHECK-NEXT: %[[S0:.*]] = coco.slice %[[X]] dim 0
// CHECK-NEXT: return %[[G]], %[[N]], %[[S0]]
func.func @norm_after_hoist(%s: !S, %x: !R, %c: f32) -> (!R, !T, !S) {
  %g = coco.all_gather %s : !S
  %p = coco.mul %x, %c : !R, f32
  %q = coco.add %g, %p : !R, !R
  %n = coco.norm %x : !R
  %s0 = coco.slice %x dim 0 : !R
  return %q, %n, %s0 : !R, !T, !S
}

// -----

// The same on a 2-D grid: the hoisted slice is along [0], the later one
// along [1]; the norm's all_reduce goes along [0].
coco.grid @g(shape = [2, 2])
!S0 = !coco.dtensor<16xf32, [sliced<0>, replicated] on @g>
!S1 = !coco.dtensor<16xf32, [replicated, sliced<0>] on @g>
!R2 = !coco.dtensor<16xf32, [replicated, replicated] on @g>
!T2 = !coco.dtensor<f32, [replicated, replicated] on @g>

// CHECK-LABEL: func @norm_after_hoist_2d
// CHECK: %[[XS:.*]] = coco.slice %{{.*}} dim 0 along [0]
// CHECK: coco.mul %[[XS]], %[[XS]]
// CHECK: coco.all_reduce sum %{{.*}} : !coco.dtensor<f32, local on @g>
// CHECK-NOT: coco.all_reduce
// CHECK: coco.slice %{{.*}} dim 0 along [1]
// REMARK: coco-reorder-norms.mlir:[[@LINE+5]]:8: remark: [Passed] applied | Category:coco-reorder | Function=norm_after_hoist_2d | Remark="coco.norm of the replicated tensor now sums the squares of this rank's slice along [0] (which the function reads already)
func.func @norm_after_hoist_2d(%s: !S0, %x: !R2, %c: f32) -> (!R2, !T2, !S1) {
  %g = coco.all_gather %s : !S0
  %p = coco.mul %x, %c : !R2, f32
  %q = coco.add %g, %p : !R2, !R2
  %n = coco.norm %x : !R2
  %s1 = coco.slice %x dim 0 along [1] : !R2
  return %q, %n, %s1 : !R2, !T2, !S1
}

// -----

// A function referred to by something other than a call (here an
// attribute of an op that reorder moves, and so erases and remakes): which
// ranks run it cannot be told, its norm stays whole, and the remark says
// so. (Reorder once kept a pointer to the erased op and read it here.)
coco.grid @dp(shape = [?])
!S = !coco.dtensor<16xf32, sliced<0> on @dp>
!R = !coco.dtensor<16xf32, replicated on @dp>
!T = !coco.dtensor<f32, replicated on @dp>

// CHECK-LABEL: func @refers_to_helper
// CHECK: coco.add %{{.*}}, %{{.*}} {note = @helper} : !coco.dtensor<16xf32, sliced<0> on @dp>
// CHECK-LABEL: func private @helper
// CHECK-NEXT: coco.norm %arg0
func.func @refers_to_helper(%s: !S, %x: !R) -> (!R, !T) {
  %g = coco.all_gather %s : !S
  %a = coco.add %g, %x {note = @helper} : !R, !R
  %n = func.call @helper(%x) : (!R) -> !T
  return %a, %n : !R, !T
}

// REMARK: coco-reorder-norms.mlir:[[@LINE+2]]:8: remark: [Missed] not-applied | Category:coco-reorder | Function=helper | Remark="coco.norm stays whole: its function is referred to by 'coco.add', not only called, so which ranks of its slice's group [0] run it, and as often, cannot be told
func.func private @helper(%x: !R) -> !T {
  %n = coco.norm %x : !R
  %s0 = coco.slice %x dim 0 : !R
  %e = coco.exp %s0 : !S
  %z = coco.reduce sum %e dims [0] : !S
  %t = coco.all_reduce sum %z : !coco.dtensor<f32, local on @dp>
  %r = coco.add %n, %t : !T, !T
  return %r : !T
}

// -----

// A norm computed from slices makes what follows from it the same on the
// slice's group: here the branch on ||w|| being finite, so the add in it
// moves onto slices along [0]. That move is looked at before the next norm
// takes a slice: ||v|| is computed along [0] too (a copy of the branch's
// slice), not from the later slice along [1].
coco.grid @g(shape = [2, 2])
!S0 = !coco.dtensor<16xf32, [sliced<0>, replicated] on @g>
!S1 = !coco.dtensor<16xf32, [replicated, sliced<0>] on @g>
!R2 = !coco.dtensor<16xf32, [replicated, replicated] on @g>
!T2 = !coco.dtensor<f32, [replicated, replicated] on @g>

// CHECK-LABEL: func @norm_after_branch_move
// CHECK: scf.if
// CHECK-NEXT: %[[BS:.*]] = coco.slice %{{.*}} dim 0 along [0]
// CHECK-NEXT: coco.add %{{.*}}, %[[BS]] : !coco.dtensor<16xf32, sliced<0> on @g>
// CHECK: %[[VS:.*]] = coco.slice %[[V:.*]] dim 0 along [0]
// CHECK-NEXT: %[[SQ:.*]] = coco.mul %[[VS]], %[[VS]] : !coco.dtensor<16xf32, sliced<0> on @g>
// CHECK-NEXT: coco.reduce sum %[[SQ]]
// CHECK-NEXT: coco.all_reduce sum %{{.*}} : !coco.dtensor<f32, local on @g>
// CHECK: coco.slice %[[V]] dim 0 along [1]
func.func @norm_after_branch_move(%w: !R2, %t: !S0, %v: !R2) -> (!R2, !T2, !S0, !S1) {
  %inf = arith.constant 0x7F800000 : f32
  %ws = coco.slice %w dim 0 along [0] : !R2
  %ag = coco.all_gather %t : !S0
  %n1 = coco.norm %w : !R2
  %nv = coco.extract %n1 : !T2 -> f32
  %ok = arith.cmpf olt, %nv, %inf : f32
  %z = scf.if %ok -> !R2 {
    %y = coco.add %ag, %v : !R2, !R2
    scf.yield %y : !R2
  } else {
    scf.yield %v : !R2
  }
  %n2 = coco.norm %v : !R2
  %vs = coco.slice %v dim 0 along [1] : !R2
  return %z, %n2, %ws, %vs : !R2, !T2, !S0, !S1
}

// -----

// The remark names what refers to the function when it is not a call of
// it: another call's attribute, a function's, an scf.if's.
coco.grid @dp(shape = [?])
!S = !coco.dtensor<16xf32, sliced<0> on @dp>
!R = !coco.dtensor<16xf32, replicated on @dp>
!T = !coco.dtensor<f32, replicated on @dp>

func.func @refers_in_three_ways(%x: !R) -> (!T, !T, !T) {
  %a = func.call @h1(%x) : (!R) -> !T
  %b = func.call @h2(%x) {note = @h1} : (!R) -> !T
  %c = func.call @h3(%x) : (!R) -> !T
  return %a, %b, %c : !T, !T, !T
}
func.func @other() attributes {note = @h2} {
  %t = arith.constant true
  scf.if %t {
  } {note = @h3}
  return
}
// REMARK: coco-reorder-norms.mlir:[[@LINE+2]]:8: remark: [Missed] not-applied | Category:coco-reorder | Function=h1 | Remark="coco.norm stays whole: its function is referred to by 'func.call', not only called
func.func private @h1(%x: !R) -> !T {
  %n = coco.norm %x : !R
  %s = coco.slice %x dim 0 : !R
  %z = coco.reduce sum %s dims [0] : !S
  %t = coco.all_reduce sum %z : !coco.dtensor<f32, local on @dp>
  %r = coco.add %n, %t : !T, !T
  return %r : !T
}
// REMARK: coco-reorder-norms.mlir:[[@LINE+2]]:8: remark: [Missed] not-applied | Category:coco-reorder | Function=h2 | Remark="coco.norm stays whole: its function is referred to by 'func.func', not only called
func.func private @h2(%x: !R) -> !T {
  %n = coco.norm %x : !R
  %s = coco.slice %x dim 0 : !R
  %z = coco.reduce sum %s dims [0] : !S
  %t = coco.all_reduce sum %z : !coco.dtensor<f32, local on @dp>
  %r = coco.add %n, %t : !T, !T
  return %r : !T
}
// REMARK: coco-reorder-norms.mlir:[[@LINE+2]]:8: remark: [Missed] not-applied | Category:coco-reorder | Function=h3 | Remark="coco.norm stays whole: its function is referred to by 'scf.if', not only called
func.func private @h3(%x: !R) -> !T {
  %n = coco.norm %x : !R
  %s = coco.slice %x dim 0 : !R
  %z = coco.reduce sum %s dims [0] : !S
  %t = coco.all_reduce sum %z : !coco.dtensor<f32, local on @dp>
  %r = coco.add %n, %t : !T, !T
  return %r : !T
}
