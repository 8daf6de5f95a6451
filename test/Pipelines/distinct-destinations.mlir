// RUN: coco-opt %s --coco-lower-to-cpu --mlir-print-ir-before=coco-bufferize -o /dev/null 2>&1 | FileCheck %s
// The GPU pipeline shares these passes: distinct-destinations-gpu.test.

// Compile time stays linear in the program only while every loop and
// collective writes into a destination of its own when one-shot
// bufferization analyses the module (benchmarks/compile_time.py): with one
// tensor.empty shared by all of them (what CSE makes), the analysis checks
// each write against all the others and time grows with the cube of the
// program. This fails if the destinations are shared again: each op must
// be preceded by the tensor.empty ops it writes into, and every
// tensor.empty must have exactly one user.
coco.grid @dp(shape = [?])

!Rep = !coco.dtensor<1024xf32, replicated on @dp>
!Loc = !coco.dtensor<1024xf32, local on @dp>

// CHECK-LABEL: IR Dump Before CocoBufferizePass
// CHECK: %[[E0:.*]] = tensor.empty() : tensor<1024xf32>
// CHECK-NEXT: %[[S0:.*]] = coco.comm.all_reduce sum %{{.*}} into %[[E0]] on @dp[0]
// CHECK-NEXT: %[[E1:.*]] = tensor.empty() : tensor<1024xf32>
// CHECK-NEXT: %[[E2:.*]] = tensor.empty() : tensor<1024xf32>
// CHECK-NEXT: %{{.*}}:2 = linalg.generic {{.*}} outs(%[[E2]], %[[E1]] :
// CHECK: %[[E3:.*]] = tensor.empty() : tensor<1024xf32>
// CHECK-NEXT: coco.comm.all_reduce sum %{{.*}} into %[[E3]] on @dp[0]
// CHECK-NEXT: %[[E4:.*]] = tensor.empty() : tensor<1024xf32>
// CHECK-NEXT: %[[E5:.*]] = tensor.empty() : tensor<1024xf32>
// CHECK-NEXT: %{{.*}}:2 = linalg.generic {{.*}} outs(%[[E5]], %[[E4]] :
// CHECK-NOT: tensor.empty
// CHECK: return
func.func @step(%lr: f32 {coco.name = "lr", coco.value = 0.1 : f32},
                %w0: !Rep {coco.name = "w0"}, %g0: !Loc {coco.name = "g0"},
                %m0: !Rep {coco.name = "m0"},
                %w1: !Rep {coco.name = "w1"}, %g1: !Loc {coco.name = "g1"},
                %m1: !Rep {coco.name = "m1"}) {
  %b = arith.constant 0.9 : f32
  %s0 = coco.all_reduce sum %g0 : !Loc
  %a0 = coco.mul %m0, %b : !Rep, f32
  %c0 = coco.add %a0, %s0 : !Rep, !Rep
  %d0 = coco.mul %c0, %lr : !Rep, f32
  %e0 = coco.sub %w0, %d0 : !Rep, !Rep
  coco.update %w0, %e0 : !Rep
  coco.update %m0, %c0 : !Rep
  %s1 = coco.all_reduce sum %g1 : !Loc
  %a1 = coco.mul %m1, %b : !Rep, f32
  %c1 = coco.add %a1, %s1 : !Rep, !Rep
  %d1 = coco.mul %c1, %lr : !Rep, f32
  %e1 = coco.sub %w1, %d1 : !Rep, !Rep
  coco.update %w1, %e1 : !Rep
  coco.update %m1, %c1 : !Rep
  return
}
