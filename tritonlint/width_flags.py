"""Constexpr flags that pick an index width for the tensor's size.

A kernel may widen an index in one branch of a constexpr ``if`` and keep it int32
in the other. When the flag exists to pick the width (``if LONG_INDEXING: pid =
pid.to(tl.int64)``, which the host sets from the tensor's size) the int32
specialisation only runs for small tensors: it is deliberately 32-bit. When the
flag selects something else (``if IS_VARLEN:`` widens the loaded sequence starts,
while the fixed-length branch computes ``i_b * T`` in int32 at any size) the
int32 branch is an ordinary product and must be judged like one.

A flag picks the width when its name says so (``LONG_INDEXING``, ``INT64_INDEX``,
``IDX64``, ``A_LARGE``, ``UPCAST``), or when every launch that binds it passes a
comparison with the int32 range (``x.numel() > 2**31 - 1``).
"""
from __future__ import annotations

import ast
import re

_WIDTH_NAME = re.compile(r"int64|i64|idx_?64|64_?bit|long|large|huge|upcast|wide", re.IGNORECASE)
_INT32_LIMITS = {2**31 - 1, 2**31, 2**32 - 1, 2**32}


def selects_width(flag_names: list[str], host_texts: list[str]) -> bool:
    """``flag_names``: the names the constexpr test reads; ``host_texts``: what every
    launch passes for each of them, where the launches are in the run."""
    if any(_WIDTH_NAME.search(n) for n in flag_names):
        return True
    return bool(host_texts) and all(_compares_with_int32_range(t) for t in host_texts)


def _compares_with_int32_range(text: str) -> bool:
    try:
        node = ast.parse(text, mode="eval").body
    except (SyntaxError, ValueError, RecursionError):
        return False
    for n in ast.walk(node):
        if isinstance(n, ast.Compare) and any(_int32_limit(c) for c in [n.left, *n.comparators]):
            return True
    return False


def _int32_limit(node: ast.expr) -> bool:
    value = _fold(node)
    if value is not None:
        return value in _INT32_LIMITS
    return isinstance(node, ast.Attribute) and node.attr == "max" and "int32" in ast.dump(node.value)


def _fold(node: ast.expr, depth: int = 0) -> int | None:
    """A small integer constant expression (`2**31 - 1`, `1 << 31`), folded without
    evaluating anything: operands and exponents are bounded."""
    if depth > 4:
        return None
    if isinstance(node, ast.Constant) and type(node.value) is int:
        return node.value if abs(node.value) <= 2**33 else None
    if isinstance(node, ast.BinOp):
        a, b = _fold(node.left, depth + 1), _fold(node.right, depth + 1)
        if a is None or b is None:
            return None
        if isinstance(node.op, ast.Pow) and 0 <= b <= 33 and abs(a) <= 2:
            return a**b
        if isinstance(node.op, ast.LShift) and 0 <= b <= 33 and abs(a) <= 2:
            return a << b
        if isinstance(node.op, ast.Sub):
            return a - b
        if isinstance(node.op, ast.Add):
            return a + b
    return None
