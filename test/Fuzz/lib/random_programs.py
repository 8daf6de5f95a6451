#!/usr/bin/env python3
"""Differential test of coco-compile on random programs against numpy.

Requirement: every program coco accepts computes what its global-view
semantics say, on every rank, whatever the rank count (uneven blocks
included) and under every schedule that must preserve the semantics. A
mismatch, a crash, a hang past --timeout or a failed compile of the plain
program is a failure.

Programs: --count programs, numbers --seed to --seed + count - 1. Program i
draws everything (its kind, grid, rank counts, body, inputs and schedule
variants) from numpy.random.default_rng(i), so the programs and inputs are
the same on every run and machine. Most are straight-line programs of random
ops (pointwise, cmp/select, casts between f32/f64/bf16/f16/i1/i8/i32/i64,
constants, expand, dropout, matmul, reduce/norm/extract and every collective)
on 1-, 2- and 3-D grids, with updated arguments and results; every fifth is
one of the control-flow TEMPLATES (scf.if on axis_rank, scf.for loops,
private callees, send/recv relays and ring shifts). Each value is evaluated
in numpy as the global tensor each rank holds a block of (ranks that differ
on a `local` grid axis hold different tensors), independently of coco's own
Python helpers. Ops whose result the reference cannot pin down (values near
a comparison tie or an integer truncation, overflow, non-finite values) are
not generated, and neither are programs coco refuses by design (all_reduce
of i1, split roots beyond a group).

Each program is compiled once plain and once per schedule variant drawn for
it (see variants()), and each executable runs on each of the program's rank
counts; every updated argument and result of every rank is compared with the
reference: integers exactly, floats within a relative tolerance per type
(wider for values that went through bf16 or f16). A schedule pre-pass may
refuse a program (exit 1 with a diagnostic: coco-reorder and
coco-shard-state have preconditions); that is counted as a refused schedule,
not a failure.

Exit 0 and print `random programs: N programs, M runs, K refused schedules,
0 mismatches` when everything matches; otherwise print, per failure, the
program (saved in --work-dir), the coco-compile command, the rank count, the
output, the rank and the first differing element, then the summary with the
mismatch count, and exit 1.
"""

import argparse
import itertools
import json
import os
import shlex
import subprocess
import sys

import numpy as np

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..",
                                "Integration", "lib"))
import coco_harness  # noqa: E402
from coco.dtypes import from_storage, numpy_dtype, to_storage  # noqa: E402

FLOATS = ("f32", "f64", "bf16", "f16")
INTS = ("i1", "i8", "i32", "i64")
# Integers stay far from their type's range (no wrap-around in the
# reference); floats below 1e4 in magnitude.
INT_BOUND = {"i1": 1, "i8": 100, "i32": 2**20, "i64": 2**40}
REDUCTIONS = {"sum": np.sum, "prod": np.prod, "max": np.max, "min": np.min, "avg": np.mean}

# Placements per grid axis: replicated, local, or sliced along a tensor dim.
REP, LOC = ("R",), ("L",)


def SLC(dim):
    return ("S", dim)


class Skip(Exception):
    """The drawn op is not generated (its reference would be ambiguous)."""


class T:
    """A dtensor type. `order` maps each sliced dim to the grid axes slicing
    it, outermost first (`within` in the syntax)."""

    def __init__(self, shape, dtype, plc, order=None):
        self.shape, self.dtype, self.plc = tuple(shape), dtype, tuple(plc)
        self.order = {}
        for d in range(len(self.shape)):
            axes = [a for a, p in enumerate(self.plc) if p == SLC(d)]
            given = tuple((order or {}).get(d, ()))
            if axes:
                assert sorted(given or axes) == axes, (given, axes)
                self.order[d] = given or tuple(axes)

    def key(self):
        return (self.shape, self.dtype, self.plc, tuple(sorted(self.order.items())))

    def __eq__(self, other):
        return isinstance(other, T) and self.key() == other.key()

    def local_axes(self):
        return [a for a, p in enumerate(self.plc) if p == LOC]

    def retyped(self, dtype):
        return T(self.shape, dtype, self.plc, self.order)

    def with_axes(self, axes, placement, dim=None):
        """This type with `axes` set to `placement` (appended innermost to
        `dim`'s slicing order when sliced)."""
        plc, order = list(self.plc), dict(self.order)
        for a in axes:
            if plc[a][0] == "S":
                order[plc[a][1]] = tuple(x for x in order[plc[a][1]] if x != a)
            plc[a] = placement
        if dim is not None:
            order[dim] = order.get(dim, ()) + tuple(axes)
        return T(self.shape, self.dtype, plc, order)

    def mlir(self):
        elem = "".join(f"{n}x" for n in self.shape) + self.dtype
        names = []
        for a, p in enumerate(self.plc):
            if p[0] != "S":
                names.append("replicated" if p == REP else "local")
                continue
            o = self.order[p[1]]
            i = o.index(a)
            # `within` names the next outer axis where the order is not the
            # grid's.
            names.append(f"sliced<{p[1]}>" + (f" within {o[i - 1]}" if i and list(o) != sorted(o)
                                               else ""))
        placements = names[0] if len(names) == 1 else "[" + ", ".join(names) + "]"
        return f"!coco.dtensor<{elem}, {placements} on @g>"


def manifest_type(spec):
    """The T of a manifest entry (after the schedule: coco-shard-state makes
    state arguments sliced). Axes without `within` slice outermost, in
    grid order; an axis with `within A` slices inside axis A."""
    plc, within = [], {}
    for a, p in enumerate(spec["placements"]):
        plc.append(REP if p["kind"] == "replicated" else LOC if p["kind"] == "local"
                   else SLC(p["dim"]))
        if p.get("within") is not None:
            within[a] = p["within"]
    order = {}
    for d in range(len(spec["shape"])):
        axes = [a for a, p in enumerate(plc) if p == SLC(d)]
        chain = [a for a in axes if a not in within]
        while len(chain) < len(axes):
            chain.append(next(a for a in axes if within.get(a) == chain[-1]))
        order[d] = chain
    return T(spec["shape"], spec["element"], plc, order)


def coords(rank, ext):
    return np.unravel_index(rank, ext)


def group(rank, axes, ext):
    """The world ranks of `rank`'s group along `axes`, row-major over the
    axes in ascending order (the group index a `root` counts)."""
    c = list(coords(rank, ext))
    axes = sorted(axes)
    out = []
    for sub in itertools.product(*[range(ext[a]) for a in axes]):
        for a, v in zip(axes, sub):
            c[a] = v
        out.append(int(np.ravel_multi_index(c, ext)))
    return out


def dim_block(t, d, c, ext):
    """(offset, size) of the block of dim `d` at coordinates `c`: split like
    numpy.array_split, outer axis first."""
    lo, n = 0, t.shape[d]
    for a in t.order.get(d, ()):
        q, m = divmod(n, ext[a])
        lo, n = lo + c[a] * q + min(c[a], m), q + (c[a] < m)
    return lo, n


def block(array, t, rank, ext):
    c = coords(rank, ext)
    return array[tuple(slice(lo, lo + n) for lo, n in
                       (dim_block(t, d, c, ext) for d in range(len(t.shape))))]


