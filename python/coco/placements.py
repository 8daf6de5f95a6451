"""Placements of distributed tensors over the axes of a process grid, the
types that hold them, and the block rule: which part of a global tensor each
rank holds.

A distributed tensor has one placement per grid axis, like PyTorch DTensor's
`placements` (`Shard(d)` / `Replicate()` / `Partial()`):

    coco.Replicated()      every rank along the axis holds the same values
    coco.Local()           every rank along the axis holds values of its own
                           (different data, or partial sums that a reduction
                           such as all_reduce completes)
    coco.Sliced(d)         the ranks along the axis hold blocks of dimension d
    coco.Sliced(d, within=a)
                           when several axes slice dimension d: this axis
                           splits the blocks of axis a (default: the axes
                           split d in grid-axis order, the first outermost)

Anywhere a placement is expected, the strings "replicated", "local",
"sliced<d>", "sliced<d> within a" and the tuples ("sliced", d) and
("sliced", d, a) work too. A list shorter than the grid is padded with
replicated placements.

Blocks follow numpy.array_split: a dimension of size n split over R ranks
gives rank r n // R elements, one more to the first n % R ranks; several
axes slicing one dimension each split the block of the previous level.
World ranks map onto the grid row-major (the last axis varies fastest).
"""
import math
import re

import numpy as np


class CocoError(Exception):
    """A diagnostic from coco's verifiers, passes or tools, or a failed run."""


def check_int(value, what, low=0, high=None):
    """`value` (named `what` in the message) as an int in [low, high): a
    Python or numpy integer, not a bool (True would pass as 1) nor a float
    (int() truncated 0.7 to 0, and an axis of -1 silently became 0)."""
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or \
            value < low or (high is not None and value >= high):
        accepted = f"a whole number >= {low}" if high is None else \
            f"{low}" if high == low + 1 else f"a whole number from {low} to {high - 1}"
        raise CocoError(f"{what} must be {accepted}, not {value!r}")
    return int(value)


class Placement:
    """How a tensor lies along one grid axis (see the module docstring)."""

    kind = None

    def mlir(self):
        """The placement as coco IR spells it in a placement list."""
        return self.kind

    def __eq__(self, other):
        return type(self) is type(other) and self._key() == other._key()

    def __hash__(self):
        return hash((type(self).__name__, self._key()))

    def _key(self):
        return ()

    def __repr__(self):
        return f"{type(self).__name__}()"

    def __str__(self):
        return self.mlir()


class Replicated(Placement):
    """Every rank along the axis holds the same values."""

    kind = "replicated"


class Local(Placement):
    """Every rank along the axis holds values of its own (DTensor's Partial,
    and also plain per-rank data such as a data-parallel gradient)."""

    kind = "local"


class Sliced(Placement):
    """The ranks along the axis hold blocks of dimension `dim` (DTensor's
    Shard). `within`: the axis whose blocks this axis splits, when several
    axes slice `dim` in another order than the grid's."""

    kind = "sliced"

    def __init__(self, dim, within=None):
        self.dim = check_int(dim, "a sliced dimension")
        self.within = None if within is None else check_int(within, "'within' (a grid axis)")

    def mlir(self):
        within = "" if self.within is None else f" within {self.within}"
        return f"sliced<{self.dim}>{within}"

    def _key(self):
        return (self.dim, self.within)

    def __repr__(self):
        within = "" if self.within is None else f", within={self.within}"
        return f"Sliced({self.dim}{within})"


_PLACEMENT_TEXT = re.compile(r"^\s*(replicated|local|sliced\s*<\s*(\d+)\s*>(?:\s+within\s+(\d+))?)\s*$")


def placement(spec):
    """A Placement from a Placement, a string ("local", "sliced<1>",
    "sliced<0> within 1") or a tuple (("sliced", 1), ("sliced", 0, 1))."""
    if isinstance(spec, Placement):
        return spec
    if isinstance(spec, str):
        m = _PLACEMENT_TEXT.match(spec)
        if m:
            if m.group(1) == "replicated":
                return Replicated()
            if m.group(1) == "local":
                return Local()
            return Sliced(int(m.group(2)), None if m.group(3) is None else int(m.group(3)))
        if spec.strip() == "sliced":
            raise CocoError("a sliced placement needs its dimension: ('sliced', d) or 'sliced<d>'")
    if isinstance(spec, tuple) and spec and spec[0] == "sliced" and len(spec) in (2, 3):
        return Sliced(*spec[1:])
    raise CocoError(f"not a placement: {spec!r} (expected coco.Replicated(), coco.Local(), "
                    "coco.Sliced(d), 'replicated', 'local', 'sliced<d>' or ('sliced', d))")


