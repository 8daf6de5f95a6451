"""Running compiled coco programs on MPI ranks: one launcher and one runner
for the front end (Compiled.run), the integration tests
(test/Integration/lib/coco_harness.py) and the benchmarks.

A program built by coco-compile reads replicated and sliced inputs as whole
global tensors (IN/NAME.bin; each rank cuts its block) and local inputs per
rank (IN/NAME.rank<R>.bin), and writes every rank's block of each output
(OUT/NAME.rank<R>.bin); see coco/Runtime/CocoHost.h. Which arguments and
results there are, and how they are placed, comes from the signature
manifest that coco-translate --coco-to-signature-json writes (coco-compile
--signature FILE).
"""
import atexit
import json
import os
import shlex
import shutil
import signal
import subprocess
import tempfile

import numpy as np

from .dtypes import from_storage, numpy_dtype, to_storage
from .placements import (CocoError, Local, Replicated, Sliced, TensorType, assemble, blocks,
                         check_int)
from .tools import file_identity

# One host: shared memory between the ranks. $COCO_MPIRUN replaces this
# (e.g. "mpirun --hostfile hosts --mca btl self,tcp" for several hosts).
_MPIRUN = ["mpirun", "--oversubscribe", "--mca", "btl", "self,vader"]


_session_base = None


def _session_directory():
    """A directory for OpenMPI's session files, one per Python process and
    removed at exit: mpiruns started together from processes that share a
    TMPDIR race to create the shared session directory ($TMPDIR/ompi.<host>.
    <uid>), and OpenMPI 4.1 then fails in orte_init ("mkdir ... File
    exists")."""
    global _session_base
    if _session_base is None:
        _session_base = tempfile.mkdtemp(prefix="coco-ompi-")
        atexit.register(shutil.rmtree, _session_base, True)
    return _session_base


def launcher(ranks):
    """The command prefix that starts `ranks` MPI ranks: $COCO_MPIRUN or
    mpirun on this host (as root where the tests run in containers, with a
    session directory of this process's own), or nothing (an MPI singleton)
    where COCO_LAUNCHER=none: the lent GPU machines have no mpirun
    (tools/scripts/gpu-bundle.sh)."""
    # (ranks=0 once started mpirun -np 0, every slot, and failed later.)
    check_int(ranks, "ranks", 1)
    if os.environ.get("COCO_LAUNCHER") == "none":
        if ranks != 1:
            raise CocoError(f"COCO_LAUNCHER=none runs one rank (an MPI singleton), not {ranks}")
        return []
    custom = os.environ.get("COCO_MPIRUN")
    try:
        cmd = shlex.split(custom) if custom else list(_MPIRUN)
    except ValueError as error:  # unbalanced quotes
        raise CocoError(f"COCO_MPIRUN={custom}: {error} (it is split as a shell would)") \
            from None
    if not cmd:
        raise CocoError(f"COCO_MPIRUN={custom!r} names no command")
    if not custom:
        if os.geteuid() == 0:
            cmd.insert(1, "--allow-run-as-root")
        cmd += ["--mca", "orte_tmpdir_base", _session_directory()]
    return cmd + ["-np", str(ranks)]


def _scalar_text(name, value):
    """A scalar as the host program's --set reads it: integers exactly,
    real numbers round-tripping (repr of a numpy float is "np.float32(0.5)"
    under numpy 2, which the program cannot read)."""
    if isinstance(value, (bool, np.bool_)):
        return "1" if value else "0"
    if isinstance(value, (int, np.integer)):
        return str(int(value))
    if isinstance(value, (float, np.floating)):
        return repr(float(value))
    raise CocoError(f"scalar '{name}' must be a real number, not {type(value).__name__} "
                    f"({value!r})")


class ProgramFailed(CocoError):
    """A run that exited with an error (`returncode`), or did not finish in
    time (`timed_out`, returncode None); the message has the command and
    everything the ranks printed."""

    def __init__(self, returncode, output, timed_out=False):
        what = "program timed out" if timed_out else f"program exited with {returncode}"
        super().__init__(f"{what}:\n{output}")
        self.returncode = returncode
        self.output = output
        self.timed_out = timed_out


