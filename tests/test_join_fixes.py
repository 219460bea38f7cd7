"""Fixes never split a value Triton keeps at one type (fixtures/cases/joins.py).

A finding whose fix would make a loop-carried variable, an if/else merge or a
helper's returns int64 on one side only gets a suggestion (display-only), and
the compiler agrees that applying it would break the kernel; everything else,
`--unsafe-fixes` included, is applied and compiles.
"""
from __future__ import annotations

import pytest
from cases import CASES

from tritonlint.diagnostics import Applicability
from tritonlint.engine import check_source
from tritonlint.fixer import apply_edits, fix_text
from tritonlint.settings import Settings

oracle = pytest.importorskip("oracle")
SETTINGS = Settings(select=("ALL",), strict=True)
JOINS = CASES / "joins.py"
#: the kernel each join finding breaks, by line of the finding
BROKEN_BY_SUGGESTION = {
    19: "expert_segments",  # seg_end = 0 carried, the narrowing cast made int64
    29: "chunk_indices",  # i_c = 0 carried
    40: "offset_carried",  # off = 0 carried, the product made int64
    59: "start_by_branch",  # bos merged with an int32 zero
    68: "row_by_helper",  # _clamped_row returns int64 or 0
    82: "tags_by_window",  # a late cast in a helper: its product is a loop-carried `slot`
    106: "bias_after_tile",  # the product is also a descriptor coordinate (int32 only)
    120: "rows_or_dense",  # _place returns its int32 argument in the other branch
}
#: what the suggestion's message names, and what the compiler says, when not a join's type mismatch
INT32_ONLY = {106: ("tensor-descriptor coordinate", "32 bit")}


def _diagnostics():
    return check_source(JOINS.read_text(), str(JOINS), SETTINGS).diagnostics


def test_join_findings_are_suggestions_naming_the_join():
    by_line = {d.start.line: d for d in _diagnostics()}
    for line in BROKEN_BY_SUGGESTION:
        fix = by_line[line].fix
        assert fix is not None and fix.applicability == Applicability.DISPLAY, (line, fix)
        words = INT32_ONLY[line][:1] if line in INT32_ONLY else ("loop-carried", "if/else", "loop it is assigned in",
                                                                  "returns of")
        assert any(w in fix.message for w in words), fix.message
    others = [d for d in _diagnostics() if d.start.line not in BROKEN_BY_SUGGESTION]
    assert others and all(d.fix is not None and d.fix.applicability == Applicability.SAFE for d in others)


@pytest.mark.parametrize("line", sorted(BROKEN_BY_SUGGESTION))
def test_applying_the_suggestion_would_not_compile(line, tmp_path):
    """The demotion is needed: the compiler rejects the kernel with that edit."""
    d = next(d for d in _diagnostics() if d.start.line == line)
    text = JOINS.read_text()
    path = tmp_path / "joins_suggested.py"
    path.write_text(apply_edits(text, list(d.fix.edits)))
    kernel = BROKEN_BY_SUGGESTION[line]
    with pytest.raises(oracle.OracleError) as e:
        oracle.compile_ttir(path, kernel, overrides=oracle.module_config(JOINS, "ORACLE_SIGNATURE").get(kernel))
    want = INT32_ONLY[line][1] if line in INT32_ONLY else "type"  # a type mismatch, not some other error
    assert want in _reasons(e.value).lower(), _reasons(e.value)


def _reasons(e: BaseException | None) -> str:
    """The error and its causes (a helper's error is the cause of the caller's)."""
    out = []
    while e is not None and len(out) < 10:
        out.append(str(e))
        e = e.__cause__ or e.__context__
    return " | ".join(out)


def test_unsafe_fixes_compile_and_remove_the_fixed_products(tmp_path):
    text = JOINS.read_text()
    out = fix_text(text, str(JOINS), SETTINGS, unsafe=True)
    assert out.failure is None and out.text != text
    path = tmp_path / "joins_unsafe.py"
    path.write_text(out.text)
    results = oracle.oracle_sites(path)  # raises if a kernel no longer compiles
    assert set(results) == set(oracle.kernel_names(JOINS))
    fixed_lines = {d.start.line for d in _diagnostics() if d.fix.applicability == Applicability.SAFE}
    products = set().union(*(r.product_lines() for r in results.values()))
    assert not fixed_lines & products, sorted(fixed_lines & products)


RNG = CASES / "rng.py"


def test_a_random_number_offset_keeps_its_type():
    """Every finding whose value is also an RNG offset is a suggestion naming the call;
    the one whose RNG offsets are the block's own columns keeps its safe fix."""
    diags = check_source(RNG.read_text(), str(RNG), SETTINGS).diagnostics
    kinds = {d.start.line: d.fix.applicability for d in diags}
    assert kinds == {9: Applicability.DISPLAY, 20: Applicability.DISPLAY, 32: Applicability.DISPLAY,
                     41: Applicability.SAFE}
    assert all("offset of `tl." in d.fix.message for d in diags if d.fix.applicability == Applicability.DISPLAY)


def test_the_rng_suggestion_would_not_compile_with_philox(tmp_path):
    """Widening a philox counter (the fix the suggestion shows) is rejected by the compiler."""
    d = next(d for d in check_source(RNG.read_text(), str(RNG), SETTINGS).diagnostics if d.start.line == 20)
    path = tmp_path / "rng_suggested.py"
    path.write_text(apply_edits(RNG.read_text(), list(d.fix.edits)))
    with pytest.raises(oracle.OracleError) as e:
        oracle.compile_ttir(path, "philox_rows")
    assert "bitcast" in _reasons(e.value).lower(), _reasons(e.value)


def test_rng_kernels_fixed_with_unsafe_fixes_compile(tmp_path):
    out = fix_text(RNG.read_text(), str(RNG), SETTINGS, unsafe=True)
    path = tmp_path / "rng_unsafe.py"
    path.write_text(out.text)
    assert set(oracle.oracle_sites(path)) == set(oracle.kernel_names(RNG))
