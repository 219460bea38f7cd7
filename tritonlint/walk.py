"""A fast read-only walk over libcst trees.

``CSTNode.visit`` rebuilds every node it passes (it is built for transforms), which
made it the most expensive part of linting. Reading the dataclass fields directly
and skipping whitespace and punctuation is an order of magnitude cheaper.
"""
from __future__ import annotations

import dataclasses
from typing import Iterator

import libcst as cst

_SKIP = (
    cst.BaseParenthesizableWhitespace, cst.TrailingWhitespace, cst.EmptyLine, cst.Newline, cst.Comment,
    cst.Comma, cst.LeftParen, cst.RightParen, cst.LeftSquareBracket, cst.RightSquareBracket,
    cst.LeftCurlyBrace, cst.RightCurlyBrace, cst.Semicolon, cst.Colon, cst.Dot, cst.AssignEqual,
    cst.BaseBinaryOp, cst.BaseUnaryOp, cst.BaseBooleanOp, cst.BaseCompOp, cst.BaseAugOp,
)
_FIELDS: dict[type, tuple[str, ...]] = {}
# Per-class answers to "is this a node worth walking into?": isinstance against
# libcst's abstract base classes is slow enough to dominate a walk.
_WANTED: dict[type, bool] = {}


def _wanted(cls: type) -> bool:
    ok = _WANTED.get(cls)
    if ok is None:
        ok = issubclass(cls, cst.CSTNode) and not issubclass(cls, _SKIP)
        _WANTED[cls] = ok
    return ok


def children(node: cst.CSTNode) -> Iterator[cst.CSTNode]:
    cls = type(node)
    names = _FIELDS.get(cls)
    if names is None:
        names = tuple(f.name for f in dataclasses.fields(cls))
        _FIELDS[cls] = names
    for name in names:
        value = getattr(node, name)
        vcls = type(value)
        if vcls is list or vcls is tuple:
            for item in value:
                if _wanted(type(item)):
                    yield item
        elif _wanted(vcls):
            yield value


_CACHE: dict[int, tuple[cst.CSTNode, list[cst.CSTNode]]] = {}
_CACHE_LIMIT = 256


def walk(node: cst.CSTNode, *, into_functions: bool = False) -> Iterator[cst.CSTNode]:
    """Pre-order, in source order. Nested function definitions are not entered
    (they have their own scope) unless ``into_functions``. Function bodies are
    walked many times (by the analysis and by several rules): their node lists
    are cached."""
    if isinstance(node, cst.IndentedBlock) and not into_functions:
        hit = _CACHE.get(id(node))
        if hit is not None and hit[0] is node:
            return iter(hit[1])
        nodes = list(_walk(node, into_functions))
        if len(_CACHE) >= _CACHE_LIMIT:
            _CACHE.clear()
        _CACHE[id(node)] = (node, nodes)
        return iter(nodes)
    return _walk(node, into_functions)


def _walk(node: cst.CSTNode, into_functions: bool) -> Iterator[cst.CSTNode]:
    stack = [node]
    while stack:
        n = stack.pop()
        yield n
        if type(n) is cst.FunctionDef and n is not node and not into_functions:
            continue
        kids = list(children(n))
        kids.reverse()
        stack.extend(kids)


def names(node: cst.CSTNode, value: str | None = None) -> list[cst.Name]:
    return [n for n in walk(node) if type(n) is cst.Name and (value is None or n.value == value)]


def contains(node: cst.CSTNode, target: cst.CSTNode) -> bool:
    return any(n is target for n in walk(node))
