"""Bounds a kernel states about its own indices, read once per function.

A lane whose index fails the mask of its load or store never dereferences its
address, so `cols < head_dim` bounds `cols` by what `head_dim` counts; a clamp
(`tl.minimum(k, K - 1)`) bounds by its bound; `index_type = tl.int64 if UPCAST else
tl.int32` is a width the host picks. The analysis asks these facts of a function
through :class:`FunctionBounds`, computed once per function node.
"""
from __future__ import annotations

from dataclasses import dataclass

import libcst as cst

from . import sizes
from .walk import walk


def _last_name(node: cst.BaseExpression) -> str | None:
    """`tl.int64` -> "int64"; `int32` -> "int32"."""
    if isinstance(node, cst.Attribute):
        return node.attr.value
    return node.value if isinstance(node, cst.Name) else None


@dataclass(frozen=True)
class FunctionBounds:
    #: index name -> what every comparison in the function bounds it below
    comparisons: dict[str, cst.BaseExpression]
    #: names assigned `tl.int64 if FLAG else tl.int32`
    dtype_choices: frozenset[str]

    @classmethod
    def of(cls, fn: cst.FunctionDef) -> "FunctionBounds":
        return cls(comparison_bounds(fn), frozenset(dtype_choices(fn)))


def index_base(node) -> str | None:
    """`offs_k[None, :]` -> "offs_k"; `cols` -> "cols"."""
    while isinstance(node, cst.Subscript):
        node = node.value
    return node.value if isinstance(node, cst.Name) else None


def comparison_bounds(fn: cst.FunctionDef) -> dict[str, cst.BaseExpression]:
    """Every `x < B` (and `x[None, :] < B`) in a function: masks, where-conditions.
    A name compared below two different bounds keeps neither."""
    out: dict[str, cst.BaseExpression] = {}
    conflicting: set[str] = set()
    for node in walk(fn.body):
        if type(node) is not cst.Comparison or len(node.comparisons) != 1:
            continue
        target = node.comparisons[0]
        if not isinstance(target.operator, (cst.LessThan, cst.LessThanEqual)):
            continue
        base = index_base(node.left)
        if base is None:
            continue
        if base in out and not out[base].deep_equals(target.comparator):
            conflicting.add(base)
        out.setdefault(base, target.comparator)
    for name in conflicting:
        del out[name]
    return out


def clamp_kind(node) -> str | None:
    """The kind a clamp's bound names: `K - 1`, `K`, `num_heads - 1`."""
    if isinstance(node, cst.BinaryOperation) and isinstance(node.operator, cst.Subtract):
        node = node.left
    return sizes.kind_of_name(node.value) if isinstance(node, cst.Name) else None


def dtype_choices(fn: cst.FunctionDef) -> set[str]:
    """Names assigned `tl.int64 if FLAG else tl.int32` (either order) in a function."""
    out: set[str] = set()
    for node in walk(fn.body):
        if type(node) is cst.Assign and len(node.targets) == 1:
            target, value = node.targets[0].target, node.value
        elif type(node) is cst.AnnAssign and node.value is not None:
            target, value = node.target, node.value
        else:
            continue
        if isinstance(target, cst.Name) and isinstance(value, cst.IfExp):
            picked = {_last_name(value.body), _last_name(value.orelse)}
            if picked == {"int64", "int32"}:
                out.add(target.value)
    return out