def run_executable(exe, ranks, inputs=None, local_inputs=None, scalars=None, outputs=(),
                   timeout=120, extra_args=(), env=None):
    """Runs `exe` on `ranks` ranks.

    inputs: name -> global array (replicated/sliced arguments);
    local_inputs: name -> list of per-rank arrays (local arguments);
    scalars: name -> value (--set NAME=VALUE);
    outputs: name -> (numpy dtype, per-rank block shape or a function
    rank -> shape).
    Returns (name -> list of per-rank arrays, the ranks' output)."""
    check_int(ranks, "ranks", 1)
    inputs = inputs or {}
    local_inputs = local_inputs or {}
    with tempfile.TemporaryDirectory(prefix="coco-run-") as work:
        indir, outdir = os.path.join(work, "in"), os.path.join(work, "out")
        os.makedirs(indir)
        os.makedirs(outdir)
        for name, value in inputs.items():
            np.ascontiguousarray(value).tofile(os.path.join(indir, f"{name}.bin"))
        for name, values in local_inputs.items():
            if len(values) != ranks:
                raise CocoError(f"input '{name}' is per rank: {len(values)} arrays for "
                                f"{ranks} ranks")
            for r, value in enumerate(values):
                np.ascontiguousarray(value).tofile(os.path.join(indir, f"{name}.rank{r}.bin"))
        cmd = launcher(ranks) + [exe, "--in", indir, "--out", outdir]
        for name, value in (scalars or {}).items():
            cmd += ["--set", f"{name}={_scalar_text(name, value)}"]
        cmd += list(extra_args)
        shown = " ".join(shlex.quote(c) for c in cmd)
        # A session of its own: a run past `timeout`, or interrupted, is
        # stopped with every process it started (the ranks stay in mpirun's
        # session even where they make process groups of their own).
        try:
            proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                                    text=True, env={**os.environ, **(env or {})},
                                    start_new_session=True)
        except OSError as error:  # the launcher (or the program) does not exist
            source = " (from COCO_MPIRUN)" if os.environ.get("COCO_MPIRUN") and \
                cmd[0] != exe else ""
            raise CocoError(f"cannot start {cmd[0]}{source}: {error.strerror}\n{shown}") \
                from None
        try:
            printed, _ = proc.communicate(timeout=timeout)
        except subprocess.TimeoutExpired:
            printed = _stop(proc)
            raise ProgramFailed(None, f"{shown}\ndid not finish within {timeout} s; "
                                f"stopped. It printed:\n{printed}", timed_out=True) from None
        except BaseException:  # KeyboardInterrupt and the like: leave nothing running
            _stop(proc)
            raise
        if proc.returncode != 0:
            raise ProgramFailed(proc.returncode, f"{shown}\n{printed}")
        results = {}
        for name, (dtype, shape) in dict(outputs).items():
            per_rank = []
            for r in range(ranks):
                path = os.path.join(outdir, f"{name}.rank{r}.bin")
                if not os.path.exists(path):
                    raise ProgramFailed(0, f"{shown}\nrank {r} wrote no output '{name}'\n"
                                        f"{printed}")
                local_shape = shape(r) if callable(shape) else shape
                per_rank.append(np.fromfile(path, dtype=dtype).reshape(local_shape))
            results[name] = per_rank
        return results, printed


def _session_members(sid):
    """The processes of session `sid` (from /proc)."""
    members = []
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                if os.getsid(int(entry)) == sid:
                    members.append(int(entry))
            except OSError:
                pass  # gone meanwhile
    return members


def _stop(proc):
    """Ends every process of `proc`'s session (SIGTERM, then SIGKILL after
    a grace period); returns what they printed so far."""
    for sig, grace in ((signal.SIGTERM, 10), (signal.SIGKILL, 5)):
        for pid in _session_members(proc.pid):
            try:
                os.kill(pid, sig)
            except OSError:
                pass
        try:
            return proc.communicate(timeout=grace)[0]
        except subprocess.TimeoutExpired:
            continue
    # Something outside the session still holds the output pipe: give up
    # on the rest of the output rather than wait for it.
    proc.kill()
    proc.wait()
    return "(output lost: a process outside the run's session kept it open)"


# -- the signature manifest -----------------------------------------------------

MANIFEST_VERSION = 1


def _placement(spec):
    kind = spec["kind"]
    if kind == "replicated":
        return Replicated()
    if kind == "local":
        return Local()
    if kind == "sliced":
        return Sliced(spec["dim"], spec.get("within"))
    raise CocoError(f"signature manifest: unknown placement kind {kind!r}")


def _tensor_type(spec):
    return TensorType(spec["shape"], spec["element"],
                      [_placement(p) for p in spec["placements"]], spec["grid"])


class EntrySignature:
    """An entry as its host program sees it: `tensors` (name -> TensorType
    of every tensor argument and result), `outputs` (the names the program
    writes: updated arguments, then results), `params` (the names of the
    tensor arguments) and `scalars` (name -> (element type, default or
    None))."""

    def __init__(self, spec):
        self.name = spec["name"]
        self.tensors, self.scalars, self.outputs, self.params = {}, {}, [], []
        for arg in spec["args"]:
            if arg["kind"] == "tensor":
                self.tensors[arg["name"]] = _tensor_type(arg)
                self.params.append(arg["name"])
                if arg["updated"]:
                    self.outputs.append(arg["name"])
            else:
                default = arg["default"]
                self.scalars[arg["name"]] = (arg["element"],
                                             float(default) if isinstance(default, str)
                                             else default)
        for result in spec["results"]:
            self.tensors[result["name"]] = _tensor_type(result)
            self.outputs.append(result["name"])


