"""Data-parallel Adam step (torch.optim.Adam semantics) under CoCoNet's fused
RS-C-AG schedule with sharded state, on 2 MPI ranks.

    PYTHONPATH=python python3 python/examples/adam.py
"""
import numpy as np

import coco


def build(n=1 << 16, grid=coco.Grid("dp", [2])):
    prog = coco.Program("adam", grid)
    w, g = prog.param("w", (n,)), prog.param("g", (n,), layout="local")
    m, v = prog.param("m", (n,), init="Zeros"), prog.param("v", (n,), init="Zeros")
    lr, b1, b2, eps, t = (prog.scalar(k, x) for k, x in [("lr", 1e-3), ("beta1", 0.9),
                          ("beta2", 0.999), ("eps", 1e-8), ("step", 1.0)])
    grad = coco.all_reduce(g)
    m2 = m * b1 + grad * (1 - b1)
    v2 = v * b2 + grad * grad * (1 - b2)
    w2 = w - (m2 / (1 - b1 ** t)) / (coco.sqrt(v2 / (1 - b2 ** t)) + eps) * lr
    for param, value in [(w, w2), (m, m2), (v, v2)]:
        prog.update(param, value)
    return prog


if __name__ == "__main__":
    n, rng = 1 << 16, np.random.default_rng(0)
    prog = build(n).schedule(split=True, reorder=True, shard_state=["m", "v"], fuse=True)
    out = prog.compile().run(ranks=2, inputs={
        "w": rng.standard_normal(n, dtype=np.float32),
        "g": [rng.standard_normal(n, dtype=np.float32) for _ in range(2)],
        "m": np.zeros(n, np.float32), "v": np.zeros(n, np.float32)})
    print("w[:4] =", out["w"][:4], "| m, v stay sharded across steps")
