"""Calling compiled coco programs in-process, on your own arrays: the step of
a training loop.

    lib = coco.load("libadam.so")       # coco-compile adam.mlir --emit=shared
    step = lib.adam_step                # or lib["adam_step"]
    m, v = step.zeros("m"), step.zeros("v")   # this rank's blocks
    for t in range(1, steps + 1):
        g = gradient(w)                  # numpy, or a torch CPU tensor
        step(w=w, g=g, m=m, v=v, step=t) # w, m, v updated in place

Every rank of the job (`mpirun -np 2 python train.py`) loads the library and
calls the entry with its own block of each tensor (`Entry.local_shape`): the
whole tensor where it is replicated or local, its array_split block where
it is sliced. Arrays are passed without copies: numpy arrays, objects with
DLPack (torch CPU tensors, `.detach()` where they require grad) and
buffer-protocol objects; they must be C-contiguous, of the entry's element
type, and writable where the entry updates them. A call that does not fit
raises CocoError and runs nothing; the checks are the runtime's own
(coco_rt_call_entry, coco/Runtime/CocoLibrary.h), shared with C++ callers.

The runtime is initialized by the first load, once per process: it starts
MPI unless the process already did (e.g. mpi4py), and in that case runs
inside that MPI job. It is finalized at exit (MPI too if coco started it).
Calls are serialized (one thread at a time), and every rank must make the
same calls: a call refused on one rank is refused on all (the ranks agree
on it before running anything), as are ranks calling different entries or
passing different scalar values (scalars are replicated).
Failures inside a call (an MPI error, a rank that never arrives within
COCO_TIMEOUT_S) end the job with coco's runtime error message, as in any
coco program; so does a rank whose program ends (an uncaught exception)
while the others call an entry, where coco started MPI.
"""
import atexit
import ctypes
import math
import os
import shutil
import threading

import numpy as np

from .dtypes import ELEMENT_TYPES, NAME_OF_CODE, from_storage, has_numpy_type, numpy_dtype
from .placements import CocoError
from .tools import file_identity

_ABI_VERSION = 4  # COCO_LIBRARY_ABI_VERSION
_MAX_RESULT_RANK = 8  # COCO_MAX_RESULT_RANK
_P64 = ctypes.POINTER(ctypes.c_int64)

# CocoDType codes and their numpy types (coco.dtypes; bf16 needs a numpy
# dtype named "bfloat16", such as ml_dtypes.bfloat16).
_DTYPE_NAMES = NAME_OF_CODE
_NUMPY = {code: numpy_dtype(name) for code, name in NAME_OF_CODE.items()
          if has_numpy_type(name)}


def _bfloat16():
    """ml_dtypes' bfloat16 dtype where ml_dtypes is installed, else None."""
    try:
        import ml_dtypes
    except ImportError:
        return None
    return np.dtype(ml_dtypes.bfloat16)


def _dtype_code(dtype):
    if dtype.name == "bfloat16":
        return ELEMENT_TYPES["bf16"][0]
    for code, numpy_dtype in _NUMPY.items():
        if dtype == numpy_dtype:
            return code
    return None


class _TensorSpec(ctypes.Structure):
    _fields_ = [("name", ctypes.c_char_p), ("dtype", ctypes.c_int32), ("rank", ctypes.c_int32),
                ("shape", _P64), ("grid_rank", ctypes.c_int32), ("grid_shape", _P64),
                ("placements", _P64), ("num_slice_levels", ctypes.c_int32),
                ("slice_order", _P64)]


class _ArgSpec(ctypes.Structure):
    _fields_ = [("name", ctypes.c_char_p), ("is_tensor", ctypes.c_int32),
                ("updated", ctypes.c_int32), ("tensor", _TensorSpec),
                ("scalar_dtype", ctypes.c_int32), ("has_default", ctypes.c_int32),
                ("default_value", ctypes.c_double), ("default_int", ctypes.c_int64)]


class _Returned(ctypes.Structure):
    _fields_ = [("allocated", ctypes.c_void_p), ("aligned", ctypes.c_void_p),
                ("offset", ctypes.c_int64), ("rank", ctypes.c_int64),
                ("sizes", ctypes.c_int64 * _MAX_RESULT_RANK),
                ("strides", ctypes.c_int64 * _MAX_RESULT_RANK)]


