"""The front end's former single module, kept so that `coco.program`
imports keep working: the names now live in coco.builder, coco.ops,
coco.runner and coco.schedules (import them from `coco`)."""
from .builder import Grid, Program, Scalar, Tensor  # noqa: F401
from .ops import (all_gather, all_reduce, all_to_all, broadcast, dropout, exp,  # noqa: F401
                  expand, matmul, maximum, minimum, norm, reduce, reduce_scatter,
                  reduce_to_root, rsqrt, slice, sqrt)
from .placements import CocoError  # noqa: F401
from .runner import Compiled  # noqa: F401
