"""The command line: exit codes, formats, suppressions, configuration, bad input, --fix."""
from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

BUGGY = """import triton
import triton.language as tl


@triton.jit
def k(x_ptr, stride, BLOCK: tl.constexpr):
    pid = tl.program_id(0)
    tl.store(x_ptr + pid * stride + tl.arange(0, BLOCK), 0.0)
"""
CLEAN = BUGGY.replace("pid * stride", "pid.to(tl.int64) * stride")


def run(*args, cwd=None):
    return subprocess.run([sys.executable, "-m", "tritonlint", *map(str, args)], capture_output=True, text=True, cwd=cwd)


@pytest.fixture
def repo(tmp_path):
    (tmp_path / "buggy.py").write_text(BUGGY)
    (tmp_path / "clean.py").write_text(CLEAN)
    return tmp_path


def test_exit_codes(repo):
    assert run("check", repo / "clean.py").returncode == 0
    r = run("check", repo / "buggy.py")
    assert r.returncode == 1
    assert "buggy.py:8:22: TL002" in r.stdout
    assert "Found 1 finding" in r.stdout
    assert run("check", "--exit-zero", repo / "buggy.py").returncode == 0
    assert run(repo / "buggy.py").returncode == 1, "bare `tritonlint PATH` means check"


def test_missing_path_is_an_error(repo):
    r = run("check", repo / "nope.py")
    assert r.returncode == 2 and "no such file" in r.stdout.lower()


def test_syntax_error_reported_and_others_checked(repo):
    (repo / "broken.py").write_text("import triton\n@triton.jit\ndef k(:\n    pass\n")
    r = run("check", "--format", "json", repo)
    assert r.returncode == 2
    assert "broken.py:3" in r.stderr and "E999" in r.stderr
    data = json.loads(r.stdout)
    assert [d["code"] for d in data] == ["TL002"], "the good files are still checked"


def test_json_is_ruff_shaped(repo):
    r = run("check", "--format", "json", repo / "buggy.py")
    (d,) = json.loads(r.stdout)
    for key in ("code", "message", "filename", "location", "end_location", "fix", "noqa_row", "url"):
        assert key in d
    assert d["location"] == {"row": 8, "column": 22}
    assert os.path.isabs(d["filename"])
    assert d["fix"]["applicability"] == "safe"
    edit = d["fix"]["edits"][0]
    assert edit["content"] == ".to(tl.int64)" and edit["location"]["row"] == 7


def test_noqa_line_and_file(repo):
    (repo / "a.py").write_text(BUGGY.replace("0.0)\n", "0.0)  # noqa: TL002\n"))
    (repo / "b.py").write_text(BUGGY.replace("0.0)\n", "0.0)  # noqa: TL003\n"))
    (repo / "c.py").write_text("# tritonlint: noqa\n" + BUGGY)
    (repo / "d.py").write_text(BUGGY.replace("0.0)\n", "0.0)  # noqa\n"))
    assert run("check", repo / "a.py").returncode == 0
    assert run("check", repo / "b.py").returncode == 1
    assert run("check", repo / "c.py").returncode == 0
    assert run("check", repo / "d.py").returncode == 0


def test_select_ignore_and_prefixes(repo):
    assert run("check", "--ignore", "TL002", repo / "buggy.py").returncode == 0
    assert run("check", "--select", "TL00", repo / "buggy.py").returncode == 1
    assert run("check", "--select", "TL001", repo / "buggy.py").returncode == 0
    r = run("check", "--select", "TL999", repo / "buggy.py")
    assert r.returncode == 2 and "unknown rule code" in r.stderr


def test_pyproject_config(repo):
    (repo / "pyproject.toml").write_text('[tool.tritonlint]\nignore = ["TL002"]\n')
    assert run("check", repo / "buggy.py").returncode == 0
    (repo / "pyproject.toml").write_text('[tool.tritonlint]\nper-file-ignores = { "buggy.py" = ["TL002"] }\n')
    assert run("check", repo).returncode == 0
    (repo / "pyproject.toml").write_text('[tool.tritonlint]\nexclude = ["buggy.py"]\n')
    assert run("check", repo).returncode == 0
    assert run("check", repo / "buggy.py").returncode == 1, "an explicit file is checked"
    assert run("check", "--force-exclude", repo / "buggy.py").returncode == 0
    (repo / "pyproject.toml").write_text('[tool.tritonlint]\nselct = ["TL"]\n')
    r = run("check", repo)
    assert r.returncode == 2 and "unknown setting" in r.stderr and "pyproject.toml" in r.stderr
    (repo / "pyproject.toml").write_text('[tool.tritonlint]\ntarget-version = "9.9"\n')
    assert run("check", repo).returncode == 2


