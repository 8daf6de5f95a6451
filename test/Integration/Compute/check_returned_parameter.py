"""Runs returned-parameter.mlir on N ranks: each parameter comes back
negated, each result is the parameter's old value (a block of it where
sliced)."""
import sys

import numpy as np

import coco_harness as h

exe, ranks = sys.argv[1], int(sys.argv[2])
x1 = np.arange(1, 6, dtype=np.float32)
x2 = np.arange(1, 8, dtype=np.float32) * 10
x3 = np.arange(1, 6, dtype=np.float32) * 100
x4 = np.arange(1, 6, dtype=np.float32) * 1000
blocks = np.array_split(x2, ranks)
block = lambda r: blocks[r].shape
out, _ = h.run(exe, ranks, inputs=dict(x1=x1, x2=x2, x4=x4),
               local_inputs={"x3": [x3 + r for r in range(ranks)]},
               outputs={"x1": (np.float32, (5,)), "x2": (np.float32, block),
                        "x3": (np.float32, (5,)), "x4": (np.float32, (5,)),
                        "s1": (np.float32, (5,)), "s2": (np.float32, block),
                        "s3": (np.float32, (5,)), "s4": (np.float32, (5,))})
for r in range(ranks):
    h.check_equal(f"x1 on rank {r}", out["x1"][r], -x1)
    h.check_equal(f"x2 on rank {r}", out["x2"][r], -blocks[r])
    h.check_equal(f"x3 on rank {r}", out["x3"][r], -(x3 + r))
    h.check_equal(f"x4 on rank {r}", out["x4"][r], -x4)
    h.check_equal(f"s1 on rank {r}", out["s1"][r], x1)
    h.check_equal(f"s2 on rank {r}", out["s2"][r], blocks[r])
    h.check_equal(f"s3 on rank {r}", out["s3"][r], x3 + r)
    h.check_equal(f"s4 on rank {r}", out["s4"][r], x4)
print(f"returned parameters on {ranks} ranks: every parameter updated, every result its old value")
