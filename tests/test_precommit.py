"""The published pre-commit hooks, run by the real ``pre-commit`` tool.

``pre-commit try-repo`` clones a hook repository and pip-installs it into a fresh
environment (libcst, rich and pathspec come from the package index), then runs
the hook on the files given. The hook repository here is a committed copy of
this checkout's packaging files (pyproject, the package, the rules, the hooks
file), so the test sees the working tree as it is, committed or not.
"""
from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PACKAGING = ("pyproject.toml", "README.md", "LICENSE", "setup.py", "setup.cfg", "MANIFEST.in", ".pre-commit-hooks.yaml")
PACKAGES = ("tritonlint", "rules")

BUGGY = """import triton
import triton.language as tl


@triton.jit
def k(x_ptr, stride, BLOCK: tl.constexpr):
    pid = tl.program_id(0)
    tl.store(x_ptr + pid * stride + tl.arange(0, BLOCK), 0.0)
"""

# the first try-repo pip-installs the hook environment (about a minute); marked, never skipped
slow = pytest.mark.slow


def _have_pre_commit() -> bool:
    return subprocess.run([sys.executable, "-m", "pre_commit", "--version"], capture_output=True).returncode == 0


if shutil.which("git") is None:
    pytest.skip("git is not installed", allow_module_level=True)
if not _have_pre_commit():
    pytest.skip("pre-commit is not installed (pip install -e '.[test]')", allow_module_level=True)


def git(cwd: Path, *args: str) -> None:
    subprocess.run(["git", "-c", "user.name=tritonlint-test", "-c", "user.email=test@example.invalid",
                    "-c", "commit.gpgsign=false", "-c", "init.defaultBranch=main", *args],
                   cwd=cwd, check=True, capture_output=True)


