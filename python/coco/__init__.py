"""coco's Python front end.

A program is a few lines: declare a grid and distributed parameters, compute
with operators and collectives, apply schedules, compile, run on MPI ranks
with numpy arrays in and out. The package writes coco IR text and drives the
coco tools (coco-opt, coco-compile); the C++ verifiers are the judges, and
their diagnostics come back as CocoError.

    import coco
    prog = coco.Program("sgd", coco.Grid("dp"))
    w = prog.param("w", (4096,), layout="replicated")
    g = prog.param("g", (4096,), layout="local")
    lr = prog.scalar("lr", 0.01)
    prog.update(w, w - coco.all_reduce(g) * lr)
    result = prog.compile().run(ranks=2, inputs={"w": w0, "g": [g0, g1]})
"""
from .program import (CocoError, Compiled, Grid, Program, Scalar, Tensor, all_gather,
                      all_reduce, all_to_all, broadcast, dropout, exp, expand, matmul, maximum,
                      minimum, norm, reduce, reduce_scatter, reduce_to_root, rsqrt, slice, sqrt)

__all__ = [
    "CocoError", "Compiled", "Grid", "Program", "Scalar", "Tensor", "all_gather", "all_reduce",
    "all_to_all", "broadcast", "dropout", "exp", "expand", "matmul", "maximum", "minimum", "norm",
    "reduce", "reduce_scatter", "reduce_to_root", "rsqrt", "slice", "sqrt",
]
