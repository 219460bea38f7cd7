"""Checking (and fixing) source read from stdin, for editors: ``tritonlint check -``
or ``--stdin-filename PATH``, which names the file for messages, settings and
per-file ignores. With ``--fix`` the fixed source is written to stdout (as ruff
does) and the report goes to stderr."""
from __future__ import annotations

import difflib
import sys
from pathlib import Path

from .diagnostics import FileResult
from .settings import Resolver


def reads_stdin(args) -> bool:
    return bool(getattr(args, "stdin_filename", None)) or [str(p) for p in args.paths] == ["-"]


def check_stdin(args, resolver: Resolver) -> tuple[FileResult, str, str]:
    """Returns (the result, the source read, the source after fixing: the same
    unless --fix, --fix-only or --diff)."""
    from .engine import check_source
    from .fixer import fix_text
    from .launch_facts import LaunchIndex

    ignored = [str(p) for p in args.paths if str(p) != "-"]
    if ignored:  # as ruff: the source comes from stdin, the paths are not read
        print(f"tritonlint: warning: ignoring {', '.join(ignored)} in favour of stdin (--stdin-filename)",
              file=sys.stderr)
    text = sys.stdin.read()
    name = args.stdin_filename or "-"
    settings = resolver.for_path(Path(name) if args.stdin_filename else Path.cwd())
    if args.stdin_filename and settings.force_exclude and settings.is_excluded(Path(name)):
        return FileResult(name), text, text  # an excluded file passes through unchanged
    launches = LaunchIndex.from_texts([(name, text)])
    if args.fix or args.fix_only or args.diff:
        outcome = fix_text(text, name, settings, args.unsafe_fixes, launches=launches)
        result = outcome.result
        result.fixed, result.fixed_codes, result.resolved = outcome.fixed, outcome.fixed_codes, outcome.resolved
        result.fix_failure = outcome.failure
        return result, text, outcome.text
    return check_source(text, name, settings, launches=launches), text, text


def stdin_diff(name: str, before: str, after: str) -> str:
    if before == after:
        return ""
    return "".join(difflib.unified_diff(before.splitlines(keepends=True), after.splitlines(keepends=True),
                                        fromfile=f"a/{name}", tofile=f"b/{name}"))
