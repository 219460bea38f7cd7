"""Every `--fix` output in fixtures/cases compiles, and the compiler no longer
does 32-bit arithmetic where a finding with a safe fix was reported."""
from __future__ import annotations

import pytest

from cases import case_files
from tritonlint.engine import check_source
from tritonlint.settings import Settings

oracle = pytest.importorskip("oracle")
SETTINGS = Settings(select=("ALL",), strict=True)  # every int32 product, whatever its size


def _inside(site, d) -> bool:
    """The compiler locates a product at its last operand, inside the finding's range."""
    start, end = (d.start.line, d.start.column), (d.end.line, d.end.column)
    return start <= (site.line, site.col) < end


@pytest.mark.parametrize("path", case_files(), ids=lambda p: p.name)
def test_fixed_twin_compiles_without_flagged_int32(path):
    twin = path.with_name(path.stem + ".fixed.py")
    before = check_source(path.read_text(), str(path), SETTINGS)
    safe = [d for d in before.diagnostics if d.fix is not None and d.fix.applicability.value == "safe"]
    results = oracle.oracle_sites(twin)  # raises if a fixed kernel does not compile
    products = [s for r in results.values() for s in r.offset_products]
    late = set().union(*(r.late_cast_lines() for r in results.values())) if results else set()
    accs = set().union(*(r.accumulator_lines() for r in results.values())) if results else set()
    problems = []
    for d in safe:
        if d.code in ("TL001", "TL002", "TL005") and any(_inside(s, d) for s in products):
            problems.append(f"{d.code} line {d.start.line}: `{d.expression}` is still an int32 product")
        if d.code == "TL003" and d.start.line in late:
            problems.append(f"TL003 line {d.start.line}: still a late cast")
        if d.code == "TL006" and d.start.line in accs:
            problems.append(f"TL006 line {d.start.line}: still an int32 accumulator")
    assert not problems, f"{twin.name}: " + "; ".join(problems)
