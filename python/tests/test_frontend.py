"""The Python front end: the examples compile, run on 2 MPI ranks and match
numpy references; schedules agree with the unscheduled programs; the
transform script equals the passes; errors come back as CocoError."""
import os
import re
import subprocess
import sys

import numpy as np
import pytest

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
sys.path.insert(0, os.path.join(ROOT, "python"))
sys.path.insert(0, os.path.join(ROOT, "python", "examples"))
sys.path.insert(0, os.path.join(ROOT, "test", "Integration", "lib"))

import coco  # noqa: E402
import adam  # noqa: E402
import lamb  # noqa: E402
import reference as ref  # noqa: E402
import sgd  # noqa: E402
import tp_layer  # noqa: E402

N, R = 4096, 2
SCHEDULES = {
    "AR-C": {},
    "RS-C-AG": dict(split=True, reorder=True),
    "RS-C-AG+shard": dict(split=True, reorder=True, shard_state="STATE"),
    "fuse(RS-C-AG)+shard": dict(split=True, reorder=True, shard_state="STATE", fuse=True),
}


def inputs(kind):
    rng = np.random.default_rng(11)
    data = {"w": rng.standard_normal(N, dtype=np.float32),
            "g": [rng.standard_normal(N, dtype=np.float32) for _ in range(R)]}
    if kind == "sgd":
        data["b"] = rng.standard_normal(N, dtype=np.float32)
    else:
        data["m"] = rng.standard_normal(N, dtype=np.float32) * np.float32(0.1)
        data["v"] = rng.random(N, dtype=np.float32) * np.float32(0.1)
    return data


@pytest.mark.parametrize("schedule", SCHEDULES)
@pytest.mark.parametrize("kind", ["sgd", "adam", "lamb"])
def test_optimizer_matches_numpy(kind, schedule, tmp_path):
    module = {"sgd": sgd, "adam": adam, "lamb": lamb}[kind]
    state = ["b"] if kind == "sgd" else ["m", "v"]
    options = {k: (state if v == "STATE" else v) for k, v in SCHEDULES[schedule].items()}
    prog = module.build(N, coco.Grid("dp", [R])).schedule(**options)
    data = inputs(kind)
    # SGD has no step (a --set of a scalar the program lacks is an error).
    scalars = {} if kind == "sgd" else {"step": 2.0}
    out = prog.compile(workdir=str(tmp_path)).run(ranks=R, inputs=data, scalars=scalars)
    if kind == "sgd":
        expected = dict(zip(["w", "b"], ref.sgd(data["w"], data["g"], data["b"], 0.01, 0.9, 0.0)))
    else:
        fn = ref.adam if kind == "adam" else ref.lamb
        expected = dict(zip(["w", "m", "v"], fn(data["w"], data["g"], data["m"], data["v"], 2.0)))
    for name, value in expected.items():
        # float32 arithmetic in the same order except LAMB's norms (summed
        # in another order): a tolerance of a few ulps.
        np.testing.assert_allclose(out[name], value, rtol=2e-5, atol=1e-6, err_msg=name)


PROFILES = os.path.join(ROOT, "test", "Dialect", "Coco", "Transforms", "Inputs")


@pytest.mark.parametrize("profile,sharded", [("memory-bound.json", True),
                                             ("latency-bound.json", False)])
def test_auto_schedule(profile, sharded, tmp_path):
    """schedule("auto"): the cost model picks by the profile (sharded state
    where memory is slow, AR-C where every collective costs a second), and
    the program still matches numpy."""
    prog = adam.build(N, coco.Grid("dp")).schedule(
        "auto", profile=os.path.join(PROFILES, profile), ranks=R, shard_state=["m", "v"])
    scheduled = prog.scheduled_mlir()
    assert bool(re.search(r"sliced<0> on @dp> {[^}]*coco.name = \"m\"", scheduled)) == sharded
    assert ("coco.all_reduce" in scheduled) != sharded
    # The grid is '?': the fused reduce-scatter needs a static group, so it
    # is left out (coco-autoschedule-dynamic.mlir checks the remark).
    assert "coco.fuse_reduce_scatter" not in scheduled
    data = inputs("adam")
    out = prog.compile(workdir=str(tmp_path)).run(ranks=R, inputs=data, scalars={"step": 2.0})
    expected = ref.adam(data["w"], data["g"], data["m"], data["v"], 2.0)
    for name, value in zip(["w", "m", "v"], expected):
        np.testing.assert_allclose(out[name], value, rtol=2e-5, atol=1e-6, err_msg=name)


