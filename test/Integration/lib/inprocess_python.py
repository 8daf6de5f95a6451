"""coco.load / Program.load on MPI ranks: compiled entries called in-process
on the caller's arrays (test/Integration/InProcess/python-api.test).

    mpirun -np R python3 inprocess_python.py MODE CACHE_DIR

Modes: "calls" (numpy, buffer-protocol and DLPack arguments updated in place,
sliced state, results, against numpy), "errors" (refused calls raise
CocoError and change nothing), "leak" (1,000 calls, resident memory flat),
"two" (two libraries whose entries share a name, in one process),
"entries" (ranks calling different entries are refused), "schedules"
(ranks whose libraries were scheduled differently are refused), "leave" (the
last rank raises before its first call: the job ends at once).
"""
import array
import os
import sys

import numpy as np

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))))
sys.path.insert(0, os.path.join(ROOT, "python"))
import coco  # noqa: E402

N = 1001  # uneven blocks on 2, 3 and 4 ranks


def program():
    """SGD with momentum whose momentum is sharded (coco-shard-state), and
    the summed gradient's norm and the summed gradient as results."""
    prog = coco.Program("sgd_step", coco.Grid("dp"))
    w, g = prog.param("w", (N,)), prog.param("g", (N,), layout="local")
    b = prog.param("b", (N,), init="Zeros")
    lr, mu = prog.scalar("lr", 0.1), prog.scalar("momentum", 0.9)
    prog.scalar("seed", 2 ** 53 + 1, dtype="i64")  # unused: integer scalar checks
    grad = coco.all_reduce(g)
    b2 = b * mu + grad
    prog.update(w, w - b2 * lr)
    prog.update(b, b2)
    prog.output("gnorm", coco.norm(grad))
    return prog.schedule(split=True, reorder=True, shard_state=["b"])


def gradient(rank, step):
    return np.random.default_rng(100 * step + rank).standard_normal(N).astype(np.float32)


class DLPackOnly:
    """An object that offers its memory through DLPack alone (as torch
    tensors do)."""

    def __init__(self, array):
        self._array = array

    def __dlpack__(self, **kwargs):
        return self._array.__dlpack__(**kwargs)

    def __dlpack_device__(self):
        return self._array.__dlpack_device__()


def calls(step):
    rank, ranks = coco.world_rank(), coco.world_size()
    assert step.local_shape("w") == (N,) and step.local_shape("g") == (N,)
    blocks = np.array_split(np.arange(N), ranks)
    assert step.local_shape("b") == (len(blocks[rank]),), step.local_shape("b")
    assert step.local_offset("b") == (int(blocks[rank][0]),)
    w0 = np.random.default_rng(7).standard_normal(N).astype(np.float32)
    ref_w, ref_b = w0.astype(np.float64), np.zeros(N)
    # w as a buffer-protocol object (array.array), b as numpy, g by DLPack.
    w = array.array("f", w0.tobytes())
    w_view = np.frombuffer(w, dtype=np.float32)
    address = w_view.ctypes.data
    b = step.zeros("b")
    for t in range(1, 4):
        g = gradient(rank, t)
        total = sum(gradient(r, t).astype(np.float64) for r in range(ranks))
        norm = step(w=w, g=DLPackOnly(g), b=b, lr=0.1)
        ref_b = 0.9 * ref_b + total
        ref_w = ref_w - 0.1 * ref_b
        np.testing.assert_allclose(norm, np.linalg.norm(total), rtol=1e-5)
        assert isinstance(norm, np.ndarray) and norm.shape == ()
    assert np.frombuffer(w, dtype=np.float32).ctypes.data == address  # same memory
    np.testing.assert_allclose(w_view, ref_w, rtol=1e-4, atol=1e-5)
    np.testing.assert_allclose(b, ref_b[blocks[rank]], rtol=1e-4, atol=1e-5)
    if rank == 0:
        print(f"calls on {ranks} ranks: w (buffer protocol) and b (its block of "
              f"{len(blocks[0])}) updated in place, gnorm returned; match numpy")
        print(repr(step))


class _RefusedTensor:
    """A DLPack object whose export fails, as a torch tensor's does where
    numpy has no type for it (bf16) or it requires grad."""

    def __init__(self, dtype):
        self.dtype = dtype

    def __dlpack__(self, *args, **kwargs):
        raise BufferError(f"cannot export a {self.dtype} tensor")

    def __dlpack_device__(self):
        return (1, 0)


