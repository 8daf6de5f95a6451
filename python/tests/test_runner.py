"""coco.runner: the signature manifest coco-compile writes (and the front
end reads instead of parsing signatures), the one launcher, and the runner's
errors: a failed run, a run past its timeout, an output that does not
exist."""
import json
import os
import re
import signal
import stat
import subprocess
import sys
import threading
import time

import numpy as np
import pytest

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
sys.path.insert(0, os.path.join(ROOT, "python"))
sys.path.insert(0, os.path.join(ROOT, "python", "examples"))

import coco  # noqa: E402
import adam  # noqa: E402
from coco import runner  # noqa: E402


def test_manifest_describes_the_scheduled_entry(tmp_path):
    prog = adam.build(1000, coco.Grid("dp", [2])).schedule(split=True, reorder=True,
                                                            shard_state=["m", "v"])
    compiled = prog.compile(workdir=str(tmp_path))
    path = tmp_path / f"{prog.name}.signature.json"
    manifest = json.loads(path.read_text())
    assert manifest["version"] == runner.MANIFEST_VERSION
    (entry,) = manifest["entries"]
    assert entry["name"] == prog.name
    by_name = {a["name"]: a for a in entry["args"]}
    # coco-shard-state made the state sliced; the gradient stays local.
    assert by_name["m"]["placements"] == [{"kind": "sliced", "dim": 0}]
    assert by_name["g"]["placements"] == [{"kind": "local"}]
    assert by_name["w"]["updated"] and not by_name["g"]["updated"]
    assert by_name["lr"]["kind"] == "scalar" and by_name["lr"]["element"] == "f32"
    # The front end's view of it.
    assert compiled.entry.outputs == ["w", "m", "v"]
    assert str(compiled.signature["m"]) == "!coco.dtensor<1000xf32, sliced<0> on @dp>"
    assert compiled.signature["g"].is_local
    assert compiled.entry.scalars["lr"] == ("f32", pytest.approx(by_name["lr"]["default"]))


def test_manifest_version_is_checked(tmp_path):
    path = tmp_path / "m.json"
    path.write_text(json.dumps({"version": 99, "entries": []}))
    with pytest.raises(coco.CocoError, match="version 99, this front end reads version 1"):
        runner.read_manifest(str(path))


def test_manifest_placements_with_within(tmp_path):
    # Two axes slicing one dimension against the grid's order.
    spec = {"version": 1, "entries": [{"name": "f", "args": [
        {"name": "x", "kind": "tensor", "updated": False, "element": "f32", "shape": [12],
         "grid": "g", "grid_shape": [2, 3], "init": "Uniform",
         "placements": [{"kind": "sliced", "dim": 0, "within": 1},
                        {"kind": "sliced", "dim": 0}]},
        {"name": "c", "kind": "scalar", "updated": False, "element": "f32", "default": "-inf"}],
        "results": []}]}
    path = tmp_path / "m.json"
    path.write_text(json.dumps(spec))
    entry = runner.read_manifest(str(path))["f"]
    x = entry.tensors["x"]
    assert x.slice_levels(0) == [1, 0]
    # Rank 1 (coordinates (0, 1)): block 1 of 3 along axis 1, then half 0.
    assert x.block(1, [2, 3]) == (slice(4, 6),)
    assert entry.scalars["c"] == ("f32", float("-inf"))
    assert entry.outputs == []


def test_unknown_output_is_an_error(tmp_path):
    prog = adam.build(64, coco.Grid("dp", [2]))
    compiled = prog.compile(workdir=str(tmp_path))
    with pytest.raises(coco.CocoError, match="'loss' is not an output of the program "
                                             r"\(its outputs: w, m, v\)"):
        compiled.run(ranks=2, outputs=["loss"])


