"""``--format text``: ``path:line:col: CODE message``, a code frame, the chain of
values, the fix, and a summary line. Colour only on a terminal."""
from __future__ import annotations

import io
from collections import Counter

from rich.console import Console
from rich.markup import escape

from ..diagnostics import Applicability, Diagnostic
from . import Report


def _frame(d: Diagnostic, lines: list[str]) -> list[str]:
    out = []
    first, last = d.start.line, min(d.end.line, d.start.line + 3)
    width = len(str(last))
    for n in range(first, last + 1):
        if n - 1 >= len(lines):
            break
        text = lines[n - 1].rstrip("\r\n").expandtabs(4)
        out.append(f"[dim]{n:>{width}} |[/dim] {escape(text)}")
        if n == d.start.line:
            end = d.end.column if d.end.line == n else len(text)
            caret = " " * d.start.column + "^" * max(1, end - d.start.column)
            out.append(f"[dim]{'':>{width}} |[/dim] [bold red]{caret}[/bold red]")
    return out


def render(report: Report, color: bool | None = None) -> str:
    buf = io.StringIO()
    console = Console(file=buf, force_terminal=bool(color), color_system="standard" if color else None,
                      highlight=False, soft_wrap=True, width=120)
    cache: dict[str, list[str]] = {}
    for d in report.diagnostics:
        if d.path not in cache:
            cache[d.path] = (report.source(d.path) or "").splitlines()
        console.print(f"[bold]{escape(d.path)}:{d.start.line}:{d.start.column + 1}:[/bold] "
                      f"[bold red]{d.code}[/bold red] {escape(d.message)}")
        for line in _frame(d, cache[d.path]):
            console.print("  " + line)
        for item in d.chain:
            console.print(f"  [cyan]=[/cyan] {escape(item)}")
        if d.fix is not None and report.show_fixes:
            kind = {Applicability.SAFE: "safe fix", Applicability.UNSAFE: "unsafe fix, needs --unsafe-fixes",
                    Applicability.DISPLAY: "suggestion"}[d.fix.applicability]
            console.print(f"  [green]help[/green]: {escape(d.fix.message)} ({kind})")
        console.print(f"  [dim]in kernel `{escape(d.kernel)}`; silence with `# noqa: {d.code}`[/dim]")
        console.print()
    for err in report.errors:
        console.print(f"[bold]{escape(err.path)}:{err.line}:{err.column}:[/bold] [bold red]E999[/bold red] {escape(err.message)}")
    for r in report.fix_failures:
        console.print(f"[bold]{escape(r.path)}:[/bold] [bold yellow]fix rolled back[/bold yellow]: {escape(r.fix_failure or '')}")
    console.print(summary(report))
    return buf.getvalue()


def summary(report: Report) -> str:
    diags = report.diagnostics
    files = len(report.results)
    kernels = sum(r.kernels for r in report.results)
    parts = []
    if report.fix_mode and report.fixed:
        parts.append(f"Fixed {report.fixed} finding{'s' if report.fixed != 1 else ''}.")
    if diags:
        counts = Counter(d.code for d in diags)
        by_code = ", ".join(f"{c}: {n}" for c, n in sorted(counts.items()))
        fixable = sum(1 for d in diags if d.fix and d.fix.applicability == Applicability.SAFE)
        unsafe = sum(1 for d in diags if d.fix and d.fix.applicability == Applicability.UNSAFE)
        parts.append(f"Found {len(diags)} finding{'s' if len(diags) != 1 else ''} ({by_code}) "
                     f"in {files} file{'s' if files != 1 else ''} checked ({kernels} kernel{'s' if kernels != 1 else ''}).")
        if not report.fix_mode and fixable:
            parts.append(f"{fixable} fixable with `tritonlint check --fix`" +
                         (f" ({unsafe} more with --unsafe-fixes)." if unsafe else "."))
        elif unsafe and not report.unsafe_fixes:
            parts.append(f"{unsafe} more fixable with --unsafe-fixes.")
    elif not report.errors:
        parts.append(f"All checks passed: {files} file{'s' if files != 1 else ''} checked "
                     f"({kernels} kernel{'s' if kernels != 1 else ''}).")
    else:
        parts.append(f"No findings in the {files - len(report.errors)} file(s) that could be parsed "
                     f"({kernels} kernel{'s' if kernels != 1 else ''}).")
    if report.suppressed:
        parts.append(f"{len(report.suppressed)} suppressed by noqa.")
    if report.errors:
        parts.append(f"{len(report.errors)} file{'s' if len(report.errors) != 1 else ''} could not be parsed.")
    return " ".join(parts)
