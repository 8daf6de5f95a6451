// RUN: coco-opt %s --coco-predict=profile=%S/Inputs/memory-bound.json --remarks-filter=coco-predict -o /dev/null 2>&1 | FileCheck %s --check-prefix=PREDICT
// RUN: coco-opt %s --coco-autoschedule=profile=%S/Inputs/memory-bound.json --remarks-filter=coco-autoschedule 2>%t.err | FileCheck %s
// RUN: FileCheck %s --check-prefix=AUTO < %t.err
// RUN: coco-opt %s "--coco-lower-to-cpu=schedule=auto profile=%S/Inputs/memory-bound.json" --remarks-filter=coco-autoschedule -o /dev/null 2>&1 | FileCheck %s --check-prefix=AUTO

// A rank-local program (after coco-localize, or imported from upstream
// shard by convert-shard-to-coco) has no global-view op for the cost model
// to price: coco-predict predicted 0 ms for a 4096^3 matmul and a 64 MiB
// all_reduce, and coco-autoschedule said "chose AR-C: no all_reduce to
// schedule". Both now say the function is rank-local, and leave it.

coco.grid @grid(shape = [2])

// CHECK-LABEL: func @f
// CHECK: linalg.matmul
// CHECK: coco.comm.all_reduce sum
// PREDICT: warning: coco-predict prices coco's global view; @f is rank-local (coco.comm collectives, after coco-localize or convert-shard-to-coco): not priced
// PREDICT-NOT: ms per call
// AUTO: warning: coco-autoschedule chooses among schedules of coco's global view; @f is rank-local (coco.comm collectives, after coco-localize or convert-shard-to-coco): left as it is
// AUTO-NOT: chose
func.func @f(%a: tensor<4096x4096xf32>, %b: tensor<4096x4096xf32>) -> tensor<4096x4096xf32> {
  %cst = arith.constant 0.000000e+00 : f32
  %0 = tensor.empty() : tensor<4096x4096xf32>
  %1 = linalg.fill ins(%cst : f32) outs(%0 : tensor<4096x4096xf32>) -> tensor<4096x4096xf32>
  %2 = linalg.matmul ins(%a, %b : tensor<4096x4096xf32>, tensor<4096x4096xf32>) outs(%1 : tensor<4096x4096xf32>) -> tensor<4096x4096xf32>
  %3 = tensor.empty() : tensor<4096x4096xf32>
  %4 = coco.comm.all_reduce sum %2 into %3 on @grid[0] : tensor<4096x4096xf32>, tensor<4096x4096xf32> -> tensor<4096x4096xf32>
  return %4 : tensor<4096x4096xf32>
}

// Without collectives too: a rank's matmul on its blocks costs as well.
// PREDICT: warning: coco-predict prices coco's global view; @g is rank-local
// AUTO: warning: coco-autoschedule chooses among schedules of coco's global view; @g is rank-local
// CHECK-LABEL: func @g
func.func @g(%a: tensor<4096x4096xf32>, %b: tensor<4096x4096xf32>) -> tensor<4096x4096xf32> {
  %cst = arith.constant 0.000000e+00 : f32
  %0 = tensor.empty() : tensor<4096x4096xf32>
  %1 = linalg.fill ins(%cst : f32) outs(%0 : tensor<4096x4096xf32>) -> tensor<4096x4096xf32>
  %2 = linalg.matmul ins(%a, %b : tensor<4096x4096xf32>, tensor<4096x4096xf32>) outs(%1 : tensor<4096x4096xf32>) -> tensor<4096x4096xf32>
  return %2 : tensor<4096x4096xf32>
}