def test_scalars_reach_the_program_as_it_reads_them(tmp_path):
    # numpy numbers and bools (repr once gave "np.float32(0.5)", which the
    # host program refused as not a number); lr = 0.5 over the default 1e-3
    # moves w visibly.
    prog = adam.build(64, coco.Grid("dp", [2]))
    compiled = prog.compile(workdir=str(tmp_path))
    data = {"w": np.ones(64, np.float32), "g": [np.ones(64, np.float32)] * 2,
            "m": np.zeros(64, np.float32), "v": np.zeros(64, np.float32)}
    by_float = compiled.run(ranks=2, inputs=data, scalars={"lr": 0.5})
    by_numpy = compiled.run(ranks=2, inputs=data, scalars={"lr": np.float32(0.5)})
    assert np.array_equal(by_float["w"], by_numpy["w"])
    assert not np.allclose(by_float["w"], 1.0, atol=0.1)
    assert runner._scalar_text("x", np.int64(2 ** 62 + 1)) == str(2 ** 62 + 1)
    assert runner._scalar_text("x", np.True_) == "1"
    with pytest.raises(coco.CocoError, match=r"scalar 'lr' must be a real number, not complex"):
        runner._scalar_text("lr", 1 + 2j)


def test_inputs_are_not_silently_cast():
    # numpy's cast made complex values real (a warning only) and truncated
    # 1.5 to an i32 1.
    from coco.dtypes import to_storage
    with pytest.raises(coco.CocoError, match="an f32 tensor takes real values, not complex128"):
        to_storage(np.array([1 + 2j, 3]), "f32")
    with pytest.raises(coco.CocoError, match="a bf16 tensor takes real values"):
        to_storage(np.array([1j]), "bf16")
    with pytest.raises(coco.CocoError, match="an i32 tensor takes whole numbers in its range"):
        to_storage(np.array([1.5, 2.0]), "i32")
    with pytest.raises(coco.CocoError, match="an i8 tensor takes whole numbers in its range"):
        to_storage(np.array([300.0]), "i8")
    # Whole numbers given as floats, and floats for a float type, still pass.
    assert to_storage(np.array([1.0, -2.0]), "i32").tolist() == [1, -2]
    assert to_storage(np.array([0.5]), "f16").dtype == np.float16


def test_bf16_from_f64_is_rounded_once():
    # Through f32 first, 1 + 2^-8 + 2^-30 was rounded twice: to the tie
    # 1 + 2^-8, then to 1.0 (ties to even); the nearest bf16 is 1 + 2^-7.
    from coco.dtypes import from_storage, to_storage
    x = np.array([1 + 2 ** -8 + 2 ** -30, -(1 + 2 ** -8 + 2 ** -30), 1 + 2 ** -8, 1 + 2 ** -8 - 2 ** -30,
                  2 ** -130 + 2 ** -140, 0.0, -0.0])
    expected = [1 + 2 ** -7, -(1 + 2 ** -7), 1.0, 1.0, 2 ** -130, 0.0, -0.0]
    got = from_storage(to_storage(x, "bf16"), "bf16")
    assert got.tolist() == expected
    assert np.signbit(got[-1])
    # Against ml_dtypes' conversion (one rounding) on random doubles.
    ml_dtypes = pytest.importorskip("ml_dtypes")
    rng = np.random.default_rng(7)
    y = rng.standard_normal(100000) * 10.0 ** rng.integers(-40, 38, 100000)
    y = y[np.abs(y) < 3.38e38]
    assert np.array_equal(to_storage(y, "bf16"), y.astype(ml_dtypes.bfloat16).view(np.uint16))
    # A long double (x86: 64-bit significand) is not rounded to f64 first.
    if np.finfo(np.longdouble).nmant > 52:
        one = np.longdouble(1)
        z = np.array([one + one / 2 ** 8 + one / 2 ** 60], dtype=np.longdouble)
        assert from_storage(to_storage(z, "bf16"), "bf16").tolist() == [1 + 2 ** -7]


@pytest.mark.parametrize("ranks", [0, -1, 1.5, True, "2"])
def test_bad_rank_counts_are_errors(ranks, tmp_path):
    # ranks=0 started mpirun -np 0 (every slot) and failed with IndexError.
    with pytest.raises(coco.CocoError, match="ranks must be a whole number >= 1"):
        coco.launcher(ranks)
    if ranks == 0:
        compiled = adam.build(64, coco.Grid("dp")).compile(workdir=str(tmp_path))
        with pytest.raises(coco.CocoError, match="ranks must be a whole number >= 1"):
            compiled.run(ranks=0, inputs={"g": [np.ones(64, np.float32)]})


