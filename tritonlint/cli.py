"""Command line: turns flags into settings, calls the engine, renders, picks the
exit code. 0: no findings (or all fixed); 1: findings remain; 2: usage,
configuration or internal error, or a file that could not be read or parsed."""
from __future__ import annotations

import argparse
import difflib
import sys
from pathlib import Path

from . import __version__, add_noqa, baseline
from .cli_flags import add_convention_arguments
from .config_overrides import ConfigAction
from .diagnostics import FileResult
from .parallel import jobs_argument
from .reporters import Report, render
from .reporters.output import (
    emit,
    print_errors,
    print_noqa_warnings,
    statistics_json,
    terminal_width,
    use_color,
)
from .settings import DEFAULT_TARGET, ConfigError, Resolver
from .show import show_files, show_settings
from .stdin import check_stdin, reads_stdin, stdin_diff

SUBCOMMANDS = ("check", "rule", "review")
FORMATS = ("text", "concise", "json", "github", "sarif", "markdown")


def check_paths(*args, **kwargs) -> list[FileResult]:
    """engine.check_paths, loaded on the first check: `--version`, `--help` and
    `rule` never load the engine."""
    from .engine import check_paths as check

    return check(*args, **kwargs)


def overrides_from(args) -> dict:
    from .options import overrides_from as overrides

    return overrides(args)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="tritonlint", description="Find and fix int32 overflow in Triton kernel pointer arithmetic.")
    parser.add_argument("--version", action="version", version=f"tritonlint {__version__}")
    sub = parser.add_subparsers(dest="command")
    check = sub.add_parser("check", help="lint files and directories (the default command)")
    add_check_arguments(check)
    return parser


def add_check_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("paths", nargs="*", type=Path, help="files or directories (default: .)")
    p.add_argument("--select", help="comma-separated codes or prefixes to enable (ALL for every rule)")
    p.add_argument("--extend-select", help="codes or prefixes to enable in addition")
    p.add_argument("--ignore", help="codes or prefixes to disable")
    p.add_argument("--format", "--output-format", dest="format", choices=FORMATS, default="text")
    p.add_argument("--output-file", "-o", type=Path, help="write the report to this file")
    p.add_argument("--exit-zero", action="store_true", help="exit 0 even when findings remain")
    p.add_argument("--config", action=ConfigAction, help="a configuration file (instead of the nearest "
                   "pyproject.toml), or a TOML `KEY = VALUE` pair overriding one setting (repeatable)")
    p.add_argument("--target-version", metavar="VERSIONS",
                   help="Triton version(s) the kernels must be right on, comma-separated; each rule "
                        f"judges on the strictest (default {DEFAULT_TARGET})")
    p.add_argument("--fix", action="store_true", help="apply safe fixes")
    p.add_argument("--unsafe-fixes", action="store_true", help="also apply unsafe fixes (with --fix) or show them")
    p.add_argument("--diff", action="store_true", help="print the diff --fix would make; write nothing")
    p.add_argument("--fix-only", action="store_true", help="apply fixes, do not report what remains")
    p.add_argument("--force-exclude", action="store_true", help="apply excludes to files named explicitly too")
    p.add_argument("--respect-gitignore", dest="respect_gitignore", action="store_true", default=None,
                   help="skip files ignored by .gitignore (the default)")
    p.add_argument("--no-respect-gitignore", dest="respect_gitignore", action="store_false",
                   help="also check files that .gitignore ignores")
    p.add_argument("--strict", action="store_true",
                   help="report every int32 product that reaches an address, also those no realistic size wraps")
    p.add_argument("--statistics", action="store_true", help="print counts by rule instead of the findings")
    p.add_argument("--color", choices=("auto", "always", "never"), default="auto")
    add_convention_arguments(p)
    baseline.add_arguments(p)
    add_noqa.add_arguments(p)
    p.add_argument("--show-suppressed", action="store_true",
                   help="with --format json, also list the findings silenced by `# noqa`, with their reason")
    p.add_argument("--no-cache", action="store_true",
                   help="neither read nor write the cache (also TRITONLINT_NO_CACHE=1)")
    p.add_argument("--cache-dir", type=Path, metavar="DIR",
                   help="where the cache lives (also TRITONLINT_CACHE_DIR; default .tritonlint_cache at the "
                        "project root)")
    p.add_argument("--jobs", "-j", type=jobs_argument, default=None, metavar="N",
                   help="processes that check files (default: one per core; 1: this process only; "
                        "--fix always runs in one)")


