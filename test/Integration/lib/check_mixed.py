"""Differential test of the mixed-precision optimizer steps (DataParallel/
adam-mixed.mlir: bf16 gradients reduced in bf16, f32 master w, m, v, a bf16
copy of w; adam-mixed-f16.mlir: the same in f16; sgd-mixed.mlir: SGD with
bf16 gradients, f32 w and momentum; lamb-mixed.mlir: LAMB with bf16
gradients, f32 w, m, v) under CoCoNet's schedules, against
numpy. The optimizer and the low-precision type (LP below) are the
workload's.

usage: check_mixed.py WORKLOAD.mlir RANKS[,RANKS...] WORKDIR [--size N]
                     [--target cpu|gpu] [--mode both|build|run]
                     [--exchange-chunk-bytes N]

--target gpu builds for coco-lower-to-gpu (bf16/f16 kernels, NCCL's
bf16/f16 calls) and runs one rank per GPU (on one GPU NCCL's calls add
nothing: the 16-bit reduction needs two). The grid stays dynamic
there: one GPU means one rank, and a static one-rank grid folds every
collective away, so the NCCL calls would never run; the fused variants need
a static rank count, so the GPU checks the four unfused ones. --mode build
only compiles (and checks the IR) into WORKDIR, --mode run only runs what a
build left there (the lent GPU machine has no compiler:
tools/scripts/gpu-bundle.sh); WORKLOAD.mlir is then `-` and the workload is
read from WORKDIR/workload.mlir, which build writes.

--size N replaces the workload's element count (4096) by N, e.g. 6144,
which 2, 3 and 4 ranks all split into equal blocks (with unequal blocks
the fold receives into slots of the largest block, and its exchange goes
in windows of every block where a chunk is smaller than the block, as
check_scheduled_ir checks). --exchange-chunk-bytes N sets the fused
variants' chunk (the pipeline's default, 1 MiB, holds these blocks whole).

Expected agreement:
- 1 or 2 ranks: the reduction is at most one LP addition (exact in f32,
  rounded once to LP), which numpy computes the same way, and the rest is the f32
  Adam of reference.py in the same order: rtol 2e-5 like the f32 tests,
  and every schedule matches AR-C bitwise (LAMB within rtol 1e-5: its norms
  add partial sums, in another order when the state is sharded). The
  shard-state(w) schedules keep the f32 weights sliced as well and
  all-gather only the LP copy.
- 3 and 4 ranks: MPI's all_reduce and coco's ring reduce-scatter round the
  partial sums to LP after every addition, in different orders, so the
  summed gradient may differ from numpy's (f32 sum, rounded once) by up to
  an LP unit roundoff per addition: w, m, v are compared with tolerances derived
  from that bound (below).
- Always: the LP copy is the LP rounding (to nearest, ties to even) of
  the f32 weights the same run returns, bit for bit; a fused variant
  matches its unfused one bit for bit (the fused loop adds the LP blocks in
  the order of the runtime's ring reduce-scatter, rounding after each
  addition as it does).
Prints the precision the LP reduction costs: the max relative error of
the LP gradient sum against the f32 sum.
"""
import argparse
import os
import re
import subprocess
import sys

import numpy as np

import coco_harness as h
import reference as ref
from check_schedules import FUSED, block_sizes, check_scheduled_ir, compile_variant
from coco.dtypes import from_storage, to_storage

STEP, LR, B1, B2, EPS = 2.0, 1e-3, 0.9, 0.999, 1e-8
# Unit roundoff (the largest relative error of one rounding to nearest) of
# each type: 8 significant bits in bf16, 11 in f16.
ULP = {"bf16": 2.0 ** -8, "f16": 2.0 ** -11}
LP = "bf16"


def low(x):
    """float32 values rounded to the LP type, as float32."""
    return from_storage(to_storage(np.asarray(x, np.float32), LP), LP).astype(np.float32)


def bits(x):
    """LP values as the host program's files hold them."""
    return to_storage(np.asarray(x, np.float32), LP)


SGD_LR, SGD_MU, SGD_WD = 0.05, 0.9, 0.01


def adam_case(rng, n, gsum):
    """Inputs, scalars, numpy's result and, given the bound dg on the
    summed gradient's error, the per-element tolerances of Adam."""
    w = rng.standard_normal(n, dtype=np.float32)
    m = rng.standard_normal(n, dtype=np.float32) * np.float32(0.1)
    v = rng.random(n, dtype=np.float32) * np.float32(0.1)
    expected = dict(zip(["w", "m", "v"], ref.adam(w, [gsum], m, v, STEP, LR, B1, B2, EPS)))

    def tolerances(dg, exact):
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
        return tol

    return dict(w=w, m=m, v=v), dict(step=STEP, lr=LR), expected, tolerances