def test_launcher(monkeypatch):
    monkeypatch.delenv("COCO_LAUNCHER", raising=False)
    monkeypatch.delenv("COCO_MPIRUN", raising=False)
    default = coco.launcher(3)
    assert default[0] == "mpirun" and default[-2:] == ["-np", "3"]
    assert "self,vader" in default
    # A session directory of this process's own, which exists.
    base = default[default.index("orte_tmpdir_base") + 1]
    assert os.path.isdir(base) and coco.launcher(2)[-3] == base
    monkeypatch.setenv("COCO_MPIRUN", "mpirun --hostfile 'my hosts' --mca btl self,tcp")
    assert coco.launcher(4) == ["mpirun", "--hostfile", "my hosts", "--mca", "btl",
                                "self,tcp", "-np", "4"]
    monkeypatch.setenv("COCO_LAUNCHER", "none")
    assert coco.launcher(1) == []
    with pytest.raises(coco.CocoError, match="runs one rank"):
        coco.launcher(2)


def _script(tmp_path, body):
    path = tmp_path / "prog.sh"
    path.write_text("#!/bin/sh\n" + body)
    path.chmod(path.stat().st_mode | stat.S_IEXEC)
    return str(path)


def test_failed_run_carries_the_command_and_output(tmp_path):
    exe = _script(tmp_path, 'echo "rank says no" >&2\nexit 3\n')
    with pytest.raises(coco.ProgramFailed, match="rank says no") as failed:
        runner.run_executable(exe, 1)
    assert exe in failed.value.output


def _alive(pid):
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    # A zombie no one has reaped yet is gone too (and one reaped meanwhile).
    try:
        with open(f"/proc/{pid}/stat") as f:
            return f.read().split(")")[-1].split()[0] != "Z"
    except (FileNotFoundError, ProcessLookupError):
        return False


def _ends(pid, within=10.0):
    """Whether process `pid` ends within `within` seconds. A killed process
    closes its output pipe (which is what the runner waits for) a moment
    before the kernel marks it a zombie, so a check right after the runner
    returns could still see it running on a loaded machine."""
    deadline = time.monotonic() + within
    while _alive(pid):
        if time.monotonic() > deadline:
            return False
        time.sleep(0.05)
    return True


_STUBBORN_SLEEP_S = 300


def _stubborn(tmp_path):
    """A program whose shell ignores SIGTERM and whose child makes a
    process group of its own (as Open MPI's ranks do): only stopping the
    whole session, with SIGKILL, ends both."""
    pid_file = tmp_path / "child.pid"
    # "started" is printed once the child's pid is on file. The child sleeps
    # far longer than any check below waits, so a runner that waited for it
    # cannot pass.
    exe = _script(tmp_path, f"""trap '' TERM
python3 -c 'import os, time; os.setpgid(0, 0); time.sleep({_STUBBORN_SLEEP_S})' &
echo $! > "{pid_file}"
echo started
wait
""")
    return exe, pid_file


def test_run_past_timeout_is_stopped(tmp_path, monkeypatch):
    monkeypatch.setenv("COCO_LAUNCHER", "none")  # the program itself is the one rank
    exe, pid_file = _stubborn(tmp_path)
    start = time.monotonic()
    # 5 s lets even a loaded machine start the script and print "started".
    with pytest.raises(coco.ProgramFailed, match=r"did not finish within 5 s; stopped\. "
                                                 r"It printed:\n(.|\n)*started") as failed:
        runner.run_executable(exe, 1, timeout=5)
    assert failed.value.timed_out and failed.value.returncode is None
    # 5 s, then 10 s of SIGTERM's grace, then SIGKILL: far below the child's sleep.
    assert time.monotonic() - start < _STUBBORN_SLEEP_S / 2
    assert _ends(int(pid_file.read_text()))


