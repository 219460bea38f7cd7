"""Parsing only the kernels (kernel_spans.py) and positioning only the statements
that hold a node (statement_positions.py) give what the whole-file parse and the
whole-function rendering give."""
from __future__ import annotations

import ast
from pathlib import Path

import libcst as cst
import pytest

from tritonlint import engine, kernel_spans
from tritonlint.analysis import _module_int_constants
from tritonlint.fixer import fix_text
from tritonlint.kernels import find_kernels
from tritonlint.positions import PositionIndex
from tritonlint.settings import Settings
from tritonlint.statement_positions import FunctionPositions
from tritonlint.walk import walk

ROOT = Path(__file__).resolve().parent.parent
KERNEL = '''@triton.jit
def {name}(x_ptr, stride, n, BLOCK: tl.constexpr):
    pid = tl.program_id(0)
    if pid > n:  # a comment
        return
    elif pid == n: off = pid * stride
    else:
        off = (pid
               * stride)
    for i in range(0, n, BLOCK): tl.store(x_ptr + off + i * stride, 0.0); x = 1
    tl.store(x_ptr + off + tl.arange(0, BLOCK), 0.0)
'''


def indent(text: str, by: str) -> str:
    return "".join(by + line if line.strip() else line for line in text.splitlines(True))


SOURCES = {
    "top level": "import triton\nimport triton.language as tl\nN = 4\n\n\n" + KERNEL.format(name="k"),
    "in a class": "import triton\nimport triton.language as tl\n\nclass Ops:\n    X = 1\n\n"
                  + indent(KERNEL.format(name="k"), "    "),
    "in a function, tabs": "import triton\nimport triton.language as tl\n\ndef build():\n"
                           + indent(KERNEL.format(name="k"), "\t") + "\treturn k\n",
    "try order": "import triton\nimport triton.language as tl\ntry:\n    pass\nexcept ImportError:\n"
                 + indent(KERNEL.format(name="a"), "    ") + "else:\n" + indent(KERNEL.format(name="b"), "    "),
    "elif, suites, wrapped": "import triton\nif False: import triton.language as tl\nelif True:\n"
                             "    import triton.language as tl\nelse:\n    pass\n"
                             "def plain(x_ptr, n):\n    y = x_ptr + n\n"
                             "if True:\n    k = triton.jit(plain)\n" + KERNEL.format(name="k"),
    "aliases and constants": "import triton\nfrom triton.experimental import gluon\nimport other\n"
                             "gl = other.gl\nBLOCK = tl.constexpr(2 ** 4)\nNEG = -3\nNAME = 'x'\n"
                             "A, B = 1, 2\n" + KERNEL.format(name="k").replace("@triton.jit", "@gluon.jit"),
    "nested jit, decorators over lines": "import triton\nimport triton.language as tl\n\n"
                                         "@triton.autotune(\n    configs=[],\n    key=['n'],\n)\n"
                                         + KERNEL.format(name="outer") + indent(KERNEL.format(name="inner"), "    "),
    "crlf": ("import triton\nimport triton.language as tl\n\n" + KERNEL.format(name="k")).replace("\n", "\r\n"),
    "form feed": "import triton\nimport triton.language as tl\n\x0c\n\n" + KERNEL.format(name="k"),
    "async and unicode": "import triton\nimport triton.language as tl\ns = 'é' ; T = 2\n\n"
                         + KERNEL.format(name="k").replace("    pid = ", "    é = 1; pid = "),
}


def _strip(node: cst.FunctionDef) -> cst.FunctionDef:
    return node.with_changes(leading_lines=())  # the piece starts at the decorator


@pytest.mark.parametrize("name", list(SOURCES))
def test_the_kernels_are_those_of_the_whole_file(name):
    text = SOURCES[name]
    trees = kernel_spans.parse_kernels(text, ast.parse(text))
    assert trees is not None
    module = cst.parse_module(text)
    whole = find_kernels(module)
    assert [(k.name, k.ordinal, k.decorators) for k in trees.kernels.kernels] == \
        [(k.name, k.ordinal, k.decorators) for k in whole.kernels]
    assert trees.kernels.kernels
    assert trees.kernels.imports.names == whole.imports.names
    assert _module_int_constants(trees.module) == _module_int_constants(module)
    assert (trees.module.default_indent, trees.module.default_newline) == (module.default_indent,
                                                                           module.default_newline)
    for a, b in zip(trees.kernels.kernels, whole.kernels):
        assert _strip(a.node).deep_equals(_strip(b.node))


