// A sharded argument's norm read only in a branch that rank 0 alone takes
// (as a pipeline stage's or a logging rank's code would): coco-shard-state
// computes it from the blocks before the branch, where every rank runs.
// Inside the branch its all_reduce would wait on rank 0 for ranks that never
// come (the watchdog, COCO_TIMEOUT_S, would stop the job after 20 s).
// m = 16 elements of 0.5: ||m|| = 2; rank 0 scales its block of m by it,
// the others by 0.
//
// Every rank's block is checked (numpy's array_split blocks: 8/8 on 2
// ranks, 6/5/5 on 3): rank 0's all 1, the others' all 0.
//
// RUN: rm -rf %t.in %t.out2 %t.out3 && mkdir -p %t.in %t.out2 %t.out3
// RUN: %coco_python -c "import numpy as np; np.full(16, 0.5, np.float32).tofile('%t.in/m.bin')"
// RUN: coco-compile %s --pre-pass=--coco-shard-state=args=m -o %t.exe
// RUN: env COCO_TIMEOUT_S=20 %mpirun 2 %t.exe --in %t.in --out %t.out2 | FileCheck %s --check-prefix=PRINTED2
// RUN: env COCO_TIMEOUT_S=20 %mpirun 3 %t.exe --in %t.in --out %t.out3 | FileCheck %s --check-prefix=PRINTED3
// PRINTED2: m: 16xf32 sliced<0>, rank 0 holds 8xf32: [1, 1, 1, 1, ...] sum 8
// PRINTED3: m: 16xf32 sliced<0>, rank 0 holds 6xf32: [1, 1, 1, 1, ...] sum 6
// RUN: %coco_python -c "import sys, numpy as np; d, R = sys.argv[1], int(sys.argv[2]); got = [np.fromfile(f'{d}/m.rank{r}.bin', np.float32) for r in range(R)]; want = [np.full(len(x), 1.0 if r == 0 else 0.0, np.float32) for r, x in enumerate(np.array_split(np.zeros(16), R))]; assert all(np.array_equal(g, w) for g, w in zip(got, want)), got; print('every block matches on', R, 'ranks')" %t.out2 2 | FileCheck %s
// RUN: %coco_python -c "import sys, numpy as np; d, R = sys.argv[1], int(sys.argv[2]); got = [np.fromfile(f'{d}/m.rank{r}.bin', np.float32) for r in range(R)]; want = [np.full(len(x), 1.0 if r == 0 else 0.0, np.float32) for r, x in enumerate(np.array_split(np.zeros(16), R))]; assert all(np.array_equal(g, w) for g, w in zip(got, want)), got; print('every block matches on', R, 'ranks')" %t.out3 3 | FileCheck %s
// CHECK: every block matches on {{[23]}} ranks

coco.grid @dp(shape = [?])
!S = !coco.dtensor<16xf32, sliced<0> on @dp>
!R = !coco.dtensor<16xf32, replicated on @dp>

func.func @scale_on_rank0(%m: !R {coco.name = "m"}) {
  %zero = arith.constant 0.0 : f32
  %c0 = arith.constant 0 : index
  %rank = coco.axis_rank @dp[0]
  %first = arith.cmpi eq, %rank, %c0 : index
  %r = scf.if %first -> f32 {
    %n = coco.norm %m : !R
    %x = coco.extract %n : !coco.dtensor<f32, replicated on @dp> -> f32
    scf.yield %x : f32
  } else {
    scf.yield %zero : f32
  }
  %ms = coco.slice %m dim 0 : !R
  %mn = coco.mul %ms, %r : !S, f32
  %gathered = coco.all_gather %mn : !S
  coco.update %m, %gathered : !R
  return
}
