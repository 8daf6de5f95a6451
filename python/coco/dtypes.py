"""Element types as coco's runtime numbers them: the Python side of
include/coco/Runtime/CocoElementTypes.def (python/tests/test_runner.py
checks that the two agree), with their numpy types.
"""
import numpy as np

from .placements import CocoError

# name -> (ABI code, bytes per element), in the .def's order.
ELEMENT_TYPES = {"f32": (0, 4), "f64": (1, 8), "f16": (2, 2), "bf16": (3, 2),
                 "i32": (4, 4), "i64": (5, 8), "i8": (6, 1), "i1": (7, 1)}
NAME_OF_CODE = {code: name for name, (code, _) in ELEMENT_TYPES.items()}

# numpy has no bfloat16 of its own: host files and buffers hold its bits.
_NUMPY = {"f32": np.float32, "f64": np.float64, "f16": np.float16, "bf16": np.uint16,
          "i32": np.int32, "i64": np.int64, "i8": np.int8, "i1": np.bool_}


def numpy_dtype(name):
    """The numpy dtype holding elements of `name` (bf16: its uint16 bits)."""
    return np.dtype(_NUMPY[name])


def is_float(name):
    """Whether element type `name` is a floating-point type."""
    return name in ("f32", "f64", "f16", "bf16")


def has_numpy_type(name):
    """Whether numpy has a type of these values (not bf16's raw bits)."""
    return name != "bf16"


def to_storage(value, name):
    """`value` as the elements a host program reads for element type `name`.
    bf16: arrays of a numpy dtype named "bfloat16" (ml_dtypes) or uint16
    (the bits) are taken as they are; floating-point values are rounded to
    the nearest bf16 (ties to even), never converted to integers."""
    array = np.asarray(value)
    if array.dtype.kind == "c":
        # numpy's cast would drop the imaginary part with only a warning.
        raise CocoError(f"a {name} tensor takes real values, not {array.dtype}")
    if name == "i1":
        # Booleans: 0 and 1 only (the compiled code reads an i1 byte's lowest
        # bit, so 2 would be false), never a truncation of other numbers.
        if array.dtype != np.bool_ and not (array.dtype.kind in "iuf" and
                                            np.all((array == 0) | (array == 1))):
            raise CocoError(f"an i1 tensor takes booleans (or 0 and 1), not these "
                            f"{array.dtype} values")
        return np.ascontiguousarray(array, dtype=np.bool_)
    if name != "bf16":
        target = numpy_dtype(name)
        if array.dtype.kind == "f" and target.kind == "i":
            # Whole numbers in range only: the cast would truncate 1.5 to 1.
            info = np.iinfo(target)
            if not (np.all(np.floor(array) == array) and np.all(array >= info.min)
                    and np.all(array <= info.max)):
                raise CocoError(f"a {name} tensor takes whole numbers in its range; the "
                                f"{array.dtype} values given are not all such")
        return np.ascontiguousarray(array, dtype=target)
    if array.dtype.name == "bfloat16":
        return np.ascontiguousarray(array).view(np.uint16)
    if array.dtype == np.uint16:
        return np.ascontiguousarray(array)
    if not np.issubdtype(array.dtype, np.floating):
        raise CocoError(f"a bf16 tensor takes floating-point values, bfloat16 or uint16 "
                        f"bits, not {array.dtype}")
    bits = np.ascontiguousarray(array, dtype=np.float32).view(np.uint32).astype(np.uint64)
    rounded = (bits + 0x7FFF + ((bits >> 16) & 1)) >> 16
    nan = np.isnan(array)
    rounded[nan] = (bits[nan] >> 16) | 0x40  # stays a (quiet) NaN
    return rounded.astype(np.uint16)


def from_storage(array, name):
    """Elements a host program wrote as numpy values: bf16 bits become
    float32 (exactly); other types are returned as they are."""
    if name != "bf16":
        return array
    return (array.astype(np.uint32) << 16).view(np.float32)
