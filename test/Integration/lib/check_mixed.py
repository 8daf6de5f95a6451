"""Differential test of the mixed-precision Adam step (DataParallel/
adam-mixed.mlir: bf16 gradients reduced in bf16, f32 master w, m, v, a bf16
copy of w) under CoCoNet's schedules, against numpy.

usage: check_mixed.py WORKLOAD.mlir RANKS[,RANKS...] WORKDIR

Expected agreement:
- 2 ranks: the reduction is one bf16 addition (exact in f32, rounded once
  to bf16), which numpy computes the same way, and the rest is the f32
  Adam of reference.py in the same order: rtol 2e-5 like the f32 tests,
  and every schedule matches AR-C bitwise.
- 3 and 4 ranks: MPI's all_reduce and coco's ring reduce-scatter round the
  partial sums to bf16 after every addition, in different orders, so the
  summed gradient may differ from numpy's (f32 sum, rounded once) by up to
  a bf16 ulp per addition: w, m, v are compared with tolerances derived
  from that bound (below).
- Always: the bf16 copy is the bf16 rounding (to nearest, ties to even) of
  the f32 weights the same run returns, bit for bit.
Prints the precision the bf16 reduction costs: the max relative error of
the bf16 gradient sum against the f32 sum.
"""
import os
import re
import subprocess
import sys

import numpy as np

import coco_harness as h
import reference as ref
from coco.dtypes import from_storage, to_storage

FUSED = "coco-lower-to-cpu{fuse-reduce-scatter=true}"
STEP, LR, B1, B2, EPS = 2.0, 1e-3, 0.9, 0.999, 1e-8
BF16_ULP = 2.0 ** -8  # relative spacing of bf16 (8 significant bits)


def bf16(x):
    """float32 values rounded to bf16, as float32."""
    return from_storage(to_storage(np.asarray(x, np.float32), "bf16"), "bf16")


def compile_variant(source, out, passes, pipeline):
    cmd = ["coco-compile", source, "-o", out, "--pipeline", pipeline]
    cmd += [f"--pre-pass={p}" for p in passes]
    subprocess.run(cmd, check=True)


