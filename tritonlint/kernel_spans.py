"""Parse with libcst only the parts of a file that the analysis reads.

libcst costs about 20 KB of memory and 50 us of native parse per line, and kernel
bodies are about a third of a Triton file's lines. The stdlib ``ast`` (which
``parse_guard`` has already run on the file) finds, at C speed:

* the statements that ``kernels.scan_statements`` reads: imports and module
  aliases anywhere it walks, and the module-level integer constants the analysis
  folds (``BLOCK = 128``);
* every function, in the order of that walk, and which of them are jit functions
  (their decorators, or ``k = triton.jit(fn)``, resolved through those imports).

Those statements are parsed with libcst as one small module, and each outermost
jit function as its own module, its lines taken verbatim (no dedent: columns stay
those of the file) behind a preamble that makes libcst read them exactly as it
reads the whole file: an indented line that sets the file's default indentation
(``default_indent`` decides which blocks store their indentation), and an
``if 1:`` for a function defined inside a class or function. A jit function
nested in another is found in its outer function's tree, as before.

The kernels, their nodes and the analysis are then what a whole-file parse
gives; each piece knows which file line its first line is, so positions are a
shift (``positions.PositionIndex``). Anything this mirror of the walk does not
expect returns None, and the engine parses the whole file as before.
"""
from __future__ import annotations

import ast
import re
from dataclasses import dataclass

import libcst as cst

from .kernels import (
    _GLUON_ALIASES,
    JIT_NAMES,
    ModuleKernels,
    kernels_of,
    scan_statements,
)

_NEWLINE = re.compile(r"\r\n?|\n")  # what Python's tokenizer (and libcst) count as a line break
_FUNCTIONS = (ast.FunctionDef, ast.AsyncFunctionDef)


@dataclass(frozen=True)
class Piece:
    """One parsed jit function (with the jit functions nested in it)."""

    module: cst.Module
    line_shift: int  # file line = piece line + line_shift


@dataclass(frozen=True)
class Twin:
    """Where a jit function's ``ast`` twin is, without holding it: a file's ``ast``
    is as large as its libcst pieces, and only the functions with a finding to place
    need theirs (statement_positions.py). ``tree()`` parses the outermost jit
    function's lines again, as its piece was parsed, and finds the function in it."""

    lineno: int  # the `def` line
    col_offset: int
    outer_first: int  # the lines of the outermost jit function around it, decorators included
    outer_last: int
    outer_indented: bool

    def tree(self, lines: list[str]) -> ast.FunctionDef | ast.AsyncFunctionDef | None:
        text = "".join(lines[self.outer_first - 1:self.outer_last])
        shift = self.outer_first - 1
        if self.outer_indented:
            text, shift = "if 1:\n" + text, shift - 1
        try:
            module = ast.parse(text)
        except (SyntaxError, ValueError, RecursionError, MemoryError):
            return None
        ast.increment_lineno(module, shift)
        for node in ast.walk(module):
            if isinstance(node, _FUNCTIONS) and node.lineno == self.lineno and node.col_offset == self.col_offset:
                return node
        return None


@dataclass
class KernelTrees:
    #: stands in for the whole module: its body holds the module-level statements
    #: the analysis reads (constants), with the file's default indent and newline
    module: cst.Module
    kernels: ModuleKernels
    pieces: dict[int, Piece]  # id(jit function node) -> the piece it was parsed in
    functions: dict[int, Twin]  # id(jit function node) -> where its ast twin is
    lines: list[str]  # the file's lines, with their line breaks


def parse_kernels(text: str, tree: ast.Module) -> KernelTrees | None:
    """The kernels of ``text`` (``tree`` is its ``ast``), parsed piece by piece;
    None where the whole file must be parsed instead. Raises libcst's
    ParserSyntaxError as ``parse_module`` would."""
    lines = _lines(text)
    newline = _first_newline(text)
    indent = _default_indent(tree, lines)
    if indent is None:
        return None
    walk = _Walk(lines)
    walk.statements(tree.body, top=True)
    try:
        return _parse(walk, lines, indent, newline)
    except cst.ParserSyntaxError:
        return None  # the whole file's parse reports it, at the file's line


