"""``tritonlint review --base REF``, end to end in temporary git repositories."""
from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

if shutil.which("git") is None:
    pytest.skip("git is not installed", allow_module_level=True)

KERNEL = """import triton
import triton.language as tl


@triton.jit
def k(x_ptr, stride: tl.int64, BLOCK: tl.constexpr):
    pid = tl.program_id(0)
    tl.store(x_ptr + pid * stride + tl.arange(0, BLOCK), 0.0)
"""
BUGGY = KERNEL.replace("stride: tl.int64", "stride")  # line 8: `pid * stride` in int32
OTHER = """

@triton.jit
def other(y_ptr, n, BLOCK: tl.constexpr):
    offs = tl.arange(0, BLOCK)
    tl.store(y_ptr + offs, 1.0, mask=offs < n)
"""


def git(cwd: Path, *args: str) -> str:
    proc = subprocess.run(["git", "-c", "user.name=tritonlint-test", "-c", "user.email=test@example.invalid",
                           "-c", "commit.gpgsign=false", "-c", "init.defaultBranch=main", *args],
                          cwd=cwd, capture_output=True, text=True)
    assert proc.returncode == 0, f"git {' '.join(args)}: {proc.stderr}"
    return proc.stdout.strip()


def review(cwd: Path, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "tritonlint", "review", *args], cwd=cwd,
                          capture_output=True, text=True)


def review_json(cwd: Path, *args: str) -> tuple[int, list[dict]]:
    r = review(cwd, "--format", "json", *args)
    assert r.returncode in (0, 1), r.stderr
    return r.returncode, json.loads(r.stdout)


@pytest.fixture
def repo(tmp_path):
    root = tmp_path / "repo"
    root.mkdir()
    git(root, "init", "-q")
    return root


def start(repo: Path, files: dict[str, str]) -> None:
    """Commit ``files`` on `main`, then check out a new branch `feature`."""
    for name, text in files.items():
        path = repo / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    git(repo, "add", "-A")
    git(repo, "commit", "-q", "-m", "base")
    git(repo, "checkout", "-q", "-b", "feature")


def test_new_finding_on_changed_line(repo):
    start(repo, {"k.py": KERNEL.replace("pid * stride", "pid.to(tl.int64) * stride").replace("stride: tl.int64", "stride")})
    (repo / "k.py").write_text(BUGGY)  # uncommitted: the working tree is what is reviewed
    r = review(repo, "--base", "main")
    assert r.returncode == 1, r.stderr
    assert r.stdout.startswith("## tritonlint review: 1 new finding\n")
    assert "`k.py:8:22`" in r.stdout
    assert "**When it breaks**" in r.stdout and "2\\*\\*31" in r.stdout
    assert "```diff" in r.stdout and "+    pid = tl.program_id(0).to(tl.int64)" in r.stdout
    code, data = review_json(repo, "--base", "main")
    assert code == 1 and [(d["code"], d["location"]["row"]) for d in data] == [("TL002", 8)]


def test_new_finding_caused_by_another_line(repo):
    """Dropping the `tl.int64` annotation makes the untouched product line int32."""
    start(repo, {"k.py": KERNEL})
    assert review(repo, "--base", "main").returncode == 0
    (repo / "k.py").write_text(BUGGY)
    git(repo, "commit", "-q", "-am", "drop the annotation")
    code, data = review_json(repo, "--base", "main")
    assert code == 1
    assert [(d["code"], d["location"]["row"], d["expression"]) for d in data] == [("TL002", 8, "pid * stride")]


def test_moved_old_finding_is_not_new(repo):
    start(repo, {"k.py": BUGGY})
    lines = BUGGY.splitlines(keepends=True)
    moved = "".join(lines[:3]) + "# a comment\n# and another\n" + OTHER + "".join(lines[3:])
    (repo / "k.py").write_text(moved)
    r = review(repo, "--base", "main")
    assert r.returncode == 0, r.stdout + r.stderr
    assert "no new findings" in r.stdout
    assert "1 finding that already existed at the base is not shown" in r.stdout
    # while `check` still reports it, on its new line
    check = subprocess.run([sys.executable, "-m", "tritonlint", "check", "k.py"], cwd=repo, capture_output=True, text=True)
    assert check.returncode == 1 and "k.py:16:22: TL002" in check.stdout


