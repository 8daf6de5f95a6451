// Mixed-precision SGD with momentum and weight decay: bf16 gradients reduced
// in bf16, f32 master weights and momentum, and a bf16 copy of the updated
// weights for the next forward pass:
// g' = bf16_sum_r g_r + wd*w ; b = mu*b + g' ; w = w - lr*b ; w_lp = bf16(w).
// check_mixed.py runs it under every schedule on 2, 3 and 4 ranks against
// numpy (see adam-mixed.mlir for what agreement means).
// RUN: %coco_python %S/../lib/check_mixed.py %s 2,3,4 %t --size 6144 | FileCheck %s
// CHECK: sgd-mixed AR-C on 2 ranks: matches numpy
// CHECK: sgd-mixed fuse(RS-C-AG)+shard-state on 2 ranks: matches AR-C bitwise
// CHECK: sgd-mixed fuse(RS-C-AG)+shard-state(w) on 2 ranks: matches AR-C bitwise
// CHECK: sgd-mixed AR-C on 3 ranks: matches numpy within the bf16 reduction's rounding
// CHECK: sgd-mixed fuse(RS-C-AG)+shard-state on 3 ranks: matches RS-C-AG+shard-state bitwise
// CHECK: sgd-mixed fuse(RS-C-AG)+shard-state(w) on 3 ranks: matches RS-C-AG+shard-state(w) bitwise
// CHECK: sgd-mixed fuse(RS-C-AG)+shard-state on 4 ranks: matches RS-C-AG+shard-state bitwise
// CHECK: sgd-mixed fuse(RS-C-AG)+shard-state on 4 ranks: matches AR-C within the bf16 reduction's rounding
// CHECK: sgd-mixed fuse(RS-C-AG)+shard-state(w) on 4 ranks: matches RS-C-AG+shard-state(w) bitwise
// CHECK: sgd-mixed fuse(RS-C-AG)+shard-state(w) on 4 ranks: matches AR-C within the bf16 reduction's rounding
// CHECK: bf16 gradient sum (rounded once) vs f32 on 4 ranks: max relative error {{[0-9.e+-]+}} (bf16 unit roundoff 2^-8 = 0.0039); median tolerances w {{.*}}, b {{.*}}
// An uneven size (6145 = 3 * 2048 + 1: blocks of unequal size on 2, 3 and 4
// ranks): every schedule still matches; the fused ones fold the
// reduce-scatter into slots of the largest block, their exchange whole (the
// default chunk holds the block; the remark says so).
// RUN: %coco_python %S/../lib/check_mixed.py %s 2,3,4 %t.uneven --size 6145 | FileCheck %s --check-prefix=UNEVEN
// UNEVEN: sgd-mixed AR-C on 2 ranks: matches numpy
// UNEVEN: sgd-mixed fuse(RS-C-AG)+shard-state on 2 ranks: fused, exchanged whole: a block (6146 bytes per rank) fits in one chunk of 1048576 bytes
// UNEVEN: sgd-mixed fuse(RS-C-AG)+shard-state on 2 ranks: matches RS-C-AG+shard-state bitwise
// UNEVEN: sgd-mixed AR-C on 3 ranks: matches numpy within the bf16 reduction's rounding
// UNEVEN: sgd-mixed RS-C-AG+shard-state on 3 ranks: matches AR-C within the bf16 reduction's rounding
// UNEVEN: sgd-mixed fuse(RS-C-AG)+shard-state(w) on 3 ranks: fused, exchanged whole: a block (4098 bytes per rank) fits in one chunk of 1048576 bytes
// UNEVEN: sgd-mixed fuse(RS-C-AG)+shard-state(w) on 3 ranks: matches RS-C-AG+shard-state(w) bitwise
// UNEVEN: sgd-mixed RS-C-AG+shard-state(w) on 4 ranks: matches AR-C within the bf16 reduction's rounding
// UNEVEN: sgd-mixed fuse(RS-C-AG)+shard-state(w) on 4 ranks: matches AR-C within the bf16 reduction's rounding

coco.grid @dp(shape = [?])

!Rep = !coco.dtensor<4096xf32, replicated on @dp>
!RepLP = !coco.dtensor<4096xbf16, replicated on @dp>
!LocLP = !coco.dtensor<4096xbf16, local on @dp>

func.func @sgd_step(%w: !Rep {coco.name = "w"},
                    %g: !LocLP {coco.name = "g"},
                    %b: !Rep {coco.name = "b", coco.init = "Zeros"},
                    %wlp: !RepLP {coco.name = "w_lp"},
                    %lr: f32 {coco.name = "lr", coco.value = 0.01 : f32},
                    %mu: f32 {coco.name = "momentum", coco.value = 0.9 : f32},
                    %wd: f32 {coco.name = "weight_decay", coco.value = 0.0 : f32}) {
  %gsumlp = coco.all_reduce sum %g : !LocLP
  %gsum = coco.cast %gsumlp : !RepLP to !Rep
  %decay = coco.mul %w, %wd : !Rep, f32
  %gd = coco.add %gsum, %decay : !Rep, !Rep
  %bm = coco.mul %b, %mu : !Rep, f32
  %bn = coco.add %bm, %gd : !Rep, !Rep
  %step = coco.mul %bn, %lr : !Rep, f32
  %wn = coco.sub %w, %step : !Rep, !Rep
  %wnlp = coco.cast %wn : !Rep to !RepLP
  coco.update %w, %wn : !Rep
  coco.update %b, %bn : !Rep
  coco.update %wlp, %wnlp : !RepLP
  return
}