def round_to(x, dtype):
    """x as the nearest value of `dtype` (float64 or int64 arrays)."""
    if dtype in INTS:
        return np.asarray(x).astype(np.int64)
    if dtype == "bf16":
        bits = np.asarray(x, np.float64).astype(np.float32).view(np.uint32).astype(np.uint64)
        bits = ((bits + 0x7FFF + ((bits >> 16) & 1)) >> 16) << 16  # to nearest, ties to even
        return bits.astype(np.uint32).view(np.float32).astype(np.float64)
    kind = {"f32": np.float32, "f16": np.float16, "f64": np.float64}[dtype]
    return np.asarray(x, np.float64).astype(kind).astype(np.float64)


def splitmix(z):
    z = np.asarray(z, np.uint64)
    with np.errstate(over="ignore"):
        z = (z ^ (z >> np.uint64(30))) * np.uint64(0xBF58476D1CE4E5B9)
        z = (z ^ (z >> np.uint64(27))) * np.uint64(0x94D049BB133111EB)
    return z ^ (z >> np.uint64(31))


def dropout_keep(shape, p, seed):
    """coco.dropout's mask: element i is kept where splitmix64(seed * golden
    + i)'s top 24 bits, as a uniform in [0, 1), are >= p."""
    index = np.arange(int(np.prod(shape)), dtype=np.uint64)
    with np.errstate(over="ignore"):
        bits = splitmix(np.uint64(seed) * np.uint64(0x9E3779B97F4A7C15) + index)
    uniform = (bits >> np.uint64(40)).astype(np.float32) * np.float32(1.0 / 16777216.0)
    return (uniform >= np.float32(p)).reshape(shape)