def test_renamed_file_keeps_its_old_findings(repo):
    start(repo, {"kernels/k.py": BUGGY})
    git(repo, "mv", "kernels/k.py", "kernels/renamed.py")
    (repo / "kernels" / "renamed.py").write_text(BUGGY + OTHER)  # renamed and edited
    git(repo, "add", "-A")
    r = review(repo, "--base", "main")
    assert r.returncode == 0, r.stdout + r.stderr
    assert "no new findings" in r.stdout
    git(repo, "commit", "-q", "-m", "rename")
    assert review(repo, "--base", "main").returncode == 0


def test_multiplicity(repo):
    """One `pid * stride` at the base, two in the head: one is new, the added one."""
    start(repo, {"k.py": BUGGY})
    two = BUGGY + "    tl.store(x_ptr + pid * stride + tl.arange(0, BLOCK) + BLOCK, 1.0)\n"
    (repo / "k.py").write_text(two)
    code, data = review_json(repo, "--base", "main")
    assert code == 1
    assert [d["location"]["row"] for d in data] == [9]


def test_untracked_file_findings_are_new(repo):
    start(repo, {"k.py": KERNEL})
    (repo / "new_kernel.py").write_text(BUGGY)
    code, data = review_json(repo, "--base", "main")
    assert code == 1 and [Path(d["filename"]).name for d in data] == ["new_kernel.py"]


def test_uses_the_merge_base_not_the_tip(repo):
    """A bug fixed on main after the branch point is not new on the branch."""
    start(repo, {"k.py": BUGGY, "other.py": KERNEL})
    (repo / "other.py").write_text(KERNEL + OTHER)
    git(repo, "commit", "-q", "-am", "feature work")
    git(repo, "checkout", "-q", "main")
    (repo / "k.py").write_text(KERNEL)
    git(repo, "commit", "-q", "-am", "fix on main")
    git(repo, "checkout", "-q", "feature")
    r = review(repo, "--base", "main")
    assert r.returncode == 0, r.stdout + r.stderr


def test_paths_limit_the_review(repo):
    start(repo, {"a/k.py": KERNEL, "b/k.py": KERNEL})
    (repo / "a" / "k.py").write_text(BUGGY)
    (repo / "b" / "k.py").write_text(BUGGY)
    code, data = review_json(repo, "--base", "main", "b")
    assert code == 1 and [Path(d["filename"]).parent.name for d in data] == ["b"]
    # from a subdirectory, paths are relative to it
    code, data = review_json(repo / "a", "--base", "main", ".")
    assert code == 1 and [Path(d["filename"]).parent.name for d in data] == ["a"]


def test_review_leaves_the_tree_alone(repo):
    start(repo, {"k.py": KERNEL})
    (repo / "k.py").write_text(BUGGY)
    (repo / "untracked.py").write_text(BUGGY)
    git(repo, "add", "k.py")
    before = (git(repo, "status", "--porcelain"), git(repo, "rev-parse", "HEAD"), git(repo, "stash", "list"))
    assert review(repo, "--base", "main").returncode == 1
    assert (git(repo, "status", "--porcelain"), git(repo, "rev-parse", "HEAD"), git(repo, "stash", "list")) == before
    assert (repo / "k.py").read_text() == BUGGY


