// REQUIRES: gpu-toolchain
// Bad coco-lower-to-gpu options are errors that fail the run, before any
// lowering: no LLVM fatal error (a PTX version too old for the chip), no
// silently broken tiling, no error that exits 0.
//
// RUN: not coco-opt %s --coco-lower-to-gpu="block-size=-5" -o /dev/null 2>&1 | FileCheck %s --check-prefix=BLOCK
// RUN: not coco-opt %s --coco-lower-to-gpu="block-size=2048" -o /dev/null 2>&1 | FileCheck %s --check-prefix=BLOCK
// BLOCK: error: coco-lower-to-gpu: block-size must be 1..1024 (threads per block), got
// RUN: not coco-opt %s --coco-lower-to-gpu="format=bogus" -o /dev/null 2>&1 | FileCheck %s --check-prefix=FORMAT
// FORMAT: error: coco-lower-to-gpu: format must be fatbin, bin, isa, llvm or offloading, got 'bogus'
// RUN: not coco-opt %s --coco-lower-to-gpu="chip=gfx90a" -o /dev/null 2>&1 | FileCheck %s --check-prefix=CHIP
// CHIP: error: coco-lower-to-gpu: chip must look like sm_90, got 'gfx90a'
// RUN: not coco-opt %s --coco-lower-to-gpu="features=+ptx60" -o /dev/null 2>&1 | FileCheck %s --check-prefix=PTX
// PTX: error: coco-lower-to-gpu: PTX 6.0 (features=+ptx60) cannot target sm_90, which needs PTX 7.8 or later
// PTX-NOT: LLVM ERROR
// RUN: not coco-opt %s --coco-lower-to-gpu="chip=sm_90a features=+ptx78" -o /dev/null 2>&1 | FileCheck %s --check-prefix=ARCH
// ARCH: error: coco-lower-to-gpu: PTX 7.8 (features=+ptx78) cannot target sm_90a, which needs PTX 8.0 or later
// Family-specific chips need PTX 8.8 (sm_100f with 8.6 was an LLVM fatal
// error in gpu-module-to-binary).
// RUN: not coco-opt %s --coco-lower-to-gpu="chip=sm_100f features=+ptx86" -o /dev/null 2>&1 | FileCheck %s --check-prefix=FAMILY
// FAMILY: error: coco-lower-to-gpu: PTX 8.6 (features=+ptx86) cannot target sm_100f, which needs PTX 8.8 or later
// FAMILY-NOT: LLVM ERROR
// RUN: coco-opt %s --coco-lower-to-gpu="chip=sm_100f features=+ptx88 format=isa" -o /dev/null
// The versions are not monotonic in the chip number (sm_110 and sm_88 came
// with PTX 9.0, sm_103 and sm_121 with 8.8, sm_120 with 8.7): each is
// checked, and each lowers with the version it needs.
// RUN: not coco-opt %s --coco-lower-to-gpu="chip=sm_110 features=+ptx88" -o /dev/null 2>&1 | FileCheck %s --check-prefix=SM110
// SM110: error: coco-lower-to-gpu: PTX 8.8 (features=+ptx88) cannot target sm_110, which needs PTX 9.0 or later
// RUN: not coco-opt %s --coco-lower-to-gpu="chip=sm_103 features=+ptx87" -o /dev/null 2>&1 | FileCheck %s --check-prefix=SM103
// SM103: error: coco-lower-to-gpu: PTX 8.7 (features=+ptx87) cannot target sm_103, which needs PTX 8.8 or later
// RUN: not coco-opt %s --coco-lower-to-gpu="chip=sm_121 features=+ptx87" -o /dev/null 2>&1 | FileCheck %s --check-prefix=SM121
// SM121: error: coco-lower-to-gpu: PTX 8.7 (features=+ptx87) cannot target sm_121, which needs PTX 8.8 or later
// RUN: not coco-opt %s --coco-lower-to-gpu="chip=sm_88 features=+ptx80" -o /dev/null 2>&1 | FileCheck %s --check-prefix=SM88
// SM88: error: coco-lower-to-gpu: PTX 8.0 (features=+ptx80) cannot target sm_88, which needs PTX 9.0 or later
// SM88-NOT: LLVM ERROR
// RUN: coco-opt %s --coco-lower-to-gpu="chip=sm_110 features=+ptx90 format=isa" -o /dev/null
// RUN: coco-opt %s --coco-lower-to-gpu="chip=sm_121 features=+ptx88 format=isa" -o /dev/null
// RUN: not coco-opt %s --coco-lower-to-gpu="chip=sm_99999999999" -o /dev/null 2>&1 | FileCheck %s --check-prefix=HUGE
// HUGE: error: coco-lower-to-gpu: chip must look like sm_90, got 'sm_99999999999'
// RUN: not coco-opt %s --coco-lower-to-gpu="toolkit=/tmp" -o /dev/null 2>&1 | FileCheck %s --check-prefix=TOOLKIT
// TOOLKIT: error: coco-lower-to-gpu: format=fatbin needs ptxas, but the toolkit '/tmp' has no /tmp/bin/ptxas (set toolkit=<CUDA dir>, or format=isa for PTX only)
// PTX only still links libdevice: without it gpu-module-to-binary printed an
// error and exited 0, with __nv_expf unresolved in the PTX.
// RUN: rm -rf %t.notoolkit && mkdir -p %t.notoolkit
// RUN: not coco-opt %s --coco-lower-to-gpu="format=isa toolkit=%t.notoolkit" -o /dev/null 2>&1 | FileCheck %s --check-prefix=LIBDEVICE
// LIBDEVICE: error: coco-lower-to-gpu: the toolkit '{{.*}}.notoolkit' has no {{.*}}.notoolkit/nvvm/libdevice/libdevice.10.bc, whose math functions (libdevice) the kernels are linked with (set toolkit=<CUDA dir>)
// A function whose name PTX cannot hold (its kernels are named after it):
// an error, not the NVPTX backend's fatal "Symbol name with unsupported
// characters" (the fuzzer).
// RUN: sed 's/@scale(/@"scale<1>"(/' %s | not coco-opt --coco-lower-to-gpu="format=isa" -o /dev/null 2>&1 | FileCheck %s --check-prefix=NAME
// NAME: error: coco-lower-to-gpu: function @scale<1>: its kernels are named after it, and a PTX name has only letters, digits, '_' and '$' and does not start with a digit
// NAME-NOT: LLVM ERROR
// An older chip with its own PTX version is fine.
// RUN: coco-opt %s --coco-lower-to-gpu="chip=sm_80 features=+ptx70 format=isa" | FileCheck %s --check-prefix=SM80
// SM80: .target sm_80

coco.grid @dp(shape = [?])
!R = !coco.dtensor<64xf32, replicated on @dp>
func.func @scale(%x: !R, %a: f32) -> !R {
  %y = coco.mul %x, %a : !R, f32
  return %y : !R
}
