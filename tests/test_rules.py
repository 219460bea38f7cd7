"""The rule catalogue: metadata, docs, and every embedded example as a test."""
from __future__ import annotations

import libcst as cst
import pytest

from tritonlint.engine import check_source
from tritonlint.fixer import fix_text
from tritonlint.rules import ALL_RULES
from tritonlint.rules.base import DOC_SECTIONS
from tritonlint.settings import Settings

SETTINGS = Settings()


def test_codes_and_names_are_unique():
    codes = [r.code for r in ALL_RULES]
    names = [r.name for r in ALL_RULES]
    assert len(set(codes)) == len(codes)
    assert len(set(names)) == len(names)
    for r in ALL_RULES:
        assert r.code.startswith("TL") and len(r.code) == 5
        assert r.name == r.name.lower() and " " not in r.name


@pytest.mark.parametrize("rule", ALL_RULES, ids=lambda r: r.code)
def test_docs_have_every_section(rule):
    for section in DOC_SECTIONS:
        assert f"## {section}" in rule.docs, f"{rule.code} docs lack '{section}'"
    assert rule.summary and rule.VALID and rule.INVALID


def _examples(kind) -> list:
    return list(_iter_examples(kind))


def _iter_examples(kind):
    for rule in ALL_RULES:
        for i, ex in enumerate(getattr(rule, kind)):
            yield pytest.param(rule, ex, id=f"{rule.code}-{kind.lower()}-{i}")


@pytest.mark.parametrize("rule,code", _examples("VALID"))
def test_valid_examples_are_clean(rule, code):
    cst.parse_module(code)
    result = check_source(code, "valid.py", SETTINGS, frozenset({rule.code}))
    assert result.error is None
    assert [d.message for d in result.diagnostics] == []


@pytest.mark.parametrize("rule,example", _examples("INVALID"))
def test_invalid_examples_fire_and_fix(rule, example):
    result = check_source(example.code, "invalid.py", SETTINGS, frozenset({rule.code}))
    found = [d for d in result.diagnostics if d.code == rule.code]
    assert len(found) == example.count, [d.message for d in result.diagnostics]
    for d in found:
        if rule.code != "TL100":  # unused-noqa judges comments, not sizes
            assert "2**31" in d.message or "2**32" in d.message, "messages say at what size it wraps"
        assert d.fix is None or d.fix.applicability == rule.fix_applicability
    if example.fixed is not None:
        unsafe = rule.fix_applicability.value == "unsafe"
        out = fix_text(example.code, "invalid.py", SETTINGS, unsafe=unsafe, codes=frozenset({rule.code}))
        assert out.failure is None
        assert out.text == example.fixed
        again = fix_text(out.text, "invalid.py", SETTINGS, unsafe=unsafe, codes=frozenset({rule.code}))
        assert again.text == out.text, "a second --fix changes nothing"
        assert not [d for d in again.result.diagnostics if d.code == rule.code]