class _EntrySpec(ctypes.Structure):
    _fields_ = [("name", ctypes.c_char_p), ("num_args", ctypes.c_int32),
                ("args", ctypes.POINTER(_ArgSpec)), ("num_results", ctypes.c_int32),
                ("results", ctypes.POINTER(_TensorSpec)), ("call", ctypes.c_void_p),
                ("program_digest", ctypes.c_uint64)]


class _LibrarySpec(ctypes.Structure):
    _fields_ = [("abi_version", ctypes.c_int32), ("num_entries", ctypes.c_int32),
                ("entries", ctypes.POINTER(_EntrySpec))]


class _ArgValue(ctypes.Structure):
    _fields_ = [("name", ctypes.c_char_p), ("is_tensor", ctypes.c_int32),
                ("data", ctypes.c_void_p), ("dtype", ctypes.c_int32), ("rank", ctypes.c_int32),
                ("shape", _P64), ("writable", ctypes.c_int32), ("scalar", ctypes.c_double),
                ("scalar_is_int", ctypes.c_int32), ("scalar_int", ctypes.c_int64)]


class _Runtime:
    """The runtime's C functions, found through a loaded library (one
    runtime per process, however many libraries are loaded)."""

    def __init__(self, handle):
        def bind(name, restype, *argtypes):
            try:
                fn = getattr(handle, name)
            except AttributeError:
                raise CocoError(f"the library does not provide {name} "
                                "(not built by coco-compile --emit=shared?)") from None
            fn.restype, fn.argtypes = restype, list(argtypes)
            return fn

        self.init = bind("coco_rt_init", None, ctypes.c_void_p, ctypes.c_void_p)
        self.finalize = bind("coco_rt_finalize", None)
        self.world_rank = bind("coco_rt_world_rank", ctypes.c_int64)
        self.world_size = bind("coco_rt_world_size", ctypes.c_int64)
        self.local_block = bind("coco_rt_local_block", ctypes.c_int32,
                                ctypes.POINTER(_TensorSpec), _P64, _P64, _P64,
                                ctypes.c_char_p, ctypes.c_int64)
        self.call_entry = bind("coco_rt_call_entry", ctypes.c_int32,
                               ctypes.POINTER(_EntrySpec), ctypes.POINTER(_ArgValue),
                               ctypes.c_int64, ctypes.POINTER(_Returned), ctypes.c_char_p,
                               ctypes.c_int64)
        self.release_results = bind("coco_rt_release_results", None,
                                    ctypes.POINTER(_Returned), ctypes.c_int64)
        self.refuse_call = bind("coco_rt_refuse_call", ctypes.c_int32,
                                ctypes.POINTER(_EntrySpec), ctypes.c_char_p, ctypes.c_char_p,
                                ctypes.c_int64)
        self.placement_text = bind("coco_rt_placement_text", ctypes.c_int64,
                                   ctypes.POINTER(_TensorSpec), ctypes.c_char_p, ctypes.c_int64)


_runtime = None
_runtime_path = None
# The runtime serves one thread at a time (MPI is initialized SERIALIZED), and
# ctypes releases the GIL during a call: calls take this lock.
_call_lock = threading.Lock()


def _start_runtime(handle, path):
    runtime = _Runtime(handle)
    with _call_lock:
        return _start_once(runtime, path)


_finalized = False


def _finalize():
    global _finalized
    with _call_lock:  # (no call of another thread in between)
        _finalized = True
        _runtime.finalize()


def _mpi_finalized():
    """MPI_Finalized, from the libmpi the libraries loaded (RTLD_GLOBAL)."""
    try:
        flag = ctypes.c_int(0)
        ctypes.CDLL(None).MPI_Finalized(ctypes.byref(flag))
        return bool(flag.value)
    except (AttributeError, OSError):
        return True


def _require_running(what):
    """CocoError where the runtime cannot serve `what`: no library loaded
    yet, or MPI finalized with coco's runtime at exit (an atexit hook
    registered before the first coco.load runs after coco's: the runtime
    ended the process). Where the caller owns MPI (mpi4py), the runtime
    starts again for a late call."""
    if _runtime is None:
        raise CocoError("load a coco library first (coco.load)")
    if _finalized and _mpi_finalized():
        raise CocoError(f"{what} after coco finalized its runtime and MPI at exit (in an "
                        "atexit hook registered before the first coco.load, which runs "
                        "after coco's): make the last calls before the program ends")


