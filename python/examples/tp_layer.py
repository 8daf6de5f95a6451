"""Megatron row-parallel linear layer: z = dropout(x @ W + b) + r with x and
W sliced over the tensor-parallel axis (MM-AR-C, MM-RS-C-AG with
split + reorder, or ol(MM, AR) with overlap=N chunks).

    PYTHONPATH=python python3 python/examples/tp_layer.py
"""
import numpy as np

import coco


def build(B=4, S=8, H=16, grid=coco.Grid("tp")):
    prog = coco.Program("layer", grid)
    x = prog.param("x", (B, S, H), layout="sliced", dim=2)
    w = prog.param("w", (H, H), layout="sliced", dim=0)
    b, r = prog.param("b", (H,)), prog.param("r", (B, S, H))
    y = coco.all_reduce(coco.matmul(x, w))
    z = coco.dropout(y + coco.expand(b, (B, S, H), [2]), p=0.1, seed=1234) + r
    prog.output("z", z)
    return prog


if __name__ == "__main__":
    rng = np.random.default_rng(0)
    prog = build().schedule(split=True, reorder=True)
    out = prog.compile().run(ranks=2, inputs={
        "x": rng.standard_normal((4, 8, 16), dtype=np.float32),
        "w": rng.standard_normal((16, 16), dtype=np.float32),
        "b": rng.standard_normal(16, dtype=np.float32), "r": np.zeros((4, 8, 16), np.float32)})
    print("z[0, 0, :4] =", out["z"][0, 0, :4])
