"""Building coco programs in Python, compiling them, running them on MPI ranks."""
import os
import re
import shutil
import subprocess
import tempfile

import numpy as np

_DTYPES = {"f32": np.float32, "f64": np.float64, "f16": np.float16, "i32": np.int32,
           "i64": np.int64}


class CocoError(Exception):
    """A diagnostic from coco's verifiers, passes or tools, or a failed run."""


def _float_literal(value):
    """A float as MLIR reads it (which 1e-08 is not)."""
    return "%.17e" % float(value)


def _tools_dir():
    env = os.environ.get("COCO_TOOLS_DIR")
    if env:
        return env
    here = os.path.dirname(os.path.abspath(__file__))
    build = os.path.join(here, "..", "..", "build", "bin")
    if os.path.exists(os.path.join(build, "coco-opt")):
        return os.path.abspath(build)
    found = shutil.which("coco-opt")
    if found:
        return os.path.dirname(found)
    raise CocoError("cannot find the coco tools: build coco (tools/scripts/build.sh) "
                    "or set COCO_TOOLS_DIR")


def _tool(name, *args, stdin=None):
    result = subprocess.run([os.path.join(_tools_dir(), name), *args], input=stdin,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    if result.returncode != 0:
        raise CocoError(result.stderr.strip() or f"{name} failed ({result.returncode})")
    return result.stdout


class Grid:
    """A process grid; None (the default) is '?', the world size at run time."""

    def __init__(self, name, shape=(None,)):
        self.name = name
        self.shape = list(shape)

    def decl(self):
        extents = ", ".join("?" if e is None else str(e) for e in self.shape)
        return f"coco.grid @{self.name}(shape = [{extents}])"


class _Value:
    def __init__(self, prog, ssa):
        self.prog = prog
        self.ssa = ssa


class Scalar(_Value):
    """A scalar SSA value (a hyper-parameter); arithmetic emits arith ops."""

    def __init__(self, prog, ssa, dtype="f32"):
        super().__init__(prog, ssa)
        self.dtype = dtype

    def _binary(self, other, op, reverse=False):
        other = self.prog._as_scalar(other, self.dtype)
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
        o = self.prog._as_scalar(o, self.dtype)
        return self.prog._scalar_op(f"math.powf {self.ssa}, {o.ssa} : {self.dtype}", self.dtype)

    def __rpow__(self, o):
        return self.prog._as_scalar(o, self.dtype) ** self

    def _tensor_or(self, other, reflected):
        return getattr(other, reflected)(self) if isinstance(other, Tensor) else None


class Tensor(_Value):
    """A distributed tensor: global shape, element type, layout over a grid axis."""

    def __init__(self, prog, ssa, shape, dtype, layout, dim=None, grid=None, axis=0):
        super().__init__(prog, ssa)
        self.shape = tuple(shape)
        self.dtype = dtype
        self.layout = layout
        self.dim = dim if layout == "sliced" else None
        self.grid = grid
        self.axis = axis

    @property
    def type(self):
        shape = "".join(f"{d}x" for d in self.shape)
        layout = f"sliced<{self.dim}>" if self.layout == "sliced" else self.layout
        axis = f"[{self.axis}]" if self.axis else ""
        return f"!coco.dtensor<{shape}{self.dtype}, {layout} on @{self.grid.name}{axis}>"

    def _like(self, shape=None, layout=None, dim=None, dtype=None):
        return dict(shape=self.shape if shape is None else shape, dtype=dtype or self.dtype,
                    layout=layout or self.layout,
                    dim=dim if layout else self.dim, grid=self.grid, axis=self.axis)

    # Pointwise arithmetic (CoCoNet's layout rule is checked here and again by
    # the C++ verifier).
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

    def __truediv__(self, o):
        return self._pointwise("div", o)

    def __rtruediv__(self, o):
        return self._pointwise("div", o, True)

    def __pow__(self, o):
        return self._pointwise("pow", o)

    def __neg__(self):
        return self.prog._unary("neg", self)

    def item(self):
        """The value of a rank-0 tensor (e.g. a norm) as a Scalar."""
        if self.shape:
            raise CocoError(f"item() needs a rank-0 tensor, got shape {self.shape}")
        return self.prog._scalar_op(f"coco.extract {self.ssa} : {self.type} -> {self.dtype}",
                                    self.dtype)


class Program:
    """One entry function of a coco module."""

    def __init__(self, name, grid):
        self.name = name
        self.grid = grid
        self.args = []        # (text, Tensor|Scalar)
        self.body = []
        self.updates = []     # names of updated parameters
        self.results = []     # (name, Tensor)
        self._next = 0
        self._schedule = dict(split=False, reorder=False, shard_state=(), fuse=False, overlap=0)

    # -- building ---------------------------------------------------------
    def _ssa(self):
        self._next += 1
        return f"%v{self._next}"

    def param(self, name, shape, dtype="f32", layout="replicated", dim=None, axis=0, init=None):
        """A distributed argument; layout 'replicated', 'local' or 'sliced' (with dim)."""
        if layout not in ("replicated", "local", "sliced"):
            raise CocoError(f"unknown layout '{layout}'")
        if layout == "sliced" and dim is None:
            raise CocoError("a sliced parameter needs dim=")
        t = Tensor(self, f"%{name}", shape, dtype, layout, dim, self.grid, axis)
        attrs = f'coco.name = "{name}"' + (f', coco.init = "{init}"' if init else "")
        self.args.append((f"%{name}: {t.type} {{{attrs}}}", t))
        return t

    def scalar(self, name, value=None, dtype="f32"):
        """A scalar argument; `value` is its default (--set NAME=V overrides)."""
        s = Scalar(self, f"%{name}", dtype)
        attrs = f'coco.name = "{name}"'
        if value is not None:
            literal = _float_literal(value) if dtype.startswith("f") else str(int(value))
            attrs += f", coco.value = {literal} : {dtype}"
        self.args.append((f"%{name}: {dtype} {{{attrs}}}", s))
        return s

    def _as_scalar(self, value, dtype):
        if isinstance(value, Scalar):
            return value
        if not isinstance(value, (int, float)):
            raise CocoError(f"expected a number or Scalar, got {type(value).__name__}")
        ssa = self._ssa()
        literal = _float_literal(value) if dtype.startswith("f") else str(int(value))
        self.body.append(f"{ssa} = arith.constant {literal} : {dtype}")
        return Scalar(self, ssa, dtype)

    def _scalar_op(self, text, dtype):
        ssa = self._ssa()
        self.body.append(f"{ssa} = {text}")
        return Scalar(self, ssa, dtype)

    def _emit(self, text, **result):
        ssa = self._ssa()
        self.body.append(f"{ssa} = {text}")
        return Tensor(self, ssa, **result)

    def _pointwise(self, op, operands):
        tensors = [o for o in operands if isinstance(o, Tensor)]
        base = tensors[0]
        layout, dim = base.layout, base.dim
        for t in tensors[1:]:
            if t.shape != base.shape:
                raise CocoError(f"coco.{op}: shapes {base.shape} and {t.shape} differ")
            if (t.layout, t.dim) == (layout, dim) or t.layout == "replicated":
                continue
            if layout == "replicated":
                layout, dim = t.layout, t.dim
                continue
            raise CocoError(f"coco.{op}: cannot combine layouts {layout} and {t.layout}")
        values = [o if isinstance(o, Tensor) else self._as_scalar(o, base.dtype) for o in operands]
        types = ", ".join(v.type if isinstance(v, Tensor) else v.dtype for v in values)
        return self._emit(f"coco.{op} {values[0].ssa}, {values[1].ssa} : {types}",
                          **base._like(layout=layout, dim=dim))

    def _unary(self, op, x):
        return self._emit(f"coco.{op} {x.ssa} : {x.type}", **x._like())

    def update(self, param, value):
        """When the program returns, the caller's `param` holds `value`."""
        self.body.append(f"coco.update {param.ssa}, {value.ssa} : {param.type}")
        self.updates.append(param.ssa[1:])

    def output(self, name, value):
        """Returns `value` under `name`."""
        self.results.append((name, value))

    # -- schedules --------------------------------------------------------
    def schedule(self, split=False, reorder=False, shard_state=(), fuse=False, overlap=0):
        """CoCoNet's schedules: split all_reduces into reduce_scatter +
        all_gather, reorder pointwise work onto slices, keep `shard_state`
        parameters sliced, fuse the reduce_scatter into the update loop,
        overlap each matmul with the all_reduce of its result in `overlap`
        chunks."""
        if fuse and any(e is None for e in self.grid.shape):
            raise CocoError("fuse needs a static grid (the number of ranks at compile time)")
        if overlap and overlap < 2:
            raise CocoError("overlap needs at least 2 chunks")
        self._schedule = dict(split=split, reorder=reorder, shard_state=tuple(shard_state),
                              fuse=fuse, overlap=int(overlap))
        return self

    def _passes(self):
        s = self._schedule
        passes = (["--coco-split"] if s["split"] else []) + (["--coco-reorder"] if s["reorder"] else [])
        if s["shard_state"]:
            passes.append(f"--coco-shard-state=args={','.join(s['shard_state'])}")
        return passes

    def transform_script(self):
        """The schedule as a transform-dialect script (equivalent to the passes)."""
        s = self._schedule
        lines = ["module attributes {transform.with_named_sequence} {",
                 "  transform.named_sequence @__transform_main(%root: !transform.any_op {transform.readonly}) {"]
        if s["split"]:
            lines += ['    %ar = transform.structured.match ops{["coco.all_reduce"]} in %root : (!transform.any_op) -> !transform.any_op',
                      '    %ag = transform.coco.split %ar : (!transform.any_op) -> !transform.any_op']
        lines.append('    %f = transform.structured.match ops{["func.func"]} in %root : (!transform.any_op) -> !transform.any_op')
        handle = "%f"
        if s["reorder"]:
            lines.append(f"    %f2 = transform.coco.reorder {handle} : (!transform.any_op) -> !transform.any_op")
            handle = "%f2"
        if s["shard_state"]:
            names = ", ".join(f'"{n}"' for n in s["shard_state"])
            lines.append(f"    %f3 = transform.coco.shard_state {handle} {{args = [{names}]}} : (!transform.any_op) -> !transform.any_op")
        lines += ["    transform.yield", "  }", "}"]
        return "\n".join(lines) + "\n"

    # -- IR ---------------------------------------------------------------
    def mlir(self):
        """The coco module (global view, unscheduled)."""
        args = ",\n    ".join(text for text, _ in self.args)
        results = ", ".join(f'{t.type} {{coco.name = "{n}"}}' for n, t in self.results)
        signature = f"func.func @{self.name}(\n    {args})"
        if self.results:
            signature += f" -> ({results})"
        ret = "return"
        if self.results:
            ret += " " + ", ".join(t.ssa for _, t in self.results) + " : " + \
                ", ".join(t.type for _, t in self.results)
        body = "\n".join("  " + line for line in self.body + [ret])
        return f"{self.grid.decl()}\n\n{signature} {{\n{body}\n}}\n"

    def scheduled_mlir(self):
        """The module after the schedule's passes (verified by coco-opt)."""
        return _tool("coco-opt", "-", *self._passes(), stdin=self.mlir())

    def check(self):
        """Verifies the program with coco's verifiers; raises CocoError."""
        self.scheduled_mlir()
        return self

    def compile(self, workdir=None, keep=False, target="cpu"):
        """Compiles to an MPI executable; returns a Compiled. target="gpu"
        lowers with coco-lower-to-gpu (kernels, NCCL, cuBLAS; one rank per
        GPU) if coco was built with the GPU path."""
        if target not in ("cpu", "gpu"):
            raise CocoError(f"target must be 'cpu' or 'gpu', got {target!r}")
        work = workdir or tempfile.mkdtemp(prefix=f"coco-{self.name}-")
        os.makedirs(work, exist_ok=True)
        source = os.path.join(work, f"{self.name}.mlir")
        with open(source, "w") as f:
            f.write(self.mlir())
        scheduled = self.scheduled_mlir()  # raises with the diagnostic
        exe = os.path.join(work, self.name)
        options = []
        if self._schedule["fuse"]:
            options.append("fuse-reduce-scatter=true")
        if self._schedule["overlap"]:
            options.append(f"overlap-chunks={self._schedule['overlap']}")
        pipeline = f"coco-lower-to-{target}" + ("{" + " ".join(options) + "}" if options else "")
        _tool("coco-compile", source, "-o", exe, "--target", target, "--pipeline", pipeline,
              *[f"--pre-pass={p}" for p in self._passes()])
        return Compiled(exe, _parse_signature(scheduled, self.name), self.grid, work)


def _parse_type(text):
    m = re.match(r"!coco\.dtensor<((?:\d+x)*)(\w+), (replicated|local|sliced<(\d+)>) on @(\w+)(?:\[(\d+)\])?>", text)
    if not m:
        return None
    shape = tuple(int(d) for d in m.group(1).split("x") if d)
    layout = m.group(3).split("<")[0]
    return dict(shape=shape, dtype=m.group(2), layout=layout,
                dim=int(m.group(4)) if m.group(4) else None, axis=int(m.group(6) or 0))


def _parse_signature(module_text, name):
    """name -> layout info of the (scheduled) entry's tensor arguments and results."""
    header = re.search(r"func\.func @" + name + r"\((.*?)\)( -> \((.*?)\))? (attributes|\{)",
                       module_text, re.S)
    info = {}
    for m in re.finditer(r"(!coco\.dtensor<(?:[^<>]|<\d+>)*>) \{[^}]*coco\.name = \"(\w+)\"",
                         header.group(0)):
        info[m.group(2)] = _parse_type(m.group(1))
    return info


class Compiled:
    """A compiled program: run it on MPI ranks with numpy arrays."""

    def __init__(self, exe, signature, grid, workdir):
        self.exe = exe
        self.signature = signature
        self.grid = grid
        self.workdir = workdir

    def run(self, ranks, inputs=None, scalars=None, outputs=None, timeout=300):
        """inputs: name -> global numpy array (replicated/sliced parameters) or
        a list of per-rank arrays (local ones). Returns name -> numpy array:
        the whole tensor for replicated (rank 0's copy) and sliced (slices
        concatenated) values, a list of per-rank arrays for local ones."""
        inputs = inputs or {}
        with tempfile.TemporaryDirectory(prefix="coco-run-") as work:
            indir, outdir = os.path.join(work, "in"), os.path.join(work, "out")
            os.makedirs(indir)
            os.makedirs(outdir)
            for name, value in inputs.items():
                info = self.signature.get(name)
                if info is None:
                    raise CocoError(f"the program has no tensor parameter '{name}'")
                dtype = _DTYPES[info["dtype"]]
                if info["layout"] == "local":
                    if len(value) != ranks:
                        raise CocoError(f"'{name}' is local: pass one array per rank ({ranks})")
                    for r, v in enumerate(value):
                        np.ascontiguousarray(v, dtype=dtype).tofile(
                            os.path.join(indir, f"{name}.rank{r}.bin"))
                else:
                    np.ascontiguousarray(value, dtype=dtype).tofile(os.path.join(indir, f"{name}.bin"))
            cmd = ["mpirun", "--oversubscribe", "-np", str(ranks)]
            if os.geteuid() == 0:
                cmd.insert(1, "--allow-run-as-root")
            cmd += [self.exe, "--in", indir, "--out", outdir, "--quiet"]
            for name, value in (scalars or {}).items():
                cmd += ["--set", f"{name}={value!r}"]
            proc = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                                  timeout=timeout)
            if proc.returncode != 0:
                raise CocoError(proc.stdout.strip())
            results = {}
            for name in sorted({f[:f.index(".rank")] for f in os.listdir(outdir)}):
                info = self.signature[name]
                dtype = _DTYPES[info["dtype"]]
                local_shape = list(info["shape"])
                if info["layout"] == "sliced":
                    local_shape[info["dim"]] //= self._axis_size(info, ranks)
                parts = [np.fromfile(os.path.join(outdir, f"{name}.rank{r}.bin"), dtype=dtype)
                         .reshape(local_shape) for r in range(ranks)]
                if info["layout"] == "local":
                    results[name] = parts
                elif info["layout"] == "sliced":
                    results[name] = np.concatenate(parts[:self._axis_size(info, ranks)], axis=info["dim"])
                else:
                    results[name] = parts[0]
            return results

    def _axis_size(self, info, ranks):
        shape = self.grid.shape
        known = 1
        for e in shape:
            known *= e or 1
        extent = shape[info["axis"]]
        return extent if extent is not None else ranks // known