def test_other_formats_and_output_file(repo):
    start(repo, {"k.py": KERNEL})
    (repo / "k.py").write_text(BUGGY)
    r = review(repo, "--base", "main", "--format", "github")
    assert r.returncode == 1 and r.stdout.startswith("::error file=k.py,line=8,col=22,")
    r = review(repo, "--base", "main", "--format", "text", "--color", "never")
    assert r.returncode == 1 and "k.py:8:22: TL002" in r.stdout
    r = review(repo, "--base", "main", "-o", "comment.md")
    assert r.returncode == 1 and r.stdout == ""
    assert (repo / "comment.md").read_text().startswith("## tritonlint review: 1 new finding")
    assert review(repo, "--base", "main", "--exit-zero").returncode == 0


def test_missing_base_in_shallow_clone(repo, tmp_path):
    start(repo, {"k.py": KERNEL})
    (repo / "k.py").write_text(BUGGY)
    git(repo, "commit", "-q", "-am", "one")
    (repo / "k.py").write_text(BUGGY + OTHER)
    git(repo, "commit", "-q", "-am", "two")
    base_sha = git(repo, "rev-parse", "main")
    clone = tmp_path / "shallow"
    git(tmp_path, "clone", "-q", "--depth", "1", "--branch", "feature", repo.as_uri(), str(clone))
    r = review(clone, "--base", base_sha)
    assert r.returncode == 2
    assert "base commit not available" in r.stderr and "git fetch --deepen" in r.stderr, r.stderr
    r = review(clone, "--base", "origin/main")
    assert r.returncode == 2 and "git fetch origin main" in r.stderr, r.stderr
    # the branch tip of main fetched alone: its history does not reach the merge base yet
    git(clone, "fetch", "-q", "--depth", "1", "origin", "main:refs/remotes/origin/main")
    r = review(clone, "--base", "origin/main")
    assert r.returncode == 2 and "merge base" in r.stderr and "--deepen" in r.stderr, r.stderr
    # once the history is there, the shallow clone works
    git(clone, "fetch", "-q", "--deepen", "5", "origin")
    r = review(clone, "--base", "origin/main")
    assert r.returncode == 1, r.stderr
    assert "1 new finding" in r.stdout


def test_shallow_clone_with_base_present(repo, tmp_path):
    start(repo, {"k.py": KERNEL})
    (repo / "k.py").write_text(BUGGY)
    git(repo, "commit", "-q", "-am", "drop the annotation")
    clone = tmp_path / "shallow"
    git(tmp_path, "clone", "-q", "--depth", "2", "--branch", "feature", repo.as_uri(), str(clone))
    r = review(clone, "--base", "HEAD~1")
    assert r.returncode == 1, r.stderr
    assert "1 new finding" in r.stdout


def test_errors_exit_2(repo, tmp_path):
    start(repo, {"k.py": KERNEL})
    r = review(repo, "--base", "no-such-branch")
    assert r.returncode == 2 and "base commit not available" in r.stderr
    outside = tmp_path / "not-a-repo"
    outside.mkdir()
    r = review(outside, "--base", "main")
    assert r.returncode == 2 and "not inside a git repository" in r.stderr
    (repo / "broken.py").write_text("import triton\n@triton.jit\ndef k(:\n    pass\n")
    r = review(repo, "--base", "main")
    assert r.returncode == 2 and "broken.py:3" in r.stderr


def test_excluded_and_suppressed_findings_are_not_reported(repo):
    start(repo, {"k.py": KERNEL, "pyproject.toml": '[tool.tritonlint]\nextend-exclude = ["vendored"]\n'})
    (repo / "vendored").mkdir()
    (repo / "vendored" / "k.py").write_text(BUGGY)
    (repo / "k.py").write_text(BUGGY.replace("0.0)\n", "0.0)  # noqa: TL002 sizes are small\n"))
    r = review(repo, "--base", "main")
    assert r.returncode == 0, r.stdout + r.stderr
    (repo / "k.py").write_text(BUGGY)
    code, data = review_json(repo, "--base", "main")
    assert code == 1 and [Path(d["filename"]).name for d in data] == ["k.py"]


