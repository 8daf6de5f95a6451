// Data-parallel Adam step (torch.optim.Adam semantics, with bias correction),
// CoCoNet's AR-C form: all_reduce the local gradients, then every rank
// updates the replicated weights and optimizer state.
//
// RUN: coco-compile %s -o %t.exe
// RUN: %coco_python %S/../lib/check_optimizer.py adam %t.exe 2 | FileCheck %s
// RUN: %coco_python %S/../lib/check_optimizer.py adam %t.exe 4 | FileCheck %s
// CHECK: adam on {{[24]}} ranks: w, m, v match the numpy reference
//
// On a grid of one rank the all_reduce is the identity (no call at all) and
// the step is the update alone; it still matches numpy.
// RUN: sed 's/shape = \[?\]/shape = [1]/' %s > %t.one.mlir
// RUN: coco-opt %t.one.mlir --coco-lower-to-cpu | FileCheck %s --check-prefix=ONE-IR
// ONE-IR-NOT: coco_rt_all_reduce
// RUN: coco-compile %t.one.mlir -o %t.one.exe
// RUN: %coco_python %S/../lib/check_optimizer.py adam %t.one.exe 1 | FileCheck %s --check-prefix=ONE
// ONE: adam on 1 ranks: w, m, v match the numpy reference

coco.grid @dp(shape = [?])

!Rep = !coco.dtensor<4096xf32, replicated on @dp>
!Loc = !coco.dtensor<4096xf32, local on @dp>

func.func @adam_step(%w: !Rep {coco.name = "w"},
                     %g: !Loc {coco.name = "g"},
                     %m: !Rep {coco.name = "m", coco.init = "Zeros"},
                     %v: !Rep {coco.name = "v", coco.init = "Zeros"},
                     %step: f32 {coco.name = "step", coco.value = 1.0 : f32},
                     %lr: f32 {coco.name = "lr", coco.value = 1.0e-3 : f32},
                     %b1: f32 {coco.name = "beta1", coco.value = 0.9 : f32},
                     %b2: f32 {coco.name = "beta2", coco.value = 0.999 : f32},
                     %eps: f32 {coco.name = "eps", coco.value = 1.0e-8 : f32}) {
  %one = arith.constant 1.0 : f32
  %gsum = coco.all_reduce sum %g : !Loc
  // m = b1*m + (1-b1)*g ; v = b2*v + (1-b2)*g*g
  %omb1 = arith.subf %one, %b1 : f32
  %omb2 = arith.subf %one, %b2 : f32
  %m1 = coco.mul %m, %b1 : !Rep, f32
  %m2 = coco.mul %gsum, %omb1 : !Rep, f32
  %mn = coco.add %m1, %m2 : !Rep, !Rep
  %v1 = coco.mul %v, %b2 : !Rep, f32
  %gg = coco.mul %gsum, %gsum : !Rep, !Rep
  %v2 = coco.mul %gg, %omb2 : !Rep, f32
  %vn = coco.add %v1, %v2 : !Rep, !Rep
  // Bias correction: 1 - b^t.
  %b1t = math.powf %b1, %step : f32
  %b2t = math.powf %b2, %step : f32
  %c1 = arith.subf %one, %b1t : f32
  %c2 = arith.subf %one, %b2t : f32
  %mhat = coco.div %mn, %c1 : !Rep, f32
  %vhat = coco.div %vn, %c2 : !Rep, f32
  // w = w - lr * mhat / (sqrt(vhat) + eps)
  %root = coco.sqrt %vhat : !Rep
  %den = coco.add %root, %eps : !Rep, f32
  %ratio = coco.div %mhat, %den : !Rep, !Rep
  %delta = coco.mul %ratio, %lr : !Rep, f32
  %wn = coco.sub %w, %delta : !Rep, !Rep
  coco.update %w, %wn : !Rep
  coco.update %m, %mn : !Rep
  coco.update %v, %vn : !Rep
  return
}