def test_interrupted_run_is_stopped(tmp_path, monkeypatch):
    monkeypatch.setenv("COCO_LAUNCHER", "none")
    exe, pid_file = _stubborn(tmp_path)

    # The interrupt is sent once the runner waits for the program (its
    # communicate has been entered) and the child's pid is on file: not
    # during the program's start, which a loaded machine makes slow.
    waiting, done = threading.Event(), threading.Event()
    communicate = subprocess.Popen.communicate

    def communicate_and_say_so(self, *args, **kwargs):
        waiting.set()
        return communicate(self, *args, **kwargs)

    monkeypatch.setattr(subprocess.Popen, "communicate", communicate_and_say_so)

    def interrupt(signum, frame):
        raise KeyboardInterrupt

    sent = []

    def interrupt_once_waiting():
        deadline = time.monotonic() + 60
        while not done.is_set() and time.monotonic() < deadline:
            if waiting.is_set() and pid_file.exists():
                sent.append(True)
                signal.pthread_kill(threading.main_thread().ident, signal.SIGALRM)
                return
            time.sleep(0.05)

    previous = signal.signal(signal.SIGALRM, interrupt)
    interrupter = threading.Thread(target=interrupt_once_waiting, daemon=True)
    try:
        interrupter.start()
        with pytest.raises(KeyboardInterrupt):
            runner.run_executable(exe, 1, timeout=_STUBBORN_SLEEP_S / 2)
    finally:
        done.set()  # a run that ended on its own gets no late interrupt
        interrupter.join()
        signal.signal(signal.SIGALRM, previous)
    assert sent, "the program never started, or the runner never waited for it"
    assert _ends(int(pid_file.read_text()))


def test_bf16_values_round_and_come_back_as_float32():
    from coco import dtypes
    x = np.array([1.0, -2.0, 1.00390625, 3.0e38, np.inf, np.nan], np.float32)
    bits = dtypes.to_storage(x, "bf16")
    assert bits.dtype == np.uint16
    # 1 + 2^-8 is halfway between bf16 1.0 and 1.0078125: ties to even (1.0).
    assert list(bits[:3]) == [0x3F80, 0xC000, 0x3F80]
    back = dtypes.from_storage(bits, "bf16")
    assert back.dtype == np.float32
    assert list(back[:3]) == [1.0, -2.0, 1.0] and np.isinf(back[4]) and np.isnan(back[5])
    assert np.array_equal(dtypes.to_storage(bits, "bf16"), bits)  # bits pass as they are
    with pytest.raises(coco.CocoError, match="bf16 tensor takes floating-point values"):
        dtypes.to_storage(np.array([1, 2], np.int32), "bf16")


def test_missing_output_is_an_error(tmp_path):
    exe = _script(tmp_path, "exit 0\n")
    with pytest.raises(coco.ProgramFailed, match="rank 0 wrote no output 'w'"):
        runner.run_executable(exe, 1, outputs={"w": (np.float32, (4,))})


def test_element_types_agree_with_the_runtime_table():
    from coco import dtypes
    table = open(os.path.join(ROOT, "include", "coco", "Runtime", "CocoElementTypes.def")).read()
    rows = re.findall(r'^COCO_ELEMENT_TYPE\(\w+, "(\w+)", (\d+), (\d+), \w+\)', table, re.M)
    assert rows, "no rows found in CocoElementTypes.def"
    assert {name: (int(code), int(size)) for name, code, size in rows} == dtypes.ELEMENT_TYPES
    for name, (_, size) in dtypes.ELEMENT_TYPES.items():
        assert dtypes.numpy_dtype(name).itemsize == size


