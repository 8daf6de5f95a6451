// coco-autoschedule chooses per class of all_reduces (one input type,
// reduction, axes and kind of producer), not one schedule for the whole
// program: an optimizer step over two weight matrices and a bias. On a
// machine where each collective has a latency and memory is slow, the
// weights' gradients (16 KiB each, one class of two) are reduce-scattered
// and fused into their update's loop with their state sliced, and the
// bias's (64 B), where the second collective's latency costs more than
// the bytes saved, stays one all_reduce. A remark at the function sums up;
// one at each class's first all_reduce ranks its candidates.
// RUN: coco-opt %s "--coco-autoschedule=profile=%S/Inputs/memory-bound.json state=mw,mv,mb" --remarks-filter=coco-autoschedule 2>&1 | FileCheck %s
// CHECK: coco-autoschedule-classes.mlir:[[@LINE+25]]:1: remark: [Passed] applied | Category:coco-autoschedule | Function=step | Remark="chose fuse(RS-C-AG)+shard-state(mw,mv) for 2 all_reduces of !coco.dtensor<4096xf32, local on @dp> sum along [0]; AR-C for 1 all_reduce of !coco.dtensor<16xf32, local on @dp> sum along [0]: predicted {{[0-9.]+}} ms per step with memory-bound (test)"
// CHECK: coco-autoschedule-classes.mlir:[[@LINE+30]]:9: remark: [Passed] applied | Category:coco-autoschedule | Function=step | Remark="chose fuse(RS-C-AG)+shard-state(mw,mv) for 2 all_reduces of !coco.dtensor<4096xf32, local on @dp> sum along [0]: predicted {{[0-9.]+}} ms per step (ranking: fuse(RS-C-AG)+shard-state(mw,mv) {{[0-9.]+}} ms, {{.*}}, AR-C {{[0-9.]+}} ms)"
// CHECK: coco-autoschedule-classes.mlir:[[@LINE+41]]:9: remark: [Passed] applied | Category:coco-autoschedule | Function=step | Remark="chose AR-C for 1 all_reduce of !coco.dtensor<16xf32, local on @dp> sum along [0]: predicted {{[0-9.]+}} ms per step (ranking: AR-C {{[0-9.]+}} ms, {{.*}})"
// CHECK-LABEL: func.func @step(%arg0
// CHECK-SAME: !coco.dtensor<4096xf32, sliced<0> on @dp> {coco.name = "mw"}
// CHECK-SAME: !coco.dtensor<4096xf32, sliced<0> on @dp> {coco.name = "mv"}
// CHECK-SAME: !coco.dtensor<16xf32, replicated on @dp> {coco.name = "mb"}
// CHECK: coco.reduce_scatter sum %{{.*}} dim 0 {coco.fuse_reduce_scatter} : !coco.dtensor<4096xf32, local on @dp>
// CHECK: coco.reduce_scatter sum %{{.*}} dim 0 {coco.fuse_reduce_scatter} : !coco.dtensor<4096xf32, local on @dp>
// CHECK: coco.all_reduce sum %{{.*}} : !coco.dtensor<16xf32, local on @dp>
// CHECK-NOT: coco.reduce_scatter
//
// The same program through the CPU pipeline: two exchanges and one
// all_reduce.
// RUN: coco-opt %s "--coco-lower-to-cpu=schedule=auto profile=%S/Inputs/memory-bound.json state=mw,mv,mb" | FileCheck %s --check-prefix=PIPE
// PIPE-COUNT-2: llvm.call @coco_rt_all_to_all
// PIPE-NOT: llvm.call @coco_rt_all_to_all
// PIPE-NOT: llvm.call @coco_rt_reduce_scatter

coco.grid @dp(shape = [2])
!W = !coco.dtensor<4096xf32, replicated on @dp>
!GW = !coco.dtensor<4096xf32, local on @dp>
!B = !coco.dtensor<16xf32, replicated on @dp>
!GB = !coco.dtensor<16xf32, local on @dp>

func.func @step(%w: !W {coco.name = "w"}, %gw: !GW {coco.name = "gw"},
                %mw: !W {coco.name = "mw"},
                %v: !W {coco.name = "v"}, %gv: !GW {coco.name = "gv"},
                %mv: !W {coco.name = "mv"},
                %b: !B {coco.name = "b"}, %gb: !GB {coco.name = "gb"},
                %mb: !B {coco.name = "mb"}, %lr: f32 {coco.name = "lr"}) {
  %sw = coco.all_reduce sum %gw : !GW
  %mwn = coco.add %mw, %sw : !W, !W
  %dw = coco.mul %mwn, %lr : !W, f32
  %wn = coco.sub %w, %dw : !W, !W
  coco.update %w, %wn : !W
  coco.update %mw, %mwn : !W
  %sv = coco.all_reduce sum %gv : !GW
  %mvn = coco.add %mv, %sv : !W, !W
  %dv = coco.mul %mvn, %lr : !W, f32
  %vn = coco.sub %v, %dv : !W, !W
  coco.update %v, %vn : !W
  coco.update %mv, %mvn : !W
  %sb = coco.all_reduce sum %gb : !GB
  %mbn = coco.add %mb, %sb : !B, !B
  %db = coco.mul %mbn, %lr : !B, f32
  %bn = coco.sub %b, %db : !B, !B
  coco.update %b, %bn : !B
  coco.update %mb, %mbn : !B
  return
}
