"""Runs reorder-sliced-operand.mlir on N ranks: y = x + w on each rank's
block (numpy.array_split), z = x * x whole on every rank."""
import sys

import numpy as np

import coco_harness as h

exe, ranks = sys.argv[1], int(sys.argv[2])
x = np.arange(7, dtype=np.float32) + 1.5
w = np.arange(7, dtype=np.float32) * -10
xb, wb = np.array_split(x, ranks), np.array_split(w, ranks)
out, _ = h.run(exe, ranks, inputs={"x": x, "w": w},
               outputs={"y": (np.float32, lambda r: xb[r].shape), "z": (np.float32, (7,))})
for r in range(ranks):
    h.check_equal(f"y on rank {r}", out["y"][r], xb[r] + wb[r])
    h.check_equal(f"z on rank {r}", out["z"][r], x * x)
print(f"reorder with a sliced operand on {ranks} ranks: y and z as numpy's")