def _start_once(runtime, path):
    global _runtime, _runtime_path
    if _runtime is None:
        _runtime, _runtime_path = runtime, path
        _runtime.init(None, None)
        atexit.register(_finalize)
    elif ctypes.cast(runtime.init, ctypes.c_void_p).value != \
            ctypes.cast(_runtime.init, ctypes.c_void_p).value:
        raise CocoError(f"{path} links another coco runtime than {_runtime_path} (a CPU "
                        "and a GPU library): one process can use only one of them")
    return _runtime


def world_rank():
    """This process's rank in the job (after a library was loaded)."""
    _require_running("coco.world_rank()")
    return int(_runtime.world_rank())


def world_size():
    """The number of ranks in the job (after a library was loaded)."""
    _require_running("coco.world_size()")
    return int(_runtime.world_size())


def _ints(pointer, count):
    return tuple(int(pointer[i]) for i in range(count))


def _placement_text(spec):
    """The placement list as the type spells it, with its grid ("[local,
    sliced<1>] on grid [2, ?]", `within` included): the runtime's text, the
    one its messages use."""
    size = _runtime.placement_text(ctypes.byref(spec), None, 0)
    text = ctypes.create_string_buffer(size + 1)
    _runtime.placement_text(ctypes.byref(spec), text, size + 1)
    return text.value.decode()


class Argument:
    """One argument of an entry, as the compiled program declares it."""

    def __init__(self, spec):
        self.name = spec.name.decode()
        self.is_tensor = bool(spec.is_tensor)
        self.updated = bool(spec.updated)
        if self.is_tensor:
            tensor = spec.tensor
            self.dtype = _DTYPE_NAMES[tensor.dtype]
            self.shape = _ints(tensor.shape, tensor.rank)
            self.placements = _placement_text(tensor)
        else:
            self.dtype = _DTYPE_NAMES[spec.scalar_dtype]
            integer = self.dtype in ("i32", "i64")
            self.default = None if not spec.has_default else \
                int(spec.default_int) if integer else spec.default_value

    def __repr__(self):
        if self.is_tensor:
            what = f"{self.dtype}{list(self.shape)} {self.placements}"
            return f"{self.name}: {what}" + (" (updated in place)" if self.updated else "")
        default = "" if self.default is None else \
            f" = {self.default}" if isinstance(self.default, int) else f" = {self.default:g}"
        return f"{self.name}: {self.dtype}{default}"


def _dlpack_hint(value):
    """What to pass instead of a DLPack object numpy refused."""
    plain = "pass a CPU tensor that does not require grad (tensor.detach())"
    if "bfloat16" in str(getattr(value, "dtype", "")):
        # numpy has no bf16 type, so np.from_dlpack refuses the tensor
        # whatever else holds; its 16-bit words viewed as ml_dtypes.bfloat16
        # share its memory.
        return ("numpy has no bfloat16 type to take it with: pass an "
                "ml_dtypes.bfloat16 array over its memory (a torch tensor t: "
                "np.from_dlpack(t.detach().view(torch.int16))"
                ".view(ml_dtypes.bfloat16), t on the CPU); otherwise " + plain)
    return plain


def _number(value):
    """The number a 0-d array holds (numpy's, or any other with .item(),
    such as a torch tensor; the runtime refused np.array(0.1) for a scalar
    as a tensor); anything else as it is. numpy scalars stay as they are:
    their type is judged below."""
    if getattr(value, "shape", None) == () and hasattr(value, "item") and \
            not isinstance(value, np.generic):
        return value.item()
    return value


def _as_array(what, value):
    """`value` (argument `what`) as a numpy array over the same memory."""
    if isinstance(value, np.ndarray):
        return value
    if hasattr(value, "__dlpack__"):
        try:
            return np.from_dlpack(value)
        except (BufferError, RuntimeError, TypeError, ValueError) as error:
            raise CocoError(f"{what}: cannot use its memory without a copy "
                            f"through DLPack ({error}); {_dlpack_hint(value)}") from None
    try:
        return np.asarray(memoryview(value))
    except TypeError:
        raise CocoError(f"{what} is a tensor: pass a numpy array, a DLPack object or a "
                        f"buffer, not {type(value).__name__}") from None