# -- collectives and compute ops --------------------------------------------

def _require(x, layout, op):
    if x.layout != layout:
        raise CocoError(f"coco.{op} needs a {layout} operand, got {x.layout}")


def all_reduce(x, op="sum"):
    _require(x, "local", "all_reduce")
    return x.prog._emit(f"coco.all_reduce {op} {x.ssa} : {x.type}", **x._like(layout="replicated"))


def reduce_scatter(x, dim=0, op="sum"):
    _require(x, "local", "reduce_scatter")
    return x.prog._emit(f"coco.reduce_scatter {op} {x.ssa} dim {dim} : {x.type}",
                        **x._like(layout="sliced", dim=dim))


def all_gather(x):
    _require(x, "sliced", "all_gather")
    return x.prog._emit(f"coco.all_gather {x.ssa} : {x.type}", **x._like(layout="replicated"))


def broadcast(x, root=0):
    return x.prog._emit(f"coco.broadcast {x.ssa} root {root} : {x.type}",
                        **x._like(layout="replicated"))


def reduce_to_root(x, root=0, op="sum"):
    _require(x, "local", "reduce_to_root")
    return x.prog._emit(f"coco.reduce_to_root {op} {x.ssa} root {root} : {x.type}", **x._like())


def all_to_all(x, dim):
    _require(x, "sliced", "all_to_all")
    return x.prog._emit(f"coco.all_to_all {x.ssa} dim {dim} : {x.type}",
                        **x._like(layout="sliced", dim=dim))


