"""Overflows that shipped in public projects (fixtures/shipped): the default tier,
not only --strict, reports each of them, at the line and with the code marked."""
from __future__ import annotations

from pathlib import Path

import pytest

from cases import expectations
from tritonlint.engine import check_source
from tritonlint.settings import Settings

SHIPPED = Path(__file__).resolve().parent.parent / "fixtures" / "shipped"
FILES = sorted(SHIPPED.glob("*.py"))


@pytest.mark.parametrize("path", FILES, ids=lambda p: p.name)
def test_every_shipped_overflow_is_reported_by_default(path: Path):
    text = path.read_text(encoding="utf-8")
    expected = expectations(text)
    assert expected, "a shipped-bug fixture marks the lines it must report"
    result = check_source(text, str(path), Settings())
    assert result.error is None
    reported: dict[int, set[str]] = {}
    for d in result.diagnostics:
        assert d.tier == "realistic"  # the default tier reports nothing else
        reported.setdefault(d.start.line, set()).add(d.code)
    missing = {line: codes - reported.get(line, set()) for line, codes in expected.items()
               if codes - reported.get(line, set())}
    assert missing == {}, f"not reported by default: {missing}"


def test_the_shipped_kernels_name_their_source():
    # each kernel says which public fix it re-creates (a project and an issue or PR number)
    import ast
    for path in FILES:
        tree = ast.parse(path.read_text(encoding="utf-8"))
        kernels = [f for f in ast.walk(tree) if isinstance(f, ast.FunctionDef)
                   and any("jit" in ast.unparse(d) for d in f.decorator_list) and not f.name.startswith("_")]
        assert kernels
        assert [f.name for f in kernels if "#" not in (ast.get_docstring(f) or "")] == []
