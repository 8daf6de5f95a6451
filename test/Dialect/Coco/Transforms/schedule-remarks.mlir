// Every schedule decision is a remark (in the category of the schedule's
// pass) through MLIR's remark engine, shown with --remarks-filter='coco-.*' (one schedule:
// --remarks-filter=coco-split; the filters match whole category names):
// what each schedule applied, and where it did not, why. Without a filter
// nothing is printed; a fusion the user asked for that does not apply is a
// warning as well.
//
// RUN: coco-opt %s --coco-split --remarks-filter='coco-.*' -o /dev/null 2>&1 | FileCheck %s --check-prefix=SPLIT
// RUN: coco-opt %s --coco-split --coco-reorder --remarks-filter-passed='coco-.*' -o /dev/null 2>&1 | FileCheck %s --check-prefix=REORDER
// RUN: coco-opt %s --coco-split --coco-reorder --remarks-filter-missed='coco-.*' -o /dev/null 2>&1 | FileCheck %s --check-prefix=MISSED
// RUN: coco-opt %s --coco-split --coco-reorder --coco-shard-state=args=m --remarks-filter=coco-shard-state -o /dev/null 2>&1 | FileCheck %s --check-prefix=SHARD
// RUN: coco-opt %s --coco-split --coco-reorder --coco-localize --coco-fuse-reduce-scatter --remarks-filter=coco-fuse-reduce-scatter -o /dev/null 2>&1 | FileCheck %s --check-prefix=FUSE
// RUN: coco-opt %s --coco-split --coco-reorder --coco-localize --coco-fuse-reduce-scatter -o /dev/null 2>&1 | FileCheck %s --check-prefix=QUIET
// RUN: coco-opt %s --coco-split --remarks-filter='coco-.*' --remark-format=yaml --remarks-output-file=%t.yaml -o /dev/null
// RUN: FileCheck %s --check-prefix=YAML < %t.yaml

coco.grid @dp(shape = [2])

!Rep = !coco.dtensor<8xf32, replicated on @dp>
!Loc = !coco.dtensor<8xf32, local on @dp>
!Rep7 = !coco.dtensor<7xf32, replicated on @dp>
!Loc7 = !coco.dtensor<7xf32, local on @dp>

func.func @sgd(%w: !Rep {coco.name = "w"}, %g: !Loc {coco.name = "g"},
               %m: !Rep {coco.name = "m"},
               %loss: !coco.dtensor<f32, local on @dp> {coco.name = "loss"})
    -> !coco.dtensor<f32, replicated on @dp> {
  // SPLIT-DAG: schedule-remarks.mlir:[[@LINE+2]]:10: remark: [Passed] applied | Category:coco-split | Function=sgd | Remark="all_reduce sum became reduce_scatter along dimension 0 + all_gather"
  // FUSE: schedule-remarks.mlir:[[@LINE+1]]:10: remark: [Passed] applied | Category:coco-fuse-reduce-scatter | Function=sgd | Remark="reduce_scatter folded into its consumers' loop: an all_to_all of the other ranks' blocks, summed with this rank's own where they are used"
  %sum = coco.all_reduce sum %g : !Loc
  // SPLIT-DAG: schedule-remarks.mlir:[[@LINE+1]]:12: remark: [Missed] not-applied | Category:coco-split | Function=sgd | Remark="a rank-0 value has no dimension to reduce_scatter"
  %total = coco.all_reduce sum %loss : !coco.dtensor<f32, local on @dp>
  // REORDER: schedule-remarks.mlir:[[@LINE+1]]:9: remark: [Passed] applied | Category:coco-reorder | Function=sgd | Remark="coco.add now runs on the slices, before the all_gather along [0] (its result gathered instead)"
  %mn = coco.add %m, %sum : !Rep, !Rep
  // REORDER: schedule-remarks.mlir:[[@LINE+2]]:9: remark: [Passed] applied | Category:coco-reorder | Function=sgd | Remark="coco.sub now runs on the slices, before the all_gather along [0] (its result gathered instead)"
  // MISSED: schedule-remarks.mlir:[[@LINE+1]]:9: remark: [Missed] not-applied | Category:coco-reorder | Function=sgd | Remark="this all_gather stays: 'coco.update' uses the whole tensor"
  %wn = coco.sub %w, %mn : !Rep, !Rep
  coco.update %w, %wn : !Rep
  coco.update %m, %mn : !Rep
  return %total : !coco.dtensor<f32, replicated on @dp>
}
// SHARD: schedule-remarks.mlir:[[@LINE-18]]:1: remark: [Passed] applied | Category:coco-shard-state | Function=sgd | Remark="argument 'm' becomes !coco.dtensor<8xf32, sliced<0> on @dp>: each rank keeps only its block across steps (no all_gather of it)"

// Uneven blocks (7 over 2 ranks): folded, each rank receiving into slots
// as large as the larger block.
func.func @uneven(%w: !Rep7 {coco.name = "w7"}, %g: !Loc7 {coco.name = "g7"}) {
  // FUSE: schedule-remarks.mlir:[[@LINE+1]]:10: remark: [Passed] applied | Category:coco-fuse-reduce-scatter | Function=uneven | Remark="reduce_scatter folded into its consumers' loop: an all_to_all of the other ranks' blocks, summed with this rank's own where they are used"
  %sum = coco.all_reduce sum %g : !Loc7
  %wn = coco.sub %w, %sum : !Rep7, !Rep7
  coco.update %w, %wn : !Rep7
  return
}

// A grid axis of unknown size: the fold's loop needs the number of ranks.
coco.grid @any(shape = [?])
!RepAny = !coco.dtensor<8xf32, replicated on @any>
!LocAny = !coco.dtensor<8xf32, local on @any>
func.func @dynamic_axis(%w: !RepAny {coco.name = "w8"}, %g: !LocAny {coco.name = "g8"}) {
  // FUSE: schedule-remarks.mlir:[[@LINE+3]]:10: remark: [Missed] not-applied | Category:coco-fuse-reduce-scatter | Function=dynamic_axis | Remark="this reduce_scatter stays unfused: its grid axes must have a static number of ranks"
  // QUIET-NOT: remark:
  // QUIET: schedule-remarks.mlir:[[@LINE+1]]:10: warning: coco-fuse-reduce-scatter was requested but does not apply here: this reduce_scatter stays unfused: its grid axes must have a static number of ranks
  %sum = coco.all_reduce sum %g : !LocAny
  %wn = coco.sub %w, %sum : !RepAny, !RepAny
  coco.update %w, %wn : !RepAny
  return
}
// QUIET-NOT: remark:
// The YAML form: the rank-0 all_reduce's remark comes first (the pass
// reports what it leaves before it rewrites).
// YAML: --- !Missed
// YAML-NEXT: Pass: coco-split
// YAML-NEXT: Name: not-applied
// YAML: Function: sgd
// YAML: Remark: a rank-0 value has no dimension to reduce_scatter
// YAML: --- !Passed
// YAML-NEXT: Pass: coco-split
// YAML-NEXT: Name: applied
// YAML: Function: sgd