def test_base_head_reviews_uncommitted_changes(repo):
    start(repo, {"k.py": KERNEL})
    assert review(repo, "--base", "HEAD").returncode == 0
    (repo / "k.py").write_text(BUGGY)
    code, data = review_json(repo, "--base", "HEAD")
    assert code == 1 and len(data) == 1


def test_file_moved_without_git_add(repo):
    """`mv old.py new.py` leaves a deleted file and an untracked one: still a rename."""
    start(repo, {"old.py": BUGGY, "keep.py": KERNEL})
    (repo / "old.py").rename(repo / "new.py")
    r = review(repo, "--base", "main")
    assert r.returncode == 0, r.stdout + r.stderr
    # a similar new file sorted before it does not steal the pairing: the closest pair wins
    (repo / "a_copy.py").write_text(BUGGY.replace("def k(", "def fresh(").replace("0.0)", "1.0)"))
    code, data = review_json(repo, "--base", "main")
    assert code == 1 and [Path(d["filename"]).name for d in data] == ["a_copy.py"]


# --- matching that survives refactors (in-process: no interpreter start per call) ----------------

RMS = """import triton
import triton.language as tl


@triton.jit
def rms_norm_fwd(Y, Y_row_stride, X, X_row_stride, W, W_row_stride, n_cols, BLOCK_SIZE: tl.constexpr):
    row_idx = tl.program_id(0)
    col_offsets = tl.arange(0, BLOCK_SIZE)
    mask = col_offsets < n_cols
    x = tl.load(X + row_idx * X_row_stride + col_offsets, mask=mask)
    w = tl.load(W + row_idx * W_row_stride + col_offsets, mask=mask)
    tl.store(Y + row_idx * Y_row_stride + col_offsets, x * w, mask=mask)
"""
HELPER = """

def rms_norm(x):
    return x
"""


def review_in_process(monkeypatch, capsys, cwd: Path, *args: str) -> tuple[int, str]:
    from tritonlint.cli import main

    monkeypatch.chdir(cwd)
    code = main(["review", "--base", "main", *args])
    return code, capsys.readouterr().out


def new_in_process(monkeypatch, capsys, cwd: Path) -> list[tuple[str, int, str]]:
    code, out = review_in_process(monkeypatch, capsys, cwd, "--format", "json")
    data = json.loads(out)
    assert code == (1 if data else 0)
    return [(Path(d["filename"]).name, d["location"]["row"], d["expression"]) for d in data]


def test_kernel_moved_into_a_new_module_is_not_new(repo, monkeypatch, capsys):
    start(repo, {"ops/rms_norm.py": RMS + HELPER})
    assert len(json.loads(subprocess.run([sys.executable, "-m", "tritonlint", "check", "--format", "json", "."],
                                         cwd=repo, capture_output=True, text=True).stdout)) == 3
    (repo / "ops" / "rms_norm.py").write_text("import triton\nimport triton.language as tl\n" + HELPER)
    (repo / "ops" / "kernels.py").write_text("# the kernels, moved out of rms_norm.py\n" + RMS)
    assert new_in_process(monkeypatch, capsys, repo) == []
    # the module it came from deleted outright, the new one too different to be a rename
    (repo / "ops" / "rms_norm.py").unlink()
    assert new_in_process(monkeypatch, capsys, repo) == []


def test_renamed_kernel_and_renamed_local_are_not_new(repo, monkeypatch, capsys):
    start(repo, {"rms_norm.py": RMS})
    (repo / "rms_norm.py").write_text(RMS.replace("def rms_norm_fwd(", "def _rms_norm_forward_kernel("))
    assert new_in_process(monkeypatch, capsys, repo) == []
    (repo / "rms_norm.py").write_text(RMS.replace("row_idx", "row"))
    assert new_in_process(monkeypatch, capsys, repo) == []
    # both at once, in another module
    (repo / "rms_norm.py").write_text("import triton\n")
    (repo / "fused.py").write_text(RMS.replace("row_idx", "r").replace("rms_norm_fwd", "fused_fwd"))
    assert new_in_process(monkeypatch, capsys, repo) == []