def sgd_case(rng, n, gsum):
    """The same for SGD with momentum and weight decay."""
    w = rng.standard_normal(n, dtype=np.float32)
    b = rng.standard_normal(n, dtype=np.float32) * np.float32(0.1)
    expected = dict(zip(["w", "b"], ref.sgd(w, [gsum], b, SGD_LR, SGD_MU, SGD_WD)))

    def tolerances(dg, exact):
        # b = mu*b + g + wd*w takes the gradient's error as it is; w moves by
        # lr * b.
        return {"b": dg + 1e-7, "w": SGD_LR * dg + 1e-7}

    return dict(w=w, b=b), dict(lr=SGD_LR, momentum=SGD_MU, weight_decay=SGD_WD), \
        expected, tolerances


LAMB_EPS, LAMB_WD = 1e-6, 0.01


def lamb_case(rng, n, gsum):
    """The same for LAMB: Adam's moments, u = mhat / (sqrt(vhat) + eps) +
    wd*w, and the step scaled by the trust ratio ||w|| / ||u||."""
    w = rng.standard_normal(n, dtype=np.float32)
    m = rng.standard_normal(n, dtype=np.float32) * np.float32(0.1)
    v = rng.random(n, dtype=np.float32) * np.float32(0.1)
    expected = dict(zip(["w", "m", "v"], ref.lamb(w, [gsum], m, v, STEP, LR, B1, B2,
                                                  LAMB_EPS, LAMB_WD)))

    def tolerances(dg, exact):
        tol = {"m": (1 - B1) * dg + 1e-7,
               "v": (1 - B2) * (2 * np.abs(exact) + dg) * dg + 1e-7}
        # u's Adam ratio moves within an interval over the perturbed m and v
        # (as Adam's w); ||u|| by at most the norm of those widths, and the
        # trust ratio ||w|| / ||u|| with it.
        c1, c2 = 1 - B1 ** STEP, 1 - B2 ** STEP
        mhat = expected["m"].astype(np.float64) / c1
        vhat = expected["v"].astype(np.float64) / c2
        dm, dv = tol["m"] / c1, tol["v"] / c2
        hi = (np.abs(mhat) + dm) / (np.sqrt(np.maximum(vhat - dv, 0)) + LAMB_EPS)
        lo = np.maximum(np.abs(mhat) - dm, 0) / (np.sqrt(vhat + dv) + LAMB_EPS)
        du = hi - lo
        u = mhat / (np.sqrt(vhat) + LAMB_EPS) + LAMB_WD * w.astype(np.float64)
        wn, un, dun = (np.linalg.norm(x) for x in (w.astype(np.float64), u, du))
        trust_hi, trust_lo = wn / max(un - dun, 1e-30), wn / (un + dun)
        tol["w"] = LR * (trust_hi * du + np.abs(u) * (trust_hi - trust_lo)) + 1e-6
        return tol

    return dict(w=w, m=m, v=v), dict(step=STEP, lr=LR), expected, tolerances


def w_given_state(kind, w, state):
    """The f32 update of w (the input weights) from the state the run itself
    returned, in reference.py's order. The state carries the reduction's
    rounding; given it, w has only f32 rounding (and, for LAMB, the order of
    the norms' sums) left, so it is checked tightly, where the bounds on w
    alone would be loose (LAMB's trust ratio widens them to ~20% of the
    update)."""
    f32 = np.float32
    if kind == "sgd":
        return w - f32(SGD_LR) * state["b"]
    eps = EPS if kind == "adam" else LAMB_EPS
    c1 = f32(1) - f32(B1) ** f32(STEP)
    c2 = f32(1) - f32(B2) ** f32(STEP)
    ratio = (state["m"] / c1) / (np.sqrt(state["v"] / c2) + f32(eps))
    if kind == "adam":
        return w - f32(LR) * ratio
    u = ratio + f32(LAMB_WD) * w
    w_norm = np.sqrt(np.sum(w.astype(np.float64) ** 2))
    u_norm = np.sqrt(np.sum(u.astype(np.float64) ** 2))
    trust = f32(w_norm / u_norm) if w_norm > 0 and u_norm > 0 else f32(1)
    return w - f32(LR) * trust * u


CASES = {"adam": (adam_case, ["m", "v"]), "sgd": (sgd_case, ["b"]),
         "lamb": (lamb_case, ["m", "v"])}


