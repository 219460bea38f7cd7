"""Property tests for --fix on generated kernels (tests/kernelgen.py).

For thousands of kernels built from the overflow patterns, with random names,
aliases, decorator stacks, comments, indentation and line endings: the fixed
text parses, keeps every comment and the line endings, leaves no safe-fixable
finding, and is a fixed point. A smaller sample is compiled with Triton (the
oracle) to show the fixed kernels are valid and no longer multiply in 32 bits
where a finding was reported.
"""
from __future__ import annotations

import ast
import io
import tokenize

import pytest
from hypothesis import HealthCheck, given, settings

from kernelgen import kernels
from tritonlint.engine import check_source
from tritonlint.fixer import fix_text
from tritonlint.settings import Settings

SETTINGS = Settings(select=("ALL",), strict=True)  # every int32 product, whatever its size
RISKY = {"direct", "variable", "bump", "block_ptr", "late_method", "late_cast", "accumulator", "loop_index",
         "loaded", "narrowed", "helper"}


def _comments(text: str) -> list[str]:
    toks = tokenize.generate_tokens(io.StringIO(text.replace("\r\n", "\n")).readline)
    return [t.string for t in toks if t.type == tokenize.COMMENT]


@settings(max_examples=2000, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(kernels())
def test_fix_is_safe_and_idempotent(k):
    before = check_source(k.source, "gen.py", SETTINGS)
    assert before.error is None
    if RISKY & set(k.patterns) and "int64" not in k.source.split("def ")[-1].split(")")[0]:
        assert before.diagnostics, f"no finding for patterns {k.patterns}:\n{k.source}"
    out = fix_text(k.source, "gen.py", SETTINGS)
    assert out.failure is None, out.failure
    ast.parse(out.text)
    assert _comments(out.text) == _comments(k.source), "comments survive"
    if k.crlf:
        assert "\n" not in out.text.replace("\r\n", ""), "CRLF line endings survive"
    left = [d for d in out.result.diagnostics if d.fix and d.fix.applicability.value == "safe"]
    assert not left, [d.message for d in left]
    again = fix_text(out.text, "gen.py", SETTINGS)
    assert again.text == out.text, "a second --fix changes nothing"


oracle = pytest.importorskip("oracle")


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])
@given(k=kernels())
def test_fixed_kernels_compile_without_flagged_int32_products(k, tmp_path_factory):
    before = check_source(k.source, "gen.py", SETTINGS)
    flagged = {d.start.line for d in before.diagnostics if d.code in ("TL001", "TL002", "TL005")}
    out = fix_text(k.source, "gen.py", SETTINGS)
    original = tmp_path_factory.mktemp("gen") / "gen_original.py"
    original.write_bytes(k.source.encode())
    oracle.compile_ttir(original, k.kernel)  # the generator writes valid Triton
    path = tmp_path_factory.mktemp("gen") / "gen_kernel.py"
    path.write_bytes(out.text.encode())
    result = oracle.analyse_ttir(oracle.compile_ttir(path, k.kernel), path, k.kernel)
    still = flagged & result.product_lines()
    assert not still, f"int32 products remain on fixed lines {sorted(still)}:\n{out.text}"
