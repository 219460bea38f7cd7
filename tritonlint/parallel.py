"""Checking the files of a run on several processes.

Each worker gets the run's launch index once (at start-up, not per file) and
checks whole files; results come back in discovery order, so the output is the
same byte for byte as with one process. A run with few files that may hold a
kernel stays in this process: a pool would cost more to start than it saves.
"""
from __future__ import annotations

import os
from pathlib import Path
from typing import TYPE_CHECKING

from .diagnostics import FileResult
from .settings import Resolver, Settings

if TYPE_CHECKING:
    from .launch_facts import LaunchIndex
    from .progress import Progress

#: fewer files than this that pass the prefilter are checked in this process: starting
#: the workers (a server process that loads libcst and the analysis) costs about
#: what checking 20 kernel files costs
MIN_PARALLEL_KERNEL_FILES = 40
#: files handed to a worker at a time: small, because kernel files cluster in a few folders
CHUNK = 4


def default_jobs() -> int:
    """The cores this process may run on (the affinity mask, as a container sets it)."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # pragma: no cover - macOS, Windows
        return os.cpu_count() or 1


def processes_for(files: list[Path], jobs: int) -> int:
    """How many processes the run gets: ``jobs``, or 1 when too few files may hold
    a kernel for a pool to pay off. With several, the workers' server starts now,
    loading the analysis while this process reads the run's launches."""
    jobs = min(jobs, len(files))
    if jobs <= 1 or _kernel_files(files) < MIN_PARALLEL_KERNEL_FILES:
        return 1
    from multiprocessing import forkserver

    if _start_method().get_start_method() == "forkserver":
        forkserver.ensure_running()
    return jobs


def check_files(files: list[Path], resolver: Resolver, launches: "LaunchIndex", jobs: int,
                progress: "Progress | None" = None) -> list[FileResult]:
    """``jobs`` as :func:`processes_for` decided it."""
    from .engine import check_file

    settings = [resolver.for_path(f) for f in files]
    if jobs > 1:
        return _check_in_pool(files, settings, launches, jobs, progress)
    results = []
    for f, s in zip(files, settings, strict=True):
        results.append(check_file(f, s, launches))
        if progress is not None:
            progress.advance(results[-1])
    return results


def _kernel_files(files: list[Path]) -> int:
    """How many files pass the prefilter (counting stops at the threshold: only
    whether a pool pays off matters)."""
    from .discovery import might_have_kernels

    count = 0
    for f in files:
        try:
            count += might_have_kernels(f.read_text(encoding="utf-8", errors="replace"))
        except OSError:
            continue  # reported when the file itself is checked
        if count >= MIN_PARALLEL_KERNEL_FILES:
            break
    return count


def _check_in_pool(files: list[Path], settings: list[Settings], launches: "LaunchIndex", jobs: int,
                   progress: "Progress | None") -> list[FileResult]:
    from concurrent.futures import ProcessPoolExecutor

    with ProcessPoolExecutor(max_workers=jobs, mp_context=_start_method(), initializer=_start_worker,
                             initargs=(launches,)) as pool:
        results = []
        # map keeps the input order whatever order the workers finish in
        for result in pool.map(_check_one, files, settings, chunksize=CHUNK):
            results.append(result)
            if progress is not None:
                progress.advance(result)
        return results


def _start_method():
    """Workers forked from a fresh server process, not from this one: this one may
    run threads (the progress bar's) whose locks a plain fork would copy held. The
    server loads the analysis once, so each worker starts with it loaded."""
    import multiprocessing

    if "forkserver" not in multiprocessing.get_all_start_methods():  # pragma: no cover - Windows
        return multiprocessing.get_context("spawn")
    context = multiprocessing.get_context("forkserver")
    context.set_forkserver_preload(["tritonlint.engine", "tritonlint.analysis", "tritonlint.rules"])
    return context


_worker_launches: "LaunchIndex | None" = None


def _start_worker(launches: "LaunchIndex") -> None:
    global _worker_launches
    _worker_launches = launches


def _check_one(path: Path, settings: Settings) -> FileResult:
    from .engine import check_file

    return check_file(path, settings, _worker_launches)


def jobs_argument(value: str) -> int:
    """``--jobs N``: a whole number of processes, at least 1."""
    import argparse

    try:
        jobs = int(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"`{value}` is not a number of processes") from None
    if jobs < 1:
        raise argparse.ArgumentTypeError(f"`{value}`: at least one process is needed")
    return jobs