def test_auto_schedule_prices_as_the_target_lowers():
    """On the GPU the cost model prices norms in kernels of their own and a
    fused exchange whole (coco-lower-to-gpu); on the CPU as
    coco-lower-to-cpu lowers (its defaults)."""
    program = adam.build(N, coco.Grid("dp")).schedule(
        "auto", profile="p.json", ranks=2, shard_state=["m", "v"])
    gpu = [o for o in program._schedule.lowering("gpu") if "coco-autoschedule" in o]
    cpu = [o for o in program._schedule.lowering("cpu") if "coco-autoschedule" in o]
    assert len(gpu) == 1 and "fuse-reductions=false exchange-chunk-bytes=0" in gpu[0]
    assert len(cpu) == 1 and "exchange-chunk-bytes" not in cpu[0]


def test_auto_schedule_passes_the_callers_bytes():
    """caller_bytes (what the training loop touches between two steps)
    reaches coco-autoschedule, in the passes and in the transform script;
    a negative count is refused."""
    program = adam.build(N, coco.Grid("dp")).schedule(
        "auto", profile="p.json", ranks=2, shard_state=["m", "v"], caller_bytes=1 << 30)
    cpu = [o for o in program._schedule.lowering("cpu") if "coco-autoschedule" in o]
    assert len(cpu) == 1 and "caller-bytes=1073741824" in cpu[0]
    assert '"caller-bytes" = "1073741824"' in program._schedule.transform_script()
    plain = adam.build(N, coco.Grid("dp")).schedule("auto", profile="p.json", ranks=2)
    assert "caller-bytes" not in " ".join(plain._schedule.lowering("cpu"))
    for bad in (-1, "1M"):
        with pytest.raises(coco.CocoError, match="caller_bytes is a number of bytes >= 0"):
            adam.build(N, coco.Grid("dp")).schedule("auto", profile="p.json", ranks=2,
                                                    caller_bytes=bad)
    # The cost model's inputs next to a schedule by hand are refused, not
    # dropped.
    with pytest.raises(coco.CocoError, match="caller_bytes only go with schedule"):
        adam.build(N, coco.Grid("dp")).schedule(split=True, caller_bytes=1024)


def test_auto_schedule_needs_a_profile():
    with pytest.raises(coco.CocoError, match="needs profile=FILE"):
        adam.build(N, coco.Grid("dp")).schedule("auto")
    with pytest.raises(coco.CocoError, match="needs ranks=N"):
        adam.build(N, coco.Grid("dp")).schedule("auto", profile="p.json")
    # A schedule picked by hand next to "auto" is refused, not dropped.
    with pytest.raises(coco.CocoError, match="does not take fuse, overlap"):
        adam.build(N, coco.Grid("dp")).schedule("auto", profile="p.json", ranks=2, fuse=True,
                                                overlap=4)


def test_tp_layer_matches_numpy(tmp_path):
    rng = np.random.default_rng(3)
    x = rng.standard_normal((4, 8, 16), dtype=np.float32)
    w = rng.standard_normal((16, 16), dtype=np.float32)
    b = rng.standard_normal(16, dtype=np.float32)
    r = rng.standard_normal((4, 8, 16), dtype=np.float32)
    expected = ref.dropout((x.reshape(-1, 16) @ w).reshape(4, 8, 16) + b, 0.1, 1234) + r
    for options in ({}, dict(split=True, reorder=True), dict(overlap=2)):
        prog = tp_layer.build().schedule(**options)
        out = prog.compile(workdir=str(tmp_path / str(len(options)))).run(
            ranks=R, inputs=dict(x=x, w=w, b=b, r=r))
        np.testing.assert_allclose(out["z"], expected, rtol=1e-5, atol=1e-5)


