"""Fixes that rewrite a value spanning lines keep its block's indentation (TL003's
moved cast, TL006's widened start) and the result compiles."""
from __future__ import annotations

import ast
import textwrap

import pytest

from tritonlint.fixer import fix_text
from tritonlint.settings import Settings

SETTINGS = Settings(select=("ALL",), strict=True)
SOURCE = '''import triton
import triton.language as tl


@triton.jit
def walk(x_ptr, T, stride, BLOCK: tl.constexpr):
    pid = tl.program_id(0)
    if pid >= 0:
        off = (
            tl.arange(0, BLOCK)
            + T
        )
        for t in range(T):
            tl.store(x_ptr + off, 0.0)
            off += stride


@triton.jit
def late(x_ptr, stride, C, BLOCK: tl.constexpr):
    pid = tl.program_id(0)
    if pid >= 0:
        off = (
            pid * stride
            + C
        ).to(tl.int64)
        tl.store(x_ptr + off + tl.arange(0, BLOCK), 0.0)
'''


HEAD, BODY = SOURCE.split("\n\n\n", 1)
# The same kernels with their `def` away from the left margin: in a class, in a
# function body, in a module-level `if` (compiled below), and tab-indented in a class.
NESTED = {
    "top level": (SOURCE, ""),
    "class": (HEAD + "\n\n\nclass Ops:\n" + textwrap.indent(BODY, "    "), "    "),
    "function": (HEAD + "\n\n\ndef build():\n" + textwrap.indent(BODY, "    ") + "    return walk, late\n", "    "),
    "if": (HEAD + "\n\n\nif True:\n" + textwrap.indent(BODY, "  "), "  "),
    "tab class": (HEAD + "\n\n\nclass Ops:\n" + textwrap.indent(BODY, "\t"), "\t"),
}


def _fixed(source: str = SOURCE) -> str:
    out = fix_text(source, "layout.py", SETTINGS)
    assert out.failure is None and out.text != source
    assert not [d for d in out.result.diagnostics if d.code in ("TL003", "TL006")]
    return out.text


@pytest.mark.parametrize("where", list(NESTED))
def test_multi_line_values_keep_their_indentation(where):
    source, margin = NESTED[where]
    text = _fixed(source)
    ast.parse(text)
    lines = text.splitlines()
    assert "tl.cast((" not in text  # the value's own parentheses are not written twice
    a, b = margin + "        off = (", margin + "        )"
    starts = [i for i, line in enumerate(lines) if line == a]
    assert len(starts) == 2, text
    for s in starts:
        end = lines.index(b, s)
        inner = lines[s + 1:end]
        assert inner and all(line.startswith(margin + " " * 12) for line in inner), "\n".join(lines[s:end + 1])
    assert margin + "            pid.to(tl.int64) * stride" in lines
    assert margin + "            tl.cast(tl.arange(0, BLOCK)" in lines
    assert margin + "            + C" in lines and margin + "            + T, tl.int64)" in lines, text


oracle = pytest.importorskip("oracle")


@pytest.mark.parametrize("where", ["top level", "if"])
def test_the_fixed_layout_compiles(tmp_path, where):
    path = tmp_path / "layout_fixed.py"
    path.write_text(_fixed(NESTED[where][0]))
    results = oracle.oracle_sites(path)  # raises if a kernel does not compile
    assert set(results) == {"walk", "late"}
    assert not set().union(*(r.late_cast_lines() for r in results.values()))
