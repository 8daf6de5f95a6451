// Mixed precision: bf16 gradients, f32 master weights w and state m, a
// bf16 copy of w for the forward pass. When the caller lets the schedule
// shard w as well as m (state=w,m), coco-autoschedule prices the schedule
// that keeps the f32 masters sliced and all-gathers only the bf16 copy
// (benchmarks/README.md: the fastest bf16 step on this machine), and on a
// memory-bound machine picks it, with the bf16 reduce_scatter fused into
// the update's loop.
// RUN: coco-opt %s "--coco-autoschedule=profile=%S/Inputs/memory-bound.json state=w,m" --remarks-filter=coco-autoschedule 2>&1 | FileCheck %s
// CHECK: remark: [Passed] applied | Category:coco-autoschedule | Function=step | Remark="chose fuse(RS-C-AG)+shard-state(w,m): predicted
// CHECK: func.func @step(%arg0: !coco.dtensor<4096xf32, sliced<0> on @dp> {coco.name = "w"}
// CHECK-SAME: !coco.dtensor<4096xf32, sliced<0> on @dp> {coco.name = "m"}
// CHECK: coco.reduce_scatter sum %{{.*}} {coco.fuse_reduce_scatter} : !coco.dtensor<4096xbf16, local on @dp>
// CHECK-NOT: coco.all_gather %{{.*}} : !coco.dtensor<4096xf32
// CHECK: coco.all_gather %{{.*}} : !coco.dtensor<4096xbf16, sliced<0> on @dp>
// CHECK-NOT: coco.all_gather
// CHECK: return
//
// With only m allowed, w must stay whole: the f32 weights are gathered.
// RUN: coco-opt %s "--coco-autoschedule=profile=%S/Inputs/memory-bound.json state=m" 2>&1 | FileCheck %s --check-prefix=ONLYMCHECK
// ONLYMCHECK: coco.all_gather %{{.*}} : !coco.dtensor<4096xf32, sliced<0> on @dp>

coco.grid @dp(shape = [2])
!Rep = !coco.dtensor<4096xf32, replicated on @dp>
!RepLP = !coco.dtensor<4096xbf16, replicated on @dp>
!LocLP = !coco.dtensor<4096xbf16, local on @dp>

func.func @step(%w: !Rep {coco.name = "w"}, %g: !LocLP {coco.name = "g"},
                %m: !Rep {coco.name = "m"}, %wlp: !RepLP {coco.name = "w_lp"},
                %lr: f32 {coco.name = "lr"}) {
  %sumlp = coco.all_reduce sum %g : !LocLP
  %sum = coco.cast %sumlp : !RepLP to !Rep
  %mn = coco.add %m, %sum : !Rep, !Rep
  %d = coco.mul %mn, %lr : !Rep, f32
  %wn = coco.sub %w, %d : !Rep, !Rep
  %wnlp = coco.cast %wn : !Rep to !RepLP
  coco.update %w, %wn : !Rep
  coco.update %m, %mn : !Rep
  coco.update %wlp, %wnlp : !RepLP
  return
}
