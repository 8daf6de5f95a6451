"""Compiling a Program with coco-compile: an MPI executable (with its
signature manifest), a shared library for in-process calls, and the cache of
libraries that Program.load keeps.
"""
import fcntl
import hashlib
import os
import tempfile
import time
import uuid

from .inprocess import load
from .placements import CocoError
from .runner import Compiled, read_manifest
from .tools import run_tool, tools_dir


def _directory(path, what):
    """Makes directory `path` (the `what` argument) if it does not exist;
    CocoError where it cannot be one (an existing file was a
    FileExistsError)."""
    if not isinstance(path, (str, os.PathLike)):  # (5 was a TypeError)
        raise CocoError(f"{what} is a directory's path, got {type(path).__name__}")
    if os.path.exists(path) and not os.path.isdir(path):
        raise CocoError(f"{what} {path} exists and is not a directory")
    try:
        os.makedirs(path, exist_ok=True)
    except OSError as error:
        raise CocoError(f"{what} {path}: cannot make the directory: {error.strerror}") from None
    return path


def _write_source(program, work):
    # (At most 64 characters of the name: coco-compile adds suffixes, and a
    # 240-character identifier made file names beyond the limit.)
    source = os.path.join(work, f"{program.name[:64]}.mlir")
    with open(source, "w") as f:
        f.write(program.mlir())
    return source


def compile_executable(program, workdir, target):
    """coco-compile's executable of `program` in `workdir` (a new temporary
    directory if None), with the manifest of its scheduled signature."""
    lowering = program._schedule.lowering(target)
    work = _directory(workdir, "workdir") if workdir else \
        tempfile.mkdtemp(prefix=f"coco-{program.name[:64]}-")
    source = _write_source(program, work)
    program.scheduled_mlir()  # raises with the diagnostic
    exe = os.path.join(work, program.name[:64])
    manifest = os.path.join(work, f"{program.name[:64]}.signature.json")
    run_tool("coco-compile", source, "-o", exe, "--signature", manifest, *lowering)
    entries = read_manifest(manifest)
    if program.name not in entries:
        raise CocoError(f"{manifest} does not describe @{program.name}")
    return Compiled(exe, entries[program.name], program.grid, work)


def compile_library(program, path, target):
    """coco-compile's shared library of `program` at `path`, put there
    whole: written beside it and renamed, so that another rank loading
    `path` meanwhile finds the old file or the new one, never part of one
    (every rank of a job calling compile_library(PATH) then coco.load(PATH)
    loaded half-written files)."""
    if not isinstance(path, (str, os.PathLike)):  # (5 was a TypeError)
        raise CocoError(f"compile_library: path is the library's path, got "
                        f"{type(path).__name__}")
    lowering = program._schedule.lowering(target)
    program.scheduled_mlir()  # raises with the diagnostic
    partial = f"{path}.{os.getpid()}.{uuid.uuid4().hex[:8]}.tmp"
    try:
        with tempfile.TemporaryDirectory(prefix="coco-build-") as work:
            source = _write_source(program, work)
            run_tool("coco-compile", source, "--emit=shared", "-o", partial, *lowering)
        os.replace(partial, path)
    finally:
        if os.path.exists(partial):
            os.remove(partial)
    return path


def _profile_identity(program):
    """The machine profile schedule('auto') reads, by its contents: a
    re-calibrated profile at the same path is another schedule."""
    auto = getattr(program._schedule, "auto", None)
    if not auto:
        return []
    try:
        with open(auto[0], "rb") as profile:
            return [hashlib.sha256(profile.read()).hexdigest()]
    except OSError as error:
        raise CocoError(f"schedule('auto'): cannot read the profile {auto[0]}: "
                        f"{error.strerror}") from None


def cache_key(program, target):
    """What a cached library is looked up by: the program, its lowering,
    the contents of a schedule('auto') profile, the coco build and CPU."""
    lowering = program._schedule.lowering(target)
    return hashlib.sha256("\0".join([program.mlir(), *lowering, *_profile_identity(program),
                                     *build_identity()]).encode()).hexdigest()[:24]


def load_cached(program, target, cache_dir):
    """Program.load: the library from the cache, compiled by one rank of
    the host while the others wait on its lock."""
    key = cache_key(program, target)
    cache = cache_dir or os.environ.get("COCO_CACHE_DIR") or \
        os.path.join(os.path.expanduser("~"), ".cache", "coco")
    _directory(cache, "cache_dir" if cache_dir else
               "COCO_CACHE_DIR" if os.environ.get("COCO_CACHE_DIR") else "the cache directory")
    # (The name shortened: a long program name made a file name beyond the
    # file system's limit.)
    path = os.path.join(cache, f"lib{program.name[:64]}-{key}.so")
    # Libraries arrive whole (compile_library renames them into place): one
    # that is there loads without the lock, also from a cache this process
    # cannot write.
    if not os.path.exists(path):
        try:
            lock = open(path + ".lock", "w")
        except OSError as error:
            raise CocoError(f"cannot compile into the cache {cache}: {error.strerror} "
                            "(cache_dir or COCO_CACHE_DIR names another)") from None
        # A failed compile leaves its error beside the library for the ranks
        # that waited on the lock meanwhile: each compiled it again, one after
        # the other, to the same error (a job of N ranks took N compiles to
        # fail). A later load, which did not wait on that compile, tries again.
        failed = path + ".failed"
        waiting_since = time.time_ns()
        with lock:
            fcntl.flock(lock, fcntl.LOCK_EX)
            if not os.path.exists(path):
                _raise_failure_while_waiting(failed, waiting_since)
                try:
                    compile_library(program, path, target)
                except CocoError as error:
                    _record_failure(failed, str(error))
                    raise
                if os.path.exists(failed):
                    os.remove(failed)
    return load(path)[program.name]


def _record_failure(failed, message):
    """Writes `message` to `failed` (a cache this process cannot write
    keeps no record: the next rank compiles again)."""
    try:
        with open(failed, "w") as f:
            f.write(message)
    except OSError:
        pass


def _raise_failure_while_waiting(failed, waiting_since):
    """The CocoError another process recorded in `failed` while this one
    waited on the lock (from `waiting_since`, in ns), if it did."""
    try:
        if os.stat(failed).st_mtime_ns < waiting_since:
            return
        with open(failed) as f:
            message = f.read()
    except OSError:
        return
    raise CocoError(message + " (compiled by another process of this host, which holds "
                    "the cache's lock first; this one waited for it)")


def build_identity():
    """What a cached library depends on besides the program: the coco build
    (its tools and runtime libraries, by path and modification time) and
    this CPU (coco-compile targets the host CPU, and a cache directory may
    be shared by machines of several kinds)."""
    tools = tools_dir()
    lib = os.path.join(os.path.dirname(tools), "lib")
    files = [os.path.join(tools, t) for t in ("coco-opt", "coco-translate", "coco-compile")]
    files += [os.path.join(lib, f) for f in ("libCocoRuntime.so", "libCocoRuntimeGPU.so")]
    identity = [f"{os.path.realpath(f)}:{os.stat(f).st_mtime_ns}" for f in files
                if os.path.exists(f)]
    try:
        with open("/proc/cpuinfo") as cpuinfo:
            identity += sorted({line.strip() for line in cpuinfo
                                if line.startswith(("model name", "flags", "Features",
                                                    "CPU part", "CPU implementer"))})
    except OSError:
        identity.append(os.uname().machine)
    return identity
