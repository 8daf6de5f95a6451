// Data-parallel LAMB step (You et al. 2020, per-tensor trust ratio), AR-C:
// Adam's moments, u = mhat / (sqrt(vhat) + eps) + wd*w,
// trust = ||w|| / ||u|| (1 if either is 0), w = w - lr * trust * u.
//
// RUN: coco-compile %s -o %t.exe
// RUN: %coco_python %S/../lib/check_optimizer.py lamb %t.exe 2 | FileCheck %s
// RUN: %coco_python %S/../lib/check_optimizer.py lamb %t.exe 4 | FileCheck %s
// CHECK: lamb on {{[24]}} ranks: w, m, v match the numpy reference

coco.grid @dp(shape = [?])

!Rep = !coco.dtensor<4096xf32, replicated on @dp>
!Loc = !coco.dtensor<4096xf32, local on @dp>
!Norm = !coco.dtensor<f32, replicated on @dp>

func.func @lamb_step(%w: !Rep {coco.name = "w"},
                     %g: !Loc {coco.name = "g"},
                     %m: !Rep {coco.name = "m", coco.init = "Zeros"},
                     %v: !Rep {coco.name = "v", coco.init = "Zeros"},
                     %step: f32 {coco.name = "step", coco.value = 1.0 : f32},
                     %lr: f32 {coco.name = "lr", coco.value = 1.0e-3 : f32},
                     %b1: f32 {coco.name = "beta1", coco.value = 0.9 : f32},
                     %b2: f32 {coco.name = "beta2", coco.value = 0.999 : f32},
                     %eps: f32 {coco.name = "eps", coco.value = 1.0e-6 : f32},
                     %wd: f32 {coco.name = "weight_decay", coco.value = 0.01 : f32}) {
  %one = arith.constant 1.0 : f32
  %zero = arith.constant 0.0 : f32
  %gsum = coco.all_reduce sum %g : !Loc
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
  coco.update %w, %wn : !Rep
  coco.update %m, %mn : !Rep
  coco.update %v, %vn : !Rep
  return
}
