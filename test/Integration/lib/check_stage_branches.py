"""test/Integration/NDParallel/reorder-in-stage-branches.mlir on N ranks =
2 stages x N/2: every rank's z against numpy (stage 0: exp(s) ||w|| within
a relative 1e-6, about 8 units in the last place, numpy's exp against
coco's; stage 1: 4 s, exact on integers), and the reordered program's z
against the plain one's (stage 1 equal, stage 0 within the same 1e-6: the
norm is computed from the slices there).

usage: check_stage_branches.py WORKDIR RANKS   (WORKDIR holds plain.exe,
reordered.exe)
"""
import os
import sys

import numpy as np

import coco_harness as h

N = 7


def main():
    work, ranks = sys.argv[1], int(sys.argv[2])
    tp = ranks // 2
    rng = np.random.default_rng(ranks)
    s = rng.integers(-4, 4, N).astype(np.float32)
    w = rng.integers(-5, 5, N).astype(np.float32)
    norm = np.sqrt(np.sum(w.astype(np.float64) ** 2))
    got = {}
    for name in ("plain", "reordered"):
        out, _ = h.run(os.path.join(work, f"{name}.exe"), ranks, inputs={"s": s, "w": w},
                       outputs={"z": (np.float32, (N,)), "u": (np.float32, (N,))},
                       env={"COCO_TIMEOUT_S": "20"})
        got[name] = out["z"]
        for k in range(ranks):
            z = out["z"][k]
            h.check_equal(f"{name} u on rank {k}", out["u"][k], 2 * w)
            if k // tp == 0:
                h.check_close(f"{name} z on rank {k} (stage 0)", z, np.exp(s) * norm, 1e-6, 0,
                              "numpy's exp and sum order against coco's")
            else:
                h.check_equal(f"{name} z on rank {k} (stage 1)", z, 4 * s)
    for k in range(ranks):
        if k // tp == 0:
            h.check_close(f"reordered z on rank {k}", got["reordered"][k], got["plain"][k],
                          1e-6, 0, "the norm's squares summed per slice")
        else:
            h.check_equal(f"reordered z on rank {k}", got["reordered"][k], got["plain"][k])
    print(f"on {ranks} ranks (2 stages x {tp}): every rank's z and u match numpy; "
          "reordered matches plain")


if __name__ == "__main__":
    main()