def _hierarchical_program():
    prog = coco.Program("dp2d", coco.Grid("g", [2, 2]))
    w, b = prog.param("w", (11,)), prog.param("b", (11,))
    g = prog.param("g", (11,), placements=[coco.Local(), coco.Local()])
    loss = prog.param("loss", (), placements=[coco.Local(), coco.Local()])
    b2 = b * 0.9 + coco.all_reduce(g)
    prog.update(w, w - b2 * 0.01)
    prog.update(b, b2)
    prog.output("loss", coco.all_reduce(loss))
    return prog


@pytest.mark.parametrize("case", ["adam", "lamb", "hierarchical", "hierarchical-axes", "auto"])
def test_transform_script_equals_passes(tmp_path, case):
    """The script does what the passes do, also where the program has
    all_reduces a schedule leaves alone (LAMB's rank-0 norms, the scalar
    loss next to the hierarchical gradient sum) and with an axes filter."""
    if case == "adam":
        prog = adam.build(N, coco.Grid("dp")).schedule(split=True, reorder=True,
                                                       shard_state=["m", "v"])
    elif case == "lamb":
        prog = lamb.build(N, coco.Grid("dp")).schedule(split=True, reorder=True)
    elif case == "hierarchical":
        prog = _hierarchical_program().schedule(hierarchical=1, reorder=True,
                                                shard_state=["b"])
    elif case == "auto":
        prog = adam.build(N, coco.Grid("dp")).schedule(
            "auto", profile=os.path.join(PROFILES, "memory-bound.json"), ranks=R,
            shard_state=["m", "v"])
    else:
        prog = _hierarchical_program().schedule(hierarchical=1, split=True, axes=[0])
    script = tmp_path / "schedule.mlir"
    script.write_text(prog.transform_script())
    source = tmp_path / "program.mlir"
    source.write_text(prog.mlir())
    tools = coco.tools.tools_dir()
    via_script = subprocess.run(
        [os.path.join(tools, "coco-opt"), str(source),
         f"--transform-preload-library=transform-library-paths={script}", "--transform-interpreter"],
        check=True, capture_output=True, text=True).stdout
    passes = prog.scheduled_mlir()
    assert via_script == passes
    # The schedule did something (the comparison is not of two copies of
    # the input).
    assert passes != subprocess.run([os.path.join(tools, "coco-opt"), str(source)],
                                    check=True, capture_output=True, text=True).stdout


def test_layout_error_in_python():
    prog = coco.Program("bad", coco.Grid("dp"))
    w = prog.param("w", (8,))
    # coco-opt's verifier judges each op as it is built (its message, at this line).
    with pytest.raises(coco.CocoError, match=r"test_frontend\.py:\d+: 'coco\.all_gather' along \[0\] "
                       r"needs a sliced operand on axis 0 of @dp .*got replicated"):
        coco.all_gather(w)


@pytest.mark.parametrize("make", [lambda p: p.param('w"', (8,)), lambda p: p.scalar("a=b"),
                                  lambda p: p.param("../esc", (8,)),
                                  lambda p: p.output("2x", p.param("w", (8,))),
                                  lambda p: p.scalar("_1")])
def test_names_are_identifiers(make):
    # A quote or '=' once reached the generated MLIR as a parse error; a '/'
    # named a file outside --out.
    prog = coco.Program("names", coco.Grid("dp"))
    with pytest.raises(coco.CocoError, match=r"test_frontend\.py:\d+: .* name .* (must be an "
                       "identifier|is reserved)"):
        make(prog)


def test_verifier_diagnostic_becomes_exception():
    prog = coco.Program("bad", coco.Grid("dp", [4]))
    g = prog.param("g", (6,), layout="local")
    prog.output("s", coco.all_reduce(g))
    prog.schedule(split=True, shard_state=["g"])
    with pytest.raises(coco.CocoError, match="cannot shard argument 'g': it is replicated on no grid axis"):
        prog.check()


