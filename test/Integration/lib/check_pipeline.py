"""The pipeline-parallel layer (test/Integration/PipelineParallel/layer.mlir)
on N ranks = 2 stages x T tensor-parallel ranks: AR-P2P-C against numpy, and
RS-P2P-C-AG (as passes and as a transform script), ol(MM,AR)-P2P-C and
ol(MM,RS)-P2P-C-AG against AR-P2P-C.

numpy computes x @ W with its own summation order: rtol 1e-5. The schedules
must match AR-P2P-C bitwise: with T <= 2 every reduction adds at most two
values (the same bits in either order), the receiver's pointwise work is
elementwise (on a slice or whole, the same operations per element; dropout
hashes the global index), and chunking the matmul changes no sum.

usage: check_pipeline.py LAYER.mlir RANKS WORKDIR
"""
import os
import re
import subprocess
import sys

import numpy as np

import coco_harness as h

HERE = os.path.dirname(os.path.abspath(__file__))
SCRIPT = os.path.join(HERE, "..", "PipelineParallel", "schedules", "rs-p2p-c-ag.mlir")


def main():
    source, ranks, work = sys.argv[1], int(sys.argv[2]), sys.argv[3]
    os.makedirs(work, exist_ok=True)
    tp = ranks // 2
    # Ranks are numbered row-major over the grid [2, T]: stage = rank // T.
    stage = [k // tp for k in range(ranks)]
    B, S, H = 4, 8, 16
    inputs, expected = h.layer_inputs(11, B, S, H)
    r = inputs["r"]

    pipeline_send = ["--coco-pipeline-send", "--coco-reorder"]
    script = [f"--transform-preload-library=transform-library-paths={SCRIPT}",
              "--transform-interpreter"]
    variants = [("AR-P2P-C", [], "coco-lower-to-cpu"),
                ("RS-P2P-C-AG", pipeline_send, "coco-lower-to-cpu"),
                ("RS-P2P-C-AG (transform script)", script, "coco-lower-to-cpu"),
                ("ol(MM,AR)-P2P-C", [], "coco-lower-to-cpu{overlap-chunks=2}"),
                # Sent sliced along H, so the matmul's row blocks are
                # reduce-scattered without blocking (ol(MM,RS)).
                ("ol(MM,RS)-P2P-C-AG", ["--coco-pipeline-send=dim=2", "--coco-reorder"],
                 "coco-lower-to-cpu{overlap-chunks=2}")]
    baseline = None
    for name, passes, pipeline in variants:
        if passes:
            # The schedule really happened: stage 0 sends a slice, no
            # all_reduce is left, the receiver's dropout runs on the slice.
            ir = subprocess.run(["coco-opt", source, *passes], check=True,
                                capture_output=True, text=True).stdout
            assert "coco.all_reduce" not in ir, name
            assert re.search(r"coco\.send .* along 0 : !coco\.dtensor<4x8x16xf32, sliced<\d>", ir), name
            assert re.search(r"coco\.dropout .* : !coco\.dtensor<4x8x16xf32, sliced<\d>", ir), name
        if "ol(" in name:
            h.assert_overlapped(name, source, passes, pipeline)
        exe = os.path.join(work, re.sub(r"[^A-Za-z0-9-]+", "_", name) + ".exe")
        subprocess.run(["coco-compile", source, "-o", exe, "--pipeline", pipeline]
                       + [f"--pre-pass={q}" for q in passes], check=True)
        out, _ = h.run(exe, ranks, inputs=inputs,
                       outputs={"z": (np.float32, (B, S, H))})
        z = out["z"]
        for k in range(ranks):
            reference = z[tp] if stage[k] == 1 else r
            h.check_equal(f"{name} z on rank {k} (stage {stage[k]})", z[k], reference)
        if baseline is None:
            baseline = z[tp]
            h.check_close(f"{name} z", baseline, expected, 1e-5, 1e-5,
                          "numpy's matmul sums in another order")
            print(f"{name} on {ranks} ranks (2 stages x {tp}): stage 1 matches numpy, "
                  "stage 0 returns r")
        elif name.startswith("ol("):
            how = h.check_chunked_product(f"{name} z", z[tp], baseline)
            print(f"{name} on {ranks} ranks (2 stages x {tp}): matches AR-P2P-C {how}")
        else:
            h.check_equal(f"{name} z", z[tp], baseline)
            print(f"{name} on {ranks} ranks (2 stages x {tp}): matches AR-P2P-C bitwise")


if __name__ == "__main__":
    main()
