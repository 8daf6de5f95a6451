"""Runs test/Integration/Collectives/collectives.mlir's program on N ranks and
checks each collective against numpy computed from every rank's input.

Inputs are small integers scaled by 1/8 (exact in f16 and bf16), so sums,
products, min and max are exact in any order; only avg divides (exact too,
for 2 and 4 ranks). Every comparison is bitwise.

usage: check_collectives.py EXE RANKS
"""
import sys

import numpy as np

import coco_harness as h
from coco.dtypes import from_storage, to_storage

SHAPE = (8, 12)


def bf16_round(x):
    """Rounds float32 values to bfloat16 (nearest even) and back."""
    return from_storage(to_storage(np.asarray(x, dtype=np.float32), "bf16"), "bf16")


def main():
    exe, R = sys.argv[1], int(sys.argv[2])
    rng = np.random.default_rng(7)
    xs = [(rng.integers(-8, 9, SHAPE) / 8).astype(np.float32) for _ in range(R)]
    xis = [rng.integers(-100, 100, SHAPE).astype(np.int32) for _ in range(R)]
    s0 = (rng.integers(-8, 9, SHAPE) / 8).astype(np.float32)
    s1 = (rng.integers(-8, 9, SHAPE) / 8).astype(np.float32)
    rep = (rng.integers(-8, 9, SHAPE) / 8).astype(np.float32)

    rows, cols = SHAPE[0] // R, SHAPE[1] // R
    f32, full = np.float32, SHAPE
    outputs = {
        "ar_sum": (f32, full), "ar_prod": (f32, full), "ar_min": (f32, full),
        "ar_max": (f32, full), "ar_avg": (f32, full), "rs_dim0": (f32, (rows, 12)),
        "rs_dim1": (f32, (8, cols)), "ag_dim0": (f32, full), "ag_dim1": (f32, full),
        "bcast": (f32, full), "reduce": (f32, full), "a2a": (f32, (8, cols)),
        "slice": (f32, (8, cols)), "ring": (f32, full), "ar_i32": (np.int32, full),
        "ar_f16": (np.float16, full), "ar_bf16": (f32, full), "ar_f64_max": (np.float64, full),
        "rs_max": (f32, (rows, 12)), "ag_of_column_slice": (f32, full),
    }
    result, _ = h.run(exe, R, inputs=dict(s0=s0, s1=s1, rep=rep),
                      local_inputs=dict(x=xs, xi=xis), outputs=outputs)

    total = sum(xs[1:], xs[0].copy())
    expected_replicated = {
        "ar_sum": total,
        "ar_prod": np.prod(np.stack(xs), axis=0).astype(np.float32),
        "ar_min": np.min(np.stack(xs), axis=0),
        "ar_max": np.max(np.stack(xs), axis=0),
        "ar_avg": (total / np.float32(R)).astype(np.float32),
        "ag_dim0": s0, "ag_dim1": s1,
        "bcast": xs[1],
        "ar_i32": sum(xis[1:], xis[0].copy()),
        "ar_f16": sum([x.astype(np.float16) for x in xs[1:]], xs[0].astype(np.float16)),
        "ar_bf16": bf16_round(total),
        "ar_f64_max": np.max(np.stack(xs), axis=0).astype(np.float64),
        "ag_of_column_slice": rep,
    }
    for name, exp in expected_replicated.items():
        for r in range(R):
            h.check_equal(f"{name} on rank {r}", result[name][r], exp)
    for r in range(R):
        h.check_equal(f"rs_dim0 on rank {r}", result["rs_dim0"][r], h.slices(total, R, 0)[r])
        h.check_equal(f"rs_dim1 on rank {r}", result["rs_dim1"][r], h.slices(total, R, 1)[r])
        h.check_equal(f"rs_max on rank {r}", result["rs_max"][r],
                      h.slices(expected_replicated["ar_max"], R, 0)[r])
        h.check_equal(f"reduce on rank {r}", result["reduce"][r], total if r == 0 else xs[r])
        h.check_equal(f"a2a on rank {r}", result["a2a"][r], h.slices(s0, R, 1)[r])
        h.check_equal(f"slice on rank {r}", result["slice"][r], h.slices(rep, R, 1)[r])
        h.check_equal(f"ring on rank {r}", result["ring"][r], xs[(r - 1) % R])
    print(f"collectives on {R} ranks: {len(outputs)} results match numpy")


if __name__ == "__main__":
    main()