def test_runtime_error_becomes_exception(tmp_path):
    prog = coco.Program("sum", coco.Grid("dp"))
    prog.output("s", coco.all_reduce(prog.param("g", (16,), layout="local")))
    compiled = prog.compile(workdir=str(tmp_path))
    # Python checks the per-rank arrays before anything runs...
    with pytest.raises(coco.CocoError, match=r"input 'g': rank 0's array for .* has shape \(8,\); "
                       r"expected its block \(16,\)"):
        compiled.run(ranks=R, inputs={"g": [np.zeros(8, np.float32)] * R})
    # ... and the executable itself checks what it reads (here run directly).
    indir, outdir = tmp_path / "in", tmp_path / "out"
    indir.mkdir()
    outdir.mkdir()
    for r in range(R):
        np.zeros(8, np.float32).tofile(indir / f"g.rank{r}.bin")
    proc = subprocess.run(coco.launcher(R) + [compiled.exe, "--in", str(indir), "--out", str(outdir)],
                          capture_output=True, text=True, timeout=120)
    assert proc.returncode != 0
    assert re.search(r"holds 32 bytes, but 'g' .* needs 64", proc.stdout + proc.stderr)


def _gpu_runtime_built():
    """Whether coco was built with the GPU path (libCocoRuntimeGPU)."""
    lib = os.path.join(coco.tools.tools_dir(), "..", "lib", "libCocoRuntimeGPU.so")
    return os.path.exists(lib)


@pytest.mark.skipif(not _gpu_runtime_built(), reason="coco built without the GPU path")
def test_gpu_target_compiles(tmp_path):
    """target="gpu" builds an executable against the GPU runtime (running it
    needs a GPU: test/Integration/GPU)."""
    prog = sgd.build()
    compiled = prog.compile(workdir=str(tmp_path), target="gpu")
    needed = subprocess.run(["readelf", "-d", compiled.exe], capture_output=True, text=True).stdout
    assert "libCocoRuntimeGPU.so" in needed


def test_unknown_target_is_an_error():
    with pytest.raises(coco.CocoError, match="target must be 'cpu' or 'gpu'"):
        sgd.build().compile(target="tpu")


def test_bf16_constants_compile(tmp_path):
    # bf16 is a float type: its constants and scalar defaults are float
    # literals (they went through int(): 0.5 became 0, an MLIR error).
    prog = coco.Program("scale", coco.Grid("dp"))
    x = prog.param("x", (4,), dtype="bf16")
    prog.output("y", x * 0.5)
    assert "arith.constant 5.00000000000000000e-01 : bf16" in prog.mlir()
    prog.compile(workdir=str(tmp_path))
    # (A host program cannot pass a bf16 scalar, so this one is only printed.)
    prog = coco.Program("scaled", coco.Grid("dp"))
    prog.output("y", prog.param("x", (4,), dtype="bf16") * prog.scalar("s", 0.25, dtype="bf16"))
    assert "coco.value = 2.50000000000000000e-01 : bf16" in prog.mlir()


def test_integer_scalar_arithmetic(tmp_path):
    # Integer scalars add, subtract and multiply with integer ops (they
    # emitted arith.addf on i32, an MLIR error); / and ** are refused, and
    # so is a fractional constant for an integer type (int() truncated it).
    prog = coco.Program("k", coco.Grid("dp"))
    x = prog.param("x", (6,), dtype="i32")
    k = prog.scalar("k", 2, dtype="i32")
    prog.output("y", x * (k + 1) - (3 - k))
    out = prog.compile(workdir=str(tmp_path)).run(
        ranks=R, inputs={"x": np.arange(6, dtype=np.int32)})
    np.testing.assert_array_equal(out["y"], np.arange(6, dtype=np.int32) * 3 - 1)
    with pytest.raises(coco.CocoError, match=r"i32 scalars have \+, - and \*; for div use f32"):
        k / 2
    with pytest.raises(coco.CocoError, match=r"for pow use f32 scalars"):
        k ** 2
    with pytest.raises(coco.CocoError, match=r"test_frontend\.py:\d+: an i32 value takes whole "
                       r"numbers in its range \(-2147483648 to 2147483647\), not 0\.5"):
        k * 0.5


