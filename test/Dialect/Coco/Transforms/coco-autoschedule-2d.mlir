// A data-parallel sum over both axes of a [16, 8] grid (16 nodes of 8
// GPUs, the shipped DGX H100 profile): the hierarchical all-reduce over the
// node's axis is a candidate next to AR-C and RS-C-AG, and all are priced
// and ranked. At 4 MB the one all_reduce wins: across nodes NCCL's tree
// takes log2(16) network steps, where reduce_scatter and all_gather have
// only the ring (a step per GPU) and the hierarchical form runs three
// collectives one after another.
// RUN: coco-opt %s "--coco-autoschedule=profile=%coco_src_root/tools/coco-calibrate/profiles/dgx-h100.json" --remarks-filter=coco-autoschedule 2>&1 | FileCheck %s
// CHECK: remark: [Passed] applied | Category:coco-autoschedule | Function=step | Remark="chose AR-C: predicted {{[0-9.]+}} ms per step with DGX H100 (published figures) (ranking: AR-C {{[0-9.]+}} ms, hierarchical(inner=1)+reorder {{[0-9.]+}} ms, RS-C-AG {{[0-9.]+}} ms
// CHECK-LABEL: func.func @step(%arg0
// CHECK: coco.all_reduce sum %{{.*}} along [0, 1]
coco.grid @g(shape = [16, 8])
!L = !coco.dtensor<1048576xf32, [local, local] on @g>
!R = !coco.dtensor<1048576xf32, replicated on @g>
func.func @step(%w: !R {coco.name = "w"}, %g: !L {coco.name = "g"}) {
  %s = coco.all_reduce sum %g along [0, 1] : !L
  %wn = coco.sub %w, %s : !R, !R
  coco.update %w, %wn : !R
  return
}
