"""``--format concise``: one line per finding, ``path:row:col: CODE message`` (ruff's
concise format), then the summary line. Columns are 1-based."""
from __future__ import annotations

from . import Report
from .text import summary


def render(report: Report) -> str:
    lines = [f"{d.path}:{d.start.line}:{d.start.column + 1}: {d.code} {d.message}" for d in report.diagnostics]
    lines += [f"{e.path}:{e.line}:{e.column}: E999 {e.message}" for e in report.errors]
    lines += [f"{r.path}: fix rolled back: {r.fix_failure}" for r in report.fix_failures]
    if not report.quiet:
        lines.append(summary(report))
    return "".join(line + "\n" for line in lines)
