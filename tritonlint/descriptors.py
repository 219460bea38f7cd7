"""Tensor descriptors: ``tl.make_tensor_descriptor``, ``desc.load/store``,
``tl.load_tensor_descriptor`` / ``tl.store_tensor_descriptor`` (and Gluon's TMA copies).

Triton 3.9 removed block pointers; descriptors replace them. Their integer rules
(triton-int-semantics.md, 4.6 and section 0):

* the **base** is an ordinary pointer expression (``x_ptr + i_bh * stride_bh``): the
  user's own arithmetic, analysed as any address (as a block pointer's base);
* **strides** are converted to int64 by Triton: never a finding;
* **coordinates** (``desc.load([m, k])``) must be int32 and are bounded by the shape:
  not a finding, but a place where a value must stay int32 (a fix must not widen it);
* **shape** dimensions are converted to int32: an int64 value is silently truncated
  (``arith.trunci``), and a product of sizes computed in int32 wraps. A dimension that
  flattens several sizes (``shape=[B * T * H * K]``, ``[numel]``) passes 2**31 on large
  tensors: TL008.

The analysis (``analysis.py``) calls in here; this module knows the API's shape.
"""
from __future__ import annotations

from dataclasses import dataclass

import libcst as cst

from .kernels import ImportMap, JitFunction
from .values import Value

MAKE = frozenset({"make_tensor_descriptor", "_experimental_make_tensor_descriptor"})
#: ``tl.load_tensor_descriptor(desc, offsets)`` and friends: language calls whose
#: first argument is a descriptor and second its coordinates
ACCESS = frozenset({"load_tensor_descriptor", "store_tensor_descriptor",
                    "_experimental_descriptor_load", "_experimental_descriptor_store",
                    "async_copy_global_to_shared", "async_copy_shared_to_global", "async_gather", "async_scatter"})
#: ``desc.load([m, k])``: descriptor methods whose first argument is the coordinates
METHODS = frozenset({"load", "store", "gather", "scatter", "atomic_add", "atomic_min", "atomic_max",
                     "atomic_and", "atomic_or", "atomic_xor", "prefetch"})
COORDINATE = "a tensor-descriptor coordinate (Triton requires int32 there)"


@dataclass
class DescriptorShape:
    """The shape of one ``make_tensor_descriptor`` call, as the analysis typed it."""

    call: cst.Call
    function: JitFunction
    #: each dimension's expression and value, in order
    dims: tuple[tuple[cst.BaseExpression, Value], ...]


def shape_node(call: cst.Call) -> cst.BaseExpression | None:
    """The ``shape`` argument: the keyword, or the second positional argument."""
    for a in call.args:
        if a.keyword is not None and a.keyword.value == "shape":
            return a.value
    pos = [a.value for a in call.args if a.keyword is None and not a.star]
    return pos[1] if len(pos) > 1 else None


def dims(shape: cst.BaseExpression | None, value: Value | None) -> tuple[tuple[cst.BaseExpression, Value], ...]:
    """The dimensions of a literal shape list or tuple with their values; nothing for a
    shape passed as one variable (its parts are not visible here)."""
    if not isinstance(shape, (cst.List, cst.Tuple)) or value is None or value.elements is None:
        return ()
    nodes = [e.value for e in shape.elements]
    if len(nodes) != len(value.elements):
        return ()
    return tuple(zip(nodes, value.elements))


def is_method_access(call: cst.Call) -> bool:
    """``desc.load([m, k])``, ``desc.store([m, k], x)``: a descriptor method called with
    a literal list or tuple of coordinates first (pointers have no such methods)."""
    func = call.func
    if not isinstance(func, cst.Attribute) or func.attr.value not in METHODS:
        return False
    first = next((a.value for a in call.args if a.keyword is None), None)
    if first is None:
        first = next((a.value for a in call.args if a.keyword is not None and a.keyword.value == "offsets"), None)
    return isinstance(first, (cst.List, cst.Tuple))


def receiver(call: cst.Call, imports: ImportMap) -> str | None:
    """The name of the descriptor a call reads or writes through, if it is one:
    ``desc`` in ``desc.load([m, k])`` and ``tl.load_tensor_descriptor(desc, [m, k])``.
    Such a name (often a kernel parameter holding a host ``TensorDescriptor``) is not
    an int: the analysis types it as an address."""
    if is_method_access(call) and imports.language_member(call.func) is None:
        value = call.func.value  # type: ignore[union-attr]
        return value.value if isinstance(value, cst.Name) else None
    if imports.language_member(call.func) in ACCESS and call.args and isinstance(call.args[0].value, cst.Name):
        return call.args[0].value.value
    return None
