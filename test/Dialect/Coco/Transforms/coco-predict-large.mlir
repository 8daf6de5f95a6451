// The cost model on a grid of 2^30 ranks with a profile that has levels (8
// GPUs a node): it counts the group's members on one node without listing
// the whole group (that list once took 14 GB for 10^12 ranks: the fuzzer).
// RUN: coco-opt %s "--coco-predict=profile=%coco_src_root/tools/coco-calibrate/profiles/dgx-h100.json" --remarks-filter=coco-predict -o /dev/null 2>&1 | FileCheck %s
// CHECK: Function=step | Remark="{{[0-9.]+}} ms per call on 1073741824 rank(s) with DGX H100
// More ranks than MPI and NCCL can number: an error.
// RUN: not coco-opt %s "--coco-predict=profile=%coco_src_root/tools/coco-calibrate/profiles/dgx-h100.json ranks=1000000000000" -o /dev/null 2>&1 | FileCheck %s --check-prefix=TOOMANY
// TOOMANY: error: coco-predict: ranks=1000000000000 is more than 2147483647 (MPI and NCCL number ranks with an int)
coco.grid @g(shape = [1073741824])
!L = !coco.dtensor<8xf32, local on @g>
!R = !coco.dtensor<8xf32, replicated on @g>
func.func @step(%g: !L) -> !R {
  %s = coco.all_reduce sum %g : !L
  return %s : !R
}
