"""The tensor-parallel layer (test/Integration/TensorParallel/layer.mlir) on N
ranks: MM-AR-C against numpy, and MM-RS-C-AG, ol(MM,AR)-C and ol(MM,RS)-C-AG (2 overlapped chunks) against
MM-AR-C.

numpy computes x @ W in float32 with its own summation order, so MM-AR-C is
compared within rtol 1e-5. MM-RS-C-AG only moves the pointwise work onto
slices: on 2 ranks its sums are the same two-term adds as the all_reduce's,
so it must match MM-AR-C bitwise; on 4 ranks the ring reduce-scatter adds in
another order than MPI's all_reduce (rtol 1e-5).

On the GPU (TARGET gpu: coco-lower-to-gpu, cuBLAS, NCCL, one rank per GPU)
the same comparisons hold: every schedule computes the same products and
sums (the chunked matmul calls cuBLAS per row block).

On 3 ranks the same holds as on 4: MPI's all_reduce and the reduce_scatters
add three partial sums in different orders (float addition is not
associative), so those comparisons are within rtol 1e-5.

usage: check_layer.py LAYER.mlir RANKS WORKDIR [cpu|gpu] [both|build|run]
                      [--shape B,S,H] [--fused-chunk-bytes N]
                      [--autoschedule PROFILE]

RANKS is one number of ranks or a comma-separated list (2,3,4): the layer's
grid is `[?]`, so every schedule is compiled once and run on every count.

The shapes are the layer's own (the type !X = B x S x H of LAYER.mlir).
--shape B,S,H runs the layer at other sizes: the sizes of its dtensor types
(x, r, z: B x S x H; W: H x H; b: H) are replaced in the text, written to
WORKDIR. Nothing needs to divide by the ranks: x is sliced along H, W along
its rows (H) and MM-RS-C-AG's reduce_scatter along B, in numpy.array_split's
blocks (rank r holds n // R, one more for the first n % R ranks); only the
overlapped schedules chunk the B*S matmul rows into 2 blocks, so B*S must be
even (coco rejects the transform script's overlap otherwise).

--fused-chunk-bytes N (cpu, both) also runs MM-RS-C-AG with its
reduce_scatter folded into the loop after it (check_fused), its exchange
whole and in chunks of N bytes, compiled for each number of ranks.

--autoschedule PROFILE (cpu, both) also compiles the layer under
coco-autoschedule{profile=PROFILE ranks=R} for each number of ranks, prints
the schedule its remark says it chose, runs it against MM-AR-C, and checks
with the runtime's count of calls (COCO_PROFILE) that the program ran
that schedule's collectives.

`build` only compiles every schedule into WORKDIR, `run` only runs what a
`build` left there (the lent GPU machine has no compiler:
tools/scripts/gpu-bundle.sh); LAYER.mlir is not read then (pass `-`), the
shapes come from WORKDIR/shape.txt, which `build` writes (B=4, S=8, H=16
where it is absent).
"""
import argparse
import os
import re
import subprocess
import sys

import numpy as np

import coco_harness as h

HERE = os.path.dirname(os.path.abspath(__file__))
SCRIPT = os.path.join(HERE, "..", "TensorParallel", "schedules", "ol-mm-rs-c-ag.mlir")
DEFAULT_SHAPE = (4, 8, 16)


def layer_shape(text):
    """(B, S, H) of the layer: its type !X."""
    found = re.search(r"!X = !coco\.dtensor<(\d+)x(\d+)x(\d+)xf32", text)
    if not found:
        raise SystemExit("check_layer.py: no '!X = !coco.dtensor<BxSxHxf32' in the layer")
    return tuple(int(d) for d in found.groups())