def slice(x, dim=0):
    _require(x, "replicated", "slice")
    return x.prog._emit(f"coco.slice {x.ssa} dim {dim} : {x.type}", **x._like(layout="sliced", dim=dim))


def sqrt(x):
    return x.prog._unary("sqrt", x)


def rsqrt(x):
    return x.prog._unary("rsqrt", x)


def exp(x):
    return x.prog._unary("exp", x)


def maximum(a, b):
    return a.prog._pointwise("max", (a, b))


def minimum(a, b):
    return a.prog._pointwise("min", (a, b))


def norm(x):
    """L2 norm over all elements, as a rank-0 tensor (use .item())."""
    if x.layout == "sliced":
        raise CocoError("coco.norm of a sliced tensor: reduce the squares, all_reduce, sqrt")
    return x.prog._emit(f"coco.norm {x.ssa} : {x.type}", **x._like(shape=()))


def reduce(x, dims, op="sum"):
    dims = sorted(dims)
    shape = tuple(s for i, s in enumerate(x.shape) if i not in dims)
    layout, dim = x.layout, x.dim
    if layout == "sliced":
        if dim in dims:
            layout, dim = "local", None
        else:
            dim -= sum(1 for d in dims if d < dim)
    return x.prog._emit(f"coco.reduce {op} {x.ssa} dims {list(dims)} : {x.type}",
                        **x._like(shape=shape, layout=layout, dim=dim))