def test_values_that_a_type_cannot_hold_are_refused():
    # numpy's casts wrapped integers around (an i32 2**31 became -2**31, an
    # i8 300 became 44, a uint32 4294967295 an i32 -1), made finite floats
    # inf (1e6 in f16), strings a ValueError and None a NaN.
    from coco.dtypes import to_storage
    for value, name, bad in [(np.array([7, 2 ** 31], np.int64), "i32", r"2147483648 \(at index 1\)"),
                             ([300, 1], "i8", "300"),
                             (np.array([4294967295], np.uint32), "i32", "4294967295"),
                             (2 ** 63, "i64", "9223372036854775808"),
                             (np.array([2.0 ** 63]), "i64", r"9\.223372036854776e\+18")]:
        with pytest.raises(coco.CocoError, match=rf"an {name} tensor takes whole numbers in its "
                                                 rf"range \(-\d+ to \d+\), not {bad}"):
            to_storage(value, name)
    for value, name in [([1e6, 1.0], "f16"), (1e39, "f32"), (np.float32(3.4e38), "bf16"),
                        (np.array([[0.0, 1e300]]), "bf16"), (np.array([70000], np.int32), "f16")]:
        with pytest.raises(coco.CocoError, match=rf"an? {name} tensor takes values up to .* in "
                                                 "magnitude, not .*, which would become inf"):
            to_storage(value, name)
    for value, got in [(np.array(list("ab")), "<U1 values"), ("0.5", "<U3 values"),
                       (np.array([None] * 2), "Python objects such as None")]:
        with pytest.raises(coco.CocoError, match=f"an f32 tensor takes numbers, not {got}"):
            to_storage(value, "f32")
    # Python integers beyond 64 bits are numbers a float type holds (numpy
    # keeps them as objects).
    assert to_storage([2 ** 64, 1], "f64").tolist() == [2.0 ** 64, 1.0]
    with pytest.raises(coco.CocoError, match="an f64 tensor takes values up to .* not these "
                                             "Python integers"):
        to_storage(10 ** 400, "f64")
    with pytest.raises(coco.CocoError, match="an f32 tensor takes an array of numbers, not this list"):
        to_storage([[1.0, 2.0], [3.0]], "f32")
    with pytest.raises(coco.CocoError, match=r"an i1 tensor takes booleans \(or 0 and 1\), not 2"):
        to_storage([0, 1, 2], "i1")
    # What rounding alone changes passes, and so do inf and NaN given as such.
    assert to_storage(np.array([2 ** 31 - 1, -2 ** 31], np.int64), "i32").tolist() == \
        [2 ** 31 - 1, -2 ** 31]
    assert to_storage(np.array([np.inf, np.nan, 65519.0]), "f16")[2] == 65504
    assert np.isinf(to_storage(-np.inf, "f32")) and to_storage(0.5, "f32").shape == ()
    assert list(to_storage([np.inf, 3.0e38], "bf16")) == [0x7F80, 0x7F62]


@pytest.fixture(scope="module")
def small_step(tmp_path_factory):
    """w (replicated) -= lr * sum of g (local), and an i32 count: compiled
    once for the tests of what Compiled.run refuses before it starts."""
    prog = coco.Program("small", coco.Grid("dp"))
    w, g = prog.param("w", (6,)), prog.param("g", (6,), layout="local")
    k = prog.param("k", (2,), dtype="i32")
    lr = prog.scalar("lr", 0.5)
    prog.scalar("n", dtype="i32")  # no default
    prog.update(w, w - coco.all_reduce(g) * lr)
    prog.output("k2", k * 2)
    return prog.compile(workdir=str(tmp_path_factory.mktemp("small")))