def reshape_layer(text, old, new):
    """The layer's text with the sizes of its dtensor types changed."""
    (B0, S0, H0), (B, S, H) = old, new
    text = text.replace(f"dtensor<{B0}x{S0}x{H0}x", f"dtensor<{B}x{S}x{H}x")
    text = text.replace(f"dtensor<{H0}x{H0}x", f"dtensor<{H}x{H}x")
    text = text.replace(f"dtensor<{H0}xf32", f"dtensor<{H}xf32")
    assert layer_shape(text) == (B, S, H), "the layer's shapes were not all replaced"
    return text


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("source")
    parser.add_argument("ranks", help="a number of ranks or a comma-separated list")
    parser.add_argument("work")
    parser.add_argument("target", nargs="?", default="cpu", choices=["cpu", "gpu"])
    parser.add_argument("mode", nargs="?", default="both")
    parser.add_argument("--shape", default=None, help="B,S,H")
    parser.add_argument("--fused-chunk-bytes", type=int, default=None,
                        help="also fuse MM-RS-C-AG's reduce_scatter into the dropout's "
                             "loop (cpu), its exchange whole and in chunks of this many bytes")
    parser.add_argument("--autoschedule", metavar="PROFILE", default=None,
                        help="also run the schedule coco-autoschedule picks with this "
                             "machine profile (cpu), on each number of ranks")
    args = parser.parse_args()
    source, work, target, mode = args.source, args.work, args.target, args.mode
    rank_counts = [int(r) for r in args.ranks.split(",")]
    if mode not in ("both", "build", "run"):
        sys.exit(f"check_layer.py: mode must be both, build or run, not {mode!r}")
    prefix = "coco_gpu_" if target == "gpu" else "coco_rt_"
    os.makedirs(work, exist_ok=True)
    shape_file = os.path.join(work, "shape.txt")
    wanted = tuple(int(d) for d in args.shape.split(",")) if args.shape else None
    if mode == "run":
        B, S, H = wanted or (tuple(int(d) for d in open(shape_file).read().split(","))
                             if os.path.exists(shape_file) else DEFAULT_SHAPE)
    else:
        text = open(source).read()
        B, S, H = layer_shape(text)
        if wanted and wanted != (B, S, H):
            text = reshape_layer(text, (B, S, H), wanted)
            B, S, H = wanted
            source = os.path.join(work, f"layer-{B}x{S}x{H}.mlir")
            with open(source, "w") as f:
                f.write(text)
        with open(shape_file, "w") as f:
            f.write(f"{B},{S},{H}\n")
    inputs, expected = h.layer_inputs(5, B, S, H)

    lower = f"coco-lower-to-{target}"
    overlap = lower + "{overlap-chunks=2}"
    script = [f"--transform-preload-library=transform-library-paths={SCRIPT}",
              "--transform-interpreter"]
    schedules = [("MM-AR-C", [], lower),
                 ("MM-RS-C-AG", ["--coco-split", "--coco-reorder"], lower),
                 ("ol(MM,AR)-C", [], overlap),
                 ("ol(MM,RS)-C-AG", ["--coco-split=dim=2", "--coco-reorder"], overlap),
                 ("ol(MM,RS)-C-AG (transform script)", script, lower)]
    exes = {}
    for name, passes, pipeline in schedules:
        exes[name] = os.path.join(work, re.sub(r"[^A-Za-z0-9-]", "_", name) + ".exe")
        if mode != "run":
            if name.startswith("ol("):
                h.assert_overlapped(name, source, passes, pipeline, prefix)
            subprocess.run(["coco-compile", source, "-o", exes[name], "--target", target,
                            "--pipeline", pipeline] + [f"--pre-pass={q}" for q in passes],
                           check=True)
    if mode == "build":
        print(f"built {len(schedules)} layer schedules in {work} ({B}x{S}x{H})")
        return
    for ranks in rank_counts:
        results = check(schedules, exes, ranks, inputs, expected, (B, S, H))
        if args.fused_chunk_bytes is not None and target == "cpu":
            check_fused(source, work, ranks, args.fused_chunk_bytes, inputs, (B, S, H), results)
        if args.autoschedule is not None and target == "cpu":
            check_autoschedule(source, work, ranks, args.autoschedule, inputs, (B, S, H),
                               results)


