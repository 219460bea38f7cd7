"""Writing a report out: to stdout or a file, in colour or not, at the terminal's
width, the statistics forms, and parse errors on stderr. Shared by ``check`` and
``review``."""
from __future__ import annotations

import os
import shutil
import sys
from pathlib import Path

from . import Report


def emit(text: str, output_file: Path | None, stream=None) -> None:
    """Write to ``output_file`` (creating its directory) or to ``stream`` (stdout)."""
    if output_file is not None:
        output_file.parent.mkdir(parents=True, exist_ok=True)
        output_file.write_text(text, encoding="utf-8")
    else:
        stream = stream or sys.stdout
        stream.write(text)
        stream.flush()


def use_color(choice: str, output_file: Path | None = None, stream=None) -> bool:
    """``--color auto|always|never``; the flag wins. Under ``auto``: never into a
    file; ``NO_COLOR`` (set and not empty) turns colour off, else ``FORCE_COLOR``
    turns it on even through a pipe, else colour on a terminal."""
    if choice == "always":
        return True
    if choice == "never" or output_file is not None:
        return False
    if os.environ.get("NO_COLOR"):
        return False
    if os.environ.get("FORCE_COLOR"):
        return True
    return (stream or sys.stdout).isatty()


def terminal_width(output_file: Path | None = None) -> int | None:
    """The columns to fit code frames in: ``COLUMNS`` when set, else the terminal's;
    None (lines are never cut) into a file or a pipe without ``COLUMNS``."""
    if output_file is not None:
        return None
    columns = os.environ.get("COLUMNS", "")
    if columns.isdigit() and int(columns) > 0:
        return int(columns)
    if sys.stdout.isatty():
        return shutil.get_terminal_size().columns
    return None


def print_errors(report: Report) -> None:
    for err in report.errors:
        print(f"{err.path}:{err.line}:{err.column}: E999 {err.message}", file=sys.stderr)


def print_noqa_warnings(results) -> None:
    """Unknown codes and malformed `# noqa` comments, as ruff warns about them."""
    for r in results:
        for line, message in r.warnings:
            print(f"tritonlint: warning: {r.path}:{line}: {message}", file=sys.stderr)


def statistics(report: Report) -> str:
    from collections import Counter

    from ..diagnostics import Applicability

    counts = Counter(d.code for d in report.diagnostics)
    fixable = Counter(d.code for d in report.diagnostics if d.fix and d.fix.applicability == Applicability.SAFE)
    from ..rule_catalogue import by_code

    lines = [f"{n:>5}  {code}  {by_code()[code].name}  ({fixable[code]} fixable)" for code, n in sorted(counts.items())]
    return "\n".join(lines) + ("\n" if lines else "")


def statistics_json(report: Report) -> str:
    """``[{code, name, count, fixable, fixable_count}]``, the shape of ruff's JSON statistics."""
    import json
    from collections import Counter

    from ..diagnostics import Applicability
    from ..rule_catalogue import by_code

    counts = Counter(d.code for d in report.diagnostics)
    fixable = Counter(d.code for d in report.diagnostics if d.fix and d.fix.applicability == Applicability.SAFE)
    rows = [{"code": c, "name": by_code()[c].name, "count": n, "fixable": fixable[c] > 0, "fixable_count": fixable[c]}
            for c, n in sorted(counts.items())]
    return json.dumps(rows, indent=2) + "\n"
