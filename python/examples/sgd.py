"""Data-parallel SGD with momentum and weight decay, RS-C-AG schedule.

    PYTHONPATH=python python3 python/examples/sgd.py
"""
import numpy as np

import coco


def build(n=1 << 16, grid=coco.Grid("dp")):
    prog = coco.Program("sgd", grid)
    w, g, b = prog.param("w", (n,)), prog.param("g", (n,), layout="local"), prog.param("b", (n,))
    lr, mu, wd = prog.scalar("lr", 0.01), prog.scalar("momentum", 0.9), prog.scalar("weight_decay", 0.0)
    b2 = b * mu + (coco.all_reduce(g) + w * wd)
    prog.update(w, w - b2 * lr)
    prog.update(b, b2)
    return prog


if __name__ == "__main__":
    n, rng = 1 << 16, np.random.default_rng(0)
    prog = build(n).schedule(split=True, reorder=True)
    out = prog.compile().run(ranks=2, inputs={
        "w": rng.standard_normal(n, dtype=np.float32), "b": np.zeros(n, np.float32),
        "g": [rng.standard_normal(n, dtype=np.float32) for _ in range(2)]})
    print("w[:4] =", out["w"][:4])
