// REQUIRES: gpu-toolchain
// The GPU pipeline on the Adam step (test/Integration/DataParallel/adam.mlir's
// math): the all_reduce is one NCCL call, the whole fused update is ONE
// kernel (grid-stride blocks of 256 threads), compiled to sm_90.
//
// RUN: coco-opt %s --coco-lower-to-gpu | FileCheck %s
// RUN: coco-opt %s --coco-lower-to-gpu="format=isa" | FileCheck %s --check-prefix=PTX
// RUN: coco-opt %s --coco-lower-to-gpu --mlir-print-ir-before=gpu-module-to-binary -o /dev/null 2>&1 | FileCheck %s --check-prefix=NVVM
// RUN: coco-opt %s --coco-lower-to-gpu="format=bin" | FileCheck %s --check-prefix=CUBIN
// RUN: coco-opt %s --coco-split --coco-reorder --coco-shard-state=args=m,v --coco-lower-to-gpu | FileCheck %s --check-prefix=RSCAG
// RUN: not coco-opt %s --coco-lower-to-gpu="format=bin toolkit=/nonexistent" 2>&1 | FileCheck %s --check-prefix=NOTOOLKIT

coco.grid @dp(shape = [?])
!L = !coco.dtensor<4096xf32, local on @dp>
!R = !coco.dtensor<4096xf32, replicated on @dp>

// The kernels first (coco-dedup-gpu-modules moves them to the top).
// CHECK: gpu.binary @adam_kernel [#gpu.object<#nvvm.target<O = 3, chip = "sm_90", features = "+ptx80">
// CHECK: llvm.func @coco_gpu_all_reduce(!llvm.ptr, i64, i32, i32, i64, !llvm.ptr, i64, !llvm.ptr)
// CHECK-LABEL: llvm.func @coco.fn.adam(
// CHECK: llvm.call @coco_rt_comm(
// CHECK: llvm.call @coco_gpu_all_reduce(
// CHECK: gpu.launch_func @adam_kernel::@adam_kernel blocks in
// CHECK-NOT: gpu.launch_func
// CHECK-NOT: coco_rt_all_reduce
// The kernel writes w, m and v where they are (coco-update-in-place): no
// copy of a temporary into them afterwards, on the host or the device.
// CHECK-NOT: llvm.intr.memcpy
// CHECK-NOT: memrefCopy
// CHECK: llvm.return

// The kernel: one load of each input and one store of each output.
// PTX: .target sm_90
// PTX: .visible .entry adam_kernel(
// PTX-COUNT-4: ld.global.b32
// PTX-NOT: ld.global
// PTX-COUNT-3: st.global.b32
// PTX-NOT: st.global

// NVVM: gpu.module @adam_kernel [#nvvm.target<O = 3, chip = "sm_90", features = "+ptx80">]
// NVVM: llvm.func @adam_kernel({{.*}}) attributes {gpu.kernel, {{.*}}nvvm.kernel, nvvm.maxntid = array<i32: 256, 1, 1>}
// NVVM: nvvm.read.ptx.sreg.ctaid.x
// NVVM: nvvm.read.ptx.sreg.tid.x
// NVVM: llvm.call @__nv_sqrtf

// The cubin: an ELF image for sm_90 built by ptxas.
// CUBIN: gpu.binary @adam_kernel [#gpu.object<#nvvm.target<O = 3, chip = "sm_90", features = "+ptx80">, properties = {ISAToBinaryTimeInMs = {{[0-9]+}} : i64{{.*}}}, bin = "\7FELF

// RS-C-AG + shard-state on the GPU: NCCL reduce_scatter, ONE kernel updating
// the slices of w, m and v, NCCL all_gather of w (m and v stay sliced).
// RSCAG-LABEL: llvm.func @coco.fn.adam(
// RSCAG: llvm.call @coco_gpu_reduce_scatter(
// RSCAG-NOT: llvm.call @coco_gpu_
// RSCAG: gpu.launch_func @adam_kernel::@adam_kernel
// RSCAG-NOT: gpu.launch_func
// RSCAG: llvm.call @coco_gpu_all_gather(
// RSCAG-NOT: gpu.launch_func
// RSCAG-NOT: llvm.call @coco_gpu_
// RSCAG-NOT: llvm.intr.memcpy
// RSCAG-NOT: memrefCopy
// RSCAG: llvm.return

// NOTOOLKIT: error: coco-lower-to-gpu: format=bin needs ptxas, but the toolkit '/nonexistent' has no /nonexistent/bin/ptxas

func.func @adam(%w: !R {coco.name = "w"}, %g: !L {coco.name = "g"},
                %m: !R {coco.name = "m"}, %v: !R {coco.name = "v"},
                %lr: f32, %b1: f32, %b2: f32, %eps: f32) {
  %gs = coco.all_reduce avg %g : !L
  %mb = coco.mul %m, %b1 : !R, f32
  %one = arith.constant 1.0 : f32
  %b1c = arith.subf %one, %b1 : f32
  %gb = coco.mul %gs, %b1c : !R, f32
  %mn = coco.add %mb, %gb : !R, !R
  %vb = coco.mul %v, %b2 : !R, f32
  %b2c = arith.subf %one, %b2 : f32
  %g2 = coco.mul %gs, %gs : !R, !R
  %g2b = coco.mul %g2, %b2c : !R, f32
  %vn = coco.add %vb, %g2b : !R, !R
  %sq = coco.sqrt %vn : !R
  %den = coco.add %sq, %eps : !R, f32
  %ratio = coco.div %mn, %den : !R, !R
  %step = coco.mul %ratio, %lr : !R, f32
  %wn = coco.sub %w, %step : !R, !R
  coco.update %w, %wn : !R
  coco.update %m, %mn : !R
  coco.update %v, %vn : !R
  return
}