def check(schedules, exes, ranks, inputs, expected, shape):
    results = {}
    for name, _, _ in schedules:
        out, _ = h.run(exes[name], ranks, inputs=inputs,
                       outputs={"z": (np.float32, shape)})
        for k in range(1, ranks):
            h.check_equal(f"{name} z rank {k} vs rank 0", out["z"][k], out["z"][0])
        results[name] = out["z"][0]
    h.check_close("MM-AR-C z", results["MM-AR-C"], expected, 1e-5, 1e-5,
                  "numpy's matmul sums in another order")
    print(f"MM-AR-C on {ranks} ranks: matches numpy")
    if ranks == 2:
        h.check_equal("MM-RS-C-AG z", results["MM-RS-C-AG"], results["MM-AR-C"])
    else:
        h.check_close("MM-RS-C-AG z", results["MM-RS-C-AG"], results["MM-AR-C"], 1e-5, 1e-6,
                      "ring vs MPI reduction order")
    print(f"MM-RS-C-AG on {ranks} ranks: matches MM-AR-C")
    # Chunking changes no sum: every element is computed and reduced the same
    # way, only in two blocks whose communication overlaps the next matmul.
    how = h.check_chunked_product("ol(MM,AR)-C z", results["ol(MM,AR)-C"], results["MM-AR-C"])
    print(f"ol(MM,AR)-C on {ranks} ranks: matches MM-AR-C {how}")
    # Row blocks reduce-scattered along H (the runtime's non-blocking
    # reduce_scatter, which sums in the ring's order; uneven blocks where H's
    # are): on 2 ranks two-term sums again; on 3 and 4, another order than
    # the all_reduce's.
    if ranks == 2:
        h.check_chunked_product("ol(MM,RS)-C-AG z", results["ol(MM,RS)-C-AG"], results["MM-AR-C"])
    else:
        h.check_close("ol(MM,RS)-C-AG z", results["ol(MM,RS)-C-AG"], results["MM-AR-C"], 1e-5,
                      1e-6, "ring reduce_scatter vs MPI's all_reduce order")
    print(f"ol(MM,RS)-C-AG on {ranks} ranks: matches MM-AR-C")
    h.check_equal("ol(MM,RS)-C-AG (transform script) z",
                  results["ol(MM,RS)-C-AG (transform script)"], results["ol(MM,RS)-C-AG"])
    print(f"ol(MM,RS)-C-AG (transform script) on {ranks} ranks: matches the passes bitwise")
    return results


def check_autoschedule(source, work, ranks, profile, inputs, shape, results):
    """The layer under coco-autoschedule for `ranks`: whichever schedule it
    picks (AR-C, RS-C-AG or ol(MM,AR)-C in 2 to 8 chunks) computes the same
    products and sums as MM-AR-C, and the runtime counts the collectives
    that schedule calls (an overlap: one non-blocking all_reduce per
    chunk, no blocking one)."""
    auto = f"--coco-autoschedule=profile={profile} ranks={ranks}"
    chosen = h.autoschedule_choice(source, [auto])
    print(f"coco-autoschedule on {ranks} ranks: chose {chosen}")
    exe = os.path.join(work, f"autoschedule-{ranks}.exe")
    subprocess.run(["coco-compile", source, "-o", exe, "--pipeline", "coco-lower-to-cpu",
                    f"--pre-pass={auto}"], check=True)
    out, printed = h.run(exe, ranks, inputs=inputs, outputs={"z": (np.float32, shape)},
                         env={"COCO_PROFILE": "1"})
    # The program that ran is the schedule the remark names: the runtime's
    # own count of its calls (one step).
    calls = {op: sum(h.profile_calls(printed, op).values())
             for op in ("coco.all_reduce", "coco.iall_reduce", "coco.reduce_scatter")}
    overlapped = re.fullmatch(r"ol\(MM,AR\)-C x(\d+)", chosen)
    expected_calls = {"coco.all_reduce": int(chosen == "AR-C"),
                      "coco.iall_reduce": int(overlapped.group(1)) if overlapped else 0,
                      "coco.reduce_scatter": int(chosen == "RS-C-AG")}
    assert calls == expected_calls, f"chose {chosen}, ran {calls}"
    print(f"coco-autoschedule on {ranks} ranks: ran " +
          ", ".join(f"{n} {op}" for op, n in calls.items() if n))
    for k in range(1, ranks):
        h.check_equal(f"autoschedule z rank {k} vs rank 0", out["z"][k], out["z"][0])
    if chosen == "AR-C" or (chosen == "RS-C-AG" and ranks == 2):
        # The same two-term sums on 2 ranks (see check).
        h.check_equal("autoschedule z", out["z"][0], results["MM-AR-C"])
        how = "bitwise"
    elif chosen == "RS-C-AG" and ranks != 2:
        h.check_close("autoschedule z", out["z"][0], results["MM-AR-C"], 1e-5, 1e-6,
                      "ring vs MPI reduction order")
        how = "within rtol 1e-5 (ring vs MPI reduction order)"
    else:
        how = h.check_chunked_product("autoschedule z", out["z"][0], results["MM-AR-C"])
    print(f"coco-autoschedule on {ranks} ranks: matches MM-AR-C {how}")