def test_gitignore_and_default_excludes(repo):
    (repo / ".gitignore").write_text("generated/\n")
    (repo / "generated").mkdir()
    (repo / "generated" / "g.py").write_text(BUGGY)
    (repo / ".venv").mkdir()
    (repo / ".venv" / "v.py").write_text(BUGGY)
    data = json.loads(run("check", "--format", "json", repo).stdout)
    assert [Path(d["filename"]).name for d in data] == ["buggy.py"]
    # a gitignored directory named explicitly expands to nothing, by absolute and by
    # relative path alike (as in ruff); a file named explicitly is still checked
    (repo / ".git").mkdir(exist_ok=True)
    for target in (repo / "generated", Path("generated")):
        proc = subprocess.run([sys.executable, "-m", "tritonlint", "check", "--format", "json", str(target)],
                              cwd=repo, capture_output=True, text=True)
        assert json.loads(proc.stdout or "[]") == [], target
    assert run("check", repo / "generated" / "g.py").returncode == 1
    names = {Path(d["filename"]).name for d in json.loads(
        run("check", "--format", "json", "--no-respect-gitignore", repo).stdout)}
    assert names == {"buggy.py", "g.py"}  # .venv stays excluded: that is the default exclude, not .gitignore


def test_target_version_changes_int_annotation(repo):
    src = BUGGY.replace("stride, BLOCK", "stride: tl.int64, BLOCK")
    (repo / "i64.py").write_text(src)
    assert run("check", repo / "i64.py").returncode == 0
    assert run("check", "--target-version", "2.3", repo / "i64.py").returncode == 1, "tl.int64 is ignored before 3.0"


def test_fix_diff_and_idempotence(repo):
    path = repo / "buggy.py"
    r = run("check", "--diff", path)
    assert r.returncode == 1 and "+    pid = tl.program_id(0).to(tl.int64)" in r.stdout
    assert path.read_text() == BUGGY, "--diff writes nothing"
    r = run("check", "--fix", path)
    assert r.returncode == 0 and "Fixed 1 finding" in r.stdout
    fixed = path.read_text()
    assert "pid = tl.program_id(0).to(tl.int64)" in fixed
    assert run("check", "--diff", path).returncode == 0, "a second --fix changes nothing"


def test_fix_keeps_crlf_bom_and_comments(repo):
    path = repo / "crlf.py"
    src = "\ufeff# -*- coding: utf-8 -*-\n" + BUGGY.replace("    pid = tl", "    # the row\n    pid = tl")
    path.write_bytes(src.replace("\n", "\r\n").encode("utf-8"))
    assert run("check", "--fix", path).returncode == 0
    data = path.read_bytes()
    assert data.startswith(b"\xef\xbb\xbf")
    assert b"\r\n" in data and b"\n" not in data.replace(b"\r\n", b"")
    assert b"# the row" in data and b".to(tl.int64)" in data


def test_fix_unsafe_needs_flag(repo):
    src = BUGGY.replace("pid = tl.program_id(0)", "pid = tl.load(x_ptr).to(tl.int32)").replace("x_ptr, stride", "x_ptr, stride, y_ptr")
    path = repo / "narrow.py"
    path.write_text(src)
    r = run("check", "--select", "TL004", "--fix", path)
    assert r.returncode == 1 and "--unsafe-fixes" in r.stdout
    assert run("check", "--select", "TL004", "--fix", "--unsafe-fixes", path).returncode == 0
    assert ".to(tl.int64)" in path.read_text()


def test_fix_read_only_file(repo, monkeypatch, capsys):
    """A file that cannot be written is reported and left as it was (root can write
    read-only files, so the failure is injected where the write happens)."""
    from tritonlint import cli, fixer

    def refuse(path, data, expected=None):
        raise PermissionError(13, "Permission denied", str(path))

    monkeypatch.setattr(fixer, "write_atomic", refuse)
    path = repo / "buggy.py"
    code = cli.main(["check", "--fix", "--color", "never", str(path)])
    out = capsys.readouterr().out
    # exit 2: the run could not do what it was asked (an I/O error), not "findings remain"
    assert code == 2 and "cannot write the fixed file" in out and "TL002" in out
    assert path.read_text() == BUGGY


