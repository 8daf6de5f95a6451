"""Runs offsets.mlir on N ranks with a global 7x2 input: rank r's block of
the result must be numpy.array_split's block r of the input."""
import sys

import numpy as np

import coco_harness as h

exe, ranks = sys.argv[1], int(sys.argv[2])
b = (np.arange(14, dtype=np.float32) * 1.5 - 4).reshape(7, 2)
blocks = np.array_split(b, ranks, axis=0)
out, _ = h.run(exe, ranks, inputs={"b": b},
               outputs={"c": (np.float32, lambda r: blocks[r].shape)})
for r in range(ranks):
    h.check_equal(f"c on rank {r}", out["c"][r], blocks[r])
rows = ", ".join(str(len(x)) for x in blocks)
print(f"shard offsets [0, 3, 5, 7] on {ranks} ranks: blocks of {rows} rows in and out")
