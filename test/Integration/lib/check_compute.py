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


def bf16_special_inputs(rng):
    """8x6 float32 values whose rounding to bf16 is easy to get wrong, as
    bit patterns: ties (the dropped half exactly 0x8000) to an even and to
    an odd kept part, one ulp either side of a tie, subnormals, the largest
    floats (which round to infinity), infinities, zeros, NaNs with payloads
    (quiet, signaling, negative, and one whose upper payload bits are all
    zero), and random floats for the rest."""
    patterns = [0x3F808000, 0x3F818000, 0x3F807FFF, 0x3F808001, 0xBF818000,
                0x00008000, 0x00018000, 0x00000001, 0x807FFFFF, 0x00400000,
                0x7F7FFFFF, 0xFF7FFFFF, 0x7F7F7FFF, 0x7F7F8000, 0x7F800000, 0xFF800000,
                0x00000000, 0x80000000, 0x7FC00000, 0x7FA00001, 0xFFC12345, 0x7F800001,
                0x47FFFFFF, 0x3FFFFFFF]
    bits = np.empty(48, np.uint32)
    bits[:len(patterns)] = patterns
    bits[len(patterns):] = rng.standard_normal(48 - len(patterns)).astype(np.float32).view(np.uint32)
    return bits.view(np.float32).reshape(8, 6)


def bf16_reference(values):
    """Each float32 rounded to the nearest bf16, ties to even, by comparing
    exact distances in float64 to the two bf16 values around it (not by the
    bit trick the compiler uses); past the largest bf16, infinity from
    halfway to the next step on. A NaN keeps its sign and upper payload bits
    and is made quiet."""
    overflow = 2.0 ** 128 * (1 - 2.0 ** -9)  # the largest bf16 + half its ulp
    out = []
    for b in np.asarray(values, np.float32).reshape(-1).view(np.uint32).tolist():
        if (b & 0x7FFFFFFF) > 0x7F800000:
            out.append((b >> 16) | 0x40)
            continue
        x = float(np.uint32(b).view(np.float32))
        below = b >> 16  # the kept bits: the bf16 toward zero
        above = below + 1  # the next one away from zero (infinity after the largest)

        def distance(c):
            if (c & 0x7FFF) == 0x7F80:
                return 0.0 if abs(x) >= overflow else float("inf")
            return abs(float(np.uint32(c << 16).view(np.float32)) - x)

        out.append(min((below, above), key=lambda c: (distance(c), c & 1)))
    return np.array(out, np.uint16).reshape(np.shape(values))


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
    special = bf16_special_inputs(rng)

    R86, cols = (8, 6), 4 // R if R <= 4 else None
    outputs = {name: (f32, R86) for name in (
        "add", "sub", "mul", "div", "max", "min", "pow", "neg", "abs", "sqrt", "rsqrt",
        "exp", "log", "select", "const", "dropout")}
    outputs.update({
        "cast": (np.float16, R86), "sum1": (f32, (8,)), "max0": (f32, (6,)), "norm": (f32, ()),
        "mm_k": (f32, (2, 4, 6)), "mm_cols": (f32, (8, 4 // R)), "sum_sliced": (f32, (6,)),
        "iadd": (np.int32, R86), "imul": (np.int32, R86), "imax": (np.int32, R86),
        "ineg": (np.int32, R86), "bool_to_f32": (f32, R86), "bool_lt": (np.int32, R86),
        "cast_bf16": (np.uint16, R86), "f16_to_bf16": (np.uint16, R86),
        "bf16_to_f16": (np.uint16, R86)})
    result, _ = h.run(exe, R, inputs=dict(a=a, b=b, i=i, j=j, x=x, w=w, wc=wc, s=s,
                                          special=special),
                      outputs=outputs)

    with np.errstate(over="ignore"):  # past 65504: infinity, as meant
        bf16_to_f16 = ((bf16_reference(special).astype(np.uint32) << 16).view(f32)
                       .astype(np.float16).view(np.uint16))
    exact = {
        "add": a + b, "sub": a - b, "mul": a * b, "div": a / b, "max": np.maximum(a, b),
        "min": np.minimum(a, b), "neg": -a, "abs": np.abs(b - f32(1)), "sqrt": np.sqrt(a),
        "select": np.where(a > b, a, b), "cast": a.astype(np.float16), "const": a + f32(0.25),
        "dropout": ref.dropout(s, p, seed),
        "iadd": i + j, "imul": i * j, "imax": np.maximum(i, j), "ineg": -i,
        "bool_to_f32": (a > b).astype(f32),
        "bool_lt": ((a > b) < (b > a)).astype(np.int32),
        "cast_bf16": bf16_reference(special),
        # f16 -> bf16 rounds once (f16 values are floats exactly); bf16 ->
        # f16 as numpy rounds a float to float16 (ties to even; past 65504
        # infinity, below its subnormals zero; NaNs keep sign, quiet bit and
        # upper payload). Compared as bits.
        "f16_to_bf16": bf16_reference(a.astype(np.float16).astype(f32)),
        "bf16_to_f16": bf16_to_f16,
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
