// coco-predict prices each public function with a machine profile. Hand
// count with Inputs/memory-bound.json (1 GB/s, all_reduce 10 us + 0.1 ns
// per byte) for 4096 f32 (16 KiB) on a grid of 2 ranks:
//   all_reduce of g: 10 us + 16384 * 0.1 ns                    = 11.6384 us
//   one fused loop: reads w and the sum, writes w (in place):
//     3 * 16384 B / 1 GB/s                                      = 49.152 us
//   in all 60.7904 us = 0.0608 ms
// RUN: coco-opt %s "--coco-predict=profile=%S/Inputs/memory-bound.json" --remarks-filter=coco-predict -o /dev/null 2>&1 | FileCheck %s
// A static grid gives the number of ranks (it used to print "on 0 rank(s)").
// The working set the prediction assumed closes it: w, g and the sum.
// CHECK: remark: [Analysis] predicted | Category:coco-predict | Function=step | Remark="0.0608 ms per call on 2 rank(s) with memory-bound (test): collectives 0.0116 ms, loops 0.0492 ms, matmuls 0.0000 ms, overlapped 0.0000 ms; arrays 0.047 MiB per rank"
// One loop per op (fuse-elementwise=false): the add reads the sum and
// writes a new buffer (32.768 us), the sub reads w and that buffer and
// writes w (49.152 us): loops 81.92 us, in all 0.0936 ms.
// RUN: coco-opt %s "--coco-predict=profile=%S/Inputs/memory-bound.json fuse-elementwise=false" --remarks-filter=coco-predict -o /dev/null 2>&1 | FileCheck %s --check-prefix=UNFUSED
// UNFUSED: Remark="0.0936 ms per call on 2 rank(s) with memory-bound (test): collectives 0.0116 ms, loops 0.0819 ms, matmuls 0.0000 ms, overlapped 0.0000 ms; arrays 0.047 MiB per rank"
// ranks=N is what the remark says when given.
// RUN: coco-opt %s "--coco-predict=profile=%S/Inputs/memory-bound.json ranks=2" --remarks-filter=coco-predict -o /dev/null 2>&1 | FileCheck %s --check-prefix=GIVEN
// GIVEN: Remark="0.0608 ms per call on 2 rank(s)
// Errors: no profile, a profile that does not load.
// RUN: not coco-opt %s --coco-predict 2>&1 | FileCheck %s --check-prefix=NOPROFILE
// NOPROFILE: error: coco-predict: give the machine profile with profile=FILE
// RUN: not coco-opt %s "--coco-predict=profile=%S/Inputs/no-such-profile.json" 2>&1 | FileCheck %s --check-prefix=MISSING
// MISSING: error: coco-predict: machine profile: cannot read {{.*}}no-such-profile.json
// A loop's divides and square roots (Inputs/divider-bound.json: 10 GB/s, 1 ns
// per divided element, 2 ns per square root): @rooted's loop w - m / sqrt(v)
// on 4096 f32 reads w, m, v and writes w, 65536 B in 6.5536 us, but its
// divides and roots take 4096 * 3 ns = 12.288 us: loops 0.0123 ms, 0.0057 ms
// of it waiting for the divider; @step's loop has none to wait for.
// RUN: coco-opt %s "--coco-predict=profile=%S/Inputs/divider-bound.json" --remarks-filter=coco-predict -o /dev/null 2>&1 | FileCheck %s --check-prefix=DIVIDER
// DIVIDER: Function=step | Remark="{{[0-9.]+}} ms per call on 2 rank(s) with divider-bound (test): collectives {{[0-9.]+}} ms, loops {{[0-9.]+}} ms, matmuls
// DIVIDER: Function=rooted | Remark="0.0123 ms per call on 2 rank(s) with divider-bound (test): collectives 0.0000 ms, loops 0.0123 ms (0.0057 ms of it waiting for divides and square roots), matmuls 0.0000 ms, overlapped 0.0000 ms; arrays 0.047 MiB per rank"
// Warm collectives (Inputs/warm-bound.json: the all_reduce 10 us + 0.1 ns/B
// cold, 2 us + 0.05 ns/B warm, 64 KiB of cache per rank, no loop curve).
// @step's arrays are w, g and the sum (16 KiB each): 48 KiB fit, so its
// all_reduce is priced warm, 2 us + 16384 * 0.05 ns = 2.8192 us; the loop
// as above (49.152 us): 0.0520 ms. With 16 KiB of the caller's between
// calls they still fit (64 KiB); with one byte more, cold: 0.0608 ms.
// RUN: coco-opt %s "--coco-predict=profile=%S/Inputs/warm-bound.json" --remarks-filter=coco-predict -o /dev/null 2>&1 | FileCheck %s --check-prefix=WARM
// WARM: Function=step | Remark="0.0520 ms per call on 2 rank(s) with warm-bound (test): collectives 0.0028 ms (100% warm, 0.062 MiB of cache per rank), loops 0.0492 ms, matmuls 0.0000 ms, overlapped 0.0000 ms; arrays 0.047 MiB per rank"
// RUN: coco-opt %s "--coco-predict=profile=%S/Inputs/warm-bound.json caller-bytes=16384" --remarks-filter=coco-predict -o /dev/null 2>&1 | FileCheck %s --check-prefix=FITS
// FITS: Function=step | Remark="0.0520 ms per call on 2 rank(s) with warm-bound (test): collectives 0.0028 ms (100% warm, 0.062 MiB of cache per rank), loops 0.0492 ms, matmuls 0.0000 ms, overlapped 0.0000 ms; arrays 0.047 MiB per rank and 0.016 MiB of the caller's"
// RUN: coco-opt %s "--coco-predict=profile=%S/Inputs/warm-bound.json caller-bytes=16385" --remarks-filter=coco-predict -o /dev/null 2>&1 | FileCheck %s --check-prefix=SPILLS
// SPILLS: Function=step | Remark="0.0608 ms per call on 2 rank(s) with warm-bound (test): collectives 0.0116 ms (0% warm, 0.062 MiB of cache per rank), loops 0.0492 ms, matmuls 0.0000 ms, overlapped 0.0000 ms; arrays 0.047 MiB per rank and 0.016 MiB of the caller's"
// Negative counts and sizes are errors, not a prediction.
// RUN: not coco-opt %s "--coco-predict=profile=%S/Inputs/warm-bound.json caller-bytes=-1" 2>&1 | FileCheck %s --check-prefix=NEGATIVE
// NEGATIVE: error: coco-predict: caller-bytes must be >= 0, got -1
// NEGATIVE-NOT: see current operation
// RUN: not coco-opt %s "--coco-predict=profile=%S/Inputs/memory-bound.json overlap-chunks=-3" 2>&1 | FileCheck %s --check-prefix=NEGCHUNKS
// NEGCHUNKS: error: coco-predict: overlap-chunks must be >= 0, got -3
// RUN: not coco-opt %s "--coco-autoschedule=profile=%S/Inputs/memory-bound.json exchange-chunk-bytes=-2" 2>&1 | FileCheck %s --check-prefix=NEGBYTES
// NEGBYTES: error: coco-autoschedule: exchange-chunk-bytes must be >= 0, got -2
coco.grid @dp(shape = [2])
func.func @step(%w: !coco.dtensor<4096xf32, replicated on @dp> {coco.name = "w"},
                %g: !coco.dtensor<4096xf32, local on @dp> {coco.name = "g"}) {
  %sum = coco.all_reduce sum %g : !coco.dtensor<4096xf32, local on @dp>
  %twice = coco.add %sum, %sum : !coco.dtensor<4096xf32, replicated on @dp>, !coco.dtensor<4096xf32, replicated on @dp>
  %wn = coco.sub %w, %twice : !coco.dtensor<4096xf32, replicated on @dp>, !coco.dtensor<4096xf32, replicated on @dp>
  coco.update %w, %wn : !coco.dtensor<4096xf32, replicated on @dp>
  return
}

func.func @rooted(%w: !coco.dtensor<4096xf32, replicated on @dp> {coco.name = "w"},
                  %m: !coco.dtensor<4096xf32, replicated on @dp> {coco.name = "m"},
                  %v: !coco.dtensor<4096xf32, replicated on @dp> {coco.name = "v"}) {
  %r = coco.sqrt %v : !coco.dtensor<4096xf32, replicated on @dp>
  %q = coco.div %m, %r : !coco.dtensor<4096xf32, replicated on @dp>, !coco.dtensor<4096xf32, replicated on @dp>
  %wn = coco.sub %w, %q : !coco.dtensor<4096xf32, replicated on @dp>, !coco.dtensor<4096xf32, replicated on @dp>
  coco.update %w, %wn : !coco.dtensor<4096xf32, replicated on @dp>
  return
}
