"""Building coco programs: grids, distributed parameters, values, and the
Program that holds one entry function.

Types. Every tensor op is written as coco IR with its operand types only (the
syntax of coco's ops with inferred result types), and coco-opt parses and
verifies it on its own (a one-op function whose arguments are the operands)
and prints it generically, which gives the result type. So the placement
rules live in one place, the C++ op definitions: the front end does not
re-implement them, and an illegal combination raises CocoError with the
verifier's diagnostic at the Python line that built the op. Answers are
cached (the same op on the same types is asked once per process).
"""
import os
import re
import subprocess
import sys

import numpy as np

from . import compiler
from .dtypes import element_type, is_float, to_storage
from .placements import (CocoError, Local, Replicated, Sliced, TensorType, _scan_dtensor_types,
                         check_int, placement)
from .schedules import Schedule
from .tools import run_tool, tool_path


def _float_literal(value):
    """A float as MLIR reads it (which 1e-08 is not)."""
    return "%.17e" % float(value)


def _literal(value, dtype):
    """`value` as an MLIR literal of `dtype`. It is judged as a tensor's
    values are (dtypes.to_storage): a non-whole number or one out of range
    for an integer type is refused (int() truncated 0.5; 2**40 for an i32
    failed only in coco-opt), and so is a finite number a float type would
    make inf. inf and NaN are spelled by their bits, as MLIR reads them."""
    if is_float(dtype) and isinstance(value, (int, np.integer)):
        try:
            value = float(value)  # to_storage takes bf16 values as floats only
        except OverflowError:
            raise CocoError(f"{value} is beyond every {dtype} value") from None
    stored = to_storage(value, dtype, "value")
    if not is_float(dtype):
        return str(int(stored))
    if np.isfinite(float(value)):
        return _float_literal(value)
    return f"0x{int(stored.view(f'u{stored.itemsize}')):0{2 * stored.itemsize}X}"


# -- asking coco-opt ----------------------------------------------------------

_PACKAGE_DIR = os.path.dirname(os.path.abspath(__file__))


def _user_location():
    """(file, line) of the innermost caller outside this package."""
    frame = sys._getframe(1)
    while frame is not None and \
            os.path.dirname(os.path.abspath(frame.f_code.co_filename)) == _PACKAGE_DIR:
        frame = frame.f_back
    if frame is None:
        return None
    return frame.f_code.co_filename, frame.f_lineno


def _loc_attr(loc):
    if loc is None:
        return ""
    name = loc[0].replace("\\", "\\\\").replace('"', '\\"')
    return f' loc("{name}":{loc[1]}:1)'


def _check_name(name, what):
    """Names become SSA names, coco.name strings, keyword arguments of
    in-process calls, file names and --set keys: identifiers only (a quote
    or '=' once surfaced as an MLIR parse error of the generated program)."""
    if not isinstance(name, str) or not re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", name):
        raise CocoError(f"{_where(_user_location())}{what} name {name!r} must be an identifier "
                        "(letters, digits and '_', not starting with a digit)")
    if re.fullmatch(r"_[0-9]+", name):
        raise CocoError(f"{_where(_user_location())}{what} name {name!r} is reserved: the "
                        "builder names its own values '_' and a number")


def _where(loc):
    return f"{loc[0]}:{loc[1]}: " if loc else ""


_DIAGNOSTIC = re.compile(r"^.*?:\d+:\d+: (error|warning|note): (.*)$")


def _diagnostics(stderr):
    """The messages of coco-opt's diagnostics (without the query's locations)."""
    messages = []
    for line in stderr.splitlines():
        m = _DIAGNOSTIC.match(line)
        if not m or m.group(2).startswith("see current operation"):
            continue
        messages.append(m.group(2) if m.group(1) == "error" else f"{m.group(1)}: {m.group(2)}")
    return "\n".join(messages) or stderr.strip()


_QUERIES = {}


