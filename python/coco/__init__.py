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

Grids may have several axes, and a tensor has one placement per axis
(coco.Replicated(), coco.Local(), coco.Sliced(d); see coco.placements).
Data parallel x tensor parallel on 4 ranks:

    prog = coco.Program("step", coco.Grid("g", [2, 2]))     # [DP, TP]
    w = prog.param("w", (8, 6), placements=[coco.Replicated(), coco.Sliced(1)])
    g = prog.param("g", (8, 6), placements=[coco.Local(), coco.Sliced(1)])
    prog.update(w, w - coco.all_reduce(g, along=0) * 0.1)   # sum over DP
    out = prog.compile().run(ranks=4, inputs={"w": w0, "g": [g0, g0, g1, g1]})

In a training loop, load the compiled step into the process and call it on
your arrays every step (no files, no copies; see coco.inprocess):

    step = prog.load()                  # on every rank: mpirun -np 2 python train.py
    step(w=w, g=g, lr=0.01)             # w updated in place

The package's modules: builder (grids, parameters, values, Program), ops
(collectives and compute ops), schedules (pass options, transform scripts),
compiler (coco-compile, the library cache), runner (mpirun, the signature
manifest, Compiled), placements (the block rule), inprocess (coco.load),
tools (finding coco's tools).

Result types come from coco itself: each op is verified by coco-opt as it
is built, which also infers its placements, so an illegal combination
raises CocoError with the verifier's message at the line that built it.
"""
from .inprocess import Entry, Library, load, world_rank, world_size
from .placements import (Local, Placement, Replicated, Sliced, TensorType, assemble, blocks,
                         grid_coords, placement)
from .builder import Grid, Program, Scalar, Tensor
from .ops import (all_gather, all_reduce, all_to_all, broadcast, dropout, exp, expand, matmul,
                  maximum, minimum, norm, reduce, reduce_scatter, reduce_to_root, rsqrt, slice, sqrt)
from .placements import CocoError
from .runner import Compiled, EntrySignature, ProgramFailed, launcher, read_manifest

__all__ = [
    "CocoError", "Compiled", "Entry", "EntrySignature", "ProgramFailed", "launcher", "read_manifest", "Grid", "Library", "Local", "Placement", "Program",
    "Replicated", "Scalar", "Sliced", "Tensor", "TensorType", "all_gather", "all_reduce",
    "all_to_all", "assemble", "blocks", "broadcast", "dropout", "exp", "expand", "grid_coords",
    "load", "matmul", "maximum", "minimum", "norm", "placement", "reduce", "reduce_scatter",
    "reduce_to_root", "rsqrt", "slice", "sqrt", "world_rank", "world_size",
]
