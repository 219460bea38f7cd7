"""Paths that must never be opened: a FIFO named ``x.py`` blocks the first read
forever, a device or a socket is not source code. Discovery yields them as
``NotRegularFile``, whose ``open`` raises instead of blocking, so every reader
(the launch index, the checker, the fixer) skips or reports them as it does an
unreadable file: E999 for that path, and the run goes on."""
from __future__ import annotations

import os
import stat
from pathlib import Path

KINDS = ((stat.S_ISFIFO, "a FIFO"), (stat.S_ISSOCK, "a socket"), (stat.S_ISCHR, "a character device"),
         (stat.S_ISBLK, "a block device"), (stat.S_ISDIR, "a directory"))


def describe(path: Path) -> str | None:
    """What ``path`` is when it exists and is not a regular file (or a link to one);
    None for a regular file, and for a path that cannot be stat'ed (a missing file,
    a dangling link or a symlink loop), whose read fails with the system's reason."""
    try:
        mode = os.stat(path).st_mode
    except (OSError, ValueError):
        return None
    if stat.S_ISREG(mode):
        return None
    return next((name for test, name in KINDS if test(mode)), "not a regular file")


class NotRegularFile(type(Path())):
    """A path that is reported, never read. Reading it raises OSError."""

    def open(self, *args, **kwargs):
        # described again here: a path sent to a worker process loses any attribute
        what = describe(self) or "not a regular file"
        raise OSError(f"not a regular file ({what}); not read")
