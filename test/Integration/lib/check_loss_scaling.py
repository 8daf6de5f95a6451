"""test/Integration/DataParallel/loss-scaling.mlir on N ranks: a finite
step (w - lr * sum(g) / scale, against numpy in f64 within a relative 1e-6:
the ranks' sum order and f32 rounding) and a step with an inf in one rank's
gradient (w unchanged, bitwise, on every rank), for the plain and the
reordered program; the reordered against the plain one (skipped: bitwise;
finite: within the same 1e-6, since the all_reduce and the reduce_scatter
may add the ranks' gradients in different orders, as on 4 ranks).

usage: check_loss_scaling.py WORKDIR RANKS   (WORKDIR holds plain.exe,
reordered.exe)
"""
import os
import sys

import numpy as np

import coco_harness as h

N = 11
LR, SCALE = 0.5, 4.0


def main():
    work, ranks = sys.argv[1], int(sys.argv[2])
    rng = np.random.default_rng(ranks)
    w = rng.standard_normal(N).astype(np.float32)
    grads = [rng.standard_normal(N).astype(np.float32) for _ in range(ranks)]
    overflowed = [g.copy() for g in grads]
    overflowed[ranks - 1][N // 2] = np.inf
    expected = w - LR * (np.sum(np.stack(grads).astype(np.float64), axis=0) / SCALE)
    got = {}
    for name in ("plain", "reordered"):
        for case, g in (("finite", grads), ("overflow", overflowed)):
            out, _ = h.run(os.path.join(work, f"{name}.exe"), ranks, inputs={"w": w},
                           local_inputs={"g": g}, outputs={"z": (np.float32, (N,))},
                           env={"COCO_TIMEOUT_S": "20"})
            got[name, case] = out["z"]
            for k in range(ranks):
                z = out["z"][k]
                if case == "finite":
                    h.check_close(f"{name} finite z on rank {k}", z, expected, 1e-6, 1e-7,
                                  "the ranks' sum order and f32 rounding")
                else:
                    h.check_equal(f"{name} skipped z on rank {k}", z, w)
    for k in range(ranks):
        h.check_close(f"reordered finite z on rank {k}", got["reordered", "finite"][k],
                      got["plain", "finite"][k], 1e-6, 1e-7, "the ranks' sum order")
        h.check_equal(f"reordered skipped z on rank {k}", got["reordered", "overflow"][k],
                      got["plain", "overflow"][k])
    print(f"on {ranks} ranks: finite step matches numpy, non-finite step skipped on every "
          "rank; reordered matches plain")


if __name__ == "__main__":
    main()
