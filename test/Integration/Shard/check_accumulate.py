"""Runs accumulate.mlir on N ranks: rank r gives g = 1 + (k + r) / 128
(exact in bf16, 8 significant bits), c = 100 + k + r (i8) and flags t; `gsum`
must be the sum in f32 (which needs more bits than bf16 has), `csum` the sum
in i32 (beyond i8's 127) and `count` the number of true flags, on every
rank."""
import sys

import numpy as np

import coco_harness as h

exe, ranks = sys.argv[1], int(sys.argv[2])
k = np.arange(6)
g = [(1 + (k + r) / 128).astype(np.float32) for r in range(ranks)]
c = [(100 + k + r).astype(np.int8) for r in range(ranks)]
t = [((k + r) % 3 != 0) for r in range(ranks)]
# bf16 bits of values that bf16 holds exactly: the f32's upper half.
g_bits = [(x.view(np.uint32) >> 16).astype(np.uint16) for x in g]
assert all(np.array_equal((b.astype(np.uint32) << 16).view(np.float32), x) for b, x in zip(g_bits, g))
out, _ = h.run(exe, ranks, local_inputs={"g": g_bits, "c": c, "t": t},
               outputs={"gsum": (np.float32, (6,)), "csum": (np.int32, (6,)),
                        "count": (np.int32, (6,))})
gsum = np.sum(g, axis=0, dtype=np.float32)
csum = np.sum([x.astype(np.int32) for x in c], axis=0)
count = np.sum(t, axis=0, dtype=np.int32)
# The point of accumulating in f32: bf16 could not hold these sums.
gsum_bits = gsum.view(np.uint32)
assert np.any(gsum_bits & 0xFFFF), "the f32 sums must need more bits than bf16"
assert csum.max() > 127
for r in range(ranks):
    h.check_equal(f"gsum on rank {r}", out["gsum"][r], gsum)
    h.check_equal(f"csum on rank {r}", out["csum"][r], csum)
    h.check_equal(f"count on rank {r}", out["count"][r], count)
print(f"shard accumulation on {ranks} ranks: bf16 summed in f32, i8 in i32 and i1 counted in i32, exactly")
