"""``--format text``: ``path:line:col: CODE message``, a code frame, the chain of
values, the fix, and a summary line. Colour only on a terminal.

Given a ``width`` (the terminal's columns), a source line longer than the frame
has room for is cut around the flagged expression, with ``…`` where text was cut,
and the caret stays under the expression. Tabs are expanded, the caret with them.

Each line is built as styled segments. Without colour (piped, a file, CI) they are
joined here: rich's console costs about 0.2 ms a line, which was half of a warm run
on vLLM (its 900 findings print 9,600 lines). With colour, rich styles them.
Either way what reaches the output has the control characters that would move a
terminal's cursor (bell, backspace, vertical tab, form feed, carriage return)
removed and tabs expanded to 8 columns, as rich prints text.
"""
from __future__ import annotations

import io
from collections import Counter
from collections.abc import Iterator

from ..diagnostics import Applicability, Diagnostic, source_lines
from . import Report

TAB = 4
ELLIPSIS = "…"
#: text and its rich style (None: unstyled)
Segment = tuple[str, "str | None"]
#: what rich strips from printed text: bell, backspace, vertical tab, form feed, CR
_CURSOR_CONTROLS = dict.fromkeys((7, 8, 11, 12, 13))


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


def _frame(d: Diagnostic, lines: list[str], width: int | None = None) -> list[list[Segment]]:
    out: list[list[Segment]] = []
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
        shown = (" " + head + text[a:b] + tail).rstrip()
        out.append([("  ", None), (f"{n:>{number_width}} |", "dim")] + ([(shown, None)] if shown else []))
        if n == first:
            caret = " " * (start - a + len(head)) + "^" * max(1, min(end, b) - start)
            out.append([("  ", None), (f"{'':>{number_width}} |", "dim"), (" ", None), (caret, "bold red")])
    return out


def _lines(report: Report, width: int | None) -> Iterator[list[Segment]]:
    cache: dict[str, list[str]] = {}
    for d in report.diagnostics:
        if d.path not in cache:
            cache[d.path] = source_lines(report.source(d.path) or "")
        yield [(f"{d.path}:{d.start.line}:{d.start.column + 1}:", "bold"), (" ", None), (d.code, "bold red"),
               (" " + d.message, None)]
        yield from _frame(d, cache[d.path], width)
        for item in d.chain:
            yield [("  ", None), ("=", "cyan"), (" " + item, None)]
        if d.fix is not None and report.show_fixes:
            kind = {Applicability.SAFE: "safe fix", Applicability.UNSAFE: "unsafe fix, needs --unsafe-fixes",
                    Applicability.DISPLAY: "suggestion"}[d.fix.applicability]
            yield [("  ", None), ("help", "green"), (f": {d.fix.message} ({kind})", None)]
        yield [("  ", None), (f"in kernel `{d.kernel}`; silence with `# noqa: {d.code}`", "dim")]
        yield []
    for err in report.errors:
        yield [(f"{err.path}:{err.line}:{err.column}:", "bold"), (" ", None), ("E999", "bold red"),
               (" " + err.message, None)]
    for r in report.fix_failures:
        yield [(f"{r.path}:", "bold"), (" ", None), ("fix rolled back", "bold yellow"),
               (f": {r.fix_failure or ''}", None)]
    if report.fix_mode and report.list_fixed:
        for line in fixed_listing(report).splitlines():
            yield [(line, None)]
    if not report.quiet:
        yield [(summary(report), None)]


def render(report: Report, color: bool | None = None, width: int | None = None) -> str:
    if not color:
        out = []
        for line in _lines(report, width):
            text = "".join(t for t, _ in line).translate(_CURSOR_CONTROLS)
            out.append((text.expandtabs(8) if "\t" in text else text) + "\n")
        return "".join(out)
    from rich.console import Console
    from rich.text import Text

    buf = io.StringIO()
    console = Console(file=buf, force_terminal=True, color_system="standard", highlight=False, soft_wrap=True,
                      width=120)
    for line in _lines(report, width):
        console.print(Text.assemble(*line))
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
