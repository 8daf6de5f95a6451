// Mixed-precision Adam (WORKLOADS.md): bf16 gradients, reduced in bf16
// (half the bytes on the wire of the f32 step), master weights and state in
// f32, and a bf16 copy of the updated weights for the next forward pass.
// check_mixed.py runs it under every schedule on 2, 3 and 4 ranks against
// numpy: bitwise-close on 2 ranks (one bf16 addition, exact in f32 then
// rounded once, as numpy rounds it); within the bf16 rounding of the
// reduction on 3 and 4 ranks (a ring rounds after every addition); the bf16
// copy is always the bf16 rounding of the f32 weights, bit for bit.
// RUN: %coco_python %S/../lib/check_mixed.py %s 2,3,4 %t --size 6144 | FileCheck %s
// CHECK: adam-mixed AR-C on 2 ranks: matches numpy
// CHECK: adam-mixed fuse(RS-C-AG)+shard-state on 2 ranks: matches AR-C bitwise
// CHECK: adam-mixed fuse(RS-C-AG)+shard-state(w) on 2 ranks: matches AR-C bitwise
// CHECK: adam-mixed AR-C on 3 ranks: matches numpy within the bf16 reduction's rounding
// CHECK: adam-mixed fuse(RS-C-AG)+shard-state on 3 ranks: matches RS-C-AG+shard-state bitwise
// CHECK: adam-mixed fuse(RS-C-AG)+shard-state(w) on 3 ranks: matches RS-C-AG+shard-state(w) bitwise
// CHECK: adam-mixed fuse(RS-C-AG)+shard-state on 4 ranks: matches RS-C-AG+shard-state bitwise
// CHECK: adam-mixed fuse(RS-C-AG)+shard-state on 4 ranks: matches AR-C within the bf16 reduction's rounding
// CHECK: adam-mixed fuse(RS-C-AG)+shard-state(w) on 4 ranks: matches RS-C-AG+shard-state(w) bitwise
// CHECK: adam-mixed fuse(RS-C-AG)+shard-state(w) on 4 ranks: matches AR-C within the bf16 reduction's rounding
// CHECK: bf16 gradient sum (rounded once) vs f32 on 4 ranks: max relative error {{[0-9.e+-]+}} (bf16 unit roundoff 2^-8 = 0.0039)
// An uneven size (6145 = 3 * 2048 + 1: blocks of unequal size on 2, 3 and 4
// ranks): every schedule still matches; the fused ones fold the
// reduce-scatter into slots of the largest block, their bf16 exchange in
// windows of every block (chunks of 1000 bytes from all peers: 500, 250 and
// 166 rows of 2 bytes; the other mixed steps keep the default chunk, which
// holds the block).
// RUN: %coco_python %S/../lib/check_mixed.py %s 2,3,4 %t.uneven --size 6145 --exchange-chunk-bytes 1000 | FileCheck %s --check-prefix=UNEVEN
// UNEVEN: adam-mixed AR-C on 2 ranks: matches numpy
// UNEVEN: adam-mixed fuse(RS-C-AG)+shard-state on 2 ranks: fused, exchanged in windows of 500 of up to 3073 rows
// UNEVEN: adam-mixed fuse(RS-C-AG)+shard-state on 2 ranks: matches RS-C-AG+shard-state bitwise
// UNEVEN: adam-mixed AR-C on 3 ranks: matches numpy within the bf16 reduction's rounding
// UNEVEN: adam-mixed RS-C-AG+shard-state on 3 ranks: matches AR-C within the bf16 reduction's rounding
// UNEVEN: adam-mixed fuse(RS-C-AG)+shard-state(w) on 3 ranks: fused, exchanged in windows of 250 of up to 2049 rows
// UNEVEN: adam-mixed fuse(RS-C-AG)+shard-state(w) on 3 ranks: matches RS-C-AG+shard-state(w) bitwise
// UNEVEN: adam-mixed RS-C-AG+shard-state(w) on 4 ranks: matches AR-C within the bf16 reduction's rounding
// UNEVEN: adam-mixed fuse(RS-C-AG)+shard-state(w) on 4 ranks: fused, exchanged in windows of 166 of up to 1537 rows
// UNEVEN: adam-mixed fuse(RS-C-AG)+shard-state(w) on 4 ranks: matches RS-C-AG+shard-state(w) bitwise
// UNEVEN: adam-mixed fuse(RS-C-AG)+shard-state(w) on 4 ranks: matches AR-C within the bf16 reduction's rounding

coco.grid @dp(shape = [?])

!Rep = !coco.dtensor<4096xf32, replicated on @dp>
!RepLP = !coco.dtensor<4096xbf16, replicated on @dp>
!LocLP = !coco.dtensor<4096xbf16, local on @dp>

func.func @adam_step(%w: !Rep {coco.name = "w"},
                     %g: !LocLP {coco.name = "g"},
                     %m: !Rep {coco.name = "m", coco.init = "Zeros"},
                     %v: !Rep {coco.name = "v", coco.init = "Zeros"},
                     %wlp: !RepLP {coco.name = "w_lp"},
                     %step: f32 {coco.name = "step", coco.value = 1.0 : f32},
                     %lr: f32 {coco.name = "lr", coco.value = 1.0e-3 : f32},
                     %b1: f32 {coco.name = "beta1", coco.value = 0.9 : f32},
                     %b2: f32 {coco.name = "beta2", coco.value = 0.999 : f32},
                     %eps: f32 {coco.name = "eps", coco.value = 1.0e-8 : f32}) {
  %one = arith.constant 1.0 : f32
  %gsumlp = coco.all_reduce sum %g : !LocLP
  %gsum = coco.cast %gsumlp : !RepLP to !Rep
  %omb1 = arith.subf %one, %b1 : f32
  %omb2 = arith.subf %one, %b2 : f32
  %m1 = coco.mul %m, %b1 : !Rep, f32
  %m2 = coco.mul %gsum, %omb1 : !Rep, f32
  %mn = coco.add %m1, %m2 : !Rep, !Rep
  %v1 = coco.mul %v, %b2 : !Rep, f32
  %gg = coco.mul %gsum, %gsum : !Rep, !Rep
  %v2 = coco.mul %gg, %omb2 : !Rep, f32
  %vn = coco.add %v1, %v2 : !Rep, !Rep
  %b1t = math.powf %b1, %step : f32
  %b2t = math.powf %b2, %step : f32
  %c1 = arith.subf %one, %b1t : f32
  %c2 = arith.subf %one, %b2t : f32
  %mhat = coco.div %mn, %c1 : !Rep, f32
  %vhat = coco.div %vn, %c2 : !Rep, f32
  %root = coco.sqrt %vhat : !Rep
  %den = coco.add %root, %eps : !Rep, f32
  %ratio = coco.div %mhat, %den : !Rep, !Rep
  %delta = coco.mul %ratio, %lr : !Rep, f32
  %wn = coco.sub %w, %delta : !Rep, !Rep
  %wnlp = coco.cast %wn : !Rep to !RepLP
  coco.update %w, %wn : !Rep
  coco.update %m, %mn : !Rep
  coco.update %v, %vn : !Rep
  coco.update %wlp, %wnlp : !RepLP
  return
}
