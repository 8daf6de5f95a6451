// Mixed-precision LAMB: bf16 gradients reduced in bf16, f32 master weights
// and moments, the trust ratio from f32 norms, and a bf16 copy of the
// updated weights for the next forward pass (lamb.mlir for the update).
// check_mixed.py runs it under every schedule on 2, 3 and 4 ranks against
// numpy (see adam-mixed.mlir for what agreement means; on 3 and 4 ranks the
// bound also carries the gradient's rounding through ||u|| into the trust
// ratio; w is also checked tightly against the update of the run's own m,
// v). With the f32 weights kept sliced (shard-state(w)), the trust ratio's
// ||w|| is computed from the slices (partial sums of squares, an
// all_reduce), so w matches AR-C within rtol 1e-5 there too.
// RUN: %coco_python %S/../lib/check_mixed.py %s 2,3,4 %t --size 6144 | FileCheck %s
// CHECK: lamb-mixed AR-C on 2 ranks: matches numpy
// CHECK: lamb-mixed RS-C-AG+shard-state on 2 ranks: matches AR-C bitwise (w within rtol 1e-5)
// CHECK: lamb-mixed fuse(RS-C-AG)+shard-state on 2 ranks: matches AR-C bitwise (w within rtol 1e-5)
// CHECK: lamb-mixed RS-C-AG+shard-state(w) on 2 ranks: matches AR-C bitwise (w within rtol 1e-5)
// CHECK: lamb-mixed fuse(RS-C-AG)+shard-state(w) on 2 ranks: matches RS-C-AG+shard-state(w) bitwise
// CHECK: lamb-mixed fuse(RS-C-AG)+shard-state(w) on 2 ranks: matches AR-C bitwise (w within rtol 1e-5)
// CHECK: lamb-mixed AR-C on 3 ranks: matches numpy within the bf16 reduction's rounding
// CHECK: lamb-mixed fuse(RS-C-AG)+shard-state on 3 ranks: matches RS-C-AG+shard-state bitwise
// CHECK: lamb-mixed RS-C-AG+shard-state(w) on 3 ranks: matches AR-C within the bf16 reduction's rounding
// CHECK: lamb-mixed fuse(RS-C-AG)+shard-state(w) on 3 ranks: matches RS-C-AG+shard-state(w) bitwise
// CHECK: lamb-mixed fuse(RS-C-AG)+shard-state on 4 ranks: matches RS-C-AG+shard-state bitwise
// CHECK: lamb-mixed fuse(RS-C-AG)+shard-state on 4 ranks: matches AR-C within the bf16 reduction's rounding
// CHECK: lamb-mixed fuse(RS-C-AG)+shard-state(w) on 4 ranks: matches RS-C-AG+shard-state(w) bitwise
// CHECK: lamb-mixed fuse(RS-C-AG)+shard-state(w) on 4 ranks: matches AR-C within the bf16 reduction's rounding
// CHECK: bf16 gradient sum (rounded once) vs f32 on 4 ranks: max relative error {{[0-9.e+-]+}} (bf16 unit roundoff 2^-8 = 0.0039); median tolerances w {{.*}}, m {{.*}}, v {{.*}}
// An uneven size (6145 = 3 * 2048 + 1: blocks of unequal size on 2, 3 and 4
// ranks): every schedule still matches; the fused ones fold the
// reduce-scatter into slots of the largest block, their exchange whole (the
// default chunk holds the block; the remark says so).
// RUN: %coco_python %S/../lib/check_mixed.py %s 2,3,4 %t.uneven --size 6145 | FileCheck %s --check-prefix=UNEVEN
// UNEVEN: lamb-mixed AR-C on 2 ranks: matches numpy
// UNEVEN: lamb-mixed fuse(RS-C-AG)+shard-state on 2 ranks: fused, exchanged whole: a block (6146 bytes per rank) fits in one chunk of 1048576 bytes
// UNEVEN: lamb-mixed fuse(RS-C-AG)+shard-state on 2 ranks: matches RS-C-AG+shard-state bitwise
// UNEVEN: lamb-mixed AR-C on 3 ranks: matches numpy within the bf16 reduction's rounding
// UNEVEN: lamb-mixed RS-C-AG+shard-state on 3 ranks: matches AR-C within the bf16 reduction's rounding
// UNEVEN: lamb-mixed fuse(RS-C-AG)+shard-state(w) on 3 ranks: fused, exchanged whole: a block (4098 bytes per rank) fits in one chunk of 1048576 bytes
// UNEVEN: lamb-mixed fuse(RS-C-AG)+shard-state(w) on 3 ranks: matches RS-C-AG+shard-state(w) bitwise
// UNEVEN: lamb-mixed RS-C-AG+shard-state(w) on 4 ranks: matches AR-C within the bf16 reduction's rounding
// UNEVEN: lamb-mixed fuse(RS-C-AG)+shard-state(w) on 4 ranks: matches AR-C within the bf16 reduction's rounding
coco.grid @dp(shape = [?])

!Rep = !coco.dtensor<4096xf32, replicated on @dp>
!RepLP = !coco.dtensor<4096xbf16, replicated on @dp>
!LocLP = !coco.dtensor<4096xbf16, local on @dp>
!Norm = !coco.dtensor<f32, replicated on @dp>

func.func @lamb_step(%w: !Rep {coco.name = "w"},
                     %g: !LocLP {coco.name = "g"},
                     %m: !Rep {coco.name = "m", coco.init = "Zeros"},
                     %v: !Rep {coco.name = "v", coco.init = "Zeros"},
                     %wlp: !RepLP {coco.name = "w_lp"},
                     %step: f32 {coco.name = "step", coco.value = 1.0 : f32},
                     %lr: f32 {coco.name = "lr", coco.value = 1.0e-3 : f32},
                     %b1: f32 {coco.name = "beta1", coco.value = 0.9 : f32},
                     %b2: f32 {coco.name = "beta2", coco.value = 0.999 : f32},
                     %eps: f32 {coco.name = "eps", coco.value = 1.0e-6 : f32},
                     %wd: f32 {coco.name = "weight_decay", coco.value = 0.01 : f32}) {
  %one = arith.constant 1.0 : f32
  %zero = arith.constant 0.0 : f32
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
  %adam = coco.div %mhat, %den : !Rep, !Rep
  %decay = coco.mul %w, %wd : !Rep, f32
  %u = coco.add %adam, %decay : !Rep, !Rep
  // Trust ratio from the whole-tensor norms.
  %wnorm_t = coco.norm %w : !Rep
  %unorm_t = coco.norm %u : !Rep
  %wnorm = coco.extract %wnorm_t : !Norm -> f32
  %unorm = coco.extract %unorm_t : !Norm -> f32
  %wpos = arith.cmpf ogt, %wnorm, %zero : f32
  %upos = arith.cmpf ogt, %unorm, %zero : f32
  %both = arith.andi %wpos, %upos : i1
  %ratio = arith.divf %wnorm, %unorm : f32
  %trust = arith.select %both, %ratio, %one : f32
  %scale = arith.mulf %lr, %trust : f32
  %delta = coco.mul %u, %scale : !Rep, f32
  %wn = coco.sub %w, %delta : !Rep, !Rep
  %wnlp = coco.cast %wn : !Rep to !RepLP
  coco.update %w, %wn : !Rep
  coco.update %m, %mn : !Rep
  coco.update %v, %vn : !Rep
  coco.update %wlp, %wnlp : !RepLP
  return
}
