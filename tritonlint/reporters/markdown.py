"""``--format markdown``: a report for people, ready to paste as a PR comment.

A summary table by rule, then each finding: where it is, the message, a code
frame, the chain of values it is built from, the size at which it wraps, and its
fix as a diff. ``tritonlint review`` renders through this module too; it sets
``Report.extra["title"]`` / ``["preamble"]`` for its heading and
``["sources"]`` (path -> text) for the code frames.
"""
from __future__ import annotations

import difflib
import re
from collections import Counter

from ..diagnostics import Applicability, Diagnostic, source_lines
from ..rule_catalogue import by_code
from . import Report
from .github import display_path

CONTEXT = 2  # source lines shown above a finding
MAX_CHARS = 60_000  # GitHub rejects comments over 65536 characters

_FIX_NOTE = {
    Applicability.SAFE: "safe: `tritonlint check --fix` applies it",
    Applicability.UNSAFE: "unsafe: applied only with `tritonlint check --fix --unsafe-fixes`; read the rule's *Fix safety*",
    Applicability.DISPLAY: "suggestion: never applied automatically",
}


def text(s: str) -> str:
    """Escape Markdown outside `code spans` (``2**31`` must not turn into bold)."""
    parts = re.split(r"(`[^`]*`)", s)
    out = []
    for i, p in enumerate(parts):
        if i % 2:
            out.append(p)
        else:
            p = re.sub(r"([\\*<\[|])", r"\\\1", p)
            out.append(re.sub(r"(?<![A-Za-z0-9])_|_(?![A-Za-z0-9])", r"\\_", p))
    return "".join(out)


def code(s: str) -> str:
    """An inline code span that survives backticks inside ``s``."""
    run = max((len(m) for m in re.findall(r"`+", s)), default=0)
    fence = "`" * (run + 1)
    pad = " " if s.startswith("`") or s.endswith("`") else ""
    return f"{fence}{pad}{s}{pad}{fence}"


def fenced(body: str, lang: str) -> str:
    run = max((len(m) for m in re.findall(r"`{3,}", body)), default=0)
    fence = "`" * max(3, run + 1)
    return f"{fence}{lang}\n{body.rstrip()}\n{fence}"


def _plural(n: int, word: str) -> str:
    return f"{n} {word}{'' if n == 1 else 's'}"


def frame(d: Diagnostic, source: str) -> str:
    lines = source_lines(source)
    first = max(1, d.start.line - CONTEXT)
    last = min(len(lines), d.end.line, d.start.line + 3)
    width = len(str(last))
    out = []
    for n in range(first, last + 1):
        line = lines[n - 1].expandtabs(4)
        out.append(f"{n:>{width}} | {line}".rstrip())
        if n == d.start.line:
            end = d.end.column if d.end.line == n else len(line)
            out.append(f"{'':>{width}} | " + " " * d.start.column + "^" * max(1, end - d.start.column))
    return "\n".join(out)


def fix_diff(d: Diagnostic, source: str) -> str:
    from ..fixer import apply_edits

    after = apply_edits(source, list(d.fix.edits))
    path = display_path(d.path)
    diff = difflib.unified_diff(source.splitlines(keepends=True), after.splitlines(keepends=True),
                                fromfile=f"a/{path}", tofile=f"b/{path}", n=1)
    return "".join(line.rstrip("\r\n") + "\n" for line in diff)  # CRLF files: no stray \r in the comment


def _chain_item(item: str) -> str:
    """"i_t: loop index over range(NT)" -> "`i_t`: loop index over range(NT)";
    "pid = tl.program_id(0)" -> "`pid = tl.program_id(0)`"."""
    if re.fullmatch(r"[A-Za-z_]\w* = .+", item):
        return code(item)
    name, sep, what = item.partition(": ")
    prose = re.search(r"[A-Za-z]{2,} [A-Za-z]{2,}", name)  # "loaded from memory, ...": not a value
    if sep and name and "`" not in name and not prose:
        return f"{code(name)}: {text(what)}"
    return text(item)


