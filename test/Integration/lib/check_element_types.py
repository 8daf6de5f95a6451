"""Every compute op and the collectives on f16, bf16 and f64 data, compiled
(coco-compile) and run on 2 and 3 ranks, against numpy.

Single IEEE operations (+ - * / max min neg abs sqrt) are correctly rounded
in every type: the 16-bit ones compute in f32 and round once, which for
these operations gives the same bits as arithmetic in the 16-bit type (f32
has more than twice their precision plus two bits). exp, log, pow and rsqrt
come from libm or LLVM's expansions: within one unit in the last place of
the type. Sums (coco.reduce sum, coco.norm) accumulate in f64 and round
once (f64 data: within one unit, the order of the additions). An
all_reduce or reduce_scatter rounds each addition: on 2 ranks one
addition (exact), on 3 two, in MPI's order (within one unit of the sum of
the magnitudes). Casts round once.

usage: check_element_types.py WORKDIR
"""
import os
import subprocess
import sys

import numpy as np

import coco_harness as h
from check_compute import bf16_reference

N = 13  # uneven on 2 and 3 ranks

# The type's storage dtype for the runner, and how to turn float64 values
# into its values (rounded to nearest-even) and back.
TYPES = {
    "f16": (np.float16, lambda v: np.asarray(v, np.float64).astype(np.float16),
            lambda s: s.astype(np.float64), 2.0 ** -10),
    "bf16": (np.uint16,
             lambda v: bf16_reference(np.asarray(v, np.float64).astype(np.float32)),
             lambda s: (np.asarray(s, np.uint32) << 16).view(np.float32).astype(np.float64),
             2.0 ** -7),
    "f64": (np.float64, lambda v: np.asarray(v, np.float64), lambda s: s.astype(np.float64),
            2.0 ** -52),
}
UNARY = {"neg": (np.negative, True), "abs": (np.abs, True), "sqrt": (np.sqrt, True),
         "rsqrt": (lambda x: 1 / np.sqrt(x), False), "exp": (np.exp, False),
         "log": (np.log, False)}
BINARY = {"add": (np.add, True), "sub": (np.subtract, True), "mul": (np.multiply, True),
          "div": (np.divide, True), "max": (np.maximum, True), "min": (np.minimum, True),
          "pow": (np.power, False)}


def program(t):
    rep = f"!coco.dtensor<{N}x{t}, replicated on @g>"
    loc = f"!coco.dtensor<{N}x{t}, local on @g>"
    sl = f"!coco.dtensor<{N}x{t}, sliced<0> on @g>"
    scalar = f"!coco.dtensor<{t}, replicated on @g>"
    lines, results = [], []

    def out(name, value, type_):
        results.append((name, value, type_))

    for name in UNARY:
        lines.append(f"%{name} = coco.{name} %x : {rep}")
        out(name, f"%{name}", rep)
    for name in BINARY:
        lines.append(f"%{name} = coco.{name} %x, %y : {rep}, {rep}")
        out(name, f"%{name}", rep)
    for kind in ("sum", "max", "min"):
        lines.append(f"%reduce_{kind} = coco.reduce {kind} %x dims [0] : {rep}")
        out(f"reduce_{kind}", f"%reduce_{kind}", scalar)
    lines.append(f"%norm = coco.norm %x : {rep}")
    out("norm", "%norm", scalar)
    lines.append(f"%all_reduce = coco.all_reduce sum %l : {loc}")
    out("all_reduce", "%all_reduce", rep)
    lines.append(f"%scattered = coco.reduce_scatter sum %l dim 0 : {loc}")
    lines.append(f"%gathered = coco.all_gather %scattered : {sl}")
    out("rs_ag", "%gathered", rep)
    f32 = f"!coco.dtensor<{N}xf32, replicated on @g>"
    lines.append(f"%wide = coco.cast %x : {rep} to {f32}")
    lines.append(f"%third = coco.div %wide, %three : {f32}, f32")
    lines.append(f"%narrow = coco.cast %third : {f32} to {rep}")
    out("cast_back", "%narrow", rep)
    signature = ", ".join(f'{ty} {{coco.name = "{n}"}}' for n, _, ty in results)
    body = "\n  ".join(lines)
    return f"""coco.grid @g(shape = [?])
func.func @ops(%x: {rep} {{coco.name = "x"}}, %y: {rep} {{coco.name = "y"}},
               %l: {loc} {{coco.name = "l"}}) -> ({signature}) {{
  %three = arith.constant 3.0 : f32
  {body}
  return {", ".join(v for _, v, _ in results)} : {", ".join(ty for _, _, ty in results)}
}}
"""


