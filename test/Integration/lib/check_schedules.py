"""Differential test of CoCoNet's schedules on a data-parallel optimizer step.

Compiles the workload unscheduled (AR-C) and under every schedule, runs each
on N ranks with the same random inputs, and compares every updated tensor
with the unscheduled program's.

Expected agreement: on 2 ranks every reduction adds two values (in either
order the same bits), so SGD and Adam must agree bitwise under every
schedule; LAMB's norms are summed in a different order once sliced (partial
sums + all_reduce), so it gets rtol 1e-5. On 4 ranks MPI's all_reduce and
coco's ring reduce-scatter add four values in different orders: rtol 1e-5.

usage: check_schedules.py {sgd,adam,lamb} WORKLOAD.mlir RANKS WORKDIR
"""
import os
import re
import subprocess
import sys

import numpy as np

import coco_harness as h

HERE = os.path.dirname(os.path.abspath(__file__))
SCHEDULES = os.path.join(HERE, "..", "DataParallel", "schedules")


def compile_variant(source, out, pre_passes, pipeline="coco-lower-to-cpu"):
    cmd = ["coco-compile", source, "-o", out, "--pipeline", pipeline]
    for p in pre_passes:
        cmd.append(f"--pre-pass={p}")
    subprocess.run(cmd, check=True)


def main():
    kind, workload, ranks, work = sys.argv[1], sys.argv[2], int(sys.argv[3]), sys.argv[4]
    os.makedirs(work, exist_ok=True)
    state = ["b"] if kind == "sgd" else ["m", "v"]
    outputs = ["w"] + state
    text = open(workload).read()
    n = int(re.search(r"dtensor<(\d+)xf32", text).group(1))
    # The fused reduce-scatter needs the number of ranks at compile time.
    static = os.path.join(work, f"{kind}-static{ranks}.mlir")
    with open(static, "w") as f:
        f.write(text.replace("coco.grid @dp(shape = [?])", f"coco.grid @dp(shape = [{ranks}])"))

    split_reorder = ["--coco-split", "--coco-reorder"]
    shard = [f"--coco-shard-state=args={','.join(state)}"]
    script = os.path.join(SCHEDULES, "rs-c-ag-shard-%s.mlir" % ("b" if kind == "sgd" else "mv"))
    fused = "coco-lower-to-cpu{fuse-reduce-scatter=true}"
    variants = {
        "AR-C": (workload, [], "coco-lower-to-cpu"),
        "RS-C-AG": (workload, split_reorder, "coco-lower-to-cpu"),
        "RS-C-AG+shard-state": (workload, split_reorder + shard, "coco-lower-to-cpu"),
        "RS-C-AG+shard-state (transform script)": (
            workload, [f"--transform-preload-library=transform-library-paths={script}",
                       "--transform-interpreter"], "coco-lower-to-cpu"),
        "fuse(RS-C-AG)": (static, split_reorder, fused),
        "fuse(RS-C-AG)+shard-state": (static, split_reorder + shard, fused),
    }

    rng = np.random.default_rng(99)
    w = rng.standard_normal(n, dtype=np.float32)
    grads = [rng.standard_normal(n, dtype=np.float32) for _ in range(ranks)]
    inputs = {"w": w}
    if kind == "sgd":
        inputs["b"] = rng.standard_normal(n, dtype=np.float32)
        scalars = dict(lr=0.05, momentum=0.9, weight_decay=0.01)
    else:
        inputs["m"] = rng.standard_normal(n, dtype=np.float32) * np.float32(0.1)
        inputs["v"] = rng.random(n, dtype=np.float32) * np.float32(0.1)
        scalars = dict(step=2.0, lr=1e-3)

    bitwise = ranks == 2 and kind != "lamb"
    baseline = None
    for name, (source, passes, pipeline) in variants.items():
        if passes:
            # The schedule really happened (a pass doing nothing would match
            # AR-C trivially): no all_reduce of a tensor left (LAMB's norms
            # keep rank-0 ones), and sliced state when shard-state was asked.
            ir = subprocess.run(["coco-opt", source, *passes], check=True,
                                capture_output=True, text=True).stdout
            assert not re.search(r"coco\.all_reduce \w+ \S+ : !coco\.dtensor<\d", ir), name
            assert "coco.reduce_scatter" in ir, name
            if "shard" in name:
                assert all(re.search(r"sliced<0> on @dp> \{[^}]*coco.name = \"%s\"" % st, ir)
                           for st in state), name
        exe = os.path.join(work, re.sub(r"[^a-zA-Z0-9]+", "_", name) + ".exe")
        compile_variant(source, exe, passes, pipeline)
        sharded = "shard" in name
        shapes = {o: (np.float32, (n // ranks,) if sharded and o in state else (n,))
                  for o in outputs}
        result, _ = h.run(exe, ranks, inputs=inputs, local_inputs=dict(g=grads),
                          scalars=scalars, outputs=shapes)
        # Whole tensors: rank 0's copy, or the concatenation of the slices.
        whole = {o: np.concatenate(result[o]) if shapes[o][1][0] != n else result[o][0]
                 for o in outputs}
        if baseline is None:
            baseline = whole
            continue
        for o in outputs:
            if bitwise:
                h.check_equal(f"{kind} {name}: {o}", whole[o], baseline[o])
            else:
                h.check_close(f"{kind} {name}: {o}", whole[o], baseline[o], 1e-5, 1e-6,
                              "reduction order differs")
        print(f"{kind} {name} on {ranks} ranks: matches AR-C "
              f"{'bitwise' if bitwise else 'within rtol 1e-5'}")


if __name__ == "__main__":
    main()