def errors(step):
    rank = coco.world_rank()
    w, g, b = np.ones(N, np.float32), np.ones(N, np.float32), step.zeros("b") + 1
    w_before, b_before = w.copy(), b.copy()
    read_only = np.zeros(N, np.float32)
    read_only.flags.writeable = False
    cases = [
        ("short g", dict(w=w, g=g[:-1], b=b)),
        ("f64 g", dict(w=w, g=g.astype(np.float64), b=b)),
        ("strided g", dict(w=w, g=np.zeros(2 * N, np.float32)[::2], b=b)),
        ("read-only w", dict(w=read_only, g=g, b=b)),
        ("whole b", dict(w=w, g=g, b=np.zeros(N, np.float32))),
        ("missing b", dict(w=w, g=g)),
        ("unknown name", dict(w=w, g=g, b=b, learning_rate=0.1)),
        ("list for g", dict(w=w, g=[0.0] * N, b=b)),
        # DLPack objects numpy refuses (as it refuses a torch bf16 tensor,
        # or one that requires grad): the hint fits the cause.
        ("bf16 tensor g", dict(w=w, g=_RefusedTensor("torch.bfloat16"), b=b)),
        ("grad tensor g", dict(w=w, g=_RefusedTensor("torch.float32"), b=b)),
        ("string lr", dict(w=w, g=g, b=b, lr="fast")),
        ("fractional seed", dict(w=w, g=g, b=b, seed=0.5)),
        ("huge seed", dict(w=w, g=g, b=b, seed=2 ** 64)),
        # numpy values float() cannot read raised ValueError or TypeError on
        # that rank alone, and left the others waiting in the call.
        ("numpy string lr", dict(w=w, g=g, b=b, lr=np.str_("abc"))),
        ("complex lr", dict(w=w, g=g, b=b, lr=np.complex64(1 + 2j))),
        # Scalars are replicated: ranks that pass different ones would make
        # replicated results differ, silently.
        ("lr per rank", dict(w=w, g=g, b=b, lr=0.25 * (rank + 1))),
        # Refused by the last rank only (by the runtime, or by the Python
        # wrapper itself): every rank refuses, none waits.
        ("last rank's b", dict(w=w, g=g, b=b if rank + 1 < coco.world_size() else b[:-1])),
        ("last rank's strided g", dict(w=w, b=b, g=g if rank + 1 < coco.world_size()
                                       else np.ones(2 * N, np.float32)[::2])),
    ]
    for what, kwargs in cases:
        try:
            step(**kwargs)
        except coco.CocoError as error:
            if rank == 0:
                print(f"{what}: {error}")
        except (TypeError, ValueError) as error:
            raise SystemExit(f"{what}: not a CocoError: {type(error).__name__}: {error}")
        else:
            raise SystemExit(f"{what}: the call was not refused")
    assert np.array_equal(w, w_before) and np.array_equal(b, b_before)
    # An exact i64 (2^53 + 1 is no double) is accepted.
    step(w=w, g=g, b=b, seed=2 ** 53 + 1)
    for what, action in [("unknown entry", lambda: step._library["sgd"]),
                         ("not a library", lambda: coco.load(__file__))]:
        try:
            action()
        except coco.CocoError as error:
            if rank == 0:
                print(f"{what}: {error}")
        else:
            raise SystemExit(f"{what}: not refused")


def different_entries(cache):
    """Ranks that call different entries (each with an all_reduce of the
    same shape, which would pair up) are refused on every rank."""
    entries = []
    for name in ("sum_grads", "sum_loss"):
        prog = coco.Program(name, coco.Grid("dp"))
        g = prog.param("g", (8,), layout="local")
        prog.output("total", coco.all_reduce(g))
        entries.append(prog.load(cache_dir=cache))
    rank = coco.world_rank()
    try:
        entries[rank % 2](g=np.ones(8, np.float32))
    except coco.CocoError as error:
        print(f"rank {rank}: {error}")
    else:
        raise SystemExit(f"rank {rank}: different entries were not refused")
    # Entries of one name from two libraries, of other shapes, are different
    # entries too (the agreement hashes the whole entry, not its name).
    same_name = []
    for n in (8, 16):
        prog = coco.Program("sum_x", coco.Grid("dp"))
        g = prog.param("g", (n,), layout="local")
        prog.output("total", coco.all_reduce(g))
        same_name.append(prog.load(cache_dir=cache))
    n = 8 if rank % 2 == 0 else 16
    try:
        same_name[rank % 2](g=np.ones(n, np.float32))
    except coco.CocoError as error:
        print(f"rank {rank}: {error}")
    else:
        raise SystemExit(f"rank {rank}: same-named entries of other shapes were not refused")
    # Then the same entry on every rank runs.
    assert np.all(entries[0](g=np.ones(8, np.float32)) == coco.world_size())


