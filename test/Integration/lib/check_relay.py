"""The relay pipeline (test/Integration/PipelineParallel/relay.mlir) on N
ranks = N/2 stages x 2 tensor-parallel ranks, plain and after
coco-pipeline-send + coco-reorder, against numpy: stage k's z is r plus the
sum of its predecessor's p over that stage's ranks, stage 0's is r.

Integer-valued inputs keep every sum exact: equality on every rank.

usage: check_relay.py WORKDIR RANKS   (WORKDIR holds plain.exe, sliced.exe)
"""
import os
import sys

import numpy as np

import coco_harness as h

TP, N = 2, 5


def main():
    work, ranks = sys.argv[1], int(sys.argv[2])
    rng = np.random.default_rng(ranks)
    # Ranks are numbered row-major over the grid [stages, 2].
    stage = [k // TP for k in range(ranks)]
    p = [rng.integers(-8, 8, N).astype(np.float32) for _ in range(ranks)]
    r = rng.integers(-8, 8, N).astype(np.float32)
    want = []
    for k in range(ranks):
        if stage[k] == 0:
            want.append(r)
        else:
            sent = sum(p[q] for q in range(ranks) if stage[q] == stage[k] - 1)
            want.append(r + sent)
    for name, exe in [("plain", "plain.exe"), ("pipeline-send + reorder", "sliced.exe")]:
        out, _ = h.run(os.path.join(work, exe), ranks, inputs={"r": r},
                       local_inputs={"p": p}, outputs={"z": (np.float32, (N,))},
                       env={"COCO_TIMEOUT_S": "20"})
        for k in range(ranks):
            h.check_equal(f"{name} z on rank {k} (stage {stage[k]})", out["z"][k], want[k])
        print(f"{name} on {ranks} ranks: every rank's z matches numpy")


if __name__ == "__main__":
    main()