def test_values_belong_to_their_program_and_type():
    # Another program's Scalar was emitted by its SSA name, which named
    # another value here: w * (a + u) computed w * (a + a * 3).
    one, two = coco.Program("one", coco.Grid("dp")), coco.Program("two", coco.Grid("dp"))
    a, b = one.scalar("a", 2.0), two.scalar("b", 5.0)
    t, u = a * 3.0, b * 7.0
    with pytest.raises(coco.CocoError, match=r"test_frontend\.py:\d+: %\w+ belongs to program "
                                             r"'two', not 'one'"):
        a + u
    # Scalars of two types were MLIR's "expects different type"; a tensor
    # times a scalar of another type is mixed precision, as the verifier
    # takes it.
    n = one.scalar("n", 3, dtype="i32")
    with pytest.raises(coco.CocoError, match="a scalar of type i32 with one of type f32"):
        t + n
    with pytest.raises(coco.CocoError, match="a scalar of type f32 with one of type i32"):
        n * t
    half = one.param("half", (4,), dtype="bf16")
    one.update(half, half * t)
    # Negation (-lr was a TypeError): arith.negf, and 0 - k for integers.
    w = one.param("w", (4,))
    one.update(w, w * -t)
    one.output("k", coco.all_reduce(one.param("x", (4,), dtype="i32", layout="local")) * -n)
    assert "arith.negf" in one.mlir() and "arith.subi" in one.mlir()


def test_integer_tensors_refuse_division_and_powers():
    # coco's integer quotient truncates toward zero (-3 / 2 was -1), and a
    # constant 0 divisor was folded away (w / 0 returned w): refused, as for
    # integer scalars.
    prog = coco.Program("ints", coco.Grid("dp"))
    x = prog.param("x", (4,), dtype="i32")
    for make in (lambda: x / 2, lambda: 2 / x, lambda: x / 0):
        with pytest.raises(coco.CocoError, match=r"i32 tensors have \+, -, \* and unary -; for / "
                                                 r"use a floating-point tensor"):
            make()
    with pytest.raises(coco.CocoError, match=r"for \*\* use a floating-point tensor"):
        x ** 2
    # Floating-point tensors: a number may come first (2 ** w was a TypeError).
    w = prog.param("w", (4,))
    prog.update(w, coco.maximum(0.0, 2.0 ** w))
    assert "coco.pow" in prog.mlir() and "coco.max" in prog.mlir()
    lr = prog.scalar("lr", 0.5)
    with pytest.raises(coco.CocoError, match="maximum takes at least one coco Tensor, got "
                                             "Scalar and Scalar"):
        coco.maximum(lr, lr)


def test_misused_builders_are_errors():
    prog = coco.Program("misuse", coco.Grid("dp"))
    w = prog.param("w", (4, 2))
    # One tuple placement (it was read as the list "sliced", 0).
    assert prog.param("x", (4, 2), placements=("sliced", 1)).placements == (coco.Sliced(1),)
    # A mistyped "auto" was split=True: a hand schedule, without a word.
    with pytest.raises(coco.CocoError, match=r"schedule\('autoo'\): the first argument is split"):
        prog.schedule("autoo")
    with pytest.raises(coco.CocoError, match="profile is a file's path, got int"):
        prog.schedule("auto", profile=5)
    # An axis beyond the grid matched nothing: the schedule did nothing.
    with pytest.raises(coco.CocoError, match="axes: grid @dp has 1 axis, numbered from 0; there "
                                             "is no axis 7"):
        prog.schedule(split=True, axes=[7])
    # A parameter's name for its Tensor was an AttributeError.
    with pytest.raises(coco.CocoError, match="coco.update takes the parameter's Tensor .*, got str"):
        prog.update("w", w)
    # One dimension for reduce (a TypeError), abs() (a TypeError).
    assert coco.reduce(w, 0).shape == (2,)
    assert abs(w).shape == (4, 2)
    # Raw tracebacks of the helpers (TypeError, ValueError, FileNotFoundError).
    with pytest.raises(coco.CocoError, match="expand takes a shape and dims as lists, got int"):
        coco.expand(w, 5, [0])
    with pytest.raises(coco.CocoError, match=r"rank \(of a grid of 4\) must be a whole number "
                                             r"from 0 to 3, not 5"):
        coco.placements.grid_coords(5, [2, 2])
    with pytest.raises(coco.CocoError, match="cannot read the signature manifest /nonexistent"):
        coco.read_manifest("/nonexistent.json")
    with pytest.raises(coco.CocoError, match="workdir is a directory's path, got int"):
        prog.compile(workdir=5)
    with pytest.raises(coco.CocoError, match="compile_library: path is the library's path"):
        prog.compile_library(5)
    ttype = coco.TensorType.parse("!coco.dtensor<4xf32, sliced<0> on @g>")
    with pytest.raises(coco.CocoError, match=r"rank 1's block of .* has 3 elements \(shape "
                                             r"\(3,\)\); its block is \(2,\)"):
        coco.assemble([np.zeros(2), np.zeros(3)], ttype, [2])