def _scan_dtensor_types(text):
    """Every '!coco.dtensor<...>' in `text`, in order (angle brackets nest)."""
    found, start = [], 0
    while True:
        i = text.find("!coco.dtensor<", start)
        if i < 0:
            return found
        depth, j = 0, i + len("!coco.dtensor")
        while j < len(text):
            depth += {"<": 1, ">": -1}.get(text[j], 0)
            j += 1
            if depth == 0:
                break
        found.append(text[i:j])
        start = j


_TYPE_TEXT = re.compile(r"^!coco\.dtensor<((?:\d+x)*)(\w+), (\[[^\]]*\]|[^\[\]]+?) on @([\w$.-]+)(?:\[(\d+)\])?>$")


class TensorType:
    """A `!coco.dtensor` type: global shape, element type, one placement per
    grid axis (`placements`, trailing replicated ones may be missing) and the
    grid's name."""

    def __init__(self, shape, dtype, placements, grid):
        self.shape = tuple(int(d) for d in shape)
        self.dtype = dtype
        self.placements = tuple(placement(p) for p in placements)
        while self.placements and self.placements[-1] == Replicated():
            self.placements = self.placements[:-1]
        self.grid = grid

    @classmethod
    def parse(cls, text):
        """Parses a type as coco prints it (list or one-axis form)."""
        m = _TYPE_TEXT.match(text.strip())
        if not m:
            raise CocoError(f"not a !coco.dtensor type: {text}")
        shape = [int(d) for d in m.group(1).split("x") if d]
        spelled = m.group(3)
        if spelled.startswith("["):
            if m.group(5) is not None:
                raise CocoError(f"a placement list names every axis: {text}")
            places = [placement(p) for p in spelled[1:-1].split(",")]
        else:
            axis = int(m.group(5) or 0)
            places = [Replicated()] * axis + [placement(spelled)]
        return cls(shape, m.group(2), places, m.group(4))

    def placement(self, axis):
        """The placement on grid axis `axis` (replicated beyond the list)."""
        return self.placements[axis] if axis < len(self.placements) else Replicated()

    def placement_list(self, num_axes):
        """The placements of axes 0 .. num_axes-1."""
        return tuple(self.placement(a) for a in range(num_axes))

    def mlir(self):
        """The type as coco IR text: the one-axis form `P on @g[a]` when at
        most one axis is not replicated (as coco prints it), else the list."""
        shape = "".join(f"{d}x" for d in self.shape)
        placed = [a for a, p in enumerate(self.placements) if p != Replicated()]
        if len(placed) <= 1 and not any(getattr(p, "within", None) is not None
                                        for p in self.placements):
            axis = placed[0] if placed else 0
            suffix = f"[{axis}]" if axis else ""
            return (f"!coco.dtensor<{shape}{self.dtype}, {self.placement(axis).mlir()} "
                    f"on @{self.grid}{suffix}>")
        places = ", ".join(p.mlir() for p in self.placements)
        return f"!coco.dtensor<{shape}{self.dtype}, [{places}] on @{self.grid}>"

    def __str__(self):
        return self.mlir()

    def __repr__(self):
        return f"TensorType({self.mlir()})"

    @property
    def local_axes(self):
        return tuple(a for a, p in enumerate(self.placements) if isinstance(p, Local))

    @property
    def is_local(self):
        """Local on some axis: the ranks hold values that no one global array
        describes (inputs and outputs are per rank)."""
        return bool(self.local_axes)

    def slice_levels(self, dim):
        """The axes slicing `dim`, outer to inner."""
        axes = [a for a, p in enumerate(self.placements) if isinstance(p, Sliced) and p.dim == dim]
        within = {a: self.placements[a].within for a in axes}
        if all(w is None for w in within.values()):
            return axes
        outermost = [a for a in axes if within[a] is None]
        if len(outermost) != 1:
            raise CocoError(f"{self.mlir()}: every axis slicing dimension {dim} but the "
                            "outermost needs 'within'")
        levels = outermost
        while len(levels) < len(axes):
            inner = [a for a in axes if within[a] == levels[-1]]
            if len(inner) != 1:
                raise CocoError(f"{self.mlir()}: the axes slicing dimension {dim} do not form "
                                "one chain of 'within'")
            levels.append(inner[0])
        return levels

    def block(self, rank, extents):
        """The part of the global tensor that world rank `rank` holds on a grid
        of `extents`, as a tuple of slices (index a global array with it).
        Local axes do not cut: a rank's own value has the global shape."""
        coords = grid_coords(rank, extents)
        index = []
        for dim, size in enumerate(self.shape):
            lo, n = 0, size
            for axis in self.slice_levels(dim):
                parts, c = extents[axis], coords[axis]
                base, extra = divmod(n, parts)
                lo += c * base + min(c, extra)
                n = base + (1 if c < extra else 0)
            index.append(slice(lo, lo + n))
        return tuple(index)

    def local_shape(self, rank, extents):
        """The shape of world rank `rank`'s block."""
        return tuple(s.stop - s.start for s in self.block(rank, extents))