def read_manifest(path):
    """Entry name -> EntrySignature from a manifest written by
    coco-translate --coco-to-signature-json."""
    try:
        with open(path) as f:
            manifest = json.load(f)
    except OSError as error:  # (a missing one was a FileNotFoundError)
        raise CocoError(f"cannot read the signature manifest {path}: {error.strerror}") from None
    except json.JSONDecodeError as error:
        raise CocoError(f"{path} is not a signature manifest (JSON): {error}") from None
    version = manifest.get("version") if isinstance(manifest, dict) else None
    if version != MANIFEST_VERSION:
        raise CocoError(f"{path}: signature manifest version {version}, "
                        f"this front end reads version {MANIFEST_VERSION}")
    return {e["name"]: EntrySignature(e) for e in manifest["entries"]}


class Compiled:
    """A compiled program: run it on MPI ranks with numpy arrays.

    `signature` maps the names of the entry's tensor arguments and results
    to their TensorType after the schedule (coco-shard-state, for instance,
    makes state arguments sliced); `entry` is its EntrySignature."""

    def __init__(self, exe, entry, grid, workdir):
        self.exe = exe
        self.entry = entry
        self.signature = entry.tensors
        self.grid = grid
        self.workdir = workdir
        self._identity = file_identity(exe)

    def _check_executable(self):
        """The executable is still the one compiled: another compile into
        the same workdir (the same program name, or one sharing its first 64
        characters) replaced it, and run() ran the other program (a wrong
        result, or a reshape error on its outputs)."""
        if file_identity(self.exe) != self._identity:
            raise CocoError(f"{self.exe} is no longer the executable compiled for this "
                            f"program: a later compile into {self.workdir} replaced it (a "
                            "program of the same name, or one sharing its first 64 "
                            "characters); compile this one again, or give each its own "
                            "workdir")

    def _type(self, name):
        if name not in self.signature:
            raise CocoError(f"the program has no tensor parameter or result '{name}'")
        return self.signature[name]

    def _parameter(self, name):
        """The type of tensor parameter `name` (an input named like a result
        was silently ignored)."""
        if name not in self.entry.params:
            what = "a scalar (pass it in scalars=)" if name in self.entry.scalars else \
                "a result" if name in self.signature else "no parameter"
            raise CocoError(f"input '{name}' is {what}: inputs are the program's tensor "
                            f"parameters ({', '.join(self.entry.params) or 'none'})")
        return self.signature[name]

    @staticmethod
    def _storage(value, ttype, who=""):
        """`value` as the elements of `ttype` the host program reads."""
        try:
            return to_storage(value, ttype.dtype)
        except CocoError as error:
            raise CocoError(f"{who}{error}") from None

    def blocks(self, name, value, ranks):
        """The per-rank blocks of argument or result `name` on `ranks` ranks
        (see coco.blocks): from a global array, or, for one local on some
        axis, from a list of per-rank global-shape arrays."""
        return blocks(value, self._type(name), self.grid.extents(ranks))

    def assemble(self, name, parts, ranks):
        """The global array of `name` (not local on any axis) from its
        per-rank blocks (see coco.assemble)."""
        return assemble(parts, self._type(name), self.grid.extents(ranks))

    def run(self, ranks, inputs=None, scalars=None, outputs=None, timeout=300, per_rank=False):
        """Runs the program on `ranks` MPI ranks (world rank r at the grid
        coordinates of r in row-major order).

        inputs: name -> value. For an argument replicated or sliced on every
        grid axis, the global numpy array (each rank takes its block). For
        one local on some axis, a list with one array per world rank: that
        rank's block (its local shape; e.g. on a [DP, TP] grid, the TP
        block of the rank's own gradient), or an array of the global shape
        of which the rank's block is taken; ranks that differ only along
        axes where it is replicated pass equal arrays (one block, held by
        all of them). Every tensor parameter needs
        one (the executable reads them all), and each is converted to the
        parameter's element type only where rounding is all that changes
        (coco.dtypes.to_storage: no out-of-range integers, no finite values
        that would become inf). scalars: name -> number, each one the
        program has, in its type's range (those without a default needed).

        Returns name -> value for every updated parameter and result: the
        global numpy array for tensors not local on any axis (assembled from
        the blocks; blocks follow numpy.array_split, so sizes need not
        divide), a list of the per-rank blocks for those local on some axis
        (or for every tensor with per_rank=True; coco.assemble turns them
        into a global array). outputs: the names to return (default: all).

        bf16 tensors take floating-point arrays (rounded to bf16), bfloat16
        arrays (ml_dtypes) or uint16 bits, and come back as float32.

        The ranks start with coco.launcher: mpirun with shared memory on
        this host, or $COCO_MPIRUN (e.g. with a hostfile) for several."""
        extents = self.grid.extents(ranks)  # (checks `ranks`)
        self._check_executable()
        # (A list for either was an AttributeError; a timeout of '60' a
        # TypeError once mpirun had started.)
        for what, value in (("inputs", inputs), ("scalars", scalars)):
            if value is not None and not isinstance(value, dict):
                raise CocoError(f"{what} maps names to values (a dict), got "
                                f"{type(value).__name__}")
        if isinstance(timeout, (bool, np.bool_)) or \
                not isinstance(timeout, (int, float, np.integer, np.floating)) or \
                not timeout > 0:
            raise CocoError(f"timeout is a number of seconds > 0, got {timeout!r}")
        if outputs is not None and not isinstance(outputs, (str, list, tuple)):
            raise CocoError(f"outputs is a name or a list of names, got "
                            f"{type(outputs).__name__}")
        inputs = inputs or {}
        global_inputs, local_inputs = {}, {}
        for name, value in inputs.items():
            ttype = self._parameter(name)
            # Converted and judged here, before anything runs (5 for a
            # local tensor was a TypeError; an i32 2**31 wrapped around).
            try:
                if ttype.is_local:
                    if isinstance(value, (list, tuple)):
                        value = [self._storage(v, ttype, f"rank {r}'s array: ")
                                 for r, v in enumerate(value)]
                    local_inputs[name] = blocks(value, ttype, extents)
                else:
                    # The host cuts each rank's block from the global array.
                    array = self._storage(value, ttype)
                    if array.shape != ttype.shape:
                        raise CocoError(f"expected a global array of shape {ttype.shape} "
                                        f"for {ttype.mlir()}, got {array.shape}")
                    global_inputs[name] = array
            except CocoError as error:
                raise CocoError(f"input '{name}': {error}") from None
        if isinstance(outputs, str):
            outputs = [outputs]
        for name in outputs or ():
            if name not in self.entry.outputs:
                raise CocoError(f"'{name}' is not an output of the program (its outputs: "
                                f"{', '.join(self.entry.outputs) or 'none'})")
        # The executable reads every tensor argument from --in (coco.init
        # fills them only in a run without --in): a missing one failed in
        # every rank after mpirun started.
        missing = [name for name in self.entry.params if name not in inputs]
        if missing:
            raise CocoError(f"no input for parameter{'s' if len(missing) > 1 else ''} "
                            f"{', '.join(missing)}: Compiled.run needs every tensor "
                            "parameter's value in inputs")
        checked = {}
        for name, value in (scalars or {}).items():
            if name not in self.entry.scalars:
                raise CocoError(f"scalars: the program has no scalar '{name}' (its scalars: "
                                f"{', '.join(self.entry.scalars) or 'none'})")
            try:
                stored = to_storage(value, self.entry.scalars[name][0], "scalar")
            except CocoError as error:
                raise CocoError(f"scalar '{name}': {error}") from None
            if stored.ndim:
                raise CocoError(f"scalar '{name}' takes one number, not an array of shape "
                                f"{stored.shape}")
            # The value the type holds, as --set spells it: 3.0 for an i32 is
            # 3 (the program refused "3.0" after the ranks had started), a
            # 0-d array its number.
            checked[name] = stored.item()
        scalars = checked
        for name, (dtype, default) in self.entry.scalars.items():
            if default is None and name not in scalars:
                raise CocoError(f"scalar '{name}' ({dtype}) has no default: pass its value "
                                "in scalars=")
        wanted = [n for n in self.entry.outputs if outputs is None or n in outputs]
        read = {name: (numpy_dtype(self.signature[name].dtype),
                       lambda r, t=self.signature[name]: t.local_shape(r, extents))
                for name in wanted}
        parts, _ = run_executable(self.exe, ranks, global_inputs, local_inputs, scalars, read,
                                  timeout=timeout, extra_args=["--quiet"])
        results = {}
        for name in wanted:
            ttype = self.signature[name]
            parts[name] = [from_storage(p, ttype.dtype) for p in parts[name]]
            results[name] = parts[name] if per_rank or ttype.is_local \
                else assemble(parts[name], ttype, extents)
        return results
