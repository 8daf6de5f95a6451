"""Data-parallel LAMB step (per-tensor trust ratio). Under RS-C-AG the norm
of the sliced update becomes partial sums + an all_reduce (coco-reorder).

    PYTHONPATH=python python3 python/examples/lamb.py
"""
import numpy as np

import coco


def build(n=1 << 16, grid=coco.Grid("dp")):
    prog = coco.Program("lamb", grid)
    w, g = prog.param("w", (n,)), prog.param("g", (n,), layout="local")
    m, v = prog.param("m", (n,), init="Zeros"), prog.param("v", (n,), init="Zeros")
    lr, b1, b2, eps, wd, t = (prog.scalar(k, x) for k, x in [("lr", 1e-3), ("beta1", 0.9),
                              ("beta2", 0.999), ("eps", 1e-6), ("weight_decay", 0.01), ("step", 1.0)])
    grad = coco.all_reduce(g)
    m2, v2 = m * b1 + grad * (1 - b1), v * b2 + grad * grad * (1 - b2)
    u = (m2 / (1 - b1 ** t)) / (coco.sqrt(v2 / (1 - b2 ** t)) + eps) + w * wd
    trust = coco.norm(w).item() / coco.norm(u).item()  # norms are > 0 here
    prog.update(w, w - u * (lr * trust))
    prog.update(m, m2)
    prog.update(v, v2)
    return prog


if __name__ == "__main__":
    n, rng = 1 << 16, np.random.default_rng(0)
    prog = build(n).schedule(split=True, reorder=True, shard_state=["m", "v"])
    out = prog.compile().run(ranks=2, inputs={
        "w": rng.standard_normal(n, dtype=np.float32), "m": np.zeros(n, np.float32),
        "v": np.zeros(n, np.float32), "g": [rng.standard_normal(n, dtype=np.float32) for _ in range(2)]})
    print("w[:4] =", out["w"][:4])