def grid_coords(rank, extents):
    """World rank -> grid coordinates (row-major: the last axis fastest)."""
    ranks = math.prod(extents)
    check_int(rank, f"rank (of a grid of {ranks})", 0, ranks)
    return tuple(int(c) for c in np.unravel_index(rank, tuple(extents)))


def blocks(value, ttype, extents):
    """The per-rank inputs of a tensor of type `ttype` on a grid of `extents`
    (one per world rank, in rank order).

    Not local on any axis: `value` is the global array; each rank gets its
    block. Local on some axis: `value` is a list with one array per world
    rank, either that rank's block (its local shape) or a global-shape array
    of which the rank's block is taken."""
    ranks = math.prod(extents)
    if not ttype.is_local:
        array = np.asarray(value)
        if array.shape != ttype.shape:
            raise CocoError(f"expected a global array of shape {ttype.shape} for "
                            f"{ttype.mlir()}, got {array.shape}")
        return [array[ttype.block(r, extents)] for r in range(ranks)]
    if not isinstance(value, (list, tuple)) or len(value) != ranks:
        # (len() of a number was a TypeError.)
        got = f"{len(value)} arrays" if isinstance(value, (list, tuple)) else \
            type(value).__name__
        raise CocoError(f"{ttype.mlir()} is local on axis {ttype.local_axes[0]}: pass a list "
                        f"of {ranks} arrays, one per world rank (got {got})")
    out = []
    for r, v in enumerate(value):
        array = np.asarray(v)
        local = ttype.local_shape(r, extents)
        if array.shape == local:
            out.append(array)
        elif array.shape == ttype.shape:
            out.append(array[ttype.block(r, extents)])
        else:
            raise CocoError(f"rank {r}'s array for {ttype.mlir()} has shape {array.shape}; "
                            f"expected its block {local} or the global shape {ttype.shape}")
    # Ranks whose coordinates differ only along axes where the tensor is
    # replicated hold one value: different arrays there were taken, each
    # rank computed with its own, and a replicated result depended on which
    # rank's block was read back.
    replicated = [a for a, p in enumerate(ttype.placement_list(len(extents)))
                  if p == Replicated()]
    if replicated:
        first = {}
        for r, array in enumerate(out):
            coords = list(grid_coords(r, extents))
            for a in replicated:
                coords[a] = 0
            other = first.setdefault(tuple(coords), r)
            if other != r and not _same_values(out[other], array):
                raise CocoError(
                    f"ranks {other} and {r} hold one block of {ttype.mlir()}, replicated on "
                    f"axis {', '.join(map(str, replicated))}, but their arrays differ: pass "
                    "the same values to the ranks of a replicated axis")
    return out


def _same_values(a, b):
    """Equal arrays, NaNs equal where the type has them."""
    try:
        return np.array_equal(a, b, equal_nan=True)
    except TypeError:  # no NaN in the type (np.isnan refuses it)
        return np.array_equal(a, b)


def assemble(parts, ttype, extents):
    """The global array of a tensor not local on any axis from its per-rank
    blocks (`parts[r]`: world rank r's block; replicated copies are taken
    from the last rank holding them)."""
    if ttype.is_local:
        raise CocoError(f"{ttype.mlir()} is local on axis {ttype.local_axes[0]}: its ranks "
                        "hold different values, there is no global array to assemble")
    ranks = math.prod(extents)
    if len(parts) != ranks:
        raise CocoError(f"expected {ranks} blocks, got {len(parts)}")
    dtype = np.asarray(parts[0]).dtype
    result = np.empty(ttype.shape, dtype=dtype)
    for r, part in enumerate(parts):
        index = ttype.block(r, extents)
        block = tuple(s.stop - s.start for s in index)
        part = np.asarray(part)
        if part.size != math.prod(block):  # (numpy's reshape error)
            raise CocoError(f"rank {r}'s block of {ttype.mlir()} has {part.size} elements "
                            f"(shape {part.shape}); its block is {block}")
        result[index] = part.reshape(block)
    return result
