"""Source positions, computed only for what is reported.

libcst's PositionProvider over a whole module costs a full code-generation pass
with bookkeeping for every node (tens of seconds over a large code base). Instead,
positions are resolved per jit function: the function alone is wrapped in a
one-statement module, positioned there, and shifted to where its ``def`` line
really is. Where that cannot be verified (the ``def`` line is not found as
expected), the whole module is positioned once as a fallback; where only the
kernels were parsed (kernel_spans.py), the function's own piece, shifted to its
first line, and only the statements that hold the nodes asked for are rendered
(statement_positions.py).
"""
from __future__ import annotations

import re
from typing import TYPE_CHECKING

import libcst as cst
from libcst.metadata import CodeRange, MetadataWrapper, PositionProvider

from .diagnostics import Position
from .kernels import JitFunction
from .statement_positions import FunctionPositions

if TYPE_CHECKING:
    from .kernel_spans import KernelTrees


class PositionIndex:
    def __init__(self, module: cst.Module, source: str, trees: KernelTrees | None = None):
        self.module = module
        self.trees = trees  # what kernel_spans.py parsed, or None: the module is the whole file
        self.pieces = trees.pieces if trees is not None else None
        self._piece_positions: dict[int, dict] = {}
        self._by_statement: dict[int, FunctionPositions | None] = {}
        # where kernel_spans parsed, lines as Python counts them (str.splitlines also
        # breaks at a form feed, which put every def line below one a line too low)
        self.lines = [line.rstrip("\r\n") for line in trees.lines] if trees is not None else source.splitlines()
        self._per_function: dict[int, tuple[dict, int, int]] = {}
        self._defs: dict[str, list[int]] | None = None
        self._whole: dict | None = None

    def range(self, node: cst.CSTNode, fn: JitFunction) -> tuple[Position, Position]:
        key = id(fn.node)
        if self.trees is not None:
            found = self._statement_positions(fn)
            found = found.range(node) if found is not None else None
            if found is not None:
                return found
        if key not in self._per_function:
            self._per_function[key] = self._position_function(fn)
        positions, dline, dcol = self._per_function[key]
        if positions is None or node not in positions:
            if self.pieces is not None:
                return self._in_piece(node, fn)
            cr = self._whole_module()[node]
            return Position(cr.start.line, cr.start.column), Position(cr.end.line, cr.end.column)
        cr: CodeRange = positions[node]
        return (
            Position(cr.start.line + dline, cr.start.column + dcol),
            Position(cr.end.line + dline, cr.end.column + dcol),
        )

    def _statement_positions(self, fn: JitFunction) -> FunctionPositions | None:
        key = id(fn.node)
        if key not in self._by_statement:
            twin = self.trees.functions.get(key)
            tree = twin.tree(self.trees.lines) if twin is not None else None
            found = None
            if tree is not None:
                found = FunctionPositions.build(fn.node, tree, self.trees.lines, self.module.default_indent,
                                                self.module.default_newline)
            self._by_statement[key] = found
        return self._by_statement[key]

    def _def_line(self, fn: JitFunction) -> int | None:
        twin = self.trees.functions.get(id(fn.node)) if self.trees is not None else None
        if twin is not None:
            return twin.lineno  # ast's own
        if self._defs is None:
            self._defs = _def_lines(self.lines)  # once per file: a scan per function is quadratic
        found = self._defs.get(fn.name, [])
        return found[fn.ordinal] if fn.ordinal < len(found) else None

    def _position_function(self, fn: JitFunction):
        synthetic = cst.Module(body=[fn.node], default_indent=self.module.default_indent,
                               default_newline=self.module.default_newline)
        positions = _positions(synthetic)
        syn_line = positions[fn.node.name].start.line
        real_line = self._def_line(fn)
        if real_line is None:
            return None, 0, 0
        real_text = self.lines[real_line - 1]
        syn_text = synthetic.code.splitlines()[syn_line - 1]
        if real_text.strip() != syn_text.strip():
            return None, 0, 0
        indent = len(real_text) - len(real_text.lstrip())
        return positions, real_line - syn_line, indent

    def _in_piece(self, node: cst.CSTNode, fn: JitFunction) -> tuple[Position, Position]:
        piece = self.pieces[id(fn.node)]
        key = id(piece)
        if key not in self._piece_positions:
            self._piece_positions[key] = _positions(piece.module)
        cr = self._piece_positions[key][node]
        shift = piece.line_shift
        return Position(cr.start.line + shift, cr.start.column), Position(cr.end.line + shift, cr.end.column)

    def _whole_module(self):
        if self._whole is None:
            self._whole = _positions(self.module)
        return self._whole


def _positions(module: cst.Module):
    """Node -> CodeRange. Runs the provider's code generation directly: going
    through MetadataWrapper adds a visit of the whole tree that costs as much
    again. Falls back to the public API if libcst's internals ever change."""
    try:
        provider = PositionProvider()
        provider._gen_impl(module)
        return provider._computed
    except Exception:  # pragma: no cover - only on an incompatible libcst
        return MetadataWrapper(module, unsafe_skip_copy=True).resolve(PositionProvider)


_DEF = re.compile(r"^[ \t]*(?:async[ \t]+)?def[ \t]+(\w+)")


def _def_lines(lines: list[str]) -> dict[str, list[int]]:
    """Name -> the 1-based lines of every ``def`` of that name, in order."""
    out: dict[str, list[int]] = {}
    for i, line in enumerate(lines, 1):
        if "def" in line:
            m = _DEF.match(line)
            if m:
                out.setdefault(m.group(1), []).append(i)
    return out


def offset_of(lines_start: list[int], pos: Position) -> int:
    """Character offset of a position, given the offsets at which lines start."""
    return lines_start[pos.line - 1] + pos.column


def line_starts(text: str) -> list[int]:
    starts = [0]
    for m in re.finditer(r"\r\n|\r|\n", text):
        starts.append(m.end())
    return starts
