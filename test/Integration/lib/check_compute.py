"""Runs test/Integration/Compute/compute.mlir's program on N ranks and checks
every compute op against numpy on the same inputs.

Single IEEE operations (+ - * / max min neg abs sqrt, select, casts) must be
bitwise equal to numpy's float32 results. exp/log/pow/rsqrt come from libm or
LLVM's expansion and may differ from numpy in the last place: rtol 1e-6.
Reductions and matmuls sum in a different order: rtol 1e-5.

usage: check_compute.py EXE RANKS
"""
import sys

import numpy as np

import coco_harness as h
import reference as ref


def main():
    exe, R = sys.argv[1], int(sys.argv[2])
    rng = np.random.default_rng(3)
    f32 = np.float32
    a = (rng.random((8, 6), dtype=f32) + f32(0.5))
    b = (rng.random((8, 6), dtype=f32) + f32(0.5))
    i = rng.integers(-1000, 1000, (8, 6)).astype(np.int32)
    j = rng.integers(-1000, 1000, (8, 6)).astype(np.int32)
    x = rng.standard_normal((2, 4, 8), dtype=f32)
    w = rng.standard_normal((8, 6), dtype=f32)
    wc = rng.standard_normal((6, 4), dtype=f32)
    s = rng.standard_normal((8, 6), dtype=f32)
    p, seed, e = 0.25, 7, 1.5

    R86, cols = (8, 6), 4 // R if R <= 4 else None
    outputs = {name: (f32, R86) for name in (
        "add", "sub", "mul", "div", "max", "min", "pow", "neg", "abs", "sqrt", "rsqrt",
        "exp", "log", "select", "const", "dropout")}
    outputs.update({
        "cast": (np.float16, R86), "sum1": (f32, (8,)), "max0": (f32, (6,)), "norm": (f32, ()),
        "mm_k": (f32, (2, 4, 6)), "mm_cols": (f32, (8, 4 // R)), "sum_sliced": (f32, (6,)),
        "iadd": (np.int32, R86), "imul": (np.int32, R86), "imax": (np.int32, R86),
        "ineg": (np.int32, R86), "bool_to_f32": (f32, R86), "bool_lt": (np.int32, R86)})
    result, _ = h.run(exe, R, inputs=dict(a=a, b=b, i=i, j=j, x=x, w=w, wc=wc, s=s),
                      outputs=outputs)

    exact = {
        "add": a + b, "sub": a - b, "mul": a * b, "div": a / b, "max": np.maximum(a, b),
        "min": np.minimum(a, b), "neg": -a, "abs": np.abs(b - f32(1)), "sqrt": np.sqrt(a),
        "select": np.where(a > b, a, b), "cast": a.astype(np.float16), "const": a + f32(0.25),
        "dropout": ref.dropout(s, p, seed),
        "iadd": i + j, "imul": i * j, "imax": np.maximum(i, j), "ineg": -i,
        "bool_to_f32": (a > b).astype(f32),
        "bool_lt": ((a > b) < (b > a)).astype(np.int32),
    }
    close = {
        "pow": (a ** f32(e), 1e-6), "rsqrt": (f32(1) / np.sqrt(a), 1e-6),
        "exp": (np.exp(a), 1e-6), "log": (np.log(a), 1e-6),
        "sum1": (a.sum(axis=1), 1e-5), "max0": (a.max(axis=0), 0),
        "norm": (np.sqrt((a.astype(np.float64) ** 2).sum()).astype(f32), 1e-5),
        "mm_k": ((x.reshape(8, 8) @ w).reshape(2, 4, 6), 1e-5),
        "sum_sliced": (s.sum(axis=0), 1e-5),
    }
    for r in range(R):
        for name, expected in exact.items():
            h.check_equal(f"{name} on rank {r}", result[name][r], expected)
        for name, (expected, rtol) in close.items():
            h.check_close(f"{name} on rank {r}", result[name][r], expected, rtol, 1e-6,
                          "libm or summation order")
        h.check_close(f"mm_cols on rank {r}", result["mm_cols"][r],
                      h.slices(a @ wc, R, 1)[r], 1e-5, 1e-6, "summation order")
    # The dropout mask really drops: about p of the elements are zero.
    dropped = np.mean(ref.dropout_keep((8, 6), p, seed) == 0)
    assert 0.05 < dropped < 0.5, dropped
    print(f"compute on {R} ranks: {len(outputs)} results match numpy")


if __name__ == "__main__":
    main()
