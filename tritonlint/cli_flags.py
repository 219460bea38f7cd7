"""The flags of ``check`` that follow ruff's command line: file selection,
per-file ignores, what to print, stdin for editors."""
from __future__ import annotations

import argparse


def add_convention_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("--exclude", action="append", metavar="PATTERNS",
                   help="comma-separated patterns to exclude, replacing the configuration's `exclude`")
    p.add_argument("--extend-exclude", action="append", metavar="PATTERNS",
                   help="patterns to exclude in addition to the configuration's")
    p.add_argument("--per-file-ignores", action="append", metavar="PATTERN:CODES",
                   help="e.g. 'tests/*:TL002', replacing the configuration's `per-file-ignores`")
    p.add_argument("--extend-per-file-ignores", action="append", metavar="PATTERN:CODES",
                   help="per-file ignores in addition to the configuration's")
    p.add_argument("--show-fixes", dest="show_fixes", action="store_true", default=None,
                   help="with --fix, list the findings fixed, by file and rule")
    p.add_argument("--no-show-fixes", dest="show_fixes", action="store_false",
                   help="do not print the fix of each finding")
    p.add_argument("--exit-non-zero-on-fix", action="store_true",
                   help="exit 1 when --fix changed a file, even if no finding remains")
    p.add_argument("-q", "--quiet", action="store_true", help="print the findings, but no summary")
    p.add_argument("-s", "--silent", action="store_true",
                   help="print nothing (the exit code still says whether findings remain)")
    p.add_argument("--show-settings", action="store_true",
                   help="print the settings that apply to the first path, then exit")
    p.add_argument("--show-files", action="store_true", help="print the files that would be checked, then exit")
    p.add_argument("--stdin-filename", metavar="PATH",
                   help="read the source from stdin and report it under this name (also with `-` as the path)")
