"""Honest integrations: no address that does not exist, SARIF paths GitHub can
resolve from anywhere in the repository, and the size tiers in what GitHub reads."""
from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from tritonlint import urls
from tritonlint.cli import main

ROOT = Path(__file__).resolve().parents[1]
BUGGY = """import triton
import triton.language as tl


@triton.jit
def k(x_ptr, stride, BLOCK: tl.constexpr):
    pid = tl.program_id(0)
    tl.store(x_ptr + pid * stride + tl.arange(0, BLOCK), 0.0)
"""
# one product a realistic workload wraps (a token index times a row stride), one none does
TWO_TIERS = """import triton
import triton.language as tl


@triton.jit
def k(x_ptr, stride_row, stride_head, BLOCK: tl.constexpr):
    i_tok = tl.program_id(0)
    i_h = tl.program_id(1)
    tl.store(x_ptr + i_tok * stride_row + i_h * stride_head + tl.arange(0, BLOCK), 0.0)
"""


def output(capsys, *argv: str) -> str:
    main(["check", *argv])
    return capsys.readouterr().out


@pytest.fixture
def kernel(tmp_path, monkeypatch):
    (tmp_path / "k.py").write_text(BUGGY)
    monkeypatch.chdir(tmp_path)
    return tmp_path / "k.py"


def test_no_address_is_printed_while_none_is_configured(kernel, capsys):
    assert urls.project_urls() == {}, "pyproject.toml names no [project.urls] yet"
    for fmt in ("json", "sarif", "markdown", "text", "github"):
        out = output(capsys, "--format", fmt, "k.py")
        addresses = set(re.findall(r"https?://[^\s\")]+", out)) - {"https://json.schemastore.org/sarif-2.1.0.json"}
        assert addresses == set(), (fmt, addresses)
    (finding,) = json.loads(output(capsys, "--format", "json", "k.py"))
    assert finding["url"] is None
    driver = json.loads(output(capsys, "--format", "sarif", "k.py"))["runs"][0]["tool"]["driver"]
    assert "informationUri" not in driver and all("helpUri" not in r for r in driver["rules"])
    tl002 = next(r for r in driver["rules"] if r["id"] == "TL002")
    assert tl002["help"]["markdown"].startswith("## What it does") and "## Fix safety" in tl002["help"]["text"]
    assert "`tritonlint rule TL002`" in output(capsys, "--format", "markdown", "k.py")


def test_every_address_is_built_from_the_package_metadata(kernel, capsys, monkeypatch):
    monkeypatch.setattr(urls, "project_urls", lambda: {"repository": "https://example.org/tl",
                                                       "documentation": "https://example.org/tl/docs"})
    (finding,) = json.loads(output(capsys, "--format", "json", "k.py"))
    assert finding["url"] == "https://example.org/tl/docs/rules/TL002.md"
    driver = json.loads(output(capsys, "--format", "sarif", "k.py"))["runs"][0]["tool"]["driver"]
    assert driver["informationUri"] == "https://example.org/tl"
    assert {r["id"]: r["helpUri"] for r in driver["rules"]}["TL004"] == "https://example.org/tl/docs/rules/TL004.md"
    assert "[`TL002`](https://example.org/tl/docs/rules/TL002.md)" in output(capsys, "--format", "markdown", "k.py")


def test_project_urls_read_the_metadata(monkeypatch):
    class Meta:
        def get_all(self, key):
            assert key == "Project-URL"
            return ["Repository, https://example.org/tl/", "Documentation, https://example.org/tl/docs",
                    "Changelog, not-a-url"]

    monkeypatch.setattr(urls.metadata, "metadata", lambda name: Meta())
    urls.project_urls.cache_clear()
    try:
        assert urls.project_urls() == {"repository": "https://example.org/tl",
                                       "documentation": "https://example.org/tl/docs"}
        assert urls.home() == "https://example.org/tl"
        assert urls.rule_page("TL002") == "https://example.org/tl/docs/rules/TL002.md"
    finally:
        urls.project_urls.cache_clear()


def test_repository_names_no_invented_address():
    invented = re.compile(r"github\.com/tritonlint/tritonlint|\brev: v0\.1\.0")
    for path in [ROOT / "README.md", ROOT / ".pre-commit-hooks.yaml", *sorted((ROOT / "docs").rglob("*.md")),
                 *sorted((ROOT / "tritonlint").rglob("*.py")), *sorted((ROOT / "rules").glob("*.py"))]:
        for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            assert not invented.search(line), f"{path.relative_to(ROOT)}:{n}: {line.strip()}"


# --- SARIF ---------------------------------------------------------------------------------------


def _locations(log: dict) -> list[dict]:
    return [r["locations"][0]["physicalLocation"]["artifactLocation"] for r in log["runs"][0]["results"]]


@pytest.mark.parametrize("marker", ["dir", "file"])
def test_sarif_uris_are_relative_to_the_repository_root(tmp_path, monkeypatch, capsys, marker):
    repo = tmp_path / "repo"
    (repo / "src" / "ops").mkdir(parents=True)
    if marker == "dir":
        (repo / ".git").mkdir()
    else:  # a worktree or a submodule: .git is a file
        (repo / ".git").write_text("gitdir: /elsewhere/.git/worktrees/repo\n")
    (repo / "src" / "ops" / "k.py").write_text(BUGGY)
    for cwd, arg in ((repo, "src/ops/k.py"), (repo / "src", "ops/k.py"), (repo / "src" / "ops", ".")):
        monkeypatch.chdir(cwd)
        log = json.loads(output(capsys, "--format", "sarif", arg))
        assert _locations(log) == [{"uri": "src/ops/k.py", "uriBaseId": "%SRCROOT%"}], cwd
        assert log["runs"][0]["originalUriBaseIds"]["%SRCROOT%"]["uri"] == repo.resolve().as_uri() + "/"


def test_sarif_outside_a_repository_is_relative_to_the_current_directory(tmp_path, monkeypatch, capsys):
    if any((d / ".git").exists() for d in (tmp_path, *tmp_path.parents)):
        pytest.skip("the temporary directory is inside a repository")
    (tmp_path / "sub").mkdir()
    (tmp_path / "sub" / "k.py").write_text(BUGGY)
    monkeypatch.chdir(tmp_path / "sub")
    log = json.loads(output(capsys, "--format", "sarif", "k.py"))
    assert _locations(log) == [{"uri": "k.py", "uriBaseId": "%SRCROOT%"}]


def test_sarif_rules_carry_the_precision_of_their_tier(tmp_path, monkeypatch, capsys):
    (tmp_path / "k.py").write_text(TWO_TIERS)
    monkeypatch.chdir(tmp_path)

    def props(*flags: str) -> tuple[dict, list]:
        run = json.loads(output(capsys, "--format", "sarif", *flags, "k.py"))["runs"][0]
        rules = {r["id"]: r["properties"] for r in run["tool"]["driver"]["rules"]}
        return rules, [(r["properties"]["tier"], r["level"]) for r in run["results"]]

    rules, results = props()
    assert results == [("realistic", "error")]
    assert all((p["precision"], p["problem.severity"]) == ("high", "error") for p in rules.values())
    rules, results = props("--strict")
    assert sorted(results) == [("realistic", "error"), ("unrealistic", "note")]
    assert (rules["TL002"]["precision"], rules["TL002"]["problem.severity"]) == ("low", "recommendation")
    assert (rules["TL004"]["precision"], rules["TL004"]["problem.severity"]) == ("high", "error")
