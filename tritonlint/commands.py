"""Subcommands besides ``check``: ``rule`` (the catalogue and each rule's docs) and
``review`` (only the findings a change introduces). ``cli.main`` calls
:func:`register` to add them and :func:`dispatch` to run them."""
from __future__ import annotations

import argparse
import json
import re
import sys
from pathlib import Path

from .config_overrides import ConfigAction

REVIEW_FORMATS = ("markdown", "text", "json", "github", "sarif")


def _subparsers(parser: argparse.ArgumentParser) -> argparse._SubParsersAction:
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            return action
    return parser.add_subparsers(dest="command")


def register(parser: argparse.ArgumentParser) -> None:
    sub = _subparsers(parser)

    rule = sub.add_parser("rule", help="show a rule's documentation, or list the catalogue with --all",
                          description="Show a rule's documentation (`tritonlint rule TL002`) or the whole "
                                      "catalogue (`tritonlint rule --all`).")
    rule.add_argument("code", nargs="?", help="rule code or name, e.g. TL002 or int32-offset-product")
    rule.add_argument("--all", action="store_true", help="list every rule")
    rule.add_argument("--format", "--output-format", dest="format", choices=("text", "markdown", "json"),
                      default="text")
    rule.add_argument("--color", choices=("auto", "always", "never"), default="auto")

    review = sub.add_parser(
        "review", help="report only the findings the working tree introduces relative to a base",
        description="Lint the working tree and the merge base of HEAD with --base, and report only the "
                    "findings that are new (matched by rule, file, kernel and expression, not by line). "
                    "Exit 1 when something new is found, 0 otherwise, 2 on errors.")
    review.add_argument("paths", nargs="*", type=Path, help="limit the review to these files or directories")
    review.add_argument("--base", required=True, help="the branch or commit the change is compared with, "
                                                      "e.g. origin/main")
    review.add_argument("--format", "--output-format", dest="format", choices=REVIEW_FORMATS, default="markdown")
    review.add_argument("--output-file", "-o", type=Path, help="write the report to this file")
    review.add_argument("--select", help="comma-separated codes or prefixes to enable (ALL for every rule)")
    review.add_argument("--extend-select", help="codes or prefixes to enable in addition")
    review.add_argument("--ignore", help="codes or prefixes to disable")
    review.add_argument("--config", action=ConfigAction, help="a configuration file (instead of the nearest "
                        "pyproject.toml), or a TOML `KEY = VALUE` pair overriding one setting (repeatable)")
    review.add_argument("--target-version", metavar="VERSIONS",
                        help="Triton version(s) the kernels must be right on, comma-separated (strictest wins)")
    review.add_argument("--exit-zero", action="store_true", help="exit 0 even when new findings are found")
    review.add_argument("--statistics", action="store_true", help="counts by rule: added to text, github and sarif; "
                                                                   "instead of the findings with json")
    review.add_argument("--color", choices=("auto", "always", "never"), default="auto")


def dispatch(args) -> int:
    if args.command == "rule":
        return run_rule(args)
    if args.command == "review":
        from .review import run_review

        return run_review(args)
    print("tritonlint: error: no command given (try `tritonlint check`)", file=sys.stderr)
    return 2


# --- tritonlint rule -------------------------------------------------------------------------


def rule_data(rule) -> dict:
    return {
        "code": rule.code,
        "name": rule.name,
        "summary": rule.summary,
        "fix": rule.fix_applicability.value if rule.fix_applicability else None,
        "default_enabled": bool(rule.default_enabled),
        "url": rule.url(),
        "explanation": rule.docs.strip(),
    }


def find_rule(key: str):
    # the metadata, without loading the checks (start-up)
    from .rule_catalogue import by_code_or_name

    return by_code_or_name(key)


def rule_markdown(rule) -> str:
    fix = rule.fix_applicability.value if rule.fix_applicability else "none"
    default = "on" if rule.default_enabled else "off (enable with --extend-select)"
    return (f"# {rule.code} {rule.name}\n\n{rule.summary}.\n\n"
            f"Fix: **{fix}**. Enabled by default: **{default}**.\n\n{rule.docs.strip()}\n")


def _print_rich(args, renderable) -> None:
    """Render at the terminal's width (``COLUMNS`` wins; 100 through a pipe), in
    colour as ``--color``, ``NO_COLOR`` and ``FORCE_COLOR`` say, without the
    trailing padding rich adds to every line."""
    import io
    import shutil

    from rich.console import Console

    from .reporters.output import use_color

    color = use_color(args.color)
    width = shutil.get_terminal_size((100, 24)).columns  # COLUMNS first, then the terminal, then 100
    buf = io.StringIO()
    Console(file=buf, force_terminal=color, color_system="standard" if color else None, no_color=not color,
            highlight=False, width=width).print(renderable)
    sys.stdout.write("".join(line.rstrip() + "\n" for line in buf.getvalue().splitlines()))


def run_rule(args) -> int:
    from .rule_catalogue import rules

    ALL_RULES = rules()  # the catalogue, read without importing libcst and the analysis

    if args.all == bool(args.code):
        print("tritonlint: error: give a rule code (`tritonlint rule TL002`) or --all", file=sys.stderr)
        return 2
    if args.all:
        rules = list(ALL_RULES)
        if args.format == "json":
            sys.stdout.write(json.dumps([rule_data(r) for r in rules], indent=2) + "\n")
        elif args.format == "markdown":
            lines = ["| code | name | summary | fix | default |", "|---|---|---|---|---|"]
            lines += [f"| {r.code} | {r.name} | {r.summary} | {r.fix_applicability.value if r.fix_applicability else 'none'}"
                      f" | {'on' if r.default_enabled else 'off'} |" for r in rules]
            sys.stdout.write("\n".join(lines) + "\n")
        else:
            sys.stdout.write(catalogue_text(rules))
        return 0
    rule = find_rule(args.code)
    if rule is None:
        known = ", ".join(r.code for r in ALL_RULES)
        print(f"tritonlint: error: unknown rule `{args.code}` (known: {known}; `tritonlint rule --all` lists them)",
              file=sys.stderr)
        return 2
    if args.format == "json":
        sys.stdout.write(json.dumps(rule_data(rule), indent=2) + "\n")
    elif args.format == "markdown":
        sys.stdout.write(rule_markdown(rule))
    else:
        from rich.markdown import Markdown

        # `2**31` outside a code span would render as a bold "31".
        doc = re.sub(r"(?<=\d)\*\*(?=\d)", r"\\*\\*", rule_markdown(rule))
        _print_rich(args, Markdown(doc))
    return 0


def catalogue_text(rules) -> str:
    rows = [("code", "name", "fix", "default", "summary")]
    rows += [(r.code, r.name, r.fix_applicability.value if r.fix_applicability else "none",
              "on" if r.default_enabled else "off", r.summary) for r in rules]
    widths = [max(len(row[i]) for row in rows) for i in range(4)]
    out = []
    for row in rows:
        out.append("  ".join(cell.ljust(w) for cell, w in zip(row[:4], widths)) + "  " + row[4])
    return "\n".join(line.rstrip() for line in out) + "\n"
