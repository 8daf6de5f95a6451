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
    with pytest.raises(coco.CocoError, match="a f32 tensor takes real values, not complex128"):
        to_storage(np.array([1 + 2j, 3]), "f32")
    with pytest.raises(coco.CocoError, match="a bf16 tensor takes real values"):
        to_storage(np.array([1j]), "bf16")
    with pytest.raises(coco.CocoError, match="a i32 tensor takes whole numbers in its range"):
        to_storage(np.array([1.5, 2.0]), "i32")
    with pytest.raises(coco.CocoError, match="a i8 tensor takes whole numbers in its range"):
        to_storage(np.array([300.0]), "i8")
    # Whole numbers given as floats, and floats for a float type, still pass.
    assert to_storage(np.array([1.0, -2.0]), "i32").tolist() == [1, -2]
    assert to_storage(np.array([0.5]), "f16").dtype == np.float16


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
