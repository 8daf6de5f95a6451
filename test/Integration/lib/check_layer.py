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
                      [--shape B,S,H]

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
        check(schedules, exes, ranks, inputs, expected, (B, S, H))


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
    # Row blocks reduce-scattered along H (MPI_Ireduce_scatter_block, or
    # MPI_Ireduce_scatter where H's blocks are uneven): on 2 ranks two-term
    # sums again; on 3 and 4, MPI's order.
    if ranks == 2:
        h.check_chunked_product("ol(MM,RS)-C-AG z", results["ol(MM,RS)-C-AG"], results["MM-AR-C"])
    else:
        h.check_close("ol(MM,RS)-C-AG z", results["ol(MM,RS)-C-AG"], results["MM-AR-C"], 1e-5,
                      1e-6, "MPI's reduce_scatter vs all_reduce order")
    print(f"ol(MM,RS)-C-AG on {ranks} ranks: matches MM-AR-C")
    h.check_equal("ol(MM,RS)-C-AG (transform script) z",
                  results["ol(MM,RS)-C-AG (transform script)"], results["ol(MM,RS)-C-AG"])
    print(f"ol(MM,RS)-C-AG (transform script) on {ranks} ranks: matches the passes bitwise")


if __name__ == "__main__":
    main()
