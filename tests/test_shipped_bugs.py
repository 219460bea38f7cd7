"""Overflows that shipped in public projects (fixtures/shipped): the default tier,
not only --strict, reports each of them, at the line and with the code marked
(`# error: TL002`); the few it is known to miss (`# strict: TL002`) --strict reports."""
from __future__ import annotations

from pathlib import Path

import pytest

import re

from cases import expectations
from tritonlint.engine import check_source
from tritonlint.settings import Settings

_STRICT_ONLY = re.compile(r"#\s*strict:\s*(?P<codes>TL\d{3}(?:\s*,\s*TL\d{3})*)")


def strict_only(text: str) -> dict[int, set[str]]:
    out: dict[int, set[str]] = {}
    for i, line in enumerate(text.splitlines(), 1):
        m = _STRICT_ONLY.search(line)
        if m:
            out[i] = {c.strip() for c in m.group("codes").split(",")}
    return out

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
    # the known misses are reported by --strict, and are still misses (else mark them `error:`)
    known = strict_only(text)
    strict = {(d.start.line, d.code) for d in check_source(text, str(path), Settings(strict=True)).diagnostics}
    assert sorted((line, c) for line, codes in known.items() for c in codes if (line, c) not in strict) == []
    assert sorted(line for line in known if line in reported) == []


def test_the_shipped_kernels_name_their_source():
    # each kernel says which public fix it re-creates (a project and an issue or PR number)
    import ast
    for path in FILES:
        tree = ast.parse(path.read_text(encoding="utf-8"))
        kernels = [f for f in ast.walk(tree) if isinstance(f, ast.FunctionDef)
                   and any("jit" in ast.unparse(d) for d in f.decorator_list) and not f.name.startswith("_")]
        assert kernels
        assert [f.name for f in kernels if "#" not in (ast.get_docstring(f) or "")] == []


@pytest.mark.parametrize("path", FILES, ids=lambda p: p.name)
def test_the_compiler_computes_every_marked_product_in_32_bits(path: Path):
    # Triton 3.6's frontend (the oracle's CPU compile, int32 and int64 index tensors):
    # a 32-bit product feeding an address on every marked line
    pytest.importorskip("triton")
    import oracle

    results = oracle.oracle_sites(path)
    assert results and all(r.not_compiled is None for r in results.values()), \
        [k for k, r in results.items() if r.not_compiled]
    lines = {site.line for r in results.values() for site in r.offset_products}
    lines |= {cast.site.line for r in results.values() for cast in r.late_casts if cast.reaches_address}
    text = path.read_text(encoding="utf-8")
    expected = set(expectations(text)) | set(strict_only(text))
    assert sorted(expected - lines) == []
