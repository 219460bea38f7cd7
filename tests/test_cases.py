"""fixtures/cases: inline expectations, and `--fix` turning each case into its twin."""
from __future__ import annotations

import pytest

from cases import case_files, expectations
from tritonlint.engine import check_source
from tritonlint.fixer import fix_text
from tritonlint.settings import Settings

SETTINGS = Settings(select=("ALL",), strict=True)  # every int32 product, whatever its size
DEFAULT = Settings(strict=True)  # what `tritonlint check --strict --fix fixtures/cases` runs


def test_there_are_cases():
    assert len(case_files()) >= 10


@pytest.mark.parametrize("path", case_files(), ids=lambda p: p.name)
def test_expectations(path):
    text = path.read_text()
    result = check_source(text, str(path), SETTINGS)
    assert result.error is None
    got: dict[int, set[str]] = {}
    for d in result.diagnostics:
        got.setdefault(d.start.line, set()).add(d.code)
    want = expectations(text)
    lines = text.splitlines()
    problems = []
    for line in sorted(set(got) | set(want)):
        if got.get(line, set()) != want.get(line, set()):
            problems.append(f"line {line}: expected {sorted(want.get(line, []))}, got {sorted(got.get(line, []))}: "
                            f"{lines[line - 1].strip()}")
    assert not problems, "\n".join(problems)


@pytest.mark.parametrize("path", case_files(), ids=lambda p: p.name)
def test_fix_gives_the_fixed_twin(path):
    text = path.read_text()
    twin = path.with_name(path.stem + ".fixed.py")
    out = fix_text(text, str(path), DEFAULT)
    assert out.failure is None
    assert out.text == twin.read_text(), f"--fix output differs from {twin.name}"
    safe_left = [d for d in out.result.diagnostics if d.fix and d.fix.applicability.value == "safe"]
    assert not safe_left, [d.message for d in safe_left]
    again = fix_text(out.text, str(twin), DEFAULT)
    assert again.text == out.text, "a second --fix changes nothing"


def test_messages_name_values_and_size():
    text = (case_files()[0].parent / "loops.py").read_text()
    result = check_source(text, "loops.py", SETTINGS)
    tl002 = [d for d in result.diagnostics if d.code == "TL002" and "i_t" in d.message][0]
    assert "`i_t * stride_h` is computed in int32" in tl002.message
    assert "loop index over range(NT)" in tl002.message
    assert "reaches 2**31" in tl002.message
    # the size verdict names the smallest realistic workload, not a made-up stride
    assert "wraps at realistic sizes" in tl002.message and "262,144" in tl002.message
    assert tl002.uses and "h_ptr + i_t * stride_h" in tl002.uses[0]
