// On a 2-D grid (2 nodes x 8 GPUs, the shipped DGX H100 profile) the
// hierarchical all-reduce's candidate is priced with the norm of w from its
// slice and whole, as the split's are: at 4096 elements each norm computed
// from a slice costs one more scalar all_reduce's latency and saves reading
// 7/8 of 16 KB, so the whole-norm variant of each is the cheaper one.
// RUN: coco-opt %s "--coco-autoschedule=profile=%coco_src_root/tools/coco-calibrate/profiles/dgx-h100.json" --remarks-filter=coco-autoschedule -o /dev/null 2>&1 | FileCheck %s
// CHECK: Function=lamb | Remark="chose AR-C: {{.*}}(ranking: AR-C {{[0-9.]+}} ms, hierarchical(inner=1)+reorder+whole-norms {{[0-9.]+}} ms, RS-C-AG+whole-norms {{[0-9.]+}} ms, hierarchical(inner=1)+reorder {{[0-9.]+}} ms, RS-C-AG {{[0-9.]+}} ms, fuse(RS-C-AG)+whole-norms {{[0-9.]+}} ms, fuse(RS-C-AG) {{[0-9.]+}} ms)"
coco.grid @g(shape = [2, 8])
!R = !coco.dtensor<4096xf32, replicated on @g>
!L = !coco.dtensor<4096xf32, [local, local] on @g>
!N = !coco.dtensor<f32, replicated on @g>
func.func @lamb(%w: !R {coco.name = "w"}, %g: !L {coco.name = "g"},
                %m: !R {coco.name = "m"}, %wd: f32) {
  %sum = coco.all_reduce sum %g : !L
  %mn = coco.add %m, %sum : !R, !R
  %decay = coco.mul %w, %wd : !R, f32
  %u = coco.add %mn, %decay : !R, !R
  %wnorm_t = coco.norm %w : !R
  %unorm_t = coco.norm %u : !R
  %wnorm = coco.extract %wnorm_t : !N -> f32
  %unorm = coco.extract %unorm_t : !N -> f32
  %ratio = arith.divf %wnorm, %unorm : f32
  %delta = coco.mul %u, %ratio : !R, f32
  %wn = coco.sub %w, %delta : !R, !R
  coco.update %w, %wn : !R
  coco.update %m, %mn : !R
  return
}
