"""Positions of a jit function's nodes, rendering only the statements that hold them.

libcst computes positions by generating the code of what it positions, with
bookkeeping at every node: for a function that is tens of milliseconds, and it
was most of the time of a run on a large code base, though a finding needs the
positions of a few nodes. The stdlib ``ast`` of the same function (from the
parse the file already had) places every statement at C speed. So each
statement is matched with its ``ast`` twin (the two trees hold statements in the
same blocks), and only the statement that holds a wanted node is rendered, from
where ``ast`` says it starts.

The result is what ``positions.PositionIndex`` gives from rendering the whole
function at column 0 and shifting it by the ``def``'s line and indentation: each
statement is rendered with the indentation of its block relative to the
function (what libcst writes before a continuation line inside brackets) and
then shifted by the ``def``'s column. Each rendered statement is checked against
the source (its first line's text, its last line); where any check fails, or a
node is not in a statement placed here (a nested function, a ``match``), the
caller renders the whole function as before.
"""
from __future__ import annotations

import ast

import libcst as cst
from libcst.metadata.position_provider import (
    PositionProvider,
    PositionProvidingCodegenState,
)

from .diagnostics import Position
from .kernel_spans import chars_before
from .walk import children

# libcst's small statements and their ast twins
_SMALL = {
    cst.Assign: ast.Assign, cst.AugAssign: ast.AugAssign, cst.AnnAssign: ast.AnnAssign, cst.Expr: ast.Expr,
    cst.Return: ast.Return, cst.Pass: ast.Pass, cst.Break: ast.Break, cst.Continue: ast.Continue,
    cst.Raise: ast.Raise, cst.Assert: ast.Assert, cst.Del: ast.Delete, cst.Global: ast.Global,
    cst.Nonlocal: ast.Nonlocal, cst.Import: ast.Import, cst.ImportFrom: ast.ImportFrom,
}
_PASS_BLOCK = cst.IndentedBlock(body=[cst.SimpleStatementLine(body=[cst.Pass()])])


class _Unsupported(Exception):
    """The two trees do not line up as expected: render the whole function."""