def main():
    global LP
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("workload")
    parser.add_argument("ranks", help="comma-separated numbers of ranks")
    parser.add_argument("work")
    parser.add_argument("--size", type=int, default=None)
    parser.add_argument("--target", default="cpu", choices=["cpu", "gpu"])
    parser.add_argument("--mode", default="both", choices=["both", "build", "run"])
    parser.add_argument("--exchange-chunk-bytes", type=int, default=None,
                        help="the fused variants' exchange in chunks of this many bytes "
                             "(coco-chunk-exchange; windows where the blocks are uneven)")
    args = parser.parse_args()
    rank_counts, work = [int(r) for r in args.ranks.split(",")], args.work
    os.makedirs(work, exist_ok=True)
    saved = os.path.join(work, "workload.mlir")
    if args.mode == "run":
        if args.workload != "-" or args.size is not None:
            sys.exit("check_mixed.py: --mode run reads WORKDIR/workload.mlir: pass - "
                     "and no --size")
        text = open(saved).read()
    else:
        text = open(args.workload).read()
        if args.size is not None:
            text = re.sub(r"(dtensor<)\d+(x(?:f32|bf16|f16),)", r"\g<1>%d\g<2>" % args.size,
                          text)
        with open(saved, "w") as f:
            f.write(text)
    LP = re.search(r"dtensor<\d+x(bf16|f16),", text).group(1)
    ulp = ULP[LP]
    dtype = np.uint16 if LP == "bf16" else np.float16
    kind = re.search(r"func\.func @(\w+)_step", text).group(1)
    make_case, state = CASES[kind]
    outputs = ["w"] + state
    n = int(re.search(r"dtensor<(\d+)xf32", text).group(1))
    split_reorder = ["--coco-split", "--coco-reorder"]
    shard = [f"--coco-shard-state=args={','.join(state)}"]
    # The f32 master weights sliced too (as ZeRO partitions fp32 masters):
    # only the LP copy is all-gathered.
    shard_masters = [f"--coco-shard-state=args=w,{','.join(state)}"]
    lower = f"coco-lower-to-{args.target}"
    fused = FUSED if args.exchange_chunk_bytes is None else (
        f"coco-lower-to-cpu{{fuse-reduce-scatter=true "
        f"exchange-chunk-bytes={args.exchange_chunk_bytes}}}")
    variants = {  # name -> (passes, pipeline, outputs left sliced)
        "AR-C": ([], lower, []),
        "RS-C-AG": (split_reorder, lower, []),
        "RS-C-AG+shard-state": (split_reorder + shard, lower, state),
        "fuse(RS-C-AG)+shard-state": (split_reorder + shard, fused, state),
        "RS-C-AG+shard-state(w)": (split_reorder + shard_masters, lower, outputs),
        "fuse(RS-C-AG)+shard-state(w)": (split_reorder + shard_masters, fused, outputs),
    }
    if args.target == "gpu":
        variants = {k: v for k, v in variants.items() if v[1] != fused}
    for ranks in rank_counts:
        # The fused reduce-scatter needs the number of ranks at compile time.
        source = os.path.join(work, f"{kind}-mixed-{ranks}.mlir")
        if args.mode != "run":
            with open(source, "w") as f:
                f.write(text if args.target == "gpu" else
                        text.replace("coco.grid @dp(shape = [?])",
                                     f"coco.grid @dp(shape = [{ranks}])"))
        rng = np.random.default_rng(5)
        grads = [low(rng.standard_normal(n, dtype=np.float32)) for _ in range(ranks)]
        exact = np.sum(np.stack(grads).astype(np.float64), axis=0)
        gsum = low(exact.astype(np.float32))  # numpy: f32 sum, rounded once
        inputs, scalars, expected, tolerances = make_case(rng, n, gsum)
        blocks = block_sizes(n, ranks)
        # Tolerances for 3+ ranks, per element: each of the R - 1 additions
        # rounds a partial sum (at most sum_j |g_j|) to LP, and numpy's sum
        # is rounded once: |g - gsum| <= R unit roundoffs of sum_j |g_j|.
        dg = ranks * ulp * np.sum(np.abs(np.stack(grads)).astype(np.float64), axis=0)
        tol = tolerances(dg, exact)
        baseline = None
        wholes = {}
        for name, (passes, pipeline, sliced) in variants.items():
            exe = os.path.join(work, f"{re.sub(r'[^a-zA-Z0-9]+', '_', name)}.r{ranks}.exe")
            if args.mode == "run":
                if not os.path.exists(exe):
                    sys.exit(f"check_mixed.py: no {exe}: build it first (--mode build)")
            else:
                compile_variant(source, exe, passes, pipeline, args.target)
            if name != "AR-C" and args.mode != "run":
                # The schedule happened (matching AR-C proves nothing if not).
                check_scheduled_ir(f"{kind}-mixed", name, source, passes, pipeline, sliced,
                                   n, ranks)
            if "w" in sliced and args.mode != "run":
                # Only the LP copy travels: no f32 all_gather is left.
                ir = subprocess.run(["coco-opt", source, *passes], check=True,
                                    capture_output=True, text=True).stdout
                gathered = re.findall(r"coco\.all_gather %\S+ : !coco\.dtensor<\d+x(\w+),", ir)
                if gathered != [LP]:
                    sys.exit(f"{name}: all_gathers of {gathered}, expected one of {LP}")
            if args.mode == "build":
                continue
            shapes = {"w_lp": (dtype, (n,))}
            for o in outputs:
                shapes[o] = (np.float32, (lambda r: (blocks[r],)) if o in sliced else (n,))
            result, _ = h.run(exe, ranks, inputs=dict(inputs, w_lp=bits(inputs["w"])),
                              local_inputs=dict(g=[bits(g) for g in grads]),
                              scalars=scalars, outputs=shapes)
            whole = {}
            for o in outputs + ["w_lp"]:
                if o in sliced:
                    whole[o] = np.concatenate(result[o])
                    continue
                for r in range(1, ranks):
                    h.check_equal(f"{name}: {o} rank {r} vs rank 0", result[o][r], result[o][0])
                whole[o] = result[o][0]
            # The LP copy is the rounding of this run's f32 weights, and those
            # are the update of the state this run returned.
            h.check_equal(f"{name}: w_lp", whole["w_lp"], bits(whole["w"]))
            wholes[name] = whole
            unfused = name.replace("fuse(RS-C-AG)", "RS-C-AG")
            if unfused != name:
                for o in outputs + ["w_lp"]:
                    h.check_equal(f"{name}: {o} vs {unfused}", whole[o], wholes[unfused][o])
                print(f"{kind}-mixed {name} on {ranks} ranks: matches {unfused} bitwise")
            h.check_close(f"{name}: w vs its own state's update", whole["w"],
                          w_given_state(kind, inputs["w"], whole), 2e-5, 1e-6,
                          "f32 rounding only")
            if baseline is None:
                baseline = whole
                for o in outputs:
                    if ranks <= 2:
                        h.check_close(f"{name}: {o} vs numpy", whole[o], expected[o], 2e-5, 1e-6)
                    else:
                        h.check_close(f"{name}: {o} vs numpy", whole[o], expected[o], 2e-5,
                                      tol[o], f"{LP} rounding of the reduction")
                print(f"{kind}-mixed {name} on {ranks} ranks: matches numpy" +
                      ("" if ranks <= 2 else f" within the {LP} reduction's rounding"))
                continue
            for o in outputs:
                if ranks <= 2 and kind != "lamb":
                    h.check_equal(f"{name}: {o}", whole[o], baseline[o])
                elif ranks <= 2 and o != "w":
                    h.check_equal(f"{name}: {o}", whole[o], baseline[o])
                elif ranks <= 2:
                    h.check_close(f"{name}: {o} vs AR-C", whole[o], baseline[o], 1e-5, 1e-6,
                                  "the norms' partial sums add in another order")
                else:
                    h.check_close(f"{name}: {o} vs AR-C", whole[o], baseline[o], 2e-5,
                                  2 * tol[o], f"{LP} rounding in another order")
            agreement = f"within the {LP} reduction's rounding"
            if ranks <= 2:
                agreement = "bitwise" if kind != "lamb" else "bitwise (w within rtol 1e-5)"
            print(f"{kind}-mixed {name} on {ranks} ranks: matches AR-C {agreement}")
        if args.mode == "build":
            continue
        error = np.max(np.abs(gsum - exact) / np.maximum(np.abs(exact), 1e-30))
        medians = ", ".join(f"{o} {np.median(tol[o]):.2g}" for o in outputs)
        print(f"{LP} gradient sum (rounded once) vs f32 on {ranks} ranks: max relative "
              f"error {error:.3g} ({LP} unit roundoff 2^{int(np.log2(ulp))} = {ulp:.2g}); "
              f"median tolerances {medians}")


if __name__ == "__main__":
    main()