@pytest.fixture(scope="module")
def hook_env(tmp_path_factory):
    """(hook repository, environment with a private PRE_COMMIT_HOME)."""
    base = tmp_path_factory.mktemp("precommit")
    repo = base / "hook-repo"
    repo.mkdir()
    for name in PACKAGING:
        if (ROOT / name).is_file():
            shutil.copy2(ROOT / name, repo / name)
    for name in PACKAGES:
        shutil.copytree(ROOT / name, repo / name, ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
    git(repo, "init", "-q")
    git(repo, "add", ".")
    git(repo, "commit", "-q", "-m", "hook repository")
    env = dict(os.environ, PRE_COMMIT_HOME=str(base / "cache"), PRE_COMMIT_COLOR="never")
    env.pop("PRE_COMMIT_ALLOW_NO_CONFIG", None)
    return repo, env


@pytest.fixture
def project(tmp_path):
    (tmp_path / "kernel.py").write_text(BUGGY)
    (tmp_path / "notes.txt").write_text("pid * stride\n")
    git(tmp_path, "init", "-q")
    git(tmp_path, "add", "kernel.py", "notes.txt")
    return tmp_path


def try_repo(hook_env, project: Path, hook: str, *files: str) -> subprocess.CompletedProcess:
    repo, env = hook_env
    return subprocess.run([sys.executable, "-m", "pre_commit", "try-repo", str(repo), hook, "--files", *files],
                          cwd=project, env=env, capture_output=True, text=True, timeout=900)


def test_hooks_file_declares_both_hooks():
    yaml = pytest.importorskip("yaml")  # pre-commit depends on PyYAML
    hooks = {h["id"]: h for h in yaml.safe_load((ROOT / ".pre-commit-hooks.yaml").read_text())}
    assert set(hooks) == {"tritonlint", "tritonlint-fix"}
    assert hooks["tritonlint"]["entry"] == "tritonlint check --force-exclude"
    assert hooks["tritonlint-fix"]["entry"] == "tritonlint check --fix --force-exclude"
    for h in hooks.values():
        # serial, as ruff's hooks: one process, one summary, every launch site of the run
        assert h["language"] == "python" and h["types_or"] == ["python", "pyi"] and h["require_serial"] is True
        assert "types" not in h


@slow
def test_check_hook_fails_on_buggy_kernel(hook_env, project):
    r = try_repo(hook_env, project, "tritonlint", "kernel.py", "notes.txt")
    out = r.stdout + r.stderr
    assert r.returncode == 1, out
    assert "kernel.py:8:22: TL002" in out, out
    assert (project / "kernel.py").read_text() == BUGGY, "the check hook must not modify files"


@slow
def test_fix_hook_rewrites_then_passes(hook_env, project):
    r = try_repo(hook_env, project, "tritonlint-fix", "kernel.py")
    out = r.stdout + r.stderr
    assert r.returncode == 1, out
    assert "files were modified by this hook" in out, out
    fixed = (project / "kernel.py").read_text()
    assert fixed != BUGGY and ".to(tl.int64)" in fixed
    again = try_repo(hook_env, project, "tritonlint-fix", "kernel.py")
    assert again.returncode == 0, again.stdout + again.stderr
    assert (project / "kernel.py").read_text() == fixed
    check = try_repo(hook_env, project, "tritonlint", "kernel.py")
    assert check.returncode == 0, check.stdout + check.stderr


@slow
def test_force_exclude_applies_to_explicit_files(hook_env, project):
    (project / "pyproject.toml").write_text('[tool.tritonlint]\nextend-exclude = ["vendored"]\n')
    (project / "vendored").mkdir()
    (project / "vendored" / "kernel.py").write_text(BUGGY)
    git(project, "add", ".")
    r = try_repo(hook_env, project, "tritonlint", "vendored/kernel.py")
    assert r.returncode == 0, r.stdout + r.stderr


def test_readme_integration_snippets():
    """The README's snippets name hooks that exist and flags that parse."""
    import re
    import shlex

    yaml = pytest.importorskip("yaml")
    from tritonlint import commands
    from tritonlint.cli import build_parser

    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    section = readme[readme.index("\n## Integrations"):]
    blocks = re.findall(r"```yaml\n(.*?)```", section, re.S)
    assert len(blocks) >= 4
    hook_ids = {h["id"] for h in yaml.safe_load((ROOT / ".pre-commit-hooks.yaml").read_text())}
    docs = [yaml.safe_load(b) for b in blocks]
    config = next(d for d in docs if "repos" in d)
    assert {h["id"] for repo in config["repos"] for h in repo["hooks"]} <= hook_ids
    parser = build_parser()
    commands.register(parser)
    calls = [line.strip() for b in blocks for line in b.splitlines()
             if re.match(r"\s*(- run: )?tritonlint ", line)]
    assert any("--format sarif" in c for c in calls) and any("--format github" in c for c in calls)
    assert any(c.startswith("tritonlint review --base origin/") for c in calls)
    for call in calls:
        argv = shlex.split(re.sub(r"\$\{\{.*?\}\}", "main", call.removeprefix("- run: ")))[1:]
        args = parser.parse_args(argv)  # SystemExit on a flag that does not exist
        assert args.command in ("check", "review")
    assert "github/codeql-action/upload-sarif" in section


@slow
def test_check_hook_honours_the_baseline_with_one_summary(hook_env, project):
    """A commit that edits a file with recorded findings fails only on what it adds.
    And one summary for many files: without require_serial pre-commit splits them
    over several processes, each printing its own "Found ..." line."""
    from tritonlint.cli import main

    (project / "pyproject.toml").write_text('[tool.tritonlint]\nbaseline = "tritonlint-baseline.json"\n')
    cwd = os.getcwd()
    os.chdir(project)
    try:
        assert main(["check", "--write-baseline", "tritonlint-baseline.json", "."]) == 0
    finally:
        os.chdir(cwd)
    # the recorded product moves to line 9; the added one, line 10, is new
    (project / "kernel.py").write_text(BUGGY.replace("import triton\n", "import triton  # edited\n\n", 1)
                                       + "    tl.store(x_ptr + pid * BLOCK * stride, 1.0)\n")
    names = [f"kernel_{i}.py" for i in range(24)]
    for name in names:
        (project / name).write_text(BUGGY)
    git(project, "add", ".")
    r = try_repo(hook_env, project, "tritonlint", "kernel.py", *names)
    out = r.stdout + r.stderr
    assert r.returncode == 1, out
    assert "kernel.py:10:" in out and "kernel.py:9:" not in out, out
    summaries = [line for line in out.splitlines() if line.startswith("Found ")]
    assert len(summaries) == 1 and summaries[0].startswith("Found 25 findings"), out
