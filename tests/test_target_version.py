"""`target-version`: one Triton release or several; rules judge on the strictest.

TL005 is the rule whose consequences change with the release: from Triton 3.7 the
launcher truncates an int of 2**31 or more for an int32 parameter silently (PR #6788),
where 3.0-3.6 raised OverflowError (triton-int-semantics.md, section 0).
"""
from __future__ import annotations

import json
import subprocess
import sys

import pytest

from tritonlint.diagnostics import Severity
from tritonlint.engine import check_source
from tritonlint.settings import DEFAULT_TARGET, ConfigError, Settings, check_targets, from_table

PRODUCT = """import triton
import triton.language as tl


@triton.jit
def rows(x_ptr, stride_row: int, BLOCK: tl.constexpr):
    tl.store(x_ptr + tl.program_id(0) * stride_row + tl.arange(0, BLOCK), 0.0)
"""

SIZE = """import triton
import triton.language as tl


@triton.jit
def fill(x_ptr, n_elements: tl.int32, seed: tl.int32, BLOCK: tl.constexpr):
    offs = tl.program_id(0).to(tl.int64) * BLOCK + tl.arange(0, BLOCK)
    tl.store(x_ptr + offs, seed + 0.0, mask=offs < n_elements)
"""


def lint(src: str, *versions: str):
    settings = Settings(target_version=check_targets(list(versions), "test")) if versions else Settings()
    result = check_source(src, "k.py", settings, frozenset({"TL005"}))
    assert result.error is None
    return result.diagnostics


def test_the_default_is_the_newest_verified_release():
    assert DEFAULT_TARGET == "3.9"
    assert Settings().targets == ((3, 9),)


def test_several_targets_sorted_oldest_first_and_deduplicated():
    assert check_targets("3.9, 3.6,3.9", "x") == ("3.6", "3.9")
    s = from_table({"target-version": ["3.9", "v3.6.1"]}, Settings(), "pyproject.toml", Settings().root)
    assert s.target_version == ("3.6", "3.9")
    assert s.target == (3, 6), "the analysis types with the oldest target"
    assert s.targets == ((3, 6), (3, 9))


@pytest.mark.parametrize("bad", [[], "", "9.9", ["3.6", 3.9], 3.9])
def test_bad_targets_name_the_setting(bad):
    with pytest.raises(ConfigError, match="target-version"):
        from_table({"target-version": bad}, Settings(), "pyproject.toml", Settings().root)


def test_product_message_follows_the_launcher_of_the_target():
    (old,) = lint(PRODUCT, "3.6")
    (new,) = lint(PRODUCT, "3.9")
    (both,) = lint(PRODUCT, "3.6", "3.9")
    assert "fails at launch with OverflowError" in old.message and "silently" not in old.message
    assert "silently truncated" in new.message and "3.7" in new.message
    assert both.message == new.message, "several targets: the strictest (silent truncation) wins"
    (value_based,) = lint(PRODUCT, "3.3")  # `x: int` is typed by value before 3.4: no launch note
    assert "launch" not in value_based.message


def test_annotated_size_on_its_own_by_target():
    found = lint(SIZE, "3.9")
    assert [d.expression for d in found] == ["n_elements: tl.int32"], "a seed is not a size"
    assert found[0].severity == Severity.ERROR and "silently truncated" in found[0].message
    assert (found[0].start.line, found[0].start.column) == (6, 28), "anchored on the annotation"
    assert found[0].fix is None, "widening a size changes every expression it is in: suggested, not applied"
    (loud,) = lint(SIZE, "3.6")
    assert loud.severity == Severity.WARNING and "OverflowError" in loud.message
    assert lint(SIZE, "2.3") == [], "tl.int32 annotations are ignored before 3.0 (typed by value)"
    assert [d.severity for d in lint(SIZE, "3.6", "3.8")] == [Severity.ERROR]


def test_int_annotated_size_only_from_3_4():
    src = SIZE.replace("n_elements: tl.int32", "n_elements: int")
    assert lint(src, "3.3") == []
    assert [d.expression for d in lint(src, "3.9")] == ["n_elements: int"]
    assert lint(src.replace("mask=offs < n_elements", "mask=offs < 0"), "3.9") == [], "an unused size is no hazard"


def test_cli_flag_and_severity_in_json(tmp_path):
    path = tmp_path / "k.py"
    path.write_text(SIZE)

    def run(*args):
        return subprocess.run([sys.executable, "-m", "tritonlint", "check", "--select", "TL005", "--format", "json",
                               *args, str(path)], capture_output=True, text=True)

    proc = run("--target-version", "3.5,3.9")
    assert proc.returncode == 1, proc.stderr
    assert "silently truncated" in json.loads(proc.stdout)[0]["message"]
    bad = run("--target-version", "3.5,4.2")
    assert bad.returncode == 2 and "--target-version" in bad.stderr and "4.2" in bad.stderr


def test_readme_states_the_default_target():
    from pathlib import Path

    readme = (Path(__file__).resolve().parent.parent / "README.md").read_text()
    assert f"**Default target: Triton {DEFAULT_TARGET}**" in readme
    assert f"(default {DEFAULT_TARGET})" in readme, "the command-line summary"
