"""Progress on stderr and the elapsed time in the summary: only for a person at a
terminal; a pipe, a file and the machine formats get the same bytes every run."""
from __future__ import annotations

import re
import sys
from pathlib import Path

import pytest

from tritonlint import progress
from tritonlint.cli import main

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = ROOT / "fixtures"
TIMED_SUMMARY = re.compile(r"checked \(\d+ kernels?\) in \d+\.\d s\.")


def at_terminal(monkeypatch):
    """stdout and stderr are terminals (patched inside the test, once capsys has
    put its streams in place); the bar shows from the start."""
    monkeypatch.setattr(sys.stdout, "isatty", lambda: True)
    monkeypatch.setattr(sys.stderr, "isatty", lambda: True)
    monkeypatch.setattr(progress, "DELAY", 0.0)


def test_the_summary_says_how_long_the_run_took_on_a_terminal(capsys, monkeypatch):
    at_terminal(monkeypatch)
    main(["check", str(FIXTURES), "--color", "never", "--jobs", "1"])
    assert TIMED_SUMMARY.search(capsys.readouterr().out)


def test_no_time_in_a_pipe(capsys):
    main(["check", str(FIXTURES), "--jobs", "1"])
    out = capsys.readouterr()
    assert "files checked" in out.out and not TIMED_SUMMARY.search(out.out)
    assert out.err == ""


def test_a_progress_bar_counts_files_and_findings_on_stderr(capsys, monkeypatch):
    at_terminal(monkeypatch)
    files = len(list(FIXTURES.rglob("*.py")))
    main(["check", str(FIXTURES), "--color", "never", "--jobs", "1"])
    err = re.sub(r"\x1b\[[0-9;?]*[A-Za-z]", "", capsys.readouterr().err)  # the bar's colours and cursor moves
    found = re.findall(rf"(\d+)/{files} files, (\d+) findings", err)
    assert found and found[-1][0] == str(files) and int(found[-1][1]) > 0


@pytest.mark.parametrize("fmt", ["json", "sarif"])
def test_machine_formats_get_neither_bar_nor_time(capsys, monkeypatch, fmt):
    at_terminal(monkeypatch)
    main(["check", str(FIXTURES), "--format", fmt, "--jobs", "1"])
    out = capsys.readouterr()
    assert out.err == "" and not re.search(r"\d+\.\d s\b", out.out)