def summary_table(diags: list[Diagnostic]) -> list[str]:
    counts = Counter(d.code for d in diags)
    safe = Counter(d.code for d in diags if d.fix and d.fix.applicability == Applicability.SAFE)
    unsafe = Counter(d.code for d in diags if d.fix and d.fix.applicability == Applicability.UNSAFE)
    out = ["| Rule | Name | Findings | Safe fixes | Unsafe fixes |", "|---|---|--:|--:|--:|"]
    for c, n in sorted(counts.items()):
        rule = by_code().get(c)
        link = f"[`{c}`]({rule.url()})" if rule and rule.url() else f"`{c}`"
        out.append(f"| {link} | {rule.name if rule else ''} | {n} | {safe[c]} | {unsafe[c]} |")
    return out


def finding(i: int, d: Diagnostic, report: Report) -> list[str]:
    path = display_path(d.path)
    out = [f"### {i}. `{d.code}` {d.name}: {code(d.expression)} in kernel {code(d.kernel)}", "",
           f"{code(f'{path}:{d.start.line}:{d.start.column + 1}')}", "", text(d.message), ""]
    source = report.source(d.path)
    if source:
        out += [fenced(frame(d, source), "python"), ""]
    if d.chain:
        out += ["**Where the values come from**", ""]
        out += [f"- {_chain_item(item)}" for item in d.chain]
        out.append("")
    if d.threshold:
        out += [f"**When it breaks**: {text(d.threshold)}", ""]
    if d.size_note:
        out += [f"**At real sizes** ({d.tier}): {text(d.size_note)}", ""]
    if d.fix is not None:
        out += [f"**Fix** ({_FIX_NOTE[d.fix.applicability]}): {text(d.fix.message)}", ""]
        diff = fix_diff(d, source) if source else ""
        if diff:
            out += [fenced(diff, "diff"), ""]
    else:
        out += ["**Fix**: none automatic; see the rule's documentation.", ""]
    rule = by_code().get(d.code)
    # no link while the project has no public address: the docs ship with the tool
    more = f"[`{d.code}` documentation]({rule.url()}) · " if rule and rule.url() else \
        f"documentation: `tritonlint rule {d.code}` · "
    out += [f"<sub>{more}silence with `# noqa: {d.code}` and a reason</sub>", ""]
    return out


def suppressed_section(report: Report) -> list[str]:
    """The findings silenced by `# noqa`, each with the reason written after its codes,
    folded so that a long list does not bury the findings."""
    silenced = sorted(report.suppressed, key=Diagnostic.sort_key)
    if not silenced:
        return []
    out = [f"<details><summary>{_plural(len(silenced), 'finding')} suppressed by <code># noqa</code></summary>", ""]
    for d in silenced:
        where = code(f"{display_path(d.path)}:{d.start.line}")
        why = text(d.noqa_reason) if d.noqa_reason else "*no reason given*"
        out.append(f"- {where} `{d.code}` {code(d.expression)}: {why}")
    return out + ["", "</details>", ""]


def render(report: Report) -> str:
    diags = report.diagnostics
    files = len(report.results)
    kernels = sum(r.kernels for r in report.results)
    title = report.extra.get("title") or (
        f"tritonlint: {_plural(len(diags), 'finding')}" if diags else "tritonlint: no findings")
    out = [f"## {title}", ""]
    if report.extra.get("preamble"):
        out += [report.extra["preamble"], ""]
    if diags:
        out += summary_table(diags) + [""]
        size = sum(len(line) + 1 for line in out)
        for i, d in enumerate(diags, 1):
            section = finding(i, d, report)
            size += sum(len(line) + 1 for line in section)
            if size > MAX_CHARS and i > 1:
                rest = len(diags) - i + 1
                out += [f"*{_plural(rest, 'more finding')} not shown here to keep this report under GitHub's "
                        f"comment size limit; `--format text` lists them all.*", ""]
                break
            out += section
    if report.errors:
        out += ["### Files that could not be parsed", ""]
        out += [f"- {code(f'{display_path(e.path)}:{e.line}:{e.column}')}: {text(e.message)}" for e in report.errors]
        out.append("")
    out += suppressed_section(report)
    if report.fix_failures:
        out += ["### Fixes rolled back", ""]
        out += [f"- {code(display_path(r.path))}: {text(r.fix_failure or '')}" for r in report.fix_failures]
        out.append("")
    footer = report.extra.get("footer") or (
        f"{_plural(files, 'file')} checked ({_plural(kernels, 'kernel')})"
        + (f"; {len(report.suppressed)} suppressed by `# noqa`" if report.suppressed else "") + ".")
    out += [f"<sub>{footer}</sub>", ""]
    return "\n".join(out)