def _query(grid_decl, operand_types, text, result=True):
    """Verifies `text` (an op whose operands are %a0, %a1, ... of
    `operand_types`; None: no op) in a function of its own; returns its
    result type as coco-opt prints it (None without a result; the canonical
    type of %a0 when `text` is None), or raises CocoError with the
    verifier's diagnostic."""
    key = (grid_decl, tuple(operand_types), text, result)
    if key not in _QUERIES:
        args = ", ".join(f"%a{i}: {t}" for i, t in enumerate(operand_types))
        body = "" if text is None else f"  {'%r = ' if result else ''}{text}\n"
        module = f"{grid_decl}\nfunc.func @query({args}) {{\n{body}  return\n}}\n"
        proc = subprocess.run([tool_path("coco-opt"), "-", "--mlir-print-op-generic"],
                              input=module, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        if proc.returncode != 0:
            answer = (False, _diagnostics(proc.stderr))
        elif text is None:
            answer = (True, _scan_dtensor_types(proc.stdout)[0])
        elif not result:
            answer = (True, None)
        else:
            line = next(ln for ln in proc.stdout.splitlines() if ln.lstrip().startswith("%0 = "))
            answer = (True, line.rsplit(" -> ", 1)[1].strip())
        _QUERIES[key] = answer
    ok, value = _QUERIES[key]
    if not ok:
        raise CocoError(value)
    return value


# -- grids and values -----------------------------------------------------------

class Grid:
    """A process grid of one or more axes: `Grid("dp")` (one axis, as many
    ranks as the run has), `Grid("g", [2, 2])` (axis 0 outer: e.g. data
    parallel x tensor parallel). An extent None is '?', the world size
    divided by the other extents at run time (at most one). World ranks map
    onto the grid row-major."""

    def __init__(self, name, shape=(None,)):
        _check_name(name, "grid")
        where = f"{_where(_user_location())}grid @{name}: "
        if not _is_sequence(shape) or not 1 <= len(shape) <= 4:
            raise CocoError(f"{where}a grid has 1 to 4 axes: its shape is a list of 1 to 4 "
                            f"extents, got {shape!r}")
        try:
            # (2.5 and "ab" were parse errors of the IR at the first param.)
            self.shape = [None if e is None else check_int(e, "an extent", 1) for e in shape]
        except CocoError as error:
            raise CocoError(f"{where}{error} (or None: '?')") from None
        if self.shape.count(None) > 1:
            raise CocoError(f"{where}at most one extent may be None ('?': the world size "
                            f"divided by the others), got {shape!r}")
        self.name = name

    @property
    def ndim(self):
        return len(self.shape)

    def decl(self):
        extents = ", ".join("?" if e is None else str(e) for e in self.shape)
        return f"coco.grid @{self.name}(shape = [{extents}])"

    def extents(self, ranks):
        """The extent of every axis when the program runs on `ranks` ranks."""
        check_int(ranks, "ranks", 1)
        known = 1
        for e in self.shape:
            known *= e or 1
        if None not in self.shape:
            if known != ranks:
                raise CocoError(f"grid @{self.name} {self.shape} has {known} ranks; "
                                f"cannot run on {ranks}")
            return list(self.shape)
        if ranks % known:
            raise CocoError(f"grid @{self.name} {self.shape}: {ranks} ranks are not a "
                            f"multiple of {known}")
        return [ranks // known if e is None else e for e in self.shape]


class _Value:
    def __init__(self, prog, ssa):
        self.prog = prog
        self.ssa = ssa


class Scalar(_Value):
    """A scalar SSA value (a hyper-parameter); arithmetic emits arith ops."""

    def __init__(self, prog, ssa, dtype="f32"):
        super().__init__(prog, ssa)
        self.dtype = dtype

    @property
    def type(self):
        return self.dtype

    # The arith op of an integer scalar for each float one (none for / and
    # **: an integer quotient or power would not be what Python computes).
    _INTEGER_OPS = {"addf": "addi", "subf": "subi", "mulf": "muli"}

    def _binary(self, other, op, reverse=False):
        if not is_float(self.dtype):
            if op not in self._INTEGER_OPS:
                raise CocoError(f"{self.dtype} scalars have +, - and *; for {op[:-1]} "
                                "use f32 scalars")
            op = self._INTEGER_OPS[op]
        other = self.prog._as_scalar(other, self.dtype)
        self._same_type(other)
        a, b = (other, self) if reverse else (self, other)
        return self.prog._scalar_op(f"arith.{op} {a.ssa}, {b.ssa} : {self.dtype}", self.dtype)

    def __add__(self, o):
        return self._tensor_or(o, "__radd__") or self._binary(o, "addf")

    def __radd__(self, o):
        return self._binary(o, "addf", True)

    def __sub__(self, o):
        return self._tensor_or(o, "__rsub__") or self._binary(o, "subf")

    def __rsub__(self, o):
        return self._binary(o, "subf", True)

    def __mul__(self, o):
        return self._tensor_or(o, "__rmul__") or self._binary(o, "mulf")

    def __rmul__(self, o):
        return self._binary(o, "mulf", True)

    def __truediv__(self, o):
        return self._tensor_or(o, "__rtruediv__") or self._binary(o, "divf")

    def __rtruediv__(self, o):
        return self._binary(o, "divf", True)

    def __pow__(self, o):
        if not is_float(self.dtype):
            raise CocoError(f"{self.dtype} scalars have +, - and *; for pow use f32 scalars")
        o = self.prog._as_scalar(o, self.dtype)
        self._same_type(o)
        return self.prog._scalar_op(f"math.powf {self.ssa}, {o.ssa} : {self.dtype}", self.dtype)

    def _same_type(self, other):
        # (An i32 and an f32 scalar were MLIR's "expects different type".)
        if other.dtype != self.dtype:
            raise CocoError(f"{_where(_user_location())}a scalar of type {other.dtype} with one "
                            f"of type {self.dtype}: coco does not convert scalars (declare both "
                            f"{self.dtype})")

    def __rpow__(self, o):
        return self.prog._as_scalar(o, self.dtype) ** self

    def __neg__(self):
        if is_float(self.dtype):
            return self.prog._scalar_op(f"arith.negf {self.ssa} : {self.dtype}", self.dtype)
        return self._binary(0, "subf", True)

    def _tensor_or(self, other, reflected):
        return getattr(other, reflected)(self) if isinstance(other, Tensor) else None


class Tensor(_Value):
    """A distributed tensor. `type` is its `!coco.dtensor` type as coco-opt
    prints it; `placements` has one Placement per grid axis."""

    def __init__(self, prog, ssa, type_text):
        super().__init__(prog, ssa)
        self.type = type_text
        self.ttype = TensorType.parse(type_text)

    @property
    def shape(self):
        return self.ttype.shape

    @property
    def dtype(self):
        return self.ttype.dtype

    @property
    def grid(self):
        return self.prog.grid

    @property
    def placements(self):
        """One Placement per axis of the grid."""
        return self.ttype.placement_list(self.prog.grid.ndim)

    def _one_axis(self):
        placed = [(a, p) for a, p in enumerate(self.placements) if p != Replicated()]
        if not placed:
            return 0, Replicated()
        return placed[0] if len(placed) == 1 else (None, None)

    @property
    def layout(self):
        """The one-axis view: 'replicated', 'local' or 'sliced' when at most
        one axis is not replicated; None otherwise (see `placements`)."""
        p = self._one_axis()[1]
        return p.kind if p is not None else None

    @property
    def dim(self):
        p = self._one_axis()[1]
        return p.dim if isinstance(p, Sliced) else None

    @property
    def axis(self):
        return self._one_axis()[0]

    def __repr__(self):
        return f"<coco.Tensor {self.ssa}: {self.type}>"

    def _pointwise(self, op, other, reverse=False):
        return self.prog._pointwise(op, (other, self) if reverse else (self, other))

    def __add__(self, o):
        return self._pointwise("add", o)

    def __radd__(self, o):
        return self._pointwise("add", o, True)

    def __sub__(self, o):
        return self._pointwise("sub", o)

    def __rsub__(self, o):
        return self._pointwise("sub", o, True)

    def __mul__(self, o):
        return self._pointwise("mul", o)

    def __rmul__(self, o):
        return self._pointwise("mul", o, True)

    def _float_only(self, what):
        # As for integer scalars: coco's integer quotient truncates toward
        # zero (-3 / 2 was -1), neither Python's / nor //, and a constant 0
        # divisor was folded away (w / 0 returned w).
        if not is_float(self.dtype):
            raise CocoError(f"{_where(_user_location())}{self.dtype} tensors have +, -, * "
                            f"and unary -; for {what} use a floating-point tensor")

    def __truediv__(self, o):
        self._float_only("/")
        return self._pointwise("div", o)

    def __rtruediv__(self, o):
        self._float_only("/")
        return self._pointwise("div", o, True)

    def __pow__(self, o):
        self._float_only("**")
        return self._pointwise("pow", o)

    def __rpow__(self, o):
        self._float_only("**")
        return self._pointwise("pow", o, True)

    def __neg__(self):
        return self.prog._unary("neg", self)

    def __abs__(self):
        return self.prog._unary("abs", self)

    def item(self):
        """The value of a rank-0 tensor (e.g. a norm) as a Scalar."""
        return self.prog._op(lambda a: f"coco.extract {a} : {self.type} -> {self.dtype}", [self])


def _placements_of(layout, dim, axis, placements, grid):
    """The placement list of a parameter: `placements`, or the one-axis form
    (layout on `axis`, replicated elsewhere)."""
    if placements is not None:
        if layout is not None or dim is not None or axis is not None:
            raise CocoError("pass either placements= or layout=/dim=/axis=, not both")
        # One placement for a one-axis grid; ("sliced", 0) is one too, not
        # a list of "sliced" and 0.
        if isinstance(placements, (str, Local, Replicated, Sliced)) or \
                (isinstance(placements, tuple) and placements and placements[0] == "sliced"):
            placements = [placements]
        return [placement(p) for p in placements]
    layout = "replicated" if layout is None else layout
    # (axis=-1 and dim=0.7 silently meant 0.)
    axis = 0 if axis is None else check_int(axis, f"axis (of grid @{grid.name})", 0, grid.ndim)
    if layout not in ("replicated", "local", "sliced"):
        raise CocoError(f"unknown layout {layout!r}: 'replicated', 'local' or 'sliced' "
                        "(with dim=)")
    if layout != "sliced":
        if dim is not None:
            raise CocoError(f"dim= goes with layout='sliced', not {layout!r}")
        return [Replicated()] * axis + [placement(layout)]
    if dim is None:
        raise CocoError("a sliced parameter needs dim=")
    return [Replicated()] * axis + [Sliced(dim)]


def _shape(shape):
    """A parameter's global shape as a tuple of ints (int() truncated 4.9;
    a bare 16 was a TypeError). coco-opt judges the dimensions' values."""
    if not _is_sequence(shape):
        raise CocoError(f"the shape is a tuple or list of dimensions (e.g. (16,), or () for "
                        f"a rank-0 tensor), not {shape!r}")
    return tuple(check_int(d, "a dimension") for d in shape)


def _is_sequence(value):
    """A tuple, list, range or 1-d array (of extents); not a string, nor a
    bare number."""
    if isinstance(value, np.ndarray):
        return value.ndim == 1
    return isinstance(value, (tuple, list, range))


# How the generated host program fills a parameter run without --in
# (coco.init; lib/Dialect/Coco/IR/CocoDialect.cpp): a value is spliced into
# the IR, so it is checked here (a quote broke the module).
INITS = ("Uniform", "Positive", "Zeros", "Ones")


class Program:
    """One entry function of a coco module over the process grid `grid`."""

    def __init__(self, name, grid):
        _check_name(name, "program")
        self.loc = _user_location()
        if not isinstance(grid, Grid):
            raise CocoError(f"{_where(self.loc)}program '{name}': grid must be a coco.Grid, "
                            f"not {type(grid).__name__}")
        if grid.name == name:  # (a "redefinition of symbol" at compile time)
            raise CocoError(f"{_where(self.loc)}program '{name}' and its grid @{name} share a "
                            "name: both are symbols of one module; name one of them otherwise")
        self.name = name
        self.grid = grid
        self._names = {}      # argument names -> "parameter" or "scalar"
        self.args = []        # (text, Tensor|Scalar)
        self.body = []        # (text, (file, line) or None)
        self.updates = []     # names of updated parameters
        self.results = []     # (name, Tensor)
        self._next = 0
        self._schedule = Schedule()

    # -- building ---------------------------------------------------------
    def _ssa(self):
        self._next += 1
        return f"%_{self._next}"

    def _check_new_name(self, name, what):
        """`name` for a new parameter or scalar, or output (`what`): an
        identifier that no other argument, or no other output, has (two
        '%w' were an MLIR parse error, two results 'y' an error of
        coco-compile). An output named like an argument is valid IR to
        schedule; coco-compile refuses it."""
        _check_name(name, what)
        taken = {n: "output" for n, _ in self.results} if what == "output" else self._names
        if name in taken:
            raise CocoError(f"{_where(_user_location())}{what} name '{name}' is taken by "
                            f"{'an' if taken[name] == 'output' else 'a'} {taken[name]} of "
                            f"program '{self.name}'")

    def param(self, name, shape, dtype="f32", layout=None, dim=None, axis=None, init=None,
              placements=None):
        """A distributed argument of global `shape`.

        placements: one per grid axis (see coco.placements), e.g. on a
        [DP, TP] grid `[coco.Local(), coco.Sliced(1)]` (or
        `["local", ("sliced", 1)]`) for a gradient that differs between
        data-parallel ranks and is column-sliced over tensor-parallel ones;
        missing trailing axes are replicated.

        layout / dim / axis: the one-axis form, layout 'replicated' (the
        default), 'local' or 'sliced' (with dim) on grid axis `axis`
        (default 0), replicated on the others.

        shape: a tuple or list of ints. dtype: an element type name of
        coco.dtypes.ELEMENT_TYPES ("f32", "bf16", "i32", ...) or the numpy
        dtype of one (numpy.float32).

        init: how the generated executable fills it when it runs without
        --in ("Uniform", "Positive", "Zeros", "Ones"; benchmarks do).
        Compiled.run passes inputs, so it needs every parameter's."""
        self._check_new_name(name, "parameter")
        loc = _user_location()
        try:
            shape, dtype = _shape(shape), element_type(dtype)
            places = _placements_of(layout, dim, axis, placements, self.grid)
            if len(places) > self.grid.ndim:
                raise CocoError(f"{len(places)} placements for the {self.grid.ndim} axes of "
                                f"grid @{self.grid.name}")
            if init is not None and init not in INITS:
                raise CocoError(f"init must be one of {', '.join(map(repr, INITS))}, "
                                f"not {init!r}")
            spelled = TensorType(shape, dtype, places, self.grid.name).mlir()
            canonical = _query(self.grid.decl(), [spelled], None)
        except CocoError as error:
            raise CocoError(f"{_where(loc)}parameter '{name}': {error}") from None
        t = Tensor(self, f"%{name}", canonical)
        attrs = f'coco.name = "{name}"' + (f', coco.init = "{init}"' if init else "")
        self.args.append((f"%{name}: {t.type} {{{attrs}}}", t))
        self._names[name] = "parameter"
        return t

    def scalar(self, name, value=None, dtype="f32"):
        """A scalar argument; `value` is its default (--set NAME=V overrides),
        a number that `dtype` holds (inf and NaN too)."""
        self._check_new_name(name, "scalar")
        loc = _user_location()
        try:
            dtype = element_type(dtype)
            attrs = f'coco.name = "{name}"'
            if value is not None:
                attrs += f", coco.value = {_literal(value, dtype)} : {dtype}"
        except CocoError as error:
            raise CocoError(f"{_where(loc)}scalar '{name}': {error}") from None
        s = Scalar(self, f"%{name}", dtype)
        self.args.append((f"%{name}: {dtype} {{{attrs}}}", s))
        self._names[name] = "scalar"
        return s

    def _as_scalar(self, value, dtype):
        loc = _user_location()
        if isinstance(value, Scalar):
            # Another program's scalar was emitted by its name, which names
            # another value here (or none): a silently wrong program. (Its
            # type is the op's matter: a bf16 tensor times an f32 scalar is
            # coco's mixed precision.)
            self._check_own(value, loc)
            return value
        if not isinstance(value, (int, float, np.integer, np.floating)):
            raise CocoError(f"{_where(loc)}expected a number or Scalar, got "
                            f"{type(value).__name__}")
        try:
            literal = _literal(value, dtype)
        except CocoError as error:
            raise CocoError(f"{_where(loc)}{error}") from None
        ssa = self._ssa()
        self.body.append((f"{ssa} = arith.constant {literal} : {dtype}", _user_location()))
        return Scalar(self, ssa, dtype)

    def _check_own(self, value, loc):
        """`value` is a Tensor or Scalar of this program."""
        if not isinstance(value, _Value):
            raise CocoError(f"{_where(loc)}expected a coco Tensor or Scalar, got "
                            f"{type(value).__name__}")
        if value.prog is not self:
            raise CocoError(f"{_where(loc)}{value.ssa} belongs to program '{value.prog.name}', "
                            f"not '{self.name}'")

    def _scalar_op(self, text, dtype):
        ssa = self._ssa()
        self.body.append((f"{ssa} = {text}", _user_location()))
        return Scalar(self, ssa, dtype)

    def _op(self, build, operands, result=True):
        """Emits the op `build(*operand names)`, whose result type coco-opt
        infers (and whose verifier judges it)."""
        loc = _user_location()
        for o in operands:
            self._check_own(o, loc)
        types = [o.type for o in operands]
        try:
            result_type = _query(self.grid.decl(), types,
                                 build(*[f"%a{i}" for i in range(len(operands))]), result)
        except CocoError as error:
            raise CocoError(f"{_where(loc)}{error}") from None
        text = build(*[o.ssa for o in operands])
        if not result:
            self.body.append((text, loc))
            return None
        ssa = self._ssa()
        self.body.append((f"{ssa} = {text}", loc))
        if result_type.startswith("!coco.dtensor"):
            return Tensor(self, ssa, result_type)
        return Scalar(self, ssa, result_type)

    def _pointwise(self, op, operands):
        base = next(o for o in operands if isinstance(o, Tensor))
        mark = len(self.body)
        values = [o if isinstance(o, Tensor) else self._as_scalar(o, base.dtype) for o in operands]
        ta, tb = values[0].type, values[1].type
        try:
            return self._op(lambda a, b: f"coco.{op} {a}, {b} : {ta}, {tb}", values)
        except CocoError:
            del self.body[mark:]  # the constants made for it
            raise

    def _unary(self, op, x):
        return self._op(lambda a: f"coco.{op} {a} : {x.type}", [x])

    def update(self, param, value):
        """When the program returns, the caller's `param` holds `value`."""
        if not isinstance(param, Tensor):  # (a name was an AttributeError)
            raise CocoError(f"{_where(_user_location())}coco.update takes the parameter's "
                            f"Tensor (from param()), got {type(param).__name__}")
        if not isinstance(value, Tensor) or value.type != param.type:
            got = value.type if isinstance(value, Tensor) else type(value).__name__
            raise CocoError(f"{_where(_user_location())}coco.update: the new value of "
                            f"'{param.ssa[1:]}' is {got}, but the parameter is {param.type}")
        self._op(lambda p, v: f"coco.update {p}, {v} : {param.type}", [param, value], result=False)
        self.updates.append(param.ssa[1:])

    def output(self, name, value):
        """Returns `value` under `name`."""
        self._check_new_name(name, "output")
        self._check_own(value, _user_location())  # (a number failed in mlir())
        self.results.append((name, value))

    # -- schedules --------------------------------------------------------
    def schedule(self, split=False, reorder=False, shard_state=(), fuse=False, overlap=0,
                 hierarchical=None, axes=None, profile=None, ranks=None, caller_bytes=0):
        """schedule("auto", profile=FILE, ranks=N, shard_state=[...]): the
        cost model chooses (coco-autoschedule with the machine profile,
        e.g. from coco-calibrate; `shard_state` names the state it may
        shard; `ranks` the number of ranks where the grid has '?';
        `caller_bytes` what the training loop touches per rank between two
        steps, its forward and backward passes, which share the caches). It
        chooses per class of all_reduces (one shape, reduction and axes),
        among AR-C, RS-C-AG, the fused reduce-scatter, shard-state,
        hierarchical and overlap. Its choices and rankings are remarks
        (coco-compile --explain).

        Otherwise CoCoNet's schedules by hand: split all_reduces into reduce_scatter +
        all_gather, reorder pointwise work onto slices, keep `shard_state`
        parameters sliced, fuse the reduce_scatter into the update loop,
        overlap each matmul with the all_reduce of its result in `overlap`
        chunks.

        shard_state: parameter names, a list or one name as a string
        ("m" is the parameter m, not m's letters).

        hierarchical: grid axes (an int or a list) of the inner level of a
        two-level all_reduce: an all_reduce along these axes and others
        becomes reduce_scatter along them, all_reduce along the others,
        all_gather along them (before the other schedules).
        axes: split, reorder and shard_state only act on collectives along
        exactly these grid axes (default: all)."""
        loc = _user_location()
        try:
            schedule = Schedule.chosen(self.grid, split, reorder, shard_state, fuse, overlap,
                                       hierarchical, axes, profile, ranks, caller_bytes)
        except CocoError as error:
            raise CocoError(f"{_where(loc)}{error}") from None
        params = [value.ssa[1:] for _, value in self.args if isinstance(value, Tensor)]
        for name in schedule.shard_state:
            if name not in params:
                raise CocoError(f"{_where(loc)}shard_state names {name!r}, which is not a "
                                f"parameter of program '{self.name}' (its parameters: "
                                f"{', '.join(params) or 'none'})")
        self._schedule = schedule
        return self

    def _passes(self):
        return self._schedule.passes()

    def transform_script(self):
        """The schedule as a transform-dialect script, equivalent to the
        passes; apply it with coco-opt
        --transform-preload-library=transform-library-paths=FILE
        --transform-interpreter. The hierarchical all-reduce and the split
        run as their passes (transform.apply_registered_pass): like the
        passes, they change only the all_reduces they apply to (not a rank-0
        loss, only those along the inner axes and more), where the
        transform.coco ops would fail on any other all_reduce they are given.
        reorder and shard_state are transform.coco ops on the functions.
        schedule("auto") is the coco-autoschedule pass with the profile
        (transform.apply_registered_pass), the cost model choosing."""
        return self._schedule.transform_script()

    # -- IR ---------------------------------------------------------------
    def mlir(self):
        """The coco module (global view, unscheduled). Ops carry the Python
        file and line that built them as their location, so diagnostics of
        later passes and of the runtime name them."""
        args = ",\n    ".join(text for text, _ in self.args)
        results = ", ".join(f'{t.type} {{coco.name = "{n}"}}' for n, t in self.results)
        signature = f"func.func @{self.name}(\n    {args})"
        if self.results:
            signature += f" -> ({results})"
        ret = "return"
        if self.results:
            ret += " " + ", ".join(t.ssa for _, t in self.results) + " : " + \
                ", ".join(t.type for _, t in self.results)
        lines = [text + _loc_attr(loc) for text, loc in self.body] + [ret]
        body = "\n".join("  " + line for line in lines)
        return f"{self.grid.decl()}\n\n{signature} {{\n{body}\n}}{_loc_attr(self.loc)}\n"

    def scheduled_mlir(self):
        """The module after the schedule's passes (verified by coco-opt)."""
        return run_tool("coco-opt", "-", *self._passes(), stdin=self.mlir())

    def check(self):
        """Verifies the program with coco's verifiers; raises CocoError."""
        self.scheduled_mlir()
        return self

    def compile(self, workdir=None, keep=False, target="cpu"):
        """Compiles to an MPI executable; returns a coco.Compiled. target="gpu"
        lowers with coco-lower-to-gpu (kernels, NCCL, cuBLAS; one rank per
        GPU) if coco was built with the GPU path."""
        return compiler.compile_executable(self, workdir, target)

    def compile_library(self, path, target="cpu"):
        """Compiles to a shared library for in-process calls (coco.load);
        returns `path`."""
        return compiler.compile_library(self, path, target)

    def load(self, target="cpu", cache_dir=None):
        """Compiles the program into a shared library and loads it into this
        process; returns its coco.inprocess.Entry, to call every step on
        your arrays. Libraries are cached by program, schedule and coco
        build (in cache_dir, default $COCO_CACHE_DIR or ~/.cache/coco), and
        when every rank of a host calls load, one compiles while the others
        wait for it (and raise its error, if it fails, without compiling
        again)."""
        return compiler.load_cached(self, target, cache_dir)
