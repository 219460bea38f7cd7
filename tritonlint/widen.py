"""Edits that widen an expression to int64, shared by the rules' fixes.

Positions of libcst nodes exclude their parentheses, so an edit "after" a
parenthesised node lands inside the parentheses. Only unparenthesised postfix
expressions (names, subscripts, calls, attributes) get ``.to(tl.int64)``
appended; everything else is wrapped in ``tl.cast(..., tl.int64)``, which is
also the only form that is valid on a compile-time constant (``.to`` on a
constexpr, e.g. a stride specialised to 1, does not compile).
"""
from __future__ import annotations

import libcst as cst

from .findings import NodeEdit
from .kernels import GLUON_LANGUAGE, LANGUAGE, ImportMap, JitFunction
from .values import Width


def language_alias(imports: ImportMap) -> str:
    """How this module spells ``triton.language`` (``tl``, ``language``, ...)."""
    for local, qualified in imports.names.items():
        if qualified == LANGUAGE:
            return local
    if imports.names.get("triton") == "triton":
        return "triton.language"
    for local, qualified in imports.names.items():
        if qualified == GLUON_LANGUAGE:  # a Gluon-only module: `gl.int64`, `gl.cast` are the same dtype and op
            return local
    return "tl"


def int64(imports: ImportMap) -> str:
    return f"{language_alias(imports)}.int64"


def widen_edits(node: cst.BaseExpression, width: Width, fn: JitFunction, imports: ImportMap, tensor: bool = True):
    """Edits that make ``node`` an int64 value in place. ``tensor``: the value is a
    tensor in compiled and interpreted kernels alike, so ``.to`` is available."""
    i64 = int64(imports)
    postfix = isinstance(node, (cst.Name, cst.Subscript, cst.Call, cst.Attribute))
    if postfix and tensor and not node.lpar and width not in (Width.CONST, Width.OTHER):
        return (NodeEdit(node, fn, "after", f".to({i64})"),)
    return (
        NodeEdit(node, fn, "before", f"{language_alias(imports)}.cast("),
        NodeEdit(node, fn, "after", f", {i64})"),
    )


def widened_code(node: cst.BaseExpression, width: Width, imports: ImportMap, tensor: bool = True) -> str:
    """Source text of ``node`` widened to int64 (for replacements built as text)."""
    code = cst.Module(body=[]).code_for_node(node)
    postfix = isinstance(node, (cst.Name, cst.Subscript, cst.Call, cst.Attribute))
    if postfix and tensor and not node.lpar and width not in (Width.CONST, Width.OTHER):
        return f"{code}.to({int64(imports)})"
    return f"{language_alias(imports)}.cast({code}, {int64(imports)})"
