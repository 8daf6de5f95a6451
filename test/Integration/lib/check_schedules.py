"""Differential test of CoCoNet's schedules on a data-parallel optimizer step.

Compiles the workload unscheduled (AR-C) and under every schedule, runs each
on N ranks with the same random inputs, and compares every updated tensor
with the unscheduled program's; the unscheduled program itself is compared
with the numpy reference (reference.py) on the same inputs.

usage: check_schedules.py {sgd,adam,lamb} WORKLOAD.mlir RANKS WORKDIR [--size N]

RANKS is one number of ranks or a comma-separated list (2,3,4): the
programs use the grid `[?]`, so every variant but the fused ones is compiled
once and run on every count; fuse(RS-C-AG) needs the number of ranks at
compile time and is compiled per count.

--size N runs the workload at N elements instead of the workload's own size:
the element count of its dtensor types (4096 in DataParallel/*.mlir) is
replaced by N in the text (written to WORKDIR). N need not be divisible by
the ranks: sliced tensors are split like numpy.array_split (rank r holds
N // R elements, one more for the first N % R ranks), and the sharded state
is reassembled from those blocks. With uneven blocks the fused
reduce-scatter's exchange receives into slots as large as the largest block
and is not chunked (coco-chunk-exchange's remark says why; this script checks
it is given, and a warning where the chunk size was asked for).

Expected agreement: on 2 ranks every reduction adds two values (in either
order the same bits), so SGD and Adam must agree bitwise under every
schedule. On any number of ranks a fused variant must match its unfused one
bitwise: the fused loop adds the blocks in the order of the runtime's ring
reduce-scatter; LAMB's norms are summed in a different order once sliced (partial
sums + all_reduce), so it gets rtol 1e-5. On 3 and 4 ranks MPI's all_reduce
and coco's ring reduce-scatter add three or four values in different orders
(float addition is not associative, so the sums may differ in the last
bits, a few ulps after the update): rtol 1e-5. Against numpy (which adds
the ranks' gradients in rank order): rtol 2e-5, atol 1e-6, as
check_optimizer.py.

LAMB's w also depends on its trust ratio ||w|| / ||u||: coco.norm sums the
squares in float64 (rounding once), numpy's reference too, so the norms
agree to float32 precision whatever the blocks; the rtol covers them.
"""
import argparse
import os
import re
import subprocess

import numpy as np

import coco_harness as h
import reference as ref

HERE = os.path.dirname(os.path.abspath(__file__))
SCHEDULES = os.path.join(HERE, "..", "DataParallel", "schedules")
FUSED = "coco-lower-to-cpu{fuse-reduce-scatter=true}"
# The fused exchange in chunks of 1000 bytes from all peers together
# (coco-chunk-exchange; the default, 1 MiB, holds the blocks of the default
# test size whole): 9 chunks of 250 rows and one of 48 on 2 ranks, 8 of 125
# on 3, 12 of 83 and one of 28 on 4.
CHUNKED = "coco-lower-to-cpu{fuse-reduce-scatter=true exchange-chunk-bytes=1000}"
CHUNKED_NAME = " [exchange in 1000-byte chunks]"
UNFUSED_REMARK = "coco-fuse-reduce-scatter was requested but does not apply here: this reduce_scatter stays unfused: "


def compile_variant(source, out, pre_passes, pipeline="coco-lower-to-cpu", target="cpu"):
    cmd = ["coco-compile", source, "-o", out, "--target", target, "--pipeline", pipeline]
    for p in pre_passes:
        cmd.append(f"--pre-pass={p}")
    subprocess.run(cmd, check=True)