def test_a_genuinely_new_product_is_still_new(repo, monkeypatch, capsys):
    start(repo, {"rms_norm.py": RMS})
    added = RMS.replace("n_cols, BLOCK", "n_cols, Z, Z_row_stride, BLOCK") + \
        "    tl.store(Z + row_idx * Z_row_stride + col_offsets, x, mask=mask)\n"
    (repo / "rms_norm.py").write_text(added)
    assert new_in_process(monkeypatch, capsys, repo) == [("rms_norm.py", 13, "row_idx * Z_row_stride")]
    # renamed as well: still exactly the added one
    (repo / "rms_norm.py").write_text(added.replace("row_idx", "row"))
    assert new_in_process(monkeypatch, capsys, repo) == [("rms_norm.py", 13, "row * Z_row_stride")]
    # a second copy of an existing product is new too (multiplicity)
    twice = "    tl.store(Y + row_idx * Y_row_stride + col_offsets + 1, x, mask=mask)\n"
    (repo / "rms_norm.py").write_text(RMS + twice)
    assert new_in_process(monkeypatch, capsys, repo) == [("rms_norm.py", 13, "row_idx * Y_row_stride")]


def test_same_name_in_another_module_is_not_a_move(repo, monkeypatch, capsys):
    """Fixing `rms_norm_fwd` in one module while adding a different buggy kernel of the
    same name in another: the new one is new."""
    start(repo, {"a.py": RMS})
    (repo / "a.py").write_text(RMS.replace("row_idx = tl.program_id(0)", "row_idx = tl.program_id(0).to(tl.int64)"))
    other = RMS.replace("    x = tl.load(X + row_idx * X_row_stride + col_offsets, mask=mask)\n",
                        "    x = tl.load(X + row_idx * X_row_stride + col_offsets, mask=mask) + 1.0\n")
    (repo / "b.py").write_text(other)
    assert [name for name, _, _ in new_in_process(monkeypatch, capsys, repo)] == ["b.py"] * 3


def test_text_review_does_not_call_old_findings_clean(repo, monkeypatch, capsys):
    start(repo, {"rms_norm.py": RMS})
    (repo / "rms_norm.py").write_text("# a comment\n" + RMS)
    code, out = review_in_process(monkeypatch, capsys, repo, "--format", "text", "--color", "never")
    assert code == 0
    assert "All checks passed" not in out
    assert out.strip().endswith("no new findings (3 existing) in 1 changed file checked (1 kernel).")
    (repo / "rms_norm.py").write_text(RMS.replace("x * w, mask", "x * w + tl.load(W + row_idx * Y_row_stride), mask"))
    code, out = review_in_process(monkeypatch, capsys, repo, "--format", "text", "--color", "never")
    assert code == 1 and "Found 1 finding" in out and "3 existing findings not shown." in out


def test_a_missing_path_is_an_error_of_its_own(repo):
    """As in `check`: E999 for the missing path (exit 2), the other paths reviewed."""
    start(repo, {"a/k.py": KERNEL, "b/k.py": KERNEL})
    (repo / "a" / "k.py").write_text(BUGGY)
    (repo / "b" / "k.py").write_text(BUGGY)
    r = review(repo, "--base", "main", "--format", "json", "a", "missing.py")
    assert r.returncode == 2, r.stderr
    data = json.loads(r.stdout)
    by_file = {(Path(d["filename"]).parent.name, Path(d["filename"]).name): d["code"] for d in data}
    assert by_file.get(("a", "k.py")) == "TL002" and ("b", "k.py") not in by_file
    assert "missing.py:1:1: E999 cannot read: no such file or directory" in r.stderr  # as `check` reports it
    # only missing paths: nothing else is reviewed (not the whole repository)
    r = review(repo, "--base", "main", "--format", "json", "missing.py")
    assert r.returncode == 2 and json.loads(r.stdout) == [] and "missing.py:1:1: E999" in r.stderr
