"""``tritonlint check --add-noqa[=REASON]``: silence every finding of today, as ruff's
``--add-noqa``, so that a repository can adopt tritonlint and fix the rest over time.

Each line with a finding gets ``# noqa: TLxxx REASON`` on the line a ``# noqa`` is
read from (the finding's ``noqa_row``: never a line that ends inside a multi-line
string or with a backslash). A ``# noqa`` already on the line gains the missing
codes; another comment stays where it is, the directive goes after it. Running it
again adds nothing. Files are rewritten atomically, keeping their encoding, BOM
and line endings, and a file whose result would not parse is left unchanged.
"""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

from . import suppressions
from .diagnostics import FileResult
from .writeback import write_atomic


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("--add-noqa", nargs="?", const="", default=None, metavar="REASON",
                   help="append `# noqa: TLxxx REASON` to every line with a finding, and write nothing else; "
                        "give the reason with `=`: --add-noqa='sizes checked by the caller'")


def usage_error(args) -> str | None:
    """Why --add-noqa cannot run with these flags; also takes back a path that
    argparse read as the reason (`--add-noqa src/` means the path, as ruff's
    `--add-noqa` takes its value only after `=`)."""
    if args.add_noqa is None:
        return None
    if args.add_noqa and Path(args.add_noqa).exists():
        args.paths = [*(args.paths or []), Path(args.add_noqa)]
        args.add_noqa = ""
    if "\n" in args.add_noqa or "\r" in args.add_noqa:
        return "the --add-noqa reason must be one line"
    if getattr(args, "stdin_filename", None) or [str(p) for p in args.paths or []] == ["-"]:
        return "--add-noqa writes the files it checks: it cannot read from stdin"
    for flag in ("fix", "diff", "fix_only"):
        if getattr(args, flag, False):
            return f"--add-noqa cannot be combined with --{flag.replace('_', '-')}"
    return None


def run(results: list[FileResult], reason: str) -> int:
    """Writes the directives; prints how many were added (as ruff, only when some
    were). Exit 2 when a file could not be read, parsed or written, else 0."""
    added, failed = 0, False
    for result in results:
        if result.error is not None:
            print(f"{result.error.path}:{result.error.line}:{result.error.column}: E999 {result.error.message}",
                  file=sys.stderr)
            failed = True
            continue
        wanted = _codes_by_line(result)
        if not wanted:
            continue
        path = Path(result.path)
        try:
            source = _read(path)
        except (OSError, UnicodeDecodeError, LookupError) as e:
            print(f"tritonlint: error: {path}: cannot read: {e}", file=sys.stderr)
            failed = True
            continue
        if result.source is not None and source.text != result.source:
            print(f"tritonlint: error: {path}: changed while it was checked; run --add-noqa again", file=sys.stderr)
            failed = True
            continue
        text, count = add_directives(source.text, wanted, reason)
        if not count:
            continue
        if not _parses(text):
            print(f"tritonlint: error: {path}: adding `# noqa` would break the file; it was left unchanged",
                  file=sys.stderr)
            failed = True
            continue
        try:
            write_atomic(path, source.encode(text), expected=source.encode(source.text))  # not over a new edit
        except OSError as e:
            print(f"tritonlint: error: {path}: cannot write: {e}", file=sys.stderr)
            failed = True
            continue
        added += count
    if added:
        print(f"Added {added} noqa directive{'s' if added != 1 else ''}.", file=sys.stderr)
    return 2 if failed else 0


def _read(path: Path):
    # the engine loads with a check, not with the command line's flags
    from .engine import SourceFile

    return SourceFile.read(path)


def _codes_by_line(result: FileResult) -> dict[int, set[str]]:
    from .engine import UNUSED_NOQA

    out: dict[int, set[str]] = {}
    for d in result.diagnostics:
        # an unused `# noqa` is removed by its fix, never silenced by another one
        if d.suppressed or d.code == UNUSED_NOQA or d.noqa_line is None:
            continue
        out.setdefault(d.noqa_line, set()).add(d.code)
    return out


def add_directives(text: str, wanted: dict[int, set[str]], reason: str = "") -> tuple[str, int]:
    """``text`` with ``# noqa`` for ``wanted`` (line -> codes), and how many lines changed."""
    from .engine import rule_defaults

    sup = suppressions.parse(text, rule_defaults())
    lines = suppressions.lines_with_endings(text)
    count = 0
    for line_no, codes in sorted(wanted.items()):
        if not 1 <= line_no <= len(lines):
            continue
        full = lines[line_no - 1]
        body = full.rstrip("\r\n")
        ending = full[len(body):]
        directive = sup.directives.get(line_no)
        if directive is not None:
            if directive.blanket:
                continue
            missing = sorted(codes - {c.text for c in directive.codes})
            if not missing:
                continue
            insert = ", " + ", ".join(missing)
            if reason and not directive.reason:
                insert += f" {reason}"
            body = body[:directive.end] + insert + body[directive.end:]
        else:
            body = body.rstrip() + "  # noqa: " + ", ".join(sorted(codes)) + (f" {reason}" if reason else "")
        lines[line_no - 1] = body + ending
        count += 1
    return "".join(lines), count


def _parses(text: str) -> bool:
    """With the engine's own parser: what it linted must still parse."""
    import libcst as cst

    try:
        cst.parse_module(text)
    except (cst.ParserSyntaxError, RecursionError, ValueError):
        return False
    return True