def _whole_file(monkeypatch):
    monkeypatch.setattr(kernel_spans, "parse_kernels", lambda text, tree: None)


@pytest.mark.parametrize("name", list(SOURCES))
def test_findings_and_fixes_are_those_of_the_whole_file(name, monkeypatch):
    text = SOURCES[name]
    settings = Settings(select=("ALL",), strict=True)
    spans = engine.check_source(text, "k.py", settings)
    fixed = fix_text(text, "k.py", settings, unsafe=True).text
    assert spans.diagnostics
    _whole_file(monkeypatch)
    assert engine.check_source(text, "k.py", settings).diagnostics == spans.diagnostics
    assert fix_text(text, "k.py", settings, unsafe=True).text == fixed


def _files():
    for folder in ("fixtures/cases", "fixtures/kernels"):
        yield from sorted((ROOT / folder).glob("*.py"))


@pytest.mark.parametrize("name", [*SOURCES, *(str(p.relative_to(ROOT)) for p in _files())])
def test_statement_positions_are_the_whole_function_rendering(name):
    """Every node a statement places has the range the whole-function rendering
    (shifted to the def) gives it; only blocks, compound statements and what is
    inside a nested function are left to that rendering."""
    text = SOURCES[name] if name in SOURCES else (ROOT / name).read_text()
    trees = kernel_spans.parse_kernels(text, ast.parse(text))
    index = PositionIndex(trees.module, text, trees)
    placed = 0
    for fn in trees.kernels.kernels:
        twin = trees.functions[id(fn.node)].tree(trees.lines)  # parsed again from its lines
        by_statement = FunctionPositions.build(fn.node, twin, trees.lines,
                                               trees.module.default_indent, trees.module.default_newline)
        assert by_statement is not None
        positions, dline, dcol = index._position_function(fn)
        for node in [fn.node, *walk(fn.node, into_functions=True)]:
            found = by_statement.range(node)
            if found is None:
                # blocks and compound statements are not placed (no finding is on one)
                assert isinstance(node, _BLOCKS) or node is not fn.node and _in_nested(node, fn.node), node
                continue
            placed += 1
            cr = positions[node]
            assert (found[0].line, found[0].column, found[1].line, found[1].column) == \
                (cr.start.line + dline, cr.start.column + dcol, cr.end.line + dline, cr.end.column + dcol), node
    assert placed > 0 or not trees.kernels.kernels


_BLOCKS = (cst.BaseCompoundStatement, cst.SimpleStatementLine, cst.BaseSuite, cst.Else, cst.ExceptHandler,
           cst.Finally)


def _in_nested(node: cst.CSTNode, fn: cst.FunctionDef) -> bool:
    """Inside a function nested in ``fn`` (positioned with the whole function)."""
    return any(node is n for inner in walk(fn, into_functions=True) if isinstance(inner, cst.FunctionDef)
               for n in walk(inner, into_functions=True))


@pytest.mark.parametrize("name", [*SOURCES, *(str(p.relative_to(ROOT)) for p in _files())])
def test_a_twin_parsed_again_is_the_files_own_ast(name):
    """The ast of a jit function is not kept: parsed again from its outermost jit
    function's lines, it has the same nodes, lines and columns as the file's."""
    text = SOURCES[name] if name in SOURCES else (ROOT / name).read_text()
    tree = ast.parse(text)
    own = {(n.lineno, n.col_offset): n for n in ast.walk(tree) if isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef))}
    trees = kernel_spans.parse_kernels(text, tree)
    for twin in trees.functions.values():
        again = twin.tree(trees.lines)
        assert again is not None
        assert ast.dump(again, include_attributes=True) == ast.dump(own[(twin.lineno, twin.col_offset)],
                                                                    include_attributes=True)
