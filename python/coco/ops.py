"""Collectives and compute ops of the front end: each emits one coco op into
its operands' program, and coco-opt's verifier decides its result type (or
rejects it with the diagnostic, as CocoError at the user's line).
"""
import numpy as np

from .builder import Scalar, Tensor
from .placements import CocoError, Sliced, TensorType, check_int
from .schedules import axis_list

# -- collectives and compute ops --------------------------------------------
#
# `along`: the grid axes a collective runs on (an int or a list; a list runs
# on the flattened group, its first axis outermost). By default coco takes
# them from the operand: all its local axes (all_reduce, reduce_scatter,
# reduce_to_root, broadcast), the axes slicing its one sliced dimension
# (all_gather, all_to_all), axis 0 on a one-axis grid (slice). Only the
# placements on those axes change.

def _along(along):
    axes = axis_list(along)
    return "" if axes is None else f" along [{', '.join(map(str, axes))}]"


def _tensor(x, op):
    if not isinstance(x, Tensor):
        raise CocoError(f"coco.{op} needs a distributed tensor, got {type(x).__name__}")
    return x


def all_reduce(x, op="sum", along=None):
    """local -> replicated on the `along` axes: every rank gets the
    combination (sum, prod, min, max, avg) of the values of its group."""
    x = _tensor(x, "all_reduce")
    return x.prog._op(lambda a: f"coco.all_reduce {op} {a}{_along(along)} : {x.type}", [x])


def reduce_scatter(x, dim=0, op="sum", along=None):
    """local -> sliced<dim> on the `along` axes (several: the first outermost)."""
    x = _tensor(x, "reduce_scatter")
    return x.prog._op(lambda a: f"coco.reduce_scatter {op} {a} dim {dim}{_along(along)} : {x.type}",
                      [x])


def all_gather(x, along=None):
    """sliced -> replicated on the `along` axes (the innermost slicing levels)."""
    x = _tensor(x, "all_gather")
    return x.prog._op(lambda a: f"coco.all_gather {a}{_along(along)} : {x.type}", [x])


def broadcast(x, root=0, along=None):
    """local or replicated -> replicated on the `along` axes: the value of
    rank `root` of the group (row-major over its axes)."""
    x = _tensor(x, "broadcast")
    return x.prog._op(lambda a: f"coco.broadcast {a} root {root}{_along(along)} : {x.type}", [x])


def reduce_to_root(x, root=0, op="sum", along=None):
    """local -> local: rank `root` of the group gets the combination."""
    x = _tensor(x, "reduce_to_root")
    return x.prog._op(lambda a: f"coco.reduce_to_root {op} {a} root {root}{_along(along)} : {x.type}",
                      [x])


def all_to_all(x, dim, along=None):
    """sliced<s> -> sliced<dim> on the `along` axes."""
    x = _tensor(x, "all_to_all")
    return x.prog._op(lambda a: f"coco.all_to_all {a} dim {dim}{_along(along)} : {x.type}", [x])


def slice(x, dim=0, along=None):
    """replicated -> sliced<dim> on the `along` axes (no traffic)."""
    x = _tensor(x, "slice")
    return x.prog._op(lambda a: f"coco.slice {a} dim {dim}{_along(along)} : {x.type}", [x])


def sqrt(x):
    return _tensor(x, "sqrt").prog._unary("sqrt", x)


def rsqrt(x):
    return _tensor(x, "rsqrt").prog._unary("rsqrt", x)


def exp(x):
    return _tensor(x, "exp").prog._unary("exp", x)


def _pointwise_pair(op, a, b):
    """An elementwise op of two operands, at least one a Tensor (0.0 first
    was an AttributeError, two Scalars a StopIteration)."""
    tensor = next((x for x in (a, b) if isinstance(x, Tensor)), None)
    if tensor is None:
        raise CocoError(f"{op}imum takes at least one coco Tensor, got "
                        f"{type(a).__name__} and {type(b).__name__}")
    return tensor.prog._pointwise(op, (a, b))


def maximum(a, b):
    return _pointwise_pair("max", a, b)


def minimum(a, b):
    return _pointwise_pair("min", a, b)


def norm(x):
    """L2 norm over all elements, as a rank-0 tensor (use .item())."""
    x = _tensor(x, "norm")
    return x.prog._op(lambda a: f"coco.norm {a} : {x.type}", [x])


def reduce(x, dims, op="sum"):
    """Reduces `dims` away; on an axis slicing a reduced dim the result is
    local (partial results)."""
    x = _tensor(x, "reduce")
    if isinstance(dims, (int, np.integer)):  # (one dimension was a TypeError)
        dims = [dims]
    dims = ", ".join(str(d) for d in sorted(dims))
    return x.prog._op(lambda a: f"coco.reduce {op} {a} dims [{dims}] : {x.type}", [x])


def matmul(a, b):
    """[..., M, K] x [K, N] -> [..., M, N], placements axis by axis (CoCoNet's
    table, see coco.matmul in docs/generated/CocoDialect.md)."""
    a, b = _tensor(a, "matmul"), _tensor(b, "matmul")
    return a.prog._op(lambda x, y: f"coco.matmul {x}, {y} : {a.type}, {b.type}", [a, b])


def expand(x, shape, dims):
    """Broadcasts x so that its dimension i is dimension dims[i] of `shape`
    (its placements carry over, sliced<d> becoming sliced<dims[d]>)."""
    x = _tensor(x, "expand")
    # (A number for either was a TypeError; int() truncated 0.5.)
    if not isinstance(shape, (list, tuple)) or not isinstance(dims, (list, tuple)):
        raise CocoError(f"expand takes a shape and dims as lists, got {type(shape).__name__} "
                        f"and {type(dims).__name__}")
    shape = [check_int(d, "a dimension of expand's shape") for d in shape]
    dims = [check_int(d, "a dimension of expand's dims") for d in dims]
    places = [Sliced(dims[p.dim] if p.dim < len(dims) else p.dim, p.within)
              if isinstance(p, Sliced) else p for p in x.ttype.placements]
    result = TensorType(shape, x.dtype, places, x.grid.name).mlir()
    return x.prog._op(lambda a: f"coco.expand {a} dims {dims} : {x.type} to {result}", [x])


def dropout(x, p, seed):
    """Zeroes elements with probability p (same mask on every rank and
    layout for the same seed), scaling the others by 1/(1-p)."""
    x = _tensor(x, "dropout")
    prog = x.prog
    # A constant p outside [0, 1) scaled every element (p < 0) or zeroed
    # them all (p >= 1, NaN); a seed of 1.5 was 1, "a" a ValueError.
    if not isinstance(p, Scalar) and not (isinstance(p, (int, float, np.integer, np.floating))
                                          and 0 <= p < 1):
        raise CocoError(f"dropout: p is a probability in [0, 1), got {p!r}")
    p = prog._as_scalar(p, "f32")
    if not isinstance(seed, Scalar):
        if isinstance(seed, (bool, np.bool_)) or not isinstance(seed, (int, np.integer)) or \
                not -2**63 <= seed < 2**63:
            raise CocoError(f"dropout: seed is an i64 integer or an i64 Scalar, got {seed!r}")
        seed = prog._as_scalar(int(seed), "i64")
    elif seed.dtype != "i64":
        raise CocoError(f"dropout: seed is an i64 integer or an i64 Scalar, got a {seed.dtype} "
                        "Scalar")
    return prog._op(lambda a, q, s: f"coco.dropout {a}, {q}, {s} : {x.type}", [x, p, seed])
