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

usage: check_layer.py LAYER.mlir RANKS WORKDIR [cpu|gpu] [both|build|run]

`build` only compiles every schedule into WORKDIR, `run` only runs what a
`build` left there (the lent GPU machine has no compiler:
tools/scripts/gpu-bundle.sh); LAYER.mlir is not read then.
"""
import os
import re
import subprocess
import sys

import numpy as np

import coco_harness as h

HERE = os.path.dirname(os.path.abspath(__file__))
SCRIPT = os.path.join(HERE, "..", "TensorParallel", "schedules", "ol-mm-rs-c-ag.mlir")


def main():
    source, ranks, work = sys.argv[1], int(sys.argv[2]), sys.argv[3]
    target = sys.argv[4] if len(sys.argv) > 4 else "cpu"
    mode = sys.argv[5] if len(sys.argv) > 5 else "both"
    if mode not in ("both", "build", "run"):
        sys.exit(f"check_layer.py: mode must be both, build or run, not {mode!r}")
    prefix = "coco_gpu_" if target == "gpu" else "coco_rt_"
    os.makedirs(work, exist_ok=True)
    B, S, H = 4, 8, 16
    inputs, expected = h.layer_inputs(5, B, S, H)

    results = {}
    lower = f"coco-lower-to-{target}"
    overlap = lower + "{overlap-chunks=2}"
    script = [f"--transform-preload-library=transform-library-paths={SCRIPT}",
              "--transform-interpreter"]
    schedules = [("MM-AR-C", [], lower),
                 ("MM-RS-C-AG", ["--coco-split", "--coco-reorder"], lower),
                 ("ol(MM,AR)-C", [], overlap),
                 ("ol(MM,RS)-C-AG", ["--coco-split=dim=2", "--coco-reorder"], overlap),
                 ("ol(MM,RS)-C-AG (transform script)", script, lower)]
    for name, passes, pipeline in schedules:
        exe = os.path.join(work, re.sub(r"[^A-Za-z0-9-]", "_", name) + ".exe")
        if mode != "run":
            if name.startswith("ol("):
                h.assert_overlapped(name, source, passes, pipeline, prefix)
            subprocess.run(["coco-compile", source, "-o", exe, "--target", target,
                            "--pipeline", pipeline] + [f"--pre-pass={q}" for q in passes],
                           check=True)
        if mode == "build":
            continue
        out, _ = h.run(exe, ranks, inputs=inputs,
                       outputs={"z": (np.float32, (B, S, H))})
        for k in range(1, ranks):
            h.check_equal(f"{name} z rank {k} vs rank 0", out["z"][k], out["z"][0])
        results[name] = out["z"][0]
    if mode == "build":
        print(f"built {len(schedules)} layer schedules in {work}")
        return
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
    h.check_equal("ol(MM,AR)-C z", results["ol(MM,AR)-C"], results["MM-AR-C"])
    print(f"ol(MM,AR)-C on {ranks} ranks: matches MM-AR-C bitwise")
    # Row blocks reduce-scattered along H (MPI_Ireduce_scatter_block): on 2
    # ranks two-term sums again; on 4, MPI's order.
    if ranks == 2:
        h.check_equal("ol(MM,RS)-C-AG z", results["ol(MM,RS)-C-AG"], results["MM-AR-C"])
    else:
        h.check_close("ol(MM,RS)-C-AG z", results["ol(MM,RS)-C-AG"], results["MM-AR-C"], 1e-5,
                      1e-6, "MPI's reduce_scatter vs all_reduce order")
    print(f"ol(MM,RS)-C-AG on {ranks} ranks: matches MM-AR-C")
    h.check_equal("ol(MM,RS)-C-AG (transform script) z",
                  results["ol(MM,RS)-C-AG (transform script)"], results["ol(MM,RS)-C-AG"])
    print(f"ol(MM,RS)-C-AG (transform script) on {ranks} ranks: matches the passes bitwise")


if __name__ == "__main__":
    main()