def leave_early(cache):
    """The last rank's program raises before its first call: the job ends
    at once, every rank saying why, not at the watchdog's limit."""
    entry = program().load(cache_dir=cache)
    if coco.world_rank() + 1 == coco.world_size():
        raise RuntimeError("the last rank's program failed before its first call")
    w, g, b = np.ones(N, np.float32), np.ones(N, np.float32), entry.zeros("b")
    entry(w=w, g=g, b=b)
    raise SystemExit("the call went on without the last rank")


def two_libraries(cache):
    """Two programs with an entry of the same name and no runtime call,
    loaded into one process: each runs its own code."""
    entries = []
    for amount in (1.0, 2.0):
        prog = coco.Program("bump", coco.Grid("dp"))
        x = prog.param("x", (8,))
        prog.update(x, x + amount)
        entries.append(prog.load(cache_dir=cache))
    x = np.zeros(8, np.float32)
    entries[0](x=x)
    entries[1](x=x)
    entries[1](x=x)
    assert entries[0]._library.path != entries[1]._library.path
    assert np.all(x == 5.0), x
    if coco.world_rank() == 0:
        print("two libraries, one entry name: each ran its own code")


def different_schedules(cache):
    """Rank 0 loads the program split, the others split and reordered: one
    signature, the same collectives of the same sizes, other code (each
    rank's w came out wrong, silently). Refused on every rank, w unchanged."""
    # (Before any library is loaded, so from the launcher: OpenMPI's.)
    rank = int(os.environ["OMPI_COMM_WORLD_RANK"])
    size = int(os.environ["OMPI_COMM_WORLD_SIZE"])
    # The second case differs in a pipeline option only: rank 0 fuses the
    # reduce_scatter into the update (a static grid), the others do not.
    for name, schedule in (("sgd_sched", dict(split=True, reorder=rank != 0)),
                           ("sgd_fuse", dict(split=True, reorder=True, fuse=rank == 0))):
        prog = coco.Program(name, coco.Grid("dp", [size]))
        w, g = prog.param("w", (8,)), prog.param("g", (8,), layout="local")
        prog.update(w, w - coco.all_reduce(g) * prog.scalar("lr", 0.5))
        prog.schedule(**schedule)
        step = prog.load(cache_dir=cache)
        w = np.arange(8, dtype=np.float32)
        try:
            step(w=w, g=np.ones(8, np.float32))
        except coco.CocoError as error:
            assert np.array_equal(w, np.arange(8)), w
            print(f"rank {coco.world_rank()}: {error}")
            continue
        raise SystemExit(f"{name}: ranks with differently scheduled libraries were not refused")


def resident_kib():
    with open("/proc/self/statm") as statm:
        return int(statm.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") // 1024


def leak():
    """1,000 calls of an entry returning 64 KiB: a leaked result would add
    64 MiB."""
    prog = coco.Program("sum_big", coco.Grid("dp"))
    g = prog.param("g", (16384,), layout="local")
    prog.output("sum", coco.all_reduce(g))
    step = prog.load(cache_dir=sys.argv[2])
    g = np.ones(16384, np.float32)
    for _ in range(50):
        step(g=g)
    before = resident_kib()
    for _ in range(1000):
        total = step(g=g)
    growth = resident_kib() - before
    assert total[-1] == coco.world_size()
    # A quarter of what a leaked result per call would add: resident memory
    # also counts what the process maps on its own meanwhile (MPI's
    # shared-memory pools, the kernel merging a heap range into a huge page).
    if growth > 1000 * 64 // 4:
        raise SystemExit(f"resident memory grew by {growth} KiB over 1000 calls")
    if coco.world_rank() == 0:
        print(f"leak: 1000 calls, resident memory flat (grew {growth} KiB)")


if __name__ == "__main__":
    mode, cache = sys.argv[1], sys.argv[2]
    if mode == "leak":
        leak()
    elif mode == "two":
        two_libraries(cache)
    elif mode == "entries":
        different_entries(cache)
    elif mode == "schedules":
        different_schedules(cache)
    elif mode == "leave":
        leave_early(cache)
    else:
        entry = program().load(cache_dir=cache)
        calls(entry) if mode == "calls" else errors(entry)