def check_fused(source, work, ranks, chunk_bytes, inputs, shape, results):
    """MM-RS-C-AG with its reduce_scatter folded into the loop of bias,
    dropout and residual (coco-fuse-reduce-scatter): an all_to_all of the
    other ranks' blocks, summed where the loop reads them; the exchange
    whole, then in chunks of `chunk_bytes` (coco-chunk-exchange), each chunk
    summed by the loop over its rows. The dropout's mask is a function of
    the global element index, which the chunked loop must shift by its
    chunk's start row. The fold needs the grid's size, so the layer is
    compiled for `ranks`; where the blocks are unequal each rank receives
    into slots of the largest block, and the exchange stays whole (with the
    warning the chunk size asks for).
    """
    text = open(source).read()
    assert "coco.grid @tp(shape = [?])" in text, f"{source}: no `coco.grid @tp(shape = [?])`"
    static = os.path.join(work, f"layer-on-{ranks}.mlir")
    with open(static, "w") as f:
        f.write(text.replace("coco.grid @tp(shape = [?])", f"coco.grid @tp(shape = [{ranks}])"))
    passes = ["--coco-split", "--coco-reorder"]
    scheduled = subprocess.run(["coco-opt", static, *passes], check=True, capture_output=True,
                               text=True).stdout
    line = h.source_lines(source, ("y",))["y"]
    whole = None
    for label, size in (("exchange whole", 0), (f"exchange in chunks of {chunk_bytes} bytes",
                                                  chunk_bytes)):
        name = f"fuse(MM-RS)-C-AG, {label}"
        pipeline = f"coco-lower-to-cpu{{fuse-reduce-scatter=true exchange-chunk-bytes={size}}}"
        remarks = subprocess.run(
            ["coco-opt", f"--pass-pipeline=builtin.module({pipeline})",
             "--remarks-filter=coco-fuse-reduce-scatter|coco-chunk-exchange", "-o", os.devnull],
            input=scheduled, check=True, capture_output=True, text=True).stderr
        refused = re.search(r"\[Missed\] not-applied \| Category:coco-fuse-reduce-scatter .*"
                            r"Remark=\"this reduce_scatter stays unfused: ([^\"]+)\"", remarks)
        folded = re.search(r"\[Passed\] applied \| Category:coco-fuse-reduce-scatter", remarks)
        chunks = h.exchange_chunks(remarks)
        exe = os.path.join(work, f"fused-{size}-on-{ranks}.exe")
        subprocess.run(["coco-compile", static, "-o", exe, "--pipeline", pipeline]
                       + [f"--pre-pass={q}" for q in passes], check=True)
        out, printed = h.run(exe, ranks, inputs=inputs, outputs={"z": (np.float32, shape)},
                             env={"COCO_PROFILE": "1"})
        for k in range(1, ranks):
            h.check_equal(f"{name} z rank {k} vs rank 0", out["z"][k], out["z"][0])
        z = out["z"][0]
        calls = h.profile_calls(printed, "coco.all_to_all").get(line, 0)
        if not folded:
            assert refused and not chunks and not calls, f"{name}: {remarks}"
            h.check_equal(f"{name} z", z, results["MM-RS-C-AG"])
            print(f"{name} on {ranks} ranks: left unfused ({refused.group(1)}); "
                  f"matches MM-RS-C-AG bitwise")
            continue
        if size == 0:
            assert not chunks and calls, f"{name}: chunks {chunks}, {calls} exchange calls"
            whole = (z, calls)
            # The fold sums each element's partial sums in rank order, as
            # MM-RS-C-AG's reduce_scatter does on 2 ranks; on more, MPI's
            # reduce_scatter has an order of its own.
            if ranks == 2:
                h.check_equal(f"{name} z", z, results["MM-RS-C-AG"])
            else:
                h.check_close(f"{name} z", z, results["MM-RS-C-AG"], 1e-5, 1e-6,
                              "rank order vs MPI's reduce_scatter order")
            print(f"{name} on {ranks} ranks: matches MM-RS-C-AG "
                  f"{'bitwise' if ranks == 2 else 'within rtol 1e-5'}")
            continue
        # Chunking changes no sum: every row is summed as the whole exchange
        # sums it, and the runtime counts one exchange call per chunk (with
        # uneven blocks, per window: the same trips on every rank).
        assert len(chunks) == 1, f"{name}: {remarks}"
        per_chunk, rows, uneven = chunks[0]
        expected_calls = whole[1] * -(-rows // per_chunk)
        assert calls == expected_calls, f"{name}: {calls} exchange calls, expected {expected_calls}"
        h.check_equal(f"{name} z", z, whole[0])
        print(f"{name} on {ranks} ranks: {-(-rows // per_chunk)} "
              f"{'windows' if uneven else 'chunks'} of {per_chunk} of "
              f"{'up to ' if uneven else ''}{rows} rows; matches the whole exchange bitwise")


if __name__ == "__main__":
    main()