def test_run_refuses_inputs_before_starting(small_step, monkeypatch):
    def started(*args, **kwargs):
        raise AssertionError("the program was started")
    monkeypatch.setattr(runner, "run_executable", started)
    ones = np.ones(6, np.float32)
    good = {"w": ones, "g": [ones, ones], "k": np.array([1, 2], np.int32)}
    for inputs, scalars, message in [
            # len() of 5 was a TypeError.
            ({**good, "g": 5}, {}, r"input 'g': .* pass a list of 2 arrays, one per world rank "
                                   r"\(got int\)"),
            ({**good, "k": np.array([2 ** 31, 0])}, {}, r"input 'k': an i32 tensor takes whole "
                                                       r"numbers in its range .*, not 2147483648"),
            ({**good, "g": [ones, ["x"] * 6]}, {}, r"input 'g': rank 1's array: an f32 tensor "
                                                   "takes numbers"),
            # A result's name was silently ignored.
            ({**good, "k2": ones}, {}, r"input 'k2' is a result: inputs are the program's tensor "
                                       r"parameters \(w, g, k\)"),
            ({**good, "lr": 0.1}, {}, r"input 'lr' is a scalar \(pass it in scalars=\)"),
            # A missing input failed in every rank once mpirun had started.
            ({"w": ones}, {"n": 1}, "no input for parameters g, k: Compiled.run needs every "
                                    "tensor parameter's value"),
            (good, {"n": 1, "zz": 1}, r"the program has no scalar 'zz' \(its scalars: lr, n\)"),
            # The host program read 1e40 as an f32 inf.
            (good, {"n": 1, "lr": 1e40}, "scalar 'lr': an f32 scalar takes values up to "
                                         r"3\.4028235e\+38 in magnitude, not 1e\+40"),
            (good, {"n": 2 ** 31}, "scalar 'n': an i32 scalar takes whole numbers in its range"),
            (good, {}, r"scalar 'n' \(i32\) has no default: pass its value in scalars=")]:
        with pytest.raises(coco.CocoError, match=message):
            small_step.run(ranks=2, inputs=inputs, scalars=scalars)
    # Scalars are handed on as their type holds them: 3.0 for an i32 as 3
    # (the program refused "--set n=3.0" once the ranks had started), a 0-d
    # array as its number; an array of several numbers is refused.
    handed = {}
    monkeypatch.setattr(runner, "run_executable",
                        lambda *args, **kwargs: handed.update(args[4]) or ({}, None))
    small_step.run(ranks=2, inputs=good, scalars={"n": 3.0, "lr": np.array(0.5)}, outputs=[])
    assert handed == {"n": 3, "lr": 0.5} and isinstance(handed["n"], int), handed
    with pytest.raises(coco.CocoError, match=r"scalar 'n' takes one number, not an array of "
                                             r"shape \(2,\)"):
        small_step.run(ranks=2, inputs=good, scalars={"n": [1, 2]})


def test_directories_that_are_files_are_errors(tmp_path):
    # os.makedirs raised FileExistsError.
    afile = tmp_path / "afile"
    afile.write_text("")
    prog = coco.Program("tiny", coco.Grid("dp"))
    w = prog.param("w", (4,))
    prog.update(w, w * 2.0)
    with pytest.raises(coco.CocoError, match=f"workdir {afile} exists and is not a directory"):
        prog.compile(workdir=str(afile))
    with pytest.raises(coco.CocoError, match=f"cache_dir {afile} exists and is not a directory"):
        prog.load(cache_dir=str(afile))


def test_cache_failure_is_shared_with_the_waiting_ranks(tmp_path, monkeypatch):
    # Every rank waiting on the cache's lock compiled the failing program
    # again, one after the other. Two loads here, the second waiting on the
    # first's lock (flock: two open files conflict within one process too).
    from coco import compiler
    calls = []

    def failing_compile(program, path, target):
        calls.append(path)
        time.sleep(1.0)
        raise coco.CocoError("coco-compile: the linker failed")

    monkeypatch.setattr(compiler, "compile_library", failing_compile)
    prog = coco.Program("tiny", coco.Grid("dp"))
    w = prog.param("w", (4,))
    prog.update(w, w * 2.0)
    errors = [None, None]

    def load(index):
        try:
            prog.load(cache_dir=str(tmp_path))
        except coco.CocoError as error:
            errors[index] = str(error)

    first = threading.Thread(target=load, args=(0,))
    first.start()
    time.sleep(0.3)  # the first holds the lock, compiling
    second = threading.Thread(target=load, args=(1,))
    second.start()
    first.join()
    second.join()
    assert len(calls) == 1
    assert errors[0] == "coco-compile: the linker failed"
    assert errors[1] == ("coco-compile: the linker failed (compiled by another process of this "
                         "host, which holds the cache's lock first; this one waited for it)")
    # A later load, which did not wait on that compile, compiles again...
    with pytest.raises(coco.CocoError, match="^coco-compile: the linker failed$"):
        prog.load(cache_dir=str(tmp_path))
    assert len(calls) == 2
    # ... and one that succeeds removes the record.
    (failed,) = tmp_path.glob("*.failed")

    def compile_into_place(program, path, target):
        calls.append(path)
        with open(path, "w") as f:
            f.write("a library")

    monkeypatch.setattr(compiler, "compile_library", compile_into_place)
    monkeypatch.setattr(compiler, "load", lambda path: {prog.name: path})
    assert prog.load(cache_dir=str(tmp_path)).endswith(".so")
    assert len(calls) == 3 and not failed.exists()


