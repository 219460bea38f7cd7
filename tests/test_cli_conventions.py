"""The command line as ruff users expect it (issue 10): flag and configuration
precedence, ruff's flags, errors, the terminal, counts that agree, and the wording
of fixes and chains. In-process (``cli.main``) to stay fast."""
from __future__ import annotations

import io
import json
import re
import sys
from pathlib import Path

import pytest

from tritonlint import cli
from tritonlint.engine import rule_defaults
from tritonlint.options import overrides_from
from tritonlint.reporters.output import use_color
from tritonlint.settings import Resolver

ROOT = Path(__file__).resolve().parent.parent
BUGGY = """import triton
import triton.language as tl


@triton.jit
def k(x_ptr, stride, BLOCK: tl.constexpr):
    pid = tl.program_id(0)
    tl.store(x_ptr + pid * stride + tl.arange(0, BLOCK), 0.0)
"""
DEFAULTS = {code for code, on in rule_defaults().items() if on}
EVERY = set(rule_defaults())


def run(capsys, *argv, stdin: str | None = None, monkeypatch=None) -> tuple[int, str, str]:
    if stdin is not None:
        monkeypatch.setattr(sys, "stdin", io.StringIO(stdin))
    rc = cli.main([str(a) for a in argv])
    out, err = capsys.readouterr()
    return rc, out, err


