"""No input crashes or stalls the run: each bad file or path gets its own E999 with
file and line, exit code 2, and every other file is still checked and reported."""
from __future__ import annotations

import os
import signal
import subprocess
import sys
from contextlib import contextmanager

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tritonlint.cli import main
from tritonlint.engine import check_source
from tritonlint.parse_guard import MAX_LINE_LENGTH, exceeded_recursion
from tritonlint.settings import Settings

GOOD = """import triton
import triton.language as tl


@triton.jit
def k(x_ptr, n):
    pid = tl.program_id(0)
    tl.store(x_ptr + pid * n, 1)
"""


def kernel_with(expression: str) -> str:
    """A valid kernel file whose line 8 assigns ``expression``."""
    return GOOD.replace("    tl.store(", f"    y = {expression}\n    tl.store(")


def lint(capsys, *args) -> tuple[int, str]:
    code = main(["check", *map(str, args)])
    out = capsys.readouterr()
    return code, out.out + out.err


class Hung(BaseException):
    """Not an OSError nor an Exception: no handler of the code under test catches it."""


@contextmanager
def deadline(seconds: int):
    """Fail instead of hanging forever when a read blocks (a FIFO)."""
    def expire(*_):
        raise Hung(f"still running after {seconds} s")

    previous = signal.signal(signal.SIGALRM, expire)
    signal.alarm(seconds)
    try:
        yield
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, previous)


# --- 1. the parser: deep nesting, long sums, huge lines -------------------------------

def test_inputs_that_crashed_the_native_parser_get_e999_and_the_others_are_checked(tmp_path):
    # a subprocess: were the guard to miss one of these, libcst would kill the test run
    (tmp_path / "deep.py").write_text(kernel_with("(" * 3000 + "1" + ")" * 3000))
    (tmp_path / "chain.py").write_text(kernel_with(" and ".join(["n"] * 12_000)))
    (tmp_path / "sum_1mb.py").write_text(kernel_with(" + ".join(["n"] * 250_000)))
    (tmp_path / "good.py").write_text(GOOD)
    r = subprocess.run([sys.executable, "-m", "tritonlint", "check", "."], cwd=tmp_path,
                       capture_output=True, text=True, timeout=120, check=False)
    assert r.returncode == 2, r.stdout + r.stderr
    assert "deep.py:8:209: E999 cannot parse: too many nested parentheses" in r.stdout
    assert "chain.py:8:9: E999 too deeply nested to analyse: 12,000 `and` operands" in r.stdout
    assert f"sum_1mb.py:8:1: E999 line too long to analyse (over {MAX_LINE_LENGTH:,} characters)" in r.stdout
    assert "good.py:8:22: TL002" in r.stdout


def test_a_sum_of_500_terms_outside_the_reported_statements_is_linted():
    # Only the statements that hold a finding are rendered for positions
    # (statement_positions.py): a 500-term sum that libcst's whole-function
    # rendering could not get through no longer costs the kernel its findings.
    text = kernel_with(" + ".join(["n"] * 500))
    result = check_source(text, "long_sum.py", Settings())
    assert result.error is None
    assert [(d.code, d.start.line) for d in result.diagnostics] == [("TL002", 9)]


def test_nesting_cpython_rejects_is_e999_not_linted(tmp_path, capsys):
    # 201 to 1,000 levels: libcst parses them, CPython does not, so the kernel cannot run
    (tmp_path / "k.py").write_text(kernel_with("(" * 300 + "pid * n" + ")" * 300))
    code, out = lint(capsys, tmp_path / "k.py")
    assert code == 2
    assert "k.py:8:209: E999 cannot parse: too many nested parentheses" in out
    assert "TL00" not in out


@pytest.mark.parametrize("fix", [False, True], ids=["check", "fix"])
def test_a_sum_of_1500_terms_is_e999_with_exit_2_and_the_others_are_checked(tmp_path, capsys, fix):
    # CPython compiles it; libcst's recursive passes exceed Python's recursion limit
    (tmp_path / "long_sum.py").write_text(kernel_with(" + ".join(["n"] * 1500)))
    (tmp_path / "good.py").write_text(GOOD)
    code, out = lint(capsys, *(["--fix"] if fix else []), tmp_path / "good.py", tmp_path / "long_sum.py")
    assert code == 2
    assert "long_sum.py:8:1: E999 too deeply nested to analyse" in out
    if fix:
        assert "int64" in (tmp_path / "good.py").read_text()
    else:
        assert "good.py:8:22: TL002" in out


def test_a_recursion_error_libcst_turned_into_another_error_is_still_recognised():
    try:
        try:
            raise RecursionError
        except RecursionError:
            raise KeyError("node")  # what libcst's position recorder raises while unwinding
    except KeyError as e:
        assert exceeded_recursion(e)
    assert not exceeded_recursion(KeyError("node"))


def test_a_long_flat_line_is_e999_quickly(tmp_path, capsys):
    (tmp_path / "table.py").write_text(kernel_with("[" + ", ".join(["1"] * 330_000) + "]"))
    code, out = lint(capsys, tmp_path / "table.py")
    assert code == 2 and "table.py:8:1: E999 line too long to analyse" in out


# --- 2. symlinks and special files --------------------------------------------------