def matmul(a, b):
    rank = len(a.shape)
    shape = a.shape[:-1] + (b.shape[1],)
    if a.layout == "sliced" and a.dim == rank - 1 and b.layout == "sliced" and b.dim == 0:
        layout, dim = "local", None
    elif a.layout == "sliced" and b.layout == "replicated":
        layout, dim = "sliced", a.dim
    elif a.layout == "replicated" and b.layout == "sliced" and b.dim == 1:
        layout, dim = "sliced", rank - 1
    elif "sliced" not in (a.layout, b.layout):
        layout, dim = ("local" if "local" in (a.layout, b.layout) else "replicated"), None
    else:
        raise CocoError(f"coco.matmul cannot multiply {a.layout} by {b.layout}")
    return a.prog._emit(f"coco.matmul {a.ssa}, {b.ssa} : {a.type}, {b.type}",
                        **a._like(shape=shape, layout=layout, dim=dim))


def expand(x, shape, dims):
    """Broadcasts x so that its dimension i is dimension dims[i] of `shape`."""
    layout, dim = x.layout, (dims[x.dim] if x.layout == "sliced" else None)
    result = Tensor(x.prog, None, shape, x.dtype, layout, dim, x.grid, x.axis)
    return x.prog._emit(f"coco.expand {x.ssa} dims {list(dims)} : {x.type} to {result.type}",
                        **x._like(shape=tuple(shape), layout=layout, dim=dim))


def dropout(x, p, seed):
    """Zeroes elements with probability p (same mask on every rank and
    layout for the same seed), scaling the others by 1/(1-p)."""
    prog = x.prog
    p = prog._as_scalar(p, "f32")
    seed = seed if isinstance(seed, Scalar) else prog._as_scalar(int(seed), "i64")
    return prog._emit(f"coco.dropout {x.ssa}, {p.ssa}, {seed.ssa} : {x.type}", **x._like())
