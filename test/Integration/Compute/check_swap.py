"""Checks the swap program: every rank's a and b come back exchanged."""
import sys

import numpy as np

import coco_harness as h

rng = np.random.default_rng(4)
a = rng.standard_normal((8, 4), dtype=np.float32)
b = rng.standard_normal((8, 4), dtype=np.float32)
out, _ = h.run(sys.argv[1], 2, inputs=dict(a=a, b=b),
               outputs={"a": (np.float32, (8, 4)), "b": (np.float32, (8, 4))})
for r in range(2):
    h.check_equal(f"a on rank {r}", out["a"][r], b)
    h.check_equal(f"b on rank {r}", out["b"][r], a)
print("swap on 2 ranks: a and b exchanged")
