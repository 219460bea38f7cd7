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


def widened_code(node: cst.BaseExpression, width: Width, imports: ImportMap, tensor: bool = True,
                 fn: JitFunction | None = None, module: cst.Module | None = None,
                 at: cst.CSTNode | None = None) -> str:
    """Source text of ``node`` widened to int64 (for replacements built as text);
    with ``fn`` and the ``module`` that holds it, a value that spans lines keeps the
    indentation of its block (``at``: where it stands, when ``node`` is a changed copy)."""
    code = (code_in_place(node, fn, module, at) if fn is not None and module is not None
            else cst.Module(body=[]).code_for_node(node))
    postfix = isinstance(node, (cst.Name, cst.Subscript, cst.Call, cst.Attribute))
    if postfix and tensor and not node.lpar and width not in (Width.CONST, Width.OTHER):
        return f"{code}.to({int64(imports)})"
    return f"{language_alias(imports)}.cast({code}, {int64(imports)})"


def code_in_place(node: cst.CSTNode, fn: JitFunction, module: cst.Module,
                  at: cst.CSTNode | None = None) -> str:
    """Source text of ``node`` as written where ``at`` (default: ``node``) stands in
    ``fn``, a function of ``module``. A line break inside parentheses is followed by
    the enclosing block's indentation, which libcst only writes when it renders the
    whole block: a node rendered on its own lost it (a multi-line value came back at
    column 0 or 4). The block's indentation counts from the file's left margin, so a
    kernel defined in a class or a function body adds its own ``def``'s."""
    default_indent = module.default_indent
    code = cst.Module(body=[], default_indent=default_indent).code_for_node(node)
    if "\n" not in code:
        return code
    inner = indent_at(fn.node, at if at is not None else node, default_indent)
    if inner is None:
        return code  # not found where expected: as libcst renders it (valid inside parentheses)
    # A function this module does not hold (parsed on its own): taken to stand at column 0.
    outer = def_indent(module, fn.node) or ""
    indent = outer + inner
    if not indent:
        return code
    from libcst._nodes.internal import (
        CodegenState,  # the renderer's own state: where it keeps the indentation
    )

    state = CodegenState(default_indent=default_indent, default_newline="\n", indent_tokens=[indent])
    node._codegen(state)
    return "".join(state.tokens)


def indent_at(root: cst.CSTNode, target: cst.CSTNode, default_indent: str = "    ") -> str | None:
    """The indentation of the block that holds ``target`` below ``root`` (a jit
    function), relative to ``root``'s own ``def`` line. Only for values that span
    lines: it walks the function."""
    stack: list[tuple[cst.CSTNode, str]] = [(root, "")]
    while stack:
        node, indent = stack.pop()
        if node is target:
            return indent
        if isinstance(node, cst.IndentedBlock):
            indent += node.indent if node.indent is not None else default_indent
        stack.extend((child, indent) for child in node.children)
    return None


_BLOCKS = (cst.Module, cst.IndentedBlock, cst.ClassDef, cst.FunctionDef, cst.If, cst.Else, cst.For, cst.While,
           cst.With, cst.Try, cst.TryStar, cst.ExceptHandler, cst.ExceptStarHandler, cst.Finally, cst.Match,
           cst.MatchCase)


def def_indent(module: cst.Module, fn: cst.FunctionDef) -> str | None:
    """The indentation of ``fn``'s ``def`` line in ``module``: empty at top level, the
    enclosing blocks' for a kernel in a class, a function or an ``if``. Walks
    statements only (never into expressions), so it stays cheap on a large file."""
    stack: list[tuple[cst.CSTNode, str]] = [(module, "")]
    while stack:
        node, indent = stack.pop()
        if node is fn:
            return indent
        if isinstance(node, cst.IndentedBlock):
            indent += node.indent if node.indent is not None else module.default_indent
            stack.extend((child, indent) for child in node.body)
        elif isinstance(node, cst.Module):
            stack.extend((child, indent) for child in node.body)
        elif isinstance(node, _BLOCKS):
            stack.extend((child, indent) for child in node.children if isinstance(child, _BLOCKS))
    return None