class Program:
    """A program's text and its numpy reference: env[R][name] is, for R
    ranks, the list of each rank's global value of `name`."""

    def __init__(self, rng, grid, ranks):
        self.rng, self.grid, self.ranks, self.nd = rng, grid, ranks, len(grid)
        self.args, self.vals, self.lines = [], {}, []
        self.env = {R: {} for R in ranks}
        self.updates, self.results, self.loose = [], [], set()
        self.n = 0

    def ext(self, R):
        known = int(np.prod([e for e in self.grid if e != -1]))
        return tuple(R // known if e == -1 else e for e in self.grid)

    def add_arg(self, name, t):
        self.args.append((name, t))
        self.vals[name] = t
        for R in self.ranks:
            ext, drawn = self.ext(R), {}
            for r in range(R):  # ranks differing only on non-local axes share a value
                key = tuple(int(coords(r, ext)[a]) for a in t.local_axes())
                if key not in drawn:
                    drawn[key] = (self.rng.integers(0, 2, t.shape) if t.dtype == "i1" else
                                  self.rng.integers(-4, 5, t.shape) if t.dtype in INTS else
                                  round_to(self.rng.uniform(-2, 2, t.shape), t.dtype))
            self.env[R][name] = [drawn[tuple(int(coords(r, ext)[a]) for a in t.local_axes())]
                                 for r in range(R)]
        if t.dtype in ("bf16", "f16"):
            self.loose.add(name)
        return name

    def add_scalar(self, name, default, given=None):
        self.args.append((name, ("scalar", default, given)))
        self.vals[name] = ("scalar",)
        value = float(np.float32(default if given is None else given))
        for R in self.ranks:
            self.env[R][name] = [value] * R

    def define(self, name, t, fn, inputs=()):
        """Sets `name`'s reference from fn(env, R, ext) -> per-rank values."""
        self.vals[name] = t
        for R in self.ranks:
            v = fn(self.env[R], R, self.ext(R))
            self.env[R][name] = [float(np.float32(x)) for x in v] if t == ("scalar",) else \
                [round_to(x, t.dtype) for x in v]
        if (t != ("scalar",) and t.dtype in ("bf16", "f16")) or self.loose & set(inputs):
            self.loose.add(name)

    def text(self, extra_funcs=""):
        params = [f'%{n}: {t.mlir()} {{coco.name = "{n}"}}' if isinstance(t, T) else
                  f'%{n}: f32 {{coco.name = "{n}", coco.value = {t[1]:.6e} : f32}}'
                  for n, t in self.args]
        results = ", ".join(f'{self.vals[n].mlir()} {{coco.name = "r_{n}"}}' for n in self.results)
        grid = ", ".join("?" if e == -1 else str(e) for e in self.grid)
        body = self.lines + [f"  coco.update %{a}, %{v} : {self.vals[a].mlir()}"
                             for a, v in self.updates]
        ret = ", ".join(f"%{n}" for n in self.results)
        if self.results:
            ret += " : " + ", ".join(self.vals[n].mlir() for n in self.results)
        return "\n".join([f"coco.grid @g(shape = [{grid}])", extra_funcs.rstrip("\n"),
                          f"func.func @f({', '.join(params)}) -> ({results}) {{", *body,
                          f"  return {ret}", "}", ""]).replace("\n\n", "\n")


# -- random straight-line programs -----------------------------------------

class RandomProgram(Program):
    def pick(self, pred):
        names = [n for n, t in self.vals.items() if isinstance(t, T) and pred(t)]
        if not names:
            raise Skip()
        return names[self.rng.integers(len(names))]

    def choice(self, options):
        return options[self.rng.integers(len(options))]

    def subset(self, axes):
        k = int(self.rng.integers(1, len(axes) + 1))
        return sorted(self.rng.choice(axes, size=k, replace=False).tolist())

    def along(self, axes):
        # On a 1-D grid `along` may be left out: the default is every axis.
        if self.nd == 1 and self.rng.random() < 0.5:
            return ""
        return " along [" + ", ".join(map(str, axes)) + "]"

    def add(self, text, t, fn, inputs=()):
        """Appends `%vN = text` if its reference is bounded and finite on
        every rank count; else raises Skip."""
        name = f"v{self.n + 1}"
        bound = 1e4 if t == ("scalar",) or t.dtype in FLOATS else INT_BOUND[t.dtype]
        try:
            with np.errstate(all="ignore"):
                self.define(name, t, fn, inputs)
            if any(not np.all(np.isfinite(x)) or np.max(np.abs(x), initial=0) > bound
                   for R in self.ranks for x in self.env[R][name]):
                raise Skip()
        except Skip:
            for R in self.ranks:
                self.env[R].pop(name, None)
            self.vals.pop(name, None)
            self.loose.discard(name)
            raise
        self.n += 1
        self.lines.append(f"  %{name} = {text}")
        return name

    def elementwise(self, ta, tb):
        """The result type of a pointwise op (None if the placements clash):
        replicated takes the other side's placement."""
        if ta.shape != tb.shape or ta.dtype != tb.dtype:
            return None
        plc = []
        for pa, pb in zip(ta.plc, tb.plc):
            if pa != pb and REP not in (pa, pb):
                return None
            plc.append(pb if pa == REP else pa)
        order = {}
        for d in {p[1] for p in plc if p[0] == "S"}:
            oa, ob = ta.order.get(d, ()), tb.order.get(d, ())
            full = max(oa, ob, key=len)
            if len(full) != sum(p == SLC(d) for p in plc) or any(
                    full[:len(o)] != o for o in (oa, ob)):
                return None
            order[d] = full
        return T(ta.shape, ta.dtype, plc, order)

    def second_operand(self, ta, allow_scalar):
        """A tensor operand placement-compatible with ta, or an f32 scalar."""
        scalars = [n for n, t in self.vals.items() if t == ("scalar",)]
        if allow_scalar and ta.dtype in FLOATS and scalars and self.rng.random() < 0.3:
            return self.choice(scalars), "f32", ta
        b = self.pick(lambda t: self.elementwise(ta, t) is not None)
        return b, self.vals[b].mlir(), self.elementwise(ta, self.vals[b])

    def op_binary(self):
        a = self.pick(lambda t: t.dtype != "i1")
        ta = self.vals[a]
        op = self.choice(["add", "sub", "mul", "max", "min"] +
                         (["div", "pow"] if ta.dtype in FLOATS else []))
        b, btext, tres = self.second_operand(ta, True)
        if btext != "f32" and self.rng.random() < 0.2:
            a, b, ta, btext = b, a, self.vals[b], ta.mlir()
        f = {"add": np.add, "sub": np.subtract, "mul": np.multiply, "max": np.maximum,
             "min": np.minimum, "div": np.divide, "pow": np.power}[op]
        low = min(np.min(np.abs(x), initial=9) for R in self.ranks for x in self.env[R][b])
        if op == "div" and low < 0.2:
            raise Skip()  # near-zero divisors amplify rounding differences
        if op == "pow" and min(np.min(x, initial=9) for R in self.ranks
                               for x in self.env[R][a]) < 0.2:
            raise Skip()
        return self.add(f"coco.{op} %{a}, %{b} : {ta.mlir()}, {btext}", tres,
                        lambda env, R, ext: [f(env[a][r], env[b][r]) for r in range(R)], (a, b))

    def op_unary(self):
        a = self.pick(lambda t: t.dtype != "i1")
        ta = self.vals[a]
        op = self.choice(["neg", "abs"] + (["exp", "sqrt", "log", "rsqrt"]
                                           if ta.dtype in FLOATS else []))
        low = min(np.min(x, initial=9) for R in self.ranks for x in self.env[R][a])
        if (op == "sqrt" and low < 0) or (op in ("log", "rsqrt") and low < 0.1):
            raise Skip()
        f = {"neg": np.negative, "abs": np.abs, "exp": np.exp, "sqrt": np.sqrt, "log": np.log,
             "rsqrt": lambda x: 1 / np.sqrt(x)}[op]
        return self.add(f"coco.{op} %{a} : {ta.mlir()}", ta,
                        lambda env, R, ext: [f(x) for x in env[a]], (a,))

    def op_all_reduce(self, scatter=False):
        # i1 has no reductions in coco (refused by design).
        a = self.pick(lambda t: t.local_axes() and t.dtype != "i1" and (t.shape or not scatter))
        ta = self.vals[a]
        axes = self.subset(ta.local_axes())
        kind = self.choice(["sum", "prod", "max", "min"] + (["avg"] if ta.dtype in FLOATS else []))

        def fn(env, R, ext):
            return [REDUCTIONS[kind]([env[a][q] for q in group(r, axes, ext)], axis=0)
                    for r in range(R)]
        if not scatter:
            return self.add(f"coco.all_reduce {kind} %{a}{self.along(axes)} : {ta.mlir()}",
                            ta.with_axes(axes, REP), fn, (a,))
        if len(axes) > 1 and self.rng.random() < 0.3:
            axes = axes[::-1]  # along [1, 0]: axis 1 slices outermost
        d = int(self.rng.integers(len(ta.shape)))
        return self.add(f"coco.reduce_scatter {kind} %{a} dim {d}{self.along(axes)} : "
                        f"{ta.mlir()}", ta.with_axes(axes, SLC(d), d), fn, (a,))

    def op_all_gather(self):
        a = self.pick(lambda t: t.order)
        ta = self.vals[a]
        o = ta.order[self.choice(sorted(ta.order))]
        axes = list(o[len(o) - int(self.rng.integers(1, len(o) + 1)):])  # innermost ones
        return self.add(f"coco.all_gather %{a}{self.along(axes)} : {ta.mlir()}",
                        ta.with_axes(axes, REP), lambda env, R, ext: list(env[a]), (a,))

    def op_slice(self):
        a = self.pick(lambda t: t.shape and REP in t.plc)
        ta = self.vals[a]
        axes = self.subset([x for x, p in enumerate(ta.plc) if p == REP])
        if len(axes) > 1 and self.rng.random() < 0.3:
            axes = axes[::-1]
        d = int(self.rng.integers(len(ta.shape)))
        return self.add(f"coco.slice %{a} dim {d}{self.along(axes)} : {ta.mlir()}",
                        ta.with_axes(axes, SLC(d), d), lambda env, R, ext: list(env[a]), (a,))

    def op_all_to_all(self):
        # An axis that alone slices one dim moves to a dim nobody slices.
        options = [(n, ax, e) for n, t in self.vals.items() if isinstance(t, T)
                   for ax, p in enumerate(t.plc) if p[0] == "S" and t.order[p[1]] == (ax,)
                   for e in range(len(t.shape)) if e != p[1] and e not in t.order]
        if not options:
            raise Skip()
        a, ax, e = self.choice(options)
        ta = self.vals[a]
        return self.add(f"coco.all_to_all %{a} dim {e}{self.along([ax])} : {ta.mlir()}",
                        ta.with_axes([ax], SLC(e), e), lambda env, R, ext: list(env[a]), (a,))

    def op_broadcast(self, to_root=False):
        kinds = (LOC,) if to_root else (REP, LOC)
        a = self.pick(lambda t: (t.dtype != "i1" or not to_root) and
                      any(p in kinds for p in t.plc))
        ta = self.vals[a]
        axes = self.subset([x for x, p in enumerate(ta.plc) if p in kinds])
        root = int(self.rng.integers(min(int(np.prod([self.ext(R)[x] for x in axes]))
                                         for R in self.ranks)))
        if not to_root:
            return self.add(f"coco.broadcast %{a} root {root}{self.along(axes)} : {ta.mlir()}",
                            ta.with_axes(axes, REP), lambda env, R, ext:
                            [env[a][group(r, axes, ext)[root]] for r in range(R)], (a,))
        kind = self.choice(["sum", "prod", "max", "min"])

        def fn(env, R, ext):  # the root gets the reduction, the others keep theirs
            return [REDUCTIONS[kind]([env[a][q] for q in group(r, axes, ext)], axis=0)
                    if group(r, axes, ext).index(r) == root else env[a][r] for r in range(R)]
        return self.add(f"coco.reduce_to_root {kind} %{a} root {root}{self.along(axes)} : "
                        f"{ta.mlir()}", ta, fn, (a,))

    def op_reduce(self):
        a = self.pick(lambda t: t.shape and t.dtype not in ("i1", "bf16"))
        ta = self.vals[a]
        dims = self.subset(list(range(len(ta.shape))))
        kind = self.choice(["sum", "max", "min"])
        keep = [d for d in range(len(ta.shape)) if d not in dims]
        # A reduced sliced dim leaves each rank its block's partial result.
        plc = [LOC if p[0] == "S" and p[1] in dims else SLC(keep.index(p[1])) if p[0] == "S"
               else p for p in ta.plc]
        tres = T([ta.shape[d] for d in keep], ta.dtype, plc,
                 {keep.index(d): o for d, o in ta.order.items() if d in keep})

        def fn(env, R, ext):
            out = []
            for r in range(R):
                c = coords(r, ext)
                x = env[a][r][tuple(slice(lo, lo + n) for lo, n in (
                    dim_block(ta, d, c, ext) if d in dims else (0, ta.shape[d])
                    for d in range(len(ta.shape))))]
                if x.size == 0 and kind != "sum":
                    raise Skip()  # max/min of an empty block
                out.append(REDUCTIONS[kind](x, axis=tuple(dims)))
            return out
        return self.add(f"coco.reduce {kind} %{a} dims {dims} : {ta.mlir()}", tres, fn, (a,))

    def op_norm(self):
        a = self.pick(lambda t: t.shape and not t.order and t.dtype in ("f32", "f64"))
        ta = self.vals[a]
        return self.add(f"coco.norm %{a} : {ta.mlir()}", T((), ta.dtype, ta.plc),
                        lambda env, R, ext: [np.sqrt(np.sum(x ** 2)) for x in env[a]], (a,))

    def op_extract(self):
        a = self.pick(lambda t: not t.shape and set(t.plc) == {REP} and t.dtype == "f32")
        return self.add(f"coco.extract %{a} : {self.vals[a].mlir()} -> f32", ("scalar",),
                        lambda env, R, ext: [float(x) for x in env[a]], (a,))

    def op_cast(self):
        a = self.pick(lambda t: True)
        ta = self.vals[a]
        to = self.choice([d for d in {"i1": ["i8", "i32", "f32"],
                                      "float": ["f32", "f64", "bf16", "f16", "i32", "i64"],
                                      "int": ["i8", "i32", "i64", "f32", "f64", "f16"]}[
            "i1" if ta.dtype == "i1" else "float" if ta.dtype in FLOATS else "int"]
            if d != ta.dtype])

        if ta.dtype in FLOATS and to in INTS and a in self.loose:
            raise Skip()  # truncating a value known to 3e-2 has no exact reference

        def fn(env, R, ext):
            if ta.dtype not in FLOATS or to in FLOATS:
                return list(env[a])
            # Float to int truncates toward zero: no values a rounding away
            # from an integer.
            for x in env[a]:
                if np.any((np.abs(x - np.round(x)) < 0.02) & (x != np.round(x))):
                    raise Skip()
            return [np.trunc(x) for x in env[a]]
        tres = ta.retyped(to)
        return self.add(f"coco.cast %{a} : {ta.mlir()} to {tres.mlir()}", tres, fn, (a,))

    def op_constant(self):
        ta = self.vals[self.pick(lambda t: t.dtype not in ("i1", "bf16"))]
        value = int(self.rng.integers(1, 4)) if ta.dtype in INTS else \
            round(float(self.rng.uniform(0.25, 2.0)), 2)
        return self.add(f"coco.constant {value if ta.dtype in INTS else f'{value:.6e}'} : "
                        f"{T(ta.shape, ta.dtype, [REP] * self.nd).mlir()}",
                        T(ta.shape, ta.dtype, [REP] * self.nd),
                        lambda env, R, ext: [np.full(ta.shape, value)] * R)

    def op_matmul(self):
        a = self.pick(lambda t: len(t.shape) == 2 and t.dtype in ("f32", "f64"))
        ta = self.vals[a]
        # Per axis, the rhs and result placements a lhs placement allows:
        # K sliced -> partial sums (local), M sliced -> rows, else N may be.
        plc_b, plc_c = [], []
        for p in ta.plc:
            pb, pc = {SLC(1): (SLC(0), LOC), SLC(0): (REP, SLC(0))}.get(p, (None, None))
            if pb is None:
                pb = self.choice([REP, LOC] if p == LOC else [SLC(1), REP, LOC])
                pc = LOC if LOC in (p, pb) else pb
            plc_b.append(pb)
            plc_c.append(pc)
        tb = T((ta.shape[1], int(self.choice([1, 2, 3, 5, 8]))), ta.dtype, plc_b,
               {0: ta.order[1]} if 1 in ta.order else {})
        same = [n for n, t in self.vals.items() if t == tb]
        b = self.choice(same) if same and self.rng.random() < 0.5 else \
            self.add_arg(f"a{len(self.args)}", tb)
        tc = T((ta.shape[0], tb.shape[1]), ta.dtype, plc_c,
               {d: o for d, o in ((0, ta.order.get(0)), (1, tb.order.get(1))) if o})

        def fn(env, R, ext):
            out = []
            for r in range(R):
                x, y = env[a][r], env[b][r]
                if 1 in ta.order:  # each rank multiplies its K block
                    lo, n = dim_block(ta, 1, coords(r, ext), ext)
                    x, y = x[:, lo:lo + n], y[lo:lo + n]
                out.append(x @ y)
            return out
        return self.add(f"coco.matmul %{a}, %{b} : {ta.mlir()}, {tb.mlir()}", tc, fn, (a, b))

    def op_cmp(self):
        a = self.pick(lambda t: t.dtype != "i1")
        ta = self.vals[a]
        pred = self.choice(["eq", "ne", "lt", "le", "gt", "ge"])
        b, btext, tres = self.second_operand(ta, True)
        f = {"eq": np.equal, "ne": np.not_equal, "lt": np.less, "le": np.less_equal,
             "gt": np.greater, "ge": np.greater_equal}[pred]
        loose = bool(self.loose & {a, b})

        def fn(env, R, ext):
            for r in range(R):  # no float operands a rounding away from a tie
                d = np.abs(np.asarray(env[a][r], float) - env[b][r])
                near = d < 2e-2 * np.maximum(1, np.abs(env[a][r]))
                if ta.dtype in FLOATS and np.any(near & ((d > 0) | loose)):
                    raise Skip()
            return [f(env[a][r], env[b][r]) for r in range(R)]
        return self.add(f"coco.cmp {pred} %{a}, %{b} : {ta.mlir()}, {btext}",
                        tres.retyped("i1"), fn, (a, b))

    def op_select(self):
        c = self.pick(lambda t: t.dtype == "i1")
        tc = self.vals[c]
        x = self.pick(lambda t: t.dtype != "i1" and
                      self.elementwise(tc.retyped(t.dtype), t) is not None)
        tx = self.vals[x]
        tcx = self.elementwise(tc.retyped(tx.dtype), tx)
        y, ytext, tres = self.second_operand(tcx, True)
        xtext = tx.mlir()
        if self.rng.random() < 0.3 and ytext != "f32":
            x, y, xtext, ytext = y, x, ytext, xtext
        return self.add(f"coco.select %{c}, %{x}, %{y} : {tc.mlir()}, {xtext}, {ytext}", tres,
                        lambda env, R, ext: [np.where(env[c][r] != 0, env[x][r], env[y][r])
                                             for r in range(R)], (x, y))

    def op_expand(self):
        a = self.pick(lambda t: len(t.shape) < 3)
        ta = self.vals[a]
        rank = int(self.rng.integers(len(ta.shape) + 1, 4))
        dims = sorted(self.rng.choice(rank, size=len(ta.shape), replace=False).tolist())
        shape = [int(self.rng.integers(1, 4)) for _ in range(rank)]
        unit = [1] * rank
        for i, d in enumerate(dims):
            shape[d] = unit[d] = ta.shape[i]
        tres = T(shape, ta.dtype, [SLC(dims[p[1]]) if p[0] == "S" else p for p in ta.plc],
                 {dims[d]: o for d, o in ta.order.items()})
        return self.add(f"coco.expand %{a} dims {dims} : {ta.mlir()} to {tres.mlir()}", tres,
                        lambda env, R, ext: [np.broadcast_to(x.reshape(unit), shape)
                                             for x in env[a]], (a,))

    def op_dropout(self):
        a = self.pick(lambda t: t.shape and t.dtype in ("f32", "f64"))
        ta = self.vals[a]
        p = float(self.choice([0.1, 0.25, 0.5, 0.75]))
        seed = int(self.rng.integers(2**40))
        keep = dropout_keep(ta.shape, p, seed)
        scale = float(np.float32(1) / (np.float32(1) - np.float32(p)))
        name = self.add(f"coco.dropout %{a}, %p{self.n + 1}, %seed{self.n + 1} : {ta.mlir()}",
                        ta, lambda env, R, ext: [np.where(keep, x * scale, 0.0)
                                                 for x in env[a]], (a,))
        self.lines[-1:-1] = [f"  %p{name[1:]} = arith.constant {p:.6e} : f32",
                             f"  %seed{name[1:]} = arith.constant {seed} : i64"]
        return name


OPS = [  # (weight, generator)
    (4, RandomProgram.op_binary), (1.5, RandomProgram.op_unary),
    (3, RandomProgram.op_all_reduce), (2, lambda p: p.op_all_reduce(scatter=True)),
    (2.5, RandomProgram.op_all_gather), (2, RandomProgram.op_slice),
    (1, RandomProgram.op_all_to_all), (1, RandomProgram.op_broadcast),
    (0.7, lambda p: p.op_broadcast(to_root=True)), (1.5, RandomProgram.op_reduce),
    (0.5, RandomProgram.op_norm), (0.5, RandomProgram.op_extract), (1.5, RandomProgram.op_cast),
    (0.5, RandomProgram.op_constant), (1, RandomProgram.op_matmul), (2, RandomProgram.op_cmp),
    (2, RandomProgram.op_select), (1.5, RandomProgram.op_expand), (1, RandomProgram.op_dropout),
]


def random_type(rng, shape, dtype, nd):
    plc = [LOC if u < 0.35 else REP if u < 0.6 or not shape else
           SLC(int(rng.integers(len(shape)))) for u in rng.random(nd)]
    order = {}
    for d in range(len(shape)):
        axes = [a for a, p in enumerate(plc) if p == SLC(d)]
        if len(axes) > 1 and rng.random() < 0.5:
            order[d] = axes[::-1]
    return T(shape, dtype, plc, order)


def random_shape(rng):
    u = rng.random()
    if u < 0.1:
        return ()
    if u < 0.4:
        return (int(rng.choice([1, 2, 3, 5, 7, 8, 13])),)
    if u < 0.8:
        return (int(rng.choice([1, 2, 3, 5, 7, 13])), int(rng.choice([1, 2, 3, 5, 7])))
    return tuple(int(x) for x in rng.integers(1, 5, 3))


def random_program(rng, grid, ranks):
    p = RandomProgram(rng, grid, ranks)
    main = str(rng.choice(["f32"] * 5 + ["f64", "f16", "i8", "i32", "i64"]))
    shapes = [random_shape(rng) for _ in range(int(rng.integers(1, 3)))]
    for _ in range(int(rng.integers(2, 6))):
        p.add_arg(f"a{len(p.args)}", random_type(rng, shapes[rng.integers(len(shapes))], main,
                                                 p.nd))
    if rng.random() < 0.3:
        p.add_arg(f"a{len(p.args)}", random_type(rng, shapes[0], "i1", p.nd))
    for _ in range(int(rng.integers(0, 3)) if main in FLOATS else 0):
        # A scalar with a default, overridden on the command line half the time.
        p.add_scalar(f"s{len(p.args)}", float(np.float32(round(rng.uniform(-1.5, 1.5), 3))),
                     float(np.float32(round(rng.uniform(-1.5, 1.5), 3)))
                     if rng.random() < 0.5 else None)
    weights = np.array([w for w, _ in OPS]) / sum(w for w, _ in OPS)
    wanted = int(rng.integers(4, 14))
    for _ in range(300):
        if p.n == wanted:
            break
        try:
            OPS[rng.choice(len(OPS), p=weights)][1](p)
        except Skip:
            pass
    values = [f"v{i}" for i in range(1, p.n + 1) if isinstance(p.vals[f"v{i}"], T)]
    for name, t in list(p.args):
        same = [v for v in values if p.vals[v] == t]
        if same and rng.random() < 0.6:
            p.updates.append((name, same[-1]))
    if values:
        chosen = rng.choice(values, size=min(int(rng.integers(1, 5)), len(values)), replace=False)
        p.results = sorted({values[-1], *chosen.tolist()}, key=lambda n: int(n[1:]))
    return p, p.text()


# -- control-flow templates ----------------------------------------------------

def template_branch(rng):
    """scf.if on an axis_rank: the branches compute differently (and, on a
    2-D grid, all_reduce along the other axis inside the branch)."""
    two = rng.random() < 0.5
    grid, ranks = ([2, -1], [2, 4]) if two else ([-1], sorted(rng.choice([2, 3, 4], 2, False)))
    p = Program(rng, grid, [int(R) for R in ranks])
    axis = int(rng.integers(2)) if two else 0
    dt = str(rng.choice(["f32", "f64"]))
    shape = tuple(int(n) for n in rng.choice([1, 3, 5], size=int(rng.integers(1, 3))))
    x = T(shape, dt, [LOC] * p.nd)
    y = T(shape, dt, [LOC if a == axis or not two else REP for a in range(p.nd)])
    z = T(shape, dt, [REP] * p.nd)
    p.add_arg("x", x)
    s = round(float(rng.uniform(0.5, 2)), 3)
    p.add_scalar("s", s)
    k = int(rng.integers(2))
    pred = str(rng.choice(["eq", "ne", "ult", "uge"]))
    taken = {"eq": np.equal, "ne": np.not_equal, "ult": np.less, "uge": np.greater_equal}[pred]
    k1, k2 = str(rng.choice(["sum", "max", "min"])), str(rng.choice(["sum", "max"]))
    inner = (lambda v: [f"    %{v}2 = coco.all_reduce {k1} %{v} along [{1 - axis}] : {x.mlir()}"]
             ) if two else (lambda v: [])
    p.lines = [f"  %r = coco.axis_rank @g[{axis}]", f"  %k = arith.constant {k} : index",
               f"  %c = arith.cmpi {pred}, %r, %k : index", f"  %y = scf.if %c -> {y.mlir()} {{",
               f"    %t = coco.mul %x, %s : {x.mlir()}, f32", *inner("t"),
               f"    scf.yield %t{'2' if two else ''} : {y.mlir()}", "  } else {",
               f"    %u = coco.add %x, %x : {x.mlir()}, {x.mlir()}", *inner("u"),
               f"    scf.yield %u{'2' if two else ''} : {y.mlir()}", "  }",
               f"  %z = coco.all_reduce {k2} %y along [{axis}] : {y.mlir()}"]

    def fy(env, R, ext):
        branch = [env["x"][q] * np.float32(s) if taken(coords(q, ext)[axis], k)
                  else 2 * env["x"][q] for q in range(R)]
        return [REDUCTIONS[k1]([branch[q] for q in group(r, [1 - axis], ext)], axis=0)
                if two else branch[r] for r in range(R)]
    p.define("y", y, fy)
    p.define("z", z, lambda env, R, ext: [REDUCTIONS[k2](
        [env["y"][q] for q in group(r, [axis], ext)], axis=0) for r in range(R)])
    p.results = ["y", "z"]
    return p, p.text()


def template_loop(rng):
    """An scf.for whose body all_reduces (and, alternating, takes an scf.if
    with another all_reduce in one branch), then updates a state argument."""
    grid, ranks = [([-1], sorted(rng.choice([1, 2, 3, 4], 2, False))), ([2, 2], [4]),
                   ([2, -1], [2, 4])][rng.choice(3, p=[0.5, 0.25, 0.25])]
    p = Program(rng, grid, [int(R) for R in ranks])
    dt = str(rng.choice(["f32", "f64"]))
    n = int(rng.choice([1, 2, 5, 7, 13]))
    shape = (n,) if rng.random() < 0.6 else (n, int(rng.choice([1, 3])))
    rep, loc = T(shape, dt, [REP] * p.nd), T(shape, dt, [LOC] * p.nd)
    p.add_arg("w", rep)
    p.add_arg("g", loc)
    steps, kind = int(rng.integers(0, 5)), str(rng.choice(["sum", "avg"]))
    alternate = rng.random() < 0.5
    p.lines = ["  %c0 = arith.constant 0 : index", "  %c1 = arith.constant 1 : index",
               "  %c2 = arith.constant 2 : index", f"  %cn = arith.constant {steps} : index",
               f"  %out = scf.for %i = %c0 to %cn step %c1 iter_args(%acc = %w) -> "
               f"({rep.mlir()}) {{",
               "    %ii = arith.index_cast %i : index to i64",
               "    %fi = arith.sitofp %ii : i64 to f32",
               f"    %l = coco.mul %g, %fi : {loc.mlir()}, f32",
               f"    %m = coco.add %acc, %l : {rep.mlir()}, {loc.mlir()}",
               f"    %s = coco.all_reduce {kind} %m : {loc.mlir()}"]
    if alternate:  # even steps: sqrt(s * s); odd steps: s - max of g over the ranks
        p.lines += ["    %par = arith.remui %i, %c2 : index",
                    "    %even = arith.cmpi eq, %par, %c0 : index",
                    f"    %q = scf.if %even -> ({rep.mlir()}) {{",
                    f"      %h = coco.mul %s, %s : {rep.mlir()}, {rep.mlir()}",
                    f"      %hs = coco.sqrt %h : {rep.mlir()}",
                    f"      scf.yield %hs : {rep.mlir()}",
                    "    } else {", f"      %gm = coco.all_reduce max %g : {loc.mlir()}",
                    f"      %hm = coco.sub %s, %gm : {rep.mlir()}, {rep.mlir()}",
                    f"      scf.yield %hm : {rep.mlir()}", "    }"]
    p.lines += [f"    scf.yield %{'q' if alternate else 's'} : {rep.mlir()}", "  }",
                f"  %norm = coco.norm %out : {rep.mlir()}"]

    def fout(env, R, ext):
        acc, g = env["w"][0], env["g"]
        for i in range(steps):
            acc = REDUCTIONS[kind]([acc + i * g[r] for r in range(R)], axis=0)
            if alternate:
                acc = np.abs(acc) if i % 2 == 0 else acc - np.max(g, axis=0)
        return [acc] * R
    p.define("out", rep, fout)
    p.define("norm", T((), dt, [REP] * p.nd),
             lambda env, R, ext: [np.sqrt(np.sum(x ** 2)) for x in env["out"]])
    p.updates, p.results = [("w", "out")], ["norm"]
    return p, p.text()


def template_calls(rng):
    """Two calls of a private callee that all_reduces and calls another that
    slices, adds a scalar and gathers."""
    grid, ranks = ([-1], [1, 2, 3, 4]) if rng.random() < 0.6 else ([2, -1], [2, 4])
    p = Program(rng, grid, sorted(rng.choice(ranks, 2, False).tolist()))
    dt, n = str(rng.choice(["f32", "f64"])), int(rng.choice([2, 3, 5, 8]))
    rep, loc = T((n,), dt, [REP] * p.nd), T((n,), dt, [LOC] * p.nd)
    sl = T((n,), dt, [SLC(0)] + [REP] * (p.nd - 1))
    p.add_arg("a", loc)
    p.add_arg("b", rep)
    s = round(float(rng.uniform(-1, 1)), 3)
    p.add_scalar("s", s)
    kind = str(rng.choice(["sum", "max", "min", "avg"]))
    callees = "\n".join([
        f"func.func private @k2(%v: {rep.mlir()}, %t: f32) -> {rep.mlir()} {{",
        f"  %sl = coco.slice %v dim 0 along [0] : {rep.mlir()}",
        f"  %e = coco.add %sl, %t : {sl.mlir()}, f32",
        f"  %ga = coco.all_gather %e along [0] : {sl.mlir()}", f"  return %ga : {rep.mlir()}", "}",
        f"func.func private @h(%x: {loc.mlir()}, %y: {rep.mlir()}, %t: f32) -> {rep.mlir()} {{",
        f"  %m = coco.mul %x, %y : {loc.mlir()}, {rep.mlir()}",
        f"  %ar = coco.all_reduce {kind} %m : {loc.mlir()}",
        f"  %r2 = func.call @k2(%ar, %t) : ({rep.mlir()}, f32) -> {rep.mlir()}",
        f"  return %r2 : {rep.mlir()}", "}"])
    call = f" : ({loc.mlir()}, {rep.mlir()}, f32) -> {rep.mlir()}"
    p.lines = [f"  %o1 = func.call @h(%a, %b, %s){call}",
               f"  %a2 = coco.sub %a, %o1 : {loc.mlir()}, {rep.mlir()}",
               f"  %o2 = func.call @h(%a2, %o1, %s){call}"]

    def h(xs, y):
        return [REDUCTIONS[kind]([x * y for x in xs], axis=0) + np.float32(s)] * len(xs)
    p.define("o1", rep, lambda env, R, ext: h(env["a"], env["b"][0]))
    p.define("o2", rep, lambda env, R, ext: h([x - env["o1"][0] for x in env["a"]],
                                              env["o1"][0]))
    p.updates, p.results = [("b", "o2")], ["o1", "o2"]
    return p, p.text(callees)


def template_relay(rng):
    """A pipeline relay on grid [stages, tp]: in step k stage k all_reduces
    its part and sends it (plus its accumulator) to stage k + 1."""
    tp = int(rng.choice([1, 2]))
    p = Program(rng, [-1, tp],
                [2, 4] if tp == 2 else sorted(rng.choice([2, 3, 4], 2, False).tolist()))
    dt, n = str(rng.choice(["f32", "f64"])), int(rng.choice([1, 3, 5, 6]))
    part, rep = T((n,), dt, [REP, LOC]), T((n,), dt, [REP, REP])
    p.add_arg("p", part)
    p.add_arg("r", rep)
    kind = str(rng.choice(["sum", "max"]))
    add_after = rng.random() < 0.5  # the receiver adds its accumulator (else the sender does)
    p.lines = [
        "  %c0 = arith.constant 0 : index", "  %c1 = arith.constant 1 : index",
        "  %stages = coco.axis_size @g[0]", "  %last = arith.subi %stages, %c1 : index",
        "  %stage = coco.axis_rank @g[0]",
        f"  %z = scf.for %step = %c0 to %last step %c1 iter_args(%acc = %r) -> {rep.mlir()} {{",
        "    %next = arith.addi %step, %c1 : index",
        "    %sender = arith.cmpi eq, %stage, %step : index",
        "    %receiver = arith.cmpi eq, %stage, %next : index",
        f"    %res = scf.if %sender -> {rep.mlir()} {{",
        f"      %y = coco.all_reduce {kind} %p along [1] : {part.mlir()}",
        f"      %y2 = coco.add %y, %acc : {rep.mlir()}, {rep.mlir()}",
        f"      coco.send %{'y' if add_after else 'y2'} to %next along 0 : {rep.mlir()}",
        f"      scf.yield %acc : {rep.mlir()}", "    } else {",
        f"      %in = scf.if %receiver -> {rep.mlir()} {{",
        *([f"        %x0 = coco.recv from %step along 0 : {rep.mlir()}",
           f"        %x = coco.add %x0, %acc : {rep.mlir()}, {rep.mlir()}"] if add_after else
          [f"        %x = coco.recv from %step along 0 : {rep.mlir()}"]),
        f"        scf.yield %x : {rep.mlir()}", "      } else {",
        f"        scf.yield %acc : {rep.mlir()}", "      }", f"      scf.yield %in : {rep.mlir()}",
        "    }", f"    scf.yield %res : {rep.mlir()}", "  }"]

    def fz(env, R, ext):
        accs = [env["r"][0]]
        for stage in range(ext[0] - 1):
            y = REDUCTIONS[kind]([env["p"][q] for q in group(stage * tp, [1], ext)], axis=0)
            accs.append(y + (env["r"][0] if add_after else accs[-1]))
        return [accs[coords(r, ext)[0]] for r in range(R)]
    p.define("z", rep, fz)
    p.results = ["z"]
    return p, p.text()


def template_shift(rng):
    """A ring shift with coco.send/recv to computed ranks, even ranks sending
    first (no deadlock on any count)."""
    p = Program(rng, [-1], [2, 4] if rng.random() < 0.5 else [3])
    lt = T(tuple(int(n) for n in rng.choice([1, 2, 4], size=int(rng.integers(0, 3)))),
           str(rng.choice(["f32", "f64", "i32", "f16", "i64"])), [LOC])
    p.add_arg("x", lt)
    p.lines = [
        "  %c0 = arith.constant 0 : index", "  %c1 = arith.constant 1 : index",
        "  %c2 = arith.constant 2 : index", "  %n = coco.axis_size @g[0]",
        "  %r = coco.axis_rank @g[0]", "  %r1 = arith.addi %r, %c1 : index",
        "  %to = arith.remui %r1, %n : index", "  %rn = arith.addi %r, %n : index",
        "  %rm = arith.subi %rn, %c1 : index", "  %from = arith.remui %rm, %n : index",
        "  %par = arith.remui %r, %c2 : index", "  %even = arith.cmpi eq, %par, %c0 : index",
        f"  %y = scf.if %even -> {lt.mlir()} {{", f"    coco.send %x to %to : {lt.mlir()}",
        f"    %a = coco.recv from %from : {lt.mlir()}", f"    scf.yield %a : {lt.mlir()}",
        "  } else {", f"    %b = coco.recv from %from : {lt.mlir()}",
        f"    coco.send %x to %to : {lt.mlir()}", f"    scf.yield %b : {lt.mlir()}", "  }"]
    p.define("y", lt, lambda env, R, ext: [env["x"][(r - 1) % R] for r in range(R)], ("x",))
    p.results = ["y"]
    return p, p.text()


TEMPLATES = [template_branch, template_loop, template_calls, template_relay, template_shift]


# -- compiling, running, comparing ---------------------------------------------------

GRIDS = [  # (grid, rank counts; None: two of 1-4)
    ([-1], None), ([2], [2]), ([3], [3]), ([4], [4]), ([2, 2], [4]), ([1, 3], [3]),
    ([3, 1], [3]), ([2, -1], [2, 4]), ([2, 1, 2], [4]), ([1, 2, 2], [4]),
]

# coco.split + coco.reorder + coco.fuse_reduce_scatter as a transform script
# (each sequence suppresses its failures, so it never refuses).
TRANSFORM_SCRIPT = """module attributes {transform.with_named_sequence} {
  transform.named_sequence @__transform_main(%root: !transform.any_op {transform.readonly}) {
    transform.sequence %root : !transform.any_op failures(suppress) {
    ^bb0(%r: !transform.any_op):
      %ar = transform.structured.match ops{["coco.all_reduce"]} in %r : (!transform.any_op) -> !transform.any_op
      %ag = transform.coco.split %ar into rs_ag : (!transform.any_op) -> !transform.any_op
    }
    transform.sequence %root : !transform.any_op failures(suppress) {
    ^bb0(%r: !transform.any_op):
      %f = transform.structured.match ops{["func.func"]} in %r : (!transform.any_op) -> !transform.any_op
      %f2 = transform.coco.reorder %f : (!transform.any_op) -> !transform.any_op
    }
    transform.sequence %root : !transform.any_op failures(suppress) {
    ^bb0(%r: !transform.any_op):
      %rs = transform.structured.match ops{["coco.reduce_scatter"]} in %r : (!transform.any_op) -> !transform.any_op
      %x = transform.coco.fuse_reduce_scatter %rs : (!transform.any_op) -> !transform.any_op
    }
    transform.yield
  }
}
"""

CRASH_MARKERS = ("Stack dump", "PLEASE submit a bug report", "Assertion", "LLVM ERROR",
                 "UNREACHABLE")


def variants(p, text, rng, args):
    """The schedules a program may be compiled with: (name, coco-compile
    options). Only those with --pre-pass may refuse the program."""
    lower, pre = "coco-lower-to-cpu", lambda *passes: [f"--pre-pass={x}" for x in passes]
    static = -1 not in p.grid
    found = [("unfused", ["--pipeline", lower + "{fuse-elementwise=false}"]), ("O0", ["-O", "0"])]
    if "coco.all_reduce" in text:
        found += [("split", pre("--coco-split")),
                  ("split-reduce-bcast", pre("--coco-split=into=reduce-bcast root=0")),
                  ("split-reorder", pre("--coco-split", "--coco-reorder"))]
        if p.nd == 2:
            found.append(("hierarchical", pre("--coco-hierarchical-all-reduce=inner=1",
                                              "--coco-reorder")))
        state = [a for a, _ in p.updates if set(p.vals[a].plc) == {REP}]
        if state:
            found.append(("shard-state", pre("--coco-split", "--coco-reorder",
                                             "--coco-shard-state=args=" + ",".join(state))))
        if "coco.matmul" in text:
            found.append(("overlap", ["--pipeline", lower + "{overlap-chunks=2}"]))
    if "coco.all_reduce" in text or "coco.reduce_scatter" in text:
        found.append(("transform", pre(
            "--transform-preload-library=transform-library-paths=" + args.transform_script,
            "--transform-interpreter")))
        if static:  # the fused loop needs the rank count at compile time
            chunk = int(rng.choice([0, 16]))
            fused = f"{{fuse-reduce-scatter=true exchange-chunk-bytes={chunk}}}"
            found.append((f"fuse-reduce-scatter-{chunk}", pre("--coco-split", "--coco-reorder") +
                          ["--pipeline", lower + fused]))
    if "coco.send" in text:
        found.append(("pipeline-send", pre("--coco-pipeline-send", "--coco-reorder")))
    if static and args.profile:
        found.append(("auto", ["--pipeline", lower + f"{{schedule=auto profile={args.profile} "
                                                     f"ranks={p.ranks[0]}}}"]))
    picked = rng.choice(len(found), size=min(args.schedules, len(found)), replace=False)
    return [("plain", [])] + [found[i] for i in sorted(picked)]


def run_and_compare(p, exe, R, timeout):
    """Runs `exe` on R ranks with the reference's inputs; returns a
    description of each output's first mismatch on each rank."""
    entry = json.load(open(exe + ".json"))["entries"][0]
    env, ext = p.env[R], p.ext(R)
    inputs, local_inputs, scalars, expected = {}, {}, {}, {}
    for arg in entry["args"]:
        name = arg["name"]
        if arg["kind"] == "scalar":
            given = dict(p.args)[name][2]
            if given is not None:
                scalars[name] = given
            continue
        t = manifest_type(arg)  # the schedule may have changed an argument's placements
        if t.local_axes():
            local_inputs[name] = [to_storage(block(env[name][r], t, r, ext), t.dtype)
                                  for r in range(R)]
        else:
            inputs[name] = to_storage(env[name][0], t.dtype)
        if arg["updated"]:
            expected[name] = (t, dict(p.updates)[name])
    for result in entry["results"]:
        expected[result["name"]] = (manifest_type(result), result["name"][2:])
    outputs = {name: (numpy_dtype(t.dtype), lambda r, t=t, v=v: block(env[v][r], t, r, ext).shape)
               for name, (t, v) in expected.items()}
    got, _ = coco_harness.run(exe, R, inputs, local_inputs, scalars, outputs, timeout=timeout,
                              extra_args=["--quiet"])
    mismatches = []
    for name, (t, v) in expected.items():
        for r in range(R):
            want = block(env[v][r], t, r, ext)
            have = np.asarray(from_storage(got[name][r], t.dtype), np.float64)
            if t.dtype in INTS:
                bad = have != want
            else:
                # Relative to the value's magnitude on the rank: sums of
                # rounded terms cancel. bf16/f16 anywhere upstream: 3e-2.
                rtol = 3e-2 if v in p.loose else 1e-9 if t.dtype == "f64" else 2e-4
                scale = max(1.0, float(np.max(np.abs(env[v][r]), initial=0)))
                bad = ~(np.abs(have - want) <= rtol * (scale + np.abs(want)))
            if np.any(bad):
                at = tuple(int(i) for i in np.argwhere(bad)[0])
                mismatches.append(f"{name} on rank {r}: first difference at {at}: got "
                                  f"{float(have[at])!r}, expected {float(want[at])!r} (block shape "
                                  f"{want.shape}, {int(np.sum(bad))} elements differ)")
    return mismatches


def draw_program(index):
    """Program `index`: every fifth a control-flow template."""
    rng = np.random.default_rng(index)
    if index % 5 == 4:
        return rng, *TEMPLATES[rng.integers(len(TEMPLATES))](rng)
    grid, ranks = GRIDS[rng.integers(len(GRIDS))]
    ranks = ranks or sorted(int(R) for R in rng.choice([1, 2, 3, 4], 2, replace=False))
    return rng, *random_program(rng, grid, ranks)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seed", type=int, default=0, help="first program number")
    parser.add_argument("--count", type=int, default=26, help="number of programs")
    parser.add_argument("--schedules", type=int, default=1,
                        help="schedule variants per program besides the plain one")
    parser.add_argument("--coco-compile", default="coco-compile")
    parser.add_argument("--profile", help="cost profile: also draw schedule=auto")
    parser.add_argument("--work-dir", required=True, help="programs and executables")
    parser.add_argument("--timeout", type=int, default=120, help="seconds per compile or run")
    args = parser.parse_args()
    os.makedirs(args.work_dir, exist_ok=True)
    args.transform_script = os.path.join(os.path.abspath(args.work_dir), "schedule.mlir")
    with open(args.transform_script, "w") as f:
        f.write(TRANSFORM_SCRIPT)
    runs = refused = 0
    failures = []
    for index in range(args.seed, args.seed + args.count):
        rng, p, text = draw_program(index)
        source = os.path.join(args.work_dir, f"p{index}.mlir")
        with open(source, "w") as f:
            f.write(text)
        for name, options in variants(p, text, rng, args):
            exe = os.path.join(args.work_dir, f"p{index}-{name}")
            cmd = [args.coco_compile, source, "-o", exe, "--signature", exe + ".json", *options]
            where = (f"program {source} ({name}): {shlex.join(cmd)}\n  reproduce: "
                     f"{os.path.basename(__file__)} --seed {index} --count 1")
            try:
                proc = subprocess.run(cmd, capture_output=True, text=True, timeout=args.timeout)
                printed = proc.stdout + proc.stderr
            except subprocess.TimeoutExpired:
                failures.append(f"{where}\n  compile did not finish in {args.timeout} s")
                continue
            if proc.returncode:
                if (any(o.startswith("--pre-pass") for o in options) and
                        "coco-opt failed (exit 1)" in printed and
                        not any(m in printed for m in CRASH_MARKERS)):
                    refused += 1  # a schedule's precondition does not hold: a diagnostic
                    continue
                failures.append(f"{where}\n  compile failed (exit {proc.returncode}):\n{printed}")
                continue
            for R in p.ranks:
                runs += 1
                try:
                    problems = run_and_compare(p, exe, R, args.timeout)
                except coco_harness.ProgramFailed as error:
                    problems = [str(error)]
                failures += [f"{where}\n  on {R} ranks: {m}" for m in problems]
    for failure in failures:
        print(f"FAIL: {failure}")
    print(f"random programs: {args.count} programs, {runs} runs, {refused} refused schedules, "
          f"{len(failures)} mismatches")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