def main():
    workload, rank_counts, work = sys.argv[1], [int(r) for r in sys.argv[2].split(",")], \
        sys.argv[3]
    os.makedirs(work, exist_ok=True)
    text = open(workload).read()
    n = int(re.search(r"dtensor<(\d+)xf32", text).group(1))
    split_reorder = ["--coco-split", "--coco-reorder"]
    shard = ["--coco-shard-state=args=m,v"]
    variants = {  # name -> (passes, pipeline)
        "AR-C": ([], "coco-lower-to-cpu"),
        "RS-C-AG": (split_reorder, "coco-lower-to-cpu"),
        "RS-C-AG+shard-state": (split_reorder + shard, "coco-lower-to-cpu"),
        "fuse(RS-C-AG)+shard-state": (split_reorder + shard, FUSED),
    }
    for ranks in rank_counts:
        # The fused reduce-scatter needs the number of ranks at compile time.
        source = os.path.join(work, f"adam-mixed-{ranks}.mlir")
        with open(source, "w") as f:
            f.write(text.replace("coco.grid @dp(shape = [?])",
                                 f"coco.grid @dp(shape = [{ranks}])"))
        rng = np.random.default_rng(5)
        w = rng.standard_normal(n, dtype=np.float32)
        grads = [bf16(rng.standard_normal(n, dtype=np.float32)) for _ in range(ranks)]
        m = rng.standard_normal(n, dtype=np.float32) * np.float32(0.1)
        v = rng.random(n, dtype=np.float32) * np.float32(0.1)
        exact = np.sum(np.stack(grads).astype(np.float64), axis=0)
        gsum = bf16(exact.astype(np.float32))  # numpy: f32 sum, rounded once
        expected = dict(zip(["w", "m", "v"], ref.adam(w, [gsum], m, v, STEP, LR, B1, B2, EPS)))
        blocks = [n // ranks + (1 if r < n % ranks else 0) for r in range(ranks)]

        # Tolerances for 3+ ranks, per element: each of the R - 1 additions
        # rounds a partial sum (at most sum_j |g_j|) to bf16, and numpy's sum
        # is rounded once: |g - gsum| <= R ulp of sum_j |g_j|.
        dg = ranks * BF16_ULP * np.sum(np.abs(np.stack(grads)).astype(np.float64), axis=0)
        tol = {"m": (1 - B1) * dg + 1e-7,
               "v": (1 - B2) * (2 * np.abs(exact) + dg) * dg + 1e-7}
        # w moves by lr * mhat / (sqrt(vhat) + eps): the interval of that
        # ratio over the perturbed m and v.
        c1, c2 = 1 - B1 ** STEP, 1 - B2 ** STEP
        mhat, vhat = np.abs(expected["m"]) / c1, expected["v"] / c2
        dm, dv = tol["m"] / c1, tol["v"] / c2
        hi = (mhat + dm) / (np.sqrt(np.maximum(vhat - dv, 0)) + EPS)
        lo = np.maximum(mhat - dm, 0) / (np.sqrt(vhat + dv) + EPS)
        tol["w"] = LR * (hi - lo) + 1e-6
        baseline = None
        for name, (passes, pipeline) in variants.items():
            exe = os.path.join(work, f"{re.sub(r'[^a-zA-Z0-9]+', '_', name)}.r{ranks}.exe")
            compile_variant(source, exe, passes, pipeline)
            sharded = "shard" in name
            shapes = {"w": (np.float32, (n,)), "w_lp": (np.uint16, (n,))}
            for o in ("m", "v"):
                shapes[o] = (np.float32, (lambda r: (blocks[r],)) if sharded else (n,))
            result, _ = h.run(exe, ranks,
                              inputs=dict(w=w, m=m, v=v, w_lp=to_storage(w, "bf16")),
                              local_inputs=dict(g=[to_storage(g, "bf16") for g in grads]),
                              scalars=dict(step=STEP, lr=LR), outputs=shapes)
            whole = {}
            for o in ("w", "m", "v", "w_lp"):
                if sharded and o in ("m", "v"):
                    whole[o] = np.concatenate(result[o])
                    continue
                for r in range(1, ranks):
                    h.check_equal(f"{name}: {o} rank {r} vs rank 0", result[o][r], result[o][0])
                whole[o] = result[o][0]
            # The bf16 copy is the rounding of this run's f32 weights.
            h.check_equal(f"{name}: w_lp", whole["w_lp"], to_storage(whole["w"], "bf16"))
            if baseline is None:
                baseline = whole
                for o in ("w", "m", "v"):
                    if ranks == 2:
                        h.check_close(f"{name}: {o} vs numpy", whole[o], expected[o], 2e-5, 1e-6)
                    else:
                        h.check_close(f"{name}: {o} vs numpy", whole[o], expected[o], 2e-5,
                                      tol[o], "bf16 rounding of the reduction")
                print(f"adam-mixed {name} on {ranks} ranks: matches numpy" +
                      ("" if ranks == 2 else " within the bf16 reduction's rounding"))
                continue
            for o in ("w", "m", "v"):
                if ranks == 2:
                    h.check_equal(f"{name}: {o}", whole[o], baseline[o])
                else:
                    h.check_close(f"{name}: {o} vs AR-C", whole[o], baseline[o], 2e-5,
                                  2 * tol[o], "bf16 rounding in another order")
            print(f"adam-mixed {name} on {ranks} ranks: matches AR-C " +
                  ("bitwise" if ranks == 2 else "within the bf16 reduction's rounding"))
        error = np.max(np.abs(gsum - exact) / np.maximum(np.abs(exact), 1e-30))
        print(f"bf16 gradient sum (rounded once) vs f32 on {ranks} ranks: max relative "
              f"error {error:.3g} (bf16 ulp 2^-8 = {BF16_ULP:.2g}); median tolerances "
              f"w {np.median(tol['w']):.2g}, m {np.median(tol['m']):.2g}, "
              f"v {np.median(tol['v']):.2g}")


if __name__ == "__main__":
    main()
