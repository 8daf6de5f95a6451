"""Feeds each rank its shard (A's columns, B's rows) of the partitioned
program and checks every rank's result against numpy's A @ B (float32;
two-term sums in another order: rtol 1e-5)."""
import sys

import numpy as np

import coco_harness as h

exe = sys.argv[1]
rng = np.random.default_rng(2)
a = rng.standard_normal((8, 4), dtype=np.float32)
b = rng.standard_normal((4, 6), dtype=np.float32)
out, _ = h.run(exe, 2, local_inputs={"arg0": [a[:, :2], a[:, 2:]], "arg1": [b[:2], b[2:]]},
               outputs={"result0": (np.float32, (8, 6))})
for r in range(2):
    h.check_close(f"rank {r}", out["result0"][r], a @ b, 1e-5, 1e-6, "summation order")
print("shard matmul on 2 ranks: matches numpy")