@pytest.fixture
def repo(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    for name in ("COLUMNS", "NO_COLOR", "FORCE_COLOR", "TRITONLINT_DEBUG"):
        monkeypatch.delenv(name, raising=False)
    (tmp_path / "k.py").write_text(BUGGY)
    return tmp_path


# --- 1. precedence of flags and configuration, as ruff resolves it ---------------------------


def enabled(repo: Path, config: str, *flags: str) -> set[str]:
    (repo / "pyproject.toml").write_text("[tool.tritonlint]\n" + config)
    args = cli.build_parser().parse_args(["check", *flags])
    return set(Resolver(overrides_from(args), args.config).for_path(repo / "k.py").enabled_codes(rule_defaults()))


@pytest.mark.parametrize("config,flags,expected", [
    # --ignore adds to the configuration's ignore
    ('ignore = ["TL004"]\n', ["--ignore", "TL001"], DEFAULTS - {"TL001", "TL004"}),
    # --select starts over: the configuration's extend-select and ignore no longer apply
    ('extend-select = ["TL007"]\n', ["--select", "TL002"], {"TL002"}),
    ('ignore = ["TL004"]\n', ["--select", "TL"], EVERY),
    # --extend-select adds, also what the configuration ignores
    ('select = ["TL002"]\n', ["--extend-select", "TL007"], {"TL002", "TL007"}),
    ('ignore = ["TL004"]\n', ["--extend-select", "TL004"], DEFAULTS),
    ('select = ["TL002", "TL004"]\n', ["--ignore", "TL004"], {"TL002"}),
    # no flags: the configuration alone
    ('select = ["TL"]\nignore = ["TL004"]\nextend-select = ["TL007"]\n', [], EVERY - {"TL004"}),
    # within one layer the more specific selector wins; at a tie ignore wins
    ("", ["--select", "ALL", "--ignore", "TL007"], EVERY - {"TL007"}),
    ("", ["--ignore", "TL", "--select", "TL002"], {"TL002"}),
    ("", ["--select", "TL002", "--ignore", "TL002"], set()),
    ('ignore = ["TL0"]\nselect = ["TL002"]\n', [], {"TL002"}),
    # --config KEY=VALUE is a layer between the files and the flags
    ('ignore = ["TL004"]\n', ["--config", "ignore = ['TL001']"], DEFAULTS - {"TL001", "TL004"}),
    ('ignore = ["TL004"]\n', ["--config", "select = ['TL002']", "--extend-select", "TL007"], {"TL002", "TL007"}),
])
def test_rule_selection_precedence(repo, config, flags, expected):
    assert enabled(repo, config, *flags) == expected


def test_ignore_flag_keeps_the_configured_ignore_end_to_end(repo, capsys):
    (repo / "n.py").write_text((ROOT / "fixtures/cases/narrowing.py").read_text())
    (repo / "pyproject.toml").write_text('[tool.tritonlint]\nignore = ["TL004"]\n')
    rc, out, _ = run(capsys, "check", "n.py", "--format", "json", "--ignore", "TL007")
    assert rc == 1 and {d["code"] for d in json.loads(out)} == {"TL002"}


# --- 2. ruff's flags -------------------------------------------------------------------------


def test_exclude_flags(repo, capsys):
    (repo / "vendor").mkdir()
    (repo / "vendor" / "v.py").write_text(BUGGY)
    (repo / "pyproject.toml").write_text('[tool.tritonlint]\nexclude = ["k.py"]\n')
    _, out, _ = run(capsys, "check", ".", "--show-files")
    assert out.splitlines() == [str((repo / "vendor" / "v.py").resolve())]
    _, out, _ = run(capsys, "check", ".", "--show-files", "--exclude", "vendor")  # replaces the configuration's
    assert out.splitlines() == [str((repo / "k.py").resolve())]
    _, out, _ = run(capsys, "check", ".", "--show-files", "--extend-exclude", "vendor/*")  # adds to it
    assert out == ""


def test_per_file_ignores_flags(repo, capsys):
    (repo / "tests").mkdir()
    (repo / "tests" / "t.py").write_text(BUGGY)
    assert run(capsys, "check", ".", "--per-file-ignores", "tests/*:TL002,k.py:TL002")[0] == 0
    rc, out, _ = run(capsys, "check", ".", "--per-file-ignores", "tests/*:TL002", "--format", "concise")
    assert rc == 1 and "k.py:8:22: TL002" in out and "t.py" not in out
    (repo / "pyproject.toml").write_text('[tool.tritonlint]\nper-file-ignores = { "k.py" = ["TL002"] }\n')
    assert run(capsys, "check", ".", "--extend-per-file-ignores", "tests/*:TL002")[0] == 0
    rc, _, err = run(capsys, "check", ".", "--per-file-ignores", "tests/*")
    assert rc == 2 and "PATTERN:CODES" in err


def test_show_fixes_lists_what_fix_fixed(repo, capsys):
    rc, out, _ = run(capsys, "check", "k.py", "--fix", "--show-fixes")
    assert rc == 0 and "Fixed 1 finding:\n- k.py:\n    1 × TL002 (int32-offset-product)" in out
    (repo / "k.py").write_text(BUGGY)
    _, out, _ = run(capsys, "check", "k.py", "--no-show-fixes")
    assert "help:" not in out and "TL002" in out


def test_quiet_and_silent(repo, capsys):
    rc, out, _ = run(capsys, "check", "k.py", "-q")
    assert rc == 1 and "TL002" in out and "Found" not in out
    rc, out, _ = run(capsys, "check", "k.py", "--silent")
    assert rc == 1 and out == ""


def test_show_settings(repo, capsys):
    (repo / "pyproject.toml").write_text('[tool.tritonlint]\nstrict = true\n')
    rc, out, _ = run(capsys, "check", "k.py", "--show-settings", "--select", "TL002")
    assert rc == 0
    assert f"Settings path: {repo / 'pyproject.toml'}" in out
    assert 'enabled-rules = ["TL002"]' in out and "strict = true" in out


def test_exit_non_zero_on_fix(repo, capsys):
    assert run(capsys, "check", "k.py", "--fix")[0] == 0
    (repo / "k.py").write_text(BUGGY)
    assert run(capsys, "check", "k.py", "--fix", "--exit-non-zero-on-fix")[0] == 1
    assert run(capsys, "check", "k.py", "--fix", "--exit-non-zero-on-fix")[0] == 0, "nothing left to change"


def test_config_key_value(repo, capsys):
    # a head index times a head stride: small at realistic sizes, reported by strict only
    (repo / "k.py").write_text(BUGGY.replace("stride", "stride_h").replace("pid", "i_h").replace("(0)", "(1)"))
    assert run(capsys, "check", "k.py")[0] == 0
    assert run(capsys, "check", "k.py", "--config", "strict = true")[0] == 1
    (repo / "other.toml").write_text("strict = true\n")
    assert run(capsys, "check", "k.py", "--config", "other.toml")[0] == 1, "--config FILE still works"
    rc, _, err = run(capsys, "check", "k.py", "--config", "nope = 1")
    assert rc == 2 and "unknown setting" in err and "nope" in err
    rc, _, err = run(capsys, "check", "k.py", "--config", "strict = = 1")
    assert rc == 2 and "KEY = VALUE" in err


def test_stdin(repo, capsys, monkeypatch):
    rc, out, _ = run(capsys, "check", "-", "--format", "concise", stdin=BUGGY, monkeypatch=monkeypatch)
    assert rc == 1 and out.startswith("-:8:22: TL002 ")
    rc, out, _ = run(capsys, "check", "--stdin-filename", "sub/k.py", "--format", "concise", stdin=BUGGY,
                     monkeypatch=monkeypatch)
    assert rc == 1 and out.startswith("sub/k.py:8:22: TL002 ")
    rc, out, err = run(capsys, "check", "--stdin-filename", "s.py", "k.py", "--format", "concise",
                       stdin=BUGGY.replace("pid * stride", "pid * 4"), monkeypatch=monkeypatch)
    assert rc == 0 and "ignoring k.py in favour of stdin" in err, "stdin is read, the path is not"
    rc, out, _ = run(capsys, "check", "--stdin-filename", "tests/k.py", "--per-file-ignores", "tests/*:TL002",
                     stdin=BUGGY, monkeypatch=monkeypatch)
    assert rc == 0, "settings and per-file ignores apply to the name"
    rc, out, err = run(capsys, "check", "-", "--fix", stdin=BUGGY, monkeypatch=monkeypatch)
    assert rc == 0 and out == BUGGY.replace("tl.program_id(0)", "tl.program_id(0).to(tl.int64)")
    assert "Fixed 1 finding." in err, "the report goes to stderr, the fixed source to stdout"
    assert (repo / "k.py").read_text() == BUGGY, "no file is written"


def test_concise_format(repo, capsys):
    (repo / "b.py").write_text(BUGGY.replace("0.0)\n", "0.0)\n    tl.store(x_ptr + pid * stride, 1.0)\n"))
    rc, out, _ = run(capsys, "check", "b.py", "k.py", "--format", "concise")
    lines = out.splitlines()
    assert rc == 1 and len(lines) == 4 and lines[-1].startswith("Found 3 findings")
    assert all(re.match(r"[bk]\.py:\d+:\d+: TL002 `pid \* stride` is computed in int32", line) for line in lines[:3])


def test_statistics_replace_the_findings_in_text(repo, capsys):
    rc, out, _ = run(capsys, "check", "k.py", "--statistics")
    assert rc == 1
    assert out.splitlines() == ["    1  TL002  int32-offset-product  (1 fixable)",
                                out.splitlines()[-1]] and out.splitlines()[-1].startswith("Found 1 finding")


# --- 3. errors ------------------------------------------------------------------------------


def test_output_file_in_a_new_directory(repo, capsys):
    rc, out, _ = run(capsys, "check", "k.py", "-o", repo / "new" / "dir" / "out.txt")
    assert rc == 1 and out == ""
    assert "TL002" in (repo / "new" / "dir" / "out.txt").read_text()


def test_internal_error_is_exit_2_with_a_message(repo, capsys, monkeypatch):
    def broken(*_):
        raise RuntimeError("analysis exploded")

    monkeypatch.setattr(cli, "check_paths", broken)
    rc, out, err = run(capsys, "check", "k.py")
    assert rc == 2 and out == ""
    assert err.startswith("tritonlint: internal error: RuntimeError: analysis exploded\n")
    assert "report it" in err and "Traceback" not in err
    monkeypatch.setenv("TRITONLINT_DEBUG", "1")
    rc, _, err = run(capsys, "check", "k.py")
    assert rc == 2 and "Traceback" in err


# --- 4. the terminal ------------------------------------------------------------------------


class Pipe(io.StringIO):
    def isatty(self) -> bool:
        return False


class Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_color_environment(monkeypatch):
    for name in ("NO_COLOR", "FORCE_COLOR"):
        monkeypatch.delenv(name, raising=False)
    assert use_color("auto", None, Terminal()) and not use_color("auto", None, Pipe())
    monkeypatch.setenv("FORCE_COLOR", "1")
    assert use_color("auto", None, Pipe()), "FORCE_COLOR: colour through a pipe"
    assert not use_color("never", None, Pipe()), "the flag wins"
    monkeypatch.setenv("NO_COLOR", "1")
    assert not use_color("auto", None, Terminal()), "NO_COLOR wins over auto and FORCE_COLOR"
    assert use_color("always", None, Pipe()), "the flag wins"


def test_color_end_to_end(repo, capsys, monkeypatch):
    assert "\x1b[" not in run(capsys, "check", "k.py")[1]
    monkeypatch.setenv("FORCE_COLOR", "1")
    assert "\x1b[" in run(capsys, "check", "k.py")[1]
    monkeypatch.setenv("NO_COLOR", "1")
    assert "\x1b[" not in run(capsys, "check", "k.py")[1]
    assert "\x1b[" in run(capsys, "check", "k.py", "--color", "always")[1], "--color always beats NO_COLOR"


def frame(out: str) -> tuple[str, str]:
    source, caret = [line for line in out.splitlines() if re.match(r"\s+\d* \|", line)][:2]
    return source, caret


def test_long_lines_are_cut_around_the_expression(repo, capsys, monkeypatch):
    pad = " + 0 * tl.arange(0, BLOCK)" * 4
    (repo / "k.py").write_text(BUGGY.replace("pid * stride", f"tl.arange(0, BLOCK){pad} + pid * stride{pad}"))
    monkeypatch.setenv("COLUMNS", "80")
    source, caret = frame(run(capsys, "check", "k.py")[1])
    assert len(source) <= 80 and source.count("…") == 2
    at = caret.index("^")
    assert source[at:at + len("pid * stride")] == "pid * stride" and caret.count("^") == len("pid * stride")
    monkeypatch.delenv("COLUMNS")
    source, _ = frame(run(capsys, "check", "k.py")[1])
    assert "…" not in source, "into a pipe without COLUMNS, lines are kept whole"


def test_tabs_do_not_move_the_caret(repo, capsys):
    (repo / "k.py").write_text(BUGGY.replace("    ", "\t"))
    source, caret = frame(run(capsys, "check", "k.py")[1])
    at = caret.index("^")
    assert "\t" not in source and source[at:at + len("pid * stride")] == "pid * stride"


def test_rule_docs_through_a_pipe(capsys, monkeypatch):
    monkeypatch.delenv("COLUMNS", raising=False)
    rc, out, _ = run(capsys, "rule", "TL002")
    assert rc == 0 and out.strip() and not [line for line in out.splitlines() if line != line.rstrip()]
    monkeypatch.setenv("COLUMNS", "60")
    lines = run(capsys, "rule", "TL002")[1].splitlines()
    assert max(map(len, lines)) <= 60 and not [line for line in lines if line != line.rstrip()]


# --- 5. counts ------------------------------------------------------------------------------


def test_fixable_count_is_what_fix_fixes(repo, capsys):
    """Widening the products downstream of a narrowing cast also removes the cast's
    own (unsafe) finding; it used to be counted in "Fixed N" too."""
    (repo / "n.py").write_text((ROOT / "fixtures/cases/narrowing.py").read_text())
    _, out, _ = run(capsys, "check", "n.py")
    fixable, more = map(int, re.search(r"(\d+) fixable with `tritonlint check --fix` \((\d+) more", out).groups())
    _, out, _ = run(capsys, "check", "n.py", "--fix")
    assert f"Fixed {fixable} finding" in out and f"({more} more went away with them)" in out


# --- 6. cosmetics ---------------------------------------------------------------------------


def test_no_cast_stacked_on_a_narrowing_cast(repo, capsys):
    (repo / "n.py").write_text((ROOT / "fixtures/cases/narrowing.py").read_text())
    run(capsys, "check", "n.py", "--fix")
    fixed = (repo / "n.py").read_text()
    assert ".to(tl.int32).to(tl.int64)" not in fixed
    assert "bos = tl.load(cu_seqlens_ptr + i_n).to(tl.int64)" in fixed


def test_chain_lines_read_as_assignments(repo, capsys):
    _, out, _ = run(capsys, "check", "k.py", "--format", "json")
    (d,) = json.loads(out)
    assert "pid = tl.program_id(0)" in d["chain"] and not any(": = " in line for line in d["chain"])
