// A kernel module's own NVVM target is checked as the chip and features
// options are: upstream stopped with an LLVM fatal error ("PTX version 6.0
// does not support target 'sm_90'") on a program that brought one, and on
// a pipeline from --dump-pass-pipeline whose nvvm-attach-target was given
// other features. The check runs first and again before the binary is
// made, after nvvm-attach-target.
//
// The checks stop the pipeline before anything needs the toolkit: a fake
// one (libdevice an empty file) runs the test on any machine.
// RUN: rm -rf %t.toolkit && mkdir -p %t.toolkit/nvvm/libdevice && touch %t.toolkit/nvvm/libdevice/libdevice.10.bc
// RUN: not coco-opt %s --split-input-file --coco-lower-to-gpu="format=isa toolkit=%t.toolkit" -o /dev/null 2>&1 | FileCheck %s
// CHECK: coco-lower-to-gpu-targets.mlir:[[@LINE+8]]:3: error: coco-lower-to-gpu: gpu.module @kernels's target #nvvm.target<chip = "sm_90", features = "+ptx60">: PTX 6.0 (features=+ptx60) cannot target sm_90, which needs PTX 7.8 or later
// CHECK-NOT: LLVM ERROR
// CHECK-NOT: see current operation
module attributes {gpu.container_module} {
  func.func @host() {
    return
  }
  // The program's own target.
  gpu.module @kernels [#nvvm.target<chip = "sm_90", features = "+ptx60">] {
    gpu.func @k(%x: memref<4xf32>) kernel {
      gpu.return
    }
  }
}

// -----

// CHECK: coco-lower-to-gpu-targets.mlir:[[@LINE+5]]:3: error: coco-lower-to-gpu: gpu.module @kernels's target #nvvm.target<chip = "gfx90a">: chip must look like sm_90, got 'gfx90a'
module attributes {gpu.container_module} {
  func.func @host() {
    return
  }
  gpu.module @kernels [#nvvm.target<chip = "gfx90a">] {
    gpu.func @k(%x: memref<4xf32>) kernel {
      gpu.return
    }
  }
}

// The pipeline's own dump with nvvm-attach-target's features edited: the
// second check (after the targets are attached) stops it.
// (The dump is taken on an empty module: nothing reaches the fake
// toolkit.)
// RUN: echo 'module {}' | coco-opt --coco-lower-to-gpu="format=isa toolkit=%t.toolkit" --dump-pass-pipeline -o /dev/null 2>&1 | tail -n +2 | tr -d '\n' | sed 's/\(nvvm-attach-target{[^}]*\)features=+ptx80/\1features=+ptx60/' > %t.pipeline
// RUN: FileCheck %s --check-prefix=EDITED-PIPELINE < %t.pipeline
// EDITED-PIPELINE: nvvm-attach-target{{.*}}features=+ptx60
// RUN: not coco-opt %S/../Integration/DataParallel/sgd.mlir --pass-pipeline="$(cat %t.pipeline)" -o /dev/null 2>&1 | FileCheck %s --check-prefix=EDITED
// EDITED: error: coco-lower-to-gpu: gpu.module @{{.*}}'s target #nvvm.target<O = 3, chip = "sm_90", features = "+ptx60">: PTX 6.0 (features=+ptx60) cannot target sm_90, which needs PTX 7.8 or later
// EDITED-NOT: LLVM ERROR
