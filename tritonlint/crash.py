"""An unexpected exception ends the run with a one-line message and exit code 2
(1 means findings remain), never a raw traceback. ``TRITONLINT_DEBUG=1`` prints
the traceback too, for a bug report."""
from __future__ import annotations

import os
import sys
import traceback

DEBUG_VARIABLE = "TRITONLINT_DEBUG"


def report_crash(exc: BaseException) -> int:
    if os.environ.get(DEBUG_VARIABLE):
        traceback.print_exception(exc, file=sys.stderr)
    if isinstance(exc, OSError):  # the system refused something (a full disk, a read-only -o path): not a bug
        print(f"tritonlint: error: {exc}", file=sys.stderr)
        return 2
    print(f"tritonlint: internal error: {type(exc).__name__}: {exc}", file=sys.stderr)
    print(f"tritonlint: this is a bug in tritonlint; please report it{_where()} with the command line and the "
          f"file it ran on ({DEBUG_VARIABLE}=1 prints the traceback)", file=sys.stderr)
    return 2


def _where() -> str:
    """The project's issue tracker when its metadata names one; no invented address."""
    try:
        from .urls import project_urls
    except ImportError:  # pragma: no cover
        return ""
    urls = project_urls()
    address = urls.get("issues") or urls.get("bug tracker") or urls.get("repository") or urls.get("homepage")
    return f" at {address}" if address else ""
