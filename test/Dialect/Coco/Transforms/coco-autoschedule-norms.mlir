// coco-autoschedule prices each split candidate with the norm of the
// replicated weights computed from their slice (reorder's default: each
// rank reads half of w, plus one scalar all_reduce) and read whole
// (`+whole-norms`). With the memory-bound profile (1 GB/s, 10 us per
// all_reduce): at 65536 elements the half of w not read saves 128 us, more
// than the all_reduce costs, so the norm comes from the slice; at 1024
// elements it saves 2 us, and the whole norm is the cheaper variant.
//
// RUN: coco-opt %s --split-input-file "--coco-autoschedule=profile=%S/Inputs/memory-bound.json state=m" --remarks-filter=coco-autoschedule -o /dev/null 2>&1 | FileCheck %s
// RUN: coco-opt %s --split-input-file "--coco-autoschedule=profile=%S/Inputs/memory-bound.json state=m" | FileCheck %s --check-prefix=IR
//
// With w sharded too (state=w,m), ||w|| comes from w's blocks either way
// (reorder's slice of w becomes the sharded argument): each +whole-norms
// variant of a shard-state candidate is the same program, left out with
// that reason, not priced twice under two names.
// With the exchange in chunks of 4 KiB per peer (64 of them: each fused
// candidate is another program whole), every fused candidate is priced
// both ways, +whole-norms and +whole-exchange together too, and the twin
// of a candidate left out is left out with it.
// RUN: coco-opt %s --split-input-file "--coco-autoschedule=profile=%S/Inputs/memory-bound.json state=w,m exchange-chunk-bytes=4096" --remarks-filter=coco-autoschedule -o /dev/null 2>&1 | FileCheck %s --check-prefix=CHUNKS
// CHUNKS: Function=lamb | Remark="chose RS-C-AG+shard-state(w,m): {{.*}}(ranking: RS-C-AG+shard-state(w,m) {{[0-9.]+}} ms, fuse(RS-C-AG)+shard-state(w,m) {{[0-9.]+}} ms, RS-C-AG {{[0-9.]+}} ms, fuse(RS-C-AG) {{[0-9.]+}} ms, fuse(RS-C-AG)+shard-state(w,m)+whole-exchange {{[0-9.]+}} ms, fuse(RS-C-AG)+whole-exchange {{[0-9.]+}} ms, RS-C-AG+whole-norms {{[0-9.]+}} ms, fuse(RS-C-AG)+whole-norms {{[0-9.]+}} ms, fuse(RS-C-AG)+whole-norms+whole-exchange {{[0-9.]+}} ms, AR-C {{[0-9.]+}} ms); left out: RS-C-AG+shard-state(w,m)+whole-norms (the same program as RS-C-AG+shard-state(w,m): its norms come from blocks either way); fuse(RS-C-AG)+shard-state(w,m)+whole-norms (the same program as fuse(RS-C-AG)+shard-state(w,m): its norms come from blocks either way); fuse(RS-C-AG)+shard-state(w,m)+whole-norms+whole-exchange (the same program as fuse(RS-C-AG)+shard-state(w,m)+whole-exchange: its norms come from blocks either way)"
// RUN: coco-opt %s --split-input-file "--coco-autoschedule=profile=%S/Inputs/memory-bound.json state=w,m" --remarks-filter=coco-autoschedule -o /dev/null 2>&1 | FileCheck %s --check-prefix=SHARDW
// SHARDW: Function=lamb | Remark="chose RS-C-AG+shard-state(w,m): {{.*}}(ranking: RS-C-AG+shard-state(w,m) {{[0-9.]+}} ms, RS-C-AG {{[0-9.]+}} ms, fuse(RS-C-AG)+shard-state(w,m) {{[0-9.]+}} ms, fuse(RS-C-AG) {{[0-9.]+}} ms, RS-C-AG+whole-norms {{[0-9.]+}} ms, fuse(RS-C-AG)+whole-norms {{[0-9.]+}} ms, AR-C {{[0-9.]+}} ms); left out: RS-C-AG+shard-state(w,m)+whole-norms (the same program as RS-C-AG+shard-state(w,m): its norms come from blocks either way); fuse(RS-C-AG)+shard-state(w,m)+whole-norms (the same program as fuse(RS-C-AG)+shard-state(w,m): its norms come from blocks either way)"

coco.grid @dp(shape = [2])

!R = !coco.dtensor<65536xf32, replicated on @dp>
!L = !coco.dtensor<65536xf32, local on @dp>
!N = !coco.dtensor<f32, replicated on @dp>

// CHECK: remark: [Passed] applied | Category:coco-autoschedule | Function=lamb | Remark="chose RS-C-AG+shard-state(m) for 1 all_reduce{{.*}}(ranking: RS-C-AG+shard-state(m) {{.*}}, RS-C-AG+shard-state(m)+whole-norms {{.*}})"
// IR-LABEL: func.func @lamb(
// IR: %[[S:.*]] = coco.slice %arg0 dim 0
// IR: coco.mul %[[S]], %[[S]]
// IR-NOT: coco.norm %arg0
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

// -----

coco.grid @dp(shape = [2])

!R = !coco.dtensor<1024xf32, replicated on @dp>
!L = !coco.dtensor<1024xf32, local on @dp>
!N = !coco.dtensor<f32, replicated on @dp>

// (AR-C wins here, so the IR keeps its norms; the ranking shows each
// whole-norms variant ahead of its from-slices one.)
// CHECK: remark: [Passed] applied | Category:coco-autoschedule | Function=lamb | Remark="chose AR-C for 1 all_reduce{{.*}}(ranking: AR-C {{.*}}, fuse(RS-C-AG)+shard-state(m)+whole-norms {{.*}}, fuse(RS-C-AG)+shard-state(m) {{.*}}, RS-C-AG+shard-state(m)+whole-norms {{.*}}, RS-C-AG+shard-state(m) {{.*}})"
// IR-LABEL: func.func @lamb(
// IR: coco.norm %arg0
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
