"""test/Integration/DataParallel/loss-scaling.mlir on N ranks: a finite
step (w - lr * sum(g) / scale, against numpy in f64 within a relative 1e-6:
the ranks' sum order and f32 rounding) and a step with an inf in one rank's
gradient (w unchanged, bitwise, on every rank), for the plain and the
reordered program; the reordered against the plain one (skipped: bitwise;
finite: within the same 1e-6, since the all_reduce and the reduce_scatter
may add the ranks' gradients in different orders, as on 4 ranks).

With --tp TP (test/Integration/NDParallel/loss-scaling-2d.mlir): a grid
of N / TP data-parallel rows of TP ranks, world ranks row-major; the
gradient is local on the rows and replicated across a row (the TP ranks of
a row hold the same gradient), and the sum runs over the rows only. With
--max-norm M the step also clips the unscaled gradient to norm M
(torch.nn.utils.clip_grad_norm_ after GradScaler.unscale_), so w depends
on the norm's value and not only on its being finite: a norm summed over
the wrong ranks moves w.

usage: check_loss_scaling.py WORKDIR RANKS [--tp TP] [--max-norm M]
(WORKDIR holds plain.exe, reordered.exe)
"""
import argparse
import os
import sys

import numpy as np

import coco_harness as h

N = 11
LR, SCALE = 0.5, 4.0


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("work")
    parser.add_argument("ranks", type=int)
    parser.add_argument("--tp", type=int, default=1)
    parser.add_argument("--max-norm", type=float)
    args = parser.parse_args()
    work, ranks, tp = args.work, args.ranks, args.tp
    rows = ranks // tp
    rng = np.random.default_rng(ranks)
    w = rng.standard_normal(N).astype(np.float32)
    row_grads = [rng.standard_normal(N).astype(np.float32) for _ in range(rows)]
    overflowed_rows = [g.copy() for g in row_grads]
    overflowed_rows[rows - 1][N // 2] = np.inf
    # World rank k is in row k // tp.
    grads = [row_grads[k // tp] for k in range(ranks)]
    overflowed = [overflowed_rows[k // tp] for k in range(ranks)]
    unscaled = np.sum(np.stack(row_grads).astype(np.float64), axis=0) / SCALE
    if args.max_norm is not None:
        clip = min(1.0, args.max_norm / np.linalg.norm(unscaled))
        if clip == 1.0:
            sys.exit("the gradient is not clipped: the test would not see its norm")
        unscaled *= clip
    expected = w - LR * unscaled
    got = {}
    for name in ("plain", "reordered"):
        for case, g in (("finite", grads), ("overflow", overflowed)):
            # The program's max_norm is the one the reference clips to.
            scalars = {} if args.max_norm is None else {"max_norm": args.max_norm}
            out, _ = h.run(os.path.join(work, f"{name}.exe"), ranks, inputs={"w": w},
                           local_inputs={"g": g}, scalars=scalars,
                           outputs={"z": (np.float32, (N,))}, env={"COCO_TIMEOUT_S": "20"})
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
    grid = f" ({rows} x {tp})" if tp > 1 else ""
    grid += ", clipped to a norm" if args.max_norm is not None else ""
    print(f"on {ranks} ranks{grid}: finite step matches numpy, non-finite step skipped on every "
          "rank; reordered matches plain")


if __name__ == "__main__":
    main()