class FunctionPositions:
    """Node ranges within one jit function, rendered statement by statement."""

    def __init__(self, fn: cst.FunctionDef, tree: ast.FunctionDef | ast.AsyncFunctionDef, lines: list[str],
                 default_indent: str, default_newline: str):
        self.lines = lines  # the file's lines, with their line breaks
        self.default_indent = default_indent
        self.default_newline = default_newline
        self.dcol = len(lines[tree.lineno - 1]) - len(lines[tree.lineno - 1].lstrip())
        # id(node) -> the unit that renders it: (node to render, line, column, indent tokens, kwargs, ast twin)
        self._owner: dict[int, tuple] = {}
        self._rendered: dict[int, dict] = {}
        self._fn, self._tree = fn, tree
        self._def_line = tree.lineno

    @classmethod
    def build(cls, fn: cst.FunctionDef, tree, lines: list[str], default_indent: str,
              default_newline: str) -> FunctionPositions | None:
        self = cls(fn, tree, lines, default_indent, default_newline)
        try:
            self._index_function()
        except _Unsupported:
            return None
        self._tree = None  # the index keeps only lines and columns: let the ast go
        return self

    def range(self, node: cst.CSTNode) -> tuple[Position, Position] | None:
        if node is self._fn:
            return self._function_range()
        unit = self._owner.get(id(node))
        if unit is None:
            return None
        key = id(unit[0])
        if key not in self._rendered:
            self._rendered[key] = self._render(*unit)
        positions = self._rendered[key]
        if positions is None or node not in positions:
            return None
        cr = positions[node]
        return (Position(cr.start.line, cr.start.column + self.dcol),
                Position(cr.end.line, cr.end.column + self.dcol))

    def _function_range(self) -> tuple[Position, Position] | None:
        """From its ``def`` (or ``async``) to the end of its last statement, as libcst
        places a FunctionDef."""
        end = self._end(self._fn.body)
        if end is None:
            return None
        return Position(self._def_line, self.dcol), end

    def _end(self, node: cst.CSTNode) -> Position | None:
        if isinstance(node, (cst.IndentedBlock, cst.SimpleStatementLine, cst.SimpleStatementSuite)):
            return self._end(node.body[-1]) if node.body else None
        if isinstance(node, (cst.If, cst.For, cst.While)):
            return self._end(node.orelse if node.orelse is not None else node.body)
        if isinstance(node, (cst.Else, cst.With, cst.ExceptHandler, cst.Finally)):
            return self._end(node.body)
        if isinstance(node, cst.Try):
            last = node.finalbody or node.orelse or (node.handlers[-1] if node.handlers else None) or node.body
            return self._end(last)
        if type(node) in _SMALL:
            found = self.range(node)
            return found[1] if found is not None else None
        return None

    # ------------------------------------------------------------------ index
    def _index_function(self) -> None:
        fn, tree = self._fn, self._tree
        first = min([d.lineno for d in tree.decorator_list] + [tree.lineno])
        stub = fn.with_changes(leading_lines=(), body=_PASS_BLOCK)
        parts = [*fn.decorators, fn.params] + ([fn.returns] if fn.returns is not None else [])
        check = (fn.name, tree.lineno, None)  # the name is on the `def` line
        self._own(parts, (stub, first, 0, (), (), check))
        self._block(fn.body, tree.body, (), tree.lineno)

    def _block(self, body: cst.BaseSuite, stmts: list[ast.stmt], tokens: tuple[str, ...],
               header_line: int | None = None) -> None:
        if isinstance(body, cst.SimpleStatementSuite):  # `if x: y = 1` on one line
            self._small(body.body, stmts, tokens, line_start=False, header_line=header_line)
            return
        tokens = (*tokens, body.indent if body.indent is not None else self.default_indent)
        i = 0
        for stmt in body.body:
            if isinstance(stmt, cst.SimpleStatementLine):
                k = len(stmt.body)
                if i + k > len(stmts):
                    raise _Unsupported
                self._small(stmt.body, stmts[i:i + k], tokens, line_start=True)
                i += k
            else:
                if i >= len(stmts):
                    raise _Unsupported
                self._compound(stmt, stmts[i], tokens)
                i += 1
        if i != len(stmts):
            raise _Unsupported

    def _small(self, smalls, stmts: list[ast.stmt], tokens: tuple[str, ...], line_start: bool,
               header_line: int | None = None) -> None:
        """Small statements of one line (``line_start``) or of a one-line suite (on
        the line ``header_line`` of its compound statement, None: not known)."""
        if len(smalls) != len(stmts):
            raise _Unsupported
        for small, a in zip(smalls, stmts):
            if _SMALL.get(type(small)) is not type(a):
                raise _Unsupported
        for j, (small, a) in enumerate(zip(smalls, stmts)):
            if j and (stmts[j - 1].lineno != a.lineno or stmts[j - 1].end_lineno != a.lineno):
                return  # after a statement spanning lines the line is not one the shift applies to
            if not line_start and a.lineno != header_line:
                return
            if j == 0 and line_start:
                column = len("".join(tokens))
            else:
                column = len(chars_before(self.lines[a.lineno - 1], a.col_offset)) - self.dcol
            self._own([small], (small, a.lineno, column, tokens, None, (small, a.lineno, a.end_lineno)))

    def _compound(self, stmt: cst.BaseCompoundStatement, a: ast.stmt, tokens: tuple[str, ...],
                  is_elif: bool = False) -> None:
        if isinstance(stmt, cst.If) and isinstance(a, ast.If):
            self._header(stmt, a, [stmt.test], a.test, tokens, orelse=None, is_elif=is_elif)
            self._block(stmt.body, a.body, tokens, a.lineno)
            if isinstance(stmt.orelse, cst.If):
                if len(a.orelse) != 1 or not isinstance(a.orelse[0], ast.If):
                    raise _Unsupported
                self._compound(stmt.orelse, a.orelse[0], tokens, is_elif=True)
            elif stmt.orelse is not None:
                self._block(stmt.orelse.body, a.orelse, tokens)
        elif isinstance(stmt, cst.For) and isinstance(a, (ast.For, ast.AsyncFor)):
            self._header(stmt, a, [stmt.target, stmt.iter], a.iter, tokens, orelse=None)
            self._block(stmt.body, a.body, tokens, a.lineno)
            if stmt.orelse is not None:
                self._block(stmt.orelse.body, a.orelse, tokens)
        elif isinstance(stmt, cst.While) and isinstance(a, ast.While):
            self._header(stmt, a, [stmt.test], a.test, tokens, orelse=None)
            self._block(stmt.body, a.body, tokens, a.lineno)
            if stmt.orelse is not None:
                self._block(stmt.orelse.body, a.orelse, tokens)
        elif isinstance(stmt, cst.With) and isinstance(a, (ast.With, ast.AsyncWith)):
            last = a.items[-1].optional_vars or a.items[-1].context_expr
            self._header(stmt, a, list(stmt.items), last, tokens)
            self._block(stmt.body, a.body, tokens, a.lineno)
        elif isinstance(stmt, cst.Try) and isinstance(a, ast.Try):
            self._block(stmt.body, a.body, tokens)
            if len(stmt.handlers) != len(a.handlers):
                raise _Unsupported
            for h, ah in zip(stmt.handlers, a.handlers):
                self._block(h.body, ah.body, tokens)
            if stmt.orelse is not None:
                self._block(stmt.orelse.body, a.orelse, tokens)
            if stmt.finalbody is not None:
                self._block(stmt.finalbody.body, a.finalbody, tokens)
        elif isinstance(stmt, (cst.FunctionDef, cst.ClassDef, cst.Match, cst.TryStar)):
            pass  # not placed here: a node of theirs is positioned with the whole function
        else:
            raise _Unsupported

    def _header(self, stmt, a: ast.stmt, parts: list[cst.CSTNode], last: ast.expr, tokens: tuple[str, ...],
                is_elif: bool = False, **empty) -> None:
        """A compound statement's own line(s), rendered without its blocks."""
        stub = stmt.with_changes(leading_lines=(), body=_PASS_BLOCK, **empty)
        kwargs = {"is_elif": True} if is_elif else None
        self._own(parts, (stub, a.lineno, 0, tokens, kwargs, (parts[-1], a.lineno, last.end_lineno)))

    def _own(self, roots: list[cst.CSTNode], unit: tuple) -> None:
        owner = self._owner
        stack = list(roots)
        while stack:
            node = stack.pop()
            owner[id(node)] = unit
            stack.extend(children(node))

    # ------------------------------------------------------------------ render
    def _render(self, node, line: int, column: int, tokens: tuple[str, ...], kwargs, check) -> dict | None:
        provider = PositionProvider()
        state = PositionProvidingCodegenState(default_indent=self.default_indent,
                                              default_newline=self.default_newline, provider=provider)
        state.line, state.column = line, column
        state.indent_tokens = list(tokens)
        try:
            node._codegen(state, **(kwargs or {}))
        except Exception:  # noqa: BLE001 - only on an incompatible libcst: the caller renders as before
            return None
        positions = provider._computed  # libcst's own table, as positions._positions reads it
        if not self._matches(state.tokens, line, column, positions, check):
            return None
        return positions

    def _matches(self, tokens: list[str], line: int, column: int, positions: dict, check) -> bool:
        """The rendered first line is the source's (less the ``def``'s indentation)
        from the same column, and the anchor starts and ends on the lines ``ast``
        gives: the statement and its twin are the same text."""
        anchor, first_line, last_line = check
        text = "".join(tokens)
        breaks = [i for i in (text.find("\n"), text.find("\r")) if i >= 0]
        rendered = text[:min(breaks)] if breaks else text
        source = self.lines[line - 1][self.dcol:]
        if source[column:column + len(rendered)] != rendered:
            return False
        cr = positions.get(anchor)
        if cr is None or (first_line is not None and cr.start.line != first_line):
            return False
        return last_line is None or cr.end.line == last_line
