// Schedules asked for where they cannot act, and options that cannot
// mean anything for the module: each said (helper-79's hunt found them
// silent, or reported as something else).
//
// coco-fuse-reduce-scatter and coco-overlap act on the rank-local view
// (inside coco-lower-to-cpu); on the global view they did nothing, without
// a word.
// RUN: coco-opt %s --coco-split --coco-reorder --coco-fuse-reduce-scatter -o /dev/null 2>&1 | FileCheck %s --check-prefix=FUSE
// FUSE: warning: is in the global view: coco-fuse-reduce-scatter folds the rank-local view's reduce_scatters (after coco-localize; coco-lower-to-cpu{fuse-reduce-scatter=true} runs it there)
// RUN: coco-opt %s --coco-overlap=chunks=2 -o /dev/null 2>&1 | FileCheck %s --check-prefix=OVERLAP
// OVERLAP: warning: is in the global view: coco-overlap chunks the bufferized rank-local view's collectives (coco-lower-to-cpu{overlap-chunks=N} runs it there; transform.coco.overlap marks one here)
// After coco-localize, still on tensors: the remark says so (it said the
// input was no matmul's).
// RUN: coco-opt %s --coco-localize --coco-overlap=chunks=2 --remarks-filter=coco-overlap -o /dev/null 2>&1 | FileCheck %s --check-prefix=TENSORS
// TENSORS: it is not bufferized (coco-overlap works on buffers: coco-lower-to-cpu{overlap-chunks=N} runs it there)
//
// A state= name no argument has (a typo) was only named in a remark.
// RUN: not coco-opt %s "--coco-autoschedule=profile=%S/Inputs/memory-bound.json state=mv" -o /dev/null 2>&1 | FileCheck %s --check-prefix=STATE
// STATE: coco-autoschedule: state=mv: no function argument has coco.name = "mv"
//
// ranks= that the static grid cannot run: its own size was priced while
// the remark said "on 64 rank(s)".
// RUN: not coco-opt %s "--coco-predict=profile=%S/Inputs/memory-bound.json ranks=64" -o /dev/null 2>&1 | FileCheck %s --check-prefix=RANKS
// RANKS: error: coco-predict: ranks=64 cannot run grid @dp (it has a fixed number of ranks)
// RUN: not coco-opt %s "--coco-autoschedule=profile=%S/Inputs/memory-bound.json ranks=3" -o /dev/null 2>&1 | FileCheck %s --check-prefix=RANKS3
// RANKS3: error: coco-autoschedule: ranks=3 cannot run grid @dp (it has a fixed number of ranks)
//
// coco-split's options of the other form were ignored.
// RUN: not coco-opt %s "--coco-split=into=rs-ag root=1" -o /dev/null 2>&1 | FileCheck %s --check-prefix=ROOT
// ROOT: error: coco-split: root=1 is an option of into=reduce-bcast (into=rs-ag, the default, leaves the sum on every rank)
// RUN: not coco-opt %s "--coco-split=into=reduce-bcast dim=0" -o /dev/null 2>&1 | FileCheck %s --check-prefix=DIMBCAST
// DIMBCAST: error: coco-split: dim=0 is an option of into=rs-ag (into=reduce-bcast reduces and broadcasts whole tensors)

coco.grid @dp(shape = [2])

!Rep = !coco.dtensor<16xf32, replicated on @dp>
!Loc = !coco.dtensor<16xf32, local on @dp>

func.func @step(%w: !Rep {coco.name = "w"}, %g: !Loc {coco.name = "g"},
                %m: !Rep {coco.name = "m"}) {
  %s = coco.all_reduce sum %g : !Loc
  %mn = coco.add %m, %s : !Rep, !Rep
  %wn = coco.sub %w, %mn : !Rep, !Rep
  coco.update %w, %wn : !Rep
  coco.update %m, %mn : !Rep
  return
}

func.func @layer(%x: !coco.dtensor<8x4xf32, sliced<1> on @dp> {coco.name = "x"},
                 %y: !coco.dtensor<4x8xf32, sliced<0> on @dp> {coco.name = "y"})
    -> !coco.dtensor<8x8xf32, replicated on @dp> {
  %p = coco.matmul %x, %y : !coco.dtensor<8x4xf32, sliced<1> on @dp>, !coco.dtensor<4x8xf32, sliced<0> on @dp>
  %r = coco.all_reduce sum %p : !coco.dtensor<8x8xf32, local on @dp>
  return %r : !coco.dtensor<8x8xf32, replicated on @dp>
}