class Entry:
    """A compiled entry function: call it with keyword arguments."""

    def __init__(self, library, spec):
        self._library = library  # keeps the shared library loaded
        self._spec = spec
        self.name = spec.name.decode()
        self.arguments = [Argument(spec.args[i]) for i in range(spec.num_args)]
        self._scalars = {a.name: a for a in self.arguments if not a.is_tensor}
        self.results = [spec.results[i].name.decode() for i in range(spec.num_results)]

    def __repr__(self):
        results = f" -> ({', '.join(self.results)})" if self.results else ""
        return f"@{self.name}({', '.join(map(repr, self.arguments))}){results}"

    def _tensor_spec(self, name):
        for i in range(self._spec.num_args):
            arg = self._spec.args[i]
            if arg.is_tensor and arg.name.decode() == name:
                return arg.tensor
        for i in range(self._spec.num_results):
            if self._spec.results[i].name.decode() == name:
                return self._spec.results[i]
        raise CocoError(f"@{self.name} has no tensor argument or result '{name}'")

    def _block(self, name):
        _require_running(f"@{self.name}'s block of '{name}'")
        spec = self._tensor_spec(name)
        offsets = (ctypes.c_int64 * max(spec.rank, 1))()
        sizes = (ctypes.c_int64 * max(spec.rank, 1))()
        error = ctypes.create_string_buffer(512)
        if _runtime.local_block(ctypes.byref(spec), offsets, sizes, None, error,
                                len(error)) != 0:
            raise CocoError(f"@{self.name}: '{name}': {error.value.decode(errors='replace')}")
        return _ints(offsets, spec.rank), _ints(sizes, spec.rank)

    def local_shape(self, name):
        """This rank's block of tensor argument (or result) `name`: the shape
        a call expects."""
        return self._block(name)[1]

    def local_offset(self, name):
        """Where this rank's block of `name` starts in the global tensor."""
        return self._block(name)[0]

    def zeros(self, name):
        """A zero-filled numpy array of this rank's block of `name`."""
        spec = self._tensor_spec(name)
        dtype = _NUMPY.get(spec.dtype)
        if dtype is None and _DTYPE_NAMES[spec.dtype] == "bf16":
            dtype = _bfloat16()
        if dtype is None:
            raise CocoError(f"'{name}' is {_DTYPE_NAMES[spec.dtype]}, which numpy has no "
                            "type for: install ml_dtypes (calls take bf16 tensors as "
                            "ml_dtypes.bfloat16 arrays)")
        return np.zeros(self.local_shape(name), dtype=dtype)

    def __call__(self, /, *args, **kwargs):
        """Runs the entry once on this rank (every rank calls it). Tensors are
        used in place, and updated in place where the entry updates them.
        Returns None, the one result, or a tuple of results (numpy arrays:
        this rank's block)."""
        # (Positional-only self: an argument named self was a TypeError.)
        _require_running(f"a call of @{self.name}")
        keep = []  # arrays and shapes that must outlive the call
        error = ctypes.create_string_buffer(2048)
        try:
            if args:
                raise CocoError(f"@{self.name} takes its arguments by name "
                                f"({', '.join(a.name for a in self.arguments) or 'none'}), "
                                f"got {len(args)} positional")
            values = self._values(kwargs, keep)
        except Exception as refusal:  # noqa: BLE001 - every failure is refused on every rank
            # Refused here: the other ranks, inside the runtime's call, must
            # hear of it rather than wait in the entry's collectives, whatever
            # failed (an exporter's BufferError, say, is no CocoError).
            own = isinstance(refusal, CocoError)
            message = str(refusal) if own else \
                f"@{self.name}: {type(refusal).__name__}: {refusal}"
            with _call_lock:
                _runtime.refuse_call(ctypes.byref(self._spec),
                                     message.encode(errors="replace"), error,
                                     len(error))
            raise CocoError(error.value.decode(errors="replace")) from (None if own else refusal)
        returned = (_Returned * max(self._spec.num_results, 1))()
        with _call_lock:
            _require_running(f"a call of @{self.name}")  # (finalized meanwhile?)
            status = _runtime.call_entry(ctypes.byref(self._spec), values, len(kwargs),
                                         returned, error, len(error))
        if status != 0:
            raise CocoError(error.value.decode(errors="replace"))
        try:
            results = tuple(self._copy_out(self._spec.results[i], returned[i])
                            for i in range(self._spec.num_results))
        finally:
            _runtime.release_results(returned, self._spec.num_results)
        del keep
        if not results:
            return None
        return results[0] if len(results) == 1 else results

    def _values(self, kwargs, keep):
        """The call's CocoArgValues; CocoError for what the runtime cannot be
        given at all (an array that is not contiguous, a dtype no coco type
        matches, a value that is no number or array)."""
        values = (_ArgValue * max(len(kwargs), 1))()
        for i, (name, value) in enumerate(kwargs.items()):
            slot = values[i]
            slot.name = name.encode()
            keep.append(slot.name)
            scalar = self._scalars.get(name)
            if scalar is not None:
                value = _number(value)
            if isinstance(value, (int, np.integer)) and not isinstance(value, bool):
                # Integers cross exactly (i64 beyond 2^53).
                if not -2 ** 63 <= int(value) < 2 ** 63:
                    raise CocoError(f"@{self.name}: argument '{name}': {value} does not "
                                    "fit in 64 bits")
                slot.is_tensor, slot.scalar_is_int, slot.scalar_int = 0, 1, int(value)
                slot.scalar = float(value)
                continue
            if isinstance(value, (float, bool, np.floating, np.bool_)):
                # The runtime says so if `name` is a tensor argument.
                slot.is_tensor = 0
                slot.scalar = float(value)
                if math.isinf(slot.scalar) and np.isfinite(value):
                    # A finite np.longdouble beyond double's range (the
                    # runtime refuses an f32 beyond f32's, Library.cpp).
                    raise CocoError(f"@{self.name}: argument '{name}': {value!s} is beyond the "
                                    "range of a double, which would make it inf")
                continue
            if isinstance(value, (complex, np.complexfloating, np.character, np.datetime64,
                                  np.timedelta64, np.void)):
                # complex (float() would drop the imaginary part with only a
                # warning), np.str_, np.datetime64, ...
                raise CocoError(f"@{self.name}: argument '{name}': a scalar is a real number, "
                                f"not {type(value).__name__} ({value})")
            if isinstance(value, np.generic):
                # Other numpy scalars of real numbers (ml_dtypes' bfloat16);
                # one float() cannot read is refused like any failure here.
                slot.is_tensor = 0
                slot.scalar = float(value)
                continue
            what = f"@{self.name}: argument '{name}'"
            if scalar and not hasattr(value, "__dlpack__") and not isinstance(value, np.ndarray):
                raise CocoError(f"{what} is an {scalar.dtype} scalar: pass a number, not "
                                f"{type(value).__name__}")
            array = _as_array(what, value)
            if not array.flags.c_contiguous:
                raise CocoError(f"@{self.name}: argument '{name}' is not C-contiguous: the "
                                "entry works on the caller's memory in place, so pass a "
                                "contiguous array (numpy.ascontiguousarray)")
            code = _dtype_code(array.dtype)
            if code is None:
                raise CocoError(f"@{self.name}: argument '{name}' has numpy dtype "
                                f"{array.dtype}, which no coco element type matches")
            shape = (ctypes.c_int64 * max(array.ndim, 1))(*array.shape)
            keep += [array, shape]
            slot.is_tensor = 1
            slot.data = array.ctypes.data
            slot.dtype = code
            slot.rank = array.ndim
            slot.shape = ctypes.cast(shape, _P64)
            slot.writable = 1 if array.flags.writeable else 0
        return values

    @staticmethod
    def _copy_out(spec, returned):
        """A result as a new numpy array. bf16: ml_dtypes.bfloat16 where
        ml_dtypes is installed, else float32 holding the same values exactly
        (as Compiled.run returns them): never its bits as integers, which
        read as numbers would be silently wrong."""
        if spec.dtype not in _NUMPY:  # bf16
            bits = Entry._copy_out_as(spec, returned, np.dtype(np.uint16))
            bfloat16 = _bfloat16()
            return bits.view(bfloat16) if bfloat16 is not None else from_storage(bits, "bf16")
        return Entry._copy_out_as(spec, returned, _NUMPY[spec.dtype])

    @staticmethod
    def _copy_out_as(spec, returned, dtype):
        shape = tuple(returned.sizes[d] for d in range(returned.rank))
        strides = tuple(returned.strides[d] * dtype.itemsize for d in range(returned.rank))
        if 0 in shape:
            return np.zeros(shape, dtype=dtype)
        span = 1 + sum((s - 1) * returned.strides[d] for d, s in enumerate(shape))
        start = returned.aligned + returned.offset * dtype.itemsize
        raw = (ctypes.c_char * (span * dtype.itemsize)).from_address(start)
        flat = np.frombuffer(raw, dtype=dtype, count=span)
        return np.lib.stride_tricks.as_strided(flat, shape, strides).copy()