def test_a_symlink_loop_is_reported_per_path_and_the_run_goes_on(tmp_path, capsys):
    (tmp_path / "a.py").symlink_to("b.py")
    (tmp_path / "b.py").symlink_to("a.py")
    (tmp_path / "good.py").write_text(GOOD)
    code, out = lint(capsys, tmp_path)
    assert code == 2
    assert "a.py:1:1: E999 cannot read:" in out and "b.py:1:1: E999 cannot read:" in out
    assert "Too many levels of symbolic links" in out
    assert "good.py:8:22: TL002" in out
    code, out = lint(capsys, tmp_path / "a.py", tmp_path / "good.py")  # named explicitly
    assert code == 2 and "a.py:1:1: E999" in out and "good.py:8:22: TL002" in out
    code, out = lint(capsys, "--show-files", tmp_path)
    assert code == 0 and out.split() == [str(tmp_path.resolve() / n) for n in ("a.py", "b.py", "good.py")]


@pytest.mark.parametrize("fix", [False, True], ids=["check", "fix"])
def test_a_fifo_is_never_opened(tmp_path, capsys, fix):
    os.mkfifo(tmp_path / "x.py")
    (tmp_path / "good.py").write_text(GOOD)
    flags = ["--fix"] if fix else []
    with deadline(20):
        code, out = lint(capsys, *flags, tmp_path)
        assert code == 2 and "x.py:1:1: E999 cannot read: not a regular file (a FIFO)" in out
        code, out = lint(capsys, *flags, tmp_path / "x.py", tmp_path / "good.py")
        assert code == 2 and "x.py:1:1: E999 cannot read: not a regular file (a FIFO)" in out
    if fix:
        assert "int64" in (tmp_path / "good.py").read_text()
    else:
        assert "good.py:8:22: TL002" in out


def test_a_dangling_symlink_is_an_error(tmp_path, capsys):
    (tmp_path / "gone.py").symlink_to("nowhere.py")
    (tmp_path / "good.py").write_text(GOOD)
    code, out = lint(capsys, tmp_path)
    assert code == 2 and "gone.py:1:1: E999 cannot read:" in out and "good.py:8:22: TL002" in out


# --- 3. missing paths ---------------------------------------------------------------

def test_a_missing_path_is_reported_and_the_others_are_checked(tmp_path, capsys):
    (tmp_path / "good.py").write_text(GOOD)
    code, out = lint(capsys, tmp_path / "good.py", tmp_path / "missing.py")
    assert code == 2
    assert "missing.py:1:1: E999 cannot read: [Errno 2] No such file or directory" in out
    assert "good.py:8:22: TL002" in out


# --- 4. an excluded directory named explicitly --------------------------------------

def test_an_explicit_directory_is_checked_even_when_a_default_exclude_matches_it(tmp_path, capsys, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "dist" / "build").mkdir(parents=True)
    (tmp_path / "dist" / "k.py").write_text(GOOD)
    (tmp_path / "dist" / "build" / "gen.py").write_text(GOOD)
    code, out = lint(capsys, "dist")
    assert code == 1 and "k.py:8:22: TL002" in out
    assert "gen.py" not in out, "excludes still apply below the named directory"
    code, out = lint(capsys, "--force-exclude", "dist")
    assert code == 0 and "0 files checked" in out
    code, out = lint(capsys, ".")
    assert code == 0 and "0 files checked" in out, "found by walking, dist/ is excluded"


# --- keep working: bytes that are not (clean) UTF-8 source --------------------------

@pytest.mark.parametrize("name,data,expect", [
    ("binary", b"\x7fELF\x02\x01\x01\x00triton jit\x00\xff\xfe", "E999"),
    ("nul", GOOD.replace("pid * n", "pid\0 * n").encode(), "E999"),
    ("latin1", GOOD.encode() + "# caf\xe9 \n".encode("latin-1"), "E999"),
    ("bom", b"\xef\xbb\xbf" + GOOD.encode(), "TL002"),
    ("crlf", GOOD.replace("\n", "\r\n").encode(), "TL002"),
    ("cr", GOOD.replace("\n", "\r").encode(), "TL002"),
])
def test_odd_bytes_give_e999_or_a_clean_check(tmp_path, capsys, name, data, expect):
    (tmp_path / f"{name}.py").write_bytes(data)
    code, out = lint(capsys, tmp_path / f"{name}.py")
    assert code == (2 if expect == "E999" else 1), out
    assert f"{name}.py:" in out and expect in out


# --- 5. a fuzzer over token soups inside a jit function -----------------------------

TOKENS = st.sampled_from([
    "(", ")", "[", "]", "{", "}", "+", "-", "*", "/", "//", "%", "**", "<<", ">>", "&", "|", "^", "~",
    "<", ">", "==", "!=", "and", "or", "not", "if", "else", "lambda", ":", ",", ".", "=", "\\\n",
    "pid", "n", "x_ptr", "tl", "arange", "to", "int64", "0", "1", "2**31", "'s'", "None", " ", "\n    ",
])


@settings(max_examples=50, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(TOKENS, min_size=1, max_size=60), st.integers(min_value=0, max_value=40))
def test_token_soup_never_raises(soup, depth):
    text = kernel_with("(" * depth + " ".join(soup) + ")" * depth)
    result = check_source(text, "soup.py", Settings())
    assert result.error is not None or result.kernels == 1
    if result.error is not None:
        assert result.error.line >= 1 and result.error.message


def test_an_exception_that_cannot_be_formatted_still_exits_2(capsys):
    from tritonlint.crash import report_crash

    class Unprintable(Exception):
        def __str__(self):
            raise RecursionError("maximum recursion depth exceeded")

    assert report_crash(Unprintable()) == 2
    assert "could not be formatted" in capsys.readouterr().err
