"""Keep inputs that would crash or stall libcst away from it.

libcst's native parser has no depth limit of its own: 3,000 nested parentheses, a
chain of 12,000 ``and`` or a 1 MB sum overflow its stack and kill the whole process
(a segfault, so no other file of the run is reported). CPython's own parser guards
itself (200 nested brackets, about 3,000 levels of expression nesting, 100
indentation levels), and a file CPython rejects cannot run anyway: it is checked
with ``ast`` first (C speed, a few ms for a kernel file) and gets E999 with
CPython's message and line. What CPython keeps flat but libcst nests, and lines too
long to analyse in reasonable time, are rejected by the limits below.
"""
from __future__ import annotations

import ast

from .diagnostics import ParseError

#: libcst nests ``a and b and c`` one level per operand (ast keeps it flat); it
#: segfaults near 12,000 operands. CPython's own nesting limit is about 3,000.
MAX_BOOLEAN_OPERANDS = 3_000
#: libcst takes about 1 s per 100 KB of one flat expression (a 1 MB list literal:
#: 12 s). No written or formatted code has a 100,000-character line; generated data
#: tables do, and they hold no pointer arithmetic.
MAX_LINE_LENGTH = 100_000


def reject(text: str, path: str) -> ParseError | None:
    """Why ``text`` must not be handed to libcst, or None when it is safe to parse."""
    return guard(text, path)[0]


def guard(text: str, path: str) -> tuple[ParseError | None, ast.Module | None]:
    """:func:`reject`, with the ``ast`` of a text that is safe to parse (kernel_spans.py
    reads it to parse only the kernels with libcst)."""
    long_line = _first_line_longer_than(text, MAX_LINE_LENGTH)
    if long_line is not None:
        return ParseError(path, long_line, 1, f"line too long to analyse (over {MAX_LINE_LENGTH:,} characters)"), None
    try:
        tree = ast.parse(text)
    except SyntaxError as e:
        return ParseError(path, e.lineno or 1, e.offset or 1, f"cannot parse: {e.msg}"), None
    except (RecursionError, MemoryError):
        return too_deep(text, path), None
    except ValueError as e:  # NUL bytes, on Python versions that do not raise SyntaxError for them
        return ParseError(path, _first_nul_line(text), 1, f"cannot parse: {e}"), None
    if text.count("and") + text.count("or") < MAX_BOOLEAN_OPERANDS:
        # too few (substrings that could be) operators for a long chain: no need for
        # the walk, which costs a fifth of the parse
        return None, tree
    for node in ast.walk(tree):
        if isinstance(node, ast.BoolOp) and len(node.values) > MAX_BOOLEAN_OPERANDS:
            return ParseError(path, node.lineno, node.col_offset + 1,
                              f"too deeply nested to analyse: {len(node.values):,} `{_op(node)}` operands "
                              f"(at most {MAX_BOOLEAN_OPERANDS:,})"), None
    return None, tree


def too_deep(text: str, path: str) -> ParseError:
    """The error for a file whose nesting exceeds Python's recursion limit while it
    is parsed or analysed (a sum of hundreds of terms), at its longest line."""
    lines = text.splitlines() or [""]
    line = max(range(len(lines)), key=lambda i: len(lines[i])) + 1
    return ParseError(path, line, 1, "too deeply nested to analyse (Python's recursion limit); "
                                     "split the expression into named parts")


def exceeded_recursion(exc: BaseException) -> bool:
    """A RecursionError, or what libcst turned one into: its position recorder
    raises a KeyError while the stack unwinds from the RecursionError."""
    seen = 0
    while exc is not None and seen < 100:
        if isinstance(exc, RecursionError):
            return True
        exc, seen = exc.__cause__ or exc.__context__, seen + 1
    return False


def _op(node: ast.BoolOp) -> str:
    return "and" if isinstance(node.op, ast.And) else "or"


def _first_line_longer_than(text: str, limit: int) -> int | None:
    if len(text) <= limit:
        return None
    for number, line in enumerate(text.splitlines(), 1):
        if len(line) > limit:
            return number
    return None


def _first_nul_line(text: str) -> int:
    return text.count("\n", 0, max(text.find("\0"), 0)) + 1