# Per library path: the file it had when this process last loaded it, and
# the path that load opened (the path itself, or the copy of a rebuild:
# dlopen finds a loaded library by its path, so a rebuilt file at the same
# path gave back the old one).
_opened = {}


class Library:
    """A compiled coco library (coco-compile --emit=shared) loaded into this
    process; its entries are attributes (`lib.adam_step`) and items."""

    def __init__(self, path):
        if not isinstance(path, (str, os.PathLike)):
            raise CocoError(f"coco.load takes the library's path, got {type(path).__name__}")
        path = os.path.abspath(path)
        identity = file_identity(path)
        if identity is None:
            raise CocoError(f"no such library: {path}")
        # dlopen of a path it has loaded returns that library, even where
        # the file was rebuilt since: the old code ran. A rebuilt file is
        # loaded from a copy of its own.
        loaded, opened_path = _opened.setdefault(path, (identity, path))
        if identity != loaded:
            # Rebuilt since: a copy beside the original (a temporary
            # directory may be mounted noexec), deleted once mapped; the
            # next load of this same file finds the mapped copy by its name.
            opened_path = f"{path}.{os.getpid()}.{identity[-1]}.so"
            try:
                shutil.copy2(path, opened_path)
            except OSError as error:
                raise CocoError(f"{path} was rebuilt since this process loaded it, and "
                                f"its copy cannot be made beside it ({error.strerror}): "
                                "build the new library at another path") from None
            _opened[path] = (identity, opened_path)
        try:
            # RTLD_GLOBAL: MPI's plugins look up libmpi's symbols globally.
            self._handle = ctypes.CDLL(opened_path, mode=os.RTLD_NOW | os.RTLD_GLOBAL)
        except OSError as error:
            raise CocoError(f"cannot load {path}: {error}") from None
        finally:
            if opened_path != path and os.path.exists(opened_path):
                os.remove(opened_path)  # (mapped now: the copy's file can go)
        try:
            describe = self._handle.coco_library
        except AttributeError:
            raise CocoError(f"{path} is not a coco library (no coco_library; build it with "
                            "coco-compile --emit=shared)") from None
        describe.restype = ctypes.POINTER(_LibrarySpec)
        spec = describe().contents
        if spec.abi_version != _ABI_VERSION:
            raise CocoError(f"{path} was generated for library ABI {spec.abi_version}, "
                            f"this coco module reads ABI {_ABI_VERSION}: rebuild it")
        self.path = path
        _start_runtime(self._handle, path)
        self.entries = {}
        for i in range(spec.num_entries):
            entry = Entry(self, spec.entries[i])
            self.entries[entry.name] = entry

    def __getitem__(self, name):
        if name not in self.entries:
            raise CocoError(f"the library has no entry @{name} (it has "
                            f"{', '.join('@' + n for n in self.entries)})")
        return self.entries[name]

    def __getattr__(self, name):
        if name.startswith("_") or "entries" not in self.__dict__:
            raise AttributeError(name)
        return self[name]

    def entry(self):
        """The only entry."""
        if len(self.entries) != 1:
            raise CocoError(f"the library has {len(self.entries)} entries: name one")
        return next(iter(self.entries.values()))

    def __repr__(self):
        return f"coco.Library({self.path!r}: {', '.join(map(repr, self.entries.values()))})"


def load(path):
    """Loads a compiled coco library into this process (see the module doc)."""
    return Library(path)