def _parse(walk: _Walk, lines: list[str], indent: str, newline: str) -> KernelTrees | None:
    header = _parse_statements(walk.header, newline)
    scan = scan_statements(header.body)
    imports, wrapped = scan.imports, list(scan.wrapped)
    jit_calls = [s for s in walk.calls if imports.qualify_dotted(_dotted(s.value.func)) in JIT_NAMES]
    if jit_calls:  # k = triton.jit(fn), known only once the imports are
        wrapped += scan_statements(_parse_statements([walk.source(s) for s in jit_calls], newline).body).wrapped
    wrapped_names = {name for func, name in wrapped}
    is_kernel = [any(imports.qualify_dotted(_dotted(_callee(d))) in JIT_NAMES for d in fn.decorator_list)
                 or fn.name in wrapped_names for fn, _ in walk.functions]
    functions: list[tuple[int, cst.FunctionDef, int]] = []  # (walk index, node, ordinal)
    pieces: dict[int, Piece] = {}
    twins: dict[int, Twin] = {}
    outer = None  # the outermost jit function parsed last: those nested in it are in its tree
    for i, (fn, _) in enumerate(walk.functions):
        if not is_kernel[i] or (outer is not None and _within(fn, outer)):
            continue
        piece = _parse_function(fn, lines, indent, newline)
        if piece is None:
            return None
        end = i + 1  # the functions nested in it follow it in the walk (preorder)
        while end < len(walk.functions) and _within(walk.functions[end][0], fn):
            end += 1
        inside = [(j, walk.functions[j][0]) for j in range(i, end)]
        found = scan_statements(piece.module.body).functions
        if [f.name for _, f in inside] != [node.name.value for node, _ in found]:
            return None  # the two walks disagree: trust the whole-file parse
        outer_first = min([d.lineno for d in fn.decorator_list] + [fn.lineno])
        for (j, _), (node, _) in zip(inside, found):
            functions.append((j, node, walk.functions[j][1]))
            pieces[id(node)] = piece
            twin = walk.functions[j][0]
            twins[id(node)] = Twin(twin.lineno, twin.col_offset, outer_first, fn.end_lineno, bool(fn.col_offset))
        outer = fn
    functions.sort(key=lambda t: t[0])  # the walk's order (a try's else before its handlers)
    kernels = kernels_of(imports, [(node, ordinal) for _, node, ordinal in functions], wrapped)
    module = cst.Module(body=header.body, default_indent=indent, default_newline=newline)
    return KernelTrees(module, kernels, pieces, twins, lines)


class _Walk:
    """``kernels.scan_statements``' walk, on the ``ast``: the same blocks in the same
    order (a try's body, else, handlers, finally), none of a one-line suite (libcst
    holds its statements as small statements, which that walk passes over)."""

    def __init__(self, lines: list[str]):
        self.lines = lines
        self.header: list[str] = []  # source of the imports, aliases and constants, in order
        self.calls: list[ast.Assign] = []  # x = f(...): a k = triton.jit(fn) once f resolves
        self.functions: list[tuple[ast.FunctionDef | ast.AsyncFunctionDef, int]] = []
        self._seen: dict[str, int] = {}

    def statements(self, body: list[ast.stmt], top: bool = False) -> None:
        if body and not top and self._on_header_line(body[0]):
            return
        for stmt in body:
            if isinstance(stmt, (ast.Import, ast.ImportFrom)):
                self.header.append(self.source(stmt))
            elif isinstance(stmt, ast.Assign):
                value = stmt.value
                if isinstance(value, ast.Attribute) and value.attr in _GLUON_ALIASES:
                    self.header.append(self.source(stmt))  # gl = other_module.gl
                elif top and _maybe_int_constant(stmt):
                    self.header.append(self.source(stmt))
                elif isinstance(value, ast.Call):
                    self.calls.append(stmt)
            elif isinstance(stmt, _FUNCTIONS):
                n = self._seen.get(stmt.name, 0)
                self._seen[stmt.name] = n + 1
                self.functions.append((stmt, n))
                self.statements(stmt.body)
            elif isinstance(stmt, ast.ClassDef):
                self.statements(stmt.body)
            elif isinstance(stmt, ast.If):
                self._if(stmt)
            elif isinstance(stmt, (ast.For, ast.AsyncFor, ast.While)):
                self.statements(stmt.body)
                self.statements(stmt.orelse)
            elif isinstance(stmt, (ast.With, ast.AsyncWith)):
                self.statements(stmt.body)
            elif isinstance(stmt, _TRY):
                self.statements(stmt.body)
                self.statements(stmt.orelse)
                for handler in stmt.handlers:
                    self.statements(handler.body)
                self.statements(stmt.finalbody)

    def _if(self, stmt: ast.If) -> None:
        self.statements(stmt.body)
        elif_ = _elif(stmt, self.lines)
        if elif_ is not None:
            self._if(elif_)  # libcst: the If's orelse is an If whose body is walked in turn
        else:
            self.statements(stmt.orelse)

    def _on_header_line(self, first: ast.stmt) -> bool:
        """A block whose first statement follows the colon on its line (a suite)."""
        line = self.lines[first.lineno - 1]
        return bool(chars_before(line, first.col_offset).strip())

    def source(self, stmt: ast.stmt) -> str:
        """The statement's text exactly (from its first character to its last)."""
        first, last = stmt.lineno - 1, stmt.end_lineno - 1
        start = len(chars_before(self.lines[first], stmt.col_offset))
        end = len(chars_before(self.lines[last], stmt.end_col_offset))
        if first == last:
            return self.lines[first][start:end]
        return self.lines[first][start:] + "".join(self.lines[first + 1:last]) + self.lines[last][:end]


_TRY = (ast.Try, ast.TryStar) if hasattr(ast, "TryStar") else (ast.Try,)


