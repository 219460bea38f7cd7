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
    print(f"tritonlint: internal error: {type(exc).__name__}: {_describe(exc)}", file=sys.stderr)
    print(f"tritonlint: this is a bug in tritonlint; please report it{_where()} with the command line and the "
          f"file it ran on ({DEBUG_VARIABLE}=1 prints the traceback)", file=sys.stderr)
    return 2


def _describe(exc: BaseException) -> str:
    """The exception's text, bounded: one carrying a deeply nested syntax node may
    recurse again while it is formatted, and the run must still end with exit 2."""
    try:
        text = str(exc)
    except Exception:  # noqa: BLE001 - any failure to format must not change the exit code
        return "(the exception could not be formatted)"
    return text if len(text) <= 500 else text[:497] + "..."


def _where() -> str:
    """The project's issue tracker when its metadata names one; no invented address."""
    try:
        from .urls import project_urls
    except ImportError:  # pragma: no cover
        return ""
    urls = project_urls()
    address = urls.get("issues") or urls.get("bug tracker") or urls.get("repository") or urls.get("homepage")
    return f" at {address}" if address else ""
