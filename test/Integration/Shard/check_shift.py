"""Runs the shift program on N ranks with per-rank inputs: rank r's `up` must
be rank (r - 1) mod N's input, its `down` rank (r + 1) mod N's."""
import sys

import numpy as np

import coco_harness as h

exe, ranks = sys.argv[1], int(sys.argv[2])
inputs = [np.arange(5, dtype=np.float32) + 100 * r for r in range(ranks)]
out, _ = h.run(exe, ranks, local_inputs={"x": inputs},
               outputs={"up": (np.float32, (5,)), "down": (np.float32, (5,))})
for r in range(ranks):
    h.check_equal(f"up on rank {r}", out["up"][r], inputs[(r - 1) % ranks])
    h.check_equal(f"down on rank {r}", out["down"][r], inputs[(r + 1) % ranks])
print(f"shard shift by +1 and -1 on {ranks} ranks: every rank holds its neighbours' tensors")