def _maybe_int_constant(stmt: ast.Assign) -> bool:
    """What ``analysis._module_int_constants`` may fold: ``N = 4``, ``N = -4``,
    ``N = 2 ** 10``, ``N = tl.constexpr(4)`` (libcst then decides, as before)."""
    if len(stmt.targets) != 1 or not isinstance(stmt.targets[0], ast.Name):
        return False
    value = stmt.value
    if isinstance(value, ast.Call):
        args = sorted([*value.args, *value.keywords], key=lambda a: (a.lineno, a.col_offset))
        if not args:
            return False
        value = args[0].value if isinstance(args[0], ast.keyword) else args[0]
    if isinstance(value, ast.Constant):
        return isinstance(value.value, int) and not isinstance(value.value, bool)
    return isinstance(value, (ast.UnaryOp, ast.BinOp))


def _parse_statements(sources: list[str], newline: str) -> cst.Module:
    return cst.parse_module(newline.join(sources) + newline if sources else "")


def _parse_function(fn: ast.FunctionDef | ast.AsyncFunctionDef, lines: list[str], indent: str,
                    newline: str) -> Piece | None:
    first = min([d.lineno for d in fn.decorator_list] + [fn.lineno])
    if not lines[first - 1].lstrip().startswith(("@", "def", "async")):
        return None  # a decorator's expression starts below its `@`: not worth the care
    body = "".join(lines[first - 1:fn.end_lineno])
    if not body.endswith(("\n", "\r")):
        body += newline
    preamble = f"if 1:{newline}{indent}pass{newline}"  # the file's default indent, first
    if fn.col_offset:
        preamble += f"if 1:{newline}"  # a function indented in a class or function
    module = cst.parse_module(preamble + body)
    shift = first - 1 - preamble.count(newline)
    return Piece(module, shift)


def _elif(stmt: ast.If, lines: list[str]) -> ast.If | None:
    """The If of an ``elif`` (ast spells it as an else holding an If, as it does
    ``else:`` followed by an indented ``if``)."""
    if len(stmt.orelse) == 1 and isinstance(stmt.orelse[0], ast.If):
        nested = stmt.orelse[0]
        if nested.col_offset == stmt.col_offset and lines[nested.lineno - 1].lstrip().startswith("elif"):
            return nested
    return None


def _within(inner: ast.AST, outer: ast.AST) -> bool:
    return outer.lineno <= inner.lineno and inner.end_lineno <= outer.end_lineno


def _callee(expr: ast.expr) -> ast.expr:
    return expr.func if isinstance(expr, ast.Call) else expr


def _dotted(expr: ast.expr) -> str | None:
    """``kernels._dotted`` on the ``ast``: a Name/Attribute chain spelled out."""
    if isinstance(expr, ast.Name):
        return expr.id
    if isinstance(expr, ast.Attribute):
        base = _dotted(expr.value)
        return f"{base}.{expr.attr}" if base else None
    return None


def _default_indent(tree: ast.Module, lines: list[str]) -> str | None:
    """libcst's ``default_indent``: the first INDENT of the file, which is the
    indentation of the first indented body of a top-level compound statement."""
    for stmt in tree.body:
        for body in _bodies(stmt, lines):
            if body is None:
                return None
            if not body:
                continue
            line = lines[body[0].lineno - 1]
            before = chars_before(line, body[0].col_offset)
            if before.strip():
                continue  # a one-line suite
            if not before or before.strip(" \t"):
                return None  # not plain indentation (a form feed): leave it to libcst
            return before
    return "    "  # libcst's own default, for a file without an indented block


def _bodies(stmt: ast.stmt, lines: list[str]):
    """A compound statement's blocks in source order (the first one opens the first INDENT)."""
    if isinstance(stmt, (*_FUNCTIONS, ast.ClassDef, ast.With, ast.AsyncWith)):
        yield stmt.body
    elif isinstance(stmt, ast.If):
        yield stmt.body
        elif_ = _elif(stmt, lines)
        yield from (_bodies(elif_, lines) if elif_ is not None else (stmt.orelse,))
    elif isinstance(stmt, (ast.For, ast.AsyncFor, ast.While)):
        yield stmt.body
        yield stmt.orelse
    elif isinstance(stmt, _TRY):
        yield stmt.body
        for h in stmt.handlers:
            yield h.body
        yield stmt.orelse
        yield stmt.finalbody
    elif isinstance(stmt, ast.Match):
        yield None  # its first INDENT is before a `case`, which ast does not place




def chars_before(line: str, col: int) -> str:
    """The text of ``line`` before the UTF-8 byte offset ``col`` (ast's columns)."""
    if line.isascii():
        return line[:col]
    return line.encode("utf-8")[:col].decode("utf-8", errors="replace")


def _lines(text: str) -> list[str]:
    """Lines with their line breaks, split where Python splits them (not at form
    feeds or other characters ``str.splitlines`` also breaks at)."""
    out, start = [], 0
    for m in _NEWLINE.finditer(text):
        out.append(text[start:m.end()])
        start = m.end()
    if start < len(text):
        out.append(text[start:])
    return out


def _first_newline(text: str) -> str:
    m = _NEWLINE.search(text)
    return m.group(0) if m else "\n"


__all__ = ["KernelTrees", "Piece", "parse_kernels"]
