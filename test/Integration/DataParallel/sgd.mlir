// Data-parallel SGD step with momentum and weight decay (AR-C):
// g' = sum_r g_r + wd*w ; b = mu*b + g' ; w = w - lr*b.
//
// RUN: coco-compile %s -o %t.exe
// RUN: %coco_python %S/../lib/check_optimizer.py sgd %t.exe 2 | FileCheck %s
// RUN: %coco_python %S/../lib/check_optimizer.py sgd %t.exe 4 | FileCheck %s
// CHECK: sgd on {{[24]}} ranks: w, b match the numpy reference

coco.grid @dp(shape = [?])

!Rep = !coco.dtensor<4096xf32, replicated on @dp>
!Loc = !coco.dtensor<4096xf32, local on @dp>

func.func @sgd_step(%w: !Rep {coco.name = "w"},
                    %g: !Loc {coco.name = "g"},
                    %b: !Rep {coco.name = "b", coco.init = "Zeros"},
                    %lr: f32 {coco.name = "lr", coco.value = 0.01 : f32},
                    %mu: f32 {coco.name = "momentum", coco.value = 0.9 : f32},
                    %wd: f32 {coco.name = "weight_decay", coco.value = 0.0 : f32}) {
  %gsum = coco.all_reduce sum %g : !Loc
  %decay = coco.mul %w, %wd : !Rep, f32
  %gd = coco.add %gsum, %decay : !Rep, !Rep
  %bm = coco.mul %b, %mu : !Rep, f32
  %bn = coco.add %bm, %gd : !Rep, !Rep
  %step = coco.mul %bn, %lr : !Rep, f32
  %wn = coco.sub %w, %step : !Rep, !Rep
  coco.update %w, %wn : !Rep
  coco.update %b, %bn : !Rep
  return
}