def test_launcher_and_tools_errors_name_the_setting(tmp_path, monkeypatch):
    monkeypatch.delenv("COCO_LAUNCHER", raising=False)
    # shlex's ValueError, and Popen's FileNotFoundError once mpirun was to start.
    monkeypatch.setenv("COCO_MPIRUN", 'mpirun "unterminated')
    with pytest.raises(coco.CocoError, match="COCO_MPIRUN=mpirun \"unterminated: No closing "
                                             "quotation"):
        coco.launcher(2)
    monkeypatch.setenv("COCO_MPIRUN", "no-such-mpirun --flag")
    exe = _script(tmp_path, "exit 0\n")
    with pytest.raises(coco.CocoError, match="cannot start no-such-mpirun \\(from COCO_MPIRUN\\): "
                                             "No such file or directory"):
        runner.run_executable(exe, 1)
    monkeypatch.delenv("COCO_MPIRUN")
    # Running a coco-opt that is not there was a FileNotFoundError.
    missing = tmp_path / "nowhere"
    monkeypatch.setenv("COCO_TOOLS_DIR", str(missing))
    with pytest.raises(coco.CocoError, match=f"COCO_TOOLS_DIR={missing} is not a directory"):
        coco.Program("p", coco.Grid("dp")).param("w", (4,), dtype="i8")
    monkeypatch.setenv("COCO_TOOLS_DIR", str(tmp_path))
    with pytest.raises(coco.CocoError, match=f"COCO_TOOLS_DIR={tmp_path} holds no coco-opt"):
        coco.tools.run_tool("coco-compile", "--version")


_IN_PROCESS = """
import sys
import numpy as np
import coco
prog = coco.Program("scaled", coco.Grid("dp"))
w = prog.param("w", (4,))
prog.update(w, w * prog.scalar("lr", 0.5))
step = prog.load(cache_dir=sys.argv[1])
w = np.ones(4, np.float32)
try:
    step(w=w, lr=1e300)
except coco.CocoError as error:
    print("refused:", error)
if np.finfo(np.longdouble).max > np.finfo(np.float64).max:  # x86: 80-bit
    try:
        step(w=w, lr=np.longdouble("1e400"))
    except coco.CocoError as error:
        print("refused:", error)
else:
    print("refused: @scaled: argument 'lr': 1e+400 is beyond the range of a double")
step(w=w, lr=np.array(0.25))       # a 0-d array is the number it holds
step(w=w, lr=np.float64(2.0))
print("w:", w.tolist())
"""


def _run_in_process(script, text, argument):
    """`text` as the Python script `script`, run on one MPI rank (its own
    process: the library starts MPI) with `argument`; it must succeed."""
    script.write_text(text)
    proc = subprocess.run(coco.launcher(1) + [sys.executable, str(script), str(argument)],
                          capture_output=True, text=True, timeout=300,
                          env={**os.environ, "PYTHONPATH": os.path.join(ROOT, "python")})
    assert proc.returncode == 0, proc.stdout + proc.stderr
    return proc


def test_in_process_scalars(tmp_path):
    # An f32 scalar of 1e300 became inf in the runtime's float(); a 0-d
    # array was refused as "got a tensor". Its own process: the library
    # starts MPI.
    proc = _run_in_process(tmp_path / "call.py", _IN_PROCESS, tmp_path / "cache")
    assert "refused: @scaled: argument 'lr': an f32 scalar takes values up to 3.4028235e+38 in " \
        "magnitude, not 1e+300, which would become inf" in proc.stdout
    # A finite long double beyond double's range became inf in float().
    assert "refused: @scaled: argument 'lr': 1e+400 is beyond the range of a double" \
        in proc.stdout
    assert "w: [0.5, 0.5, 0.5, 0.5]" in proc.stdout


_ARGUMENT_NAMES = """
import sys
import numpy as np
import coco
prog = coco.Program("named", coco.Grid("dp"))
w = prog.param("self", (4,))
prog.update(w, w * 2.0)
step = prog.load(cache_dir=sys.argv[1])
a = np.ones(4, np.float32)
step(**{"self": a})
print("self:", a.tolist())
try:
    step(a)
except coco.CocoError as error:
    print("refused:", error)
"""