def block_sizes(n, ranks):
    """Rank r's share of n sliced elements (numpy.array_split's blocks)."""
    return [n // ranks + (1 if r < n % ranks else 0) for r in range(ranks)]


def check_scheduled_ir(kind, name, source, passes, pipeline, state, n, ranks):
    """The schedule really happened (a pass doing nothing would match AR-C
    trivially): no all_reduce of a tensor left (LAMB's norms keep rank-0
    ones), sliced state when shard-state was asked; the fused variants fold
    the reduce_scatter (an all_to_all, no reduce_scatter call), its exchange
    in chunks only where the blocks are equal (otherwise whole, with the
    remark saying why)."""
    ir = subprocess.run(["coco-opt", source, *passes], check=True,
                        capture_output=True, text=True).stdout
    assert not re.search(r"coco\.all_reduce \w+ \S+ : !coco\.dtensor<\d", ir), name
    assert "coco.reduce_scatter" in ir, name
    if "shard" in name:
        assert all(re.search(r"sliced<0> on @dp> \{[^}]*coco.name = \"%s\"" % st, ir)
                   for st in state), name
    if pipeline not in (FUSED, CHUNKED):
        return
    lowered = subprocess.run(["coco-opt", f"--pass-pipeline=builtin.module({pipeline})",
                              "--remarks-filter=coco-chunk-exchange"],
                             input=ir, check=True, capture_output=True, text=True)
    calls = lowered.stdout
    assert "llvm.call @coco_rt_all_to_all" in calls, f"{name}: not fused"
    assert "llvm.call @coco_rt_reduce_scatter" not in calls, f"{name}: not fused"
    assert UNFUSED_REMARK not in lowered.stderr, f"{name}: {lowered.stderr}"
    if n % ranks == 0:
        # Chunked only when asked: the default chunk holds these blocks.
        chunked = re.search(r"exchanged in chunks of (\d+) of (\d+) rows", lowered.stderr)
        if pipeline == CHUNKED:
            assert chunked, f"{name}: not chunked:\n{lowered.stderr}"
            print(f"{kind} {name} on {ranks} ranks: exchanged in chunks of "
                  f"{chunked.group(1)} of {chunked.group(2)} rows")
        else:
            # The default chunk size, not given by the user: a remark, no
            # warning, for the block that fits in one chunk.
            assert not chunked and "fits in one chunk" in lowered.stderr, \
                f"{name}: {lowered.stderr}"
            assert "warning: coco-chunk-exchange" not in lowered.stderr, \
                f"{name}: {lowered.stderr}"
    else:
        # Uneven blocks: fused (into slots of the largest block), the
        # exchange in windows of every block, the same trips on every rank.
        # Whole only where the default chunk holds the largest block.
        windows = h.exchange_chunks(lowered.stderr)
        assert "warning: coco-chunk-exchange" not in lowered.stderr, f"{name}: {lowered.stderr}"
        if windows:
            assert len(windows) == 1 and windows[0][2], f"{name}: {lowered.stderr}"
            rows, slot, _ = windows[0]
            print(f"{kind} {name} on {ranks} ranks: fused, exchanged in windows of {rows} "
                  f"of up to {slot} rows")
        else:
            fits = re.search(r"exchanged whole before its loop: (a block [^\"\n]* fits in one "
                             r"chunk of \d+ bytes)", lowered.stderr)
            assert fits and pipeline != CHUNKED, f"{name}: {lowered.stderr}"
            print(f"{kind} {name} on {ranks} ranks: fused, exchanged whole: {fits.group(1)}")


AUTO = "coco-autoschedule"


def check_exchange_calls(kind, source, passes, pipeline, chosen, ranks, printed):
    """The fused schedule coco-autoschedule chose ran its exchange as it
    priced it: whole where it chose +whole-exchange (the mark keeps
    coco-chunk-exchange off, with a remark), otherwise in the chunks the
    pipeline's remark gives; the runtime (COCO_PROFILE, one step) counts one
    all_to_all call per chunk."""
    scheduled = subprocess.run(["coco-opt", source, *passes], check=True,
                               capture_output=True, text=True).stdout
    remarks = subprocess.run(["coco-opt", f"--pass-pipeline=builtin.module({pipeline})",
                              "--remarks-filter=coco-chunk-exchange", "-o", os.devnull],
                             input=scheduled, check=True, capture_output=True, text=True).stderr
    chunked = h.exchange_chunks(remarks)
    whole = re.findall(r"exchanged whole before its loop: ([^\"]+)", remarks)
    calls = sum(h.profile_calls(printed, "coco.all_to_all").values())
    assert len(chunked) + len(whole) == 1, f"{chosen}: one exchange expected:\n{remarks}"
    kept = bool(whole) and whole[0].startswith("a schedule keeps it whole")
    assert kept == ("+whole-exchange" in chosen), f"{chosen}:\n{remarks}"
    count = -(-int(chunked[0][1]) // int(chunked[0][0])) if chunked else 1
    assert calls == count, f"{chosen}: {calls} exchange calls, {count} expected:\n{remarks}"
    how = (f"in {count} chunks" if chunked else
           "whole, kept by its mark" if kept else f"whole ({whole[0]})")
    print(f"{kind} {AUTO} on {ranks} ranks: exchanged {how}, {calls} runtime call(s)")


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("kind", choices=["sgd", "adam", "lamb"])
    parser.add_argument("workload")
    parser.add_argument("ranks", help="a number of ranks or a comma-separated list")
    parser.add_argument("work")
    parser.add_argument("--size", type=int, default=None,
                        help="element count replacing the workload's own")
    parser.add_argument("--profile", default=None,
                        help="a machine profile: adds the schedule coco-autoschedule "
                             "chooses with it (per number of ranks)")
    parser.add_argument("--exchange-chunk-bytes", type=int, default=None,
                        help="coco-autoschedule prices, and its pipeline cuts, the fused "
                             "exchange in chunks of this many bytes (from all peers together)")
    parser.add_argument("--only", default=None,
                        help="comma-separated variants to run besides AR-C (the baseline)")
    args = parser.parse_args()
    kind, work = args.kind, args.work
    rank_counts = [int(r) for r in args.ranks.split(",")]
    os.makedirs(work, exist_ok=True)
    state = ["b"] if kind == "sgd" else ["m", "v"]
    outputs = ["w"] + state
    workload = args.workload
    text = open(workload).read()
    n = int(re.search(r"dtensor<(\d+)xf32", text).group(1))
    if args.size is not None and args.size != n:
        text = re.sub(r"(dtensor<)%d(x)" % n, r"\g<1>%d\g<2>" % args.size, text)
        n = args.size
        workload = os.path.join(work, f"{kind}-{n}.mlir")
        with open(workload, "w") as f:
            f.write(text)

    split_reorder = ["--coco-split", "--coco-reorder"]
    shard = [f"--coco-shard-state=args={','.join(state)}"]
    script = os.path.join(SCHEDULES, "rs-c-ag-shard-%s.mlir" % ("b" if kind == "sgd" else "mv"))
    # name -> (passes, pipeline, compiled per number of ranks)
    variants = {
        "AR-C": ([], "coco-lower-to-cpu", False),
        "RS-C-AG": (split_reorder, "coco-lower-to-cpu", False),
        "RS-C-AG+shard-state": (split_reorder + shard, "coco-lower-to-cpu", False),
        "RS-C-AG+shard-state (transform script)": (
            [f"--transform-preload-library=transform-library-paths={script}",
             "--transform-interpreter"], "coco-lower-to-cpu", False),
        "fuse(RS-C-AG)": (split_reorder, FUSED, True),
        "fuse(RS-C-AG)+shard-state": (split_reorder + shard, FUSED, True),
        "fuse(RS-C-AG)+shard-state" + CHUNKED_NAME: (split_reorder + shard, CHUNKED, True),
    }
    if args.profile:
        chunks = ("" if args.exchange_chunk_bytes is None
                  else f" exchange-chunk-bytes={args.exchange_chunk_bytes}")
        variants[AUTO] = ([f"--coco-autoschedule=profile={args.profile} "
                           f"state={','.join(state)}{chunks}"],
                          "coco-lower-to-cpu" + (f"{{{chunks.strip()}}}" if chunks else ""), True)
    if args.only:
        keep = {"AR-C", *args.only.split(",")}
        variants = {k: v for k, v in variants.items() if k in keep}

    def exe_path(name, ranks=None):
        stem = re.sub(r"[^a-zA-Z0-9]+", "_", name)
        return os.path.join(work, f"{stem}{'' if ranks is None else f'.r{ranks}'}.exe")

    # The rank-independent variants, once for every number of ranks.
    for name, (passes, pipeline, per_ranks) in variants.items():
        if per_ranks:
            continue
        if passes:
            check_scheduled_ir(kind, name, workload, passes, pipeline, state, n, None)
        compile_variant(workload, exe_path(name), passes, pipeline)

    for ranks in rank_counts:
        # The fused reduce-scatter needs the number of ranks at compile time.
        static = os.path.join(work, f"{kind}-{n}-static{ranks}.mlir")
        with open(static, "w") as f:
            f.write(text.replace("coco.grid @dp(shape = [?])",
                                 f"coco.grid @dp(shape = [{ranks}])"))
        blocks = block_sizes(n, ranks)

        rng = np.random.default_rng(99)
        w = rng.standard_normal(n, dtype=np.float32)
        grads = [rng.standard_normal(n, dtype=np.float32) for _ in range(ranks)]
        inputs = {"w": w}
        if kind == "sgd":
            inputs["b"] = rng.standard_normal(n, dtype=np.float32)
            scalars = dict(lr=0.05, momentum=0.9, weight_decay=0.01)
            expected = ref.sgd(w, grads, inputs["b"], 0.05, 0.9, 0.01)
        else:
            inputs["m"] = rng.standard_normal(n, dtype=np.float32) * np.float32(0.1)
            inputs["v"] = rng.random(n, dtype=np.float32) * np.float32(0.1)
            scalars = dict(step=2.0, lr=1e-3)
            fn = ref.adam if kind == "adam" else ref.lamb
            expected = fn(w, grads, inputs["m"], inputs["v"], 2.0, lr=1e-3)
        expected = dict(zip(outputs, expected))

        bitwise = ranks == 2 and kind != "lamb"
        baseline = None
        wholes = {}
        for name, (passes, pipeline, per_ranks) in variants.items():
            sharded = "shard" in name
            if name == AUTO:
                chosen = h.autoschedule_choice(static, passes)
                sharded = "shard-state" in chosen
                print(f"{kind} {AUTO} on {ranks} ranks: chose {chosen}")
            elif per_ranks:
                check_scheduled_ir(kind, name, static, passes, pipeline, state, n, ranks)
            if per_ranks:
                exe = exe_path(name, ranks)
                compile_variant(static, exe, passes, pipeline)
            else:
                exe = exe_path(name)
            shapes = {o: (np.float32, (lambda r: (blocks[r],)) if sharded and o in state
                          else (n,)) for o in outputs}
            result, printed = h.run(exe, ranks, inputs=inputs, local_inputs=dict(g=grads),
                                    scalars=scalars, outputs=shapes,
                                    env={"COCO_PROFILE": "1"} if name == AUTO else None)
            whole = {}
            for o in outputs:
                if sharded and o in state:
                    # Sharded state: the concatenation of the ranks' blocks.
                    whole[o] = np.concatenate(result[o])
                else:
                    # Replicated: every rank holds the same bits.
                    for r in range(1, ranks):
                        h.check_equal(f"{kind} {name}: {o} rank {r} vs rank 0",
                                      result[o][r], result[o][0])
                    whole[o] = result[o][0]
            wholes[name] = whole
            unfused = name.replace("fuse(RS-C-AG)", "RS-C-AG").replace(CHUNKED_NAME, "")
            if name == AUTO and re.match(r"fuse\(RS-C-AG\)\+shard-state\(%s\)(\+whole-exchange)?$"
                                         % ",".join(state), chosen):
                # The chosen fold against the same schedule unfused (if run).
                unfused = "RS-C-AG+shard-state"
            if unfused != name and unfused in wholes:
                for o in outputs:
                    h.check_equal(f"{kind} {name}: {o} vs {unfused}", whole[o],
                                  wholes[unfused][o])
                print(f"{kind} {name} on {ranks} ranks: matches {unfused} bitwise")
            if baseline is None:
                baseline = whole
                for o in outputs:
                    h.check_close(f"{kind} {name}: {o} vs numpy", whole[o], expected[o],
                                  2e-5, 1e-6, "numpy adds the gradients in rank order")
                print(f"{kind} {name} on {ranks} ranks: matches the numpy reference")
                continue
            for o in outputs:
                if bitwise:
                    h.check_equal(f"{kind} {name}: {o}", whole[o], baseline[o])
                else:
                    h.check_close(f"{kind} {name}: {o}", whole[o], baseline[o], 1e-5, 1e-6,
                                  "reduction order differs")
            print(f"{kind} {name} on {ranks} ranks: matches AR-C "
                  f"{'bitwise' if bitwise else 'within rtol 1e-5'}")
            if name == AUTO and chosen.startswith("fuse("):
                check_exchange_calls(kind, static, passes, pipeline, chosen, ranks, printed)


if __name__ == "__main__":
    main()
