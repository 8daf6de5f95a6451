// REQUIRES: gpu-toolchain
// LAMB on the GPU path: the two norms (whole-tensor reductions) run as
// kernels, not as host loops over managed memory. Per norm: one kernel
// folding w * w grid-stride and combining each block through warp shuffles
// and shared memory (gpu.all_reduce), one kernel folding the block
// partials; plus the fused moment update and the final weight update.
//
// RUN: coco-opt %S/../Integration/DataParallel/lamb.mlir --coco-lower-to-gpu | FileCheck %s
// RUN: coco-opt %S/../Integration/DataParallel/lamb.mlir --coco-lower-to-gpu="format=isa" | FileCheck %s --check-prefix=PTX
// RUN: coco-opt %S/../Integration/DataParallel/lamb.mlir --coco-split --coco-reorder --coco-shard-state=args=m,v --coco-lower-to-gpu --mlir-print-ir-after=coco-fuse-elementwise -o /dev/null 2>&1 | FileCheck %s --check-prefix=SLICED

// RS-C-AG + shard-state: ||w|| comes from this rank's slice of w (coco-reorder)
// in one reduction that squares each element as it sums (the squares'
// elementwise loop folds into the reduction, which only it feeds), so no
// kernel stores the squares; then a scalar all_reduce.
// SLICED: %[[S:.*]] = tensor.extract_slice %arg0
// SLICED-NOT: linalg.generic
// SLICED: %[[N:.*]] = linalg.generic {{{.*}}iterator_types = ["reduction"]} ins(%[[S]] : tensor<?xf32>) outs(%{{.*}} : tensor<f64>)
// SLICED-NEXT: ^bb0(%[[X:.*]]: f32, %[[ACC:.*]]: f64):
// SLICED-NEXT: %[[SQ:.*]] = arith.mulf %[[X]], %[[X]] : f32
// SLICED-NEXT: %[[W:.*]] = arith.extf %[[SQ]] : f32 to f64
// SLICED-NEXT: arith.addf %[[ACC]], %[[W]] fastmath<reassoc> : f64
// SLICED: coco.comm.all_reduce sum

// No loop is left on the host (no branch at all in the step's function).
// CHECK: gpu.binary
// CHECK-LABEL: llvm.func @coco.fn.lamb_step(
// CHECK-NOT: llvm.cond_br
// CHECK: llvm.call @coco_gpu_all_reduce(
// CHECK-NOT: llvm.cond_br
// CHECK: gpu.launch_func
// CHECK-NOT: llvm.cond_br
// CHECK: gpu.launch_func
// CHECK-NOT: llvm.cond_br
// CHECK: gpu.launch_func
// CHECK-NOT: llvm.cond_br
// CHECK: gpu.launch_func
// CHECK-NOT: llvm.cond_br
// CHECK: gpu.launch_func
// CHECK-NOT: llvm.cond_br
// CHECK: gpu.launch_func
// CHECK-NOT: llvm.cond_br
// CHECK-NOT: gpu.launch_func
// CHECK: llvm.return

// The update kernel (4 loads, 3 stores), then norm kernels: a thread's
// elements (f32 squares summed in f64), 5 butterfly shuffles per warp (of
// both 32-bit halves), warp sums through shared memory, one f64 partial per
// block.
// PTX: .entry lamb_step_kernel(
// PTX-COUNT-4: ld.global.b32
// PTX-COUNT-3: st.global.b32
// PTX: .entry lamb_step_kernel(
// PTX: ld.global.b32
// PTX: mul.rn.f32
// PTX: cvt.f64.f32
// PTX: add.rn.f64
// PTX: shfl.sync.bfly.b32
// PTX: st.shared.b64
// PTX: bar.sync
// PTX: ld.shared.b64
// PTX: st.global.b64
// PTX: .entry lamb_step_kernel(
// PTX: shfl.sync.bfly.b32
// PTX: bar.sync
