"""Element types as coco's runtime numbers them: the Python side of
include/coco/Runtime/CocoElementTypes.def (python/tests/test_runner.py
checks that the two agree), with their numpy types.
"""
import numpy as np

# name -> (ABI code, bytes per element), in the .def's order.
ELEMENT_TYPES = {"f32": (0, 4), "f64": (1, 8), "f16": (2, 2), "bf16": (3, 2),
                 "i32": (4, 4), "i64": (5, 8), "i8": (6, 1)}
NAME_OF_CODE = {code: name for name, (code, _) in ELEMENT_TYPES.items()}

# numpy has no bfloat16 of its own: host files and buffers hold its bits.
_NUMPY = {"f32": np.float32, "f64": np.float64, "f16": np.float16, "bf16": np.uint16,
          "i32": np.int32, "i64": np.int64, "i8": np.int8}


def numpy_dtype(name):
    """The numpy dtype holding elements of `name` (bf16: its uint16 bits)."""
    return np.dtype(_NUMPY[name])


def has_numpy_type(name):
    """Whether numpy has a type of these values (not bf16's raw bits)."""
    return name != "bf16"
