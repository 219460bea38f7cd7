"""``--format github``: GitHub Actions workflow commands, one annotation per finding.

    ::error file=k.py,line=8,col=22,endLine=8,endColumn=34,title=TL002 (int32-offset-product)::message

GitHub's escaping: in the message ``%``, ``\\r`` and ``\\n`` are percent-encoded;
in property values ``:`` and ``,`` are too. Paths are relative to the current
directory (the workspace root in a workflow), lines and columns 1-based.
"""
from __future__ import annotations

import os
from collections import Counter

from ..diagnostics import Applicability, Diagnostic, Severity
from . import Report


def escape_data(s: str) -> str:
    return s.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def escape_property(s: str) -> str:
    return escape_data(s).replace(":", "%3A").replace(",", "%2C")


def display_path(path: str) -> str:
    """Relative to the current directory when below it; posix separators."""
    try:
        rel = os.path.relpath(path)
    except ValueError:  # another drive on Windows
        return path.replace(os.sep, "/")
    if rel.startswith(".."):
        return os.path.abspath(path).replace(os.sep, "/")
    return rel.replace(os.sep, "/")


def command(kind: str, message: str, **props) -> str:
    parts = ",".join(f"{k}={escape_property(str(v))}" for k, v in props.items() if v is not None)
    return f"::{kind} {parts}::{escape_data(message)}" if parts else f"::{kind}::{escape_data(message)}"


_FIX_NOTE = {
    Applicability.SAFE: "safe fix, applied by `tritonlint check --fix`",
    Applicability.UNSAFE: "unsafe fix, applied with `tritonlint check --fix --unsafe-fixes`",
    Applicability.DISPLAY: "suggestion",
}


def annotation(d: Diagnostic) -> str:
    message = d.message
    if d.fix is not None:
        message += f"\nhelp: {d.fix.message} ({_FIX_NOTE[d.fix.applicability]})"
    kind = "error" if d.severity == Severity.ERROR else "warning"
    return command(kind, message, file=display_path(d.path), line=d.start.line, col=d.start.column + 1,
                   endLine=d.end.line, endColumn=d.end.column + 1, title=f"{d.code} ({d.name})")


def render(report: Report) -> str:
    lines = [annotation(d) for d in report.diagnostics]
    for err in report.errors:
        lines.append(command("error", err.message, file=display_path(err.path), line=err.line, col=err.column,
                             title="E999 (syntax-error)"))
    for r in report.fix_failures:
        lines.append(command("warning", f"fix rolled back: {r.fix_failure}", file=display_path(r.path),
                             title="tritonlint --fix"))
    lines += [command("warning", message, file=display_path(r.path), line=line, title="tritonlint # noqa")
              for r in report.results for line, message in r.warnings]
    if report.statistics:
        diags = report.diagnostics
        counts = Counter(d.code for d in diags)
        fixable = Counter(d.code for d in diags if d.fix and d.fix.applicability == Applicability.SAFE)
        body = "\n".join(f"{code}: {n} ({fixable[code]} fixable)" for code, n in sorted(counts.items()))
        lines.append(command("notice", body or "no findings", title=f"tritonlint: {len(diags)} findings"))
    return "".join(line + "\n" for line in lines)
