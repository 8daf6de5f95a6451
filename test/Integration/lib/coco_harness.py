"""Runs a program built by coco-compile on MPI ranks with numpy inputs.

The program's host main reads replicated and sliced inputs as whole global
tensors (NAME.bin) and local inputs per rank (NAME.rank<R>.bin), and writes
every rank's part of each output (NAME.rank<R>.bin); see CocoHost.h.
"""
import os
import shlex
import subprocess
import tempfile

import numpy as np

MPIRUN = ["mpirun", "--allow-run-as-root", "--oversubscribe", "--mca", "btl", "self,vader"]


def launcher(ranks):
    """mpirun, or nothing (an MPI singleton) where COCO_LAUNCHER=none: the
    lent GPU machines have no mpirun (tools/scripts/gpu-bundle.sh)."""
    if os.environ.get("COCO_LAUNCHER") == "none":
        if ranks != 1:
            raise SystemExit(f"COCO_LAUNCHER=none runs one rank (an MPI singleton), not {ranks}")
        return []
    return MPIRUN + ["-np", str(ranks)]


class ProgramFailed(Exception):
    def __init__(self, returncode, output):
        super().__init__(f"program exited with {returncode}:\n{output}")
        self.returncode = returncode
        self.output = output


def run(exe, ranks, inputs=None, local_inputs=None, scalars=None, outputs=(), timeout=120,
        extra_args=(), env=None):
    """inputs: name -> global array (replicated/sliced args);
    local_inputs: name -> list of per-rank arrays (local args);
    outputs: name -> (dtype, per-rank local shape or a function rank -> shape).
    Returns (name -> list of per-rank arrays, stdout)."""
    inputs = inputs or {}
    local_inputs = local_inputs or {}
    scalars = scalars or {}
    with tempfile.TemporaryDirectory(prefix="coco-run-") as work:
        indir = os.path.join(work, "in")
        outdir = os.path.join(work, "out")
        os.makedirs(indir)
        os.makedirs(outdir)
        for name, value in inputs.items():
            np.ascontiguousarray(value).tofile(os.path.join(indir, f"{name}.bin"))
        for name, values in local_inputs.items():
            assert len(values) == ranks, name
            for r, value in enumerate(values):
                np.ascontiguousarray(value).tofile(os.path.join(indir, f"{name}.rank{r}.bin"))
        cmd = launcher(ranks) + [exe, "--in", indir, "--out", outdir]
        for name, value in scalars.items():
            cmd += ["--set", f"{name}={value!r}"]
        cmd += list(extra_args)
        full_env = dict(os.environ)
        full_env.update(env or {})
        proc = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                              timeout=timeout, env=full_env)
        if proc.returncode != 0:
            raise ProgramFailed(proc.returncode, " ".join(shlex.quote(c) for c in cmd) + "\n" + proc.stdout)
        results = {}
        for name, (dtype, shape) in dict(outputs).items():
            per_rank = []
            for r in range(ranks):
                local_shape = shape(r) if callable(shape) else shape
                data = np.fromfile(os.path.join(outdir, f"{name}.rank{r}.bin"), dtype=dtype)
                per_rank.append(data.reshape(local_shape))
            results[name] = per_rank
        return results, proc.stdout


def slices(array, ranks, dim):
    """The per-rank slices of a global array sliced along `dim`."""
    return np.split(array, ranks, axis=dim)


def check_close(name, actual, expected, rtol, atol, why=""):
    actual = np.asarray(actual)
    expected = np.asarray(expected)
    if actual.shape != expected.shape:
        raise AssertionError(f"{name}: shape {actual.shape} != expected {expected.shape}")
    if not np.allclose(actual, expected, rtol=rtol, atol=atol):
        bad = np.argmax(np.abs(actual.astype(np.float64) - expected.astype(np.float64)))
        raise AssertionError(
            f"{name}: max abs error {np.max(np.abs(actual.astype(np.float64) - expected)):.3g} "
            f"at flat index {bad}: got {actual.flat[bad]}, expected {expected.flat[bad]} "
            f"(rtol {rtol}, atol {atol}{'; ' + why if why else ''})")
    return float(np.max(np.abs(actual.astype(np.float64) - expected.astype(np.float64)), initial=0.0))


def check_equal(name, actual, expected):
    actual = np.asarray(actual)
    expected = np.asarray(expected)
    if actual.shape != expected.shape or not np.array_equal(actual, expected):
        diff = np.argwhere(actual != expected) if actual.shape == expected.shape else None
        where = f" first difference at {tuple(diff[0])}" if diff is not None and len(diff) else ""
        raise AssertionError(f"{name}: not bitwise equal to the reference{where}")


def layer_inputs(seed, B=4, S=8, H=16, p=0.1, dropout_seed=1234):
    """Random inputs of the TP/PP layer (WORKLOADS.md) and its numpy result
    z = dropout(x @ W + b) + r."""
    import reference as ref
    rng = np.random.default_rng(seed)
    x = rng.standard_normal((B, S, H), dtype=np.float32)
    w = rng.standard_normal((H, H), dtype=np.float32)
    b = rng.standard_normal(H, dtype=np.float32)
    r = rng.standard_normal((B, S, H), dtype=np.float32)
    y = (x.reshape(-1, H) @ w).reshape(B, S, H)
    return dict(x=x, w=w, b=b, r=r), ref.dropout(y + b, p, dropout_seed) + r


def assert_overlapped(name, source, passes, pipeline, runtime_prefix="coco_rt_", chunks=2):
    """The lowered program starts `chunks` non-blocking collectives (the
    overlap schedule really happened): iall_reduce, or ireduce_scatter when
    the schedule's name says RS."""
    scheduled = subprocess.run(["coco-opt", source, *passes], check=True,
                               capture_output=True, text=True).stdout
    llvm = subprocess.run(["coco-opt", f"--pass-pipeline=builtin.module({pipeline})"],
                          input=scheduled, check=True, capture_output=True, text=True).stdout
    started = "ireduce_scatter" if "RS" in name else "iall_reduce"
    count = llvm.count(f"llvm.call @{runtime_prefix}{started}")
    assert count == chunks, f"{name}: {count} calls of {runtime_prefix}{started}, expected {chunks}"
