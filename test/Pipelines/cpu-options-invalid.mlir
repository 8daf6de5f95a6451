// coco-lower-to-cpu's options for schedule=auto, given without it: the
// program was lowered unscheduled without a word (even a profile that does
// not exist, or ranks=-5). coco-compile's pipeline passes schedule=chosen
// with them once its pre-pass chose (test/tools/coco-compile-auto-pipeline.test).
// RUN: not coco-opt %s "--coco-lower-to-cpu=profile=/nonexistent.json ranks=-5 state=m caller-bytes=1" -o /dev/null 2>&1 | FileCheck %s
// CHECK: error: coco-lower-to-cpu: profile=, ranks=, state=, caller-bytes= only tell schedule=auto how to choose the schedule: add schedule=auto, or leave them out to lower the program's own schedule
// RUN: coco-opt %s "--coco-lower-to-cpu=schedule=chosen profile=/nonexistent.json ranks=2 state=m" | FileCheck %s --check-prefix=CHOSEN
// CHOSEN: llvm.func @coco.fn.step

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
