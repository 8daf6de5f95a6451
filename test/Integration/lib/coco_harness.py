"""The integration tests' helpers: running a program built by coco-compile
on MPI ranks with numpy inputs (coco.runner), comparing with references.
"""
import os
import re
import subprocess
import sys

import numpy as np

# The runner is the front end's (python/coco/runner.py): one launcher and one
# way to pass inputs and read outputs for the front end, these tests and the
# benchmarks. The GPU bundle ships the package beside this file.
try:
    import coco.runner
except ImportError:
    sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "..",
                                    "python"))
    import coco.runner

from coco.runner import ProgramFailed, launcher  # noqa: F401  (re-exported)

# run(exe, ranks, inputs, local_inputs, scalars, outputs, ...) -> (name ->
# per-rank arrays, stdout): see coco.runner.run_executable.
run = coco.runner.run_executable


def slices(array, ranks, dim):
    """The per-rank slices of a global array sliced along `dim`."""
    return np.split(array, ranks, axis=dim)


def source_lines(source, names):
    """The line of each `%name = ` in the source (where the runtime's
    COCO_PROFILE files a collective's calls)."""
    text = open(source).read().splitlines()
    lines = {}
    for n in names:
        found = [i for i, l in enumerate(text) if l.strip().startswith(f"%{n} = ")]
        if not found:
            raise AssertionError(f"{source}: no line defines %{n}")
        lines[n] = found[0] + 1
    return lines


def exchange_chunks(remarks):
    """coco-chunk-exchange's applied remarks: (rows per call, the block's
    rows, uneven) for each exchange it cut, equal blocks in chunks, uneven
    ones in windows of every block (up to the largest block's rows). Either
    way one runtime call per ceil(block / rows)."""
    equal = [(int(r), int(b), False) for r, b in
             re.findall(r"exchanged in chunks of (\d+) of (\d+) rows", remarks)]
    uneven = [(int(r), int(b), True) for r, b in re.findall(
        r"exchanged in windows of (\d+) rows of each uneven block \(up to (\d+) rows\)",
        remarks)]
    return equal + uneven


def profile_calls(printed, op):
    """Rank 0's calls of `op` per source line, from COCO_PROFILE=1's report."""
    return {int(line): int(n) for line, n in re.findall(
        rf"coco profile: rank 0: {re.escape(op)} at [^:]*:(\d+):\d+: (\d+) calls?", printed)}


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


def autoschedule_choice(source, passes):
    """The schedule coco-autoschedule's remark says it chose for the
    function (its first remark; the per-collective ones follow)."""
    result = subprocess.run(["coco-opt", source, *passes, "--remarks-filter=coco-autoschedule",
                             "-o", os.devnull], check=True, capture_output=True, text=True)
    chosen = re.search(r'Remark="chose (.+?): predicted', result.stderr)
    assert chosen, f"no coco-autoschedule remark:\n{result.stderr}"
    return chosen.group(1)


def check_chunked_product(name, actual, expected):
    """A matmul in row chunks (overlap) against the whole matmul: the same
    products and sums, bitwise equal where the BLAS multiplies a row block
    with the kernel it uses for the whole (on AVX-512 CPUs, and cuBLAS).
    OpenBLAS on AVX2 CPUs takes another path for a small block and rounds
    differently: then within rtol 1e-5. Returns how it matched, for the
    test's output."""
    actual = np.asarray(actual)
    expected = np.asarray(expected)
    if actual.shape == expected.shape and np.array_equal(actual, expected):
        return "bitwise"
    error = check_close(name, actual, expected, 1e-5, 1e-6,
                        "a row block's matmul may round differently from the whole's")
    return f"within rtol 1e-5 (max abs error {error:.3g}: the BLAS rounds a row block differently)"


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
