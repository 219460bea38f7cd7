"""What a person at a terminal sees while a long run goes on, and how long it took.

A progress bar (files done / total, findings so far) on stderr, only when
stderr is a terminal, the report is text, and the run has lasted ``DELAY``
seconds: a short run, a pipe and the machine formats get nothing extra. The
bar is transient: once the run ends it is erased, and the report follows.
"""
from __future__ import annotations

import sys
import threading
import time
from contextlib import contextmanager
from typing import Iterator

from .diagnostics import FileResult

#: a run shorter than this shows no bar (a pre-commit run on one file stays silent)
DELAY = 1.0
HUMAN_FORMATS = ("text", "concise")


def at_terminal(args) -> bool:
    """The report goes to a person: text on a terminal, not into a file or a pipe,
    where a varying elapsed time would make the same run print different bytes."""
    return (args.format in HUMAN_FORMATS and args.output_file is None and not args.silent
            and sys.stdout.isatty())


class Progress:
    """Counts the files as the engine finishes them; draws the bar from ``DELAY``
    seconds after the start on (a timer, so the bar also shows while the launches
    of the run are read, before the first file is done)."""

    def __init__(self, draw: bool):
        self.draw = draw
        self.began = time.perf_counter()
        self.total = 0
        self.done = 0
        self.findings = 0
        self._lock = threading.Lock()
        self._closed = False
        self._timer: threading.Timer | None = None
        self._bar = None
        self._task = None

    def start(self, total: int) -> None:
        self.total = total
        if self.draw:
            self._timer = threading.Timer(DELAY, self._show)
            self._timer.daemon = True
            self._timer.start()

    def advance(self, result: FileResult) -> None:
        with self._lock:
            self.done += 1
            self.findings += sum(1 for d in result.diagnostics if not d.suppressed)
            if self._bar is not None:
                self._bar.update(self._task, completed=self.done, findings=self.findings)

    def _show(self) -> None:
        from rich.console import Console
        from rich.progress import BarColumn, MofNCompleteColumn, TextColumn, TimeElapsedColumn
        from rich.progress import Progress as Bar

        with self._lock:
            if self._closed:
                return
            self._bar = Bar(TextColumn("Checking"), BarColumn(), MofNCompleteColumn(), TextColumn("files,"),
                            TextColumn("{task.fields[findings]} findings"), TimeElapsedColumn(),
                            console=Console(file=sys.stderr), transient=True)
            self._task = self._bar.add_task("check", total=self.total, completed=self.done,
                                            findings=self.findings)
            self._bar.start()

    def elapsed(self) -> float:
        return time.perf_counter() - self.began

    def close(self) -> None:
        if self._timer is not None:
            self._timer.cancel()
        with self._lock:
            self._closed = True
            if self._bar is not None:
                self._bar.stop()


@contextmanager
def progress_for(args) -> Iterator[Progress]:
    """The run's progress: drawn only for a text report when stderr is a terminal
    (also when the report itself goes to a pipe or a file)."""
    progress = Progress(draw=args.format in HUMAN_FORMATS and not args.silent and sys.stderr.isatty())
    try:
        yield progress
    finally:
        progress.close()