def main():
    work = sys.argv[1]
    os.makedirs(work, exist_ok=True)
    rng = np.random.default_rng(11)
    for t, (storage, to_type, to_f64, eps) in TYPES.items():
        source = os.path.join(work, f"ops_{t}.mlir")
        with open(source, "w") as f:
            f.write(program(t))
        exe = source + ".exe"
        subprocess.run(["coco-compile", source, "-o", exe], check=True)
        # Values of the type, in [0.5, 2): sqrt, log, pow defined.
        x = to_type(rng.random(N) * 1.5 + 0.5)
        y = to_type(rng.random(N) * 1.5 + 0.5)
        xf, yf = to_f64(x), to_f64(y)
        for ranks in (2, 3):
            grads = [to_type(rng.standard_normal(N)) for _ in range(ranks)]
            outputs = {name: (storage, (N,)) for name in list(UNARY) + list(BINARY)
                       + ["all_reduce", "rs_ag", "cast_back"]}
            outputs.update({f"reduce_{k}": (storage, ()) for k in ("sum", "max", "min")})
            outputs["norm"] = (storage, ())
            result, _ = h.run(exe, ranks, inputs=dict(x=x, y=y), local_inputs=dict(l=grads),
                              outputs=outputs)
            # name -> (exact value in f64, correctly rounded?)
            expected = {}
            for name, (f, exact) in UNARY.items():
                expected[name] = (f(xf), exact)
            for name, (f, exact) in BINARY.items():
                expected[name] = (f(xf, yf), exact)
            # (An f64 sum in f64 depends on the order of its additions.)
            expected["reduce_sum"] = (xf.sum(), t != "f64")
            expected["reduce_max"] = (xf.max(), True)
            expected["reduce_min"] = (xf.min(), True)
            # Squares rounded to the type, summed, rounded, root rounded.
            squares = to_f64(to_type(xf * xf))
            expected["norm"] = (np.sqrt(to_f64(to_type(squares.sum()))), t != "f64")
            total = sum(to_f64(g) for g in grads)
            expected["all_reduce"] = (total, ranks == 2)
            expected["rs_ag"] = (total, ranks == 2)
            # Each rounded addition errs by half a unit of its own result,
            # at most of the sum of the magnitudes.
            magnitude = sum(np.abs(to_f64(g)) for g in grads)
            # x / 3 in f32, rounded to the type once.
            third = (xf.astype(np.float32) / np.float32(3)).astype(np.float64)
            expected["cast_back"] = (third, True)
            for name, (value, exact) in expected.items():
                want = to_f64(to_type(value))
                for r in range(ranks):
                    got = to_f64(np.asarray(result[name][r]))
                    if exact:
                        h.check_equal(f"{t} {name} on rank {r} of {ranks}", got, want)
                    elif name in ("all_reduce", "rs_ag"):
                        error = np.abs(got - want)
                        assert np.all(error <= eps * magnitude), (
                            f"{t} {name} on rank {r} of {ranks}: error {error.max()} beyond "
                            f"one unit of the sum of magnitudes")
                    else:
                        # One unit in the last place of the type, relative.
                        h.check_close(f"{t} {name} on rank {r} of {ranks}", got, want,
                                      eps, 0, "libm")
            print(f"{t} on {ranks} ranks: {len(expected)} results match numpy")


if __name__ == "__main__":
    main()
