"""Checks the imported shard matmuls against numpy's A @ B (float32; sums in
another order: rtol 1e-5).

  check_matmul.py EXE        matmul.mlir on 2 ranks: each rank is fed its
                             shard (A's columns, B's rows), as the
                             partitioned entry takes rank-local blocks;
  check_matmul.py EXE 2d     matmul-2d.mlir on a 2 x 2 grid: the entry's
                             recorded distributions (coco-shard-placements)
                             let the host take the global A and B.
"""
import sys

import numpy as np

import coco_harness as h

exe = sys.argv[1]
rng = np.random.default_rng(2)
a = rng.standard_normal((8, 4), dtype=np.float32)
b = rng.standard_normal((4, 6), dtype=np.float32)
if len(sys.argv) > 2 and sys.argv[2] == "2d":
    out, _ = h.run(exe, 4, inputs={"a": a, "b": b}, outputs={"c": (np.float32, (8, 6))})
    for r in range(4):
        h.check_close(f"rank {r}", out["c"][r], a @ b, 1e-5, 1e-6, "summation order")
    print("shard matmul on a 2 x 2 grid (K over both axes, global inputs): matches numpy")
else:
    out, _ = h.run(exe, 2, local_inputs={"arg0": [a[:, :2], a[:, 2:]], "arg1": [b[:2], b[2:]]},
                   outputs={"result0": (np.float32, (8, 6))})
    for r in range(2):
        h.check_close(f"rank {r}", out["result0"][r], a @ b, 1e-5, 1e-6, "summation order")
    print("shard matmul on 2 ranks: matches numpy")