def run_check(args) -> int:
    from .parallel import default_jobs
    from .progress import at_terminal, progress_for
    from .reporters.text import fixed_sentence, statistics_text  # rich: only when a report is printed

    noqa_error = add_noqa.usage_error(args)
    if noqa_error:
        print(f"tritonlint: error: {noqa_error}", file=sys.stderr)
        return 2
    from_stdin = reads_stdin(args)
    # a missing path is reported with the files (E999, exit 2) and the others are checked, as in ruff
    paths = [] if from_stdin else (args.paths or [Path(".")])
    elapsed = None
    try:
        resolver = Resolver(overrides_from(args), args.config)
        if args.show_files or args.show_settings:
            emit(show_files(paths, resolver) if args.show_files else show_settings((paths or [Path(".")])[0], resolver),
                 args.output_file)
            return 0
        if from_stdin:
            result, source, fixed_source = check_stdin(args, resolver)
            results, diffs = [result], [d for d in [stdin_diff(result.path, source, fixed_source)] if d and args.diff]
        elif args.fix or args.diff or args.fix_only:
            results, diffs = _fix(paths, resolver, args)
        else:
            with progress_for(args) as progress:
                results, diffs = check_paths(paths, resolver, args.jobs or default_jobs(), progress,
                                             _cache(args, resolver)), []
            elapsed = progress.elapsed() if at_terminal(args) else None  # a pipe or file gets the same bytes each run
        print_noqa_warnings(results)
        if getattr(args, "write_baseline", None):
            return baseline.write_from_run(args.write_baseline, results)
        if not (args.diff or args.fix_only):
            baseline.apply_from_settings(results, resolver)
        if args.add_noqa is not None:
            return add_noqa.run(results, args.add_noqa)
    except ConfigError as e:
        print(f"tritonlint: error: {e}", file=sys.stderr)
        return 2
    report = Report(results, fix_mode=bool(args.fix or args.fix_only), unsafe_fixes=args.unsafe_fixes,
                    statistics=args.statistics, show_fixes=args.show_fixes is not False,
                    list_fixed=bool(args.show_fixes), quiet=args.quiet or args.silent)
    report.extra["show_suppressed"] = args.show_suppressed
    report.extra["elapsed"] = elapsed
    changed = report.fixed + report.resolved > 0
    # a fix that could not be written (read-only, changed meanwhile) is an error, as ruff's I/O errors
    not_written = any(r.fix_not_written for r in results)
    from .reporters.json import fix_failure_lines  # loads the rule catalogue: only after the run
    report_stream = None
    if from_stdin and (args.fix or args.fix_only) and not args.diff:
        sys.stdout.write(fixed_source)  # editors replace the buffer with it; the report goes to stderr
        report_stream = sys.stderr
    if args.diff:
        emit("".join(diffs), args.output_file)
        for r in results:
            if r.fix_failure:
                print(f"tritonlint: {r.path}: fix rolled back: {r.fix_failure}", file=sys.stderr)
        if any(r.error for r in results):
            print_errors(report)
            return 2
        return 1 if diffs else 0
    if args.fix_only:
        if not report.quiet:
            print(fixed_sentence(report), file=sys.stderr)
        print_errors(report)
        for line in fix_failure_lines(report):  # --fix-only prints no report that would show them
            print(line, file=sys.stderr)
        return 2 if report.errors or not_written else (1 if changed and args.exit_non_zero_on_fix else 0)
    if args.statistics and args.format in ("text", "concise"):
        text = statistics_text(report)  # as ruff: the counts replace the findings
    elif args.statistics and args.format == "json":
        text = statistics_json(report)  # as ruff: the counts replace the findings in JSON
    elif args.format == "text":
        stream = report_stream or sys.stdout
        text = render("text", report, color=use_color(args.color, args.output_file, stream),
                      width=terminal_width(args.output_file))
    else:
        text = render(args.format, report)
    if not args.silent or args.output_file is not None:
        emit(text, args.output_file, report_stream)
    if args.format not in ("text", "concise"):
        print_errors(report)
    if args.format == "json":
        for line in fix_failure_lines(report):
            print(line, file=sys.stderr)
    if report.errors or not_written:
        return 2
    if report.diagnostics and not args.exit_zero:
        return 1
    if changed and args.exit_non_zero_on_fix:
        return 1
    return 0


def _cache(args, resolver: Resolver):
    """The cache of a plain check; --add-noqa (which writes the files) goes without,
    as --fix, --diff and stdin do."""
    if args.no_cache or args.add_noqa is not None:
        return None
    from .cache import open_store

    return open_store(args.cache_dir, resolver)


def _fix(paths: list[Path], resolver: Resolver, args) -> tuple[list[FileResult], list[str]]:
    from .discovery import iter_files
    from .fixer import fix_file
    from .launch_facts import LaunchIndex

    results, diffs = [], []
    files = list(iter_files(paths, resolver))
    launches = LaunchIndex.from_paths(files)  # the same launch facts as a plain check
    for f in files:
        result, before, after = fix_file(f, resolver.for_path(f), args.unsafe_fixes, write=not args.diff,
                                         launches=launches)
        results.append(result)
        if args.diff and before != after:
            diffs.append("".join(difflib.unified_diff(
                before.splitlines(keepends=True), after.splitlines(keepends=True),
                fromfile=f"a/{f.as_posix().lstrip('/')}", tofile=f"b/{f.as_posix().lstrip('/')}")))
    return results, diffs


def main(argv: list[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    if not argv or (argv[0] not in SUBCOMMANDS and argv[0] not in ("-h", "--help", "--version")):
        argv = ["check", *argv]  # `tritonlint PATH...` means `tritonlint check PATH...`
    parser = build_parser()
    try:
        from . import commands  # rule/review subcommands, when present

        commands.register(parser)
    except ImportError:
        commands = None
    args = parser.parse_args(argv)
    try:
        if args.command == "check":
            return run_check(args)
        if commands is not None:
            return commands.dispatch(args)
        parser.print_help()
        return 2
    except KeyboardInterrupt:  # pragma: no cover
        return 130
    except BrokenPipeError:  # pragma: no cover
        return 0
    except Exception as e:  # noqa: BLE001 - anything else is our bug: say so, exit 2
        from .crash import report_crash

        return report_crash(e)


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
