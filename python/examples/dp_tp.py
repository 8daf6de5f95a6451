"""Data parallel x tensor parallel on a [DP, TP] grid: one training step of
a Megatron column-parallel linear layer y = x @ W with W's columns sliced
over TP, and an SGD update of W.

Per axis, the placements are: x, x^T and dy differ between data-parallel
ranks (local on axis 0); W and dy are column-sliced over tensor-parallel
ranks (sliced<1> on axis 1). The weight gradient x^T @ dy is then
[local, sliced<1>]: partial over DP, this TP rank's columns. all_reduce
along axis 0 sums it over DP only, giving W's placements back.

    PYTHONPATH=python python3 python/examples/dp_tp.py        # 4 MPI ranks
"""
import numpy as np

import coco


def build(B=3, H=8, F=7, grid=coco.Grid("g", [2, 2])):
    prog = coco.Program("dp_tp", grid)
    dp = coco.Local()
    x = prog.param("x", (B, H), placements=[dp])                    # a micro-batch per DP rank
    xt = prog.param("xt", (H, B), placements=[dp])                  # its transpose
    dy = prog.param("dy", (B, F), placements=[dp, coco.Sliced(1)])  # upstream gradient
    w = prog.param("w", (H, F), placements=[coco.Replicated(), coco.Sliced(1)])
    lr = prog.scalar("lr", 0.1)
    prog.output("y", coco.matmul(x, w))                            # [local, sliced<1>]
    grad = coco.all_reduce(coco.matmul(xt, dy), along=0)           # [local, sliced<1>] -> sliced<1> on TP
    dp_size = grid.shape[0]
    prog.update(w, w - grad * (lr / dp_size))                      # the mean over DP
    return prog


if __name__ == "__main__":
    rng = np.random.default_rng(0)
    B, H, F, DP, TP = 3, 8, 7, 2, 2
    xs = [rng.standard_normal((B, H), dtype=np.float32) for _ in range(DP)]
    dys = [rng.standard_normal((B, F), dtype=np.float32) for _ in range(DP)]
    w0 = rng.standard_normal((H, F), dtype=np.float32)
    # World rank r is (dp, tp) = divmod(r, TP); per-rank inputs of the global
    # shape are cut to the rank's block (dy's columns 0:4 or 4:7).
    per_rank = lambda values: [values[r // TP] for r in range(DP * TP)]  # noqa: E731
    out = build(B, H, F).compile().run(ranks=DP * TP, inputs={
        "x": per_rank(xs), "xt": per_rank([x.T for x in xs]), "dy": per_rank(dys), "w": w0})
    print("w[0, :4] =", out["w"][0, :4], "| y on rank 3:", out["y"][3].shape)