def test_fix_skips_unparseable_file(repo):
    bad = repo / "broken.py"
    bad.write_text("import triton\n@triton.jit\ndef k(:\n")
    r = run("check", "--fix", repo)
    assert r.returncode == 2
    assert bad.read_text() == "import triton\n@triton.jit\ndef k(:\n"
    assert "tl.program_id(0).to(tl.int64)" in (repo / "buggy.py").read_text(), "the other files are still fixed"


def test_fix_rolls_back_on_unparseable_output(repo, monkeypatch):
    from tritonlint import fixer
    from tritonlint.settings import Settings

    monkeypatch.setattr(fixer, "apply_edits", lambda text, edits: text + "\ndef (:\n")
    out = fixer.fix_text(BUGGY, "x.py", Settings())
    assert out.text == BUGGY and out.fixed == 0 and "unparseable" in out.failure


def test_fixtures_quickstart_command():
    root = Path(__file__).resolve().parent.parent
    r = run("check", "fixtures/", cwd=root)
    assert r.returncode == 1
    assert "TL001" in r.stdout and "TL002" in r.stdout and "TL003" in r.stdout


def test_int64_pointers_setting(repo):
    src = """import triton
import triton.language as tl


@triton.jit
def gather(x_ptr, kv_indices, stride, BLOCK: tl.constexpr):
    loc = tl.load(kv_indices + tl.program_id(0))
    tl.store(x_ptr + loc * stride + tl.arange(0, BLOCK), 0.0)
"""
    (repo / "g.py").write_text(src)
    r = run("check", repo / "g.py")
    assert r.returncode == 1 and "assuming the loaded values are int32" in r.stdout
    (repo / "pyproject.toml").write_text('[tool.tritonlint]\nint64-pointers = ["kv_*"]\n')
    assert run("check", repo / "g.py").returncode == 0


def test_each_file_gets_its_nearest_configuration(tmp_path):
    """The settings of a file are those of the nearest folder above it with a
    [tool.tritonlint] table, answered once per folder: a folder below a configured
    one shares its answer, a sibling tree without one gets the defaults, a pyproject
    without the table is passed over, and a file that is a link is judged where it
    really is."""
    from tritonlint.settings import Resolver

    (tmp_path / "a" / "b" / "c").mkdir(parents=True)
    (tmp_path / "plain" / "deep").mkdir(parents=True)
    (tmp_path / "a" / "pyproject.toml").write_text('[tool.tritonlint]\nignore = ["TL002"]\n')
    (tmp_path / "a" / "b" / "pyproject.toml").write_text('[tool.other]\nx = 1\n')
    (tmp_path / "plain" / "pyproject.toml").write_text('[project]\nname = "p"\n')
    for f in ("a/k.py", "a/b/c/k.py", "a/b/c/m.py", "plain/deep/k.py"):
        (tmp_path / f).write_text("x = 1\n")
    (tmp_path / "plain" / "link.py").symlink_to(tmp_path / "a" / "b" / "c" / "k.py")
    resolver = Resolver({})
    configured = resolver.for_path(tmp_path / "a" / "k.py")
    assert configured.ignore == ("TL002",)
    assert resolver.for_path(tmp_path / "a" / "b" / "c" / "k.py") is configured
    assert resolver.for_path(tmp_path / "a" / "b" / "c" / "m.py") is configured
    assert resolver.for_path(tmp_path / "plain" / "deep" / "k.py").ignore == ()
    assert resolver.for_path(tmp_path / "plain" / "link.py") is configured
    assert Resolver({}).for_path(tmp_path / "a" / "b" / "c" / "m.py").ignore == ("TL002",), "asked first, deep"


def test_version_is_answered_without_the_command_line_machinery():
    """`tritonlint --version` prints what argparse prints for it, without importing
    the CLI (its import was most of the command's time)."""
    from tritonlint import __version__

    probe = ("import sys; from tritonlint.entry import main; main(['--version']); "
             "print('tritonlint.cli' in sys.modules, 'argparse' in sys.modules)")
    r = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True)
    assert r.stdout == f"tritonlint {__version__}\nFalse False\n"
    full = subprocess.run([sys.executable, "-c", "from tritonlint.cli import main; main(['--version'])"],
                          capture_output=True, text=True)
    assert full.stdout == f"tritonlint {__version__}\n", "the parser's own --version says the same"
    assert run("--version").stdout == f"tritonlint {__version__}\n"
