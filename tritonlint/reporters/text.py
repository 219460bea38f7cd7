"""``--format text``: ``path:line:col: CODE message``, a code frame, the chain of
values, the fix, and a summary line. Colour only on a terminal.

Given a ``width`` (the terminal's columns), a source line longer than the frame
has room for is cut around the flagged expression, with ``…`` where text was cut,
and the caret stays under the expression. Tabs are expanded, the caret with them.
"""
from __future__ import annotations

import io
from collections import Counter

from rich.console import Console
from rich.markup import escape

from ..diagnostics import Applicability, Diagnostic
from . import Report

TAB = 4
ELLIPSIS = "…"


def display_column(raw: str, column: int) -> int:
    """Where character ``column`` of ``raw`` appears once tabs are expanded."""
    return len(raw[:column].expandtabs(TAB))


def window(length: int, start: int, end: int, room: int | None) -> tuple[int, int]:
    """The slice ``[a, b)`` of a line of ``length`` columns to show in ``room``
    columns (ellipses included), keeping ``[start, end)`` in view when it fits."""
    if room is None or length <= room:
        return 0, length
    room = max(room, 3)
    inner = room - 2  # a cut on both sides
    span = end - start
    a = start if span >= inner else max(0, start - (inner - span) // 2)
    if a == 0:
        return 0, room - 1  # only the end is cut
    if a + inner >= length:
        return max(0, length - (room - 1)), length  # only the start is cut
    return a, a + inner


def _frame(d: Diagnostic, lines: list[str], width: int | None = None) -> list[str]:
    out = []
    first, last = d.start.line, min(d.end.line, d.start.line + 3)
    number_width = len(str(last))
    if first - 1 >= len(lines):
        return out
    flagged = lines[first - 1].rstrip("\r\n")
    start = display_column(flagged, d.start.column)
    end = display_column(flagged, d.end.column) if d.end.line == first else len(flagged.expandtabs(TAB))
    room = width - (2 + number_width + 3) if width else None  # "  " + "NN | "
    a, b = window(len(flagged.expandtabs(TAB)), start, end, room)
    for n in range(first, last + 1):
        if n - 1 >= len(lines):
            break
        text = lines[n - 1].rstrip("\r\n").expandtabs(TAB)
        head = ELLIPSIS if a > 0 and len(text) > a else ""
        tail = ELLIPSIS if len(text) > b else ""
        out.append(f"[dim]{n:>{number_width}} |[/dim] {escape(head + text[a:b] + tail)}".rstrip())
        if n == first:
            caret = " " * (start - a + len(head)) + "^" * max(1, min(end, b) - start)
            out.append(f"[dim]{'':>{number_width}} |[/dim] [bold red]{caret}[/bold red]")
    return out


def render(report: Report, color: bool | None = None, width: int | None = None) -> str:
    buf = io.StringIO()
    console = Console(file=buf, force_terminal=bool(color), color_system="standard" if color else None,
                      no_color=not color, highlight=False, soft_wrap=True, width=120)
    cache: dict[str, list[str]] = {}
    for d in report.diagnostics:
        if d.path not in cache:
            cache[d.path] = (report.source(d.path) or "").splitlines()
        console.print(f"[bold]{escape(d.path)}:{d.start.line}:{d.start.column + 1}:[/bold] "
                      f"[bold red]{d.code}[/bold red] {escape(d.message)}")
        for line in _frame(d, cache[d.path], width):
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
    if report.fix_mode and report.list_fixed:
        console.print(escape(fixed_listing(report)), end="")
    if not report.quiet:
        console.print(summary(report))
    return buf.getvalue()


def fixed_listing(report: Report) -> str:
    """``--show-fixes`` after ``--fix``: what was fixed, by file and rule (as ruff lists it)."""
    from ..rule_catalogue import by_code

    fixed = [r for r in report.results if r.fixed_codes]
    if not fixed:
        return "No findings fixed.\n"
    out = [f"{fixed_sentence(report)[:-1]}:"]
    for r in sorted(fixed, key=lambda r: r.path):
        out.append(f"- {r.path}:")
        out += [f"    {n} × {code} ({by_code()[code].name})" for code, n in sorted(Counter(r.fixed_codes).items())]
    return "\n".join(out) + "\n"


def fixed_sentence(report: Report) -> str:
    """"Fixed N findings." -- N is what the summary before called fixable; findings
    that went away with them are counted apart."""
    s = f"Fixed {report.fixed} finding{'s' if report.fixed != 1 else ''}"
    if report.resolved:
        s += f" ({report.resolved} more went away with {'them' if report.fixed != 1 else 'it'})"
    return s + "."


def summary(report: Report) -> str:
    diags = report.diagnostics
    files = len(report.results)
    kernels = sum(r.kernels for r in report.results)
    elapsed = report.extra.get("elapsed")  # set only when the report goes to a terminal
    took = f" in {elapsed:.1f} s" if elapsed is not None else ""
    parts = []
    if report.fix_mode and (report.fixed or report.resolved):
        parts.append(fixed_sentence(report))
    if diags:
        counts = Counter(d.code for d in diags)
        by_code = ", ".join(f"{c}: {n}" for c, n in sorted(counts.items()))
        safe = sum(1 for d in diags if d.fix and d.fix.applicability == Applicability.SAFE)
        unsafe = sum(1 for d in diags if d.fix and d.fix.applicability == Applicability.UNSAFE)
        parts.append(f"Found {len(diags)} finding{'s' if len(diags) != 1 else ''} ({by_code}) "
                     f"in {files} file{'s' if files != 1 else ''} checked ({kernels} kernel{'s' if kernels != 1 else ''}){took}.")
        if not report.fix_mode and report.unsafe_fixes and safe + unsafe:
            parts.append(f"{safe + unsafe} fixable with `tritonlint check --fix --unsafe-fixes`.")
        elif not report.fix_mode and safe:
            parts.append(f"{safe} fixable with `tritonlint check --fix`" +
                         (f" ({unsafe} more with --unsafe-fixes)." if unsafe else "."))
        elif unsafe and not report.unsafe_fixes:
            parts.append(f"{unsafe} more fixable with --unsafe-fixes.")
    elif not report.errors:
        parts.append(f"All checks passed: {files} file{'s' if files != 1 else ''} checked "
                     f"({kernels} kernel{'s' if kernels != 1 else ''}){took}.")
    else:
        parts.append(f"No findings in the {files - len(report.errors)} file(s) that could be parsed "
                     f"({kernels} kernel{'s' if kernels != 1 else ''}){took}.")
    if report.suppressed:
        parts.append(f"{len(report.suppressed)} suppressed by noqa.")
    if report.errors:
        parts.append(f"{len(report.errors)} file{'s' if len(report.errors) != 1 else ''} could not be parsed.")
    return " ".join(parts)


def statistics_text(report: Report) -> str:
    """``--statistics``: the counts by rule instead of the findings, then the summary."""
    from .output import statistics

    return statistics(report) + ("" if report.quiet else summary(report) + "\n")