@pytest.mark.parametrize("p,seed,message", [
    # p < 0 scaled every element, p >= 1 and NaN zeroed them; seed 1.5 was 1.
    (-0.5, 1, r"dropout: p is a probability in \[0, 1\), got -0\.5"),
    (1.5, 1, r"got 1\.5"),
    (float("nan"), 1, r"got nan"),
    (0.1, 1.5, r"dropout: seed is an i64 integer or an i64 Scalar, got 1\.5"),
    (0.1, "a", r"seed is an i64 integer .*, got 'a'"),
    (0.1, 2 ** 64, r"seed is an i64 integer .*, got 18446744073709551616"),
])
def test_dropout_arguments_are_checked(p, seed, message):
    prog = coco.Program("drop", coco.Grid("dp"))
    w = prog.param("w", (4,))
    with pytest.raises(coco.CocoError, match=message):
        coco.dropout(w, p, seed)


def test_a_replaced_executable_is_not_run(tmp_path):
    # Two programs named alike, compiled into one workdir: the second
    # replaced the first's executable, and the first's run() ran it.
    def doubled(factor):
        prog = coco.Program("step", coco.Grid("dp"))
        w = prog.param("w", (4,))
        prog.update(w, w * factor)
        return prog.compile(workdir=str(tmp_path))
    first = doubled(2.0)
    second = doubled(3.0)
    with pytest.raises(coco.CocoError, match=r"step is no longer the executable compiled for this "
                                             r"program: a later compile into .* replaced it"):
        first.run(ranks=1, inputs={"w": np.ones(4, np.float32)})
    # run()'s arguments are checked before mpirun starts.
    for kwargs, message in ((dict(inputs=[1]), "inputs maps names to values .*, got list"),
                            (dict(scalars=[1]), "scalars maps names to values .*, got list"),
                            (dict(timeout="60"), "timeout is a number of seconds > 0, got '60'"),
                            (dict(outputs=5), "outputs is a name or a list of names, got int")):
        with pytest.raises(coco.CocoError, match=message):
            second.run(ranks=1, **kwargs)
    np.testing.assert_array_equal(second.run(ranks=1, inputs={"w": np.ones(4, np.float32)})["w"],
                                  np.full(4, 3.0, np.float32))


def test_replicated_axes_take_equal_arrays():
    # [local, replicated] on a [2, 2] grid: ranks 0 and 1 (and 2 and 3) hold
    # one block. Four different arrays were taken; each rank computed with
    # its own and the result depended on which rank was read back.
    ttype = coco.TensorType.parse("!coco.dtensor<4xf32, [local, replicated] on @g>")
    same = [np.full(4, 1.0, np.float32)] * 2 + [np.full(4, 2.0, np.float32)] * 2
    assert len(coco.blocks(same, ttype, [2, 2])) == 4
    differ = [np.full(4, float(r), np.float32) for r in range(4)]
    with pytest.raises(coco.CocoError, match=r"ranks 0 and 1 hold one block of .*, replicated on "
                                             r"axis 1, but their arrays differ"):
        coco.blocks(differ, ttype, [2, 2])
    nan = [np.full(4, np.nan, np.float32)] * 4
    assert len(coco.blocks(nan, ttype, [2, 2])) == 4  # NaN is NaN's equal here


@pytest.mark.parametrize("make,message", [
    (lambda: coco.Program("my step", coco.Grid("dp")), "program name 'my step' must be an identifier"),
    (lambda: coco.Program("s", "dp"), "program 's': grid must be a coco.Grid, not str"),
    (lambda: coco.Grid("d p"), "grid name 'd p' must be an identifier"),
    (lambda: coco.Grid("g", [2, 0]), r"grid @g: an extent must be a whole number >= 1, not 0"),
    (lambda: coco.Grid("g", [2.5]), r"grid @g: an extent must be a whole number >= 1, not 2\.5"),
    (lambda: coco.Grid("g", [None, None]), "grid @g: at most one extent may be None"),
    (lambda: coco.Grid("g", "ab"), "grid @g: a grid has 1 to 4 axes"),
    # (Compiling said "redefinition of symbol named 'dp'".)
    (lambda: coco.Program("dp", coco.Grid("dp")), "program 'dp' and its grid @dp share a name"),
])
def test_programs_and_grids_are_checked(make, message):
    # Each once reached the generated IR as a parse error at the first
    # parameter (or a file name, for "a/b").
    with pytest.raises(coco.CocoError, match=r"test_frontend\.py:\d+: " + message):
        make()