def test_in_process_arguments_by_name(tmp_path):
    # An argument named self was "got multiple values for argument 'self'";
    # a positional argument a TypeError that skipped the refusal every rank
    # hears of.
    proc = _run_in_process(tmp_path / "call.py", _ARGUMENT_NAMES, tmp_path / "cache")
    assert "self: [2.0, 2.0, 2.0, 2.0]" in proc.stdout
    assert "refused: @named takes its arguments by name (self), got 1 positional" in proc.stdout


_RELOAD = """
import os
import sys
import numpy as np
import coco

def program(name, scale):
    prog = coco.Program(name, coco.Grid("dp"))
    w = prog.param("w", (4,))
    prog.update(w, w * scale)
    return prog

# A library rebuilt at the path it was loaded from runs its new code (dlopen
# gave back the old library: the old code ran).
path = os.path.join(sys.argv[1], "libscale.so")
for scale in (2.0, 3.0):
    program("scale", scale).compile_library(path)
    w = np.ones(4, np.float32)
    coco.load(path).scale(w=w)
    print("rebuilt:", w.tolist())
w = np.ones(4, np.float32)
coco.load(path).scale(w=w)  # loaded again, unchanged: the latest build
print("again:", w.tolist())
print("copies left:", [f for f in os.listdir(sys.argv[1]) if f.startswith("libscale.so.")])
# A 240-character program name (its cache and build file names were beyond
# the file system's limit: OSError).
w = np.ones(4, np.float32)
program("x" * 240, 5.0).load(cache_dir=os.path.join(sys.argv[1], "cache"))(w=w)
print("long name:", w.tolist())
"""


def test_rebuilt_libraries_and_long_names(tmp_path):
    proc = _run_in_process(tmp_path / "reload.py", _RELOAD, tmp_path)
    assert "rebuilt: [2.0, 2.0, 2.0, 2.0]\nrebuilt: [3.0, 3.0, 3.0, 3.0]\nagain: [3.0, 3.0, 3.0, 3.0]" \
        in proc.stdout
    assert "copies left: []" in proc.stdout
    assert "long name: [5.0, 5.0, 5.0, 5.0]" in proc.stdout


def test_cache_key_follows_the_profile_contents(tmp_path):
    # schedule('auto') keyed the cache by the profile's path: a profile
    # calibrated again at the same path kept loading the old schedule.
    from coco import compiler
    source = os.path.join(ROOT, "test", "Dialect", "Coco", "Transforms", "Inputs")
    profile = tmp_path / "machine.json"
    keys = []
    for name in ("memory-bound.json", "latency-bound.json"):
        profile.write_bytes(open(os.path.join(source, name), "rb").read())
        prog = coco.Program("auto_key", coco.Grid("dp"))
        w, g = prog.param("w", (4096,)), prog.param("g", (4096,), layout="local")
        prog.update(w, w - coco.all_reduce(g) * 0.1)
        prog.schedule("auto", profile=str(profile), ranks=2)
        keys.append(compiler.cache_key(prog, "cpu"))
    assert keys[0] != keys[1]


_LATE_CALL = """
import atexit
import sys
import numpy as np
import coco

state = {}


def on_exit():  # registered before coco's own finalize: runs after it
    try:
        state["step"](w=np.ones(4, np.float32))
    except coco.CocoError as error:
        print("refused:", error)
    try:
        coco.world_rank()
    except coco.CocoError as error:
        print("refused:", error)


atexit.register(on_exit)
prog = coco.Program("late", coco.Grid("dp"))
w = prog.param("w", (4,))
prog.update(w, w * 2.0)
state["step"] = prog.load(cache_dir=sys.argv[1])
"""


def test_calls_after_coco_finalized_are_refused(tmp_path):
    # The runtime ended the process ("coco_rt_init: the runtime was used
    # after coco_rt_finalize"), with no CocoError to catch.
    proc = _run_in_process(tmp_path / "late.py", _LATE_CALL, tmp_path / "cache")
    assert "refused: a call of @late after coco finalized its runtime and MPI at exit" in proc.stdout
    assert "refused: coco.world_rank() after coco finalized its runtime and MPI at exit" in proc.stdout
