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


def element_type(dtype):
    """The element type name of `dtype`: one of ELEMENT_TYPES, or the numpy
    dtype of one (numpy.float32 -> "f32", ml_dtypes.bfloat16 -> "bf16").
    Strings are coco's names only ("float32" and np.float32 once reached the
    generated IR as a parse error; numpy's "i8" would be an int64, coco's is
    an int8)."""
    if isinstance(dtype, str):
        if dtype in ELEMENT_TYPES:
            return dtype
    elif dtype is not None:  # np.dtype(None) is float64
        try:
            numpy = np.dtype(dtype)
        except (TypeError, ValueError):
            numpy = None
        if numpy is not None and numpy.name == "bfloat16":
            return "bf16"
        for name in ELEMENT_TYPES:
            if has_numpy_type(name) and numpy == numpy_dtype(name):
                return name
    raise CocoError(f"dtype {dtype!r} is not a coco element type: one of "
                    f"{', '.join(ELEMENT_TYPES)} (or the numpy dtype of one, e.g. numpy.float32)")


def _contiguous(array, dtype=None):
    """`array` in C order, as `dtype`; a 0-d array stays 0-d (which
    numpy.ascontiguousarray makes 1-d)."""
    return np.asarray(array, dtype=dtype, order="C")


def _first(array, bad):
    """The first element of `array` where `bad` holds, for a message."""
    index = tuple(int(i) for i in np.argwhere(bad)[0]) if array.ndim else ()
    where = "" if not index else f" (at index {index[0] if len(index) == 1 else index})"
    return f"{array[index].item()!r}{where}"


def _check_range(array, stored, name, a):
    """Refuses the values of `array` that became something else than their
    rounding in `stored` (elements of `name`; `a` names them): out of an
    integer type's range, not whole, or finite but beyond a float type's
    largest value (inf). NaN and inf given as such pass."""
    if name == "bf16":
        bad = ((stored & 0x7FFF) == 0x7F80) & np.isfinite(array)
        largest = float(from_storage(np.array(0x7F7F, np.uint16), "bf16"))
    elif is_float(name):
        bad = np.isinf(stored) & np.isfinite(array)
        largest = float(np.finfo(stored.dtype).max)
    else:
        info = np.iinfo(stored.dtype)
        if array.dtype.kind == "f":
            # floor(NaN) is no NaN; inf is whole but beyond every integer.
            bad = ~((np.floor(array) == array) & (array >= info.min) &
                    (array < -float(info.min)))
        else:
            bad = (array < info.min) | (array > info.max)
        if np.any(bad):
            raise CocoError(f"{a} takes whole numbers in its range ({info.min} to "
                            f"{info.max}), not {_first(array, bad)}")
        return
    if np.any(bad):
        raise CocoError(f"{a} takes values up to {largest:.8g} in magnitude, not "
                        f"{_first(array, bad)}, which would become inf (inf and NaN given as "
                        "such pass)")


def to_storage(value, name, what="tensor"):
    """`value` as the elements a host program reads for element type `name`
    (of a `what`, for messages). Nothing changes silently beyond rounding
    to the nearest value of the type: complex values, non-numbers, integers
    out of an integer type's range and non-whole ones (numpy's cast wrapped
    2**31 to -2**31 and truncated 1.5), finite values beyond a float type's
    range (which became inf) raise CocoError.
    bf16: arrays of a numpy dtype named "bfloat16" (ml_dtypes) or uint16
    (the bits) are taken as they are; floating-point values are rounded to
    the nearest bf16 (ties to even), never converted to integers."""
    a = f"{'an' if name[0] in 'fi' else 'a'} {name} {what}"  # an f32, an i8, a bf16
    try:
        array = np.asarray(value)
    except (TypeError, ValueError) as error:  # a ragged list, say
        raise CocoError(f"{a} takes an array of numbers, not this "
                        f"{type(value).__name__} ({error})") from None
    if array.dtype.kind == "c":
        # numpy's cast would drop the imaginary part with only a warning.
        raise CocoError(f"{a} takes real values, not {array.dtype}")
    if array.dtype.name == "bfloat16":
        if name == "bf16":
            return _contiguous(array).view(np.uint16)
        array = array.astype(np.float32)  # exactly
    if array.dtype.kind == "O" and is_float(name) and \
            all(isinstance(x, (int, float, np.number)) for x in array.flat):
        # Python ints beyond 64 bits are numbers a float type holds (2**64
        # as an f64); None (which astype makes NaN) and other objects stay
        # refused below.
        try:
            array = array.astype(np.float64)
        except OverflowError:  # beyond every float: refused as out of range
            raise CocoError(f"{a} takes values up to {float(np.finfo(np.float64).max):.8g} "
                            "in magnitude, not these Python integers") from None
    if array.dtype.kind not in "biuf":
        # Strings failed in numpy's cast (ValueError); objects (None, ints
        # beyond 64 bits) became NaN.
        got = f"{array.dtype} values" if array.dtype.kind != "O" or array.size == 0 else \
            f"Python objects such as {array.flat[0]!r}"
        raise CocoError(f"{a} takes numbers, not {got}")
    if name == "i1":
        # Booleans: 0 and 1 only (the compiled code reads an i1 byte's lowest
        # bit, so 2 would be false), never a truncation of other numbers.
        bad = (array != 0) & (array != 1)
        if np.any(bad):
            raise CocoError(f"{a} takes booleans (or 0 and 1), not {_first(array, bad)}")
        return _contiguous(array, np.bool_)
    if name != "bf16":
        with np.errstate(over="ignore", invalid="ignore"):  # judged below
            stored = _contiguous(array, numpy_dtype(name))
        _check_range(array, stored, name, a)
        return stored
    if array.dtype == np.uint16:
        return _contiguous(array)
    if not np.issubdtype(array.dtype, np.floating):
        raise CocoError(f"{a} takes floating-point values, bfloat16 or uint16 "
                        f"bits, not {array.dtype}")
    with np.errstate(over="ignore", invalid="ignore"):  # judged below
        single = _contiguous(array, np.float32)
        bits = single.view(np.uint32).astype(np.uint64)
        if array.dtype.itemsize > 4:
            # Rounded to f32 first, a value was rounded twice: 1 + 2^-8 +
            # 2^-30 became the tie 1 + 2^-8, then 1.0 (ties to even), where
            # the nearest bf16 is 1 + 2^-7. f32 rounded to odd (toward zero,
            # the last bit set where inexact) keeps enough of the value for
            # the one rounding to bf16 below to be right.
            # (Compared in the input's own type: through f64, a long double
            # was rounded twice still.)
            back = single.astype(array.dtype)
            inexact = (back != array) & np.isfinite(back)
            bits = np.where(inexact & (np.abs(back) > np.abs(array)), bits - 1, bits)
            bits = np.where(inexact, bits | 1, bits)
    rounded = (bits + 0x7FFF + ((bits >> 16) & 1)) >> 16
    # A NaN stays a (quiet) NaN. (np.where keeps a 0-d array an array.)
    stored = np.where(np.isnan(array), (bits >> 16) | 0x40, rounded).astype(np.uint16)
    _check_range(array, stored, name, a)
    return stored


def from_storage(array, name):
    """Elements a host program wrote as numpy values: bf16 bits become
    float32 (exactly); other types are returned as they are."""
    if name != "bf16":
        return array
    return (array.astype(np.uint32) << 16).view(np.float32)