def _grid2():
    return coco.Program("p", coco.Grid("g", [2, 2]))


@pytest.mark.parametrize("make,message", [
    # int() truncated 4.9 and 0.7, and axis=-1 meant 0: programs other than
    # the one written.
    (lambda p: p.param("x", (4.9,)), r"a dimension must be a whole number >= 0, not 4\.9"),
    (lambda p: p.param("x", (True, 2)), "a dimension must be a whole number >= 0, not True"),
    (lambda p: p.param("x", ("4",)), "a dimension must be a whole number >= 0, not '4'"),
    (lambda p: p.param("x", (None,)), "a dimension must be a whole number >= 0, not None"),
    (lambda p: p.param("x", 16), r"the shape is a tuple or list of dimensions .*, not 16"),
    (lambda p: p.param("x", (4,), layout="local", axis=-1),
     r"axis \(of grid @g\) must be a whole number from 0 to 1, not -1"),
    (lambda p: p.param("x", (4,), layout="local", axis=2), r"axis .* from 0 to 1, not 2"),
    (lambda p: p.param("x", (4,), layout="sliced", dim=0.7),
     r"a sliced dimension must be a whole number >= 0, not 0\.7"),
    (lambda p: p.param("x", (4,), layout="local", dim=0), "dim= goes with layout='sliced'"),
    (lambda p: p.param("x", (4,), layout="sharded"), "unknown layout 'sharded': 'replicated', "
                                                      "'local' or 'sliced'"),
    (lambda p: p.param("x", (4,), dtype="float32"),
     "dtype 'float32' is not a coco element type: one of f32, f64, f16, bf16, i32, i64, i8, i1"),
    (lambda p: p.scalar("s", 1.0, dtype="f7"), "dtype 'f7' is not a coco element type"),
    (lambda p: p.param("x", (4,), init='x"y'),
     "init must be one of 'Uniform', 'Positive', 'Zeros', 'Ones', not 'x\"y'"),
])
def test_params_are_checked(make, message):
    with pytest.raises(coco.CocoError, match=r"test_frontend\.py:\d+: (parameter 'x'|scalar 's'): "
                                             + message):
        make(_grid2())


def test_shapes_as_sequences():
    # A numpy array or a range of extents is a shape (they were before the
    # checks; only bare numbers, strings and floats are refused).
    grid = coco.Grid("g", np.array([2]))
    p = coco.Program("seq", grid)
    assert p.param("w", np.array([4, 2])).type == "!coco.dtensor<4x2xf32, replicated on @g>"
    assert p.param("v", range(3, 4)).type == "!coco.dtensor<3xf32, replicated on @g>"
    with pytest.raises(coco.CocoError, match="the shape is a tuple or list"):
        p.param("u", np.array([[4]]))


def test_numpy_dtypes_name_element_types():
    # np.float32 was an MLIR parse error.
    prog = _grid2()
    assert prog.param("x", (4,), dtype=np.float32).dtype == "f32"
    assert prog.param("y", (4,), dtype=np.dtype("int8")).dtype == "i8"
    assert prog.scalar("s", 2, dtype=np.int64).dtype == "i64"


def test_names_are_unique():
    # Two '%w' were an MLIR parse error ("already in use"); two outputs 'y'
    # failed in coco-compile.
    prog = coco.Program("dups", coco.Grid("dp"))
    w = prog.param("w", (4,))
    with pytest.raises(coco.CocoError, match=r"test_frontend\.py:\d+: parameter name 'w' is taken "
                                             "by a parameter of program 'dups'"):
        prog.param("w", (4,))
    with pytest.raises(coco.CocoError, match=r"test_frontend\.py:\d+: scalar name 'w' is taken "
                                             "by a parameter"):
        prog.scalar("w", 1.0)
    prog.output("y", w * 2.0)
    with pytest.raises(coco.CocoError, match=r"test_frontend\.py:\d+: output name 'y' is taken "
                                             "by an output"):
        prog.output("y", w * 3.0)
    # The refused ones were not added: the program is still valid.
    prog.check()


