"""The late cast of a mixed sum (fixtures/cases/mixed_sums.py): reported as TL003 where
the compiler shows a 32-bit product widened after it, and never left behind by --fix."""
from __future__ import annotations

import pytest
from cases import CASES

from tritonlint.engine import check_source
from tritonlint.fixer import fix_text
from tritonlint.settings import Settings

oracle = pytest.importorskip("oracle")
SETTINGS = Settings(select=("ALL",), strict=True)
MIXED = CASES / "mixed_sums.py"


def test_tl003_lines_are_the_compilers_late_casts():
    tl003 = {d.start.line for d in check_source(MIXED.read_text(), str(MIXED), SETTINGS).diagnostics
             if d.code == "TL003"}
    late = set().union(*(r.late_cast_lines() for r in oracle.oracle_sites(MIXED).values()))
    assert tl003 == late == {11, 19, 30}


def test_unsafe_fixes_leave_no_late_cast_and_no_int32_product(tmp_path):
    """The narrowing fix makes `pid * C + g + cols` a mixed sum; the rounds after it
    still move the cast, so the compiler finds nothing 32-bit left."""
    out = fix_text(MIXED.read_text(), str(MIXED), SETTINGS, unsafe=True)
    assert out.failure is None and not [d for d in out.result.diagnostics if d.code in ("TL002", "TL003", "TL004")]
    path = tmp_path / "mixed_fixed.py"
    path.write_text(out.text)
    results = oracle.oracle_sites(path)
    assert not set().union(*(r.late_cast_lines() for r in results.values()))
    assert not set().union(*(r.product_lines() for r in results.values()))
