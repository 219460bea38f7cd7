"""The ``tritonlint`` command's entry point.

``tritonlint --version`` is answered here, before the command line module (and
with it argparse, the reporters, the settings and the rule machinery) is imported:
that import was most of the 0.13 s the command took, against 0.08 s for the
interpreter alone. Everything else goes to ``cli.main``, which prints the same
``tritonlint X.Y.Z`` for ``--version`` when it is called directly.
"""
from __future__ import annotations

import sys


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    if list(args) == ["--version"]:
        from . import __version__

        print(f"tritonlint {__version__}")
        return 0
    from .cli import main as cli_main

    return cli_main(argv)