def test_outputs_are_values_of_the_program():
    # A number failed later with an AttributeError in mlir().
    prog = coco.Program("outs", coco.Grid("dp"))
    other = coco.Program("other", coco.Grid("dp")).param("v", (4,))
    with pytest.raises(coco.CocoError, match=r"test_frontend\.py:\d+: expected a coco Tensor or "
                                             "Scalar, got float"):
        prog.output("s", 3.0)
    with pytest.raises(coco.CocoError, match="%v belongs to program 'other', not 'outs'"):
        prog.output("v", other)
    assert prog.results == []


def test_scalar_values_are_checked(tmp_path):
    prog = coco.Program("lim", coco.Grid("dp"))
    # Out of range for the type: an error only in coco-opt before; "0.1" was
    # taken as a number.
    for value, dtype, message in [(2 ** 40, "i32", "an i32 value takes whole numbers in its range"),
                                  (1e39, "f32", r"an f32 value takes values up to 3\.4028235e\+38 "
                                                "in magnitude, not 1e\\+39"),
                                  ("0.1", "f32", "an f32 value takes numbers, not <U3 values")]:
        with pytest.raises(coco.CocoError, match=rf"test_frontend\.py:\d+: scalar 'c': {message}"):
            prog.scalar("c", value, dtype=dtype)
    # inf and NaN are spelled by their bits ("inf" was no MLIR literal), as
    # defaults and as constants, and reach the program.
    x = prog.param("x", (3,))
    c = prog.scalar("c", float("inf"))
    prog.scalar("h", float("nan"), dtype="f64")
    prog.output("y", coco.minimum(x * c, x * float("-inf")))
    assert "coco.value = 0x7F800000 : f32" in prog.mlir()
    assert "coco.value = 0x7FF8000000000000 : f64" in prog.mlir()
    assert "arith.constant 0xFF800000 : f32" in prog.mlir()
    compiled = prog.compile(workdir=str(tmp_path))
    assert compiled.entry.scalars["c"] == ("f32", np.inf)
    out = compiled.run(ranks=1, inputs={"x": np.array([1, -1, 2], np.float32)})
    assert out["y"].tolist() == [-np.inf] * 3


def test_shard_state_names():
    # A string was iterated: shard_state="mw" named 'm' and 'w'.
    one = sgd.build().schedule(split=True, reorder=True, shard_state="b")
    listed = sgd.build().schedule(split=True, reorder=True, shard_state=["b"])
    assert one._passes() == listed._passes()
    assert any("args=b" in p for p in one._passes())
    with pytest.raises(coco.CocoError, match=r"test_frontend\.py:\d+: shard_state names 'bw', "
                                             r"which is not a parameter of program 'sgd' \(its "
                                             r"parameters: w, g, b\)"):
        sgd.build().schedule(split=True, shard_state="bw")
    with pytest.raises(coco.CocoError, match="shard_state takes parameter names"):
        sgd.build().schedule(split=True, shard_state=[1])


def test_auto_schedule_profile_path_with_a_space(tmp_path):
    # The pass option ended at the space: "no such option" from coco-opt.
    profile = tmp_path / "my profiles" / "memory-bound.json"
    profile.parent.mkdir()
    profile.write_text(open(os.path.join(PROFILES, "memory-bound.json")).read())
    prog = adam.build(N, coco.Grid("dp")).schedule("auto", profile=str(profile), ranks=R,
                                                   shard_state=["m", "v"])
    assert re.search(r"sliced<0> on @dp> {[^}]*coco.name = \"m\"", prog.scheduled_mlir())
    data = inputs("adam")
    out = prog.compile(workdir=str(tmp_path / "work")).run(ranks=R, inputs=data,
                                                           scalars={"step": 2.0})
    expected = ref.adam(data["w"], data["g"], data["m"], data["v"], 2.0)
    for name, value in zip(["w", "m", "v"], expected):
        np.testing.assert_allclose(out[name], value, rtol=2e-5, atol=1e-6, err_msg=name)
